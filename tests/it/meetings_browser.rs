//! A meeting's whole course in headless Chromium (issue 13's browser flow): a department's
//! reviewer creates a ワークショップ with a venue, one seat and an on-line URL, and publishes it;
//! a resident registers with 配慮の希望 and gets the seat (the page now shows the URL), a second
//! one the waiting list; the emails, read from the loopback SMTP server, link to the meeting and
//! carry its `.ics` (read by Python's icalendar); at 09:00 the day before, the seat alone is
//! reminded; after the meeting the reviewer records attendance and publishes the minutes, which
//! the public page and the measure page show without anyone's private data. axe-core and the Nu
//! checker look at every page on the way.

use crate::support::browser::{sign_in_as, sign_out, Browser};
use crate::support::calendar::{attachment, event, read_calendar, uid};
use crate::support::consultations::jst;
use crate::support::db::{count, text};
use crate::support::mail::{deliver, ReceivedMail, SmtpSink};
use crate::support::people::{department, resident, staff_member};
use crate::support::{run, TestApp};
use kyodo::meetings::reminders;
use kyodo::notify::Mailer;

pub const TESTS: &[(&str, fn())] = &[(
    "meetings_browser::create_register_remind_attend_and_minutes",
    create_register_remind_attend_and_minutes,
)];

const REVIEWER: &str = "reviewer@example.jp";
const HANAKO: &str = "hanako@example.jp";
const HANAKO_NAME: &str = "本庄 花子";
const TARO: &str = "taro@example.jp";
const TARO_NAME: &str = "児玉 太郎";
const TITLE: &str = "まちの居場所ワークショップ";
const ONLINE: &str = "https://meet.example.jp/honjo-ibasho-1212";
const NEEDS: &str = "車椅子で参加します。介助者が1名同行します。";
const TOPIC: &str = "空き店舗の活用";
const SAID: &str = "駅前の空き店舗を、子どもと高齢者の居場所にしてほしい。";
const RESPONSE: &str = "来年度、空き店舗の活用に向けた補助制度を検討します。";

/// The one email to `to` whose subject has `needle`, as the SMTP server received it.
fn mail_to(sink: &SmtpSink, to: &str, needle: &str) -> ReceivedMail {
    let mut mails = sink.matching(1, |m| m.to == to && m.subject.contains(needle));
    assert_eq!(mails.len(), 1, "one email to {to} about {needle}");
    mails.remove(0)
}

