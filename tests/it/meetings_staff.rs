//! Meetings (意見を聴く場), the staff side over HTTP with the injected clock: the form refuses in
//! Japanese and keeps what was typed, a draft is published, two editors cannot overwrite each
//! other; a meeting moved after registrations emails each registrant exactly once (read from
//! the loopback SMTP server), a cancellation too, with its notice; a registration taken by
//! phone and cancelled by staff; attendance, minutes and the proposals born after the meeting.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::calendar::{attachment, event, read_calendar, uid};
use crate::support::consultations::{announce, jst, save_december};
use crate::support::db::{count, text};
use crate::support::mail::{deliver, SmtpSink};
use crate::support::meetings::{
    account, meeting, on_line, register, registration_day, reviewers, DEPT,
};
use crate::support::people::{department, staff_member};
use crate::support::{run, visible_text, TestApp, Visitor};
use kyodo::notify::Mailer;
use std::time::Duration;

pub const TESTS: &[(&str, fn())] = &[
    (
        "meetings_staff::a_new_meeting_is_refused_in_japanese_then_saved_and_published",
        a_new_meeting_is_refused_in_japanese_then_saved_and_published,
    ),
    (
        "meetings_staff::the_form_offers_and_takes_only_what_exists_and_is_public",
        the_form_offers_and_takes_only_what_exists_and_is_public,
    ),
    (
        "meetings_staff::a_move_with_more_seats_tells_the_one_moved_up_once",
        a_move_with_more_seats_tells_the_one_moved_up_once,
    ),
    (
        "meetings_staff::a_moved_meeting_emails_each_registrant_once",
        a_moved_meeting_emails_each_registrant_once,
    ),
    (
        "meetings_staff::a_cancelled_meeting_is_noticed_and_emailed_once",
        a_cancelled_meeting_is_noticed_and_emailed_once,
    ),
    (
        "meetings_staff::a_registrant_with_update_emails_off_still_hears_of_their_registration",
        a_registrant_with_update_emails_off_still_hears_of_their_registration,
    ),
    (
        "meetings_staff::a_registration_taken_by_phone_and_cancelled_by_staff",
        a_registration_taken_by_phone_and_cancelled_by_staff,
    ),
    (
        "meetings_staff::attendance_minutes_and_proposals_born_after_the_meeting",
        attendance_minutes_and_proposals_born_after_the_meeting,
    ),
    (
        "meetings_staff::the_staff_pages_in_a_browser_pass_axe_and_the_nu_checker",
        the_staff_pages_in_a_browser_pass_axe_and_the_nu_checker,
    ),
];

/// The form's fields for a 対話集会 on 12 December 2026, 14:00 to 16:00.
fn fields(dept: i32) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "dialogue".into()),
        ("title", "市長と語る会".into()),
        (
            "description",
            "地域の将来について市長と語り合います。".into(),
        ),
        ("department", dept.to_string()),
        ("measures", "6-1".into()),
        ("starts_at", "2026-12-12T14:00".into()),
        ("ends_at", "2026-12-12T16:00".into()),
        ("venue_name", "本庄市役所 7階大会議室".into()),
        ("venue_address", "本庄市本庄3-5-3".into()),
        ("capacity", "2".into()),
        ("sign_language", "on".into()),
    ]
}

