//! Comments on a measure's page over HTTP: residents and organisations, one level of replies,
//! the city's answer and its email, reports with a reason, moderation that never deletes (and
//! its email), pre-moderation, keyset pages walked end to end, comment text rendered inert, and
//! in headless Chromium a comment posted and the pages checked with axe.

use crate::support::browser::{sign_in_as, sign_out, Browser};
use crate::support::db::count;
use crate::support::mail::link_in_outbox;
use crate::support::people::{
    account_id, log_in, organisation, resident, responsible, sign_up, staff_member, DEPARTMENT,
};
use crate::support::proposals::submitted;
use crate::support::{run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;
use std::collections::HashSet;

pub const TESTS: &[(&str, fn())] = &[
    (
        "comments::residents_and_organisations_comment_on_a_measure",
        residents_and_organisations_comment_on_a_measure,
    ),
    (
        "comments::staff_replies_are_the_city_answer_and_emailed",
        staff_replies_are_the_city_answer_and_emailed,
    ),
    (
        "comments::reports_and_moderation_never_delete",
        reports_and_moderation_never_delete,
    ),
    (
        "comments::premoderation_holds_comments_until_approved",
        premoderation_holds_comments_until_approved,
    ),
    (
        "comments::keyset_pages_show_every_comment_once",
        keyset_pages_show_every_comment_once,
    ),
    (
        "comments::proposal_comments_are_paged_too",
        proposal_comments_are_paged_too,
    ),
    (
        "comments::comment_text_is_rendered_inert_on_measures",
        comment_text_is_rendered_inert_on_measures,
    ),
    (
        "comments::empty_and_too_long_comments_keep_the_text",
        empty_and_too_long_comments_keep_the_text,
    ),
    (
        "comments::the_demo_has_measure_comments",
        the_demo_has_measure_comments,
    ),
    (
        "comments::browser_comment_on_a_measure_and_moderate",
        browser_comment_on_a_measure_and_moderate,
    ),
];

const MEASURE: &str = "/measures/5-1";

/// Posts a comment (a reply when `parent` is given, as an organisation when `org` is) from
/// the measure's page.
async fn comment(
    visitor: &Visitor,
    body: &str,
    parent: Option<&str>,
    org: Option<&str>,
) -> reqwest::Response {
    let mut fields = vec![("body", body)];
    if let Some(parent) = parent {
        fields.push(("parent", parent));
    }
    if let Some(org) = org {
        fields.push(("organisation", org));
    }
    visitor
        .submit(MEASURE, &format!("{MEASURE}/comments"), &fields)
        .await
}

fn comment_id(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "comment posted");
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(MEASURE), "{location}");
    location.split("#comment-").nth(1).unwrap().to_owned()
}

async fn report(visitor: &Visitor, id: &str, reason: &str) -> reqwest::Response {
    visitor
        .submit(
            MEASURE,
            &format!("/comments/{id}/report"),
            &[("category", "other"), ("reason", reason)],
        )
        .await
}

async fn moderate(visitor: &Visitor, id: &str, what: &str, reason: &str) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = if what == "hide" {
        vec![("reason", reason)]
    } else {
        vec![]
    };
    visitor
        .submit("/staff", &format!("/staff/moderation/{id}/{what}"), &fields)
        .await
}

/// The moderator of the measure's department.
async fn department_moderator(app: &TestApp) -> Visitor {
    staff_member(
        app,
        "moderator@example.jp",
        "管理 役子",
        &[("moderator", Some(DEPARTMENT))],
    )
    .await
}

/// A moderator of another department (道路課): no say over the measure's comments.
async fn roads_moderator(app: &TestApp) -> Visitor {
    staff_member(
        app,
        "roads@example.jp",
        "道路 管理",
        &[("moderator", Some("道路課"))],
    )
    .await
}

fn emails(app: &TestApp, to: &str, subject_like: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM outbox WHERE to_address = '{to}' AND subject LIKE '%{subject_like}%' AND unsubscribe_url LIKE '%/unsubscribe?token=%'"),
    )
}

