//! Notifications per kind (お知らせ), digests (まとめメール) and the inbox: a daily digest with the
//! clock moved across two days (one email, grouped by proposal and measure, none empty, the
//! next day's only the new events), two digest runners at once sending each digest once, never
//! meaning the inbox only while security emails stay immediate, the inbox read / unread, the
//! settings form keeping its choices, and in Chromium, axe and the Nu checker on both pages.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::consultations::jst;
use crate::support::db::{count, text};
use crate::support::meetings::account;
use crate::support::people::{account_id, resident};
use crate::support::proposals::draft;
use crate::support::{run, visible_text, TestApp, Visitor};
use chrono::{DateTime, Datelike, Duration, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use kyodo::auth::accounts::notify_account;
use kyodo::notify::digest;
use serde_json::json;
use uuid::Uuid;

pub const TESTS: &[(&str, fn())] = &[
    (
        "notifications_digests::a_daily_digest_groups_what_happened_once_a_day",
        a_daily_digest_groups_what_happened_once_a_day,
    ),
    (
        "notifications_digests::two_runners_send_each_digest_exactly_once",
        two_runners_send_each_digest_exactly_once,
    ),
    (
        "notifications_digests::never_is_the_inbox_only_and_security_stays_immediate",
        never_is_the_inbox_only_and_security_stays_immediate,
    ),
    (
        "notifications_digests::the_inbox_lists_newest_first_and_marks_read",
        the_inbox_lists_newest_first_and_marks_read,
    ),
    (
        "notifications_digests::the_settings_form_keeps_choices_and_says_what_to_fix",
        the_settings_form_keeps_choices_and_says_what_to_fix,
    ),
    (
        "notifications_digests::the_pages_pass_axe_and_the_nu_checker",
        the_pages_pass_axe_and_the_nu_checker,
    ),
];

const TARO: &str = "taro@example.jp";

/// The first 07:00 in Tokyo after `after`: the digests' default hour.
fn next_seven(after: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = after.with_timezone(&kyodo::wareki::jst()).date_naive();
    loop {
        let at = jst(day.year(), day.month(), day.day(), 7, 0, 0);
        if at > after {
            return at;
        }
        day = day.succ_opt().unwrap();
    }
}

fn digests_at(app: &TestApp, at: DateTime<Utc>) -> usize {
    digest::send_due(&mut app.db(), at, &app.url(""), 7).unwrap()
}

/// Chooses on the account page how each kind arrives.
async fn choose(visitor: &Visitor, choices: &[(&str, &str)]) {
    let saved = visitor
        .submit("/account", "/account/notifications", choices)
        .await;
    assert_eq!(saved.status(), 303, "the choices are saved");
}

fn uuid(app: &TestApp, email: &str) -> Uuid {
    account_id(app, email).parse().unwrap()
}

/// A new comment on proposal `id` titled `title`, for `to`.
fn commented(app: &TestApp, to: Uuid, id: &str, title: &str, excerpt: &str) {
    let link = app.url(&format!("/proposals/{id}"));
    notify_account(
        &mut app.db(),
        &app.url(""),
        to,
        "proposal_comment",
        |_| json!({ "title": title, "link": link, "commenter": "本庄花子", "excerpt": excerpt }),
    )
    .unwrap();
}

/// The city answered `to`'s comment on measure `code`.
fn answered(app: &TestApp, to: Uuid, code: &str) {
    let link = app.url(&format!("/measures/{code}"));
    notify_account(&mut app.db(), &app.url(""), to, "comment_answered", |_| {
        json!({ "title": format!("施策 {code}"), "link": link, "department": "企画課", "excerpt": "ご意見ありがとうございます" })
    })
    .unwrap();
}

/// Organisation `name` of `to` was verified.
fn verified(app: &TestApp, to: Uuid, name: &str) {
    let link = app.url("/organisations/mine");
    notify_account(
        &mut app.db(),
        &app.url(""),
        to,
        "org_verified",
        |_| json!({ "organisation": name, "link": link }),
    )
    .unwrap();
}

/// A consultation opened on a measure `to` follows.
fn opened(app: &TestApp, to: Uuid, title: &str) {
    let link = app.url("/consultations/9");
    notify_account(
        &mut app.db(),
        &app.url(""),
        to,
        "consultation_opened",
        |_| json!({ "title": title, "link": link, "closes": "令和9年1月31日" }),
    )
    .unwrap();
}

fn outbox_to(app: &TestApp, to: &str, subject_like: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT count(*) AS n FROM outbox WHERE to_address = '{to}' AND subject LIKE '%{subject_like}%'"
        ),
    )
}

