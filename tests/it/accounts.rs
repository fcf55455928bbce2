//! Accounts and sessions through the real forms: sign-up, verification, sign-in, sign-out,
//! password reset, CSRF, rate limits.

use crate::support::db::count;
use crate::support::http::cookie_value;
use crate::support::mail::link_in_outbox;
use crate::support::people::{resident, sign_up, PASSWORD};
use crate::support::{run, visible_text, TestApp};
use diesel::prelude::*;
use diesel::sql_types::Text;

pub const TESTS: &[(&str, fn())] = &[
    (
        "accounts::signed_in_pages_are_private_to_caches",
        signed_in_pages_are_private_to_caches,
    ),
    (
        "accounts::a_representative_hands_over_before_deleting",
        a_representative_hands_over_before_deleting,
    ),
    (
        "accounts::old_hashes_are_upgraded_at_sign_in",
        old_hashes_are_upgraded_at_sign_in,
    ),
    (
        "accounts::sign_up_by_email_over_real_smtp",
        sign_up_by_email_over_real_smtp,
    ),
    (
        "accounts::sign_up_keeps_what_was_typed_and_says_what_to_fix",
        sign_up_keeps_what_was_typed_and_says_what_to_fix,
    ),
    (
        "accounts::forms_without_the_csrf_token_are_refused",
        forms_without_the_csrf_token_are_refused,
    ),
    (
        "accounts::sign_up_answers_the_same_for_a_known_address",
        sign_up_answers_the_same_for_a_known_address,
    ),
    (
        "accounts::verify_then_sign_in_with_a_new_session_id",
        verify_then_sign_in_with_a_new_session_id,
    ),
    (
        "accounts::wrong_passwords_get_one_message_and_a_limit",
        wrong_passwords_get_one_message_and_a_limit,
    ),
    (
        "accounts::a_reset_changes_the_password_and_ends_every_session",
        a_reset_changes_the_password_and_ends_every_session,
    ),
    (
        "accounts::the_account_page_needs_sign_in_and_keeps_private_details",
        the_account_page_needs_sign_in_and_keeps_private_details,
    ),
    (
        "accounts::changing_the_email_needs_the_new_address_confirmed",
        changing_the_email_needs_the_new_address_confirmed,
    ),
    (
        "accounts::changing_the_password_signs_out_other_devices",
        changing_the_password_signs_out_other_devices,
    ),
    (
        "accounts::notifications_can_be_turned_off_in_one_click",
        notifications_can_be_turned_off_in_one_click,
    ),
    (
        "accounts::deleting_keeps_nothing_personal",
        deleting_keeps_nothing_personal,
    ),
];

fn sign_up_keeps_what_was_typed_and_says_what_to_fix() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        let response = visitor
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "taro@example"),
                    ("display_name", "ほんじょう太郎"),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(html.contains("value=\"taro@example\""), "the email stays");
        assert!(html.contains("value=\"ほんじょう太郎\""), "the name stays");
        assert!(
            !html.contains("value=\"short\""),
            "the password is never sent back"
        );
        let text = visible_text(&html);
        assert!(text.contains("メールアドレスの形式が正しくありません"));
        assert!(text.contains("10文字以上"));
        assert!(html.contains("aria-invalid=\"true\""));
        // Over-long and control characters: messages, never a 500.
        let long = "あ".repeat(500);
        let response = visitor
            .submit(
                "/signup",
                "/signup",
                &[
                    ("email", "a\u{7}@example.jp"),
                    ("display_name", &long),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let text = visible_text(&response.text().await.unwrap());
        assert!(text.contains("50文字以内"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM accounts"), 0);
    })
}

fn forms_without_the_csrf_token_are_refused() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        let fields = [
            ("email", "taro@example.jp"),
            ("display_name", "太郎"),
            ("password", PASSWORD),
        ];
        let missing = visitor.post("/signup", &fields).await;
        assert_eq!(missing.status(), 403);
        let mut forged: Vec<(&str, &str)> =
            vec![("csrf", "not-the-token-of-this-visitor-xxxxxxxxxxxx")];
        forged.extend_from_slice(&fields);
        visitor.page("/signup").await;
        let wrong = visitor.post("/signup", &forged).await;
        assert_eq!(wrong.status(), 403);
        let text = visible_text(&wrong.text().await.unwrap());
        assert!(text.contains("もう一度お試しください"), "{text}");
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM accounts"),
            0,
            "nothing half done"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox"), 0);
        assert_eq!(visitor.post("/logout", &[]).await.status(), 403);
    })
}

