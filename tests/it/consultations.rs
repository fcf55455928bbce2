//! Public-comment consultations over HTTP: an admin creates one (bad dates and short periods
//! refused with what was typed kept), a resident comments while it is open and gets a receipt,
//! the clock (injected, never slept on) walks across the deadline in JST, staff type in a fax,
//! write the city's views, exclude one opinion and publish; the result page, CSV, feed and JSON
//! show it without any private detail, and the submitter hears of it.

use crate::support::attachments::{attachment_link, multipart};
use crate::support::consultations::{
    announce, consultation_fields, create_december, jst, post, save_december, upload, DRAFT,
};
use crate::support::db::count;
use crate::support::mail::link_in_outbox;
use crate::support::people::{department, resident, staff_member};
use crate::support::{run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    (
        "consultations::creating_refuses_bad_periods_and_keeps_the_form",
        creating_refuses_bad_periods_and_keeps_the_form,
    ),
    (
        "consultations::from_opinion_to_published_result",
        from_opinion_to_published_result,
    ),
    (
        "consultations::documents_are_public_and_scans_are_for_its_staff",
        documents_are_public_and_scans_are_for_its_staff,
    ),
    (
        "consultations::the_demo_has_an_open_and_a_published_consultation",
        the_demo_has_an_open_and_a_published_consultation,
    ),
    (
        "consultations::followers_hear_when_it_opens_and_kpi_6_1_counts_it",
        followers_hear_when_it_opens_and_kpi_6_1_counts_it,
    ),
];

fn creating_refuses_bad_periods_and_keeps_the_form() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let dept = department(&app, "企画課");
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        let new = "/staff/consultations/new";
        for (opens, closes, reason, message) in [
            ("", "", "", "開始日を入力してください"),
            (
                "2026-12-10",
                "2026-12-01",
                "",
                "締切日は開始日と同じ日か、それより後",
            ),
            (
                "2026-12-01",
                "2026-12-29",
                "",
                "30日未満とする理由を入力してください",
            ),
        ] {
            let mut fields = consultation_fields(dept, opens, closes);
            fields.retain(|(k, _)| *k != "short_period_reason");
            fields.push(("short_period_reason", reason.into()));
            let response = post(&admin, new, "/staff/consultations", &fields).await;
            assert_eq!(response.status(), 400, "{opens}..{closes}");
            let html = response.text().await.unwrap();
            let text = visible_text(&html);
            assert!(text.contains(message), "{message} in: {text}");
            assert!(
                html.contains("本庄市協働推進指針（案）"),
                "the title is kept"
            );
            assert!(html.contains("## 第2章 取組"), "the draft is kept");
        }
        assert_eq!(count(&app, "SELECT count(*) AS n FROM consultations"), 0);
        // 29 days with a reason, then the same reason is shown on the public page.
        let mut fields = consultation_fields(dept, "2026-12-01", "2026-12-29");
        fields.retain(|(k, _)| *k != "short_period_reason");
        fields.push((
            "short_period_reason",
            "法令の施行日に間に合わせるため。".into(),
        ));
        let response = post(&admin, new, "/staff/consultations", &fields).await;
        assert_eq!(response.status(), 303);
        announce(&admin, 1).await;
        let page = visible_text(&app.page("/consultations/1").await);
        assert!(page.contains("29日間"), "{page}");
        assert!(page.contains("法令の施行日に間に合わせるため。"), "{page}");
        // A reviewer may not create one.
        let reviewer = staff_member(
            &app,
            "rev@example.jp",
            "審査",
            &[("reviewer", Some("企画課"))],
        )
        .await;
        assert_eq!(reviewer.get(new).await.status(), 403);
    });
}

async fn comment(visitor: &Visitor, id: i32, fields: &[(&str, &str)]) -> reqwest::Response {
    visitor
        .submit(
            &format!("/consultations/{id}"),
            &format!("/consultations/{id}/comments"),
            fields,
        )
        .await
}

/// An XSS corpus in one opinion: it must come back as the same text, never as markup.
const XSS: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>\"><svg onload=alert(1)><a href=\"javascript:alert(1)\">x</a>{{7*7}}&lt;b&gt; 駐輪場を増やしてください";

