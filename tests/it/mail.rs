//! Email: the outbox and its sender against a real SMTP server on loopback (Python's aiosmtpd,
//! writing a Maildir), and the `.eml` files written when no SMTP server is configured.
//!
//! The SMTP server itself ([`SmtpSink`]) is in `support::mail`: any test starts one, points a
//! `Mailer` (or `SMTP_URL`) at `sink.url()`, and reads what arrived.

use crate::support::mail::{free_port, ReceivedMail, SmtpSink, TempDir};
use crate::support::Cluster;
use diesel::prelude::*;
use kyodo::notify::{self, outbox, Category, Mailer, Message, RetryPolicy};
use kyodo::web::i18n::Lang;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const TESTS: &[(&str, fn())] = &[
    (
        "mail::an_email_exists_only_if_its_transaction_commits",
        an_email_exists_only_if_its_transaction_commits,
    ),
    (
        "mail::smtp_down_keeps_the_email_and_sends_it_once_when_back",
        smtp_down_keeps_the_email_and_sends_it_once_when_back,
    ),
    (
        "mail::two_workers_send_every_email_exactly_once",
        two_workers_send_every_email_exactly_once,
    ),
    (
        "mail::a_refused_email_is_retried_alone_and_the_others_sent_once",
        a_refused_email_is_retried_alone_and_the_others_sent_once,
    ),
    (
        "mail::an_email_claimed_by_a_crashed_sender_goes_after_the_lease",
        an_email_claimed_by_a_crashed_sender_goes_after_the_lease,
    ),
    (
        "mail::stopping_mid_batch_leaves_the_rest_due",
        stopping_mid_batch_leaves_the_rest_due,
    ),
    (
        "mail::after_the_last_attempt_the_email_is_failed_until_retried",
        after_the_last_attempt_the_email_is_failed_until_retried,
    ),
    (
        "mail::without_smtp_emails_are_written_as_eml_files",
        without_smtp_emails_are_written_as_eml_files,
    ),
    (
        "mail::serve_runs_the_worker_and_stops_it",
        serve_runs_the_worker_and_stops_it,
    ),
];

fn verify_message(to: &str) -> Message {
    Message {
        to_address: to.to_owned(),
        to_name: Some("本庄 花子".into()),
        lang: Lang::Ja,
        template: "verify",
        context: json!({
            "display_name": "本庄 花子",
            "link": "https://kyodo.example/verify?token=abc123&lang=ja",
            "expires_hours": 24,
        }),
        category: Category::Security,
        unsubscribe_url: None,
        attachment: None,
    }
}

fn notification(to: &str) -> Message {
    Message {
        to_address: to.to_owned(),
        to_name: Some("Hanako Honjo".into()),
        lang: Lang::En,
        template: "org_verified",
        context: json!({
            "organisation": "本庄市国際交流協会",
            "link": "https://kyodo.example/organisations/1",
        }),
        category: Category::Notification,
        unsubscribe_url: Some("https://kyodo.example/unsubscribe/t0k3n".into()),
        attachment: None,
    }
}

fn row(conn: &mut PgConnection, id: i64) -> outbox::OutboxEntry {
    outbox::get(conn, id).unwrap().expect("the outbox row")
}

fn now(conn: &mut PgConnection) -> chrono::DateTime<chrono::Utc> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Timestamptz>("now()"))
        .get_result(conn)
        .unwrap()
}

/// Until when a sender holds the row (`None`: no one does).
fn claimed_until(conn: &mut PgConnection, id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    use kyodo::db::schema::outbox::dsl;
    dsl::outbox
        .find(id)
        .select(dsl::claimed_until)
        .first(conn)
        .unwrap()
}

/// Every email the server received, counted by Message-ID.
fn by_message_id(mails: &[ReceivedMail]) -> std::collections::BTreeMap<String, usize> {
    let mut received = std::collections::BTreeMap::<String, usize>::new();
    for mail in mails {
        let id = mail.header("Message-ID").expect("a Message-ID").to_owned();
        *received.entry(id).or_default() += 1;
    }
    received
}