fn sign_up_answers_the_same_for_a_known_address() {
    run(async {
        let app = TestApp::start().await;
        let first = sign_up(&app.visitor(), "hanako@example.jp", "花子").await;
        assert_eq!(first.status(), 200);
        let first = visible_text(&first.text().await.unwrap());
        let second = sign_up(&app.visitor(), "Hanako@Example.jp", "別の人").await;
        assert_eq!(second.status(), 200);
        let second = visible_text(&second.text().await.unwrap());
        assert_eq!(
            first, second,
            "the page does not tell whether the address is known"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM accounts"), 1);
        // The email says what happened.
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp'"
            ),
            2
        );
        let link = link_in_outbox(&app, "hanako@example.jp", "/password/forgot");
        assert_eq!(link, "/password/forgot");
    })
}

fn verify_then_sign_in_with_a_new_session_id() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        sign_up(&visitor, "jiro@example.jp", "次郎").await;
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE email_verified_at IS NULL"
            ),
            1
        );
        let link = link_in_outbox(&app, "jiro@example.jp", "/verify?token=");
        let verified = visitor.get(&link).await;
        assert_eq!(verified.status(), 200);
        assert!(visible_text(&verified.text().await.unwrap()).contains("確認しました"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE email_verified_at IS NOT NULL"
            ),
            1
        );
        assert_eq!(
            visitor.get(&link).await.status(),
            400,
            "the link is single-use"
        );

        let first = visitor
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "jiro@example.jp"),
                    ("password", PASSWORD),
                    ("next", "/measures/6-1"),
                ],
            )
            .await;
        assert_eq!(first.status(), 303);
        assert_eq!(first.headers()["location"], "/measures/6-1");
        let first_id = cookie_value(&first, "kyodo_session");
        let cookie = first
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let page = visitor.page("/measures/6-1").await;
        assert!(
            page.contains("action=\"/logout\""),
            "signed in: the page offers sign-out"
        );

        let second = visitor
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "jiro@example.jp"),
                    ("password", PASSWORD),
                    // A browser reads `/<tab>/evil.example` as `//evil.example`: another site.
                    ("next", "/\t/evil.example"),
                ],
            )
            .await;
        assert_eq!(second.status(), 303);
        assert_eq!(second.headers()["location"], "/account");
        let second_id = cookie_value(&second, "kyodo_session");
        assert_ne!(first_id, second_id, "a new id at every sign-in");
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM sessions"),
            1,
            "the previous session on this device ended"
        );

        let out = visitor.submit("/logout", "/logout", &[]).await;
        assert_eq!(out.status(), 303);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 0);
        assert!(!visitor.page("/").await.contains("action=\"/logout\""));
    })
}