fn residents_and_organisations_comment_on_a_measure() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let org = organisation(&app, "taro@example.jp", "駅北口自治会");
        let top = comment_id(&comment(&taro, "防災訓練に参加したいです。", None, None).await);
        let as_org =
            comment_id(&comment(&taro, "自治会として協力します。", None, Some(&org)).await);
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let reply = comment_id(&comment(&hanako, "私も参加します！", Some(&top), None).await);
        // Someone else's organisation: refused with a message, the text kept.
        let response = comment(&hanako, "なりすまし", None, Some(&org)).await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("この団体の名義ではコメントできません"),
            "{page}"
        );
        assert!(page.contains(">なりすまし</textarea>"), "text kept");
        // One level of replies.
        let response = comment(&taro, "返信への返信", Some(&reply), None).await;
        assert_eq!(response.status(), 400);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("返信への返信はできません"));
        // Anonymous visitors read everything and are offered to sign in.
        let page = app.page(MEASURE).await;
        for id in [&top, &as_org, &reply] {
            assert!(page.contains(&format!("id=\"comment-{id}\"")), "{id}");
        }
        let text = visible_text(&page);
        for expected in [
            "防災訓練に参加したいです。",
            "駅北口自治会",
            "市が確認済みの団体",
            "私も参加します！",
            "本庄花子",
            "ログインすると、コメントできます",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        // An unverified account is refused with a message, nothing recorded.
        let unverified = app.visitor();
        assert_eq!(
            sign_up(&unverified, "jiro@example.jp", "未確認次郎")
                .await
                .status(),
            200
        );
        let login = log_in(&unverified, "jiro@example.jp").await;
        assert_eq!(login.status(), 303);
        let response = comment(&unverified, "未確認です", None, None).await;
        assert_eq!(response.status(), 403);
        assert!(visible_text(&response.text().await.unwrap())
            .contains("メールアドレスの確認が済んでいません"));
        assert!(visible_text(&unverified.page(MEASURE).await)
            .contains("メールアドレスの確認が済んでから"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 3);
        // Following the measure, twice harmless, and unfollowing.
        for what in ["follow", "follow"] {
            let response = taro
                .submit(MEASURE, &format!("{MEASURE}/{what}"), &[])
                .await;
            assert_eq!(response.status(), 303);
        }
        let follows = "SELECT count(*) AS n FROM measure_follows WHERE measure_code = '5-1'";
        assert_eq!(count(&app, follows), 1);
        assert!(taro.page(MEASURE).await.contains("フォローをやめる"));
        let response = taro
            .submit(MEASURE, &format!("{MEASURE}/unfollow"), &[])
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(count(&app, follows), 0);
    })
}

fn staff_replies_are_the_city_answer_and_emailed() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let top = comment_id(&comment(&taro, "避難所の場所を教えてください。", None, None).await);
        let staff = staff_member(
            &app,
            "staff@example.jp",
            "市民 課子",
            &[("reviewer", Some(DEPARTMENT))],
        )
        .await;
        let other = roads_moderator(&app).await;
        let answer = comment_id(
            &comment(
                &staff,
                "市のホームページの防災マップに載っています。",
                Some(&top),
                None,
            )
            .await,
        );
        let not_answer = comment_id(&comment(&other, "個人的な感想です。", Some(&top), None).await);
        let page = app.page(MEASURE).await;
        let start = page.find(&format!("id=\"comment-{answer}\"")).unwrap();
        let end = page.find(&format!("id=\"comment-{not_answer}\"")).unwrap();
        assert!(
            visible_text(&page[start..end]).contains("市の回答（市民活動推進課）"),
            "{}",
            &page[start..end]
        );
        assert!(!visible_text(&page[end..]).contains("市の回答"));
        assert_eq!(emails(&app, "taro@example.jp", "市が回答しました"), 1);
        let link = link_in_outbox(&app, "taro@example.jp", MEASURE);
        assert_eq!(link, format!("{MEASURE}#comment-{answer}"));
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM comments c JOIN departments d ON d.id = c.answered_as_department WHERE c.id = '{answer}' AND d.name = '{DEPARTMENT}'")
            ),
            1
        );
    })
}