fn count_outbox(conn: &mut PgConnection) -> i64 {
    kyodo::db::schema::outbox::table
        .count()
        .get_result(conn)
        .unwrap()
}

/// Gives a server time to show a duplicate that should not exist.
fn settle() {
    std::thread::sleep(Duration::from_millis(300));
}

// ------------------------------------------------------------------------------ the tests

fn an_email_exists_only_if_its_transaction_commits() {
    let db = Cluster::get().fresh_database();
    let sink = SmtpSink::start();
    let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
    let mut conn = db.conn();

    let rolled_back: Result<(), kyodo::Error> = conn.transaction(|conn| {
        notify::enqueue(conn, verify_message("rollback@example.org"))?;
        Err(kyodo::Error::Internal("the change fails".into()))
    });
    assert!(rolled_back.is_err());
    assert_eq!(count_outbox(&mut conn), 0);
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);

    let (security, news) = conn
        .transaction(|conn| {
            Ok::<_, kyodo::Error>((
                notify::enqueue(conn, verify_message("hanako@example.org"))?,
                notify::enqueue(conn, notification("news@example.org"))?,
            ))
        })
        .unwrap();
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 2);
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    sink.wait_for(2, Duration::from_secs(10));
    settle();
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "exactly the two committed emails");
    assert!(mails.iter().all(|m| !m.to.contains("rollback")));

    let verify = mails.iter().find(|m| m.to == "hanako@example.org").unwrap();
    assert_eq!(verify.subject, "【協働 Kyodo】アカウントの確認");
    assert_eq!(verify.to_name.as_deref(), Some("本庄 花子"));
    assert_eq!(verify.rcpt_to, ["hanako@example.org"]);
    assert!(verify
        .header("Content-Type")
        .unwrap()
        .starts_with("multipart/alternative"));
    assert!(
        verify.text.starts_with("本庄 花子 様"),
        "text part: {}",
        verify.text
    );
    assert_eq!(
        verify.links().first().map(String::as_str),
        Some("https://kyodo.example/verify?token=abc123&lang=ja"),
        "the link, unescaped, in the text part"
    );
    assert!(verify.text.contains("お心当たりがない場合"));
    assert!(verify.text.contains("協働 Kyodo｜本庄市"));
    assert!(verify
        .html
        .contains("href=\"https://kyodo.example/verify?token&#x3D;abc123&amp;lang&#x3D;ja\""));
    assert!(verify.html.contains("<html lang=\"ja\">"));
    assert!(verify.header("List-Unsubscribe").is_none());
    assert!(verify.header("List-Unsubscribe-Post").is_none());
    assert!(!verify.text.contains("配信を停止"));
    assert_eq!(verify.header("Auto-Submitted"), Some("auto-generated"));
    let head_end = verify
        .raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(verify.raw.len());
    assert!(
        verify.raw[..head_end].is_ascii(),
        "Japanese headers are RFC 2047-encoded"
    );
    assert!(verify
        .header("Message-ID")
        .is_some_and(|id| id.starts_with(&format!("<kyodo.{security}."))));
    assert!(verify.header("Date").is_some());
    assert!(verify
        .header("From")
        .is_some_and(|f| f.contains("<no-reply@kyodo.invalid>")));

    let news_mail = mails.iter().find(|m| m.to == "news@example.org").unwrap();
    assert_eq!(
        news_mail.subject,
        "[Kyodo] 本庄市国際交流協会 has been verified"
    );
    assert_eq!(
        news_mail.header("List-Unsubscribe"),
        Some("<https://kyodo.example/unsubscribe/t0k3n>")
    );
    assert_eq!(
        news_mail.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(news_mail
        .links()
        .contains(&"https://kyodo.example/unsubscribe/t0k3n".to_owned()));
    assert!(news_mail
        .html
        .contains("href=\"https://kyodo.example/unsubscribe/t0k3n\""));

    for id in [security, news] {
        let r = row(&mut conn, id);
        assert!(r.sent_at.is_some() && r.failed_at.is_none());
        assert_eq!(r.attempts, 1);
    }
    // A notification without its unsubscribe link is refused.
    let mut bad = notification("x@example.org");
    bad.unsubscribe_url = None;
    assert!(notify::enqueue(&mut conn, bad).is_err());
    let mut injected = notification("x@example.org");
    injected.unsubscribe_url = Some("https://kyodo.example/u\r\nBcc: everyone@example.org".into());
    assert!(notify::enqueue(&mut conn, injected).is_err());
    assert!(notify::enqueue(&mut conn, verify_message("not an address")).is_err());
    // A file whose type is no MIME type is refused when written, not at every attempt to send.
    let mut untyped = notification("x@example.org");
    untyped.attachment = Some(notify::Attachment {
        name: "a.ics".into(),
        content_type: "calendar please".into(),
        body: "BEGIN:VCALENDAR".into(),
    });
    assert!(notify::enqueue(&mut conn, untyped).is_err());
}