fn wrong_passwords_get_one_message_and_a_limit() {
    run(async {
        let app = TestApp::start().await;
        let owner = app.visitor();
        resident(&app, &owner, "saburo@example.jp", "三郎").await;
        let attacker = app.visitor();
        let unknown = attacker
            .submit(
                "/login",
                "/login",
                &[("email", "nobody@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(unknown.status(), 400);
        let unknown = visible_text(&unknown.text().await.unwrap());
        let wrong = attacker
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "saburo@example.jp"),
                    ("password", "wrong-password-1"),
                ],
            )
            .await;
        assert_eq!(wrong.status(), 400);
        let wrong_text = visible_text(&wrong.text().await.unwrap());
        assert!(wrong_text.contains("メールアドレスまたはパスワードが正しくありません"));
        assert_eq!(
            unknown.replace("nobody@example.jp", "saburo@example.jp"),
            wrong_text,
            "an unknown address and a wrong password read the same"
        );
        for _ in 0..9 {
            attacker
                .submit(
                    "/login",
                    "/login",
                    &[
                        ("email", "saburo@example.jp"),
                        ("password", "wrong-password-1"),
                    ],
                )
                .await;
        }
        let limited = attacker
            .submit(
                "/login",
                "/login",
                &[("email", "saburo@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            limited.status(),
            429,
            "even the right password waits during a flood"
        );
        let retry_after: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry_after));
        let html = limited.text().await.unwrap();
        assert!(visible_text(&html).contains("少し時間をおいてから"));
        assert!(
            html.contains("value=\"saburo@example.jp\""),
            "the form keeps what was typed"
        );
        // The window passes: the owner signs in again (not locked out for good).
        diesel::sql_query("UPDATE rate_limits SET window_start = window_start - interval '1 hour'")
            .execute(&mut app.db())
            .unwrap();
        let back = owner
            .submit(
                "/login",
                "/login",
                &[("email", "saburo@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(back.status(), 303);
        assert!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'session.sign_in_failed'"
            ) >= 10
        );
    })
}

fn a_reset_changes_the_password_and_ends_every_session() {
    run(async {
        let app = TestApp::start().await;
        let laptop = app.visitor();
        resident(&app, &laptop, "shiro@example.jp", "四郎").await;
        let phone = app.visitor();
        let signed_in = phone
            .submit(
                "/login",
                "/login",
                &[("email", "shiro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed_in.status(), 303);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 2);

        let stranger = app.visitor();
        let asked = stranger
            .submit(
                "/password/forgot",
                "/password/forgot",
                &[("email", "shiro@example.jp")],
            )
            .await;
        assert_eq!(asked.status(), 200);
        let unknown = stranger
            .submit(
                "/password/forgot",
                "/password/forgot",
                &[("email", "nobody@example.jp")],
            )
            .await;
        assert_eq!(
            visible_text(&asked.text().await.unwrap()),
            visible_text(&unknown.text().await.unwrap())
        );
        assert!(link_in_outbox(&app, "nobody@example.jp", "/signup").starts_with("/signup"));

        let link = link_in_outbox(&app, "shiro@example.jp", "/password/reset?token=");
        let form = stranger.page(&link).await;
        let token = link.trim_start_matches("/password/reset?token=");
        assert!(form.contains(token));
        let weak = stranger
            .submit(
                &link,
                "/password/reset",
                &[("token", token), ("password", "password123")],
            )
            .await;
        assert_eq!(weak.status(), 400);
        let done = stranger
            .submit(
                &link,
                "/password/reset",
                &[("token", token), ("password", "atarashii-aikotoba-77")],
            )
            .await;
        assert_eq!(done.status(), 200);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM sessions"),
            0,
            "every device signed out"
        );
        assert_eq!(
            stranger.get(&link).await.status(),
            400,
            "the link is single-use"
        );
        let old = laptop
            .submit(
                "/login",
                "/login",
                &[("email", "shiro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(old.status(), 400);
        let new = laptop
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "shiro@example.jp"),
                    ("password", "atarashii-aikotoba-77"),
                ],
            )
            .await;
        assert_eq!(new.status(), 303);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox WHERE to_address = 'shiro@example.jp' AND subject LIKE '%パスワード%'"), 2);
    })
}

fn the_account_page_needs_sign_in_and_keeps_private_details() {
    run(async {
        let app = TestApp::start().await;
        let anonymous = app.visitor();
        let response = anonymous.get("/account").await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/login?next=%2Faccount");
        let login = anonymous.page("/login?next=%2Faccount").await;
        assert!(login.contains("name=\"next\" value=\"/account\""));

        let visitor = app.visitor();
        resident(&app, &visitor, "goro@example.jp", "五郎").await;
        let page = visitor.page("/account").await;
        assert!(page.contains("goro@example.jp") && page.contains("value=\"五郎\""));
        let saved = visitor
            .submit(
                "/account",
                "/account/profile",
                &[
                    ("display_name", "本庄の五郎"),
                    ("real_name", "本庄 五郎"),
                    ("address", "本庄市本庄3-5-3"),
                    ("phone", "0495-25-1111"),
                ],
            )
            .await;
        assert_eq!(saved.status(), 303);
        let page = visitor.page("/account?done=profile").await;
        assert!(page.contains("value=\"本庄 五郎\"") && page.contains("本庄市本庄3-5-3"));
        assert!(visible_text(&page).contains("プロフィールを保存しました"));
        let long = "あ".repeat(201);
        let bad = visitor
            .submit(
                "/account",
                "/account/profile",
                &[("display_name", ""), ("address", &long)],
            )
            .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        assert!(html.contains(&long), "what was typed stays");
        let text = visible_text(&html);
        assert!(text.contains("表示名を入力してください") && text.contains("住所は200文字以内"));
        // Private details never reach public pages or the API.
        for path in ["/", "/measures/5-1", "/api/v1/measures/5-1"] {
            let body = app.get(path).await.text().await.unwrap();
            assert!(
                !body.contains("本庄 五郎") && !body.contains("0495-25-1111"),
                "{path}"
            );
        }
    })
}

fn changing_the_email_needs_the_new_address_confirmed() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        resident(&app, &visitor, "rokuro@example.jp", "六郎").await;
        let wrong = visitor
            .submit(
                "/account",
                "/account/email",
                &[
                    ("email", "new-rokuro@example.jp"),
                    ("email_password", "not-my-password"),
                ],
            )
            .await;
        assert_eq!(wrong.status(), 400);
        let html = wrong.text().await.unwrap();
        assert!(html.contains("value=\"new-rokuro@example.jp\""));
        assert!(visible_text(&html).contains("現在のパスワードが正しくありません"));
        let asked = visitor
            .submit(
                "/account",
                "/account/email",
                &[
                    ("email", "new-rokuro@example.jp"),
                    ("email_password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(asked.status(), 303);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE email = 'rokuro@example.jp'"
            ),
            1,
            "unchanged until confirmed"
        );
        let link = link_in_outbox(
            &app,
            "new-rokuro@example.jp",
            "/account/email/confirm?token=",
        );
        assert_eq!(visitor.get(&link).await.status(), 200);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM accounts WHERE email = 'new-rokuro@example.jp' AND email_verified_at IS NOT NULL"), 1);
        assert_eq!(visitor.get(&link).await.status(), 400, "single-use");
        let fresh = app.visitor();
        let old = fresh
            .submit(
                "/login",
                "/login",
                &[("email", "rokuro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(old.status(), 400);
        let new = fresh
            .submit(
                "/login",
                "/login",
                &[("email", "new-rokuro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(new.status(), 303);
    })
}

fn changing_the_password_signs_out_other_devices() {
    run(async {
        let app = TestApp::start().await;
        let laptop = app.visitor();
        resident(&app, &laptop, "shichiro@example.jp", "七郎").await;
        let phone = app.visitor();
        phone
            .submit(
                "/login",
                "/login",
                &[("email", "shichiro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 2);
        let wrong = laptop
            .submit(
                "/account",
                "/account/password",
                &[
                    ("current", "nope-nope-nope"),
                    ("password", "atarashii-aikotoba-77"),
                ],
            )
            .await;
        assert_eq!(wrong.status(), 400);
        let done = laptop
            .submit(
                "/account",
                "/account/password",
                &[("current", PASSWORD), ("password", "atarashii-aikotoba-77")],
            )
            .await;
        assert_eq!(done.status(), 303);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM sessions"),
            1,
            "this device stays signed in"
        );
        assert_eq!(laptop.get("/account").await.status(), 200);
        assert_eq!(
            phone.get("/account").await.status(),
            303,
            "the other device signs in again"
        );
        let everywhere = laptop
            .submit("/account", "/account/sessions/end", &[])
            .await;
        assert_eq!(everywhere.status(), 303);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 0);
        assert!(count(&app, "SELECT count(*) AS n FROM audit_log WHERE action IN ('account.change_password', 'session.end_all')") == 2);
    })
}

#[derive(QueryableByName)]
struct Token {
    #[diesel(sql_type = Text)]
    unsubscribe_token: String,
}

fn notifications_can_be_turned_off_in_one_click() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        resident(&app, &visitor, "hachiro@example.jp", "八郎").await;
        let never = "SELECT count(*) AS n FROM notification_preferences WHERE delivery = 'never'";
        let off = visitor
            .submit(
                "/account",
                "/account/notifications",
                &[
                    ("proposals", "never"),
                    ("comments", "never"),
                    ("consultations", "never"),
                    ("organisation", "never"),
                    ("staff", "never"),
                ],
            )
            .await;
        assert_eq!(off.status(), 303);
        assert_eq!(count(&app, never), 5);
        visitor
            .submit(
                "/account",
                "/account/notifications",
                &[
                    ("proposals", "immediate"),
                    ("comments", "daily"),
                    ("consultations", "weekly"),
                    ("organisation", "immediate"),
                    ("staff", "immediate"),
                ],
            )
            .await;
        assert_eq!(count(&app, never), 0);
        let token: Token = diesel::sql_query("SELECT unsubscribe_token FROM accounts")
            .get_result(&mut app.db())
            .unwrap();
        let path = format!("/unsubscribe?token={}", token.unsubscribe_token);
        // Opening the link changes nothing (mail scanners open links); the one-click POST does.
        assert_eq!(app.get(&path).await.status(), 200);
        assert_eq!(count(&app, never), 0);
        let one_click = app
            .client
            .post(app.url(&path))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(one_click.status(), 200);
        // Every kind one chooses: never.
        assert_eq!(count(&app, never), 5);
        let forged = app
            .client
            .post(app.url("/unsubscribe?token=forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 400);
    })
}

fn deleting_keeps_nothing_personal() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        resident(&app, &visitor, "kuro@example.jp", "九郎").await;
        visitor
            .submit(
                "/account",
                "/account/profile",
                &[("display_name", "九郎"), ("real_name", "本庄 九郎")],
            )
            .await;
        let unconfirmed = visitor
            .submit(
                "/account",
                "/account/delete",
                &[("delete_password", PASSWORD)],
            )
            .await;
        assert_eq!(unconfirmed.status(), 400);
        assert!(
            visible_text(&unconfirmed.text().await.unwrap()).contains("チェックを入れてください")
        );
        let deleted = visitor
            .submit(
                "/account",
                "/account/delete",
                &[("delete_password", PASSWORD), ("confirm", "yes")],
            )
            .await;
        assert_eq!(deleted.status(), 200);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM accounts WHERE display_name = '退会したユーザー' AND email IS NULL AND real_name IS NULL AND password_hash IS NULL AND deleted_at IS NOT NULL"), 1);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 0);
        let again = app
            .visitor()
            .submit(
                "/login",
                "/login",
                &[("email", "kuro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(again.status(), 400);
        // The address is free for a new account.
        assert_eq!(
            sign_up(&app.visitor(), "kuro@example.jp", "新しい九郎")
                .await
                .status(),
            200
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE email = 'kuro@example.jp'"
            ),
            1
        );
    })
}

/// The whole path a new resident takes: the form, the email as an SMTP server receives it,
/// its link, signing in.
fn sign_up_by_email_over_real_smtp() {
    run(async {
        let app = TestApp::start().await;
        let sink = crate::support::mail::SmtpSink::start();
        let visitor = app.visitor();
        assert_eq!(
            sign_up(&visitor, "misaki@example.jp", "みさき")
                .await
                .status(),
            200
        );
        let mailer = kyodo::notify::Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        assert_eq!(kyodo::notify::drain(&mut app.db(), &mailer).unwrap(), 1);
        let mails = sink.wait_for(1, std::time::Duration::from_secs(10));
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NOT NULL AND text_body || html_body <> ''"),
            0,
            "a delivered security email's live link is not kept"
        );
        let mail = &mails[0];
        assert_eq!(mail.to, "misaki@example.jp");
        assert!(mail.subject.contains("確認"), "{}", mail.subject);
        assert!(
            mail.header("List-Unsubscribe").is_none(),
            "a security email has no unsubscribe link"
        );
        let link = mail
            .links()
            .into_iter()
            .find(|l| l.contains("/verify?token="))
            .unwrap_or_else(|| panic!("no verification link in:\n{}", mail.text));
        let path = link.trim_start_matches(&app.base).to_owned();
        assert!(
            path.starts_with("/verify?token="),
            "the link points at this site: {link}"
        );
        let page = visitor.get(&path).await;
        assert_eq!(page.status(), 200);
        let signed_in = visitor
            .submit(
                "/login",
                "/login",
                &[("email", "misaki@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed_in.status(), 303);
        let account = visitor.page("/account").await;
        assert!(account.contains("misaki@example.jp") && account.contains("確認済み"));
    })
}

#[derive(QueryableByName)]
struct Hash {
    #[diesel(sql_type = Text)]
    password_hash: String,
}

/// A hash made with weaker parameters (as before a parameter change) is replaced at sign-in.
fn old_hashes_are_upgraded_at_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        resident(&app, &visitor, "juro@example.jp", "十郎").await;
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let old = weak
            .hash_password(PASSWORD.as_bytes(), &salt)
            .unwrap()
            .to_string();
        diesel::sql_query("UPDATE accounts SET password_hash = $1")
            .bind::<Text, _>(&old)
            .execute(&mut app.db())
            .unwrap();
        let again = app
            .visitor()
            .submit(
                "/login",
                "/login",
                &[("email", "juro@example.jp"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(again.status(), 303, "the old hash still signs in");
        let stored: Hash = diesel::sql_query("SELECT password_hash FROM accounts")
            .get_result(&mut app.db())
            .unwrap();
        assert!(
            stored
                .password_hash
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            stored.password_hash
        );
        assert_ne!(stored.password_hash, old);
    })
}

fn signed_in_pages_are_private_to_caches() {
    run(async {
        let app = TestApp::start().await;
        let public = app.get("/measures/6-1").await;
        assert_eq!(public.headers()["cache-control"], "no-cache");
        let visitor = app.visitor();
        resident(&app, &visitor, "cache@example.jp", "キャッシュ").await;
        for path in ["/account", "/measures/6-1"] {
            let response = visitor.get(path).await;
            assert_eq!(
                response.headers()["cache-control"],
                "private, no-cache",
                "{path}"
            );
        }
        // A form posted after the session ended comes back to the page it was on.
        let stale = app.visitor();
        let response = stale
            .client
            .post(stale.url("/account/profile"))
            .header("referer", app.url("/account"))
            .form(&[("csrf", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/login?next=%2Faccount");
    })
}

fn a_representative_hands_over_before_deleting() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        resident(&app, &visitor, "daihyo@example.jp", "代表").await;
        let created = visitor
            .submit(
                "/organisations/new",
                "/organisations/new",
                &[
                    ("name", "本庄一丁目自治会"),
                    ("kind", "jichikai"),
                    ("description", "地域の自治会です。"),
                    ("contact", ""),
                ],
            )
            .await;
        assert_eq!(created.status(), 303);
        let refused = visitor
            .submit(
                "/account",
                "/account/delete",
                &[("delete_password", PASSWORD), ("confirm", "yes")],
            )
            .await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap())
            .contains("代表者を他のメンバーに引き継いでから"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE deleted_at IS NULL"
            ),
            1,
            "nothing deleted"
        );
    })
}