fn reports_and_moderation_never_delete() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let moderator = department_moderator(&app).await;
        let elsewhere = roads_moderator(&app).await;
        let body = "ひどい書き込みZQX 090-1234-5678";
        let id = comment_id(&comment(&taro, body, None, None).await);
        // A note too long: a message, nothing recorded, the comment untouched, the note kept.
        let long = "あ".repeat(1001);
        let response = report(&hanako, &id, &long).await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(page.contains("1000文字以内"), "{page}");
        assert!(page.contains("ひどい書き込みZQX"));
        assert!(page.contains(&long), "the note typed is kept");
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comment_reports"), 0);
        // With a reason: recorded once, the department's moderator emailed.
        for _ in 0..2 {
            let response = report(&hanako, &id, "電話番号が書かれています").await;
            assert_eq!(response.status(), 303);
        }
        assert!(
            visible_text(&hanako.page(&format!("{MEASURE}?reported=1")).await)
                .contains("通報を受け付けました")
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comment_reports"), 1);
        assert_eq!(emails(&app, "moderator@example.jp", "通報"), 1);
        assert_eq!(emails(&app, "roads@example.jp", "通報"), 0);
        // The queue shows it to the department's moderator only.
        assert!(moderator
            .page("/staff")
            .await
            .contains("href=\"/staff/moderation\""));
        let queue = visible_text(&moderator.page("/staff/moderation").await);
        assert!(
            queue.contains("ひどい書き込みZQX") && queue.contains("電話番号が書かれています"),
            "{queue}"
        );
        assert!(
            !visible_text(&elsewhere.page("/staff/moderation").await).contains("ひどい書き込みZQX")
        );
        // Another department's moderator and a resident cannot hide it.
        assert_eq!(
            moderate(&elsewhere, &id, "hide", "理由").await.status(),
            403
        );
        assert_eq!(
            hanako
                .submit(
                    MEASURE,
                    &format!("/staff/moderation/{id}/hide"),
                    &[("reason", "x")]
                )
                .await
                .status(),
            403
        );
        // Hiding needs a reason.
        let response = moderate(&moderator, &id, "hide", "").await;
        assert_eq!(response.status(), 400);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("理由を入力してください。"));
        let reason = "個人の電話番号を含むため";
        assert_eq!(
            moderate(&moderator, &id, "hide", reason).await.status(),
            303
        );
        let page = app.page(MEASURE).await;
        assert!(!page.contains("ひどい書き込みZQX"));
        assert!(visible_text(&page)
            .contains(&format!("この投稿は非表示になりました（理由：{reason}）")));
        // Never deleted: the row and its text remain; the report is resolved; audited.
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM comments WHERE id = '{id}' AND body = '{body}' AND hidden_reason = '{reason}'")
            ),
            1
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comment_reports WHERE outcome = 'hidden' AND resolved_at IS NOT NULL"), 1);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'comment.hide' AND record_id = '{id}'")), 1);
        assert_eq!(emails(&app, "taro@example.jp", "非表示"), 1);
        let mail = count(
            &app,
            &format!("SELECT count(*) AS n FROM outbox WHERE to_address = 'taro@example.jp' AND text_body LIKE '%{reason}%'"),
        );
        assert_eq!(mail, 1, "the reason is in the email");
        // Restored: the text is back.
        assert_eq!(moderate(&moderator, &id, "restore", "").await.status(), 303);
        assert!(app.page(MEASURE).await.contains("ひどい書き込みZQX"));
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'comment.restore' AND record_id = '{id}'")), 1);
        // A dismissed report leaves the comment as it is.
        let jiro = app.visitor();
        resident(&app, &jiro, "jiro@example.jp", "本庄次郎").await;
        let response = report(&jiro, &id, "やはり不適切です").await;
        assert_eq!(response.status(), 303);
        assert_eq!(moderate(&moderator, &id, "dismiss", "").await.status(), 303);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM comment_reports WHERE outcome = 'dismissed'"
            ),
            1
        );
        assert!(app.page(MEASURE).await.contains("ひどい書き込みZQX"));
    })
}

fn premoderation_holds_comments_until_approved() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let moderator = department_moderator(&app).await;
        let response = moderator
            .submit(
                "/staff/moderation",
                "/staff/moderation/premoderation",
                &[("measure", "5-1"), ("on", "1")],
            )
            .await;
        assert_eq!(response.status(), 303);
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        assert!(visible_text(&taro.page(MEASURE).await).contains("承認後に公開されます"));
        let id = comment_id(&comment(&taro, "承認を待つコメントQWV", None, None).await);
        let own = visible_text(&taro.page(MEASURE).await);
        assert!(
            own.contains("承認を待つコメントQWV") && own.contains("承認待ち"),
            "{own}"
        );
        assert!(!app.page(MEASURE).await.contains("承認を待つコメントQWV"));
        assert!(visible_text(&moderator.page("/staff/moderation").await)
            .contains("承認を待つコメントQWV"));
        assert_eq!(moderate(&moderator, &id, "approve", "").await.status(), 303);
        let page = visible_text(&app.page(MEASURE).await);
        assert!(page.contains("承認を待つコメントQWV") && !page.contains("承認待ち"));
        // Off again: new comments are public at once.
        let response = moderator
            .submit(
                "/staff/moderation",
                "/staff/moderation/premoderation",
                &[("measure", "5-1"), ("on", "0")],
            )
            .await;
        assert_eq!(response.status(), 303);
        comment_id(&comment(&taro, "すぐ公開されるコメント", None, None).await);
        assert!(app.page(MEASURE).await.contains("すぐ公開されるコメント"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'comment.premoderation_%'"
            ),
            2
        );
    })
}