/// Hanako's opinion, with her name and address as the city's procedure asks.
async fn signed(hanako: &Visitor, id: i32, body: &str) -> reqwest::Response {
    comment(
        hanako,
        id,
        &[
            ("body", body),
            ("name", "本庄花子"),
            ("address", "本庄市本庄3-5-3"),
        ],
    )
    .await
}

fn from_opinion_to_published_result() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let reviewer = staff_member(
            &app,
            "rev@example.jp",
            "審査担当",
            &[("reviewer", Some("企画課"))],
        )
        .await;
        let dept = department(&app, "企画課");
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "花子").await;
        app.clock.set(jst(2026, 11, 30, 12, 0, 0));
        save_december(&admin, dept).await;
        let id = 1;

        // While a draft, an admin may still edit it; once announced, no longer.
        let edit = "/staff/consultations/1/edit";
        let mut fields = consultation_fields(dept, "2026-12-01", "2026-12-30");
        fields[0].1 = "本庄市協働推進指針（案）".into();
        fields[4].1 = format!("{DRAFT}\n## 第3章 推進体制\n庁内の推進会議を置きます。");
        assert!(
            admin.page(edit).await.contains("## 第2章 取組"),
            "the draft as typed"
        );
        assert_eq!(post(&admin, edit, edit, &fields).await.status(), 303);
        announce(&admin, id).await;
        assert_eq!(
            admin.get(edit).await.status(),
            400,
            "no edits once announced"
        );
        let page = visible_text(&hanako.page("/consultations/1").await);
        assert!(page.contains("3. 第3章 推進体制"), "{page}");

        // Not open yet: the form is refused with a clear message.
        let page = visible_text(&hanako.page("/consultations/1").await);
        assert!(
            page.contains("募集前") && page.contains("まだ始まっていません"),
            "{page}"
        );
        let early = signed(&hanako, id, "早すぎる意見").await;
        assert_eq!(early.status(), 409);
        assert!(
            early.text().await.unwrap().contains("早すぎる意見"),
            "text kept"
        );

        // Open from 00:00:00 JST of the first day.
        app.clock.set(jst(2026, 12, 1, 0, 0, 0));
        let page = hanako.page("/consultations/1").await;
        assert!(visible_text(&page).contains("第2章 取組"), "sections shown");
        let empty = signed(&hanako, id, " ").await;
        assert_eq!(empty.status(), 400);
        assert!(visible_text(&empty.text().await.unwrap()).contains("意見を入力してください"));
        let long = "長".repeat(4001);
        let too_long = comment(
            &hanako,
            id,
            &[("body", &long), ("name", "本庄花子"), ("address", "")],
        )
        .await;
        assert_eq!(too_long.status(), 400);
        let html = too_long.text().await.unwrap();
        assert!(
            visible_text(&html).contains("4000文字以内"),
            "over-long refused"
        );
        assert!(
            visible_text(&html).contains("住所を入力してください"),
            "address needed"
        );
        assert!(html.contains(&long), "the text is kept");
        let receipt = signed(&hanako, id, XSS).await;
        // The receipt has its own address (reloading it sends nothing again), for its sender only.
        assert_eq!(receipt.status(), 303);
        let location = receipt.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(
            location,
            format!("/consultations/{id}/receipts/PC-2026-0001-000001")
        );
        let text = visible_text(&hanako.page(&location).await);
        assert!(text.contains("PC-2026-0001-000001"), "{text}");
        assert_eq!(
            app.get(&location).await.status(),
            303,
            "anonymous: sign in first"
        );
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "本庄太郎").await;
        assert_eq!(
            taro.get(&location).await.status(),
            404,
            "someone else's receipt"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments"),
            1,
            "one opinion however often the receipt is opened"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp' AND subject LIKE '%PC-2026-0001-000001%' AND text_body LIKE '%/consultations/1%' AND unsubscribe_url IS NOT NULL"),
            1,
            "the receipt email"
        );

        // The last second of the last day, in JST, is in time; the next is not.
        app.clock.set(jst(2026, 12, 30, 23, 59, 59));
        let last = signed(&hanako, id, "第2章について、最後の意見です。").await;
        assert_eq!(last.status(), 303);
        assert!(last.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/receipts/PC-2026-0001-000002"));
        app.clock.set(jst(2026, 12, 31, 0, 0, 0));
        let late = signed(&hanako, id, "締切を過ぎた意見です。").await;
        assert_eq!(late.status(), 409);
        let html = late.text().await.unwrap();
        assert!(
            visible_text(&html).contains("締め切りました"),
            "{}",
            visible_text(&html)
        );
        assert!(
            html.contains("締切を過ぎた意見です。"),
            "the text is shown back"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments"),
            2
        );

        // A fax received within the period, typed in by the department's reviewer.
        let work = "/staff/consultations/1";
        let fax = |day: &'static str| {
            vec![
                ("channel", "fax".to_owned()),
                ("received_on", day.to_owned()),
                ("body", "説明会を, \"夜\"にも\n開いてください。".to_owned()),
                ("name", "児玉一郎".to_owned()),
                ("address", "本庄市児玉町99".to_owned()),
                ("email", "ichiro@example.jp".to_owned()),
            ]
        };
        let refused = post(
            &reviewer,
            work,
            "/staff/consultations/1/comments",
            &fax("2027-01-05"),
        )
        .await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap()).contains("期間内"));
        let entered = post(
            &reviewer,
            work,
            "/staff/consultations/1/comments",
            &fax("2026-12-20"),
        )
        .await;
        assert_eq!(entered.status(), 303);
        let staff_page = visible_text(&reviewer.page(work).await);
        assert!(staff_page.contains("PC-2026-0001-000003") && staff_page.contains("児玉一郎"));

        // The city's views: every opinion answered or excluded before publication.
        let item = |receipts: &str, summary: &str| {
            vec![
                ("receipts", receipts.to_owned()),
                ("summary", summary.to_owned()),
                ("response", "ご意見を踏まえ、第2章に追記します。".to_owned()),
                ("changed", "yes".to_owned()),
                ("change", "第2章に駐輪場の整備を追記".to_owned()),
            ]
        };
        let added = post(
            &reviewer,
            work,
            "/staff/consultations/1/items",
            &item("PC-2026-0001-000001", "駐輪場を, \"増やして\"\nほしい"),
        )
        .await;
        assert_eq!(added.status(), 303);
        let early_publish = post(&reviewer, work, "/staff/consultations/1/publish", &[]).await;
        assert_eq!(early_publish.status(), 400);
        let message = visible_text(&early_publish.text().await.unwrap());
        assert!(
            message.contains("PC-2026-0001-000002") && message.contains("PC-2026-0001-000003"),
            "{message}"
        );
        let excluded = post(
            &reviewer,
            work,
            "/staff/consultations/1/exclude",
            &[
                ("receipt", "PC-2026-0001-000002".into()),
                ("reason", "第三者の権利を害するおそれがあるため".into()),
            ],
        )
        .await;
        assert_eq!(excluded.status(), 303);
        let added = post(
            &reviewer,
            work,
            "/staff/consultations/1/items",
            &item("PC-2026-0001-000003", "説明会を夜にも開いてほしい"),
        )
        .await;
        assert_eq!(added.status(), 303);
        // Before publication, no result exists for anyone.
        assert_eq!(app.get("/consultations/1/result").await.status(), 404);
        assert_eq!(
            app.get("/api/v1/consultations/1/result").await.status(),
            404
        );
        let published = post(&reviewer, work, "/staff/consultations/1/publish", &[]).await;
        assert_eq!(published.status(), 303);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp' AND text_body LIKE '%/consultations/1/result%'"),
            1,
            "the submitter hears of the result once"
        );
        assert_eq!(
            post(&reviewer, work, "/staff/consultations/1/publish", &[])
                .await
                .status(),
            303
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE text_body LIKE '%/consultations/1/result%'"
            ),
            2,
            "the resident and the fax's sender, once: publishing again sends nothing"
        );
        // The fax's sender has no account: receipt and result came to the address they gave,
        // each with a one-click unsubscribe that forgets the address.
        let to_fax = "SELECT count(*) AS n FROM outbox WHERE to_address = 'ichiro@example.jp' AND unsubscribe_url LIKE '%/consultations/unsubscribe?token=%'";
        assert_eq!(count(&app, to_fax), 2, "receipt and result");
        let link = link_in_outbox(
            &app,
            "ichiro@example.jp",
            "/consultations/unsubscribe?token=",
        );
        let visitor = app.visitor();
        assert!(visible_text(&visitor.page(&link).await).contains("配信を停止する"));
        let done = visitor.post(&link, &[]).await;
        assert_eq!(done.status(), 200);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM consultation_comments WHERE submitter_email = 'ichiro@example.jp' OR notify_token IS NOT NULL"), 0);
        assert_eq!(visitor.post(&link, &[]).await.status(), 400, "a used link");

        // The result page: counts by channel, the table, the opinions as text, nothing private.
        let html = app.page("/consultations/1/result").await;
        let text = visible_text(&html);
        assert!(text.contains("提出者数 2人、意見数 3件"), "{text}");
        assert!(
            text.contains("ウェブ：2") && text.contains("ファクス：1"),
            "{text}"
        );
        assert!(
            text.contains("意見の要旨")
                && text.contains("市の考え方")
                && text.contains("修正の有無")
        );
        assert!(text.contains("第2章に駐輪場の整備を追記"));
        assert!(text.contains(XSS), "the opinion shows as text");
        for markup in [
            "<script>alert",
            "<img src=x",
            "<svg",
            "<a href=\"javascript",
            "&lt;b&gt;",
        ] {
            assert!(!html.contains(markup), "{markup} as markup");
        }
        assert!(
            !text.contains("最後の意見です"),
            "an excluded opinion is not published"
        );
        let csv = app.get("/consultations/1/result.csv").await;
        assert_eq!(csv.status(), 200);
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("utf-8"));
        let bytes = csv.bytes().await.unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "BOM");
        let body = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(
            body.starts_with("No.,意見の要旨,市の考え方,修正の有無,修正の内容\r\n"),
            "{body}"
        );
        assert!(body.contains("1,\"駐輪場を, \"\"増やして\"\"\r\nほしい\",ご意見を踏まえ、第2章に追記します。,有,"), "{body}");
        let sjis = app
            .get("/consultations/1/result.csv?encoding=shift_jis")
            .await;
        let sjis = sjis.bytes().await.unwrap();
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!errors && decoded.starts_with("No.,意見の要旨"));
        let feed = app.page("/consultations/feed.atom").await;
        assert!(
            feed.contains("意見募集の結果: 本庄市協働推進指針（案）"),
            "{feed}"
        );
        // The list page points feed readers to it.
        let page = app.page("/consultations").await;
        assert!(page.contains(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"意見公募：募集の開始と結果の公表（Atom）\" href=\"/consultations/feed.atom\">"
        ), "{page}");
        let list = app.json("/api/v1/consultations").await;
        assert_eq!(list["consultations"][0]["state"], "result_published");
        let one = app.json("/api/v1/consultations/1").await;
        assert_eq!(one["opens_at"], "2026-11-30T15:00:00Z");
        assert_eq!(one["closes_at"], "2026-12-30T15:00:00Z");
        assert_eq!(one["comment_count"], 3);
        assert_eq!(one["sections"][1]["heading"], "第2章 取組");
        let result = app.json("/api/v1/consultations/1/result").await;
        assert_eq!(result["submitters"], 2);
        assert_eq!(result["comments"], 3);
        assert_eq!(result["by_channel"]["web"], 2);
        assert_eq!(result["by_channel"]["fax"], 1);
        assert_eq!(result["items"][0]["changed"], true);
        // A letter found after publication: the published counts take it in at once.
        let letter = post(
            &reviewer,
            work,
            "/staff/consultations/1/comments",
            &[
                ("channel", "post".to_owned()),
                ("received_on", "2026-12-22".to_owned()),
                ("body", "郵送で届いた意見です。".to_owned()),
                ("name", "本庄郵子".to_owned()),
                ("address", "本庄市銀座1-1".to_owned()),
                ("email", String::new()),
            ],
        )
        .await;
        assert_eq!(letter.status(), 303);
        let recounted = app.json("/api/v1/consultations/1/result").await;
        assert_eq!(
            (
                &recounted["submitters"],
                &recounted["comments"],
                &recounted["by_channel"]["post"]
            ),
            (
                &serde_json::json!(3),
                &serde_json::json!(4),
                &serde_json::json!(1)
            )
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM consultations WHERE (tally->>'submitters')::int = 3"
            ),
            1,
            "the counts are kept with the consultation, not made on every visit"
        );
        let public = [
            html,
            body,
            feed,
            list.to_string(),
            one.to_string(),
            result.to_string(),
            app.page("/consultations/1").await,
            app.page("/consultations").await,
        ];
        for private in [
            "本庄市本庄3-5-3",
            "児玉一郎",
            "本庄市児玉町99",
            "ichiro@example.jp",
            "hanako@example.jp",
            "本庄花子",
        ] {
            for (i, body) in public.iter().enumerate() {
                assert!(!body.contains(private), "{private} in public body {i}");
            }
        }
    });
}

