//! Meetings in calendars and feeds: one meeting's `.ics` and the subscribed calendar read by a
//! real calendar library (Python's `icalendar`), the Atom feed read by an XML parser, the
//! `.ics` sent with a confirmation and with the reminder the day before (once), and never a
//! registrant's name, phone or address, nor the on-line URL, in a public file.

use crate::support::calendar::{attachment, event, python, read_calendar, uid};
use crate::support::consultations::jst;
use crate::support::db::count;
use crate::support::mail::{deliver, ReceivedMail, SmtpSink};
use crate::support::meetings::{
    account, change, meeting, on_line, register, registration_day, starts,
};
use crate::support::people::department;
use crate::support::{run, TestApp};
use kyodo::meetings::registrations::{Channel, NewRegistration, Person, Registrant, Status};
use kyodo::meetings::reminders;
use kyodo::notify::Mailer;
use serde_json::Value;
use std::process::Command;
use std::sync::{Arc, Barrier};

pub const TESTS: &[(&str, fn())] = &[
    (
        "meetings_calendar::a_meetings_ics_is_read_by_a_calendar_and_keeps_people_private",
        a_meetings_ics_is_read_by_a_calendar_and_keeps_people_private,
    ),
    (
        "meetings_calendar::the_subscribed_calendar_has_the_year_and_shows_cancellations",
        the_subscribed_calendar_has_the_year_and_shows_cancellations,
    ),
    (
        "meetings_calendar::the_atom_feed_is_well_formed_and_public_only",
        the_atom_feed_is_well_formed_and_public_only,
    ),
    (
        "meetings_calendar::a_seat_comes_with_a_calendar_file_holding_the_online_url",
        a_seat_comes_with_a_calendar_file_holding_the_online_url,
    ),
    (
        "meetings_calendar::the_reminder_goes_once_the_day_before_at_nine",
        the_reminder_goes_once_the_day_before_at_nine,
    ),
    (
        "meetings_calendar::kyodo_meetings_remind_writes_the_due_reminders",
        kyodo_meetings_remind_writes_the_due_reminders,
    ),
];

const ONLINE: &str = "https://meet.example.jp/room-7731";
const NAME: &str = "参加 花子";
const EMAIL: &str = "hanako@example.jp";
const PHONE_NAME: &str = "電話 受付子";
const PHONE: &str = "0495-25-1111";
const PHONE_EMAIL: &str = "phone-caller@example.jp";

/// What no public file may hold: the registrants and the on-line URL.
fn assert_private(body: &str) {
    for secret in [NAME, EMAIL, PHONE_NAME, PHONE, PHONE_EMAIL, "room-7731"] {
        assert!(!body.contains(secret), "{secret} in a public file:\n{body}");
    }
}

/// A meeting with an on-line URL beside its venue, and two people registered: an account and a
/// person staff typed in from a phone call.
fn hybrid_with_people(app: &TestApp) -> i32 {
    let dept = department(app, "企画課");
    let id = meeting(app, dept, "市長と語る会, 北部地区; 第1回", Some(10));
    change(app, id, &format!("online_url = '{ONLINE}'"));
    let hanako = account(app, EMAIL, NAME);
    register(app, id, &on_line(hanako));
    let staff = account(app, "staff@example.jp", "職員 係長");
    register(app, id, &by_phone(staff));
    id
}

fn by_phone(staff: uuid::Uuid) -> NewRegistration {
    NewRegistration {
        registrant: Registrant::Person(Person::parse(PHONE_NAME, PHONE, PHONE_EMAIL).unwrap()),
        channel: Channel::Phone,
        needs: None,
        entered_by: Some(staff),
    }
}