fn smtp_down_keeps_the_email_and_sends_it_once_when_back() {
    let db = Cluster::get().fresh_database();
    let mut conn = db.conn();
    let port = free_port();
    let mailer = Mailer::smtp(
        &format!("smtp://127.0.0.1:{port}"),
        kyodo::config::DEFAULT_FROM,
    )
    .unwrap()
    .with_retry(RetryPolicy {
        base: Duration::from_secs(60),
        ..RetryPolicy::default()
    });
    let id = notify::enqueue(&mut conn, verify_message("hanako@example.org")).unwrap();

    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    let r = row(&mut conn, id);
    assert_eq!(r.attempts, 1);
    assert!(r.sent_at.is_none() && r.failed_at.is_none());
    let error = r.last_error.clone().expect("the error is kept");
    assert!(error.to_lowercase().contains("connect"), "{error}");
    assert!(r.next_attempt_at > now(&mut conn) + chrono::Duration::seconds(50));
    // Not due yet: nothing happens.
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    assert_eq!(row(&mut conn, id).attempts, 1);

    let sink = SmtpSink::start_on(port);
    diesel::sql_query("UPDATE outbox SET next_attempt_at = now()")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 1);
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    sink.wait_for(1, Duration::from_secs(10));
    settle();
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "delivered exactly once");
    assert_eq!(mails[0].to, "hanako@example.org");
    let r = row(&mut conn, id);
    assert!(r.sent_at.is_some());
    assert_eq!(r.attempts, 2);
    assert!(r.last_error.is_none());
}

/// Two instances sending from one database, each over several SMTP connections at once: every
/// queued email reaches the SMTP server exactly once and is marked sent.
fn two_workers_send_every_email_exactly_once() {
    const EMAILS: usize = 300;
    let db = Cluster::get().fresh_database();
    let sink = SmtpSink::start();
    let mut conn = db.conn();
    conn.transaction(|conn| {
        for i in 0..EMAILS {
            notify::enqueue(conn, verify_message(&format!("person{i}@example.org")))?;
        }
        Ok::<_, kyodo::Error>(())
    })
    .unwrap();
    let queued: Vec<outbox::OutboxEntry> = kyodo::db::schema::outbox::table
        .select(outbox::OutboxEntry::as_select())
        .load(&mut conn)
        .unwrap();
    let expected: std::collections::BTreeSet<String> = queued
        .iter()
        .map(|e| {
            format!(
                "<kyodo.{}.{}@kyodo.invalid>",
                e.id,
                e.created_at.timestamp_micros()
            )
        })
        .collect();
    assert_eq!(expected.len(), EMAILS);

    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let url = db.url.clone();
            let smtp = sink.url();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                // Each worker is its own "instance": its own connection and SMTP transport.
                let mut conn = PgConnection::establish(&url).unwrap();
                let mailer = Mailer::smtp(&smtp, kyodo::config::DEFAULT_FROM).unwrap();
                barrier.wait();
                notify::drain(&mut conn, &mailer).unwrap()
            })
        })
        .collect();
    let counts: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(
        counts.iter().sum::<usize>(),
        EMAILS,
        "per worker: {counts:?}"
    );
    assert!(
        counts.iter().all(|&n| n > 0),
        "both instances sent emails at the same time: {counts:?}"
    );

    sink.wait_for(EMAILS, Duration::from_secs(60));
    settle();
    let mails = sink.messages();
    let received = by_message_id(&mails);
    let twice: Vec<_> = received.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "received more than once: {twice:?}");
    assert_eq!(
        received
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        expected,
        "every queued email, by Message-ID"
    );
    assert_eq!(mails.len(), EMAILS);
    let unsent: i64 = kyodo::db::schema::outbox::table
        .filter(kyodo::db::schema::outbox::sent_at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unsent, 0, "every row is marked sent");
    let retried: i64 = kyodo::db::schema::outbox::table
        .filter(kyodo::db::schema::outbox::attempts.ne(1))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(retried, 0, "every email took one attempt");
}

