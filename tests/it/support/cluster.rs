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
