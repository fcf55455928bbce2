//! Raw SQL as named prepared statements.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A query that diesel keeps in the connection's statement cache, keyed by its SQL text and
/// bind types, so PostgreSQL parses and plans it once per connection instead of on every
/// request.
///
/// diesel cannot tell whether the text of `sql_query` or of a `dsl::sql` fragment is fixed, so
/// it marks such queries unsafe to cache: a text that grows with the input (a list of values
/// written into it, an identifier from a request) would add a cache entry, and a prepared
/// statement on the server, for every new text, without bound. Wrap only a query whose text is
/// a `&'static str` or one of a small set of variants chosen in code (a sort, a filter present
/// or not); values always go in as binds, lists as one array (`= ANY($1)`).
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(Q);

/// `query`, kept prepared: see [`Prepared`] for which texts may be.
pub fn prepared<Q>(query: Q) -> Prepared<Q> {
    Prepared(query)
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the cache key is the SQL text with its bind types, whatever the Rust type.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}

/// `query LIMIT rows`, the number written into the text rather than bound.
///
/// PostgreSQL plans a bound `LIMIT $n` as if a tenth of the rows were wanted, so the cached
/// (generic) plan of a prepared page query looks dearer than one made for its values, and
/// PostgreSQL plans the statement again on every execution. With the page size in the text the
/// cached plan is made for that many rows and kept. `rows` is a constant of the caller (a page
/// size), so the texts stay few, as [`Prepared`] requires. The query must have no limit itself.
pub fn limited<Q>(query: Q, rows: i64) -> Prepared<Limited<Q>> {
    Prepared(Limited { query, rows })
}

/// A query and the number of rows it stops at: see [`limited`].
#[derive(Debug, Clone, Copy)]
pub struct Limited<Q> {
    query: Q,
    rows: i64,
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Limited<Q> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass.reborrow())?;
        pass.push_sql(&format!(" LIMIT {}", self.rows));
        Ok(())
    }
}

impl<Q: Query> Query for Limited<Q> {
    type SqlType = Q::SqlType;
}