fn followers_hear_when_it_opens_and_kpi_6_1_counts_it() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let dept = department(&app, "企画課");
        let follower = app.visitor();
        resident(&app, &follower, "follower@example.jp", "フォロー中").await;
        diesel::sql_query(
            "INSERT INTO measure_follows (measure_code, account_id)
             SELECT '6-1', id FROM accounts WHERE email = 'follower@example.jp'",
        )
        .execute(&mut app.db())
        .unwrap();
        app.clock.set(jst(2026, 11, 30, 23, 59, 59));
        create_december(&admin, dept).await;
        let notify = |app: &TestApp| {
            kyodo::consultations::model::emails::notify_opened(
                &mut app.db(),
                app.clock.now(),
                &app.base,
            )
            .unwrap()
        };
        let opened = "SELECT count(*) AS n FROM outbox WHERE to_address = 'follower@example.jp' AND subject LIKE '%意見募集が始まりました%' AND unsubscribe_url IS NOT NULL";
        assert_eq!(notify(&app), 0, "not open yet");
        assert_eq!(count(&app, opened), 0);
        let kpi = visible_text(&app.page("/measures/6-1").await);
        assert!(kpi.contains("Kyodoでの実施：令和8年度 計0回"), "{kpi}");

        app.clock.set(jst(2026, 12, 1, 0, 0, 0));
        assert_eq!(notify(&app), 1);
        assert_eq!(notify(&app), 0, "told once");
        assert_eq!(count(&app, opened), 1);
        let kpi = visible_text(&app.page("/measures/6-1").await);
        assert!(kpi.contains("Kyodoでの実施：令和8年度 計1回"), "{kpi}");
        let api = app.json("/api/v1/measures/6-1").await;
        let live: Vec<_> = api["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|k| k.get("live_consultations"))
            .collect();
        assert_eq!(
            live,
            [&serde_json::json!({ "fiscal_year": 2026, "consultations": 1 })],
            "beside its KPI only"
        );
        // A new fiscal year starts at 00:00 JST on 1 April.
        app.clock.set(jst(2027, 4, 1, 0, 0, 0));
        let kpi = visible_text(&app.page("/measures/6-1").await);
        assert!(kpi.contains("Kyodoでの実施：令和9年度 計0回"), "{kpi}");
    });
}

