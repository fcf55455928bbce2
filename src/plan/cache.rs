//! The plan kept in memory. Every public page reads the plan, yet it changes only when seeds
//! load or staff record an actual value (実績値): a request finds the [`Snapshot`] here and
//! sends no statement for it, unless the plan changed since it was read.
//!
//! Changes are heard from PostgreSQL, so those of another instance, of `kyodo seed` or of anyone
//! writing the plan's tables count too: a trigger on every table the snapshot reads notifies
//! [`CHANNEL`] (migration `2026-12-07-000017_plan_changes`), and the [`Listener`] thread, on a
//! connection of its own, moves the generation on. While it has no connection (the database
//! away, the app started before it), no snapshot is trusted: every request reads the plan, as
//! without a cache.

use super::queries::{self, Snapshot};
use crate::error::{Error, Result};
use crate::web::AppState;
use actix_web::{web, HttpRequest};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// What the plan's triggers notify.
pub const CHANNEL: &str = "kyodo_plan";
/// How often the listener looks for notifications (without a round trip to the database).
const POLL: Duration = Duration::from_millis(100);
/// How long the listener waits before connecting again after failing or losing its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// The cache's state in one word, so a request reads both halves at once: how many changes were
/// heard (the generation) and, in the lowest bit, whether the listener would hear the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen(u64);

impl Seen {
    const LISTENING: u64 = 1;

    fn generation(self) -> u64 {
        self.0 >> 1
    }

    pub fn listening(self) -> bool {
        self.0 & Self::LISTENING != 0
    }

    /// One change more.
    fn changed(self) -> Seen {
        Seen(self.0 + 2)
    }

    /// The listener lost its connection: changes from now on may go unheard.
    fn deaf(self) -> Seen {
        Seen(self.0 & !Self::LISTENING)
    }

    /// The listener listens (again). What changed while it did not was missed: count a change.
    fn listening_again(self) -> Seen {
        Seen(self.changed().0 | Self::LISTENING)
    }

    /// Whether a snapshot whose loading started at `self` still shows the plan at `now`.
    fn holds_at(self, now: Seen) -> bool {
        now.listening() && self == now
    }

    /// Whether a snapshot loaded from `self` should replace the one kept from `kept`: only one
    /// that can hold, and never by an older one.
    fn replaces(self, kept: Option<Seen>) -> bool {
        self.listening() && kept.is_none_or(|kept| kept.generation() < self.generation())
    }

    /// Whether the app heard of a change made after `before`: it listens, and counted one since.
    pub fn heard_since(self, before: Seen) -> bool {
        self.listening() && self.generation() > before.generation()
    }
}

/// The kept snapshot and the state it was read at. Registered as app data by `app`, which
/// starts its [`Listener`].
#[derive(Debug)]
pub struct PlanCache {
    seen: AtomicU64,
    kept: RwLock<Option<(Seen, Arc<Snapshot>)>>,
}

impl Default for PlanCache {
    fn default() -> Self {
        PlanCache {
            seen: AtomicU64::new(0),
            kept: RwLock::new(None),
        }
    }
}

impl PlanCache {
    pub fn seen(&self) -> Seen {
        Seen(self.seen.load(Ordering::SeqCst))
    }

    fn update(&self, change: fn(Seen) -> Seen) {
        // The closure always returns Some: the update cannot fail.
        let _ = self
            .seen
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                Some(change(Seen(s)).0)
            });
    }

    /// The plan changed (this instance wrote it, and shows it before the notification comes).
    pub fn changed(&self) {
        self.update(Seen::changed);
    }

    /// The kept snapshot, if it still holds.
    fn fresh(&self) -> Option<Arc<Snapshot>> {
        let now = self.seen();
        let kept = self.kept.read().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(at, _)| at.holds_at(now))
            .map(|(_, snapshot)| snapshot.clone())
    }

    /// The plan: the kept snapshot while it holds, otherwise read with `conn`. The state is
    /// taken before reading, so a change landing during the read leaves the snapshot stale.
    pub fn snapshot(&self, conn: &mut PgConnection) -> Result<Arc<Snapshot>> {
        if let Some(snapshot) = self.fresh() {
            return Ok(snapshot);
        }
        let at = self.seen();
        let snapshot = Arc::new(queries::load(conn)?);
        let mut kept = self.kept.write().unwrap_or_else(PoisonError::into_inner);
        if at.replaces(kept.as_ref().map(|(seen, _)| *seen)) {
            *kept = Some((at, snapshot.clone()));
        }
        Ok(snapshot)
    }
}

/// The cache `app` registered (an app without one gets an empty cache that is never trusted,
/// so every request reads the plan).
pub fn of(req: &HttpRequest) -> web::Data<PlanCache> {
    req.app_data::<web::Data<PlanCache>>()
        .cloned()
        .unwrap_or_default()
}

/// The plan for a page that needs nothing else from the database: while the kept snapshot
/// holds, not even a connection is checked out.
pub async fn read(req: &HttpRequest, state: &AppState) -> Result<Arc<Snapshot>> {
    let cache = of(req);
    match cache.fresh() {
        Some(snapshot) => Ok(snapshot),
        None => state.db(move |conn| cache.snapshot(conn)).await,
    }
}

