//! Organisations (団体) through the real forms: creation, visibility before and after the city's
//! verification, invitations by email, joining, leaving, handing over the representative role,
//! authorisation per record, bad input and CSRF.

use crate::support::db::count;
use crate::support::mail::link_in_outbox;
use crate::support::people::{log_in, resident, sign_up};
use crate::support::{run, visible_text, TestApp, Visitor};
use diesel::prelude::*;
use diesel::sql_types::Text;
use uuid::Uuid;

pub const TESTS: &[(&str, fn())] = &[
    (
        "orgs::create_verify_and_list_publicly",
        create_verify_and_list_publicly,
    ),
    (
        "orgs::invite_accept_transfer_and_leave",
        invite_accept_transfer_and_leave,
    ),
    (
        "orgs::strangers_cannot_invite_or_take_an_invitation",
        strangers_cannot_invite_or_take_an_invitation,
    ),
    (
        "orgs::bad_input_keeps_what_was_typed",
        bad_input_keeps_what_was_typed,
    ),
    (
        "orgs::forms_without_csrf_change_nothing",
        forms_without_csrf_change_nothing,
    ),
    (
        "orgs::paths_and_sign_in_are_checked",
        paths_and_sign_in_are_checked,
    ),
];

const FORM: &str = "/organisations/new";