fn keyset_pages_show_every_comment_once() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let author = account_id(&app, "taro@example.jp");
        // 130 top-level comments, ten at a time sharing a timestamp (the id breaks the tie),
        // and a reply to each of the first 60.
        diesel::sql_query(format!(
            "INSERT INTO comments (id, subject_type, subject_id, author_id, body, created_at)
             SELECT gen_random_uuid(), 'measure', '5-1', '{author}', 'TOP-' || n || '-END',
                    timestamptz '2026-01-01 00:00:00+09' + (n / 10) * interval '1 minute'
             FROM generate_series(1, 130) n"
        ))
        .execute(&mut app.db())
        .unwrap();
        diesel::sql_query(format!(
            "INSERT INTO comments (id, subject_type, subject_id, author_id, parent_id, body)
             SELECT gen_random_uuid(), 'measure', '5-1', '{author}', id, 'REPLY-' || substr(body, 5)
             FROM comments WHERE body ~ '^TOP-([1-9]|[1-5][0-9]|60)-END$'"
        ))
        .execute(&mut app.db())
        .unwrap();
        let mut seen: Vec<String> = Vec::new();
        let mut replies = 0;
        let mut path = MEASURE.to_owned();
        let mut pages = 0;
        loop {
            pages += 1;
            // Handlebars writes `=` in attributes as `&#x3D;`.
            let page = app.page(&path).await.replace("&#x3D;", "=");
            let tops: Vec<String> = page
                .split("TOP-")
                .skip(1)
                .map(|rest| rest.split("-END").next().unwrap().to_owned())
                .collect();
            assert!(tops.len() <= 50, "a page shows at most 50");
            replies += page.matches("REPLY-").count();
            seen.extend(tops);
            match page.split("href=\"/measures/5-1?after=").nth(1) {
                Some(rest) => {
                    let cursor = rest.split('#').next().unwrap();
                    path = format!("{MEASURE}?after={cursor}");
                }
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 130, "{seen:?}");
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), 130, "every comment exactly once");
        // Oldest first; within a minute the order is by id, the same on every visit.
        let minutes: Vec<u32> = seen
            .iter()
            .map(|n| n.parse::<u32>().unwrap() / 10)
            .collect();
        assert!(minutes.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(replies, 60, "replies come with their comment");
        let again = app.page(MEASURE).await;
        let first: Vec<&str> = again.split("TOP-").skip(1).take(50).collect();
        assert!(first[0].starts_with(&format!("{}-END", seen[0])));
        // A malformed cursor is said, as on the other lists.
        let garbage = app.get(&format!("{MEASURE}?after=garbage")).await;
        assert_eq!(garbage.status(), 400);
        assert!(garbage.text().await.unwrap().contains("（after）"));
    })
}

fn proposal_comments_are_paged_too() {
    run(async {
        let app = TestApp::start().await;
        let (_, id) = submitted(&app).await;
        let author = account_id(&app, "hanako@example.jp");
        diesel::sql_query(format!(
            "INSERT INTO comments (id, subject_type, subject_id, author_id, body, created_at)
             SELECT gen_random_uuid(), 'proposal', '{id}', '{author}', 'P-' || n || '-END',
                    now() - (100 - n) * interval '1 minute'
             FROM generate_series(1, 55) n"
        ))
        .execute(&mut app.db())
        .unwrap();
        let path = format!("/proposals/{id}");
        let first = app.page(&path).await.replace("&#x3D;", "=");
        assert!(first.contains("P-1-END") && first.contains("P-50-END"));
        assert!(!first.contains("P-51-END"));
        assert!(
            visible_text(&first).contains("コメント 55件"),
            "the count is of all"
        );
        let next = first
            .split(&format!("href=\"{path}?after="))
            .nth(1)
            .expect("a link to the next comments")
            .split('#')
            .next()
            .unwrap()
            .to_owned();
        let second = app.page(&format!("{path}?after={next}")).await;
        assert!(second.contains("P-51-END") && second.contains("P-55-END"));
        assert!(!second.contains("P-50-END"));
        assert!(visible_text(&second).contains("最初のコメントに戻る"));
        assert!(!second.contains("次のコメントを見る"));
    })
}

