//! A consultation's whole course in headless Chromium: a resident submits an opinion and gets
//! the receipt number on screen and by email; the department's reviewer types in a fax; the
//! injected clock passes the deadline; the reviewer writes the city's views and publishes; the
//! result page, CSV and feed show them and the resident is told by email. axe-core checks the
//! public page, the receipt, the staff pages and the result; and, as an admin takes a draft
//! through preview, announcement, correction and withdrawal, each page on the way.

use crate::support::browser::{sign_in_as, sign_out, Browser};
use crate::support::consultations::{create_december, jst, save_december};
use crate::support::mail::{deliver, ReceivedMail, SmtpSink};
use crate::support::people::{department, resident, staff_member};
use crate::support::{run, visible_text, TestApp};
use kyodo::notify::Mailer;

pub const TESTS: &[(&str, fn())] = &[
    (
        "consultations_browser::opinion_fax_deadline_views_and_publication",
        opinion_fax_deadline_views_and_publication,
    ),
    (
        "consultations_browser::a_draft_announced_corrected_and_withdrawn",
        a_draft_announced_corrected_and_withdrawn,
    ),
];

const HANAKO: &str = "hanako@example.jp";
const REVIEWER: &str = "reviewer@example.jp";
const OPINION: &str = "第2章に、若い世代が参加しやすい夜間の対話集会を加えてください。";
const FAX: &str = "説明会の資料を公民館にも置いてください。";

fn mail_to(sink: &SmtpSink, needle: &str) -> Option<ReceivedMail> {
    sink.matching(1, |m| m.to == HANAKO && m.subject.contains(needle))
        .into_iter()
        .next()
}

fn opinion_fax_deadline_views_and_publication() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        staff_member(&app, REVIEWER, "審査 一郎", &[("reviewer", Some("企画課"))]).await;
        resident(&app, &app.visitor(), HANAKO, "本庄花子").await;
        let dept = department(&app, "企画課");
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        create_december(&admin, dept).await;
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        deliver(&app, &mailer);
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();

        // The resident comments on section 2 while it is open.
        app.clock.set(jst(2026, 12, 5, 10, 0, 0));
        sign_in_as(&browser, &app, HANAKO).await;
        browser.goto(&app.url("/consultations/1")).await.unwrap();
        browser.wait_for_text("main", "募集中").await.unwrap();
        if let Err(e) = browser.assert_accessible("consultation-page").await {
            failures.push(e);
        }
        let section = browser
            .text("#field-section option:nth-child(3)")
            .await
            .unwrap();
        assert!(section.contains("第2章"), "{section}");
        browser
            .click("#field-section option:nth-child(3)")
            .await
            .unwrap();
        browser.fill("#field-body", OPINION).await.unwrap();
        browser.fill("#field-name", "本庄 花子").await.unwrap();
        browser
            .fill("#field-address", "本庄市本庄3-5-3")
            .await
            .unwrap();
        browser
            .click("main form button[type=submit]")
            .await
            .unwrap();
        let receipt = browser.wait_for_text("main", "受付番号").await.unwrap();
        assert!(receipt.contains("PC-2026-0001-000001"), "{receipt}");
        if let Err(e) = browser.assert_accessible("consultation-receipt").await {
            failures.push(e);
        }
        deliver(&app, &mailer);
        let mail = mail_to(&sink, "PC-2026-0001-000001").expect("the receipt email");
        assert!(mail.text.contains("/consultations/1"), "{}", mail.text);
        assert!(mail.header("List-Unsubscribe").is_some());
        sign_out(&browser).await;

        // The reviewer types in a fax received today.
        app.clock.set(jst(2026, 12, 10, 14, 0, 0));
        sign_in_as(&browser, &app, REVIEWER).await;
        browser
            .goto(&app.url("/staff/consultations"))
            .await
            .unwrap();
        browser
            .wait_for_text("main", "本庄市協働推進指針（案）")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-consultations").await {
            failures.push(e);
        }
        browser
            .goto(&app.url("/staff/consultations/1"))
            .await
            .unwrap();
        browser
            .wait_for_text("main", "PC-2026-0001-000001")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-consultation-open").await {
            failures.push(e);
        }
        browser.select("#paper-channel", "fax").await.unwrap();
        browser.fill("#paper-body", FAX).await.unwrap();
        browser.fill("#paper-name", "児玉 一郎").await.unwrap();
        browser
            .fill("#paper-address", "本庄市児玉町99")
            .await
            .unwrap();
        browser
            .click("#paper form button[type=submit]")
            .await
            .unwrap();
        let page = browser.wait_for_text("main", FAX).await.unwrap();
        assert!(
            page.contains("ファクス") && page.contains("PC-2026-0001-000002"),
            "{page}"
        );

        // The deadline passes: 00:00:00 JST on the day after the last day.
        app.clock.set(jst(2026, 12, 31, 0, 0, 0));
        browser
            .goto(&app.url("/staff/consultations/1"))
            .await
            .unwrap();
        browser
            .wait_for_text("main", "意見の要旨と市の考え方を追加する")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-consultation-closed").await {
            failures.push(e);
        }
        for (receipts, summary, response) in [
            (
                "PC-2026-0001-000001",
                "夜間の対話集会を加えてほしい。",
                "第2章に夜間の対話集会を加えます。",
            ),
            (
                "PC-2026-0001-000002",
                "資料を公民館にも置いてほしい。",
                "各公民館に資料を置きます。",
            ),
        ] {
            browser.fill("#item-receipts", receipts).await.unwrap();
            browser.fill("#item-summary", summary).await.unwrap();
            browser.fill("#item-response", response).await.unwrap();
            browser.click("#item-changed-no").await.unwrap();
            browser
                .click("#result form[action$='/items'] button[type=submit]")
                .await
                .unwrap();
            browser.wait_for_text("#result", response).await.unwrap();
        }
        browser
            .click("form[action$='/publish'] button[type=submit]")
            .await
            .unwrap();
        let result = browser
            .wait_for_text("main", "提出者数 2人、意見数 2件")
            .await
            .unwrap();
        for expected in [
            "ウェブ：1",
            "ファクス：1",
            "夜間の対話集会を加えてほしい。",
            "各公民館に資料を置きます。",
            OPINION,
            FAX,
        ] {
            assert!(result.contains(expected), "{expected} in {result}");
        }
        for private in [
            "本庄 花子",
            "本庄市本庄3-5-3",
            "児玉 一郎",
            "本庄市児玉町99",
            HANAKO,
        ] {
            assert!(!result.contains(private), "{private} on the result page");
        }
        if let Err(e) = browser.assert_accessible("consultation-result").await {
            failures.push(e);
        }
        let csv = app
            .get("/consultations/1/result.csv")
            .await
            .bytes()
            .await
            .unwrap();
        let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
        assert!(
            csv.contains("2,資料を公民館にも置いてほしい。,各公民館に資料を置きます。,無,\r\n"),
            "{csv}"
        );
        let feed = visible_text(&app.page("/consultations/feed.atom").await);
        assert!(
            feed.contains("意見募集の結果: 本庄市協働推進指針（案）"),
            "{feed}"
        );
        deliver(&app, &mailer);
        let mail = mail_to(&sink, "結果を公表しました").expect("the publication email");
        assert!(
            mail.text.contains("/consultations/1/result"),
            "{}",
            mail.text
        );

        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}