fn a_daily_digest_groups_what_happened_once_a_day() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let proposal = draft(&hanako, "駅前の花壇づくり", "5-1").await;
        let taro = app.visitor();
        resident(&app, &taro, TARO, "本庄太郎").await;
        choose(
            &taro,
            &[
                ("proposals", "daily"),
                ("comments", "daily"),
                ("consultations", "immediate"),
                ("organisation", "never"),
                ("staff", "weekly"),
            ],
        )
        .await;
        // Someone with a daily digest and nothing that happened: never an empty digest.
        let quiet = app.visitor();
        resident(&app, &quiet, "quiet@example.jp", "静か").await;
        choose(
            &quiet,
            &[
                ("proposals", "daily"),
                ("comments", "daily"),
                ("consultations", "daily"),
                ("organisation", "daily"),
                ("staff", "daily"),
            ],
        )
        .await;
        let to = uuid(&app, TARO);
        commented(&app, to, &proposal, "駅前の花壇づくり", "一つ目");
        answered(&app, to, "6-1");
        commented(&app, to, &proposal, "駅前の花壇づくり", "二つ目");
        opened(&app, to, "協働推進指針（案）");
        verified(&app, to, "本庄ボランティアの会");

        // At once only what was asked at once; the rest waits (or is the inbox only).
        assert_eq!(outbox_to(&app, TARO, "意見募集が始まりました"), 1);
        assert_eq!(outbox_to(&app, TARO, "新しいコメント"), 0);
        assert_eq!(outbox_to(&app, TARO, "回答しました"), 0);
        assert_eq!(outbox_to(&app, TARO, "確認が完了"), 0);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM notifications WHERE account_id = '{to}'")
            ),
            5
        );

        let seven = next_seven(Utc::now());
        assert_eq!(
            digests_at(&app, seven - Duration::minutes(1)),
            0,
            "not before 07:00"
        );
        assert_eq!(
            digests_at(&app, seven + Duration::minutes(5)),
            1,
            "one digest"
        );
        assert_eq!(
            digests_at(&app, seven + Duration::hours(3)),
            0,
            "once a day"
        );
        assert_eq!(outbox_to(&app, TARO, "まとめ"), 1);
        assert_eq!(
            outbox_to(&app, "quiet@example.jp", "まとめ"),
            0,
            "nothing empty"
        );
        let body = text(
            &app,
            &format!("SELECT text_body FROM outbox WHERE to_address = '{TARO}' AND subject LIKE '%まとめ%'"),
        );
        let subject = text(
            &app,
            &format!("SELECT subject FROM outbox WHERE to_address = '{TARO}' AND subject LIKE '%まとめ%'"),
        );
        assert!(subject.contains("3件"), "{subject}");
        let on_proposal = body.find("■ 提案「駅前の花壇づくり」").expect(&body);
        let on_measure = body.find("■ 施策 6-1").expect(&body);
        assert!(on_proposal < on_measure, "proposals first: {body}");
        assert_eq!(
            body.matches("提案「駅前の花壇づくり」に新しいコメント")
                .count(),
            2,
            "{body}"
        );
        assert!(
            body.contains("あなたのコメントに市が回答しました"),
            "{body}"
        );
        assert!(
            !body.contains("意見募集") && !body.contains("本庄ボランティアの会"),
            "{body}"
        );
        assert!(body.contains(&app.url("/account/notifications")), "{body}");
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM outbox WHERE to_address = '{TARO}' AND subject LIKE '%まとめ%' AND unsubscribe_url LIKE '%/unsubscribe?token=%'")),
            1,
            "the digest has its one-click unsubscribe"
        );

        // The next day: only what happened since.
        answered(&app, to, "5-1");
        assert_eq!(
            digests_at(&app, seven + Duration::hours(23)),
            0,
            "not before the next 07:00"
        );
        assert_eq!(
            digests_at(&app, seven + Duration::days(1) + Duration::minutes(1)),
            1
        );
        assert_eq!(outbox_to(&app, TARO, "まとめ"), 2);
        let second = text(
            &app,
            &format!("SELECT text_body FROM outbox WHERE to_address = '{TARO}' AND subject LIKE '%まとめ%' ORDER BY id DESC LIMIT 1"),
        );
        assert!(second.contains("■ 施策 5-1"), "{second}");
        assert!(
            !second.contains("提案「駅前の花壇づくり」") && !second.contains("6-1"),
            "{second}"
        );
        assert_eq!(
            digests_at(&app, seven + Duration::days(2) + Duration::minutes(1)),
            0,
            "nothing new"
        );
        assert_eq!(outbox_to(&app, "quiet@example.jp", "まとめ"), 0);
    })
}

