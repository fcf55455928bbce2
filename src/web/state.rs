//! What every handler can reach: the pool, the clock, the public address, and the problem
//! details every API error answers with.

use crate::db::{self, Pool, QueryCounter};
use crate::error::Result;
use actix_web::web;
use diesel::prelude::*;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    /// Where the pool connects: a listener keeps a connection of its own there.
    pub database_url: String,
    /// Whether the database was found away (requests then wait for it only briefly).
    pub outage: db::Outage,
    /// SQL statements run so far (tests read it).
    pub queries: QueryCounter,
    /// The site's public address, for links in emails (`KYODO_PUBLIC_URL`).
    pub public_url: String,
    /// Whether client addresses come from a reverse proxy's headers (`KYODO_TRUST_PROXY`).
    pub trust_proxy: bool,
    /// "Now" for decisions by date (consultation deadlines); tests set it.
    pub clock: crate::clock::Clock,
    /// How often the plan's listener looks for notifications (no round trip: it reads its
    /// socket). A test that must not hear a change in time sets it long.
    pub plan_poll: std::time::Duration,
    /// The bearer token for `/metrics` (`KYODO_METRICS_TOKEN`); set, the public address serves
    /// it too.
    pub metrics_token: Option<String>,
}

impl AppState {
    pub fn new(database_url: &str, public_url: &str) -> AppState {
        let queries = QueryCounter::default();
        AppState {
            pool: db::pool(database_url, queries.clone()),
            database_url: database_url.to_owned(),
            outage: db::Outage::default(),
            queries,
            public_url: public_url.trim_end_matches('/').to_owned(),
            trust_proxy: false,
            clock: crate::clock::Clock::system(),
            plan_poll: std::time::Duration::from_millis(100),
            metrics_token: None,
        }
    }

    /// Runs blocking database work off the async executor.
    pub async fn db<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> Result<T> + Send + 'static,
    {
        let (pool, outage) = (self.pool.clone(), self.outage.clone());
        web::block(move || {
            let mut conn = outage.checkout(&pool)?;
            work(&mut conn)
        })
        .await?
    }
}

/// RFC 9457 problem details, the body of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[schema(example = "about:blank")]
    pub r#type: String,
    #[schema(example = "ページが見つかりません")]
    pub title: String,
    #[schema(example = 404)]
    pub status: u16,
    pub detail: String,
    #[schema(example = "/api/v1/measures/9-9")]
    pub instance: String,
}