fn a_meetings_ics_is_read_by_a_calendar_and_keeps_people_private() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let id = hybrid_with_people(&app);

        let response = app.get(&format!("/meetings/{id}.ics")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"meeting-{id}.ics\"").as_str()
        );
        let body = response.text().await.unwrap();
        assert_private(&body);
        let calendar = read_calendar(body.as_bytes());
        assert_eq!(calendar["errors"], serde_json::json!([]), "{body}");
        assert_eq!(calendar["method"], "PUBLISH");
        let e = event(&calendar, &uid(&app, id));
        assert_eq!(e["summary"], "市長と語る会, 北部地区; 第1回");
        // 令和8年12月12日 14:00〜16:00 in Tokyo is 05:00〜07:00 UTC.
        assert_eq!(e["start"], "2026-12-12T05:00:00+00:00");
        assert_eq!(e["start"], starts().to_rfc3339());
        assert_eq!(e["end"], "2026-12-12T07:00:00+00:00");
        assert_eq!(e["stamp"], registration_day().to_rfc3339());
        assert_eq!(e["location"], "本庄市役所 7階大会議室 本庄市本庄3-5-3");
        assert_eq!(e["status"], "CONFIRMED");
        assert_eq!(e["sequence"], 1);
        assert_eq!(e["url"], app.url(&format!("/meetings/{id}")));
        let description = e["description"].as_str().unwrap();
        assert!(description.contains("地域の将来について市長と語り合います。"));
        assert!(description.contains("対話集会（担当：企画課）"));
        assert!(description.contains(&app.url(&format!("/meetings/{id}"))));

        // Staff move it an hour later: the same event, a higher sequence, the new time.
        change(
            &app,
            id,
            "starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour', \
             version = version + 1",
        );
        let moved = read_calendar(
            &app.get(&format!("/meetings/{id}.ics"))
                .await
                .bytes()
                .await
                .unwrap(),
        );
        let e = event(&moved, &uid(&app, id));
        assert_eq!(e["start"], "2026-12-12T06:00:00+00:00");
        assert_eq!(e["sequence"], 2);

        // A draft is no meeting; nor is anything but a number.
        change(&app, id, "published_at = NULL");
        for path in [
            format!("/meetings/{id}.ics"),
            "/meetings/x.ics".into(),
            "/meetings/999999.ics".into(),
            "/meetings/.ics".into(),
        ] {
            let status = app.get(&path).await.status();
            assert_eq!(status, 404, "{path}");
        }
        assert_eq!(app.get("/meetings/99999999999.ics").await.status(), 400);
    });
}

fn the_subscribed_calendar_has_the_year_and_shows_cancellations() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let id = hybrid_with_people(&app);
        let dept = department(&app, "企画課");
        let cancelled = meeting(&app, dept, "オンライン説明会", None);
        change(
            &app,
            cancelled,
            &format!(
                "venue_name = NULL, venue_address = NULL, online_url = '{ONLINE}', \
                 cancelled_at = '2026-11-25T00:00:00Z'"
            ),
        );
        let draft = meeting(&app, dept, "準備中の懇談会", None);
        change(&app, draft, "published_at = NULL");
        let old = meeting(&app, dept, "二年前の審議会", None);
        change(
            &app,
            old,
            "starts_at = '2024-11-01T05:00:00Z', ends_at = '2024-11-01T07:00:00Z', \
             published_at = '2024-10-01T00:00:00Z'",
        );
        let last_year = meeting(&app, dept, "昨年度のワークショップ", None);
        change(
            &app,
            last_year,
            "starts_at = '2026-01-10T05:00:00Z', ends_at = '2026-01-10T07:00:00Z', \
             published_at = '2025-12-01T00:00:00Z', attendance = 20, \
             attendance_recorded_at = '2026-01-10T08:00:00Z'",
        );

        let response = app.get("/meetings.ics").await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        let body = response.text().await.unwrap();
        assert_private(&body);
        let calendar = read_calendar(body.as_bytes());
        assert_eq!(calendar["errors"], serde_json::json!([]), "{body}");
        assert_eq!(
            calendar["name"],
            "本庄市 意見を聴く場（対話集会・ワークショップ等）"
        );
        assert_eq!(calendar["timezone"], "Asia/Tokyo");
        let uids: Vec<&str> = calendar["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["uid"].as_str().unwrap())
            .collect();
        assert_eq!(uids.len(), 3, "{uids:?}");
        for shown in [id, cancelled, last_year] {
            assert!(uids.contains(&uid(&app, shown).as_str()), "{shown}");
        }
        let e = event(&calendar, &uid(&app, cancelled));
        assert_eq!(e["status"], "CANCELLED");
        assert_eq!(e["summary"], "【中止】オンライン説明会");
        assert_eq!(e["location"], "オンライン");
        let e = event(&calendar, &uid(&app, last_year));
        assert_eq!(e["start"], "2026-01-10T05:00:00+00:00");
        assert_eq!(event(&calendar, &uid(&app, id))["status"], "CONFIRMED");
    });
}

/// The feed's entries as an XML parser reads them (it fails on XML that is not well-formed).
fn read_atom(xml: &[u8]) -> Value {
    python(
        r#"
import sys, json
import xml.etree.ElementTree as ET
a = "{http://www.w3.org/2005/Atom}"
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == a + "feed", root.tag
print(json.dumps({
    "title": root.find(a + "title").text,
    "self": [l.get("href") for l in root.findall(a + "link") if l.get("rel") == "self"],
    "entries": [{
        "id": e.find(a + "id").text,
        "title": e.find(a + "title").text,
        "updated": e.find(a + "updated").text,
        "link": e.find(a + "link").get("href"),
        "summary": e.find(a + "summary").text,
    } for e in root.findall(a + "entry")],
}, ensure_ascii=False))
"#,
        xml,
    )
}