fn two_runners_send_each_digest_exactly_once() {
    run(async {
        let app = TestApp::start().await;
        let people: Vec<Uuid> = (0..8)
            .map(|i| account(&app, &format!("p{i}@example.jp"), &format!("住民{i}")))
            .collect();
        for person in &people {
            diesel::sql_query(format!(
                "INSERT INTO notification_preferences (account_id, kind, delivery) VALUES ('{person}', 'organisation', 'daily')"
            ))
            .execute(&mut app.db())
            .unwrap();
            verified(&app, *person, "一の会");
            verified(&app, *person, "二の会");
        }
        let at = next_seven(Utc::now()) + Duration::minutes(1);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let runners: Vec<_> = (0..2)
            .map(|_| {
                let (url, base, barrier) = (app.database.url.clone(), app.url(""), barrier.clone());
                std::thread::spawn(move || {
                    let mut conn = PgConnection::establish(&url).unwrap();
                    barrier.wait();
                    digest::send_due(&mut conn, at, &base, 7).unwrap()
                })
            })
            .collect();
        let sent: usize = runners.into_iter().map(|r| r.join().unwrap()).sum();
        assert_eq!(sent, people.len(), "each digest once between the two");
        for i in 0..people.len() {
            assert_eq!(
                outbox_to(&app, &format!("p{i}@example.jp"), "まとめ"),
                1,
                "p{i}"
            );
        }
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM digests"),
            people.len() as i64
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM notifications WHERE digest_id IS NULL"
            ),
            0
        );
    })
}

fn never_is_the_inbox_only_and_security_stays_immediate() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, TARO, "本庄太郎").await;
        let token = text(
            &app,
            &format!("SELECT unsubscribe_token FROM accounts WHERE email = '{TARO}'"),
        );
        let one_click = app
            .client
            .post(app.url(&format!("/unsubscribe?token={token}")))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(one_click.status(), 200);
        let to = uuid(&app, TARO);
        let before = count(
            &app,
            &format!("SELECT count(*) AS n FROM outbox WHERE to_address = '{TARO}'"),
        );
        answered(&app, to, "6-1");
        verified(&app, to, "本庄ボランティアの会");
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM outbox WHERE to_address = '{TARO}'")
            ),
            before,
            "never: no email"
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM notifications WHERE account_id = '{to}'")
            ),
            2,
            "but in the inbox"
        );
        assert_eq!(
            digests_at(&app, next_seven(Utc::now()) + Duration::days(7)),
            0
        );
        assert!(taro
            .page("/account/notifications")
            .await
            .contains("本庄ボランティアの会"));
        // A security email is still sent at once.
        let security = format!(
            "SELECT count(*) AS n FROM outbox WHERE to_address = '{TARO}' AND category = 'security'"
        );
        let before = count(&app, &security);
        let forgot = app
            .visitor()
            .submit("/password/forgot", "/password/forgot", &[("email", TARO)])
            .await;
        assert!(forgot.status().is_success() || forgot.status().is_redirection());
        assert_eq!(count(&app, &security), before + 1);
    })
}