/// Registers an organisation through the form and returns its id.
async fn create_org(visitor: &Visitor, name: &str) -> Uuid {
    let response = visitor
        .submit(
            FORM,
            FORM,
            &[
                ("name", name),
                ("kind", "jichikai"),
                ("description", "清掃活動と防犯パトロール\n毎月第2日曜日"),
                ("contact", "info@kita.example.jp"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "created");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let id = location
        .trim_start_matches("/organisations/")
        .split('?')
        .next()
        .unwrap();
    Uuid::parse_str(id).unwrap_or_else(|_| panic!("redirected to the organisation: {location}"))
}

/// An admin account made in SQL, as `kyodo create-admin` would leave it.
fn admin(app: &TestApp) -> Uuid {
    let id = Uuid::new_v4();
    let mut conn = app.db();
    diesel::sql_query(
        "INSERT INTO accounts (id, email, email_verified_at, display_name, unsubscribe_token) VALUES ($1, 'admin@city.example.jp', now(), '市職員', 'admin-unsub')",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("INSERT INTO staff_roles (account_id, role) VALUES ($1, 'admin')")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(&mut conn)
        .unwrap();
    id
}

fn account_id(app: &TestApp, email: &str) -> Uuid {
    use kyodo::db::schema::accounts::dsl as a;
    a::accounts
        .filter(a::email.eq(email))
        .select(a::id)
        .first(&mut app.db())
        .unwrap()
}

fn can_act_for(app: &TestApp, account: Uuid, org: Uuid) -> bool {
    kyodo::orgs::can_act_for(&mut app.db(), account, org).unwrap()
}

fn audits(app: &TestApp, action: &str, org: Uuid) -> i64 {
    count(app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = '{action}' AND record_type = 'organisation' AND record_id = '{org}'"))
}

fn role(app: &TestApp, org: Uuid, account: Uuid) -> Option<String> {
    use kyodo::db::schema::organisation_members::dsl as m;
    m::organisation_members
        .find((org, account))
        .select(m::role)
        .first(&mut app.db())
        .optional()
        .unwrap()
}

/// Invites `email` to `org` as `representative` and returns the join link from the email.
async fn invite(app: &TestApp, representative: &Visitor, org: Uuid, email: &str) -> String {
    let path = format!("/organisations/{org}/invite");
    let response = representative
        .submit(&path, &path, &[("email", email)])
        .await;
    assert_eq!(response.status(), 303, "invited");
    link_in_outbox(app, &email.to_lowercase(), "/organisations/join?token=")
}

/// Presses the join page's button for the invitation `link` (the CSRF token comes from any
/// page, so a used link can be tried again).
async fn accept(visitor: &Visitor, link: &str) -> reqwest::Response {
    let token = link.split("token=").nth(1).unwrap().to_owned();
    visitor
        .submit(
            "/organisations",
            "/organisations/join",
            &[("token", &token)],
        )
        .await
}

fn create_verify_and_list_publicly() {
    run(async {
        let app = TestApp::start().await;
        let rep = app.visitor();
        resident(&app, &rep, "hanako@example.jp", "本庄花子").await;
        let org = create_org(&rep, "本庄駅北口自治会").await;
        let rep_id = account_id(&app, "hanako@example.jp");
        assert_eq!(role(&app, org, rep_id).as_deref(), Some("representative"));
        assert_eq!(audits(&app, "organisation.create", org), 1);
        let ip: Option<String> = {
            use kyodo::db::schema::audit_log::dsl as l;
            l::audit_log
                .filter(l::action.eq("organisation.create"))
                .select(l::ip)
                .first(&mut app.db())
                .unwrap()
        };
        assert_eq!(
            ip.as_deref(),
            Some("127.0.0.1"),
            "the audit entry says where from"
        );

        // Before verification: the members see it, marked as waiting; nobody else does.
        let page = visible_text(
            &rep.page(&format!("/organisations/{org}?done=created"))
                .await,
        );
        assert!(
            page.contains("本庄駅北口自治会")
                && page.contains("確認待ち")
                && page.contains("団体を登録しました"),
            "{page}"
        );
        assert!(!page.contains("hanako@example.jp"), "no email on the page");
        assert_eq!(
            app.get(&format!("/organisations/{org}")).await.status(),
            404,
            "anonymous"
        );
        let stranger = app.visitor();
        resident(&app, &stranger, "jiro@example.jp", "次郎").await;
        assert_eq!(
            stranger
                .get(&format!("/organisations/{org}"))
                .await
                .status(),
            404,
            "a stranger"
        );
        assert!(!visible_text(&app.page("/organisations").await).contains("本庄駅北口自治会"));
        assert!(!can_act_for(&app, rep_id, org), "not before verification");
        let mine = visible_text(&rep.page("/organisations/mine").await);
        assert!(
            mine.contains("本庄駅北口自治会")
                && mine.contains("代表者")
                && mine.contains("確認待ち"),
            "{mine}"
        );

        // Staff admins see it (the staff area verifies from there).
        let admin = admin(&app);
        let staff = app.visitor();
        diesel::sql_query("UPDATE accounts SET password_hash = (SELECT password_hash FROM accounts WHERE email = 'jiro@example.jp') WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(admin)
            .execute(&mut app.db())
            .unwrap();
        let signed_in = log_in(&staff, "admin@city.example.jp").await;
        assert_eq!(signed_in.status(), 303);
        assert_eq!(
            staff.get(&format!("/organisations/{org}")).await.status(),
            200,
            "an admin"
        );

        kyodo::orgs::verify(&mut app.db(), admin, org, &origin(&app, Some("192.0.2.1"))).unwrap();
        assert_eq!(audits(&app, "organisation.verify", org), 1);
        let link = link_in_outbox(&app, "hanako@example.jp", &format!("/organisations/{org}"));
        assert_eq!(link, format!("/organisations/{org}"));
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp' AND category = 'notification' AND unsubscribe_url LIKE '%/unsubscribe?token=%'"),
            1,
            "the verification email is a notification with an unsubscribe link"
        );
        // Verifying twice changes nothing and sends nothing more.
        kyodo::orgs::verify(&mut app.db(), admin, org, &origin(&app, None)).unwrap();
        assert_eq!(audits(&app, "organisation.verify", org), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE subject LIKE '%確認が完了%'"
            ),
            1
        );
        assert!(matches!(
            kyodo::orgs::verify(&mut app.db(), admin, Uuid::new_v4(), &origin(&app, None)),
            Err(kyodo::Error::NotFound)
        ));

        let list = visible_text(&app.page("/organisations").await);
        assert!(
            list.contains("本庄駅北口自治会")
                && list.contains("自治会")
                && list.contains("認証済み"),
            "{list}"
        );
        let public = visible_text(&app.page(&format!("/organisations/{org}")).await);
        assert!(
            public.contains("認証済み") && public.contains("本庄花子") && public.contains("代表者"),
            "{public}"
        );
        assert!(
            public.contains("清掃活動と防犯パトロール") && public.contains("info@kita.example.jp"),
            "{public}"
        );
        assert!(!public.contains("hanako@example.jp"));
        assert!(can_act_for(&app, rep_id, org));
        assert!(
            !can_act_for(&app, account_id(&app, "jiro@example.jp"), org),
            "a stranger cannot act for it"
        );
        assert!(!can_act_for(&app, rep_id, Uuid::new_v4()));

        // A representative who turned update emails off is not emailed.
        let quiet = create_org(&stranger, "静かな会").await;
        diesel::sql_query(
            "INSERT INTO notification_preferences (account_id, kind, delivery) \
             SELECT id, 'organisation', 'never' FROM accounts WHERE email = 'jiro@example.jp'",
        )
        .execute(&mut app.db())
        .unwrap();
        let before = count(
            &app,
            "SELECT count(*) AS n FROM outbox WHERE to_address = 'jiro@example.jp'",
        );
        kyodo::orgs::verify(&mut app.db(), admin, quiet, &origin(&app, None)).unwrap();
        assert_eq!(audits(&app, "organisation.verify", quiet), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'jiro@example.jp'"
            ),
            before
        );

        // English labels.
        let en = visible_text(
            &app.get_in("en", "/organisations")
                .await
                .text()
                .await
                .unwrap(),
        );
        assert!(
            en.contains("Neighbourhood association") && en.contains("Verified"),
            "{en}"
        );
    })
}

fn invite_accept_transfer_and_leave() {
    run(async {
        let app = TestApp::start().await;
        let rep = app.visitor();
        resident(&app, &rep, "hanako@example.jp", "本庄花子").await;
        let org = create_org(&rep, "こだまの会").await;
        let member = app.visitor();
        resident(&app, &member, "taro@example.jp", "児玉太郎").await;

        let link = invite(&app, &rep, org, "Taro@Example.jp").await;
        assert_eq!(audits(&app, "organisation.invite", org), 1);
        let stored: String = {
            use kyodo::db::schema::organisation_invitations::dsl as i;
            i::organisation_invitations
                .select(i::token_hash)
                .first(&mut app.db())
                .unwrap()
        };
        assert!(!link.contains(&stored), "the token is stored hashed");
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM organisation_invitations WHERE expires_at BETWEEN now() + interval '6 days 23 hours' AND now() + interval '7 days'"),
            1,
            "valid for 7 days"
        );
        let email: String = diesel::sql_query("SELECT text_body AS body FROM outbox WHERE to_address = 'taro@example.jp' AND subject LIKE '%招待%'")
            .get_result::<Body>(&mut app.db())
            .unwrap()
            .body;
        assert!(
            email.contains("本庄花子") && email.contains("こだまの会") && email.contains("168"),
            "{email}"
        );

        // The join page, then the button.
        let page = visible_text(&member.page(&link).await);
        assert!(
            page.contains("こだまの会") && page.contains("招待を受けてメンバーになる"),
            "{page}"
        );
        let joined = accept(&member, &link).await;
        assert_eq!(joined.status(), 303);
        let taro = account_id(&app, "taro@example.jp");
        assert_eq!(role(&app, org, taro).as_deref(), Some("member"));
        assert_eq!(audits(&app, "organisation.join", org), 1);
        let seen = visible_text(&member.page(&format!("/organisations/{org}")).await);
        assert!(
            seen.contains("児玉太郎") && seen.contains("本庄花子"),
            "{seen}"
        );
        assert!(!seen.contains("taro@example.jp") && !seen.contains("hanako@example.jp"));
        assert!(
            !can_act_for(&app, taro, org),
            "the organisation is not verified yet"
        );
        kyodo::orgs::verify(&mut app.db(), admin(&app), org, &origin(&app, None)).unwrap();
        assert!(can_act_for(&app, taro, org));

        // The representative cannot leave before handing over.
        let hanako = account_id(&app, "hanako@example.jp");
        let page = format!("/organisations/{org}");
        let refused = rep
            .submit(&page, &format!("/organisations/{org}/leave"), &[])
            .await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap())
            .contains("先に、代表者をほかのメンバーに引き継いでください"));
        assert_eq!(role(&app, org, hanako).as_deref(), Some("representative"));

        // A member cannot hand over; the representative can, to a member only.
        let hanako_s = hanako.to_string();
        let taro_s = taro.to_string();
        let not_theirs = member
            .submit(
                &page,
                &format!("/organisations/{org}/transfer"),
                &[("to", &taro_s)],
            )
            .await;
        assert_eq!(not_theirs.status(), 403);
        let to_self = rep
            .submit(
                &page,
                &format!("/organisations/{org}/transfer"),
                &[("to", &hanako_s)],
            )
            .await;
        assert_eq!(to_self.status(), 400);
        let to_stranger = rep
            .submit(
                &page,
                &format!("/organisations/{org}/transfer"),
                &[("to", &Uuid::new_v4().to_string())],
            )
            .await;
        assert_eq!(to_stranger.status(), 400);
        let handed = rep
            .submit(
                &page,
                &format!("/organisations/{org}/transfer"),
                &[("to", &taro_s)],
            )
            .await;
        assert_eq!(handed.status(), 303);
        assert_eq!(role(&app, org, taro).as_deref(), Some("representative"));
        assert_eq!(role(&app, org, hanako).as_deref(), Some("member"));
        assert_eq!(audits(&app, "organisation.transfer", org), 1);
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM organisation_members WHERE organisation_id = '{org}' AND role = 'representative'")), 1);

        // The former representative may now leave; the new one may invite, the old one not.
        let left = rep
            .submit(&page, &format!("/organisations/{org}/leave"), &[])
            .await;
        assert_eq!(left.status(), 200);
        assert_eq!(role(&app, org, hanako), None);
        assert_eq!(audits(&app, "organisation.leave", org), 1);
        assert!(!can_act_for(&app, hanako, org));
        let again = rep
            .submit(&page, &format!("/organisations/{org}/leave"), &[])
            .await;
        assert_eq!(again.status(), 403, "only members leave");
        assert_eq!(
            rep.get(&format!("/organisations/{org}/invite"))
                .await
                .status(),
            403
        );
        assert_eq!(
            member
                .get(&format!("/organisations/{org}/invite"))
                .await
                .status(),
            200
        );
        let public = visible_text(&app.page(&page).await);
        assert!(
            public.contains("児玉太郎") && !public.contains("本庄花子"),
            "{public}"
        );
    })
}