fn the_atom_feed_is_well_formed_and_public_only() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let id = hybrid_with_people(&app);
        let dept = department(&app, "企画課");
        change(&app, id, "title = '<script>alert(1)</script> & 語る会'");
        let cancelled = meeting(&app, dept, "中止になった説明会", None);
        change(&app, cancelled, "cancelled_at = '2026-11-25T00:00:00Z'");
        let draft = meeting(&app, dept, "準備中の懇談会", None);
        change(&app, draft, "published_at = NULL");

        let response = app.get("/meetings.atom").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"));
        let xml = response.text().await.unwrap();
        assert_private(&xml);
        assert!(!xml.contains("<script>"), "escaped");
        assert!(!xml.contains("準備中の懇談会"));
        let feed = read_atom(xml.as_bytes());
        assert_eq!(
            feed["title"],
            "本庄市 意見を聴く場（対話集会・ワークショップ等）"
        );
        assert_eq!(feed["self"][0], app.url("/meetings.atom"));
        let entries = feed["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{feed:#}");
        // Newest first: the cancellation (25 Nov), then the announcement (20 Nov).
        assert_eq!(entries[0]["title"], "【中止】中止になった説明会");
        assert_eq!(entries[0]["updated"], "2026-11-25T00:00:00Z");
        assert_eq!(
            entries[0]["link"],
            app.url(&format!("/meetings/{cancelled}"))
        );
        assert_eq!(
            entries[1]["title"],
            "対話集会: <script>alert(1)</script> & 語る会"
        );
        assert_eq!(entries[1]["link"], app.url(&format!("/meetings/{id}")));
        let summary = entries[1]["summary"].as_str().unwrap();
        assert!(
            summary.contains("令和8年12月12日（土）14:00〜16:00"),
            "{summary}"
        );
        assert!(summary.contains("本庄市役所 7階大会議室"), "{summary}");
    });
}

/// The reader's calendar file in `mail`: it is the meeting's, with the on-line URL.
fn assert_calendar_for_a_seat(app: &TestApp, mail: &ReceivedMail, id: i32) {
    let (name, content_type, body) =
        attachment(mail).unwrap_or_else(|| panic!("no file in {}", mail.subject));
    assert_eq!(name, format!("meeting-{id}.ics"));
    assert_eq!(content_type, "text/calendar");
    let calendar = read_calendar(&body);
    assert_eq!(calendar["errors"], serde_json::json!([]));
    let e = event(&calendar, &uid(app, id));
    assert_eq!(e["start"], starts().to_rfc3339());
    assert!(e["description"].as_str().unwrap().contains(ONLINE), "{e:#}");
    for secret in [NAME, EMAIL, PHONE_NAME, PHONE, PHONE_EMAIL] {
        assert!(!String::from_utf8_lossy(&body).contains(secret));
    }
}

fn a_seat_comes_with_a_calendar_file_holding_the_online_url() {
    run(async {
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "駅前ワークショップ", Some(1));
        change(&app, id, &format!("online_url = '{ONLINE}'"));
        let seated = account(&app, EMAIL, NAME);
        let waiting = account(&app, "waiting@example.jp", "待機 次郎");
        register(&app, id, &on_line(seated));
        register(&app, id, &on_line(waiting));
        deliver(&app, &mailer);
        let mails = sink.wait_for(2, std::time::Duration::from_secs(15));
        let to = |address: &str| mails.iter().find(|m| m.to == address).unwrap();

        let confirmed = to(EMAIL);
        assert!(confirmed.subject.contains("参加申込みを受け付けました"));
        assert!(confirmed
            .header("Content-Type")
            .unwrap()
            .contains("multipart/mixed"));
        assert!(confirmed
            .text
            .contains("予定表に追加できるファイル（.ics）を添付しています。"));
        assert!(
            confirmed.text.contains(ONLINE),
            "the text part is still read"
        );
        assert_calendar_for_a_seat(&app, confirmed, id);

        let waits = to("waiting@example.jp");
        assert!(waits.subject.contains("キャンセル待ち"));
        assert!(attachment(waits).is_none(), "no seat, no calendar file");
        assert!(!waits.text.contains("添付"));

        // The seat frees: the person moving up gets the file now.
        let cancel = kyodo::meetings::registrations::Cancel::Account {
            meeting: id,
            account: seated,
        };
        kyodo::meetings::registrations::cancel(
            &mut app.db(),
            cancel,
            registration_day(),
            None,
            &app.base,
        )
        .unwrap()
        .unwrap();
        deliver(&app, &mailer);
        let promoted = sink.matching(1, |m| m.subject.contains("繰り上げ"));
        assert_eq!(promoted.len(), 1);
        assert_calendar_for_a_seat(&app, &promoted[0], id);
    });
}

