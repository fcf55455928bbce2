//! Moderation that keeps up (issue 15) over HTTP: reports with a kind, one person counted once,
//! a comment hidden automatically at exactly the admins' number of distinct reporters, then
//! confirmed or restored with the author's emails read from a loopback SMTP server; posting
//! blocks refused with their end date and allowed after it (the app's clock); and in headless
//! Chromium the report form, the queue, the settings and the blocks pages checked with axe
//! and the Nu checker.

use crate::support::browser::{sign_in_as, sign_out, Browser};
use crate::support::db::count;
use crate::support::mail::{deliver, SmtpSink};
use crate::support::people::{account_id, resident, responsible, staff_member, DEPARTMENT};
use crate::support::{run, visible_text, TestApp, Visitor};
use chrono::{Duration, TimeZone, Utc};
use kyodo::notify::Mailer;

pub const TESTS: &[(&str, fn())] = &[
    (
        "comments_moderation::hidden_automatically_at_n_distinct_reporters_then_confirmed",
        hidden_automatically_at_n_distinct_reporters_then_confirmed,
    ),
    (
        "comments_moderation::restored_after_hiding_automatically_and_the_threshold_set_by_admins",
        restored_after_hiding_automatically_and_the_threshold_set_by_admins,
    ),
    (
        "comments_moderation::a_blocked_person_is_refused_until_the_end",
        a_blocked_person_is_refused_until_the_end,
    ),
    (
        "comments_moderation::browser_report_queue_settings_and_blocks",
        browser_report_queue_settings_and_blocks,
    ),
];

const MEASURE: &str = "/measures/5-1";

async fn comment(visitor: &Visitor, body: &str) -> reqwest::Response {
    visitor
        .submit(MEASURE, &format!("{MEASURE}/comments"), &[("body", body)])
        .await
}

fn comment_id(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "comment posted");
    let location = response.headers()["location"].to_str().unwrap();
    location.split("#comment-").nth(1).unwrap().to_owned()
}

async fn report(visitor: &Visitor, id: &str, category: &str, note: &str) -> reqwest::Response {
    visitor
        .submit(
            MEASURE,
            &format!("/comments/{id}/report"),
            &[("category", category), ("reason", note)],
        )
        .await
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn moderator(app: &TestApp) -> Visitor {
    staff_member(
        app,
        "moderator@example.jp",
        "管理 役子",
        &[("moderator", Some(DEPARTMENT))],
    )
    .await
}

/// Residents `人1`…: each a distinct reporter.
async fn residents(app: &TestApp, n: usize) -> Vec<Visitor> {
    let mut people = Vec::new();
    for i in 1..=n {
        let visitor = app.visitor();
        resident(
            app,
            &visitor,
            &format!("r{i}@example.jp"),
            &format!("通報者{i}"),
        )
        .await;
        people.push(visitor);
    }
    people
}

fn open_reports(app: &TestApp, id: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM comment_reports WHERE comment_id = '{id}' AND resolved_at IS NULL"),
    )
}

fn auto_hidden(app: &TestApp, id: &str) -> bool {
    count(
        app,
        &format!("SELECT count(*) AS n FROM comments WHERE id = '{id}' AND hidden_at IS NOT NULL AND hidden_automatically"),
    ) == 1
}

/// The emails to `to` whose subject contains `subject`, once delivered to a loopback server.
fn mails_to(sink: &SmtpSink, to: &str, subject: &str, n: usize) -> Vec<String> {
    sink.matching(n, |m| m.to == to && m.subject.contains(subject))
        .into_iter()
        .map(|m| m.text)
        .collect()
}

