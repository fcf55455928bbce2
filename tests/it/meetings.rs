//! Meetings (意見を聴く場), the public side: registering for a seat or the waiting list, two
//! people at once, cancelling and moving the waiting list up, with the emails people get.

use crate::support::db::count;
use crate::support::mail::{deliver, SmtpSink};
use crate::support::meetings::{account, meeting, on_line, register, registration_day};
use crate::support::people::department;
use crate::support::{run, TestApp};
use kyodo::meetings::emails::{Letter, Link, Recipient};
use kyodo::meetings::registrations::{
    self, Cancel, Channel, NewRegistration, Person, Registered, Registrant, Status,
};
use kyodo::notify::Mailer;
use std::sync::{Arc, Barrier};

pub const TESTS: &[(&str, fn())] = &[
    (
        "meetings::two_people_for_the_last_seat_make_one_seat_and_one_waiting",
        two_people_for_the_last_seat_make_one_seat_and_one_waiting,
    ),
    (
        "meetings::one_account_registering_twice_at_once_has_one_registration",
        one_account_registering_twice_at_once_has_one_registration,
    ),
    (
        "meetings::a_cancellation_moves_the_first_waiting_up_and_tells_them_once",
        a_cancellation_moves_the_first_waiting_up_and_tells_them_once,
    ),
    (
        "meetings::a_person_staff_entered_cancels_from_their_email",
        a_person_staff_entered_cancels_from_their_email,
    ),
];

/// Each registration from its own thread and connection, released together.
fn at_once(app: &TestApp, id: i32, news: Vec<NewRegistration>) -> Vec<Registered> {
    let barrier = Arc::new(Barrier::new(news.len()));
    let threads: Vec<_> = news
        .into_iter()
        .map(|new| {
            let mut conn = app.db();
            let barrier = barrier.clone();
            let base = app.base.clone();
            std::thread::spawn(move || {
                barrier.wait();
                registrations::register(&mut conn, id, &new, registration_day(), None, &base)
                    .unwrap()
                    .unwrap()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn statuses(app: &TestApp, id: i32, status: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT count(*) AS n FROM meeting_registrations WHERE meeting_id = {id} AND status = '{status}'"
        ),
    )
}

fn two_people_for_the_last_seat_make_one_seat_and_one_waiting() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "市長と語る会", Some(2));
        let first = account(&app, "first@example.jp", "先着 一郎");
        register(&app, id, &on_line(first));
        let a = account(&app, "a@example.jp", "同時 A");
        let b = account(&app, "b@example.jp", "同時 B");
        let done = at_once(&app, id, vec![on_line(a), on_line(b)]);
        let mut got: Vec<Status> = done.iter().map(|r| r.registration.status).collect();
        got.sort_by_key(|s| s.code());
        assert_eq!(got, [Status::Confirmed, Status::Waiting]);
        assert!(done.iter().all(|r| !r.already));
        let waiting = done
            .iter()
            .find(|r| r.registration.status == Status::Waiting)
            .unwrap();
        assert_eq!(waiting.registration.position, Some(1));
        assert_eq!(
            statuses(&app, id, "confirmed"),
            2,
            "never more seats than the capacity"
        );
        assert_eq!(statuses(&app, id, "waiting"), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'meeting.register'"
            ),
            3
        );
    });
}

fn one_account_registering_twice_at_once_has_one_registration() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "市長と語る会", None);
        let me = account(&app, "twice@example.jp", "二度 押子");
        let done = at_once(&app, id, vec![on_line(me), on_line(me)]);
        assert_eq!(done[0].registration.id, done[1].registration.id);
        assert_eq!(done.iter().filter(|r| r.already).count(), 1);
        assert_eq!(statuses(&app, id, "confirmed"), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'twice@example.jp'"
            ),
            1,
            "one confirmation"
        );
        // Once more later: the same registration back, nothing new.
        let again = register(&app, id, &on_line(me));
        assert!(again.already);
        assert_eq!(again.registration.id, done[0].registration.id);
        assert_eq!(
            registrations::of_account(&mut app.db(), id, me)
                .unwrap()
                .map(|r| r.id),
            Some(again.registration.id)
        );
    });
}

