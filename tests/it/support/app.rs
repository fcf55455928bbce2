//! The app under test: the real HTTP service on a fresh database, and visitors talking to it.

use super::cluster::{Cluster, TestDatabase};
use super::html::csrf_of;
use diesel::{Connection, PgConnection};
use kyodo::app;
use kyodo::db::QueryCounter;
use kyodo::plan::cache::{Listener, PlanCache, Seen};
use kyodo::web::AppState;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the app may take to hear of a change to the plan (it looks every 100 ms, and
/// connects again a second after losing its connection): only a stop for a test that would hang.
const HEARING: Duration = Duration::from_secs(10);

/// The app on a fresh database, served over HTTP on a loopback port. Dropping it stops the
/// server and drops the database (see `impl Drop`): a test has nothing to clean up.
pub struct TestApp {
    pub base: String,
    /// Dropped after the server is told to stop, when the `TestApp` is.
    pub database: TestDatabase,
    pub queries: QueryCounter,
    pub client: reqwest::Client,
    /// The app's clock: `app.clock.set(at)` moves "now" (never sleep to pass a deadline).
    pub clock: kyodo::clock::Clock,
    /// The plan the app keeps in memory, and what it has heard of its changes.
    pub plan: actix_web::web::Data<PlanCache>,
    listener: Arc<Listener>,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(|_| {}).await
    }

    /// The app with settings changed from the defaults, e.g. `state.trust_proxy = true`.
    pub async fn start_with(configure: impl FnOnce(&mut AppState)) -> TestApp {
        let cluster = Cluster::get();
        let database = cluster.fresh_database();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = AppState::new(&database.url, &base);
        // Statements are always counted; `tests/it/statements.rs` also logs them (through here).
        configure(&mut state);
        let queries = state.queries.clone();
        let clock = state.clock.clone();
        let server = app::server(state, listener).expect("start the app");
        let handle = server.handle();
        let plan = server.plan();
        let listener = server.listener();
        actix_web::rt::spawn(server);
        let client = client().build().unwrap();
        let app = TestApp {
            base,
            database,
            queries,
            client,
            clock,
            plan,
            listener,
            handle,
        };
        // From here on every change to the plan is heard: a test waits for it, never guesses.
        app.wait_for_plan(|seen| seen.listening(), "listen for the plan's changes")
            .await;
        app
    }

    /// Writes the plan's tables directly, as another instance, `kyodo seed` or a person at psql
    /// would, in one transaction (so one notification), and waits until the app has heard of it.
    pub async fn change_plan<T, E: std::fmt::Debug + From<diesel::result::Error>>(
        &self,
        write: impl FnOnce(&mut PgConnection) -> Result<T, E>,
    ) -> T {
        let before = self.plan.seen();
        let written = self
            .db()
            .transaction(write)
            .unwrap_or_else(|e| panic!("change the plan: {e:?}"));
        self.plan_heard_since(before).await;
        written
    }

    /// Waits until the app has heard of a change to the plan made after `before`.
    pub async fn plan_heard_since(&self, before: Seen) {
        self.wait_for_plan(|seen| seen.heard_since(before), "hear of the plan's change")
            .await;
    }

    async fn wait_for_plan(&self, done: impl Fn(Seen) -> bool, what: &str) {
        let deadline = Instant::now() + HEARING;
        while !done(self.plan.seen()) {
            assert!(
                Instant::now() < deadline,
                "the app did not {what} within {HEARING:?} (its state: {:?}): is the plan's \
                 listener connected, and does the table have the plan_changed trigger?",
                self.plan.seen()
            );
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        get(&self.client, self.url(path), path).await
    }

    /// GET with the language cookie set.
    pub async fn get_in(&self, lang: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", format!("kyodo_lang={lang}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// The body of a page that must answer 200.
    pub async fn page(&self, path: &str) -> String {
        page(self.get(path).await, path).await
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// A browser-like visitor: its own cookies, following no redirects.
    pub fn visitor(&self) -> Visitor {
        let client = client().cookie_store(true).build().unwrap();
        Visitor {
            base: self.base.clone(),
            client,
        }
    }

    pub fn db(&self) -> PgConnection {
        self.database.conn()
    }

    /// Stops the server gracefully and waits for it, as `kyodo serve` does on SIGTERM.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

thread_local! {
    /// The stops of the servers dropped on this thread that `run` has not waited for yet.
    static STOPPING: RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>> = const { RefCell::new(Vec::new()) };
}

impl Drop for TestApp {
    /// Synchronous, so it also runs while a failed test unwinds: the server is told to stop
    /// (the command is sent now; `run` waits for the server after the test body), the plan's
    /// listener is stopped and its connection closed, then the `database` field is dropped,
    /// which drops the database WITH (FORCE) over a fresh admin connection (so the listener
    /// never sees its connection end). Nothing here panics.
    fn drop(&mut self) {
        let stopped = self.handle.stop(false);
        let _ = STOPPING.try_with(|stopping| stopping.borrow_mut().push(Box::pin(stopped)));
        self.listener.stop();
    }
}

/// Runs an async test body on the actix runtime the app needs, then waits until the servers of
/// the apps it dropped have stopped, whether the body returned or panicked. A panic goes on
/// after that, as the test's failure.
pub fn run<F: Future<Output = ()>>(body: F) {
    let system = actix_web::rt::System::new();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| system.block_on(body)));
    system.block_on(async {
        let stopping = STOPPING.with(|stopping| std::mem::take(&mut *stopping.borrow_mut()));
        for stopped in stopping {
            stopped.await;
        }
    });
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A visitor with a cookie jar, filling in forms as a person would.
pub struct Visitor {
    base: String,
    pub client: reqwest::Client,
}

impl Visitor {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        get(&self.client, self.url(path), path).await
    }

    pub async fn page(&self, path: &str) -> String {
        page(self.get(path).await, path).await
    }

    /// Opens `form_path`, then posts `fields` to `action` with the page's CSRF token.
    pub async fn submit(
        &self,
        form_path: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let csrf = csrf_of(&self.page(form_path).await);
        let mut body: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        body.extend_from_slice(fields);
        self.client
            .post(self.url(action))
            .form(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {action}: {e}"))
    }

    /// Posts without opening the form first (no or a foreign CSRF token).
    pub async fn post(&self, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(action))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {action}: {e}"))
    }
}

/// A client following no redirects, like a form-posting browser. It drops a kept-alive
/// connection well before the server's keep-alive (5 s) ends it: a test that pauses (a Python
/// parser, a slow machine) would otherwise send its next request on a socket the server is
/// closing, and fail with "error sending request".
fn client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
}

/// GET `url` (`path` on the app, for messages).
async fn get(client: &reqwest::Client, url: String, path: &str) -> reqwest::Response {
    client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// The body of a page that must answer 200.
async fn page(response: reqwest::Response, path: &str) -> String {
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}
