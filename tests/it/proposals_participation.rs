//! Supports, follows and comments on a public proposal over HTTP: one support per account,
//! verified accounts only, CSRF on every button, the follower's email on a decision, one level
//! of replies, comment text rendered inert, hidden comments shown as a notice.

use crate::support::db::count;
use crate::support::mail::link_in_outbox;
use crate::support::people::{department, log_in, resident, sign_up, staff_member};
use crate::support::proposals::{comment, draft, submitted};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_participation::supports_are_one_per_account_and_withdrawn",
        supports_are_one_per_account_and_withdrawn,
    ),
    (
        "proposals_participation::unverified_and_csrf_less_posts_are_refused",
        unverified_and_csrf_less_posts_are_refused,
    ),
    (
        "proposals_participation::a_follower_is_emailed_on_adoption",
        a_follower_is_emailed_on_adoption,
    ),
    (
        "proposals_participation::comments_replies_and_their_limits",
        comments_replies_and_their_limits,
    ),
    (
        "proposals_participation::comment_text_is_rendered_inert",
        comment_text_is_rendered_inert,
    ),
    (
        "proposals_participation::a_hidden_comment_shows_the_notice_only",
        a_hidden_comment_shows_the_notice_only,
    ),
];

async fn button(visitor: &Visitor, id: &str, what: &str) -> reqwest::Response {
    visitor
        .submit(
            &format!("/proposals/{id}"),
            &format!("/proposals/{id}/{what}"),
            &[],
        )
        .await
}

fn comment_id(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "comment posted");
    let location = response.headers()["location"].to_str().unwrap();
    location.split("#comment-").nth(1).unwrap().to_owned()
}

fn supports(app: &TestApp, id: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM proposal_supports WHERE proposal_id = '{id}'"),
    )
}