async fn post(
    visitor: &Visitor,
    page: &str,
    action: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    visitor.submit(page, action, &borrowed).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The version the edit form carries.
async fn version(visitor: &Visitor, id: i32) -> String {
    let html = visitor.page(&format!("/staff/meetings/{id}/edit")).await;
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("the version field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Edits meeting `id` to `fields` (with the version read now).
async fn edit(
    visitor: &Visitor,
    id: i32,
    mut fields: Vec<(&'static str, String)>,
) -> reqwest::Response {
    fields.push(("version", version(visitor, id).await));
    let page = format!("/staff/meetings/{id}/edit");
    post(visitor, &page, &page, &fields).await
}

fn a_new_meeting_is_refused_in_japanese_then_saved_and_published() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        let new = "/staff/meetings/new";
        let form = visible_text(&rev.page(new).await);
        assert!(
            form.contains("手話通訳あり") && form.contains("定員"),
            "{form}"
        );

        // Everything wrong at once: each said in Japanese, everything typed kept.
        let bad = post(
            &rev,
            new,
            "/staff/meetings",
            &[
                ("kind", "dialogue".into()),
                ("title", "".into()),
                ("description", "説明".into()),
                ("department", dept.to_string()),
                ("starts_at", "12/12 14:00".into()),
                ("ends_at", "2026-12-12T16:00".into()),
                ("online_url", "ftp://meet.example.jp".into()),
                ("capacity", "0".into()),
                ("access_notes", "本庄駅から徒歩10分".into()),
            ],
        )
        .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        let said = visible_text(&html);
        for message in [
            "会の名前を入力してください",
            "開始日時は「2026-12-12T14:00」の形で入力してください",
            "https:// で始まるアドレス",
            "定員は 1 から 100000 までの数字",
        ] {
            assert!(said.contains(message), "{message}: {said}");
        }
        assert!(html.contains("value=\"12/12 14:00\"") && html.contains("value=\"0\""));
        assert!(html.contains("本庄駅から徒歩10分</textarea>"));
        assert!(html.contains("aria-invalid=\"true\""));
        // The end before the start, and neither venue nor link.
        let mut wrong = fields(dept);
        wrong.retain(|(k, _)| !matches!(*k, "venue_name" | "ends_at"));
        wrong.push(("ends_at", "2026-12-12T13:00".into()));
        let bad = post(&rev, new, "/staff/meetings", &wrong).await;
        assert_eq!(bad.status(), 400);
        let said = visible_text(&bad.text().await.unwrap());
        assert!(
            said.contains("終了日時は開始日時より後にしてください"),
            "{said}"
        );
        assert!(
            said.contains("会場名かオンライン参加の URL のどちらか"),
            "{said}"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM meetings"), 0);

        // A reviewer of another department may not make one for this department.
        let foreign = post(&other, new, "/staff/meetings", &fields(dept)).await;
        assert_eq!(foreign.status(), 403);

        // Saved as a draft: for staff only, until published.
        let saved = post(&rev, new, "/staff/meetings", &fields(dept)).await;
        assert_eq!(saved.status(), 303);
        let page = location(&saved);
        let id: i32 = page.rsplit('/').next().unwrap().parse().unwrap();
        let shown = visible_text(&rev.page(&page).await);
        assert!(
            shown.contains("公開前") && shown.contains("令和8年12月12日（土）14:00〜16:00"),
            "{shown}"
        );
        assert!(shown.contains("手話通訳あり"), "{shown}");
        let list = visible_text(&rev.page("/staff/meetings").await);
        assert!(
            list.contains("市長と語る会") && list.contains("公開前"),
            "{list}"
        );
        assert!(!visible_text(&other.page("/staff/meetings").await).contains("市長と語る会"));
        assert_eq!(other.get(&page).await.status(), 403);
        assert_eq!(other.get(&format!("{page}/edit")).await.status(), 403);

        let published = rev.submit(&page, &format!("{page}/publish"), &[]).await;
        assert_eq!(published.status(), 303);
        let shown = visible_text(&rev.page(&page).await);
        assert!(
            shown.contains("開催予定") && !shown.contains("この会を公開する"),
            "{shown}"
        );
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'meeting.publish' AND record_id = '{id}'")),
            1
        );

        // Two editors: the second, with the version they read before the first saved, is
        // refused and told why; nothing of theirs is written.
        let stale = version(&rev, id).await;
        let mut first = fields(dept);
        first.push(("version", stale.clone()));
        first.retain(|(k, _)| *k != "title");
        first.push(("title", "市長と語る会（第1回）".into()));
        let edit_page = format!("{page}/edit");
        assert_eq!(
            post(&rev, &edit_page, &edit_page, &first).await.status(),
            303
        );
        let mut second = fields(dept);
        second.push(("version", stale));
        second.retain(|(k, _)| *k != "title");
        second.push(("title", "上書きする名前".into()));
        let refused = post(&rev, &edit_page, &edit_page, &second).await;
        assert_eq!(refused.status(), 400);
        let html = refused.text().await.unwrap();
        assert!(visible_text(&html).contains("ほかの職員が保存しました"));
        assert!(
            html.contains("value=\"上書きする名前\""),
            "what was typed stays"
        );
        assert_eq!(
            text(&app, &format!("SELECT title FROM meetings WHERE id = {id}")),
            "市長と語る会（第1回）"
        );
    })
}

/// An admin may run any department's meetings, but not one that does not exist; a meeting
/// serves an announced consultation, never another department's draft (its page would show it).
fn the_form_offers_and_takes_only_what_exists_and_is_public() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let dept = department(&app, DEPT);
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        save_december(&admin, dept).await;
        let new = "/staff/meetings/new";
        assert!(
            !admin.page(new).await.contains("本庄市協働推進指針（案）"),
            "a draft consultation is not offered"
        );
        let mut on_draft = fields(dept);
        on_draft.push(("consultation", "1".into()));
        let refused = post(&admin, new, "/staff/meetings", &on_draft).await;
        assert_eq!(refused.status(), 400);
        let html = refused.text().await.unwrap();
        assert!(
            visible_text(&html).contains("その意見公募はありません"),
            "{html}"
        );
        assert!(html.contains("市長と語る会"), "what was typed is kept");

        let mut nowhere = fields(dept);
        nowhere.retain(|(k, _)| *k != "department");
        nowhere.push(("department", "999999".into()));
        let refused = post(&admin, new, "/staff/meetings", &nowhere).await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap()).contains("担当課を選んでください"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM meetings"), 0);

        // Once announced, it is offered and taken.
        announce(&admin, 1).await;
        assert!(admin.page(new).await.contains("本庄市協働推進指針（案）"));
        assert_eq!(
            post(&admin, new, "/staff/meetings", &on_draft)
                .await
                .status(),
            303
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM meetings WHERE consultation_id = 1"
            ),
            1
        );
    })
}