fn hidden_automatically_at_n_distinct_reporters_then_confirmed() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let moderator = moderator(&app).await;
        let people = residents(&app, 3).await;
        let id = comment_id(&comment(&taro, "格安で外壁塗装します 0120-000-000").await);
        // No kind: a message at the form, nothing recorded, the note kept.
        let response = report(&people[0], &id, "", "宣伝です").await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(page.contains("通報の種類を選んでください。"), "{page}");
        assert!(page.contains("宣伝です"));
        assert_eq!(open_reports(&app, &id), 0);
        // The first person twice: counted once, thanked kindly the second time.
        let first = report(&people[0], &id, "spam", "宣伝です").await;
        assert!(location(&first).contains("?reported=1"));
        let again = report(&people[0], &id, "offensive", "").await;
        assert_eq!(again.status(), 303);
        assert!(location(&again).contains("?reported=again"));
        assert!(visible_text(&people[0].page(&location(&again)).await)
            .contains("すでにあなたから通報を受け付けています"));
        assert_eq!(open_reports(&app, &id), 1);
        // Two distinct people: still shown.
        assert_eq!(report(&people[1], &id, "personal", "").await.status(), 303);
        assert_eq!(open_reports(&app, &id), 2);
        assert!(!auto_hidden(&app, &id));
        assert!(app.page(MEASURE).await.contains("格安で外壁塗装します"));
        // The third distinct person (the default threshold, 3): hidden automatically.
        assert_eq!(report(&people[2], &id, "other", "").await.status(), 303);
        assert!(auto_hidden(&app, &id));
        let page = visible_text(&app.page(MEASURE).await);
        assert!(!page.contains("格安で外壁塗装します"), "{page}");
        assert!(page.contains("自動で非表示"), "{page}");
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'comment.auto_hide' AND record_id = '{id}' AND actor_id IS NULL")), 1);
        // The queue marks it and lists the reports with their kinds.
        let queue = visible_text(&moderator.page("/staff/moderation").await);
        assert!(queue.contains("自動で非表示"), "{queue}");
        assert!(queue.contains("スパム・宣伝：宣伝です"), "{queue}");
        assert!(queue.contains("個人情報が書かれている"), "{queue}");
        assert!(queue.contains("確認して非表示のままにする"), "{queue}");
        deliver(&app, &mailer);
        let told = mails_to(&sink, "taro@example.jp", "自動で非表示", 1);
        assert_eq!(
            told.len(),
            1,
            "the author hears it was hidden automatically"
        );
        assert!(told[0].contains("複数の方から通報"), "{}", told[0]);
        // Confirmed: it stays hidden, now with the moderator's reason; the author is told.
        let reason = "営利目的の宣伝のため";
        let response = moderator
            .submit(
                "/staff/moderation",
                &format!("/staff/moderation/{id}/hide"),
                &[("reason", reason)],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert!(!auto_hidden(&app, &id));
        assert_eq!(open_reports(&app, &id), 0);
        let page = visible_text(&app.page(MEASURE).await);
        assert!(page.contains(&format!("この投稿は非表示になりました（理由：{reason}）")));
        assert!(!page.contains("格安で外壁塗装します"));
        deliver(&app, &mailer);
        let told = mails_to(&sink, "taro@example.jp", "コメントが非表示", 1);
        assert_eq!(told.len(), 1, "the author hears it was confirmed");
        assert!(told[0].contains(reason));
        // A fourth report finds nothing to report: the comment is no longer shown.
        let late = app.visitor();
        resident(&app, &late, "late@example.jp", "遅い人").await;
        assert_eq!(report(&late, &id, "spam", "").await.status(), 404);
    })
}

fn restored_after_hiding_automatically_and_the_threshold_set_by_admins() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let moderator = moderator(&app).await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let people = residents(&app, 2).await;
        // Only admins set the threshold; a bad number is said in Japanese, the text kept.
        assert_eq!(
            moderator.get("/staff/moderation/settings").await.status(),
            403
        );
        let response = admin
            .submit(
                "/staff/moderation/settings",
                "/staff/moderation/settings",
                &[("threshold", "0")],
            )
            .await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("人数は1から100までの整数で入力してください。"),
            "{page}"
        );
        assert!(page.contains("value=\"0\""));
        let response = admin
            .submit(
                "/staff/moderation/settings",
                "/staff/moderation/settings",
                &[("threshold", "2")],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert!(visible_text(&moderator.page("/staff/moderation").await)
            .contains("2人から通報されたコメントは自動で非表示"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'moderation.settings'"
            ),
            1
        );
        // Two distinct people now hide a comment.
        let id = comment_id(&comment(&taro, "町内の清掃は毎月第一日曜です").await);
        report(&people[0], &id, "off_topic", "").await;
        assert!(!auto_hidden(&app, &id));
        report(&people[1], &id, "off_topic", "").await;
        assert!(auto_hidden(&app, &id));
        // Restored: shown again, its open reports resolved, the author told.
        let response = moderator
            .submit(
                "/staff/moderation",
                &format!("/staff/moderation/{id}/restore"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert!(app
            .page(MEASURE)
            .await
            .contains("町内の清掃は毎月第一日曜です"));
        assert_eq!(open_reports(&app, &id), 0);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM comment_reports WHERE comment_id = '{id}' AND outcome = 'restored'")), 2);
        // The same people cannot hide it again: one report per person and comment.
        assert!(location(&report(&people[0], &id, "spam", "").await).contains("reported=again"));
        assert!(!auto_hidden(&app, &id));
        deliver(&app, &mailer);
        assert_eq!(
            mails_to(&sink, "taro@example.jp", "自動で非表示", 1).len(),
            1
        );
        assert_eq!(
            mails_to(&sink, "taro@example.jp", "元に戻しました", 1).len(),
            1
        );
    })
}