/// One batch: an email to an address the sender refuses between accepted ones. Each outcome is
/// recorded on its own: the accepted emails are sent once, the refused one waits for its retry
/// (the recipient's later email behind it), and the retry sends only what was not sent.
fn a_refused_email_is_retried_alone_and_the_others_sent_once() {
    let db = Cluster::get().fresh_database();
    let sink = SmtpSink::start();
    let mut conn = db.conn();
    let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM)
        .unwrap()
        .with_retry(RetryPolicy {
            base: Duration::from_secs(60),
            ..RetryPolicy::default()
        });
    let hanako = notify::enqueue(&mut conn, verify_message("hanako@example.org")).unwrap();
    let refused = notify::enqueue(&mut conn, verify_message("jiro@example.org")).unwrap();
    let taro = notify::enqueue(&mut conn, notification("taro@example.org")).unwrap();
    let behind = notify::enqueue(&mut conn, notification("jiro@example.org")).unwrap();
    // An address that became unusable after it was queued: the sender refuses it.
    diesel::sql_query(
        "UPDATE outbox SET to_address = 'jiro' WHERE to_address = 'jiro@example.org'",
    )
    .execute(&mut conn)
    .unwrap();

    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 2);
    sink.wait_for(2, Duration::from_secs(10));
    settle();
    let mut to: Vec<String> = sink.messages().into_iter().map(|m| m.to).collect();
    to.sort();
    assert_eq!(to, ["hanako@example.org", "taro@example.org"]);
    for id in [hanako, taro] {
        let r = row(&mut conn, id);
        assert!(r.sent_at.is_some() && r.last_error.is_none());
        assert_eq!(r.attempts, 1);
        assert_eq!(claimed_until(&mut conn, id), None);
    }
    let r = row(&mut conn, refused);
    assert!(r.sent_at.is_none() && r.failed_at.is_none());
    assert_eq!(r.attempts, 1);
    assert!(
        r.last_error.as_deref().unwrap_or("").contains("jiro"),
        "{r:?}"
    );
    assert!(r.next_attempt_at > now(&mut conn) + chrono::Duration::seconds(50));
    assert_eq!(
        claimed_until(&mut conn, refused),
        None,
        "the claim is released"
    );
    // Jiro's later email is not sent ahead of the refused one, nor counted as tried.
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    let r = row(&mut conn, behind);
    assert!(r.sent_at.is_none() && r.last_error.is_none());
    assert_eq!(r.attempts, 0);
    assert_eq!(claimed_until(&mut conn, behind), None);

    // The address is corrected and the retry is due: jiro's two emails go, in queue order, and
    // nothing already delivered goes again.
    diesel::sql_query(
        "UPDATE outbox SET to_address = 'jiro@example.org', next_attempt_at = now() \
         WHERE to_address = 'jiro'",
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 2);
    sink.wait_for(4, Duration::from_secs(10));
    settle();
    let mails = sink.messages();
    assert_eq!(mails.len(), 4, "{:?}", by_message_id(&mails));
    assert!(by_message_id(&mails).values().all(|&n| n == 1));
    let jiro: Vec<&str> = mails
        .iter()
        .filter(|m| m.to == "jiro@example.org")
        .map(|m| m.subject.as_str())
        .collect();
    assert_eq!(
        jiro,
        [
            "【協働 Kyodo】アカウントの確認",
            "[Kyodo] 本庄市国際交流協会 has been verified"
        ]
    );
    assert_eq!(row(&mut conn, refused).attempts, 2);
    assert!(row(&mut conn, behind).sent_at.is_some());
}