/// Moved and given a third seat in one save: the waiting caller moves up and hears of it in
/// one email (the meeting as it now is), the two seats in one change email each.
fn a_move_with_more_seats_tells_the_one_moved_up_once() {
    run(async {
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "市長と語る会", Some(2));
        three_registrants(&app, &rev, id).await;
        deliver(&app, &mailer);
        let before = sink.wait_for(3, Duration::from_secs(15)).len();
        let mut moved = fields(dept);
        moved.retain(|(k, _)| !matches!(*k, "starts_at" | "ends_at" | "capacity"));
        moved.push(("starts_at", "2026-12-12T15:00".into()));
        moved.push(("ends_at", "2026-12-12T17:00".into()));
        moved.push(("capacity", "3".into()));
        assert_eq!(edit(&rev, id, moved).await.status(), 303);
        deliver(&app, &mailer);
        let after = sink.wait_for(before + 3, Duration::from_secs(15));
        let new: Vec<_> = after[before..].iter().collect();
        let to_caller: Vec<_> = new.iter().filter(|m| m.to == "caller@example.jp").collect();
        assert_eq!(to_caller.len(), 1, "one email to the one moved up");
        assert!(
            to_caller[0].subject.contains("繰り上げ"),
            "{}",
            to_caller[0].subject
        );
        assert!(
            to_caller[0].text.contains("15:00〜17:00"),
            "the new time: {}",
            to_caller[0].text
        );
        for seat in ["seat1@example.jp", "seat2@example.jp"] {
            let mine: Vec<_> = new.iter().filter(|m| m.to == seat).collect();
            assert_eq!(mine.len(), 1, "{seat}");
            assert!(mine[0].subject.contains("変更のお知らせ"));
        }
        assert_eq!(new.len(), 3);
    })
}

/// Meeting `id` with two seats taken on line and a third person, typed in by staff from a
/// call, on the waiting list: their addresses.
async fn three_registrants(app: &TestApp, rev: &Visitor, id: i32) -> [&'static str; 3] {
    app.clock.set(registration_day());
    for (email, name) in [
        ("seat1@example.jp", "着席 一郎"),
        ("seat2@example.jp", "着席 二郎"),
    ] {
        register(app, id, &on_line(account(app, email, name)));
    }
    let page = format!("/staff/meetings/{id}");
    let entered = rev
        .submit(
            &page,
            &format!("{page}/registrations"),
            &[
                ("channel", "phone"),
                ("name", "電話 待子"),
                ("phone", "0495-25-1111"),
                ("email", "caller@example.jp"),
            ],
        )
        .await;
    assert_eq!(entered.status(), 303);
    ["seat1@example.jp", "seat2@example.jp", "caller@example.jp"]
}