fn the_inbox_lists_newest_first_and_marks_read() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, TARO, "本庄太郎").await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let to = uuid(&app, TARO);
        for name in ["一の会", "二の会", "三の会"] {
            verified(&app, to, name);
        }
        verified(&app, uuid(&app, "hanako@example.jp"), "花子の会");
        let html = taro.page("/account/notifications").await;
        assert!(html.contains("未読3件"), "the menu counts");
        let page = visible_text(&html);
        let (three, two, one) = (
            page.find("三の会").expect(&page),
            page.find("二の会").unwrap(),
            page.find("一の会").unwrap(),
        );
        assert!(three < two && two < one, "newest first: {page}");
        assert!(!page.contains("花子の会"), "only one's own");

        let id = |name: &str| {
            text(
                &app,
                &format!("SELECT id::text FROM notifications WHERE summary LIKE '%{name}%'"),
            )
        };
        let read = taro
            .submit(
                "/account/notifications",
                &format!("/account/notifications/{}/read", id("二の会")),
                &[],
            )
            .await;
        assert_eq!(read.status(), 303);
        let page = visible_text(&taro.page("/account/notifications").await);
        assert!(page.contains("未読のお知らせが2件あります。"), "{page}");
        // Someone else's: not found, and still unread.
        let theirs = taro
            .submit(
                "/account/notifications",
                &format!("/account/notifications/{}/read", id("花子の会")),
                &[],
            )
            .await;
        assert_eq!(theirs.status(), 404);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM notifications WHERE summary LIKE '%花子の会%' AND read_at IS NULL"),
            1
        );
        let all = taro
            .submit("/account/notifications", "/account/notifications/read", &[])
            .await;
        assert_eq!(all.status(), 303);
        let html = taro.page("/account/notifications").await;
        assert!(visible_text(&html).contains("未読のお知らせはありません。"));
        assert!(
            !html.contains("未読2件") && !html.contains("未読1件"),
            "no count"
        );
        assert!(hanako.page("/").await.contains("未読1件"));
    })
}

fn the_settings_form_keeps_choices_and_says_what_to_fix() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, TARO, "本庄太郎").await;
        let page = taro.page("/account").await;
        assert!(
            page.contains(r#"name="proposals" value="immediate" checked"#),
            "at once unless chosen otherwise"
        );
        let refused = taro
            .submit(
                "/account",
                "/account/notifications",
                &[
                    ("proposals", "weekly"),
                    ("consultations", "hourly"),
                    ("organisation", "never"),
                    ("staff", "daily"),
                ],
            )
            .await;
        assert_eq!(refused.status(), 400);
        let html = refused.text().await.unwrap();
        assert_eq!(
            html.matches("受け取り方を選んでください。").count(),
            2,
            "comments and consultations"
        );
        assert!(
            html.contains(r#"name="proposals" value="weekly" checked"#),
            "kept"
        );
        assert!(
            html.contains(r#"name="staff" value="daily" checked"#),
            "kept"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM notification_preferences"),
            0
        );
        choose(
            &taro,
            &[
                ("proposals", "weekly"),
                ("comments", "daily"),
                ("consultations", "never"),
                ("organisation", "never"),
                ("staff", "daily"),
            ],
        )
        .await;
        let page = taro.page("/account?done=notifications").await;
        assert!(page.contains(r#"name="proposals" value="weekly" checked"#));
        assert!(page.contains(r#"name="consultations" value="never" checked"#));
        assert!(page.contains("お知らせメールの設定を保存しました。"));
    })
}

fn the_pages_pass_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        let taro = app.visitor();
        resident(&app, &taro, TARO, "本庄太郎").await;
        let to = uuid(&app, TARO);
        verified(&app, to, "本庄ボランティアの会");
        answered(&app, to, "6-1");
        let browser = Browser::start().await.unwrap();
        sign_in_as(&browser, &app, TARO).await;
        let mut failures = Vec::new();
        for (name, path) in [
            ("notifications-inbox", "/account/notifications"),
            ("notifications-settings", "/account"),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser
            .goto(&app.url("/account/notifications"))
            .await
            .unwrap();
        browser.click(".inbox__read button").await.unwrap();
        browser.wait_for_text("main", "お知らせ一覧").await.unwrap();
        browser
            .goto(&app.url("/account/notifications"))
            .await
            .unwrap();
        let after = browser
            .wait_for_text("main", "未読のお知らせが1件あります。")
            .await
            .unwrap();
        assert!(after.contains("本庄ボランティアの会"), "{after}");
        browser
            .click("main form[action='/account/notifications/read'] button")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "未読のお知らせはありません。")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("notifications-all-read").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
