//! What the app sends the database: a count of statements, always, and, when a test asks for
//! it, a log of each statement and of how PostgreSQL received it.

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::CustomizeConnection;
use diesel::{Connection, PgConnection};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How a statement reached PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// A named statement of the connection's statement cache: parsed and planned once per
    /// connection, then only executed.
    Prepared,
    /// Parsed and planned again on every request.
    Unprepared,
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, a savepoint.
    Transaction,
}

/// One statement sent, as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub kind: StatementKind,
    pub sql: String,
}

#[derive(Debug, Default)]
struct Shared {
    count: AtomicU64,
    logging: AtomicBool,
    log: Mutex<Vec<Statement>>,
}

/// Counts the SQL statements the app runs, so tests can show that no page runs a query per
/// row; with [`QueryCounter::log_statements`], also keeps each statement and its kind.
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<Shared>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    /// Keeps every statement from now on. Tests turn it on before the first connection opens
    /// (a connection knows its cached statements only from then on); production never does,
    /// as rendering each statement's SQL costs a walk of its query.
    pub fn log_statements(&self) {
        self.0.logging.store(true, Ordering::Relaxed);
    }

    /// The statements kept so far, oldest first.
    pub fn statements(&self) -> Vec<Statement> {
        self.log().clone()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Vec<Statement>> {
        // A panic while holding the lock leaves a complete Vec: the log stays readable.
        self.0
            .log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for QueryCounter {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.set_instrumentation(OnConnection {
            counter: self.clone(),
            cached: HashSet::new(),
        });
        Ok(())
    }
}

/// The counter as one connection sees it: diesel announces a statement it prepares into the
/// connection's cache (`CacheQuery`) only on its first use there, so whether a later statement
/// is prepared depends on what this connection has cached.
struct OnConnection {
    counter: QueryCounter,
    cached: HashSet<String>,
}

impl Instrumentation for OnConnection {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        let logging = self.counter.0.logging.load(Ordering::Relaxed);
        match event {
            InstrumentationEvent::CacheQuery { sql, .. } if logging => {
                self.cached.insert(sql.to_owned());
            }
            InstrumentationEvent::FinishQuery { query, .. } => {
                self.counter.0.count.fetch_add(1, Ordering::Relaxed);
                if logging {
                    let shown = query.to_string();
                    // diesel shows a statement as its SQL followed by its parameters.
                    let sql = shown
                        .split_once(" -- binds: ")
                        .map_or(&*shown, |(sql, _)| sql);
                    let kind = if self.cached.contains(sql) {
                        StatementKind::Prepared
                    } else if is_transaction_control(sql) {
                        StatementKind::Transaction
                    } else {
                        StatementKind::Unprepared
                    };
                    self.counter.log().push(Statement {
                        kind,
                        sql: sql.to_owned(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// The statements diesel's transaction manager sends as plain text.
fn is_transaction_control(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or_default();
    !sql.contains(';')
        && ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
            .iter()
            .any(|word| first.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::is_transaction_control;

    #[test]
    fn transaction_control_is_told_from_queries() {
        for sql in [
            "BEGIN",
            "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "COMMIT",
            "ROLLBACK",
            "SAVEPOINT diesel_savepoint_1",
            "RELEASE SAVEPOINT diesel_savepoint_1",
            "ROLLBACK TO SAVEPOINT diesel_savepoint_1",
        ] {
            assert!(is_transaction_control(sql), "{sql}");
        }
        for sql in [
            "SELECT 1",
            "BEGIN; DELETE FROM sessions",
            "UPDATE sessions SET last_seen_at = now()",
            "",
        ] {
            assert!(!is_transaction_control(sql), "{sql}");
        }
    }
}