#[derive(QueryableByName)]
struct Body {
    #[diesel(sql_type = Text)]
    body: String,
}

fn strangers_cannot_invite_or_take_an_invitation() {
    run(async {
        let app = TestApp::start().await;
        let rep = app.visitor();
        resident(&app, &rep, "hanako@example.jp", "本庄花子").await;
        let org = create_org(&rep, "こだまの会").await;
        let stranger = app.visitor();
        resident(&app, &stranger, "jiro@example.jp", "次郎").await;
        let invitee = app.visitor();
        resident(&app, &invitee, "taro@example.jp", "児玉太郎").await;

        // A stranger cannot open the invitation form or send one.
        let path = format!("/organisations/{org}/invite");
        assert_eq!(stranger.get(&path).await.status(), 403);
        let sent = stranger
            .submit("/organisations", &path, &[("email", "someone@example.jp")])
            .await;
        assert_eq!(sent.status(), 403);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM organisation_invitations"),
            0
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'someone@example.jp'"
            ),
            0
        );

        // Someone else's invitation: refused, and it stays usable for its owner.
        let link = invite(&app, &rep, org, "taro@example.jp").await;
        let taken = accept(&stranger, &link).await;
        assert_eq!(taken.status(), 403);
        assert_eq!(role(&app, org, account_id(&app, "jiro@example.jp")), None);
        assert_eq!(accept(&invitee, &link).await.status(), 303);
        // Single use.
        let twice = accept(&invitee, &link).await;
        assert_eq!(twice.status(), 400);
        assert!(visible_text(&twice.text().await.unwrap()).contains("この招待のリンクは使えません"));
        assert_eq!(stranger.get(&link).await.status(), 400);
        assert_eq!(accept(&stranger, &link).await.status(), 400);
        assert_eq!(
            invitee
                .get("/organisations/join?token=forged")
                .await
                .status(),
            400
        );
        assert_eq!(audits(&app, "organisation.join", org), 1);

        // An expired invitation is no use either.
        let link = invite(&app, &rep, org, "jiro@example.jp").await;
        diesel::sql_query("UPDATE organisation_invitations SET expires_at = now() - interval '1 minute' WHERE accepted_at IS NULL")
            .execute(&mut app.db())
            .unwrap();
        assert_eq!(accept(&stranger, &link).await.status(), 400);

        // Invitations to one address are rate-limited.
        let mut last = 0;
        for _ in 0..6 {
            last = rep
                .submit(&path, &path, &[("email", "many@example.jp")])
                .await
                .status()
                .as_u16();
        }
        assert_eq!(last, 429);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'many@example.jp'"
            ),
            5
        );
    })
}