fn a_cancellation_moves_the_first_waiting_up_and_tells_them_once() {
    run(async {
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "駅前ワークショップ", Some(1));
        crate::support::meetings::change(
            &app,
            id,
            "online_url = 'https://meet.example.jp/room-7731'",
        );
        let seated = account(&app, "seated@example.jp", "着席 太郎");
        let next = account(&app, "next@example.jp", "次点 花子");
        let later = account(&app, "later@example.jp", "後続 次郎");
        for who in [seated, next, later] {
            register(&app, id, &on_line(who));
        }
        deliver(&app, &mailer);
        let mails = sink.wait_for(3, std::time::Duration::from_secs(15));
        let to = |address: &str| mails.iter().find(|m| m.to == address).unwrap();
        assert!(to("seated@example.jp")
            .subject
            .contains("参加申込みを受け付けました"));
        assert!(to("seated@example.jp")
            .text
            .contains("https://meet.example.jp/room-7731"));
        assert!(to("seated@example.jp")
            .text
            .contains("令和8年12月12日（土）14:00〜16:00"));
        assert!(to("next@example.jp").subject.contains("キャンセル待ち"));
        assert!(
            !to("next@example.jp").text.contains("room-7731"),
            "the waiting are not sent the on-line URL"
        );

        let cancel = Cancel::Account {
            meeting: id,
            account: seated,
        };
        let now = registration_day();
        let cancelled = registrations::cancel(&mut app.db(), cancel, now, None, &app.base);
        assert_eq!(cancelled.unwrap(), Ok(Some(id)));
        // A second click finds nothing to cancel and moves nobody.
        let again = registrations::cancel(&mut app.db(), cancel, now, None, &app.base);
        assert_eq!(again.unwrap(), Ok(None));
        let mine = |who| registrations::of_account(&mut app.db(), id, who).unwrap();
        assert_eq!(mine(seated), None);
        assert_eq!(mine(next).unwrap().status, Status::Confirmed);
        let still = mine(later).unwrap();
        assert_eq!((still.status, still.position), (Status::Waiting, Some(1)));

        deliver(&app, &mailer);
        let promoted = sink.matching(2, |m| m.subject.contains("繰り上げ"));
        assert_eq!(promoted.len(), 1, "one email, to the first waiting");
        assert_eq!(promoted[0].to, "next@example.jp");
        assert!(promoted[0]
            .text
            .contains("https://meet.example.jp/room-7731"));
        assert_eq!(sink.messages().len(), 4);
    });
}

fn a_person_staff_entered_cancels_from_their_email() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let id = meeting(&app, dept, "地域懇談会", Some(1));
        let staff = account(&app, "staff@example.jp", "職員 係長");
        // Registration closed for residents: staff may still enter a call before the day.
        crate::support::meetings::change(
            &app,
            id,
            "registration_closes_at = '2026-11-30T00:00:00Z'",
        );
        let closed = registrations::register(
            &mut app.db(),
            id,
            &on_line(account(&app, "late@example.jp", "遅刻 三郎")),
            registration_day(),
            None,
            &app.base,
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(closed.refusal.key(), "msg.meeting_registration_closed");
        let person =
            Person::parse("電話 受付子", "0495-25-1111", "phone-caller@example.jp").unwrap();
        let entered = register(
            &app,
            id,
            &NewRegistration {
                registrant: Registrant::Person(person),
                channel: Channel::Phone,
                needs: Some("車椅子で参加します".into()),
                entered_by: Some(staff),
            },
        );
        assert_eq!(entered.registration.status, Status::Confirmed);
        let token = entered.cancel_token.unwrap();
        let link = crate::support::mail::link_in_outbox(
            &app,
            "phone-caller@example.jp",
            "/meetings/cancel?token=",
        );
        assert_eq!(link, format!("/meetings/cancel?token={token}"));
        let (found, registration) = registrations::by_token(&mut app.db(), &token)
            .unwrap()
            .unwrap();
        assert_eq!((found.id, registration.id), (id, entered.registration.id));
        // The table keeps only the link's digest: a leaked table gives no working link.
        let stored = crate::support::db::text(
            &app,
            "SELECT cancel_token FROM meeting_registrations WHERE email = 'phone-caller@example.jp'",
        );
        assert_eq!(stored, kyodo::tokens::digest(&token));
        for wrong in [stored.as_str(), "no-such-token", ""] {
            assert!(registrations::by_token(&mut app.db(), wrong)
                .unwrap()
                .is_none());
        }
        // A later email (the reminder) carries a fresh link; both work.
        let found_meeting = kyodo::meetings::model::find(&mut app.db(), id)
            .unwrap()
            .unwrap();
        kyodo::meetings::emails::send(
            &mut app.db(),
            &app.base,
            &found_meeting,
            &Recipient::Address {
                address: "phone-caller@example.jp",
                link: Link::Stored(&stored),
            },
            Letter::Reminder,
            registration_day(),
        )
        .unwrap();
        let later = crate::support::mail::link_in_outbox(
            &app,
            "phone-caller@example.jp",
            "/meetings/cancel?token=",
        );
        assert_ne!(later, link);
        let later = later.trim_start_matches("/meetings/cancel?token=");
        assert!(kyodo::tokens::is_secret(later));
        let (_, again) = registrations::by_token(&mut app.db(), later)
            .unwrap()
            .unwrap();
        assert_eq!(again.id, entered.registration.id);
        let cancelled = registrations::cancel(
            &mut app.db(),
            Cancel::Token(&token),
            registration_day(),
            None,
            &app.base,
        );
        assert_eq!(cancelled.unwrap(), Ok(Some(id)));
        assert_eq!(statuses(&app, id, "cancelled"), 1);
        assert!(registrations::by_token(&mut app.db(), &token)
            .unwrap()
            .is_none());
    });
}