/// The reminders in the outbox, each with its calendar file.
fn reminders_queued(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM outbox WHERE subject LIKE '%開催のお知らせ%' \
         AND attachment_type = 'text/calendar; charset=utf-8'",
    )
}

fn the_reminder_goes_once_the_day_before_at_nine() {
    run(async {
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "市長と語る会", Some(2));
        change(&app, id, &format!("online_url = '{ONLINE}'"));
        let seated = account(&app, EMAIL, NAME);
        register(&app, id, &on_line(seated));
        let staff = account(&app, "staff@example.jp", "職員 係長");
        register(&app, id, &by_phone(staff));
        let waiting = account(&app, "waiting@example.jp", "待機 次郎");
        let w = register(&app, id, &on_line(waiting));
        assert_eq!(w.registration.status, Status::Waiting);
        // Another meeting, cancelled: nobody is reminded of it.
        let cancelled = meeting(&app, dept, "中止の説明会", None);
        register(&app, cancelled, &on_line(waiting));
        change(&app, cancelled, "cancelled_at = '2026-12-05T00:00:00Z'");
        deliver(&app, &mailer);
        let registered = sink.wait_for(4, std::time::Duration::from_secs(15)).len();

        let send = |now| reminders::send_due(&mut app.db(), now, &app.base).unwrap();
        // 令和8年12月11日 08:59 in Tokyo: not yet.
        assert_eq!(send(jst(2026, 12, 11, 8, 59, 59)), 0);
        assert_eq!(reminders_queued(&app), 0);
        // 09:00 the day before: two instances at once remind the two seats once.
        let barrier = Arc::new(Barrier::new(2));
        let at_nine = jst(2026, 12, 11, 9, 0, 0);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (mut conn, barrier, base) = (app.db(), barrier.clone(), app.base.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    reminders::send_due(&mut conn, at_nine, &base).unwrap()
                })
            })
            .collect();
        let reminded: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(reminded, 2);
        assert_eq!(reminders_queued(&app), 2);
        // Later passes, and the morning of the meeting, send nothing more.
        assert_eq!(send(jst(2026, 12, 11, 9, 1, 0)), 0);
        assert_eq!(send(jst(2026, 12, 12, 10, 0, 0)), 0);
        assert_eq!(reminders_queued(&app), 2);

        deliver(&app, &mailer);
        let reminders = sink.matching(2, |m| m.subject.contains("開催のお知らせ"));
        assert_eq!(reminders.len(), 2);
        let mut to: Vec<&str> = reminders.iter().map(|m| m.to.as_str()).collect();
        to.sort_unstable();
        assert_eq!(to, [EMAIL, PHONE_EMAIL], "the seats, not the waiting");
        for mail in &reminders {
            assert_eq!(mail.subject, "【協働 Kyodo】開催のお知らせ：市長と語る会");
            assert!(mail.text.contains("令和8年12月12日（土）14:00〜16:00"));
            assert!(mail.text.contains(ONLINE));
            assert_calendar_for_a_seat(&app, mail, id);
        }
        let by_phone = reminders.iter().find(|m| m.to == PHONE_EMAIL).unwrap();
        assert!(by_phone.text.contains("/meetings/cancel?token="));
        assert_eq!(sink.messages().len(), registered + 2);
    });
}

fn kyodo_meetings_remind_writes_the_due_reminders() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "まもなく始まる懇談会", None);
        // The command reads the real clock: a meeting three hours from now is due.
        let soon = chrono::Utc::now() + chrono::Duration::hours(3);
        let at = soon.to_rfc3339();
        change(
            &app,
            id,
            &format!(
                "starts_at = '{at}', ends_at = timestamptz '{at}' + interval '1 hour', \
                 published_at = now() - interval '1 day'"
            ),
        );
        let seated = account(&app, EMAIL, NAME);
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "INSERT INTO meeting_registrations (meeting_id, account_id, channel, status, \
                 registered_at, confirmed_at) VALUES ({id}, '{seated}', 'web', 'confirmed', now(), now())"
            )),
            &mut app.db(),
        )
        .unwrap();
        let run = || {
            let output = Command::new(env!("CARGO_BIN_EXE_kyodo"))
                .arg("meetings-remind")
                .env("DATABASE_URL", &app.database.url)
                .env("KYODO_PUBLIC_URL", &app.base)
                .env_remove("KYODO_LISTEN")
                .env_remove("KYODO_DATA_DIR")
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        };
        assert!(run().contains("Reminded 1 "), "one seat");
        assert!(run().contains("Reminded 0 "), "once");
        assert_eq!(reminders_queued(&app), 1);
    });
}