/// The thread that hears the plan's changes. Dropping this stops it.
pub struct Listener {
    _stop: mpsc::Sender<()>,
}

/// Starts listening for `cache` on a connection of its own to `database_url` (not one of the
/// pool's: it stays open as long as the app runs).
pub fn listen(cache: web::Data<PlanCache>, database_url: String) -> Result<Listener> {
    let (stop, stopped) = mpsc::channel();
    std::thread::Builder::new()
        .name("plan-listener".into())
        .spawn(move || run(&cache, &database_url, &stopped))
        .map_err(|e| Error::Setup(format!("cannot start the plan's listener: {e}")))?;
    Ok(Listener { _stop: stop })
}

fn connect(database_url: &str) -> Result<PgConnection> {
    let mut conn = PgConnection::establish(database_url)?;
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(conn)
}

/// Whether a notification arrived. Reads what the socket holds: no statement, no round trip.
fn heard(conn: &mut PgConnection) -> Result<bool> {
    let mut heard = false;
    for notification in conn.notifications_iter() {
        notification?;
        heard = true;
    }
    Ok(heard)
}

fn run(cache: &PlanCache, database_url: &str, stopped: &mpsc::Receiver<()>) {
    let mut conn: Option<PgConnection> = None;
    let mut next_attempt = Instant::now();
    let mut failing = false;
    loop {
        match conn.as_mut() {
            Some(listening) => match heard(listening) {
                Ok(true) => cache.changed(),
                Ok(false) => {}
                Err(e) => {
                    cache.update(Seen::deaf);
                    conn = None;
                    next_attempt = Instant::now() + RECONNECT;
                    tracing::warn!(error = %e, "the plan's listener lost its connection; pages read the plan from the database until it is back");
                    failing = true;
                }
            },
            None if Instant::now() >= next_attempt => match connect(database_url) {
                Ok(listening) => {
                    conn = Some(listening);
                    cache.update(Seen::listening_again);
                    if failing {
                        tracing::info!("the plan's listener is connected again");
                        failing = false;
                    }
                }
                Err(e) => {
                    next_attempt = Instant::now() + RECONNECT;
                    if failing {
                        tracing::debug!(error = %e, "the plan's listener still cannot connect");
                    } else {
                        tracing::warn!(error = %e, "the plan's listener cannot connect; pages read the plan from the database until it can");
                        failing = true;
                    }
                }
            },
            None => {}
        }
        if stopped.recv_timeout(POLL) != Err(mpsc::RecvTimeoutError::Timeout) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: Seen = Seen(0);

    #[test]
    fn nothing_holds_before_the_listener_listens() {
        assert!(!START.listening());
        assert!(!START.holds_at(START));
        assert!(!START.replaces(None), "never kept: it could never hold");
    }

    #[test]
    fn a_snapshot_holds_until_the_next_change() {
        let listening = START.listening_again();
        assert!(listening.holds_at(listening));
        assert!(listening.replaces(None));
        let changed = listening.changed();
        assert!(changed.listening());
        assert!(!listening.holds_at(changed));
        assert!(changed.holds_at(changed));
    }

    #[test]
    fn a_change_during_a_load_leaves_it_stale() {
        // The state is read before loading; a change lands; the load ends and is kept.
        let before_loading = START.listening_again();
        let now = before_loading.changed();
        assert!(!before_loading.holds_at(now));
        // A request that started after the change replaces it; the older load never does.
        assert!(now.replaces(Some(before_loading)));
        assert!(!before_loading.replaces(Some(now)));
        assert!(
            !now.replaces(Some(now)),
            "the same state: either snapshot holds"
        );
    }

    #[test]
    fn nothing_holds_while_the_listener_is_away_nor_after_it_is_back() {
        let listening = START.listening_again();
        let deaf = listening.deaf();
        assert!(!deaf.listening());
        assert!(!listening.holds_at(deaf), "changes may go unheard");
        assert!(!deaf.holds_at(deaf));
        assert!(!deaf.replaces(Some(listening)));
        // Back: what changed meanwhile was missed, so the snapshot from before is stale.
        let back = deaf.listening_again();
        assert!(back.listening());
        assert!(!listening.holds_at(back));
        assert!(back.replaces(Some(listening)));
        // A change counted by this instance while deaf changes nothing of that.
        assert!(!deaf.changed().listening());
    }

    #[test]
    fn a_change_is_heard_once_the_listener_listens() {
        let listening = START.listening_again();
        assert!(
            listening.heard_since(START),
            "connecting counts as a change"
        );
        assert!(!listening.heard_since(listening));
        assert!(listening.changed().heard_since(listening));
        assert!(
            !listening.changed().deaf().heard_since(listening),
            "not while deaf"
        );
        assert!(listening.deaf().listening_again().heard_since(listening));
    }

    #[test]
    fn an_app_without_a_listener_reads_the_plan_every_time() {
        let cache = PlanCache::default();
        cache.changed();
        assert!(!cache.seen().listening());
        assert!(cache.fresh().is_none());
    }
}
