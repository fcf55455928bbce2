//! The background task of `kyodo serve` that tells followers of a measure when a consultation
//! on it opens: every minute it runs [`model::emails::notify_opened`] with the app's clock. The
//! emails go to the outbox, which the email worker sends; tests call `notify_opened` directly.

use super::model;
use crate::clock::Clock;
use crate::db::Pool;
use std::time::Duration;

/// How often the task looks for consultations that opened.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Starts the task on the current actix (tokio) runtime; abort the handle to stop it.
pub fn spawn(pool: Pool, clock: Clock, public_url: String) -> tokio::task::JoinHandle<()> {
    crate::notify::periodic::spawn(
        "consultation opening notices",
        INTERVAL,
        pool,
        clock,
        public_url,
        model::emails::notify_opened,
    )
}