fn comment_text_is_rendered_inert_on_measures() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let corpus = [
            "<script>alert('xss')</script>",
            "\"><img src=x onerror=alert(1)>",
            "javascript:alert(1)",
            "<a href=\"javascript:alert(1)\">click</a>",
            "&lt;b&gt;エンティティ&lt;/b&gt;",
            "\u{202E}txt.exe 右から左",
            "https://example.org/\"onmouseover=\"alert(1)",
            "詳しくは https://www.city.honjo.lg.jp/ を見てください",
        ];
        for body in corpus {
            comment_id(&comment(&taro, body, None, None).await);
        }
        let page = app.page(MEASURE).await;
        let start = page.find("<ol class=\"comment-list\">").unwrap();
        let end = start + page[start..].find("</ol>\n").unwrap();
        let comments = &page[start..end].to_lowercase();
        for bad in [
            "<script",
            "<img",
            "href=\"javascript",
            "\"onmouseover",
            "<b>",
        ] {
            assert!(!comments.contains(bad), "{bad} in {comments}");
        }
        assert!(
            comments.contains("&amp;lt;b&amp;gt;"),
            "entities shown as typed"
        );
        assert!(comments
            .contains("<a rel=\"nofollow ugc noopener\" href=\"https://www.city.honjo.lg.jp/\">"));
        let text = visible_text(&page);
        for body in [
            "<script>alert('xss')</script>",
            "<img src=x onerror=alert(1)>",
            "&lt;b&gt;エンティティ&lt;/b&gt;",
            "\u{202E}txt.exe",
        ] {
            assert!(text.contains(body), "{body} shown as text");
        }
    })
}

fn empty_and_too_long_comments_keep_the_text() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let response = comment(&taro, "  \n ", None, None).await;
        assert_eq!(response.status(), 400);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("コメントを入力してください。"));
        let long = "い".repeat(2001);
        let response = comment(&taro, &long, None, None).await;
        assert_eq!(response.status(), 400);
        let page = response.text().await.unwrap();
        assert!(page.contains("2000文字以内"), "{page}");
        assert!(page.contains(&format!(">{long}</textarea>")), "text kept");
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 0);
    })
}

fn browser_comment_on_a_measure_and_moderate() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        let moderator = department_moderator(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let org = organisation(&app, "taro@example.jp", "駅北口自治会");
        let top = comment_id(&comment(&taro, "団体として参加します。", None, Some(&org)).await);
        comment_id(&comment(&moderator, "ありがとうございます。", Some(&top), None).await);
        let reported = comment_id(&comment(&taro, "通報される投稿", None, None).await);
        assert_eq!(report(&taro, &reported, "宣伝です").await.status(), 303);
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        sign_in_as(&browser, &app, "hanako@example.jp").await;
        browser.goto(&app.url(MEASURE)).await.unwrap();
        browser
            .fill("#comment-body", "ブラウザから投稿したコメントです。")
            .await
            .unwrap();
        browser
            .click("form.comment-form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("#comments", "ブラウザから投稿したコメントです。")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("measure-comments").await {
            failures.push(e);
        }
        sign_out(&browser).await;
        sign_in_as(&browser, &app, "moderator@example.jp").await;
        browser.goto(&app.url("/staff/moderation")).await.unwrap();
        browser
            .wait_for_text("main", "通報される投稿")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-moderation").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

fn the_demo_has_measure_comments() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let text = visible_text(&app.page(MEASURE).await);
        for expected in [
            "市の回答（市民活動推進課）",
            "本庄駅南自治会",
            "この投稿は非表示になりました（理由：営利目的の宣伝のため（利用規約第5条））",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert!(!text.contains("格安で外壁塗装"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM comment_reports WHERE resolved_at IS NULL"
            ),
            1,
            "one report waits in the queue"
        );
    })
}
