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
use std::sync::{mpsc, Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the plan's triggers notify.
pub const CHANNEL: &str = "kyodo_plan";
/// How long the listener waits before connecting again after failing or losing its connection.
const RECONNECT: Duration = Duration::from_secs(1);
/// How often the listener sends a statement on its connection. Reading alone never notices a
/// connection the network dropped silently (a NAT or firewall forgetting an idle one): sending
/// does, within `tcp_user_timeout` ([`TCP_SETTINGS`]), and the listener connects again.
const PING: Duration = Duration::from_secs(30);
/// libpq settings for the listener's connection, unless its URL sets them: give up connecting
/// after 10 s, probe an idle connection after 30 s, and drop one whose sent data goes
/// unacknowledged for 10 s. libpq ignores the TCP ones on a unix socket.
const TCP_SETTINGS: &[(&str, &str)] = &[
    ("connect_timeout", "10"),
    ("keepalives_idle", "30"),
    ("keepalives_interval", "10"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "10000"),
];

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

/// The thread that hears the plan's changes. Dropping this stops the thread and waits for it.
pub struct Listener {
    stop: mpsc::Sender<()>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Listener {
    /// Stops the thread and waits until it has ended and closed its connection. It ends at its
    /// next look (at once while it waits between looks), so none outlives the server.
    pub fn stop(&self) {
        // A thread that already ended no longer receives; a panic was reported as it happened.
        let _ = self.stop.send(());
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts listening for `cache` on a connection of its own to `database_url` (not one of the
/// pool's: it stays open as long as the app runs), looking for notifications every `poll`.
pub fn listen(cache: web::Data<PlanCache>, database_url: &str, poll: Duration) -> Result<Listener> {
    let (stop, stopped) = mpsc::channel();
    let database_url = with_tcp_settings(database_url);
    let thread = std::thread::Builder::new()
        .name("plan-listener".into())
        .spawn(move || run(&cache, &database_url, poll, &stopped))
        .map_err(|e| Error::Setup(format!("cannot start the plan's listener: {e}")))?;
    Ok(Listener {
        stop,
        thread: Mutex::new(Some(thread)),
    })
}

/// `database_url` with [`TCP_SETTINGS`] added to its query string (a URI) or its keywords (a
/// `key=value` string), each unless it sets it already.
fn with_tcp_settings(database_url: &str) -> String {
    let uri = database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
    let mut url = database_url.to_owned();
    for (key, value) in TCP_SETTINGS {
        if database_url.contains(&format!("{key}=")) {
            continue;
        }
        url.push(match (uri, url.contains('?')) {
            (false, _) => ' ',
            (true, true) => '&',
            (true, false) => '?',
        });
        url.push_str(&format!("{key}={value}"));
    }
    url
}

/// Marks the cache deaf when the listener's thread ends, however it ends (stopped, or a
/// panic): without the thread no change is heard, so no snapshot may be trusted.
struct DeafOnExit<'a>(&'a PlanCache);

impl Drop for DeafOnExit<'_> {
    fn drop(&mut self) {
        self.0.update(Seen::deaf);
    }
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

/// Whether the connection still answers: a statement, so a round trip (every [`PING`]).
fn answers(conn: &mut PgConnection) -> Result<()> {
    Ok(conn.batch_execute("SELECT 1")?)
}

fn run(cache: &PlanCache, database_url: &str, poll: Duration, stopped: &mpsc::Receiver<()>) {
    // Declared first, so dropped last: after the connection has closed.
    let _deaf_on_exit = DeafOnExit(cache);
    let mut conn: Option<PgConnection> = None;
    let mut next_attempt = Instant::now();
    let mut next_ping = Instant::now() + PING;
    let mut failing = false;
    loop {
        match conn.as_mut() {
            Some(listening) => {
                let pinged = if Instant::now() >= next_ping {
                    next_ping = Instant::now() + PING;
                    answers(listening)
                } else {
                    Ok(())
                };
                match pinged.and_then(|()| heard(listening)) {
                    Ok(true) => cache.changed(),
                    Ok(false) => {}
                    Err(e) => {
                        cache.update(Seen::deaf);
                        conn = None;
                        next_attempt = Instant::now() + RECONNECT;
                        tracing::warn!(error = %e, "the plan's listener lost its connection; pages read the plan from the database until it is back");
                        failing = true;
                    }
                }
            }
            None if Instant::now() >= next_attempt => match connect(database_url) {
                Ok(listening) => {
                    conn = Some(listening);
                    next_ping = Instant::now() + PING;
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
        if stopped.recv_timeout(poll) != Err(mpsc::RecvTimeoutError::Timeout) {
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
    fn nothing_holds_once_the_listener_thread_ends_even_by_a_panic() {
        let cache = Arc::new(PlanCache::default());
        cache.update(Seen::listening_again);
        let in_thread = cache.clone();
        let ended = std::thread::spawn(move || {
            let _deaf_on_exit = DeafOnExit(&in_thread);
            panic!("the listener fails");
        })
        .join();
        assert!(ended.is_err());
        assert!(!cache.seen().listening());
    }

    #[test]
    fn the_listener_url_gets_tcp_timeouts_in_its_own_syntax() {
        let all = "connect_timeout=10&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&tcp_user_timeout=10000";
        assert_eq!(
            with_tcp_settings("postgres://kyodo@db.example.jp/kyodo"),
            format!("postgres://kyodo@db.example.jp/kyodo?{all}")
        );
        assert_eq!(
            with_tcp_settings("postgresql://kyodo@%2Frun%2Fpostgresql/kyodo?sslmode=disable"),
            format!("postgresql://kyodo@%2Frun%2Fpostgresql/kyodo?sslmode=disable&{all}")
        );
        assert_eq!(
            with_tcp_settings("postgresql:///kyodo?host=/tmp&connect_timeout=3"),
            "postgresql:///kyodo?host=/tmp&connect_timeout=3&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&tcp_user_timeout=10000"
        );
        assert_eq!(
            with_tcp_settings("host=/tmp dbname=kyodo"),
            format!("host=/tmp dbname=kyodo {}", all.replace('&', " "))
        );
    }

    #[test]
    fn an_app_without_a_listener_reads_the_plan_every_time() {
        let cache = PlanCache::default();
        cache.changed();
        assert!(!cache.seen().listening());
        assert!(cache.fresh().is_none());
    }
}
