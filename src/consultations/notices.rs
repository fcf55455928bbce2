//! The background task of `kyodo serve` that tells followers of a measure when a consultation
//! on it opens: every minute it runs [`model::emails::notify_opened`] with the app's clock. The
//! emails go to the outbox, which the email worker sends; tests call `notify_opened` directly.

use super::model;
use crate::clock::Clock;
use crate::db::Pool;
use crate::error::{Error, Result};
use std::time::Duration;

/// How often the task looks for consultations that opened.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Starts the task on the current actix (tokio) runtime; abort the handle to stop it.
pub fn spawn(pool: Pool, clock: Clock, public_url: String) -> tokio::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        loop {
            let (pool, now, url) = (pool.clone(), clock.now(), public_url.clone());
            let pass = actix_web::web::block(move || -> Result<usize> {
                let mut conn = pool.get()?;
                model::emails::notify_opened(&mut conn, now, &url)
            })
            .await
            .map_err(Error::from)
            .and_then(|r| r);
            match pass {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "consultation opening notices written"),
                Err(e) => {
                    tracing::warn!(error = %e, "consultation opening notices failed; retrying")
                }
            }
            tokio::time::sleep(INTERVAL).await;
        }
    })
}