fn a_moved_meeting_emails_each_registrant_once() {
    run(async {
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "市長と語る会", Some(2));
        let people = three_registrants(&app, &rev, id).await;
        deliver(&app, &mailer);
        let before = sink.wait_for(3, Duration::from_secs(15)).len();

        // Moved an hour later, to another hall.
        let mut moved = fields(dept);
        moved.retain(|(k, _)| !matches!(*k, "starts_at" | "ends_at" | "venue_name"));
        moved.push(("starts_at", "2026-12-12T15:00".into()));
        moved.push(("ends_at", "2026-12-12T17:00".into()));
        moved.push(("venue_name", "はにぽんプラザ".into()));
        moved.push(("online_url", "https://meet.example.jp/room-4417".into()));
        let saved = edit(&rev, id, moved.clone()).await;
        assert_eq!(saved.status(), 303);
        assert!(location(&saved).ends_with("?told=1"));
        deliver(&app, &mailer);
        let changed = sink.matching(3, |m| m.subject.contains("変更のお知らせ"));
        for address in people {
            let mine: Vec<_> = changed.iter().filter(|m| m.to == address).collect();
            assert_eq!(mine.len(), 1, "{address} is told once");
            assert!(
                mine[0].subject.contains("日時・会場"),
                "{}",
                mine[0].subject
            );
            assert!(
                mine[0].text.contains("令和8年12月12日（土）15:00〜17:00")
                    && mine[0].text.contains("はにぽんプラザ"),
                "{}",
                mine[0].text
            );
        }
        let caller = changed
            .iter()
            .find(|m| m.to == "caller@example.jp")
            .unwrap();
        assert!(caller.text.contains("キャンセル待ち"), "{}", caller.text);
        // The new on-line URL goes to the seats only, and never into the public notice.
        assert!(!caller.text.contains("room-4417"), "{}", caller.text);
        let seated = changed.iter().find(|m| m.to == "seat1@example.jp").unwrap();
        assert!(seated.text.contains("https://meet.example.jp/room-4417"));
        // The seat's calendar takes the new time (the same event, a later version); the
        // waiting list never had it.
        let (_, _, ics) = attachment(seated).expect("the moved meeting's .ics");
        let calendar = read_calendar(&ics);
        let moved_event = event(&calendar, &uid(&app, id));
        assert_eq!(
            moved_event["start"],
            jst(2026, 12, 12, 15, 0, 0).to_rfc3339()
        );
        assert!(
            moved_event["sequence"].as_i64().unwrap() > 1,
            "{moved_event}"
        );
        assert!(
            attachment(caller).is_none(),
            "no calendar for the waiting list"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM meeting_notices WHERE body LIKE '%room-4417%' OR body LIKE '%着席%' OR body LIKE '%待子%'"),
            0
        );
        assert!(
            caller.text.contains("/meetings/cancel?token="),
            "{}",
            caller.text
        );
        assert!(caller.header("List-Unsubscribe").is_some());
        // The notice, on the meeting's page.
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM meeting_notices WHERE meeting_id = {id} AND kind = 'changed' AND body LIKE '%はにぽんプラザ%'")),
            1
        );
        let page = visible_text(&rev.page(&format!("/staff/meetings/{id}")).await);
        assert!(page.contains("日時・会場を変更しました"), "{page}");

        // Not into the past: nobody could come.
        let mut past = moved.clone();
        past.retain(|(k, _)| !matches!(*k, "starts_at" | "ends_at"));
        past.push(("starts_at", "2026-11-30T14:00".into()));
        past.push(("ends_at", "2026-11-30T16:00".into()));
        let refused = edit(&rev, id, past).await;
        assert_eq!(refused.status(), 400);
        assert!(
            visible_text(&refused.text().await.unwrap()).contains("過ぎた日時には変更できません")
        );

        // Only the description changes: nobody is emailed, no notice.
        let mut reworded = moved.clone();
        reworded.retain(|(k, _)| *k != "description");
        reworded.push((
            "description",
            "地域の将来について、市長と気軽に語り合います。".into(),
        ));
        assert_eq!(edit(&rev, id, reworded.clone()).await.status(), 303);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM meeting_notices WHERE meeting_id = {id}")
            ),
            1
        );

        // A third seat: the waiting caller moves up, and hears so once.
        let mut larger = reworded;
        larger.retain(|(k, _)| *k != "capacity");
        larger.push(("capacity", "3".into()));
        assert_eq!(edit(&rev, id, larger).await.status(), 303);
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM meeting_registrations WHERE meeting_id = {id} AND status = 'confirmed'")),
            3
        );
        deliver(&app, &mailer);
        let promoted = sink.matching(1, |m| m.subject.contains("繰り上げ"));
        assert_eq!(promoted.len(), 1);
        assert_eq!(promoted[0].to, "caller@example.jp");
        assert_eq!(
            sink.messages().len(),
            before + 3 + 1,
            "three change emails, one moved up, nothing else"
        );
    })
}