fn supports_are_one_per_account_and_withdrawn() {
    run(async {
        let app = TestApp::start().await;
        let (_, id) = submitted(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        assert_eq!(button(&taro, &id, "support").await.status(), 303);
        assert_eq!(button(&taro, &id, "support").await.status(), 303);
        assert_eq!(supports(&app, &id), 1, "a second support does not count");
        let page = visible_text(&app.page(&format!("/proposals/{id}")).await);
        assert!(page.contains("賛同 1人"), "{page}");
        let api = app.json(&format!("/api/v1/proposals/{id}")).await;
        assert_eq!(api["supports"], 1);
        assert_eq!(api["comments"], 0);
        let list = app.json("/api/v1/proposals").await;
        assert_eq!(list["proposals"][0]["supports"], 1);
        // The button now withdraws; withdrawing twice is harmless.
        assert!(taro
            .page(&format!("/proposals/{id}"))
            .await
            .contains("賛同を取り消す"));
        assert_eq!(button(&taro, &id, "unsupport").await.status(), 303);
        assert_eq!(button(&taro, &id, "unsupport").await.status(), 303);
        assert_eq!(supports(&app, &id), 0);
    })
}

fn unverified_and_csrf_less_posts_are_refused() {
    run(async {
        let app = TestApp::start().await;
        let (hanako, id) = submitted(&app).await;
        let unverified = app.visitor();
        assert_eq!(
            sign_up(&unverified, "jiro@example.jp", "未確認次郎")
                .await
                .status(),
            200
        );
        let login = log_in(&unverified, "jiro@example.jp").await;
        assert_eq!(login.status(), 303, "signed in, unverified");
        for what in ["support", "follow"] {
            assert_eq!(button(&unverified, &id, what).await.status(), 403, "{what}");
        }
        assert_eq!(
            comment(&unverified, &id, "こんにちは", None).await.status(),
            403
        );
        // No token: refused, nothing recorded.
        for what in ["support", "follow", "comments"] {
            let response = hanako
                .post(&format!("/proposals/{id}/{what}"), &[("body", "x")])
                .await;
            assert_eq!(response.status(), 403, "{what} without CSRF");
        }
        assert_eq!(supports(&app, &id), 0);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 0);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposal_follows"), 0);
        // A draft cannot be supported (it is missing to everybody but its author).
        let other = draft(&hanako, "別の下書き", "5-1").await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let response = taro
            .submit(
                &format!("/proposals/{id}"),
                &format!("/proposals/{other}/support"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 404);
    })
}

fn a_follower_is_emailed_on_adoption() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "市民活動推進課");
        diesel::sql_query(format!(
            "INSERT INTO measure_departments (measure_code, department_id) VALUES ('5-1', {dept})"
        ))
        .execute(&mut app.db())
        .unwrap();
        let reviewer = staff_member(
            &app,
            "reviewer@example.jp",
            "審査 一郎",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let (_, id) = submitted(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        assert_eq!(button(&taro, &id, "follow").await.status(), 303);
        assert_eq!(button(&taro, &id, "follow").await.status(), 303);
        assert!(taro
            .page(&format!("/proposals/{id}"))
            .await
            .contains("フォローをやめる"));
        let to_taro = "SELECT count(*) AS n FROM outbox WHERE to_address = 'taro@example.jp'";
        let before = count(&app, to_taro);
        for (action, reason) in [
            ("start_review", ""),
            ("adopt", "地域の課題に合い、効果が見込めるため採択します。"),
        ] {
            let staff_page = reviewer.page(&format!("/staff/proposals/{id}")).await;
            let marker = "name=\"version\" value=\"";
            let start = staff_page.find(marker).unwrap() + marker.len();
            let version = staff_page[start..].split('"').next().unwrap().to_owned();
            let csrf = csrf_of(&staff_page);
            let response = reviewer
                .client
                .post(reviewer.url(&format!("/staff/proposals/{id}/transition")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("version", version.as_str()),
                    ("action", action),
                    ("reason", reason),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303, "{action}");
            if action == "start_review" {
                assert_eq!(
                    count(&app, to_taro),
                    before,
                    "followers hear of decisions only"
                );
            }
        }
        assert_eq!(
            count(&app, to_taro),
            before + 1,
            "the follower is emailed once"
        );
        let link = link_in_outbox(&app, "taro@example.jp", "/proposals/");
        assert_eq!(link, format!("/proposals/{id}"));
    })
}

fn comments_replies_and_their_limits() {
    run(async {
        let app = TestApp::start().await;
        let (hanako, id) = submitted(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let emails_to_hanako =
            "SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp'";
        let before = count(&app, emails_to_hanako);
        let top =
            comment_id(&comment(&taro, &id, "ぜひ参加したいです。\n子どもも一緒に。", None).await);
        assert_eq!(
            count(&app, emails_to_hanako),
            before + 1,
            "the proposer hears of it"
        );
        let link = link_in_outbox(&app, "hanako@example.jp", "/proposals/");
        assert_eq!(link, format!("/proposals/{id}#comment-{top}"));
        // The proposer replies: no email to herself.
        let reply = comment_id(&comment(&hanako, &id, "ありがとうございます！", Some(&top)).await);
        assert_eq!(count(&app, emails_to_hanako), before + 1);
        let page = app.page(&format!("/proposals/{id}")).await;
        assert!(
            page.contains("ぜひ参加したいです。<br>"),
            "line breaks kept"
        );
        assert!(page.contains(&format!("id=\"comment-{reply}\"")));
        let text = visible_text(&page);
        assert!(
            text.contains("児玉太郎") && text.contains("本庄花子"),
            "{text}"
        );
        assert!(text.contains("コメント 2件"), "{text}");
        // A reply to a reply is refused with a message, the text kept.
        let response = comment(&taro, &id, "返信への返信です", Some(&reply)).await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(page.contains("返信への返信はできません"), "{page}");
        assert!(page.contains(">返信への返信です</textarea>"), "text kept");
        // Empty and too long.
        let response = comment(&taro, &id, "   ", None).await;
        assert_eq!(response.status(), 400);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("コメントを入力してください。"));
        let long = "あ".repeat(2001);
        let response = comment(&taro, &id, &long, None).await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(page.contains("2000文字以内"), "{page}");
        assert!(page.contains(&long), "text kept");
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 2);
        let api = app.json(&format!("/api/v1/proposals/{id}")).await;
        assert_eq!(api["comments"], 2);
    })
}

