//! Reading the test's database directly: what the pages do not show.

use super::TestApp;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The `n` of a query such as `SELECT count(*) AS n FROM …`.
pub fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut app.db())
        .unwrap()
        .n
}

/// The one text value a SELECT gives, under any name (it runs as a subquery).
pub fn text(app: &TestApp, sql: &str) -> String {
    diesel::select(diesel::dsl::sql::<Text>(&format!("({sql})")))
        .get_result::<String>(&mut app.db())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}
