//! A consultation's course besides its dates, over HTTP with the injected clock: a draft is for
//! staff only (404 to the public, absent from the list, the API and the feed) with a preview
//! until it is announced (公示); periods already over are refused and a late announcement
//! starts that day; the result exists only for an announced consultation that closed; and an
//! announced one is corrected (正誤), extended or withdrawn (中止), each with a notice at the top
//! of its page and one email to its followers and submitters.

use crate::support::attachments::attachment_link;
use crate::support::consultations::{
    announce, consultation_fields, create_december, jst, post, save_december, upload,
};
use crate::support::db::count;
use crate::support::people::{department, resident, staff_member};
use crate::support::{run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    (
        "consultations_lifecycle::a_draft_is_for_staff_until_it_is_announced",
        a_draft_is_for_staff_until_it_is_announced,
    ),
    (
        "consultations_lifecycle::periods_over_are_refused_and_a_late_announcement_starts_that_day",
        periods_over_are_refused_and_a_late_announcement_starts_that_day,
    ),
    (
        "consultations_lifecycle::a_correction_is_noticed_and_told_once",
        a_correction_is_noticed_and_told_once,
    ),
    (
        "consultations_lifecycle::an_extension_lets_opinions_in_after_the_old_deadline",
        an_extension_lets_opinions_in_after_the_old_deadline,
    ),
    (
        "consultations_lifecycle::a_withdrawal_refuses_opinions_and_says_why",
        a_withdrawal_refuses_opinions_and_says_why,
    ),
];

const WORK: &str = "/staff/consultations/1";

/// The people of every test: an admin, the department's reviewer, a resident who follows
/// measure 6-1, and Hanako who sends opinions.
struct People {
    admin: Visitor,
    reviewer: Visitor,
    hanako: Visitor,
    dept: i32,
}

async fn people(app: &TestApp) -> People {
    let admin = staff_member(app, "admin@example.jp", "管理者", &[("admin", None)]).await;
    let reviewer = staff_member(
        app,
        "rev@example.jp",
        "審査担当",
        &[("reviewer", Some("企画課"))],
    )
    .await;
    let follower = app.visitor();
    resident(app, &follower, "follower@example.jp", "フォロー中").await;
    diesel::sql_query(
        "INSERT INTO measure_follows (measure_code, account_id)
         SELECT '6-1', id FROM accounts WHERE email = 'follower@example.jp'",
    )
    .execute(&mut app.db())
    .unwrap();
    let hanako = app.visitor();
    resident(app, &hanako, "hanako@example.jp", "花子").await;
    People {
        admin,
        reviewer,
        hanako,
        dept: department(app, "企画課"),
    }
}

/// Announced on 25 November for December, opened on 1 December with its email sent.
async fn december_opened(app: &TestApp, p: &People) {
    app.clock.set(jst(2026, 11, 25, 10, 0, 0));
    create_december(&p.admin, p.dept).await;
    app.clock.set(jst(2026, 12, 1, 0, 0, 0));
    let sent = kyodo::consultations::model::emails::notify_opened(
        &mut app.db(),
        app.clock.now(),
        &app.base,
    )
    .unwrap();
    assert_eq!(sent, 1, "the follower hears it opened");
}

async fn opinion(visitor: &Visitor, body: &str, section: &str) -> reqwest::Response {
    visitor
        .submit(
            "/consultations/1",
            "/consultations/1/comments",
            &[
                ("body", body),
                ("section", section),
                ("name", "本庄花子"),
                ("address", "本庄市本庄3-5-3"),
            ],
        )
        .await
}

/// Emails in the outbox to `to` whose subject contains `subject`.
fn emails(app: &TestApp, to: &str, subject: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM outbox WHERE to_address = '{to}' AND subject LIKE '%{subject}%' AND unsubscribe_url IS NOT NULL"),
    )
}

fn audited(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM audit_log WHERE action = '{action}' AND actor_id = (SELECT id FROM accounts WHERE email = 'admin@example.jp')"),
    )
}

