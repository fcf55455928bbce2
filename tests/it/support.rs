//! The test harness: one PostgreSQL cluster per run (started by the same code as `kyodo serve`,
//! or the server in DATABASE_URL), a migrated and seeded template database, and for every test
//! a fresh database cloned from it with the real HTTP service in front.

use diesel::{Connection, PgConnection, RunQueryDsl};
use kyodo::app;
use kyodo::db::{LocalPostgres, QueryCounter};
use kyodo::web::AppState;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const TEMPLATE: &str = "kyodo_test_template";

pub struct Cluster {
    /// URL of a database on the server, used to create and drop the test databases.
    admin_url: String,
    local: Option<LocalPostgres>,
    /// Unique per run, so a reused server keeps no surprises from an earlier run.
    run: String,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

fn run_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("kyodo-test-{}", std::process::id()))
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (server, _) = base.rsplit_once('/').expect("a database URL has a path");
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

impl Cluster {
    /// Starts (or reuses) the cluster and prepares the template; called once from `main`.
    pub fn start() -> &'static Cluster {
        CLUSTER.get_or_init(|| {
            let (admin_url, local) = match std::env::var("DATABASE_URL") {
                Ok(url) => (url, None),
                Err(_) => {
                    // A cluster of this run's own: runs side by side never stop each other's.
                    let dir = run_folder().join("postgres");
                    let local =
                        LocalPostgres::start(&dir).unwrap_or_else(|e| panic!("test cluster: {e}"));
                    (local.url("postgres"), Some(local))
                }
            };
            let run = format!("t{}", std::process::id());
            let cluster = Cluster {
                admin_url,
                local,
                run,
            };
            cluster.prepare_template();
            cluster
        })
    }

    pub fn get() -> &'static Cluster {
        CLUSTER.get().expect("Cluster::start runs before the tests")
    }

    pub fn admin(&self) -> PgConnection {
        PgConnection::establish(&self.admin_url).expect("connect to the test server")
    }

    pub fn url(&self, database: &str) -> String {
        replace_database(&self.admin_url, database)
    }

    fn template_name(&self) -> String {
        format!("{TEMPLATE}_{}", self.run)
    }

    fn prepare_template(&self) {
        let template = self.template_name();
        let mut admin = self.admin();
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {template}"))
            .execute(&mut admin)
            .unwrap();
        diesel::sql_query(format!("CREATE DATABASE {template}"))
            .execute(&mut admin)
            .unwrap();
        kyodo::cli::prepare(&self.url(&template), kyodo::config::Command::Serve)
            .expect("migrate and seed the template");
    }

    /// A fresh database cloned from the template.
    pub fn fresh_database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "kyodo_{}_{}",
            self.run,
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = self.admin();
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {}",
            self.template_name()
        ))
        .execute(&mut admin)
        .unwrap_or_else(|e| panic!("create {name}: {e}"));
        name
    }

    pub fn drop_database(&self, name: &str) {
        let mut admin = self.admin();
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin);
    }

    /// Drops what this run created and stops the cluster if the run started it.
    pub fn finish(&self) {
        self.drop_database(&self.template_name());
        if let Some(local) = &self.local {
            local.stop().expect("stop the test cluster");
            let _ = std::fs::remove_dir_all(run_folder());
            let fallback = local
                .data_dir()
                .parent()
                .filter(|p| !p.starts_with(run_folder()));
            if let Some(fallback) = fallback {
                let _ = std::fs::remove_dir_all(fallback);
            }
        }
    }
}

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

/// Strips tags and collapses whitespace: the text a person reads.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Text with the entities the templates write turned back into characters.
pub fn unescape(text: &str) -> String {
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#x3D;", "="),
        ("&#x60;", "`"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text.to_owned(), |t, (entity, c)| t.replace(entity, c))
}

/// A visitor with a cookie jar, filling in forms as a person would.
pub struct Visitor {
    base: String,
    pub client: reqwest::Client,
}

/// The value of the hidden CSRF field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in:\n{html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
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
