//! The plan kept in memory: a change shows on the next page, whoever made it, and the app's
//! listener for changes leaves with the app.

use crate::support::people::staff_member;
use crate::support::{run, visible_text, TestApp};
use diesel::r2d2::CustomizeConnection;
use diesel::sql_types::{BigInt, Integer};
use diesel::{PgConnection, QueryResult, QueryableByName, RunQueryDsl};
use kyodo::db::QueryCounter;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

pub const TESTS: &[(&str, fn())] = &[
    (
        "plan_cache::an_actual_value_written_elsewhere_shows_once_heard",
        an_actual_value_written_elsewhere_shows_once_heard,
    ),
    (
        "plan_cache::an_actual_value_recorded_by_staff_shows_at_once",
        an_actual_value_recorded_by_staff_shows_at_once,
    ),
    (
        "plan_cache::the_listener_leaves_with_the_server",
        the_listener_leaves_with_the_server,
    ),
    (
        "plan_cache::every_table_of_the_plan_tells_the_app",
        every_table_of_the_plan_tells_the_app,
    ),
];

/// NPO法人登録数 (5-1): 43 → 50 団体.
const NPO: &str = "SELECT id FROM kpis WHERE measure_code = '5-1' AND name = 'NPO法人登録数'";

/// Writes 2024's value of NPO法人登録数 as another instance would: its own connection, one
/// transaction.
pub fn npo_2024(conn: &mut PgConnection, value: i32) -> QueryResult<usize> {
    diesel::sql_query(format!(
        "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
         SELECT id, 2024, {value}, '埼玉県 NPO法人名簿' FROM ({NPO}) k
         ON CONFLICT (kpi_id, fiscal_year) DO UPDATE SET value = EXCLUDED.value"
    ))
    .execute(conn)
}

/// 2024's value of NPO法人登録数 as the API gives it.
pub async fn npo_in_api(app: &TestApp) -> serde_json::Value {
    let api = app.json("/api/v1/measures/5-1").await;
    let npo = api["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "NPO法人登録数")
        .unwrap()
        .clone();
    npo["actuals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["fiscal_year"] == 2024)
        .map(|a| a["value"].clone())
        .unwrap_or_default()
}

pub async fn measure_5_1(app: &TestApp) -> String {
    visible_text(&app.page("/measures/5-1").await)
}

fn an_actual_value_written_elsewhere_shows_once_heard() {
    run(async {
        let app = TestApp::start().await;
        // The page and the API have read the plan, which the app now keeps.
        assert!(!measure_5_1(&app).await.contains("令和6年度"));
        assert_eq!(npo_in_api(&app).await, serde_json::Value::Null);

        app.change_plan(|conn| npo_2024(conn, 46)).await;
        let text = measure_5_1(&app).await;
        assert!(text.contains("46 団体（令和6年度）"), "{text}");
        assert!(text.contains("目標までの進捗 42 %"), "{text}");
        assert_eq!(npo_in_api(&app).await, 46);

        // A correction, heard the same way.
        app.change_plan(|conn| npo_2024(conn, 47)).await;
        assert!(measure_5_1(&app).await.contains("47 団体（令和6年度）"));
        assert_eq!(npo_in_api(&app).await, 47);
    })
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

fn an_actual_value_recorded_by_staff_shows_at_once() {
    run(async {
        // The listener looks for notifications once an hour here: only the write itself can
        // tell the pages that the plan changed.
        let app = TestApp::start_with(|state| state.plan_poll = Duration::from_secs(3600)).await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let kpi = diesel::sql_query(NPO)
            .get_result::<Id>(&mut app.db())
            .unwrap()
            .id
            .to_string();
        assert!(!measure_5_1(&app).await.contains("令和6年度"));

        let recorded = admin
            .submit(
                "/staff/kpis/5-1",
                "/staff/kpis/5-1",
                &[
                    ("kpi", &kpi),
                    ("fiscal_year", "2024"),
                    ("value", "46"),
                    ("source", "埼玉県 NPO法人名簿"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(recorded.status(), 303);
        // No waiting for the notification: the instance that recorded it shows it.
        let text = measure_5_1(&app).await;
        assert!(text.contains("46 団体（令和6年度）"), "{text}");
        assert_eq!(npo_in_api(&app).await, 46);
        let form = visible_text(&admin.page("/staff/kpis/5-1").await);
        assert!(form.contains("46 団体（令和6年度）"), "{form}");
    })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The app's connections that listen for the plan's changes.
fn listening(app: &TestApp) -> i64 {
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM pg_stat_activity
         WHERE datname = '{}' AND query = 'LISTEN kyodo_plan'",
        app.database.name
    ))
    .get_result::<Count>(&mut app.db())
    .unwrap()
    .n
}

fn the_listener_leaves_with_the_server() {
    run(async {
        let app = TestApp::start().await;
        assert_eq!(listening(&app), 1, "one connection of its own listens");
        app.stop().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while listening(&app) > 0 {
            assert!(
                Instant::now() < deadline,
                "the listener's connection is still open after the server stopped"
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    })
}

/// A statement on any table the plan is read from is heard (a statement-level trigger fires
/// even when no row changes), so no page keeps showing what a table no longer says. The tables
/// are those `plan::queries::load` reads, as its statements name them.
fn every_table_of_the_plan_tells_the_app() {
    run(async {
        let app = TestApp::start().await;
        let tables = tables_the_plan_is_read_from(&mut app.db());
        assert!(tables.contains("kpi_actuals"), "{tables:?}");
        for table in tables {
            app.change_plan(|conn| {
                diesel::sql_query(format!("DELETE FROM {table} WHERE false")).execute(conn)
            })
            .await;
        }
    })
}

/// The tables named after `FROM` or `JOIN` in what loading the plan sends.
fn tables_the_plan_is_read_from(conn: &mut PgConnection) -> BTreeSet<String> {
    let sent = QueryCounter::default();
    sent.log_statements();
    sent.on_acquire(conn).unwrap();
    kyodo::plan::queries::load(conn).unwrap();
    sent.statements()
        .iter()
        .flat_map(|statement| {
            let words: Vec<&str> = statement.sql.split_whitespace().collect();
            words
                .windows(2)
                .filter(|w| w[0] == "FROM" || w[0] == "JOIN")
                .map(|w| w[1].trim_matches('"').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}