fn a_cancelled_meeting_is_noticed_and_emailed_once() {
    run(async {
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "駅前ワークショップ", Some(2));
        let people = three_registrants(&app, &rev, id).await;
        let page = format!("/staff/meetings/{id}");
        let action = format!("{page}/cancel");

        // No reason: refused, nothing cancelled.
        let refused = rev.submit(&page, &action, &[("reason", " ")]).await;
        assert_eq!(refused.status(), 400);
        assert!(
            visible_text(&refused.text().await.unwrap()).contains("中止の理由を入力してください")
        );
        // Another department's reviewer may not.
        assert_eq!(
            other
                .post(&action, &[("reason", "台風のため")])
                .await
                .status(),
            403
        );
        // Someone who called without an email address: staff phone them.
        rev.submit(
            &page,
            &format!("{page}/registrations"),
            &[
                ("channel", "phone"),
                ("name", "電話のみ 三郎"),
                ("phone", "0495-25-3333"),
            ],
        )
        .await;
        for _ in 0..2 {
            let done = rev
                .submit(
                    &page,
                    &action,
                    &[("reason", "台風の接近が予想されるため。")],
                )
                .await;
            assert_eq!(done.status(), 303, "a second click changes nothing");
        }
        let told = visible_text(&rev.page(&format!("{page}?told=1")).await);
        assert!(
            told.contains("電話などでお知らせしてください")
                && told.contains("電話のみ 三郎（0495-25-3333）"),
            "{told}"
        );
        deliver(&app, &mailer);
        let cancelled = sink.matching(3, |m| m.subject.contains("中止のお知らせ"));
        for address in people {
            let mine: Vec<_> = cancelled.iter().filter(|m| m.to == address).collect();
            assert_eq!(mine.len(), 1, "{address} is told once");
            assert!(mine[0].text.contains("台風の接近が予想されるため。"));
        }
        // A seat's calendar marks the event cancelled.
        let seat = cancelled.iter().find(|m| m.to == people[0]).unwrap();
        let (_, _, ics) = attachment(seat).expect("the cancelled meeting's .ics");
        assert_eq!(
            event(&read_calendar(&ics), &uid(&app, id))["status"],
            "CANCELLED"
        );
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM meeting_notices WHERE meeting_id = {id} AND kind = 'cancelled'")),
            1
        );
        let shown = visible_text(&rev.page(&page).await);
        assert!(
            shown.contains("中止") && shown.contains("台風の接近が予想されるため。"),
            "{shown}"
        );
        assert!(
            !shown.contains("申込みを登録する"),
            "no more registrations: {shown}"
        );
        assert_eq!(rev.get(&format!("{page}/edit")).await.status(), 400);
    })
}

/// The confirmation and the cancellation are about the person's own registration, like a
/// receipt: they reach an account that turned update emails off, while ordinary updates still
/// do not.
fn a_registrant_with_update_emails_off_still_hears_of_their_registration() {
    use diesel::RunQueryDsl;
    run(async {
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "静かな懇談会", Some(10));
        app.clock.set(registration_day());
        let quiet = account(&app, "quiet@example.jp", "静 かな子");
        diesel::sql_query(format!(
            "INSERT INTO notification_preferences (account_id, kind, delivery) \
             SELECT '{quiet}', k, 'never' FROM unnest(ARRAY['proposals', 'comments', \
             'consultations', 'organisation', 'staff']) AS k"
        ))
        .execute(&mut app.db())
        .unwrap();
        let to_quiet = |template: &str| {
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM outbox WHERE to_address = 'quiet@example.jp' \
                     AND subject LIKE '%{template}%'"
                ),
            )
        };
        register(&app, id, &on_line(quiet));
        assert_eq!(to_quiet("参加申込み"), 1, "the confirmation");

        let page = format!("/staff/meetings/{id}");
        let done = rev
            .submit(
                &page,
                &format!("{page}/cancel"),
                &[("reason", "台風のため。")],
            )
            .await;
        assert_eq!(done.status(), 303);
        assert_eq!(to_quiet("中止のお知らせ"), 1, "the cancellation");

        // An ordinary update (a proposal moved, a comment answered …) still is not sent.
        let before = count(
            &app,
            "SELECT count(*) AS n FROM outbox WHERE to_address = 'quiet@example.jp'",
        );
        kyodo::auth::accounts::notify_account(
            &mut app.db(),
            &app.base,
            quiet,
            "comment_answered",
            // Recorded in the inbox (so rendered) even though it is not emailed.
            |_| serde_json::json!({ "title": "施策 6-1", "link": "http://h/measures/6-1", "department": "企画課", "excerpt": "回答" }),
        )
        .unwrap();
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'quiet@example.jp'"
            ),
            before
        );
    })
}