/// The whole page as served and rendered (hidden parts too).
async fn html(browser: &Browser) -> String {
    browser
        .eval("return document.documentElement.outerHTML;")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

fn create_register_remind_attend_and_minutes() {
    run(async {
        let app = TestApp::start().await;
        staff_member(&app, REVIEWER, "審査 一郎", &[("reviewer", Some("企画課"))]).await;
        let dept = department(&app, "企画課");
        resident(&app, &app.visitor(), HANAKO, HANAKO_NAME).await;
        resident(&app, &app.visitor(), TARO, TARO_NAME).await;
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        deliver(&app, &mailer);
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        let mut check = |result: Result<(), String>| {
            if let Err(e) = result {
                failures.push(e);
            }
        };

        // 1. The reviewer creates the workshop and publishes it.
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        sign_in_as(&browser, &app, REVIEWER).await;
        browser.goto(&app.url("/staff/meetings/new")).await.unwrap();
        browser.wait_for_text("main", "手話通訳あり").await.unwrap();
        check(browser.assert_accessible("flow-staff-meeting-new").await);
        browser.select("#field-kind", "workshop").await.unwrap();
        browser.fill("#field-title", TITLE).await.unwrap();
        browser
            .fill(
                "#field-description",
                "駅前の空き店舗を、誰もが立ち寄れる居場所にする案を一緒に考えます。",
            )
            .await
            .unwrap();
        browser
            .select("#field-department", &dept.to_string())
            .await
            .unwrap();
        browser.click("#measure-5-1").await.unwrap();
        // A datetime-local input is typed per the browser's locale: set as the picker would.
        browser
            .eval(
                "document.querySelector('#field-starts_at').value = '2026-12-12T14:00';
                 document.querySelector('#field-ends_at').value = '2026-12-12T16:00';
                 return true;",
            )
            .await
            .unwrap();
        browser
            .fill("#field-venue_name", "本庄市役所 7階大会議室")
            .await
            .unwrap();
        browser
            .fill("#field-venue_address", "本庄市本庄3-5-3")
            .await
            .unwrap();
        browser.fill("#field-online_url", ONLINE).await.unwrap();
        browser.fill("#field-capacity", "1").await.unwrap();
        browser.click("#field-wheelchair").await.unwrap();
        browser
            .click("main form.form button[type=submit]")
            .await
            .unwrap();
        let page = browser
            .wait_for_text("main", "この会を公開する")
            .await
            .unwrap();
        assert!(
            page.contains("令和8年12月12日（土）14:00〜16:00")
                && page.contains("ワークショップ")
                && page.contains(ONLINE),
            "{page}"
        );
        check(browser.assert_accessible("flow-staff-meeting-draft").await);
        let staff_page = browser.current_url().await.unwrap();
        let id: i32 = staff_page
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("the meeting's staff page: {staff_page}"));
        browser.click("#publish button[type=submit]").await.unwrap();
        browser.wait_for_text(".facts", "開催予定").await.unwrap();
        check(
            browser
                .assert_accessible("flow-staff-meeting-published")
                .await,
        );
        sign_out(&browser).await;

        // 2. A resident finds it and takes the seat; a second one is on the waiting list.
        app.clock.set(jst(2026, 12, 1, 10, 0, 0));
        let public = format!("/meetings/{id}");
        sign_in_as(&browser, &app, HANAKO).await;
        browser.goto(&app.url("/meetings")).await.unwrap();
        browser.wait_for_text("main", TITLE).await.unwrap();
        check(browser.assert_accessible("flow-meetings").await);
        browser
            .click(&format!("main a[href='{public}']"))
            .await
            .unwrap();
        let page = browser
            .wait_for_text("main", "参加を申し込む")
            .await
            .unwrap();
        assert!(
            page.contains("参加用の URL は、参加が確定した方に") && !page.contains(ONLINE),
            "{page}"
        );
        assert!(!html(&browser).await.contains(ONLINE));
        check(browser.assert_accessible("flow-meeting-open").await);
        browser.fill("#field-needs", NEEDS).await.unwrap();
        browser
            .click("#registration form button[type=submit]")
            .await
            .unwrap();
        let page = browser
            .wait_for_text("main", "参加が確定しています")
            .await
            .unwrap();
        assert!(
            page.contains("参加の申込みを受け付けました")
                && page.contains(NEEDS)
                && page.contains(ONLINE),
            "{page}"
        );
        check(browser.assert_accessible("flow-meeting-registered").await);
        sign_out(&browser).await;

        sign_in_as(&browser, &app, TARO).await;
        browser.goto(&app.url(&public)).await.unwrap();
        browser
            .wait_for_text("#registration", "キャンセル待ちで申し込む")
            .await
            .unwrap();
        browser
            .click("#registration form button[type=submit]")
            .await
            .unwrap();
        let page = browser
            .wait_for_text("main", "キャンセル待ちの 1 番目です")
            .await
            .unwrap();
        assert!(!page.contains(ONLINE), "{page}");
        assert!(!html(&browser).await.contains(ONLINE));
        check(browser.assert_accessible("flow-meeting-waiting").await);
        sign_out(&browser).await;

        deliver(&app, &mailer);
        let seat = mail_to(&sink, HANAKO, "参加申込みを受け付けました");
        assert!(
            seat.links().contains(&app.url(&public)),
            "{:?}",
            seat.links()
        );
        assert!(seat.text.contains(ONLINE), "{}", seat.text);
        assert!(
            seat.text.contains("令和8年12月12日（土）14:00〜16:00"),
            "{}",
            seat.text
        );
        let (name, content_type, ics) = attachment(&seat).expect("the seat's .ics");
        assert!(name.ends_with(".ics"), "{name}");
        assert_eq!(content_type, "text/calendar");
        let calendar = read_calendar(&ics);
        assert_eq!(calendar["errors"], serde_json::json!([]), "{calendar:#}");
        let meeting = event(&calendar, &uid(&app, id));
        assert_eq!(meeting["summary"], TITLE);
        assert_eq!(meeting["start"], "2026-12-12T05:00:00+00:00");
        assert_eq!(meeting["end"], "2026-12-12T07:00:00+00:00");
        assert_eq!(meeting["url"], app.url(&public));
        let waiting = mail_to(&sink, TARO, "キャンセル待ち");
        assert!(waiting.text.contains("キャンセル待ち"), "{}", waiting.text);
        assert!(waiting.links().contains(&app.url(&public)));
        assert!(!waiting.text.contains(ONLINE), "{}", waiting.text);
        assert!(
            attachment(&waiting).is_none(),
            "no calendar file for the waiting list"
        );

        // 3. 09:00 the day before: the seat is reminded once, the waiting list not at all.
        app.clock.set(jst(2026, 12, 11, 9, 0, 0));
        let before = sink.messages().len();
        assert_eq!(
            reminders::send_due(&mut app.db(), app.clock.now(), &app.base).unwrap(),
            1
        );
        assert_eq!(
            reminders::send_due(&mut app.db(), app.clock.now(), &app.base).unwrap(),
            0,
            "a second pass sends nothing"
        );
        deliver(&app, &mailer);
        let reminder = mail_to(&sink, HANAKO, "開催のお知らせ");
        assert!(reminder.text.contains(ONLINE), "{}", reminder.text);
        assert!(reminder.links().contains(&app.url(&public)));
        let (_, _, ics) = attachment(&reminder).expect("the reminder's .ics");
        let calendar = read_calendar(&ics);
        assert_eq!(
            event(&calendar, &uid(&app, id))["start"],
            "2026-12-12T05:00:00+00:00"
        );
        let after = sink.wait_for(before + 1, std::time::Duration::from_secs(15));
        assert_eq!(after.len(), before + 1, "one email: the seat's reminder");
        assert!(!after
            .iter()
            .any(|m| m.to == TARO && m.subject.contains("開催のお知らせ")));

        // 4. After the meeting: attendance and minutes, in the browser.
        app.clock.set(jst(2026, 12, 12, 17, 0, 0));
        sign_in_as(&browser, &app, REVIEWER).await;
        browser.goto(&staff_page).await.unwrap();
        browser
            .wait_for_text("#attendance", "参加を記録する")
            .await
            .unwrap();
        let page = browser.text("#registrations").await.unwrap();
        assert!(
            page.contains(HANAKO_NAME) && page.contains(NEEDS),
            "the staff see who registered and what they need: {page}"
        );
        check(browser.assert_accessible("flow-staff-meeting-over").await);
        let came = text(
            &app,
            &format!(
                "SELECT r.id::text FROM meeting_registrations r JOIN accounts a ON a.id = r.account_id
                 WHERE r.meeting_id = {id} AND a.email = '{HANAKO}'"
            ),
        );
        browser.fill("#attendance-count", "12").await.unwrap();
        browser.click(&format!("#came-{came}")).await.unwrap();
        browser
            .click("#attendance button[type=submit]")
            .await
            .unwrap();
        browser.wait_for_text(".facts", "開催済").await.unwrap();
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM meetings WHERE id = {id} AND attendance = 12")
            ),
            1
        );
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM meeting_registrations
                     WHERE meeting_id = {id} AND attended AND id::text = '{came}'"
                )
            ),
            1
        );
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM meeting_registrations
                     WHERE meeting_id = {id} AND attended"
                )
            ),
            1,
            "only the resident who came"
        );
        check(
            browser
                .assert_accessible("flow-staff-meeting-attended")
                .await,
        );
        browser
            .fill(
                "#minutes-summary",
                "12人が参加し、駅前の空き店舗の活用を話し合いました。",
            )
            .await
            .unwrap();
        browser.fill("#topic-1", TOPIC).await.unwrap();
        browser.fill("#said-1", SAID).await.unwrap();
        browser.fill("#response-1", RESPONSE).await.unwrap();
        browser
            .click("#minutes button[name=publish]")
            .await
            .unwrap();
        browser
            .wait_for_text("#minutes", "に公開しました")
            .await
            .unwrap();
        check(
            browser
                .assert_accessible("flow-staff-meeting-minutes")
                .await,
        );
        sign_out(&browser).await;

        // 5. The public page, signed out: the record, and nobody's private data.
        browser.goto(&app.url(&public)).await.unwrap();
        let page = browser.wait_for_text("main", TOPIC).await.unwrap();
        for expected in ["参加者 12 人", SAID, RESPONSE, "本庄市役所 7階大会議室"] {
            assert!(page.contains(expected), "{expected} in {page}");
        }
        let served = html(&browser).await;
        for private in [HANAKO_NAME, TARO_NAME, HANAKO, TARO, NEEDS, ONLINE] {
            assert!(!served.contains(private), "{private} on the public page");
        }
        check(browser.assert_accessible("flow-meeting-minutes").await);
        // The meeting's own .ics, as a calendar reads it (lines unfolded).
        let ics = app
            .get(&format!("{public}.ics"))
            .await
            .bytes()
            .await
            .unwrap();
        let calendar = read_calendar(&ics);
        assert_eq!(event(&calendar, &uid(&app, id))["summary"], TITLE);
        let read = calendar.to_string();
        for private in [HANAKO_NAME, TARO_NAME, HANAKO, TARO, NEEDS, ONLINE] {
            assert!(!read.contains(private), "{private} in the public .ics");
        }
        browser.goto(&app.url("/measures/5-1")).await.unwrap();
        let measure = browser
            .wait_for_text("main", "この施策の意見を聴く場")
            .await
            .unwrap();
        assert!(
            measure.contains("最近の開催") && measure.contains(TITLE),
            "{measure}"
        );
        let listed = browser
            .eval(&format!(
                "return document.querySelectorAll(\"main a[href$='{public}']\").length;"
            ))
            .await
            .unwrap();
        assert!(listed.as_u64().unwrap_or(0) >= 1, "a link to {public}");

        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}