fn a_draft_is_for_staff_until_it_is_announced() {
    run(async {
        let app = TestApp::start().await;
        let p = people(&app).await;
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        save_december(&p.admin, p.dept).await;
        let title = "本庄市協働推進指針（案）";

        // Nobody outside the staff learns it exists.
        assert_eq!(app.get("/consultations/1").await.status(), 404);
        assert_eq!(p.hanako.get("/consultations/1").await.status(), 404);
        let sent = p
            .hanako
            .submit(
                "/",
                "/consultations/1/comments",
                &[("body", "下書きへの意見")],
            )
            .await;
        assert_eq!(sent.status(), 404);
        assert!(!app.page("/consultations").await.contains(title));
        assert!(!app.page("/consultations/feed.atom").await.contains(title));
        assert_eq!(
            app.json("/api/v1/consultations").await["consultations"],
            serde_json::json!([])
        );
        assert_eq!(app.get("/api/v1/consultations/1").await.status(), 404);
        assert_eq!(app.get("/consultations/1/result").await.status(), 404);

        // Staff see it as a draft, and preview the public page as it will be.
        let work = visible_text(&p.reviewer.page(WORK).await);
        assert!(
            work.contains("公示前") && work.contains("公開されていません"),
            "{work}"
        );
        assert!(
            !work.contains("公示する"),
            "announcing is for admins: {work}"
        );
        assert!(visible_text(&p.admin.page("/staff/consultations").await).contains("公示前"));
        for staff in [&p.admin, &p.reviewer] {
            let preview = visible_text(&staff.page("/staff/consultations/1/preview").await);
            for shown in [
                title,
                "募集前",
                "第2章 取組",
                "地域の担い手を育てます。",
                "プレビュー",
            ] {
                assert!(preview.contains(shown), "{shown} in the preview: {preview}");
            }
            assert!(
                preview.contains("令和8年12月1日〜令和8年12月30日（30日間）"),
                "{preview}"
            );
        }
        assert_eq!(
            p.hanako
                .get("/staff/consultations/1/preview")
                .await
                .status(),
            403
        );
        // Its documents too are for its staff until it is announced.
        let uploaded = upload(
            &p.reviewer,
            "/consultations/1/attachments",
            "指針（案）.pdf",
        )
        .await;
        assert_eq!(uploaded.status(), 303);
        let document = attachment_link(&p.reviewer.page(WORK).await);
        assert_eq!(p.reviewer.get(&document).await.status(), 200);
        assert_eq!(app.get(&document).await.status(), 404);

        // 公示: public from now on; once only.
        assert_eq!(
            post(&p.reviewer, WORK, "/staff/consultations/1/announce", &[])
                .await
                .status(),
            403
        );
        announce(&p.admin, 1).await;
        let page = visible_text(&app.page("/consultations/1").await);
        assert!(page.contains(title) && page.contains("募集前"), "{page}");
        assert_eq!(
            app.get(&document).await.status(),
            200,
            "public once announced"
        );
        assert!(app.page("/consultations").await.contains(title));
        let list = app.json("/api/v1/consultations").await;
        assert_eq!(list["consultations"][0]["state"], "scheduled");
        assert_eq!(
            app.json("/api/v1/consultations/1").await["notices"],
            serde_json::json!([])
        );
        assert_eq!(audited(&app, "consultation.announce"), 1);
        let again = post(&p.admin, WORK, "/staff/consultations/1/announce", &[]).await;
        assert_eq!(again.status(), 400);
        assert!(visible_text(&again.text().await.unwrap()).contains("公示済み"));
        // Once announced it is no draft to edit: the text changes only by a correction.
        let edit = "/staff/consultations/1/edit";
        let refused = post(
            &p.admin,
            WORK,
            edit,
            &consultation_fields(p.dept, "2026-12-01", "2026-12-30"),
        )
        .await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap()).contains("正誤"));
    });
}

