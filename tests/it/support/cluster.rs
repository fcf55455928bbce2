//! The PostgreSQL side of the harness: one cluster per run (started by the same code as
//! `kyodo serve`, or the server in DATABASE_URL) and a migrated, seeded template database.

use diesel::{Connection, PgConnection, RunQueryDsl};
use kyodo::db::LocalPostgres;
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

    /// A fresh database cloned from the template, dropped when it is dropped.
    pub fn fresh_database(&self) -> TestDatabase {
        self.create_database(&format!("TEMPLATE {}", self.template_name()))
    }

    /// A fresh database with nothing in it (not even the schema), dropped when it is dropped.
    pub fn empty_database(&self) -> TestDatabase {
        self.create_database("")
    }

    fn create_database(&self, options: &str) -> TestDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("{}{}", self.prefix(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = self.admin();
        diesel::sql_query(format!("CREATE DATABASE {name} {options}"))
            .execute(&mut admin)
            .unwrap_or_else(|e| panic!("create {name}: {e}"));
        TestDatabase {
            url: self.url(&name),
            name,
        }
    }

    /// What the name of every test database of this run starts with (the run's own pid in
    /// it: a run never drops another's).
    fn prefix(&self) -> String {
        format!("kyodo_{}_", self.run)
    }

    /// Drops a database over a fresh admin connection, closing the connections still open to
    /// it (WITH (FORCE)). Never panics: it also runs while a failed test unwinds.
    pub fn drop_database(&self, name: &str) -> Result<(), String> {
        let mut admin = PgConnection::establish(&self.admin_url).map_err(|e| e.to_string())?;
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The test databases of this run that are still there.
    fn databases_left(&self) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Database {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let prefix = self.prefix();
        diesel::sql_query("SELECT datname::text AS datname FROM pg_database")
            .load::<Database>(&mut self.admin())
            .expect("list the databases")
            .into_iter()
            .map(|d| d.datname)
            .filter(|name| name.starts_with(&prefix))
            .collect()
    }

    /// Drops what this run created and stops the cluster if the run started it. Returns the
    /// test databases that were still there: every test drops its own (see [`TestDatabase`]),
    /// so any name here is a leak, dropped now all the same.
    pub fn finish(&self) -> Vec<String> {
        let left = self.databases_left();
        for name in left.iter().chain([&self.template_name()]) {
            if let Err(e) = self.drop_database(name) {
                eprintln!("could not drop the test database {name}: {e}");
            }
        }
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
        left
    }
}

/// A database of one test, dropped with `DROP DATABASE … WITH (FORCE)` when this is dropped:
/// at the end of the test, or while it unwinds from a failed assertion (`harness.rs` checks
/// both). What no `Drop` can clean up, a run killed outright, is left in the run's own cluster
/// folder, or on a DATABASE_URL server under names starting `kyodo_t<pid>_`.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // No panic here: during a failed test's unwinding a second one would abort the run.
        if let Some(cluster) = CLUSTER.get() {
            if let Err(e) = cluster.drop_database(&self.name) {
                eprintln!("could not drop the test database {}: {e}", self.name);
            }
        }
    }
}