/// A sender that crashed holding a claim: the email is not sent while the lease runs, and the
/// next pass sends it once the lease has ended.
fn an_email_claimed_by_a_crashed_sender_goes_after_the_lease() {
    let db = Cluster::get().fresh_database();
    let sink = SmtpSink::start();
    let mut conn = db.conn();
    let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
    let id = notify::enqueue(&mut conn, verify_message("hanako@example.org")).unwrap();
    diesel::sql_query("UPDATE outbox SET claimed_until = now() + interval '5 minutes'")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    assert_eq!(row(&mut conn, id).attempts, 0);

    diesel::sql_query("UPDATE outbox SET claimed_until = now() - interval '1 second'")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 1);
    sink.wait_for(1, Duration::from_secs(10));
    settle();
    assert_eq!(sink.messages().len(), 1);
    let r = row(&mut conn, id);
    assert!(r.sent_at.is_some());
    assert_eq!(r.attempts, 1);
    assert_eq!(claimed_until(&mut conn, id), None);
}

/// `kyodo serve` stopping while a batch is being sent: the emails not yet tried stay due,
/// unclaimed and untouched, and the next pass sends exactly those.
fn stopping_mid_batch_leaves_the_rest_due() {
    const EMAILS: usize = 40;
    let db = Cluster::get().fresh_database();
    let sink = SmtpSink::start();
    let mut conn = db.conn();
    let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
    // One recipient: the batch goes over one connection, one email after the other.
    let ids: Vec<i64> = (0..EMAILS)
        .map(|_| notify::enqueue(&mut conn, verify_message("hanako@example.org")).unwrap())
        .collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let sent = std::thread::scope(|scope| {
        scope.spawn(|| {
            sink.wait_for(1, Duration::from_secs(10));
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        notify::worker::drain_until(&mut conn, &mailer, &stop).unwrap()
    });
    assert!(
        (1..notify::worker::BATCH as usize).contains(&sent),
        "stopped within the first batch: {sent}"
    );
    settle();
    assert_eq!(sink.messages().len(), sent);
    let now = now(&mut conn);
    let (done, waiting): (Vec<_>, Vec<_>) = ids
        .iter()
        .map(|&id| row(&mut conn, id))
        .partition(|r| r.sent_at.is_some());
    assert_eq!(done.len(), sent);
    assert!(done.iter().all(|r| r.attempts == 1));
    for r in &waiting {
        assert_eq!(r.attempts, 0, "untried: {r:?}");
        assert!(r.last_error.is_none() && r.next_attempt_at <= now);
        assert_eq!(claimed_until(&mut conn, r.id), None, "released: {r:?}");
    }

    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), EMAILS - sent);
    sink.wait_for(EMAILS, Duration::from_secs(20));
    settle();
    let mails = sink.messages();
    assert_eq!(mails.len(), EMAILS);
    assert!(by_message_id(&mails).values().all(|&n| n == 1));
}