fn comment_text_is_rendered_inert() {
    run(async {
        let app = TestApp::start().await;
        let (_, id) = submitted(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let corpus = [
            "<script>alert('xss')</script>",
            "<img src=x onerror=alert(1)>",
            "javascript:alert(1)",
            "<a href=\"javascript:alert(1)\">click</a>",
            "https://example.org/\"onmouseover=\"alert(1)",
            "https://example.org/'onmouseover='alert(1)",
            "http://\"><svg/onload=alert(1)>",
            "詳しくは https://www.city.honjo.lg.jp/ を見てください",
        ];
        for body in corpus {
            assert_eq!(
                comment(&taro, &id, body, None).await.status(),
                303,
                "{body}"
            );
        }
        let page = app.page(&format!("/proposals/{id}")).await;
        let start = page
            .find("<ol class=\"comment-list\">")
            .expect("comments listed");
        let end = start + page[start..].find("</ol>\n").unwrap();
        let comments = &page[start..end];
        let lower = comments.to_lowercase();
        assert!(!lower.contains("<script"), "{comments}");
        assert!(!lower.contains("<img"), "{comments}");
        assert!(!lower.contains("<svg"), "{comments}");
        assert!(!lower.contains("href=\"javascript"), "{comments}");
        assert!(!lower.contains("\"onmouseover"), "{comments}");
        assert!(!lower.contains("'onmouseover"), "{comments}");
        // Every tag in the comments is one the page writes: no attribute came from a comment.
        for tag in comments.split('<').skip(1) {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            assert!(
                [
                    "li",
                    "/li",
                    "p",
                    "/p",
                    "span",
                    "/span",
                    "time",
                    "/time",
                    "a",
                    "/a",
                    "br",
                    "ol",
                    "details",
                    "/details",
                    "summary",
                    "/summary",
                    "form",
                    "/form",
                    "input",
                    "label",
                    "/label",
                    "textarea",
                    "/textarea",
                    "button",
                    "/button",
                    "div",
                    "/div"
                ]
                .contains(&name.as_str()),
                "<{tag}"
            );
            if name == "a" {
                assert!(
                    tag.starts_with("a rel=\"nofollow ugc noopener\" href=\"https://")
                        || tag.starts_with("a href=\"/"),
                    "<{tag}"
                );
            }
        }
        assert!(comments
            .contains("<a rel=\"nofollow ugc noopener\" href=\"https://www.city.honjo.lg.jp/\">"));
        let text = visible_text(&page);
        assert!(
            text.contains("<script>alert('xss')</script>"),
            "shown as text"
        );
    })
}

fn a_hidden_comment_shows_the_notice_only() {
    run(async {
        let app = TestApp::start().await;
        let (_, id) = submitted(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let hidden = comment_id(&comment(&taro, &id, "ひみつの本文ZQX", None).await);
        diesel::sql_query(format!(
            "UPDATE comments SET hidden_at = now(), hidden_reason = '個人情報を含むため'
             WHERE id = '{hidden}'"
        ))
        .execute(&mut app.db())
        .unwrap();
        let page = app.page(&format!("/proposals/{id}")).await;
        assert!(!page.contains("ひみつの本文ZQX"));
        assert!(
            visible_text(&page)
                .contains("この投稿は非表示になりました（理由：個人情報を含むため）"),
            "{page}"
        );
        let api = app.json(&format!("/api/v1/proposals/{id}")).await;
        assert_eq!(api["comments"], 0, "hidden comments are not counted");
    })
}