fn a_registration_taken_by_phone_and_cancelled_by_staff() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "地域懇談会", Some(1));
        app.clock.set(registration_day());
        let page = format!("/staff/meetings/{id}");
        let action = format!("{page}/registrations");

        let bad = rev
            .submit(
                &page,
                &action,
                &[
                    ("channel", ""),
                    ("name", ""),
                    ("phone", "0495-25-2222"),
                    ("email", "not-an-address"),
                ],
            )
            .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        let said = visible_text(&html);
        assert!(said.contains("申込方法を選んでください"), "{said}");
        assert!(said.contains("氏名を入力してください"), "{said}");
        assert!(
            html.contains("value=\"0495-25-2222\"") && html.contains("value=\"not-an-address\"")
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM meeting_registrations"),
            0
        );
        assert_eq!(
            other
                .post(&action, &[("channel", "phone"), ("name", "他課")])
                .await
                .status(),
            403
        );

        for (channel, name, phone) in [
            ("phone", "電話 一子", "0495-25-2222"),
            ("counter", "窓口 二郎", ""),
        ] {
            let done = rev
                .submit(
                    &page,
                    &action,
                    &[
                        ("channel", channel),
                        ("name", name),
                        ("phone", phone),
                        ("needs", "車椅子で参加します"),
                    ],
                )
                .await;
            assert_eq!(done.status(), 303);
        }
        let list = visible_text(&rev.page(&page).await);
        for shown in [
            "電話 一子",
            "0495-25-2222",
            "電話",
            "窓口 二郎",
            "窓口",
            "車椅子で参加します",
            "参加確定",
            "キャンセル待ち 1番目",
        ] {
            assert!(list.contains(shown), "{shown}: {list}");
        }
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'meeting.registration_entered'"
            ),
            2
        );

        // The first calls to say they cannot come: the second moves up.
        let first = text(&app, &format!("SELECT id::text FROM meeting_registrations WHERE meeting_id = {id} AND name = '電話 一子'"));
        let cancel = format!("{page}/registrations/cancel");
        assert_eq!(
            other
                .post(&cancel, &[("registration", &first)])
                .await
                .status(),
            403
        );
        let done = rev
            .submit(&page, &cancel, &[("registration", &first)])
            .await;
        assert_eq!(done.status(), 303);
        assert_eq!(
            text(&app, &format!("SELECT status FROM meeting_registrations WHERE meeting_id = {id} AND name = '窓口 二郎'")),
            "confirmed"
        );
        let list = visible_text(&rev.page(&page).await);
        assert!(
            list.contains("取消し") && !list.contains("キャンセル待ち 1番目"),
            "{list}"
        );
    })
}