fn after_the_last_attempt_the_email_is_failed_until_retried() {
    let db = Cluster::get().fresh_database();
    let mut conn = db.conn();
    let port = free_port();
    let mailer = Mailer::smtp(
        &format!("smtp://127.0.0.1:{port}"),
        kyodo::config::DEFAULT_FROM,
    )
    .unwrap()
    .with_retry(RetryPolicy {
        base: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_attempts: 3,
    });
    let id = notify::enqueue(&mut conn, verify_message("hanako@example.org")).unwrap();
    // Each pass stops at the first connection failure, so one attempt per pass.
    for attempt in 1..=3 {
        assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
        assert_eq!(row(&mut conn, id).attempts, attempt);
    }
    let r = row(&mut conn, id);
    assert!(r.failed_at.is_some(), "failed after the last attempt");
    assert!(r.last_error.is_some());
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);
    assert_eq!(
        row(&mut conn, id).attempts,
        3,
        "a failed email is not tried again"
    );
    let failed = outbox::failed(&mut conn, 10).unwrap();
    assert_eq!(failed.iter().map(|f| f.id).collect::<Vec<_>>(), [id]);
    assert_eq!(outbox::pending(&mut conn).unwrap(), 0);

    assert!(notify::retry(&mut conn, id).unwrap());
    let r = row(&mut conn, id);
    assert!(r.failed_at.is_none());
    assert_eq!(r.attempts, 0);
    assert!(r.next_attempt_at <= now(&mut conn));
    assert!(r.last_error.is_some(), "the last error stays visible");

    let sink = SmtpSink::start_on(port);
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 1);
    sink.wait_for(1, Duration::from_secs(10));
    assert!(row(&mut conn, id).sent_at.is_some());
    assert!(
        !notify::retry(&mut conn, id).unwrap(),
        "a sent email is not retried"
    );
    assert!(!notify::retry(&mut conn, id + 1000).unwrap());
}

fn without_smtp_emails_are_written_as_eml_files() {
    let db = Cluster::get().fresh_database();
    let mut conn = db.conn();
    let data = TempDir::new("kyodo-mail-data");
    let mut settings = <kyodo::config::Cli as clap::Parser>::try_parse_from([
        "kyodo".as_ref(),
        "--data-dir".as_ref(),
        data.path().as_os_str(),
    ])
    .unwrap()
    .settings;
    settings.smtp_url = None;
    settings.mail_from = kyodo::config::DEFAULT_FROM.into();
    let mailer = Mailer::from_settings(&settings).unwrap();
    assert!(mailer.describe().contains("mail"), "{}", mailer.describe());
    notify::enqueue(&mut conn, verify_message("hanako@example.org")).unwrap();
    notify::enqueue(&mut conn, notification("news@example.org")).unwrap();
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 2);
    assert_eq!(notify::drain(&mut conn, &mailer).unwrap(), 0);

    let dir = data.path().join("mail");
    let mut mails: Vec<ReceivedMail> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .inspect(|p| assert_eq!(p.extension().unwrap(), "eml", "{}", p.display()))
        .map(|p| ReceivedMail::parse(std::fs::read(p).unwrap()))
        .collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].to, "hanako@example.org");
    assert_eq!(mails[0].subject, "【協働 Kyodo】アカウントの確認");
    assert!(mails[0]
        .links()
        .contains(&"https://kyodo.example/verify?token=abc123&lang=ja".to_owned()));
    assert_eq!(
        mails[1].header("List-Unsubscribe"),
        Some("<https://kyodo.example/unsubscribe/t0k3n>")
    );

    // SMTP_URL chooses SMTP instead.
    settings.smtp_url = Some("smtp://127.0.0.1:2525".into());
    assert!(Mailer::from_settings(&settings)
        .unwrap()
        .describe()
        .starts_with("SMTP"));
    settings.mail_from = "not an address".into();
    assert!(Mailer::from_settings(&settings).is_err());
}

fn serve_runs_the_worker_and_stops_it() {
    let db = Cluster::get().fresh_database();
    let sink = SmtpSink::start();
    let data = TempDir::new("kyodo-serve-mail");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .env("DATABASE_URL", &db.url)
        .env("KYODO_LISTEN", "127.0.0.1:0")
        .env("KYODO_DATA_DIR", data.path())
        .env("SMTP_URL", sink.url())
        .env_remove("KYODO_MAIL_FROM")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("http://")),
        "serve prints its address"
    );
    let mut conn = db.conn();
    notify::enqueue(&mut conn, verify_message("served@example.org")).unwrap();
    let mails = sink.wait_for(1, Duration::from_secs(15));
    assert_eq!(mails[0].to, "served@example.org");

    // SIGTERM: the server stops, the worker with it, and the process exits cleanly.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kyodo serve did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    settle();
    assert_eq!(sink.messages().len(), 1);
}
