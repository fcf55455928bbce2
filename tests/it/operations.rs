//! Probes, and what happens when the database goes away and comes back.

use crate::plan_cache::{measure_5_1, npo_2024, npo_in_api};
use crate::support::people::resident;
use crate::support::{csrf_of, run, Cluster, TestApp};
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::time::{Duration, Instant};

pub const TESTS: &[(&str, fn())] = &[
    ("operations::probes_answer", probes_answer),
    (
        "operations::database_down_is_503_and_recovers_by_itself",
        database_down_is_503_and_recovers_by_itself,
    ),
    (
        "operations::signed_in_people_get_503_with_their_text_during_an_outage",
        signed_in_people_get_503_with_their_text_during_an_outage,
    ),
    (
        "operations::the_plan_is_heard_again_after_the_database_comes_back",
        the_plan_is_heard_again_after_the_database_comes_back,
    ),
    (
        "operations::sessions_the_server_ended_fail_no_request",
        sessions_the_server_ended_fail_no_request,
    ),
];

fn probes_answer() {
    run(async {
        let app = TestApp::start().await;
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
    })
}

/// Ends every session on `database` as a restart of the server does (each is told FATAL
/// "terminating connection due to administrator command"), and waits until their processes
/// have exited, so their sockets are closed (`pg_terminate_backend` with a timeout waits, and
/// works on a remote DATABASE_URL too). Returns how many there were.
fn end_sessions(database: &str) -> usize {
    #[derive(diesel::QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exited: bool,
    }
    let ended: Vec<Backend> = diesel::sql_query(format!(
        "SELECT pid, pg_terminate_backend(pid, 10000) AS exited FROM pg_stat_activity
         WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ))
    .load(&mut Cluster::get().admin())
    .unwrap();
    for backend in &ended {
        assert!(backend.exited, "backend {} exits", backend.pid);
    }
    ended.len()
}

/// Takes the app's database away by renaming it (after closing its connections), so the app
/// sees what it would see if the server were down, without stopping the shared cluster.
/// A test failing while its database is away leaves `…_away` behind for `Cluster::finish`,
/// which drops every database of the run still there.
fn rename_database(from: &str, to: &str) {
    end_sessions(from);
    let mut admin = Cluster::get().admin();
    diesel::sql_query(format!("ALTER DATABASE {from} RENAME TO {to}"))
        .execute(&mut admin)
        .unwrap();
}

fn database_down_is_503_and_recovers_by_itself() {
    run(async {
        let app = TestApp::start().await;
        assert_eq!(app.get("/measures/6-1").await.status(), 200);
        let away = format!("{}_away", app.database.name);
        rename_database(&app.database.name, &away);

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

        rename_database(&away, &app.database.name);
        assert_eq!(app.get("/readyz").await.status(), 200);
        assert_eq!(app.get("/measures/6-1").await.status(), 200);
    })
}

/// A signed-in resident is not signed out by an outage: their page and their form answer 503
/// with `Retry-After` at once (the outage is remembered, not waited for again), the comment
/// they typed shown back; `/healthz` answers without the database, cookie or not.
fn signed_in_people_get_503_with_their_text_during_an_outage() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let csrf = csrf_of(&hanako.page("/measures/5-1").await);
        let away = format!("{}_away", app.database.name);
        rename_database(&app.database.name, &away);
        // The first request finds the database away (waiting the pool's check-out timeout).
        assert_eq!(app.get("/readyz").await.status(), 503);

        let started = Instant::now();
        let page = hanako.get("/measures/5-1").await;
        assert_eq!(page.status(), 503, "not sent to sign in");
        assert_eq!(page.headers()["retry-after"], "5");
        assert!(page.text().await.unwrap().contains("一時的に"));

        let comment = "西富田の花壇に、季節の花を植える会を開きませんか。";
        let posted = hanako
            .client
            .post(hanako.url("/measures/5-1/comments"))
            .form(&[("csrf", csrf.as_str()), ("body", comment)])
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 503, "not sent to sign in");
        assert_eq!(posted.headers()["retry-after"], "5");
        let html = posted.text().await.unwrap();
        assert!(
            html.contains(comment),
            "the typed comment is shown back: {html}"
        );
        assert!(html.contains("入力した内容"), "{html}");
        assert!(!html.contains(&csrf), "never the token");

        // Anyone's form the same way, never a password.
        let stranger = app.visitor();
        let posted = stranger
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "taro@example.jp"),
                    ("password", "秘密のパスワード"),
                ],
            )
            .await;
        assert_eq!(posted.status(), 503);
        let html = posted.text().await.unwrap();
        assert!(html.contains("taro@example.jp"), "{html}");
        assert!(!html.contains("秘密のパスワード"), "{html}");

        let health = hanako.get("/healthz").await;
        assert_eq!(health.status(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "answered at once: {:?}",
            started.elapsed()
        );

        rename_database(&away, &app.database.name);
        // Once it is back, the person is still signed in.
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.get("/readyz").await.status() != 200 {
            assert!(Instant::now() < deadline, "the database came back");
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(hanako.page("/account").await.contains("本庄花子"));
    })
}

/// The app keeps the plan while it hears its changes. With the database away it hears nothing;
/// once the database is back it listens again, and what changed meanwhile (unheard) shows too.
fn the_plan_is_heard_again_after_the_database_comes_back() {
    run(async {
        let app = TestApp::start().await;
        assert!(
            !measure_5_1(&app).await.contains("令和6年度"),
            "the plan kept"
        );
        let before = app.plan.seen();
        let away = format!("{}_away", app.database.name);
        rename_database(&app.database.name, &away);
        // A change nobody can hear: made on the database while the app cannot reach it.
        npo_2024(
            &mut PgConnection::establish(&Cluster::get().url(&away)).unwrap(),
            46,
        )
        .unwrap();
        rename_database(&away, &app.database.name);

        app.plan_heard_since(before).await;
        assert!(measure_5_1(&app).await.contains("46 団体（令和6年度）"));
        assert_eq!(npo_in_api(&app).await, 46);
        // It listens again: a change now is heard.
        app.change_plan(|conn| npo_2024(conn, 47)).await;
        assert!(measure_5_1(&app).await.contains("47 団体（令和6年度）"));
        assert_eq!(npo_in_api(&app).await, 47);
    })
}

/// PostgreSQL restarts under the running app (here: ends every session of the app, as a
/// restart does): the pool's idle connections are dead, and the pool finds that out on
/// check-out, so the next pages answer 200 at once, none 500 or 503.
fn sessions_the_server_ended_fail_no_request() {
    run(async {
        let app = TestApp::start().await;
        let resident_visitor = app.visitor();
        resident(&app, &resident_visitor, "hanako@example.jp", "本庄花子").await;
        let pages = ["/", "/measures/6-1", "/api/v1/measures/6-1", "/proposals"];
        for _ in 0..2 {
            // At once, so that the pool holds several connections.
            let answers = tokio::join!(
                app.get(pages[0]),
                app.get(pages[1]),
                app.get(pages[2]),
                resident_visitor.get(pages[3]),
            );
            for answer in [answers.0, answers.1, answers.2, answers.3] {
                assert_eq!(answer.status(), 200, "{}", answer.url());
            }
            assert!(
                end_sessions(&app.database.name) > 0,
                "the app had connections open"
            );
            for page in pages {
                assert_eq!(app.get(page).await.status(), 200, "{page}");
            }
            assert!(
                resident_visitor.page("/account").await.contains("本庄花子"),
                "still signed in"
            );
        }
    })
}
