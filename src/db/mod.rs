//! The database: connection pool, embedded migrations, and the choice between the configured
//! server and the private cluster Kyodo starts itself.

pub mod embedded;
mod prepared;
pub mod schema;
mod statements;

use crate::error::{Error, Result};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, ManageConnection, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub use embedded::LocalPostgres;
pub use prepared::{limited, prepared, Limited, Prepared};
pub use statements::{QueryCounter, Statement, StatementKind};

pub type Pool = diesel::r2d2::Pool<Manager>;
pub type Conn = PooledConnection<Manager>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The database name Kyodo creates on its private cluster.
pub const DATABASE_NAME: &str = "kyodo";

/// How long a request waits for a connection while the database answers (all 16 may be busy).
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);
/// While the database is known to be away, a request waits only this long for a connection:
/// enough to open one when the database is back, little enough to answer 503 at once.
const PROBE_TIMEOUT: Duration = Duration::from_millis(250);

/// The time requests waited for a connection from the pool (a Prometheus histogram).
pub const POOL_WAIT_SECONDS: &str = "kyodo_db_pool_wait_seconds";

/// Remembers that the database was found away, so that during an outage each request answers
/// 503 quickly instead of waiting the full check-out timeout; the first request that gets a
/// connection again ends it.
#[derive(Debug, Clone, Default)]
pub struct Outage(Arc<std::sync::atomic::AtomicBool>);

impl Outage {
    pub fn checkout(&self, pool: &Pool) -> Result<Conn> {
        let timeout = if self.0.load(Ordering::Relaxed) {
            PROBE_TIMEOUT
        } else {
            CHECKOUT_TIMEOUT
        };
        let waited = std::time::Instant::now();
        let got = pool.get_timeout(timeout);
        metrics::histogram!(POOL_WAIT_SECONDS).record(waited.elapsed().as_secs_f64());
        match got {
            Ok(conn) => {
                self.0.store(false, Ordering::Relaxed);
                Ok(conn)
            }
            Err(e) => {
                // A pool with every connection busy is load, not an outage: only a pool that
                // could open more and did not is the database away.
                if pool.state().connections < pool.max_size() {
                    self.0.store(true, Ordering::Relaxed);
                }
                Err(e.into())
            }
        }
    }
}

/// A `LIKE` pattern matching text that contains `term`, its wildcards (`%`, `_`) and the
/// escape character taken literally.
pub fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// diesel's connection manager, but checking a connection on check-out without a round trip.
///
/// A connection the server ended (a restart, `pg_terminate_backend`, an idle timeout) has a
/// FATAL message and then the end of the stream waiting on its idle socket. Reading them tells
/// that it is dead, where diesel's check sends `SELECT 1` and waits for the answer on every
/// check-out. libpq's `PQconsumeInput` (which `notifications_iter` calls) reads what is
/// waiting without blocking: the first read takes the message, the second finds the end of
/// the stream, and libpq reports the connection lost. On a healthy connection both find
/// nothing. Two dead connections pass the check, and the request that got one fails as if the
/// connection broke mid-request: one whose backend has sent FATAL but not yet closed its socket
/// (a short window while it exits), and one whose server vanished without closing it (a
/// network partition), which fails only when TCP gives up.
#[derive(Debug)]
pub struct Manager(ConnectionManager<PgConnection>);

impl ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConnection, Self::Error> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), Self::Error> {
        for _ in 0..2 {
            if let Some(Err(e)) = conn.notifications_iter().next() {
                return Err(diesel::r2d2::Error::QueryError(e));
            }
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        self.0.has_broken(conn)
    }
}

/// A pool that is built without connecting, so the app starts (and `/readyz` reports) while the
/// database is away, and recovers by itself when it returns.
pub fn pool(url: &str, counter: QueryCounter) -> Pool {
    diesel::r2d2::Pool::builder()
        .max_size(16)
        .min_idle(Some(0))
        .connection_timeout(CHECKOUT_TIMEOUT)
        .test_on_check_out(true)
        .connection_customizer(Box::new(counter))
        .build_unchecked(Manager(ConnectionManager::new(url)))
}

pub fn migrate(conn: &mut PgConnection) -> Result<()> {
    conn.run_pending_migrations(MIGRATIONS)
        .map(|applied| {
            for version in applied {
                tracing::info!(%version, "applied migration");
            }
        })
        .map_err(|e| Error::Setup(format!("database migration failed: {e}")))
}

/// Refuses a schema older than this binary, naming the command that upgrades it: with a
/// configured server, migrating is the operator's step (`kyodo migrate`), never a side effect
/// of starting.
pub fn check_schema(conn: &mut PgConnection) -> Result<()> {
    let pending = conn
        .pending_migrations(MIGRATIONS)
        .map_err(|e| Error::Setup(format!("cannot read the database's migrations: {e}")))?;
    match pending.first() {
        None => Ok(()),
        Some(first) => Err(Error::Setup(format!(
            "the database schema is older than this kyodo: {} migration(s) to apply, from {}. \
             Run `kyodo migrate` (after a backup), then start again; or set KYODO_MIGRATE=auto \
             to migrate at every start",
            pending.len(),
            first.name()
        ))),
    }
}

/// Creates `name` on the server `admin_url` points at, unless it exists.
pub fn create_database_if_missing(admin_url: &str, name: &str) -> Result<()> {
    let mut conn = PgConnection::establish(admin_url)?;
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{}')",
        name.replace('\'', "''")
    )))
    .get_result(&mut conn)?;
    if !exists {
        diesel::sql_query(format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut conn)?;
        tracing::info!(database = name, "created database");
    }
    Ok(())
}

/// The database Kyodo talks to: the configured server, or its own private cluster.
pub struct Database {
    pub url: String,
    pub local: Option<LocalPostgres>,
}

impl Database {
    /// Uses `database_url` when given; otherwise starts (or reuses) the private cluster in
    /// `data_dir/postgres` and creates the `kyodo` database on it.
    pub fn open(database_url: Option<&str>, data_dir: &std::path::Path) -> Result<Database> {
        if let Some(url) = database_url {
            return Ok(Database {
                url: url.to_owned(),
                local: None,
            });
        }
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::Setup(format!("cannot create {}: {e}", data_dir.display())))?;
        let local = LocalPostgres::start(&data_dir.join("postgres"))?;
        create_database_if_missing(&local.url("postgres"), DATABASE_NAME)?;
        Ok(Database {
            url: local.url(DATABASE_NAME),
            local: Some(local),
        })
    }

    /// Makes this process the owner of the private cluster (`kyodo serve`), which it then
    /// stops on exit whoever started it. Nothing to do with `DATABASE_URL`.
    pub fn claim(&mut self) -> Result<()> {
        if let Some(local) = &mut self.local {
            if !local.claim()? {
                tracing::info!(
                    "another kyodo serve owns the PostgreSQL in {}; it stops it",
                    local.data_dir().display()
                );
            }
        }
        Ok(())
    }

    /// Stops the private cluster, if this process started or owns it.
    pub fn close(self) {
        if let Some(local) = self.local.filter(LocalPostgres::stops_on_exit) {
            if let Err(e) = local.stop() {
                tracing::warn!(error = %e, "could not stop PostgreSQL cleanly");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_terms_match_literally() {
        assert_eq!(contains_pattern("taro"), "%taro%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(contains_pattern("100%_\\達成"), "%100\\%\\_\\\\達成%");
    }
}