fn periods_over_are_refused_and_a_late_announcement_starts_that_day() {
    run(async {
        let app = TestApp::start().await;
        let p = people(&app).await;
        let new = "/staff/consultations/new";

        // A period wholly in the past is refused, what was typed kept.
        app.clock.set(jst(2026, 12, 31, 10, 0, 0));
        let past = post(
            &p.admin,
            new,
            "/staff/consultations",
            &consultation_fields(p.dept, "2026-12-01", "2026-12-30"),
        )
        .await;
        assert_eq!(past.status(), 400);
        let html = past.text().await.unwrap();
        let text = visible_text(&html);
        assert!(
            text.contains("締切日（令和8年12月30日）が過ぎています"),
            "{text}"
        );
        assert!(html.contains("本庄市協働推進指針（案）") && html.contains("## 第2章 取組"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM consultations"), 0);

        // Saved on 5 December with a first day already past: announcing moves it to that day.
        app.clock.set(jst(2026, 12, 5, 10, 0, 0));
        let long = consultation_fields(p.dept, "2026-12-01", "2027-01-15");
        assert_eq!(
            post(&p.admin, new, "/staff/consultations", &long)
                .await
                .status(),
            303
        );
        let work = visible_text(&p.admin.page(WORK).await);
        assert!(
            work.contains("開始日（令和8年12月1日）が過ぎているため、公示すると開始日は公示の日（令和8年12月5日）になります"),
            "{work}"
        );
        let preview = visible_text(&p.admin.page("/staff/consultations/1/preview").await);
        assert!(
            preview.contains("令和8年12月5日〜令和9年1月15日（42日間）"),
            "{preview}"
        );
        announce(&p.admin, 1).await;
        let api = app.json("/api/v1/consultations/1").await;
        assert_eq!(
            api["opens_at"], "2026-12-04T15:00:00Z",
            "00:00 JST on 5 December"
        );
        assert_eq!(api["state"], "open");

        // Moved so late that fewer than 30 days are left: refused, saying what to do.
        save_december(&p.admin, p.dept).await;
        let short = post(
            &p.admin,
            "/staff/consultations/2",
            "/staff/consultations/2/announce",
            &[],
        )
        .await;
        assert_eq!(short.status(), 400);
        let text = visible_text(&short.text().await.unwrap());
        assert!(text.contains("26日間") && text.contains("理由"), "{text}");
        assert_eq!(
            app.get("/consultations/2").await.status(),
            404,
            "still a draft"
        );

        // Never announced, its period over: neither announced nor given a result.
        app.clock.set(jst(2027, 1, 5, 10, 0, 0));
        let over = post(
            &p.admin,
            "/staff/consultations/2",
            "/staff/consultations/2/announce",
            &[],
        )
        .await;
        assert_eq!(over.status(), 400);
        assert!(visible_text(&over.text().await.unwrap()).contains("過ぎています"));
        for (action, fields) in [
            ("/staff/consultations/2/publish", vec![]),
            (
                "/staff/consultations/2/items",
                vec![
                    ("summary", "要旨".to_owned()),
                    ("response", "市の考え方".to_owned()),
                    ("changed", "no".to_owned()),
                ],
            ),
        ] {
            let refused = post(&p.reviewer, "/staff/consultations/2", action, &fields).await;
            assert_eq!(refused.status(), 400, "{action}");
            let text = visible_text(&refused.text().await.unwrap());
            assert!(
                text.contains("公示していない意見公募には、結果を作成できません"),
                "{text}"
            );
        }
        // The announced one is still open: no result before it closes.
        let early = post(&p.reviewer, WORK, "/staff/consultations/1/publish", &[]).await;
        assert_eq!(early.status(), 400);
        assert!(visible_text(&early.text().await.unwrap()).contains("募集が終わってから"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM consultations WHERE result_published_at IS NOT NULL"
            ),
            0
        );
    });
}

fn a_correction_is_noticed_and_told_once() {
    run(async {
        let app = TestApp::start().await;
        let p = people(&app).await;
        december_opened(&app, &p).await;
        app.clock.set(jst(2026, 12, 3, 10, 0, 0));
        let section_2 = count(
            &app,
            "SELECT id::bigint AS n FROM consultation_sections WHERE number = 2",
        )
        .to_string();
        assert_eq!(
            opinion(&p.hanako, "第2章への意見", &section_2)
                .await
                .status(),
            303
        );

        app.clock.set(jst(2026, 12, 8, 15, 0, 0));
        let correct = "/staff/consultations/1/correct";
        let fields = |sections: &str, note: &str| {
            vec![
                ("title", "本庄市協働推進指針（案）".to_owned()),
                (
                    "summary",
                    "協働の進め方をまとめた指針の案です（訂正後）。".to_owned(),
                ),
                ("sections", sections.to_owned()),
                ("note", note.to_owned()),
            ]
        };
        let corrected = "## 第1章 計画の目的\n市民と市が協働するための指針です。\n## 第2章 取組\n地域の担い手を育て、活動を支援します。";
        // The note is required; what was typed stays.
        let no_note = post(&p.admin, WORK, correct, &fields(corrected, " ")).await;
        assert_eq!(no_note.status(), 400);
        let html = no_note.text().await.unwrap();
        assert!(visible_text(&html).contains("訂正した内容を入力してください"));
        assert!(
            html.contains("地域の担い手を育て、活動を支援します。"),
            "kept"
        );
        // A section with an opinion on it is not removed.
        let removing = post(
            &p.admin,
            WORK,
            correct,
            &fields("## 第1章 計画の目的\n本文", "第2章を削除しました。"),
        )
        .await;
        assert_eq!(removing.status(), 400);
        assert!(visible_text(&removing.text().await.unwrap())
            .contains("項目2には意見が寄せられているため"));
        assert_eq!(
            post(&p.reviewer, WORK, correct, &fields(corrected, "訂正"))
                .await
                .status(),
            403,
            "corrections are for admins"
        );
        let note = "第2章の本文に「活動を支援します」を追記しました。";
        assert_eq!(
            post(&p.admin, WORK, correct, &fields(corrected, note))
                .await
                .status(),
            303
        );

        // The notice is at the top of the page, with its date; the text is the corrected one.
        let page = visible_text(&app.page("/consultations/1").await);
        let notice = page.find("お知らせ").expect("the notices");
        assert!(notice < page.find("概要").unwrap(), "at the top: {page}");
        for shown in [
            "令和8年12月8日",
            "正誤（内容の訂正）",
            note,
            "地域の担い手を育て、活動を支援します。",
            "（訂正後）",
        ] {
            assert!(page.contains(shown), "{shown}: {page}");
        }
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments c JOIN consultation_sections s ON s.id = c.section_id WHERE s.number = 2"),
            1,
            "the opinion is still on section 2"
        );
        let api = app.json("/api/v1/consultations/1").await;
        assert_eq!(api["notices"][0]["kind"], "correction");
        assert_eq!(api["notices"][0]["body"], note);
        assert_eq!(
            api["sections"][1]["body"],
            "地域の担い手を育て、活動を支援します。"
        );
        // One email each to the follower and to the submitter, never to anyone twice.
        assert_eq!(emails(&app, "follower@example.jp", "正誤"), 1);
        assert_eq!(emails(&app, "hanako@example.jp", "正誤"), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE subject LIKE '%正誤%'"
            ),
            2
        );
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM outbox WHERE subject LIKE '%正誤%' AND text_body LIKE '%{note}%' AND text_body LIKE '%/consultations/1%'")),
            2
        );
        assert_eq!(audited(&app, "consultation.correct"), 1);
    });
}