fn the_demo_has_an_open_and_a_published_consultation() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let list = visible_text(&app.page("/consultations").await);
        assert!(
            list.contains("募集中") && list.contains("結果公表"),
            "{list}"
        );
        let api = app.json("/api/v1/consultations").await;
        let published = api["consultations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == "result_published")
            .expect("a published consultation");
        let id = published["id"].as_i64().unwrap();
        let result = visible_text(&app.page(&format!("/consultations/{id}/result")).await);
        assert!(
            result.contains("書面：1")
                && result.contains("ファクス：1")
                && result.contains("ウェブ：2"),
            "{result}"
        );
        assert!(!result.contains("佐藤 花子"), "no names");
    });
}

fn documents_are_public_and_scans_are_for_its_staff() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let reviewer = staff_member(
            &app,
            "rev@example.jp",
            "審査担当",
            &[("reviewer", Some("企画課"))],
        )
        .await;
        let other = staff_member(
            &app,
            "other@example.jp",
            "他課",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let dept = department(&app, "企画課");
        app.clock.set(jst(2026, 11, 25, 12, 0, 0));
        create_december(&admin, dept).await;
        app.clock.set(jst(2026, 12, 10, 12, 0, 0));
        // The draft as a PDF, public on the consultation's page.
        let uploaded = upload(&reviewer, "/consultations/1/attachments", "指針（案）.pdf").await;
        assert_eq!(uploaded.status(), 303);
        assert_eq!(
            upload(&other, "/consultations/1/attachments", "x.pdf")
                .await
                .status(),
            403
        );
        // A file that is no PDF is refused beside the form, on the staff page.
        let csrf = crate::support::csrf_of(&reviewer.page("/").await);
        let (content_type, body) = multipart(Some(&csrf), Some(("偽物.pdf", b"not a pdf at all")));
        let refused = reviewer
            .client
            .post(reviewer.url("/consultations/1/attachments"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let text = visible_text(&refused.text().await.unwrap());
        assert!(
            text.contains("PDF または画像") && text.contains("添付ファイル"),
            "{text}"
        );
        let page = app.page("/consultations/1").await;
        assert!(visible_text(&page).contains("指針（案）.pdf"));
        assert_eq!(app.get(&attachment_link(&page)).await.status(), 200);
        // A fax and its scan: for the consultation's staff only.
        let fax = vec![
            ("channel", "fax".to_owned()),
            ("received_on", "2026-12-10".to_owned()),
            ("body", "説明会を開いてください。".to_owned()),
            ("name", "児玉一郎".to_owned()),
            ("address", "本庄市児玉町99".to_owned()),
        ];
        let work = "/staff/consultations/1";
        assert_eq!(
            post(&reviewer, work, "/staff/consultations/1/comments", &fax)
                .await
                .status(),
            303
        );
        let scanned = upload(
            &reviewer,
            "/consultations/1/opinions/1/attachments",
            "ファクス.pdf",
        )
        .await;
        assert_eq!(scanned.status(), 303);
        assert_eq!(
            upload(&other, "/consultations/1/opinions/1/attachments", "x.pdf")
                .await
                .status(),
            403
        );
        let html = reviewer.page(work).await;
        let start = html.find("ファクス.pdf").unwrap();
        let scan = attachment_link(&html[html[..start].rfind("<a ").unwrap()..]);
        assert_eq!(reviewer.get(&scan).await.status(), 200);
        assert_eq!(app.get(&scan).await.status(), 404, "not for the public");
        assert_eq!(
            other.get(&scan).await.status(),
            404,
            "not for another department"
        );
        // Nor does another department see the submitters or change the records.
        let page = other.get(work).await;
        assert_eq!(page.status(), 403);
        assert!(!page.text().await.unwrap().contains("児玉一郎"));
        for (action, fields) in [
            ("/staff/consultations/1/comments", fax.clone()),
            (
                "/staff/consultations/1/items",
                vec![
                    ("summary", "説明会の開催".to_owned()),
                    ("response", "開催します。".to_owned()),
                    ("changed", "no".to_owned()),
                    ("receipts", "PC-2026-0001-000001".to_owned()),
                ],
            ),
            (
                "/staff/consultations/1/exclude",
                vec![
                    ("receipt", "PC-2026-0001-000001".to_owned()),
                    ("reason", "第三者を害するため".to_owned()),
                ],
            ),
            ("/staff/consultations/1/publish", vec![]),
        ] {
            assert_eq!(
                post(&other, "/", action, &fields).await.status(),
                403,
                "{action}"
            );
        }
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments WHERE item_id IS NULL AND excluded_at IS NULL"),
            1,
            "the one fax, untouched"
        );
    });
}
