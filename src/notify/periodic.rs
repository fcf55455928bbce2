//! The background tasks of `kyodo serve` that write emails on a schedule (a consultation that
//! opened, a meeting's reminder): every interval a job runs with the app's clock on the
//! blocking pool; the emails go to the outbox, which the email worker sends. Tests call the
//! jobs directly with their clock.

use crate::clock::Clock;
use crate::db::Pool;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use std::time::Duration;

/// A pass: writes what is due at `now` (links to the site at the public URL) and says how many.
pub trait Job:
    Fn(&mut PgConnection, DateTime<Utc>, &str) -> Result<usize> + Clone + Send + 'static
{
}
impl<F> Job for F where
    F: Fn(&mut PgConnection, DateTime<Utc>, &str) -> Result<usize> + Clone + Send + 'static
{
}

/// Starts `job` on the current actix (tokio) runtime, every `interval`; abort the handle to stop
/// it. `what` names its emails in the log.
pub fn spawn(
    what: &'static str,
    interval: Duration,
    pool: Pool,
    clock: Clock,
    public_url: String,
    job: impl Job,
) -> tokio::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        loop {
            let (pool, now, url) = (pool.clone(), clock.now(), public_url.clone());
            let job = job.clone();
            let pass = actix_web::web::block(move || -> Result<usize> {
                let mut conn = pool.get()?;
                job(&mut conn, now, &url)
            })
            .await
            .map_err(Error::from)
            .and_then(|r| r);
            match pass {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "{what} written"),
                Err(e) => tracing::warn!(error = %e, "{what} failed; retrying"),
            }
            tokio::time::sleep(interval).await;
        }
    })
}