fn an_extension_lets_opinions_in_after_the_old_deadline() {
    run(async {
        let app = TestApp::start().await;
        let p = people(&app).await;
        december_opened(&app, &p).await;
        app.clock.set(jst(2026, 12, 20, 10, 0, 0));
        let extend = "/staff/consultations/1/extend";
        let fields = |closes: &str, reason: &str| {
            vec![
                ("closes_on", closes.to_owned()),
                ("reason", reason.to_owned()),
            ]
        };
        for (closes, reason, message) in [
            ("2026-12-30", "理由", "短縮はできません"),
            ("2026-12-25", "理由", "短縮はできません"),
            ("2027-01-15", "", "延長の理由を入力してください"),
            ("1月15日", "理由", "「2026-12-01」の形"),
        ] {
            let refused = post(&p.admin, WORK, extend, &fields(closes, reason)).await;
            assert_eq!(refused.status(), 400, "{closes}");
            let html = refused.text().await.unwrap();
            assert!(
                visible_text(&html).contains(message),
                "{message}: {}",
                visible_text(&html)
            );
            assert!(html.contains(closes), "the date typed is kept");
        }
        let reason = "説明会を追加で開くため。";
        assert_eq!(
            post(&p.admin, WORK, extend, &fields("2027-01-15", reason))
                .await
                .status(),
            303
        );
        let page = visible_text(&app.page("/consultations/1").await);
        for shown in [
            "締切の延長",
            "締切日を令和8年12月30日から令和9年1月15日に延長しました。",
            reason,
            "令和8年12月1日〜令和9年1月15日（46日間）",
        ] {
            assert!(page.contains(shown), "{shown}: {page}");
        }
        let api = app.json("/api/v1/consultations/1").await;
        assert_eq!(api["closes_at"], "2027-01-15T15:00:00Z");
        assert_eq!(api["notices"][0]["closes_on_before"], "2026-12-30");
        assert_eq!(api["notices"][0]["closes_on_after"], "2027-01-15");
        assert_eq!(emails(&app, "follower@example.jp", "締切の延長"), 1);
        assert_eq!(audited(&app, "consultation.extend"), 1);

        // After the old deadline, in time for the new one.
        app.clock.set(jst(2026, 12, 31, 10, 0, 0));
        assert_eq!(opinion(&p.hanako, "延長後の意見", "").await.status(), 303);
        app.clock.set(jst(2027, 1, 15, 23, 59, 59));
        assert_eq!(opinion(&p.hanako, "最後の日の意見", "").await.status(), 303);
        app.clock.set(jst(2027, 1, 16, 0, 0, 0));
        let late = opinion(&p.hanako, "遅れた意見", "").await;
        assert_eq!(late.status(), 409);
        assert!(visible_text(&late.text().await.unwrap()).contains("令和9年1月15日の23時59分59秒"));
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments"),
            2
        );
        // Closed now: no more extensions.
        let closed = post(&p.admin, WORK, extend, &fields("2027-02-15", reason)).await;
        assert_eq!(closed.status(), 400);
        assert!(visible_text(&closed.text().await.unwrap()).contains("募集が終わった意見公募は"));
    });
}

