//! The sender: claims due outbox rows in batches and delivers them over several SMTP
//! connections at once.
//!
//! Exactly once: a pass claims up to [`BATCH`] due rows with a lease ([`LEASE`]) in one short
//! statement (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)`), so no other
//! worker, in this instance or another, takes them while the lease runs. It hands them to the
//! transport and records each outcome in its own statement as soon as it is known: a sent email
//! is marked sent, a failed attempt is counted and releases the claim. Rows it did not try
//! (stopping, the server found down, a recipient's earlier email failed) are released untouched.
//! A panic while sending one email is caught and counted as that email's failed attempt. The only
//! window left is a crash (or a lost database connection) between the SMTP server accepting an
//! email and its row being marked sent: at most one email per connection in flight, which goes
//! out again, with the same `Message-ID` so the receiving side can recognise it, once the lease
//! ends; the crashed pass's other claimed rows wait for the lease too.
//!
//! Order, within one instance: a recipient's emails of a batch go over one connection in queue
//! order; after one fails, the recipient's later ones are released, and none is claimed while an
//! earlier one waits for its retry or is claimed (see [`outbox::claim_due`]). The exception: a
//! retried email due in the same pass as a later one, with the batch's limit between them. Two
//! instances promise no order between each other's batches.
//!
//! Why batches over several connections: lettre 0.11 writes a message's final `\r\n.\r\n` as a
//! second small write on a socket with Nagle's algorithm on, so every email waits about 40 ms
//! for the server's delayed ACK (lettre's fix, pull request #1159, is not released). One
//! connection therefore sends about 20 emails/s; the sender overlaps those waits over
//! [`super::SMTP_CONNECTIONS`] pooled connections, on one database connection.
//!
//! A failed attempt is retried after `base · 2^(attempts-1)` (capped); after `max_attempts` the row
//! gets `failed_at` and stays, with its last error, for an admin to [`super::retry`]. When the
//! server cannot be reached, the pass stops: only the emails already in flight (at most one per
//! connection) count a failed attempt, the rest wait for the next pass.

use super::outbox::{self, OutboxEntry};
use super::{Mailer, Transport};
use crate::db::Pool;
use crate::error::{Error, Result};
use diesel::PgConnection;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime};

/// When to try again after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt; doubles with each further one.
    pub base: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
    /// After this many failed attempts the email is marked failed.
    pub max_attempts: i32,
}

