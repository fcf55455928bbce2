//! The app under test: the real HTTP service on a fresh database, and visitors talking to it.

use super::cluster::Cluster;
use super::html::csrf_of;
use diesel::{Connection, PgConnection};
use kyodo::app::{self, AppState};
use kyodo::db::QueryCounter;

/// The app on a fresh database, served over HTTP on a loopback port.
pub struct TestApp {
    pub base: String,
    pub database: String,
    pub database_url: String,
    pub queries: QueryCounter,
    pub client: reqwest::Client,
    /// The app's clock: `app.clock.set(at)` moves "now" (never sleep to pass a deadline).
    pub clock: kyodo::clock::Clock,
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
        let database_url = cluster.url(&database);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut state = AppState::new(&database_url, &base);
        configure(&mut state);
        let queries = state.queries.clone();
        let clock = state.clock.clone();
        let server = app::server(state, listener).expect("start the app");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            database,
            database_url,
            queries,
            client,
            clock,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
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
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// A browser-like visitor: its own cookies, following no redirects.
    pub fn visitor(&self) -> Visitor {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Visitor {
            base: self.base.clone(),
            client,
        }
    }

    pub fn db(&self) -> PgConnection {
        PgConnection::establish(&self.database_url).unwrap()
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
        Cluster::get().drop_database(&self.database);
    }
}

/// Runs an async test body on the actix runtime the app needs.
pub fn run<F: std::future::Future<Output = ()>>(body: F) {
    actix_web::rt::System::new().block_on(body)
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
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
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