fn attendance_minutes_and_proposals_born_after_the_meeting() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "地域懇談会", None);
        crate::support::meetings::change(&app, id, "title = '地域懇談会'");
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "INSERT INTO meeting_measures (meeting_id, measure_code) VALUES ({id}, '6-1')"
            )),
            &mut app.db(),
        )
        .unwrap();
        app.clock.set(registration_day());
        let page = format!("/staff/meetings/{id}");
        for (name, channel) in [("来た 一郎", "phone"), ("来ない 二郎", "counter")] {
            rev.submit(
                &page,
                &format!("{page}/registrations"),
                &[("channel", channel), ("name", name)],
            )
            .await;
        }
        let attendance = format!("{page}/attendance");
        // Not before it starts (nor without the form's CSRF token).
        assert_eq!(
            rev.post(&attendance, &[("count", "10")]).await.status(),
            403
        );
        assert!(!visible_text(&rev.page(&page).await).contains("参加を記録する"));
        let early = rev.submit(&page, &attendance, &[("count", "10")]).await;
        assert_eq!(early.status(), 400);
        assert!(visible_text(&early.text().await.unwrap()).contains("会が終わってから記録できます"));

        app.clock.set(jst(2026, 12, 12, 17, 0, 0));
        let bad = rev
            .submit(&page, &attendance, &[("count", "たくさん")])
            .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        assert!(visible_text(&html).contains("参加者数は 0 以上の数字で入力してください"));
        assert!(html.contains("value=\"たくさん\""));
        let came = text(&app, &format!("SELECT id::text FROM meeting_registrations WHERE meeting_id = {id} AND name = '来た 一郎'"));
        assert_eq!(
            other.post(&attendance, &[("count", "25")]).await.status(),
            403
        );
        let done = rev
            .submit(&page, &attendance, &[("count", "２５"), ("came", &came)])
            .await;
        assert_eq!(done.status(), 303);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM meetings WHERE id = {id} AND attendance = 25 AND attendance_recorded_at IS NOT NULL")), 1);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM meeting_registrations WHERE meeting_id = {id} AND attended")), 1);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM meeting_registrations WHERE meeting_id = {id} AND NOT attended")), 1);
        assert!(visible_text(&rev.page("/staff/meetings").await).contains("開催済"));

        // Minutes: publishing needs the summary; a topic needs what was said.
        let minutes = format!("{page}/minutes");
        let bad = rev
            .submit(
                &page,
                &minutes,
                &[
                    ("summary", ""),
                    ("topics", "2"),
                    ("topic-1", "駅前の駐輪場"),
                    ("said-1", ""),
                    ("publish", "1"),
                ],
            )
            .await;
        assert_eq!(bad.status(), 400);
        let said = visible_text(&bad.text().await.unwrap());
        assert!(said.contains("出された意見を入力してください"), "{said}");
        let saved = rev
            .submit(
                &page,
                &minutes,
                &[
                    ("summary", "25人が参加し、駅前の課題を話し合いました。"),
                    ("topics", "3"),
                    ("topic-1", "駅前の駐輪場"),
                    (
                        "said-1",
                        "駐輪場の台数が足りず、歩道に自転車があふれている。",
                    ),
                    ("response-1", "来年度、台数を増やす方向で検討します。"),
                    ("topic-2", ""),
                    ("topic-3", "子どもの遊び場"),
                    ("said-3", "公園の遊具を増やしてほしい。"),
                    ("publish", "1"),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM meetings WHERE id = {id} AND minutes_published_at IS NOT NULL")), 1);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM meeting_minutes WHERE meeting_id = {id}")
            ),
            2
        );
        assert_eq!(
            text(
                &app,
                &format!(
                    "SELECT topic FROM meeting_minutes WHERE meeting_id = {id} AND number = 2"
                )
            ),
            "子どもの遊び場"
        );
        let shown = visible_text(&rev.page(&page).await);
        assert!(
            shown.contains("に公開しました") && shown.contains("台数を増やす方向"),
            "{shown}"
        );
        // Published minutes keep their summary: clearing it is refused, the text kept.
        let cleared = rev
            .submit(
                &page,
                &minutes,
                &[
                    ("summary", " "),
                    ("topics", "1"),
                    ("topic-1", "駅前の駐輪場"),
                    ("said-1", "歩道に自転車があふれている。"),
                ],
            )
            .await;
        assert_eq!(cleared.status(), 400);
        let html = cleared.text().await.unwrap();
        assert!(html.contains("歩道に自転車があふれている。"));
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM meetings WHERE id = {id} AND minutes_summary LIKE '25人が参加し%'")), 1);

        // Proposals born: an unknown one refused; a topic made a proposal draft of the
        // reviewer's own, linked to the meeting and waiting in the proposal form.
        let link = format!("{page}/proposals");
        let unknown = rev
            .submit(
                &page,
                &link,
                &[(
                    "proposal",
                    "https://kyodo.example.jp/proposals/0f8fad5b-d9cb-469f-a165-70867728950e",
                )],
            )
            .await;
        assert_eq!(unknown.status(), 400);
        assert!(visible_text(&unknown.text().await.unwrap()).contains("その提案は見つかりません"));
        let drafted = rev
            .submit(&page, &format!("{page}/proposals/draft"), &[("topic", "1")])
            .await;
        assert_eq!(drafted.status(), 303);
        let form = location(&drafted);
        assert!(
            form.starts_with("/proposals/") && form.ends_with("/edit"),
            "{form}"
        );
        let draft = rev.page(&form).await;
        assert!(
            draft.contains("駅前の駐輪場（地域懇談会より）"),
            "the form is the reviewer's draft"
        );
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM meeting_proposals mp JOIN proposals p ON p.id = mp.proposal_id WHERE mp.meeting_id = {id} AND p.state = 'draft' AND p.author_id = (SELECT id FROM accounts WHERE email = 'rev@example.jp')")), 1);
        assert!(visible_text(&rev.page(&page).await).contains("下書き"));
    })
}