fn a_blocked_person_is_refused_until_the_end() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        // 2026-12-07 10:00 JST.
        let start = Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap();
        app.clock.set(start);
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let taro_id = account_id(&app, "taro@example.jp");
        let moderator = moderator(&app).await;
        let form = format!("/staff/moderation/blocks?account={taro_id}");
        assert!(visible_text(&moderator.page(&form).await).contains("児玉太郎さんの投稿を停止する"));
        // A reason is required; a date in the past is refused; the form keeps what was typed.
        let response = moderator
            .submit(
                &form,
                "/staff/moderation/blocks",
                &[("account", &taro_id), ("length", "7"), ("reason", " ")],
            )
            .await;
        assert_eq!(response.status(), 400);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("理由を入力してください。"));
        let response = moderator
            .submit(
                &form,
                "/staff/moderation/blocks",
                &[
                    ("account", &taro_id),
                    ("length", "date"),
                    ("until", "2026-12-01"),
                    ("reason", "宣伝の繰り返し"),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(page.contains("今日以降の日付"), "{page}");
        assert!(page.contains("宣伝の繰り返し"));
        // Blocked for 7 days: told by email, with the end date in 和暦.
        let response = moderator
            .submit(
                &form,
                "/staff/moderation/blocks",
                &[
                    ("account", &taro_id),
                    ("length", "7"),
                    ("reason", "宣伝の書き込みを繰り返したため"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert!(
            visible_text(&moderator.page("/staff/moderation/blocks").await)
                .contains("宣伝の書き込みを繰り返したため")
        );
        deliver(&app, &mailer);
        let told = mails_to(&sink, "taro@example.jp", "投稿を停止", 1);
        assert_eq!(told.len(), 1);
        assert!(told[0].contains("令和8年12月14日 10:00"), "{}", told[0]);
        assert!(told[0].contains("宣伝の書き込みを繰り返したため"));
        // Refused while blocked, in Japanese with the end date, the text kept.
        let response = comment(&taro, "停止中の投稿").await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("令和8年12月14日 10:00まで投稿を停止されています"),
            "{page}"
        );
        assert!(page.contains("停止中の投稿"));
        let response = taro
            .submit(
                "/proposals/new",
                "/proposals/new",
                &crate::support::proposals::fields("駅前に花を", "5-1", "10000"),
            )
            .await;
        let status = response.status();
        let page = response.text().await.unwrap();
        assert!(
            page.contains("まで投稿を停止されています"),
            "{status} {page}"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 0);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposals"), 0);
        // The block ends on the app's clock: posting is allowed again.
        app.clock
            .set(start + Duration::days(7) + Duration::minutes(1));
        comment_id(&comment(&taro, "停止が終わった後の投稿").await);
        // Blocked again and lifted: allowed at once; both in the audit log, the lift emailed.
        moderator
            .submit(
                &form,
                "/staff/moderation/blocks",
                &[
                    ("account", &taro_id),
                    ("length", "30"),
                    ("reason", "再度の宣伝"),
                ],
            )
            .await;
        assert_eq!(comment(&taro, "また停止中").await.status(), 400);
        let block = crate::support::db::text(
            &app,
            "SELECT id::text AS id FROM posting_blocks WHERE lifted_at IS NULL AND reason = '再度の宣伝'",
        );
        let response = moderator
            .submit(
                "/staff/moderation/blocks",
                &format!("/staff/moderation/blocks/{block}/lift"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 303);
        comment_id(&comment(&taro, "解除された後の投稿").await);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'account.block_posting' AND record_id = '{taro_id}'")), 2);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'account.lift_posting_block' AND record_id = '{taro_id}'")), 1);
        deliver(&app, &mailer);
        assert_eq!(mails_to(&sink, "taro@example.jp", "停止を解除", 1).len(), 1);
        // A resident cannot block anyone.
        assert_eq!(taro.get("/staff/moderation/blocks").await.status(), 403);
    })
}

fn browser_report_queue_settings_and_blocks() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        let _moderator = moderator(&app).await;
        staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let people = residents(&app, 3).await;
        let id = comment_id(&comment(&taro, "自動で隠れる投稿").await);
        for person in &people {
            report(person, &id, "spam", "").await;
        }
        comment_id(&comment(&taro, "ブラウザで通報する投稿").await);
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        sign_in_as(&browser, &app, "hanako@example.jp").await;
        browser.goto(&app.url(MEASURE)).await.unwrap();
        browser
            .eval("document.querySelectorAll('details.report').forEach(d => d.open = true)")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("report-form-categories").await {
            failures.push(e);
        }
        sign_out(&browser).await;
        sign_in_as(&browser, &app, "moderator@example.jp").await;
        browser.goto(&app.url("/staff/moderation")).await.unwrap();
        browser.wait_for_text("main", "自動で非表示").await.unwrap();
        if let Err(e) = browser.assert_accessible("moderation-auto-hidden").await {
            failures.push(e);
        }
        let taro_id = account_id(&app, "taro@example.jp");
        browser
            .goto(&app.url(&format!("/staff/moderation/blocks?account={taro_id}")))
            .await
            .unwrap();
        browser
            .fill("#block-reason", "宣伝の繰り返し")
            .await
            .unwrap();
        browser
            .click("form[action='/staff/moderation/blocks'] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "停止を解除する")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("moderation-blocks").await {
            failures.push(e);
        }
        sign_out(&browser).await;
        sign_in_as(&browser, &app, "admin@example.jp").await;
        browser
            .goto(&app.url("/staff/moderation/settings"))
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("moderation-settings").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
