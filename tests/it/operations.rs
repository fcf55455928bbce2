//! Probes, and what happens when the database goes away and comes back.

use crate::support::{run, Cluster, TestApp};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    ("operations::probes_answer", probes_answer),
    (
        "operations::database_down_is_503_and_recovers_by_itself",
        database_down_is_503_and_recovers_by_itself,
    ),
];

fn probes_answer() {
    run(async {
        let app = TestApp::start().await;
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
        app.stop().await;
    })
}

/// Takes the app's database away by renaming it (after closing its connections), so the app
/// sees what it would see if the server were down, without stopping the shared cluster.
fn rename_database(from: &str, to: &str) {
    let mut admin = Cluster::get().admin();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{from}' AND pid <> pg_backend_pid()"
    ))
    .execute(&mut admin)
    .unwrap();
    diesel::sql_query(format!("ALTER DATABASE {from} RENAME TO {to}"))
        .execute(&mut admin)
        .unwrap();
}

fn database_down_is_503_and_recovers_by_itself() {
    run(async {
        let app = TestApp::start().await;
        assert_eq!(app.get("/measures/6-1").await.status(), 200);
        let away = format!("{}_away", app.database);
        rename_database(&app.database, &away);

        let page = app.get("/measures/6-1").await;
        assert_eq!(page.status(), 503);
        assert!(page.headers().contains_key("retry-after"));
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let text = page.text().await.unwrap();
        assert!(text.contains("一時的に"), "a Japanese explanation: {text}");
        assert!(
            !text.contains("database") && !text.contains("connection"),
            "no internals: {text}"
        );

        let api = app.get("/api/v1/measures/6-1").await;
        assert_eq!(api.status(), 503);
        assert!(api.headers().contains_key("retry-after"));
        assert_eq!(api.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = api.json().await.unwrap();
        assert_eq!(problem["status"], 503);

        assert_eq!(app.get("/readyz").await.status(), 503);
        assert_eq!(
            app.get("/healthz").await.status(),
            200,
            "the process is still up"
        );

        rename_database(&away, &app.database);
        assert_eq!(app.get("/readyz").await.status(), 200);
        assert_eq!(app.get("/measures/6-1").await.status(), 200);
        app.stop().await;
    })
}