fn bad_input_keeps_what_was_typed() {
    run(async {
        let app = TestApp::start().await;
        let rep = app.visitor();
        resident(&app, &rep, "hanako@example.jp", "本庄花子").await;
        let long = "あ".repeat(101);
        let response = rep
            .submit(
                FORM,
                FORM,
                &[
                    ("name", &long),
                    ("kind", "club"),
                    ("description", "清掃活動\n防犯"),
                    ("contact", "電話 0495-00-0000"),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("value=\"{long}\"")),
            "the name stays"
        );
        assert!(
            html.contains("清掃活動\n防犯</textarea>"),
            "the description stays"
        );
        assert!(
            html.contains("value=\"電話 0495-00-0000\""),
            "the contact stays"
        );
        let text = visible_text(&html);
        assert!(
            text.contains("団体名は100文字以内") && text.contains("一覧から選んでください"),
            "{text}"
        );
        assert!(html.contains("aria-invalid=\"true\""));

        let response = rep
            .submit(
                FORM,
                FORM,
                &[
                    ("name", " "),
                    ("kind", "npo"),
                    ("description", &"x".repeat(2001)),
                    ("contact", "a\u{7}b"),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(
            html.contains("<option value=\"npo\" selected>"),
            "the chosen kind stays"
        );
        let text = visible_text(&html);
        assert!(
            text.contains("団体名を入力してください")
                && text.contains("2000文字以内")
                && text.contains("連絡先に使えない文字"),
            "{text}"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM organisations"), 0);

        let org = create_org(&rep, "こだまの会").await;
        let path = format!("/organisations/{org}/invite");
        let response = rep.submit(&path, &path, &[("email", "taro@example")]).await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(html.contains("value=\"taro@example\""));
        assert!(visible_text(&html).contains("メールアドレスの形式が正しくありません"));
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM organisation_invitations"),
            0
        );
    })
}

fn forms_without_csrf_change_nothing() {
    run(async {
        let app = TestApp::start().await;
        let rep = app.visitor();
        resident(&app, &rep, "hanako@example.jp", "本庄花子").await;
        let missing = rep
            .post(FORM, &[("name", "こだまの会"), ("kind", "npo")])
            .await;
        assert_eq!(missing.status(), 403);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM organisations"), 0);

        let org = create_org(&rep, "こだまの会").await;
        let member = app.visitor();
        resident(&app, &member, "taro@example.jp", "児玉太郎").await;
        let link = invite(&app, &rep, org, "taro@example.jp").await;
        let token = link.split("token=").nth(1).unwrap();
        let before = count(&app, "SELECT count(*) AS n FROM outbox");
        assert_eq!(
            rep.post(
                &format!("/organisations/{org}/invite"),
                &[("email", "x@example.jp")]
            )
            .await
            .status(),
            403
        );
        assert_eq!(
            member
                .post("/organisations/join", &[("token", token)])
                .await
                .status(),
            403
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox"), before);
        assert_eq!(
            role(&app, org, account_id(&app, "taro@example.jp")),
            None,
            "not joined"
        );
        assert_eq!(
            accept(&member, &link).await.status(),
            303,
            "the link still works"
        );
        let taro = account_id(&app, "taro@example.jp").to_string();
        assert_eq!(
            rep.post(&format!("/organisations/{org}/transfer"), &[("to", &taro)])
                .await
                .status(),
            403
        );
        assert_eq!(
            member
                .post(&format!("/organisations/{org}/leave"), &[])
                .await
                .status(),
            403
        );
        assert_eq!(
            role(&app, org, account_id(&app, "hanako@example.jp")).as_deref(),
            Some("representative")
        );
        assert_eq!(
            role(&app, org, account_id(&app, "taro@example.jp")).as_deref(),
            Some("member")
        );
    })
}

fn paths_and_sign_in_are_checked() {
    run(async {
        let app = TestApp::start().await;
        // Signed out: sent to sign in.
        let response = app.get(FORM).await;
        assert_eq!(response.status(), 303);
        assert!(response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
        // Not yet verified: refused.
        let unverified = app.visitor();
        sign_up(&unverified, "new@example.jp", "新人").await;
        log_in(&unverified, "new@example.jp").await;
        assert_eq!(unverified.get(FORM).await.status(), 403);
        // Unknown and malformed ids.
        let rep = app.visitor();
        resident(&app, &rep, "hanako@example.jp", "本庄花子").await;
        let unknown = Uuid::new_v4();
        assert_eq!(
            app.get(&format!("/organisations/{unknown}")).await.status(),
            404
        );
        assert_eq!(
            rep.get(&format!("/organisations/{unknown}/invite"))
                .await
                .status(),
            404
        );
        assert_eq!(
            rep.submit(
                "/organisations",
                &format!("/organisations/{unknown}/leave"),
                &[]
            )
            .await
            .status(),
            404
        );
        assert_eq!(app.get("/organisations/not-a-uuid").await.status(), 400);
        assert_eq!(
            rep.submit("/organisations", "/organisations/not-a-uuid/leave", &[])
                .await
                .status(),
            400
        );
        let mine = visible_text(&rep.page("/organisations/mine").await);
        assert!(mine.contains("所属している団体はありません"), "{mine}");
        assert!(
            rep.page("/organisations")
                .await
                .contains("href=\"/organisations/mine\""),
            "the list links to one's own"
        );
    })
}

/// Where a direct call to the domain comes from: this app's address and clock, and `ip`.
fn origin(app: &TestApp, ip: Option<&str>) -> kyodo::auth::accounts::Origin {
    kyodo::auth::accounts::Origin {
        public_url: app.base.clone(),
        ip: ip.map(str::to_owned),
        now: app.clock.now(),
    }
}
