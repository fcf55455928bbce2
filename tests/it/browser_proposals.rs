//! A citizen proposal's whole life in headless Chromium: a resident writes it through the form,
//! previews and submits it; a reviewer of the responsible department asks for a revision; the
//! resident revises and resubmits; the reviewer adopts it with a reason. The proposer's emails
//! reach a real SMTP server on loopback, in Japanese, each with a link that opens the proposal;
//! the public page shows the whole timeline. axe-core checks every page on the way.

use crate::support::browser::{sign_in_as, sign_out, Browser};
use crate::support::mail::{deliver, ReceivedMail, SmtpSink};
use crate::support::people::{resident, responsible, staff_member, DEPARTMENT};
use crate::support::{run, TestApp};
use kyodo::notify::Mailer;

pub const TESTS: &[(&str, fn())] = &[(
    "browser_proposals::write_review_revise_adopt_with_emails",
    write_review_revise_adopt_with_emails,
)];

const TITLE: &str = "旧小学校の校庭を使った多世代ふれあい農園";
const SUMMARY: &str = "閉校した小学校の校庭の一角を畑にし、子どもと高齢者が一緒に野菜を育てます。";
const ISSUE: &str = "地域の子どもと高齢者が顔を合わせる機会が減っています。";
const PLAN: &str = "自治会が月2回の作業日を設け、収穫祭を秋に開きます。";
const REVISED_PLAN: &str =
    "自治会が月2回の作業日を設け、収穫祭を秋に開きます。農具は市の倉庫を借ります。";
const EFFECT: &str = "世代を超えた顔見知りが増え、見守りにつながります。";
const REVISION: &str = "農具の調達方法と保険の扱いを活動計画に書き加えてください。";
const REASON: &str = "地域の見守りにつながる協働の取組として、効果が見込まれるため採択します。";
const HANAKO: &str = "hanako@example.jp";
const REVIEWER: &str = "reviewer@example.jp";

/// The emails to the proposer about this proposal, once `n` of them arrived.
fn proposer_mail(sink: &SmtpSink, n: usize) -> Vec<ReceivedMail> {
    sink.matching(n, |m| m.to == HANAKO && m.subject.contains(TITLE))
}

/// On the staff page of the proposal: the form of `action`, its reason (if any), sent.
async fn staff_action(browser: &Browser, action: &str, reason: Option<&str>) {
    if let Some(reason) = reason {
        browser
            .fill(&format!("#reason-{action}"), reason)
            .await
            .unwrap();
    }
    browser
        .click(&format!(
            "form:has(input[name=action][value={action}]) button[type=submit]"
        ))
        .await
        .unwrap();
    browser
        .wait_for_text("main", "提案の状態を更新しました。")
        .await
        .unwrap();
}