/// An admin in the browser: the draft's work page and preview, the announcement, a correction
/// refused then made, the public page with its notice, the withdrawal and the withdrawn page.
fn a_draft_announced_corrected_and_withdrawn() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let dept = department(&app, "企画課");
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        save_december(&admin, dept).await;
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        let mut check = async |name: &str| {
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        };
        sign_in_as(&browser, &app, "admin@example.jp").await;
        browser
            .goto(&app.url("/staff/consultations/1"))
            .await
            .unwrap();
        browser.wait_for_text("main", "公示前です").await.unwrap();
        check("staff-consultation-draft").await;
        browser
            .goto(&app.url("/staff/consultations/1/preview"))
            .await
            .unwrap();
        browser.wait_for_text("main", "プレビュー").await.unwrap();
        check("consultation-preview").await;
        browser
            .goto(&app.url("/staff/consultations/1"))
            .await
            .unwrap();
        browser
            .click("#announce button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "内容を訂正する")
            .await
            .unwrap();
        check("staff-consultation-announced").await;

        app.clock.set(jst(2026, 12, 5, 10, 0, 0));
        browser
            .fill("#correct-summary", "指針の案です（訂正後）。")
            .await
            .unwrap();
        browser
            .click("form[action$='/correct'] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "訂正した内容を入力してください")
            .await
            .unwrap();
        check("staff-consultation-correction-refused").await;
        browser
            .fill("#correct-note", "概要の誤りを訂正しました。")
            .await
            .unwrap();
        browser
            .click("form[action$='/correct'] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "概要の誤りを訂正しました。")
            .await
            .unwrap();
        browser.goto(&app.url("/consultations/1")).await.unwrap();
        let page = browser
            .wait_for_text("main", "正誤（内容の訂正）")
            .await
            .unwrap();
        assert!(
            page.contains("指針の案です（訂正後）。"),
            "the summary typed before the refusal was kept: {page}"
        );
        check("consultation-with-notice").await;

        browser
            .goto(&app.url("/staff/consultations/1"))
            .await
            .unwrap();
        browser
            .fill("#withdraw-reason", "計画の見直しのため。")
            .await
            .unwrap();
        browser
            .click("form[action$='/withdraw'] button[type=submit]")
            .await
            .unwrap();
        browser.wait_for_text("main", "中止").await.unwrap();
        browser.goto(&app.url("/consultations/1")).await.unwrap();
        let page = browser
            .wait_for_text("main", "中止しました。理由：計画の見直しのため。")
            .await
            .unwrap();
        assert!(page.contains("意見は受け付けていません"), "{page}");
        check("consultation-withdrawn").await;
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    });
}