fn the_staff_pages_in_a_browser_pass_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        reviewers(&app).await;
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        let mut check = |result: Result<(), String>| {
            if let Err(e) = result {
                failures.push(e);
            }
        };
        sign_in_as(&browser, &app, "rev@example.jp").await;

        // The form: refused in Japanese, then filled in as a person would.
        browser.goto(&app.url("/staff/meetings/new")).await.unwrap();
        browser.wait_for_text("main", "手話通訳あり").await.unwrap();
        check(browser.assert_accessible("staff-meeting-new").await);
        browser
            .click("main form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "会の名前を入力してください")
            .await
            .unwrap();
        check(browser.assert_accessible("staff-meeting-refused").await);
        browser
            .fill("#field-title", "駅前ワークショップ")
            .await
            .unwrap();
        browser
            .fill("#field-description", "駅前のにぎわいを一緒に考えます。")
            .await
            .unwrap();
        browser.click("#measure-6-1").await.unwrap();
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
        browser.fill("#field-capacity", "1").await.unwrap();
        browser.click("#field-childcare").await.unwrap();
        browser
            .click("main form.form button[type=submit]")
            .await
            .unwrap();
        let page = browser
            .wait_for_text("main", "この会を公開する")
            .await
            .unwrap();
        assert!(page.contains("令和8年12月12日（土）14:00〜16:00"), "{page}");
        check(browser.assert_accessible("staff-meeting-draft").await);
        browser
            .goto(&app.url("/staff/meetings/1/edit"))
            .await
            .unwrap();
        browser
            .wait_for_text("main", "変更を保存する")
            .await
            .unwrap();
        check(browser.assert_accessible("staff-meeting-edit").await);

        // Published; two calls: a seat, then the waiting list.
        browser.goto(&app.url("/staff/meetings/1")).await.unwrap();
        browser.click("#publish button[type=submit]").await.unwrap();
        browser.wait_for_text(".facts", "開催予定").await.unwrap();
        for (channel, name) in [("phone", "電話 花子"), ("counter", "窓口 太郎")] {
            browser.select("#register-channel", channel).await.unwrap();
            browser.fill("#register-name", name).await.unwrap();
            browser
                .click("#register button[type=submit]")
                .await
                .unwrap();
            browser.wait_for_text("#registrations", name).await.unwrap();
        }
        browser
            .wait_for_text("#registrations", "キャンセル待ち 1番目")
            .await
            .unwrap();
        check(
            browser
                .assert_accessible("staff-meeting-registrations")
                .await,
        );

        // After the meeting: attendance and minutes.
        app.clock.set(jst(2026, 12, 12, 17, 0, 0));
        browser.goto(&app.url("/staff/meetings/1")).await.unwrap();
        browser.fill("#attendance-count", "9").await.unwrap();
        browser.click("#came-1").await.unwrap();
        browser
            .click("#attendance button[type=submit]")
            .await
            .unwrap();
        browser.wait_for_text(".facts", "開催済").await.unwrap();
        browser
            .fill("#minutes-summary", "9人が参加しました。")
            .await
            .unwrap();
        browser.fill("#topic-1", "駅前の駐輪場").await.unwrap();
        browser.fill("#said-1", "駐輪場が足りない。").await.unwrap();
        browser
            .click("#minutes button[name=publish]")
            .await
            .unwrap();
        browser
            .wait_for_text("#minutes", "に公開しました")
            .await
            .unwrap();
        check(browser.assert_accessible("staff-meeting-held").await);
        browser.goto(&app.url("/staff/meetings")).await.unwrap();
        browser
            .wait_for_text("main", "駅前ワークショップ")
            .await
            .unwrap();
        check(browser.assert_accessible("staff-meetings").await);
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