fn write_review_revise_adopt_with_emails() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        staff_member(
            &app,
            REVIEWER,
            "審査 一郎",
            &[("reviewer", Some(DEPARTMENT))],
        )
        .await;
        resident(&app, &app.visitor(), HANAKO, "本庄花子").await;
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        deliver(&app, &mailer); // the sign-ups' verification emails
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();

        // The resident writes the proposal through the form and previews it.
        sign_in_as(&browser, &app, HANAKO).await;
        browser.goto(&app.url("/proposals/new")).await.unwrap();
        browser.wait_for_text("h1", "市民提案を書く").await.unwrap();
        if let Err(e) = browser.assert_accessible("flow-form").await {
            failures.push(e);
        }
        for (field, text) in [
            ("#field-title", TITLE),
            ("#field-summary", SUMMARY),
            ("#field-local_issue", ISSUE),
            ("#field-activity_plan", PLAN),
            ("#field-expected_effect", EFFECT),
            ("#field-partners", "本庄西自治会、老人クラブ"),
            ("#field-period", "令和9年4月〜令和10年3月"),
            ("#field-budget", "120,000円"),
        ] {
            browser.fill(field, text).await.unwrap();
        }
        browser.click("#measure-5-1").await.unwrap();
        browser
            .click("form.proposal-form button[type=submit]")
            .await
            .unwrap();
        browser.wait_for_text("h1", "提出前の確認").await.unwrap();
        let preview = browser.text("main").await.unwrap();
        for expected in [TITLE, SUMMARY, ISSUE, PLAN, EFFECT, "120,000円", "下書き"] {
            assert!(
                preview.contains(expected),
                "{expected} in the preview: {preview}"
            );
        }
        if let Err(e) = browser.assert_accessible("flow-preview").await {
            failures.push(e);
        }
        browser
            .click(".proposal-actions form[action$='/submit'] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "提案が提出されました。")
            .await
            .unwrap();
        let url = browser.current_url().await.unwrap();
        let id = url
            .trim_start_matches(&app.url("/proposals/"))
            .split(['?', '#', '/'])
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 36, "the proposal's page: {url}");
        let page = format!("/proposals/{id}");
        let staff_page = format!("/staff/proposals/{id}");
        deliver(&app, &mailer);
        sign_out(&browser).await;

        // The reviewer finds it in the queue, starts the review and asks for a revision.
        sign_in_as(&browser, &app, REVIEWER).await;
        browser.goto(&app.url("/staff/proposals")).await.unwrap();
        browser.wait_for_text("main", TITLE).await.unwrap();
        browser
            .click(&format!("main a[href='{staff_page}']"))
            .await
            .unwrap();
        browser.wait_for_text("h1", TITLE).await.unwrap();
        if let Err(e) = browser.assert_accessible("flow-staff-proposal").await {
            failures.push(e);
        }
        staff_action(&browser, "start_review", None).await;
        staff_action(&browser, "request_revision", Some(REVISION)).await;
        deliver(&app, &mailer);
        sign_out(&browser).await;

        // The resident reads the request, revises and resubmits.
        sign_in_as(&browser, &app, HANAKO).await;
        browser.goto(&app.url(&page)).await.unwrap();
        let text = browser.wait_for_text("main", REVISION).await.unwrap();
        assert!(text.contains("修正依頼中"), "{text}");
        browser
            .click(&format!(".proposal-actions a[href='{page}/edit']"))
            .await
            .unwrap();
        browser.wait_for_text("h1", "提案を編集する").await.unwrap();
        browser
            .fill("#field-activity_plan", REVISED_PLAN)
            .await
            .unwrap();
        browser
            .click("form.proposal-form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "農具は市の倉庫を借ります。")
            .await
            .unwrap();
        browser
            .click(".proposal-actions form[action$='/resubmit'] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "修正した提案が再提出されました。")
            .await
            .unwrap();
        deliver(&app, &mailer);
        sign_out(&browser).await;

        // The reviewer adopts it with a public reason.
        sign_in_as(&browser, &app, REVIEWER).await;
        browser.goto(&app.url(&staff_page)).await.unwrap();
        browser.wait_for_text("main", "審査中").await.unwrap();
        staff_action(&browser, "adopt", Some(REASON)).await;
        deliver(&app, &mailer);
        sign_out(&browser).await;

        // Anyone sees the whole timeline, in order, with the reasons.
        browser.goto(&app.url(&page)).await.unwrap();
        let text = browser.wait_for_text("main", REASON).await.unwrap();
        let timeline = browser.text(".timeline").await.unwrap();
        let mut rest = timeline.as_str();
        for step in [
            "提案が提出されました。",
            "審査が始まりました。",
            "修正の依頼がありました。",
            REVISION,
            "修正した提案が再提出されました。",
            "採択されました。",
            REASON,
        ] {
            let at = rest
                .find(step)
                .unwrap_or_else(|| panic!("{step} (in order) in the timeline: {timeline}"));
            rest = &rest[at + step.len()..];
        }
        for label in ["提出済み", "審査中", "修正依頼中", "採択"] {
            assert!(timeline.contains(label), "{label} in {timeline}");
        }
        assert!(text.contains("令和"), "dates in 和暦: {text}");
        assert!(
            text.contains("農具は市の倉庫を借ります。"),
            "the revised text"
        );
        if let Err(e) = browser.assert_accessible("flow-public-page").await {
            failures.push(e);
        }

        // The proposer heard of every step the city took, and had each (re)submission confirmed,
        // in Japanese, with a working link.
        let mails = proposer_mail(&sink, 5);
        let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                format!("【協働 Kyodo】提案「{TITLE}」を受け付けました"),
                format!("【協働 Kyodo】提案「{TITLE}」：審査中"),
                format!("【協働 Kyodo】提案「{TITLE}」：修正依頼中"),
                format!("【協働 Kyodo】修正した提案「{TITLE}」を受け付けました"),
                format!("【協働 Kyodo】提案「{TITLE}」：採択"),
            ],
            "a confirmation of each submission, one email per step of the city"
        );
        assert!(mails[0].text.contains("受付日時："), "{}", mails[0].text);
        assert!(
            mails[1].text.contains("審査が始まりました。"),
            "{}",
            mails[1].text
        );
        assert!(mails[2].text.contains(REVISION), "{}", mails[2].text);
        assert!(
            mails[2].text.contains("再提出してください"),
            "{}",
            mails[2].text
        );
        assert!(mails[4].text.contains(REASON), "{}", mails[4].text);
        for mail in &mails {
            assert!(mail.text.starts_with("本庄花子 様"), "{}", mail.text);
            assert!(
                mail.header("List-Unsubscribe").is_some(),
                "{:?}",
                mail.headers
            );
            assert!(mail.html.contains("<html lang=\"ja\">"), "{}", mail.html);
            let link = mail
                .links()
                .into_iter()
                .find(|l| l.contains("/proposals/"))
                .unwrap_or_else(|| panic!("a link to the proposal in {}", mail.text));
            assert_eq!(link, app.url(&page));
            // The same page again: its ETag answers 304, and the browser must show its copy.
            browser.goto(&link).await.unwrap();
            if let Err(e) = browser.wait_for_text("h1", TITLE).await {
                let body = browser.text("body").await.unwrap_or_default();
                panic!("{link} from the email: {e}\n{body}");
            }
        }
        // The department heard of the submission.
        let reviewer_mail: Vec<ReceivedMail> = sink
            .messages()
            .into_iter()
            .filter(|m| m.to == REVIEWER && m.subject.contains(TITLE))
            .collect();
        assert_eq!(reviewer_mail.len(), 1, "{reviewer_mail:?}");
        assert!(reviewer_mail[0].links().contains(&app.url(&staff_page)));

        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
