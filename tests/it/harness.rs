//! The harness itself: a test leaves no database behind, whether it ends, drops its app early
//! or fails.

use crate::support::{run, Cluster, TestApp};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    (
        "harness::an_app_dropped_early_has_dropped_its_database",
        an_app_dropped_early_has_dropped_its_database,
    ),
    (
        "harness::a_failed_test_still_drops_its_database",
        a_failed_test_still_drops_its_database,
    ),
];

fn exists(database: &str) -> bool {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{database}')"
    )))
    .get_result(&mut Cluster::get().admin())
    .unwrap()
}

fn an_app_dropped_early_has_dropped_its_database() {
    run(async {
        let app = TestApp::start().await;
        assert_eq!(app.get("/healthz").await.status(), 200);
        let name = app.database.name.clone();
        assert!(exists(&name));
        drop(app);
        assert!(!exists(&name), "{name} is dropped with the app, at once");
    })
}

fn a_failed_test_still_drops_its_database() {
    let name = std::sync::Mutex::new(String::new());
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(async {
            let app = TestApp::start().await;
            *name.lock().unwrap() = app.database.name.clone();
            assert_eq!(app.get("/healthz").await.status(), 200);
            // A failed assertion unwinds the same way; this one only skips the panic hook, so
            // the run's log shows no message or backtrace for a failure that is on purpose.
            std::panic::resume_unwind(Box::new("a failing test"));
        })
    }));
    assert!(failed.is_err(), "the test failed");
    let name = name.into_inner().unwrap();
    assert!(!name.is_empty());
    assert!(!exists(&name), "{name} is dropped although its test failed");
}