impl Default for RetryPolicy {
    /// 30 s, 1 min, 2 min … capped at 1 h; 8 attempts (about an hour of trying).
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempt`-th failed attempt (1-based).
    pub fn delay(&self, attempt: i32) -> Duration {
        let doublings = attempt.saturating_sub(1).clamp(0, 30) as u32;
        self.base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// How many due emails a pass claims at once: twice the connections, so that each connection
/// sends about two emails per batch.
pub const BATCH: i64 = 2 * super::SMTP_CONNECTIONS as i64;

/// How long a claim lasts: a crashed pass's rows are retried after it. It must outlast a batch,
/// or another worker would send its emails again. A batch starts no email after [`LATEST_START`]
/// (the rest are released), and one email takes at most seven SMTP steps (connect, greeting,
/// EHLO, MAIL, RCPT, DATA, message) of [`super::SMTP_TIMEOUT`] each, 3.5 min: a batch lasts at
/// most 8.5 min however many emails one recipient has in it.
pub const LEASE: Duration = Duration::from_secs(20 * super::SMTP_TIMEOUT.as_secs());

/// After this long a batch starts no further email (see [`LEASE`]).
const LATEST_START: Duration = Duration::from_secs(LEASE.as_secs() / 2);

/// What one pass did with a batch.
struct Batch {
    claimed: usize,
    sent: usize,
    /// The transport is unreachable: the pass stops instead of trying every other email.
    server_down: bool,
}

/// Sends every due email and returns how many were delivered. Stops early when the transport is
/// unreachable (the remaining emails wait for the next pass). Call it outside a transaction.
pub fn drain(conn: &mut PgConnection, mailer: &Mailer) -> Result<usize> {
    drain_until(conn, mailer, &AtomicBool::new(false))
}

/// [`drain`], starting no further email once `stop` is set.
pub fn drain_until(conn: &mut PgConnection, mailer: &Mailer, stop: &AtomicBool) -> Result<usize> {
    let mut sent = 0;
    while !stop.load(Ordering::Relaxed) {
        let batch = send_batch(conn, mailer, stop)?;
        sent += batch.sent;
        if batch.claimed == 0 || batch.server_down {
            break;
        }
    }
    Ok(sent)
}

/// Claims one batch of due emails, sends it over up to `mailer.senders()` connections at once
/// and records each outcome as it comes; releases the emails not tried.
fn send_batch(conn: &mut PgConnection, mailer: &Mailer, stop: &AtomicBool) -> Result<Batch> {
    let entries = outbox::claim_due(conn, BATCH, LEASE)?;
    let senders = Senders {
        mailer,
        recipients: by_recipient(&entries),
        next: AtomicUsize::new(0),
        stop,
        halt: AtomicBool::new(false),
        latest_start: Instant::now() + LATEST_START,
    };
    let mut batch = Batch {
        claimed: entries.len(),
        sent: 0,
        server_down: false,
    };
    let mut tried = HashSet::new();
    let mut error = None;
    std::thread::scope(|scope| {
        let (outcomes, received) = mpsc::channel();
        for _ in 0..mailer.senders().min(senders.recipients.len()) {
            let (senders, outcomes) = (&senders, outcomes.clone());
            scope.spawn(move || senders.send(outcomes));
        }
        drop(outcomes);
        for (entry, outcome) in received {
            tried.insert(entry.id);
            let recorded = match outcome {
                Ok(()) => {
                    batch.sent += 1;
                    outbox::mark_sent(conn, entry.id)
                }
                Err(failure) => {
                    batch.server_down |= failure.server_down;
                    record_failure(conn, mailer, entry, &failure)
                }
            };
            if let Err(e) = recorded {
                // The database is likely away: start no more emails whose outcome could be lost.
                senders.halt.store(true, Ordering::Relaxed);
                error.get_or_insert(e);
            }
        }
    });
    let untried: Vec<i64> = entries
        .iter()
        .map(|e| e.id)
        .filter(|id| !tried.contains(id))
        .collect();
    let released = outbox::release(conn, &untried);
    match error {
        Some(e) => Err(e),
        None => released.map(|()| batch),
    }
}

/// The sending threads of one batch, sharing its recipients.
struct Senders<'a> {
    mailer: &'a Mailer,
    recipients: Vec<Vec<&'a OutboxEntry>>,
    next: AtomicUsize,
    stop: &'a AtomicBool,
    /// The server is down or an outcome could not be recorded.
    halt: AtomicBool,
    latest_start: Instant,
}

impl<'a> Senders<'a> {
    /// Takes the next recipient's emails and sends them one after the other, in the order they
    /// were queued (a resident reads "under review" before "revision requested", as it
    /// happened), until none is left or the batch must stop; after a failed email the
    /// recipient's later ones wait. Hands each outcome to `outcomes` as soon as it is known.
    fn send(&self, outcomes: mpsc::Sender<(&'a OutboxEntry, Result<(), Failure>)>) {
        while let Some(emails) = self
            .recipients
            .get(self.next.fetch_add(1, Ordering::Relaxed))
        {
            for &entry in emails {
                if self.stop.load(Ordering::Relaxed)
                    || self.halt.load(Ordering::Relaxed)
                    || Instant::now() >= self.latest_start
                {
                    return;
                }
                let outcome =
                    std::panic::catch_unwind(AssertUnwindSafe(|| deliver(self.mailer, entry)))
                        .unwrap_or_else(|panic| Err(Failure::panicked(panic.as_ref())));
                let failed = outcome.is_err();
                if matches!(&outcome, Err(f) if f.server_down) {
                    self.halt.store(true, Ordering::Relaxed);
                }
                if outcomes.send((entry, outcome)).is_err() || failed {
                    break;
                }
            }
        }
    }
}

/// The batch's emails grouped by recipient, each group in queue order (an email retried may be
/// due after a later one), the groups in the batch's order.
fn by_recipient(entries: &[OutboxEntry]) -> Vec<Vec<&OutboxEntry>> {
    let mut groups: Vec<Vec<&OutboxEntry>> = Vec::new();
    for entry in entries {
        match groups
            .iter_mut()
            .find(|g| g[0].to_address.eq_ignore_ascii_case(&entry.to_address))
        {
            Some(group) => group.push(entry),
            None => groups.push(vec![entry]),
        }
    }
    for group in &mut groups {
        group.sort_by_key(|e| e.id);
    }
    groups
}

/// Records a failed attempt and logs it.
fn record_failure(
    conn: &mut PgConnection,
    mailer: &Mailer,
    entry: &OutboxEntry,
    failure: &Failure,
) -> Result<()> {
    let attempt = entry.attempts + 1;
    let failed = outbox::mark_attempt_failed(
        conn,
        entry.id,
        &failure.message,
        mailer.retry.delay(attempt),
        mailer.retry.max_attempts,
    )?;
    if failed {
        tracing::error!(id = entry.id, attempts = attempt, error = %failure.message,
            "email failed for good; an admin can retry it");
    } else {
        tracing::warn!(id = entry.id, attempt, error = %failure.message,
            "email not sent; will retry");
    }
    Ok(())
}

struct Failure {
    message: String,
    server_down: bool,
}

impl Failure {
    /// A panic while sending one email: that email's failed attempt, the others go on.
    fn panicked(panic: &(dyn std::any::Any + Send)) -> Failure {
        let what = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown");
        Failure {
            message: format!("the sender panicked: {what}"),
            server_down: false,
        }
    }
}

fn deliver(mailer: &Mailer, entry: &OutboxEntry) -> Result<(), Failure> {
    let email = compose(entry, &mailer.from).map_err(|message| Failure {
        message,
        server_down: false,
    })?;
    match &mailer.transport {
        Transport::Smtp(smtp) => {
            lettre::Transport::send(smtp, &email).map_err(|e| Failure {
                // A reply from the server is about this email; anything else (connection,
                // TLS, timeout) is about the server.
                server_down: !(e.is_permanent() || e.is_transient()),
                message: smtp_error(&e),
            })?;
            tracing::debug!(id = entry.id, "email sent");
        }
        Transport::Files { transport, dir } => {
            let file = lettre::Transport::send(transport, &email).map_err(|e| Failure {
                message: format!("cannot write the email to {}: {e}", dir.display()),
                server_down: true,
            })?;
            tracing::info!(id = entry.id, to = %entry.to_address, subject = %entry.subject,
                file = %dir.join(format!("{file}.eml")).display(),
                "email written to a file (no SMTP_URL configured)");
        }
    }
    Ok(())
}

/// lettre's error with its causes, e.g. "Connection error: Connection refused (os error 111)".
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");

/// The MIME message for an outbox row: From, To (with the name), Subject, Date (when the
/// email was written), a Message-ID stable across retries, `Auto-Submitted`, the unsubscribe
/// headers of RFC 8058 for notifications, and text + HTML alternatives (inside
/// multipart/mixed, followed by the file, when the email carries one).
pub(crate) fn compose(entry: &OutboxEntry, from: &Mailbox) -> Result<lettre::Message, String> {
    let address: lettre::Address = entry
        .to_address
        .parse()
        .map_err(|e| format!("invalid recipient {:?}: {e}", entry.to_address))?;
    let to = Mailbox::new(entry.to_name.clone(), address);
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(entry.subject.clone())
        .date(SystemTime::from(entry.created_at))
        .message_id(Some(format!(
            "<kyodo.{}.{}@{}>",
            entry.id,
            entry.created_at.timestamp_micros(),
            from.email.domain()
        )))
        .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".into()));
    if let Some(url) = &entry.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
            .raw_header(HeaderValue::new(
                LIST_UNSUBSCRIBE_POST,
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let text = MultiPart::alternative_plain_html(entry.text_body.clone(), entry.html_body.clone());
    let body = match (
        &entry.attachment_name,
        &entry.attachment_type,
        &entry.attachment_body,
    ) {
        (Some(name), Some(content_type), Some(file)) => {
            let content_type = ContentType::parse(content_type)
                .map_err(|e| format!("attachment type {content_type:?}: {e}"))?;
            MultiPart::mixed()
                .multipart(text)
                .singlepart(Attachment::new(name.clone()).body(file.clone(), content_type))
        }
        _ => text,
    };
    builder
        .multipart(body)
        .map_err(|e| format!("cannot build the email: {e}"))
}

/// The background sender of `kyodo serve`.
pub struct Worker {
    stop: Arc<AtomicBool>,
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

/// How often the worker looks for due emails.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Starts the worker on the current actix (tokio) runtime: every `POLL_INTERVAL` it sends what is
/// due, on the blocking thread pool. Stop it with [`Worker::stop`].
pub fn spawn(pool: Pool, mailer: Mailer) -> Worker {
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(tokio::sync::Notify::new());
    let task = actix_web::rt::spawn(run(pool, mailer, stop.clone(), wake.clone()));
    Worker { stop, wake, task }
}

async fn run(pool: Pool, mailer: Mailer, stop: Arc<AtomicBool>, wake: Arc<tokio::sync::Notify>) {
    tracing::info!(transport = mailer.describe(), "email worker started");
    let mut failing = false;
    while !stop.load(Ordering::Relaxed) {
        let pass = {
            let (pool, mailer, stop) = (pool.clone(), mailer.clone(), stop.clone());
            actix_web::web::block(move || -> Result<usize> {
                let mut conn = pool.get()?;
                drain_until(&mut conn, &mailer, &stop)
            })
            .await
            .map_err(Error::from)
            .and_then(|r| r)
        };
        match pass {
            Ok(sent) => {
                if failing {
                    tracing::info!("email worker works again");
                    failing = false;
                }
                if sent > 0 {
                    tracing::info!(sent, "emails sent");
                }
            }
            Err(e) if !failing => {
                tracing::warn!(error = %e, "email worker pass failed (database away?); retrying");
                failing = true;
            }
            Err(e) => tracing::debug!(error = %e, "email worker pass failed again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = wake.notified() => {}
        }
    }
    tracing::info!("email worker stopped");
}

impl Worker {
    /// Asks for a pass now instead of at the next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops after the emails in hand (never in the middle of one) and waits for them.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_delay_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1), Duration::from_secs(30));
        assert_eq!(p.delay(2), Duration::from_secs(60));
        assert_eq!(p.delay(4), Duration::from_secs(240));
        assert_eq!(p.delay(8), Duration::from_secs(3600));
        assert_eq!(p.delay(1000), Duration::from_secs(3600));
        assert_eq!(p.delay(0), Duration::from_secs(30));
        let zero = RetryPolicy {
            base: Duration::ZERO,
            ..p
        };
        assert_eq!(zero.delay(5), Duration::ZERO);
    }

    fn entry(unsubscribe: Option<&str>) -> OutboxEntry {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 25, 1, 2, 3).unwrap();
        OutboxEntry {
            id: 42,
            to_address: "hanako@example.org".into(),
            to_name: Some("本庄 花子".into()),
            subject: "【協働 Kyodo】アカウントの確認".into(),
            text_body: "本庄 花子 様\n\nhttps://kyodo.example/verify?token=abc&x=1\n".into(),
            html_body: "<p>本庄 花子 様</p>".into(),
            category: "security".into(),
            unsubscribe_url: unsubscribe.map(str::to_owned),
            created_at: at,
            attempts: 0,
            next_attempt_at: at,
            sent_at: None,
            failed_at: None,
            last_error: None,
            attachment_name: None,
            attachment_type: None,
            attachment_body: None,
        }
    }

    #[test]
    fn a_recipients_emails_stay_together_in_queue_order() {
        let email = |id, to: &str| OutboxEntry {
            id,
            to_address: to.into(),
            ..entry(None)
        };
        let batch = [
            email(1, "hanako@example.org"),
            email(2, "taro@example.org"),
            email(4, "hanako@example.org"),
            // A retry: due after a later email, sent before it.
            email(3, "Hanako@Example.org"),
        ];
        let ids: Vec<Vec<i64>> = by_recipient(&batch)
            .iter()
            .map(|g| g.iter().map(|e| e.id).collect())
            .collect();
        assert_eq!(ids, [vec![1, 3, 4], vec![2]]);
    }

    #[test]
    fn a_panic_while_sending_is_that_emails_failed_attempt() {
        let panic = std::panic::catch_unwind(|| panic!("lettre broke on {}", 42)).unwrap_err();
        let failure = Failure::panicked(panic.as_ref());
        assert_eq!(failure.message, "the sender panicked: lettre broke on 42");
        assert!(!failure.server_down, "the other emails are still sent");
    }

    #[test]
    fn the_message_has_the_headers_and_both_parts() {
        let from: Mailbox = crate::config::DEFAULT_FROM.parse().unwrap();
        let raw = String::from_utf8(compose(&entry(None), &from).unwrap().formatted()).unwrap();
        let head = &raw[..raw.find("\r\n\r\n").unwrap()];
        assert!(head.contains("Message-ID: <kyodo.42."), "{head}");
        assert!(head.contains("@kyodo.invalid>"), "{head}");
        assert!(head.contains("Auto-Submitted: auto-generated"), "{head}");
        assert!(head.contains("Date: Wed, 25 Nov 2026 01:02:03"), "{head}");
        assert!(head.contains("<hanako@example.org>"), "{head}");
        assert!(
            head.contains("Subject: =?utf-8?"),
            "encoded subject: {head}"
        );
        assert!(head.contains("multipart/alternative"), "{head}");
        assert!(!head.contains("List-Unsubscribe"), "{head}");
        assert!(raw.contains("text/plain; charset=utf-8"));
        assert!(raw.contains("text/html; charset=utf-8"));

        let url = "https://kyodo.example/unsubscribe/t0k3n";
        let raw =
            String::from_utf8(compose(&entry(Some(url)), &from).unwrap().formatted()).unwrap();
        assert!(raw.contains(&format!("List-Unsubscribe: <{url}>")), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    }

    #[test]
    fn a_file_follows_the_text_and_html() {
        let from: Mailbox = crate::config::DEFAULT_FROM.parse().unwrap();
        let with_file = OutboxEntry {
            attachment_name: Some("meeting-7.ics".into()),
            attachment_type: Some("text/calendar; charset=utf-8".into()),
            attachment_body: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()),
            ..entry(None)
        };
        let raw = String::from_utf8(compose(&with_file, &from).unwrap().formatted()).unwrap();
        let head = &raw[..raw.find("\r\n\r\n").unwrap()];
        assert!(head.contains("multipart/mixed"), "{head}");
        let alternative = raw.find("multipart/alternative").expect("the text parts");
        let file = raw.find("Content-Type: text/calendar").expect("the file");
        assert!(alternative < file, "{raw}");
        assert!(raw.contains("filename=\"meeting-7.ics\""), "{raw}");
        assert!(raw.contains("BEGIN:VCALENDAR"), "{raw}");

        let bad = OutboxEntry {
            attachment_type: Some("no type".into()),
            ..with_file
        };
        assert!(compose(&bad, &from).unwrap_err().contains("no type"));
    }

    #[test]
    fn a_bad_recipient_is_reported() {
        let from: Mailbox = crate::config::DEFAULT_FROM.parse().unwrap();
        let mut bad = entry(None);
        bad.to_address = "nobody".into();
        assert!(compose(&bad, &from).unwrap_err().contains("nobody"));
    }
}