fn a_withdrawal_refuses_opinions_and_says_why() {
    run(async {
        let app = TestApp::start().await;
        let p = people(&app).await;
        december_opened(&app, &p).await;
        app.clock.set(jst(2026, 12, 3, 10, 0, 0));
        assert_eq!(opinion(&p.hanako, "最初の意見", "").await.status(), 303);

        app.clock.set(jst(2026, 12, 10, 14, 0, 0));
        let withdraw = "/staff/consultations/1/withdraw";
        let empty = post(&p.admin, WORK, withdraw, &[("reason", " ".to_owned())]).await;
        assert_eq!(empty.status(), 400);
        assert!(visible_text(&empty.text().await.unwrap()).contains("中止の理由を入力してください"));
        let reason = "上位計画の見直しが決まったため。";
        assert_eq!(
            post(&p.admin, WORK, withdraw, &[("reason", reason.to_owned())])
                .await
                .status(),
            303
        );

        // An opinion sent after it: refused, the text shown back.
        let typed = "中止の後に書いた意見です。";
        let refused = opinion(&p.hanako, typed, "").await;
        assert_eq!(refused.status(), 409);
        let html = refused.text().await.unwrap();
        assert!(html.contains(typed), "the text is kept");
        assert!(
            visible_text(&html).contains(
                "この意見募集は令和8年12月10日に中止しました。意見は受け付けられませんでした。"
            ),
            "{}",
            visible_text(&html)
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments"),
            1
        );

        let page = visible_text(&app.page("/consultations/1").await);
        assert!(
            page.contains(&format!(
                "この意見募集は令和8年12月10日に中止しました。理由：{reason}"
            )),
            "{page}"
        );
        assert!(page.contains("意見は受け付けていません"), "{page}");
        assert!(visible_text(&app.page("/consultations").await).contains("中止"));
        let list = app.json("/api/v1/consultations").await;
        assert_eq!(list["consultations"][0]["state"], "withdrawn");
        assert_eq!(
            list["consultations"][0]["withdrawn_at"],
            "2026-12-10T05:00:00Z"
        );
        assert_eq!(
            app.json("/api/v1/consultations/1").await["notices"][0]["kind"],
            "withdrawal"
        );
        assert!(app
            .page("/consultations/feed.atom")
            .await
            .contains("意見募集の中止: 本庄市協働推進指針（案）"));
        assert_eq!(emails(&app, "follower@example.jp", "中止"), 1);
        assert_eq!(emails(&app, "hanako@example.jp", "中止"), 1);
        assert_eq!(audited(&app, "consultation.withdraw"), 1);

        // Withdrawn is final: no correction, extension or second withdrawal, and no result.
        for (action, fields) in [
            (
                "/staff/consultations/1/withdraw",
                vec![("reason", "再び".to_owned())],
            ),
            (
                "/staff/consultations/1/extend",
                vec![
                    ("closes_on", "2027-01-31".to_owned()),
                    ("reason", "延長".to_owned()),
                ],
            ),
        ] {
            let refused = post(&p.admin, WORK, action, &fields).await;
            assert_eq!(refused.status(), 400, "{action}");
            assert!(visible_text(&refused.text().await.unwrap())
                .contains("中止した意見公募は変更できません"));
        }
        app.clock.set(jst(2027, 1, 5, 10, 0, 0));
        let publish = post(&p.reviewer, WORK, "/staff/consultations/1/publish", &[]).await;
        assert_eq!(publish.status(), 400);
        assert!(visible_text(&publish.text().await.unwrap())
            .contains("中止した意見公募には、結果を作成できません"));
        assert_eq!(app.get("/consultations/1/result").await.status(), 404);
        let work = visible_text(&p.reviewer.page(WORK).await);
        assert!(
            work.contains("中止した意見公募には、結果を作成・公表しません。"),
            "{work}"
        );
        assert_eq!(emails(&app, "follower@example.jp", "中止"), 1, "told once");

        // One withdrawn before it opened: nobody hears it opened, and KPI 6-1 does not count
        // it (the first, withdrawn after it opened, still counts).
        let february = consultation_fields(p.dept, "2027-02-01", "2027-03-02");
        let saved = post(
            &p.admin,
            "/staff/consultations/new",
            "/staff/consultations",
            &february,
        )
        .await;
        assert_eq!(saved.status(), 303);
        announce(&p.admin, 2).await;
        let reason = vec![("reason", "予算が認められなかったため。".to_owned())];
        assert_eq!(
            post(
                &p.admin,
                "/staff/consultations/2",
                "/staff/consultations/2/withdraw",
                &reason
            )
            .await
            .status(),
            303
        );
        app.clock.set(jst(2027, 2, 1, 0, 0, 0));
        let sent = kyodo::consultations::model::emails::notify_opened(
            &mut app.db(),
            app.clock.now(),
            &app.base,
        )
        .unwrap();
        assert_eq!(sent, 0);
        assert_eq!(
            emails(&app, "follower@example.jp", "始まりました"),
            1,
            "only the first"
        );
        let kpi = visible_text(&app.page("/measures/6-1").await);
        assert!(kpi.contains("Kyodoでの実施：令和8年度 計1回"), "{kpi}");
    });
}
