//! Meetings (意見を聴く場), the public pages over HTTP: the list by measure, kind and month (a
//! bad filter said in Japanese beside its field, the others kept), a meeting's page before and
//! after registering (the on-line URL only with a seat), the waiting list moving up on a
//! cancellation, the emailed cancel and unsubscribe links of a person staff registered, no
//! registrant's name, phone or address on any public page; and in Chromium, axe and the Nu
//! checker on the list and the pages.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::db::{count, text};
use crate::support::html::outline;
use crate::support::mail::link_in_outbox;
use crate::support::meetings::{account, change, meeting, registration_day};
use crate::support::people::{department, log_in, organisation, resident, sign_up, staff_member};
use crate::support::{run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;
use kyodo::meetings::registrations::{self, Channel, NewRegistration, Person, Registrant};

pub const TESTS: &[(&str, fn())] = &[
    (
        "meetings_pages::the_list_filters_by_measure_kind_and_month",
        the_list_filters_by_measure_kind_and_month,
    ),
    (
        "meetings_pages::a_bad_filter_is_said_in_japanese_and_the_others_kept",
        a_bad_filter_is_said_in_japanese_and_the_others_kept,
    ),
    (
        "meetings_pages::a_seat_then_the_waiting_list_and_a_cancellation_moves_it_up",
        a_seat_then_the_waiting_list_and_a_cancellation_moves_it_up,
    ),
    (
        "meetings_pages::refused_registrations_say_why_and_keep_what_was_typed",
        refused_registrations_say_why_and_keep_what_was_typed,
    ),
    (
        "meetings_pages::a_person_without_an_account_cancels_and_unsubscribes_by_link",
        a_person_without_an_account_cancels_and_unsubscribes_by_link,
    ),
    (
        "meetings_pages::registrants_are_never_named_on_a_public_page",
        registrants_are_never_named_on_a_public_page,
    ),
    (
        "meetings_pages::after_the_meeting_its_record_minutes_and_proposals",
        after_the_meeting_its_record_minutes_and_proposals,
    ),
    (
        "meetings_pages::the_pages_pass_axe_and_the_nu_checker",
        the_pages_pass_axe_and_the_nu_checker,
    ),
];

const DEPT: &str = "企画課";
const ONLINE: &str = "https://meet.example.jp/room-4410";

fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut app.db())
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

fn on_measure(app: &TestApp, id: i32, code: &str) {
    sql(
        app,
        &format!("INSERT INTO meeting_measures (meeting_id, measure_code) VALUES ({id}, '{code}')"),
    );
}

/// A workshop of January 2027 on 5-1 with a sign language interpreter, a 対話集会 of December
/// on 6-1, a held 懇談会 of November, and a draft: their ids in that order.
fn four_meetings(app: &TestApp) -> (i32, i32, i32, i32) {
    let dept = department(app, DEPT);
    let december = meeting(app, dept, "市長と語る会 12月", Some(2));
    on_measure(app, december, "6-1");
    let january = meeting(app, dept, "駅前広場ワークショップ", None);
    change(
        app,
        january,
        "kind = 'workshop', starts_at = '2027-01-16T01:00:00Z', ends_at = '2027-01-16T03:00:00Z', \
         sign_language = true, childcare = true, online_url = 'https://meet.example.jp/ws', \
         venue_name = NULL, venue_address = NULL",
    );
    on_measure(app, january, "5-1");
    let november = meeting(app, dept, "北泉地区 地域懇談会", Some(30));
    change(
        app,
        november,
        "kind = 'roundtable', starts_at = '2026-11-25T10:00:00Z', ends_at = '2026-11-25T12:00:00Z', \
         published_at = '2026-11-01T00:00:00Z', attendance = 24, attendance_recorded_at = '2026-11-26T00:00:00Z'",
    );
    on_measure(app, november, "6-1");
    let draft = meeting(app, dept, "非公開の下書き会議", None);
    change(app, draft, "published_at = NULL");
    on_measure(app, draft, "6-1");
    (january, december, november, draft)
}

/// The list's sections, as read: (upcoming, past).
fn sections(html: &str) -> (String, String) {
    let text = visible_text(html);
    let upcoming = text.find("これからの開催").expect("an upcoming section");
    let past = text.find("これまでの開催").expect("a past section");
    (text[upcoming..past].to_owned(), text[past..].to_owned())
}

fn the_list_filters_by_measure_kind_and_month() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        four_meetings(&app);
        let html = app.page("/meetings").await;
        assert!(
            html.contains("<a href=\"/meetings\">意見を聴く場</a>"),
            "the site's menu links the list"
        );
        // The calendar to subscribe to and the feed, linked where people find meetings.
        for (href, kind) in [
            ("/meetings.ics", "text/calendar"),
            ("/meetings.atom", "application/atom+xml"),
        ] {
            assert!(
                html.contains(&format!("href=\"{href}\"")),
                "the list links {href}"
            );
            let got = app.visitor().get(href).await;
            assert_eq!(got.status(), 200, "{href}");
            assert!(got.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind));
        }
        let (upcoming, past) = sections(&html);
        assert!(upcoming.contains("市長と語る会 12月"), "{upcoming}");
        assert!(upcoming.contains("駅前広場ワークショップ"));
        assert!(
            upcoming.find("市長と語る会").unwrap() < upcoming.find("駅前広場").unwrap(),
            "soonest first"
        );
        assert!(
            upcoming.contains("令和8年12月12日（土）14:00〜16:00"),
            "{upcoming}"
        );
        assert!(
            upcoming.contains("令和9年1月16日（土）10:00〜12:00"),
            "{upcoming}"
        );
        assert!(upcoming.contains("対話集会") && upcoming.contains("ワークショップ"));
        assert!(upcoming.contains("本庄市役所 7階大会議室"));
        assert!(
            upcoming.contains("会場: オンライン"),
            "on line only: {upcoming}"
        );
        assert!(upcoming.contains("残り 2 席（定員 2 人）"), "{upcoming}");
        assert!(upcoming.contains("定員なし"));
        assert!(
            upcoming.contains("情報保障・配慮: 手話通訳・託児"),
            "{upcoming}"
        );
        assert!(upcoming.contains("6-1") && upcoming.contains("5-1"));
        assert!(html.contains("href=\"/measures/6-1\""));
        assert!(past.contains("北泉地区 地域懇談会"), "{past}");
        assert!(
            past.contains("開催済") && past.contains("参加者 24 人"),
            "{past}"
        );
        assert!(
            !html.contains("非公開の下書き会議"),
            "drafts are never listed"
        );

        let shown = |html: &str| {
            let text = visible_text(html);
            [
                "市長と語る会 12月",
                "駅前広場ワークショップ",
                "北泉地区 地域懇談会",
            ]
            .into_iter()
            .filter(|title| text.contains(title))
            .collect::<Vec<_>>()
        };
        let by_measure = app.page("/meetings?measure=6-1").await;
        assert_eq!(
            shown(&by_measure),
            ["市長と語る会 12月", "北泉地区 地域懇談会"]
        );
        assert!(by_measure.contains("<option value=\"6-1\" selected>"));
        assert!(!by_measure.contains("非公開の下書き会議"));
        assert_eq!(
            shown(&app.page("/meetings?kind=workshop").await),
            ["駅前広場ワークショップ"]
        );
        assert_eq!(
            shown(&app.page("/meetings?month=2026-12").await),
            ["市長と語る会 12月"]
        );
        assert_eq!(
            shown(
                &app.page("/meetings?month=2027-01&measure=5-1&kind=workshop")
                    .await
            ),
            ["駅前広場ワークショップ"]
        );
        let none = visible_text(&app.page("/meetings?month=2026-10").await);
        assert!(none.contains("条件に合う開催はありません。"), "{none}");
        // English: the same list, its words translated.
        let english = app.get_in("en", "/meetings").await;
        assert_eq!(english.status(), 200);
        let english = visible_text(&english.text().await.unwrap());
        assert!(
            english.contains("Sat 12 December 2026, 14:00-16:00"),
            "{english}"
        );
        assert!(
            english.contains("Upcoming") && english.contains("Workshop"),
            "{english}"
        );
    });
}

fn a_bad_filter_is_said_in_japanese_and_the_others_kept() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let (_, _, _, draft) = four_meetings(&app);
        for (query, message) in [
            ("kind=party&measure=6-1", "種別「party」はありません"),
            (
                "month=2026-13&measure=6-1",
                "開催月「2026-13」は「2026-12」のように",
            ),
            ("month=令和8年12月&measure=6-1", "開催月「令和8年12月」は"),
        ] {
            let response = app.get(&format!("/meetings?{query}")).await;
            assert_eq!(response.status(), 400, "{query}");
            let html = response.text().await.unwrap();
            let text = visible_text(&html);
            assert!(text.contains(message), "{query}: {text}");
            assert!(
                html.contains("<option value=\"6-1\" selected>"),
                "the measure is kept"
            );
            assert!(
                text.contains("市長と語る会 12月") && !text.contains("駅前広場ワークショップ"),
                "the valid filter still applies: {text}"
            );
        }
        let response = app.get("/meetings?measure=9-9&kind=workshop").await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(visible_text(&html).contains("施策「9-9」は計画にありません"));
        assert!(html.contains("<option value=\"workshop\" selected>"));
        let response = app.get("/meetings?measure=six").await;
        assert_eq!(response.status(), 400);
        assert!(visible_text(&response.text().await.unwrap()).contains("「5-1」のように"));
        // A draft is no page for the public, whatever its number.
        assert_eq!(app.get(&format!("/meetings/{draft}")).await.status(), 404);
        assert_eq!(app.get("/meetings/999999").await.status(), 404);
    });
}

/// Registers on the meeting's page's form.
async fn register(visitor: &Visitor, id: i32, fields: &[(&str, &str)]) -> reqwest::Response {
    visitor
        .submit(
            &format!("/meetings/{id}"),
            &format!("/meetings/{id}/register"),
            fields,
        )
        .await
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn a_seat_then_the_waiting_list_and_a_cancellation_moves_it_up() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let dept = department(&app, DEPT);
        let id = meeting(&app, dept, "市長と語る会", Some(1));
        change(&app, id, &format!("online_url = '{ONLINE}'"));
        let path = format!("/meetings/{id}");

        let anonymous = visible_text(&app.page(&path).await);
        assert!(
            anonymous.contains("ログインして参加を申し込む"),
            "{anonymous}"
        );
        assert!(anonymous.contains("参加が確定した方にこのページとメールでお知らせします"));
        assert!(!anonymous.contains(ONLINE));

        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄 花子").await;
        let before = hanako.page(&path).await;
        assert!(before.contains("action=\"/meetings/"), "the form");
        assert!(!before.contains(ONLINE), "no URL before registering");
        let response = register(&hanako, id, &[("needs", "手話通訳を希望します")]).await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            location(&response),
            format!("/meetings/{id}?done=seat#registration")
        );
        let after = hanako.page(&format!("/meetings/{id}?done=seat")).await;
        let text = visible_text(&after);
        assert!(text.contains("参加の申込みを受け付けました"), "{text}");
        assert!(text.contains("参加が確定しています。"));
        assert!(text.contains("配慮の希望: 手話通訳を希望します"), "{text}");
        assert!(
            after.contains(&format!("href=\"{ONLINE}\"")),
            "the URL, once seated"
        );
        let again = register(&hanako, id, &[]).await;
        assert_eq!(
            location(&again),
            format!("/meetings/{id}?done=already#registration")
        );
        assert!(
            visible_text(&hanako.page(&format!("/meetings/{id}?done=already")).await)
                .contains("すでに申し込まれています")
        );

        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉 太郎").await;
        let org = organisation(&app, "taro@example.jp", "駅北口自治会");
        let full = taro.page(&path).await;
        assert!(
            full.contains(&format!("<option value=\"{org}\">駅北口自治会</option>")),
            "he may register for his organisation"
        );
        let full = visible_text(&full);
        assert!(
            full.contains("満席・キャンセル待ちで受付中（0 人待ち）"),
            "{full}"
        );
        assert!(full.contains("キャンセル待ちで申し込む"));
        let response = register(&taro, id, &[("organisation", &org)]).await;
        assert_eq!(
            location(&response),
            format!("/meetings/{id}?done=waiting#registration")
        );
        let waiting = taro.page(&path).await;
        assert!(visible_text(&waiting).contains("キャンセル待ちの 1 番目です"));
        assert!(visible_text(&waiting).contains("申込みの名義: 駅北口自治会"));
        assert!(!waiting.contains(ONLINE), "no URL on the waiting list");
        assert!(visible_text(&app.page("/meetings").await).contains("（1 人待ち）"));

        // Staff who run the department's meetings see the URL; others do not.
        let staff = staff_member(
            &app,
            "staff@example.jp",
            "職員",
            &[("reviewer", Some(DEPT))],
        )
        .await;
        assert!(staff.page(&path).await.contains(ONLINE));
        let other = staff_member(
            &app,
            "other@example.jp",
            "他課職員",
            &[("reviewer", Some("税務課"))],
        )
        .await;
        assert!(!other.page(&path).await.contains(ONLINE));

        // Hanako cancels: Taro moves up, sees the URL, and is emailed.
        let response = hanako
            .submit(&path, &format!("/meetings/{id}/cancel"), &[])
            .await;
        assert_eq!(
            location(&response),
            format!("/meetings/{id}?done=cancelled#registration")
        );
        let text = visible_text(&hanako.page(&format!("{path}?done=cancelled")).await);
        assert!(text.contains("参加の申込みを取り消しました"), "{text}");
        assert!(
            text.contains("キャンセル待ちで申し込む"),
            "the form again: {text}"
        );
        let moved = taro.page(&path).await;
        assert!(visible_text(&moved).contains("参加が確定しています。"));
        assert!(moved.contains(ONLINE));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'taro@example.jp' AND subject LIKE '%繰り上げ%'"
            ),
            1,
            "Taro is told once"
        );
        // Nothing left to cancel: said, not a failure.
        let response = hanako
            .submit(&path, &format!("/meetings/{id}/cancel"), &[])
            .await;
        assert_eq!(response.status(), 409);
        assert!(
            visible_text(&response.text().await.unwrap()).contains("取り消す申込みはありません")
        );
        // A form without its token is refused.
        let forged = taro
            .post(&format!("/meetings/{id}/cancel"), &[("csrf", "x")])
            .await;
        assert_eq!(forged.status(), 403);
    });
}

fn refused_registrations_say_why_and_keep_what_was_typed() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let dept = department(&app, DEPT);
        let id = meeting(&app, dept, "市長と語る会", Some(10));
        let path = format!("/meetings/{id}");
        const NEEDS: &str = "車椅子で伺います。段差のない入口を教えてください。";

        // Signed out (a session that ended while the page was open): the token of any form.
        let stranger = app.visitor();
        let response = stranger
            .submit(
                "/login",
                &format!("/meetings/{id}/register"),
                &[("needs", NEEDS)],
            )
            .await;
        assert_eq!(response.status(), 403);
        let text = visible_text(&response.text().await.unwrap());
        assert!(
            text.contains("参加を申し込むには、ログインしてください。"),
            "{text}"
        );
        assert!(text.contains(NEEDS), "kept: {text}");

        let unverified = app.visitor();
        assert_eq!(
            sign_up(&unverified, "new@example.jp", "未確認 さん")
                .await
                .status(),
            200
        );
        assert_eq!(log_in(&unverified, "new@example.jp").await.status(), 303);
        assert!(visible_text(&unverified.page(&path).await)
            .contains("参加の申込みは、メールアドレスの確認が済んでからできます。"));
        let response = register(&unverified, id, &[("needs", NEEDS)]).await;
        assert_eq!(response.status(), 403);
        let text = visible_text(&response.text().await.unwrap());
        assert!(
            text.contains("メールアドレスの確認が済んでいません"),
            "{text}"
        );
        assert!(text.contains(NEEDS));

        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄 花子").await;
        let long = "配".repeat(1001);
        let response = register(&hanako, id, &[("needs", &long)]).await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(visible_text(&html).contains("1000文字以内"), "too long");
        assert!(html.contains(&long), "kept");
        let response = register(
            &hanako,
            id,
            &[
                ("needs", NEEDS),
                ("organisation", "00000000-0000-4000-8000-000000000001"),
            ],
        )
        .await;
        assert_eq!(response.status(), 409);
        let html = response.text().await.unwrap();
        assert!(visible_text(&html).contains("この団体の名前では申し込めません"));
        assert!(html.contains(NEEDS));

        change(&app, id, "registration_closes_at = '2026-11-30T00:00:00Z'");
        let closed = visible_text(&hanako.page(&path).await);
        assert!(closed.contains("受付終了") && closed.contains("申込みの受付は終了しました。"));
        let response = register(&hanako, id, &[("needs", NEEDS)]).await;
        assert_eq!(response.status(), 409);
        let html = response.text().await.unwrap();
        assert!(visible_text(&html).contains("申込みの受付は終了しました。"));
        assert!(html.contains(NEEDS), "kept");
        change(
            &app,
            id,
            "registration_closes_at = NULL, registration_opens_at = '2026-12-05T00:00:00Z'",
        );
        let response = register(&hanako, id, &[("needs", NEEDS)]).await;
        assert_eq!(response.status(), 409);
        assert!(visible_text(&response.text().await.unwrap())
            .contains("申込みの受付は令和8年12月5日からです。"));
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM meeting_registrations"),
            0
        );
    });
}

/// Someone who phoned, registered by staff with a name, phone and address; the secret of
/// their cancel link.
fn phoned(app: &TestApp, id: i32, name: &str, phone: &str, email: &str) -> String {
    let staff = account(app, &format!("staff-{phone}@example.jp"), "職員");
    registrations::register(
        &mut app.db(),
        id,
        &NewRegistration {
            registrant: Registrant::Person(Person::parse(name, phone, email).unwrap()),
            channel: Channel::Phone,
            needs: Some("補聴器を使います".into()),
            entered_by: Some(staff),
        },
        registration_day(),
        None,
        &app.base,
    )
    .unwrap()
    .unwrap()
    .cancel_token
    .unwrap()
}

fn a_person_without_an_account_cancels_and_unsubscribes_by_link() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let dept = department(&app, DEPT);
        let id = meeting(&app, dept, "地域懇談会", Some(1));
        phoned(&app, id, "電話 受付子", "0495-25-1111", "caller@example.jp");
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄 花子").await;
        register(&hanako, id, &[]).await;
        assert!(visible_text(&hanako.page(&format!("/meetings/{id}")).await)
            .contains("キャンセル待ちの 1 番目です"));

        let link = link_in_outbox(&app, "caller@example.jp", "/meetings/cancel?token=");
        let visitor = app.visitor();
        let confirm = visible_text(&visitor.page(&link).await);
        assert!(confirm.contains("参加申込みの取消し"), "{confirm}");
        assert!(confirm.contains("地域懇談会") && confirm.contains("令和8年12月12日（土）"));
        assert!(confirm.contains("参加が確定しています。"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM meeting_registrations WHERE status = 'cancelled'"
            ),
            0,
            "opening the link cancels nothing"
        );
        let response = visitor.submit(&link, &link, &[]).await;
        assert_eq!(response.status(), 200);
        assert!(visible_text(&response.text().await.unwrap()).contains("申込みを取り消しました"));
        assert!(
            visible_text(&hanako.page(&format!("/meetings/{id}")).await)
                .contains("参加が確定しています。"),
            "the waiting list moved up"
        );
        let gone = visitor.get(&link).await;
        assert_eq!(gone.status(), 404);
        assert!(visible_text(&gone.text().await.unwrap()).contains("この申込みは見つかりません"));
        assert_eq!(visitor.submit("/login", &link, &[]).await.status(), 404);

        // Another caller stops the emails: the address goes, the registration stays.
        let token = phoned(&app, id, "窓口 次郎", "0495-25-2222", "second@example.jp");
        let unsubscribe = format!("/meetings/unsubscribe?token={token}");
        let page = visible_text(&visitor.page(&unsubscribe).await);
        assert!(
            page.contains("意見を聴く場のお知らせメールの停止"),
            "{page}"
        );
        let response = app.client.post(app.url(&unsubscribe)).send().await.unwrap();
        assert_eq!(
            response.status(),
            200,
            "one click, as a mail client posts it"
        );
        assert!(visible_text(&response.text().await.unwrap()).contains("メールを停止しました"));
        assert_eq!(
            text(
                &app,
                "SELECT coalesce(email, 'forgotten') FROM meeting_registrations WHERE name = '窓口 次郎'"
            ),
            "forgotten"
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM meeting_registrations WHERE cancel_token = '{token}'")
            ),
            0,
            "only the link's digest is kept"
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM meeting_registrations WHERE status = 'waiting'"
            ),
            1
        );
        let unknown = app
            .client
            .post(app.url("/meetings/unsubscribe?token=no-such-token"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
        assert_eq!(app.get("/meetings/cancel?token=").await.status(), 404);
    });
}

fn registrants_are_never_named_on_a_public_page() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let dept = department(&app, DEPT);
        let id = meeting(&app, dept, "市長と語る会", Some(5));
        on_measure(&app, id, "6-1");
        phoned(
            &app,
            id,
            "電話 秘子",
            "0495-99-8765",
            "hidden-caller@example.jp",
        );
        let hanako = app.visitor();
        resident(&app, &hanako, "private-hanako@example.jp", "秘密 花子").await;
        register(&hanako, id, &[("needs", "内緒の配慮")]).await;
        let private = [
            "電話 秘子",
            "0495-99-8765",
            "hidden-caller@example.jp",
            "補聴器を使います",
            "秘密 花子",
            "private-hanako@example.jp",
            "内緒の配慮",
        ];
        for lang in ["ja", "en"] {
            for path in [
                "/meetings".to_owned(),
                "/meetings?measure=6-1".to_owned(),
                format!("/meetings/{id}"),
                "/measures/6-1".to_owned(),
            ] {
                let response = app.get_in(lang, &path).await;
                assert_eq!(response.status(), 200, "{path}");
                let html = response.text().await.unwrap();
                for secret in private {
                    assert!(!html.contains(secret), "{secret} on {path} ({lang})");
                }
            }
        }
        let page = visible_text(&app.page(&format!("/meetings/{id}")).await);
        assert!(
            page.contains("残り 3 席（定員 5 人）"),
            "only counts: {page}"
        );
    });
}

/// Meeting `id` held on 令和8年11月25日 with 18 people, its minutes published, a proposal born
/// in it (and a draft linked too, which stays hidden), and a change notice.
fn held_with_minutes(app: &TestApp, id: i32) {
    change(
        app,
        id,
        "starts_at = '2026-11-25T05:00:00Z', ends_at = '2026-11-25T07:00:00Z', \
         published_at = '2026-11-01T00:00:00Z', attendance = 18, \
         attendance_recorded_at = '2026-11-26T00:00:00Z', \
         minutes_summary = '駅前の回遊性について意見を交わしました。', \
         minutes_published_at = '2026-11-28T00:00:00Z'",
    );
    sql(
        app,
        &format!(
            "INSERT INTO meeting_minutes (meeting_id, number, topic, said, response) VALUES
             ({id}, 1, '駐輪場', '駅北口の駐輪場が足りません。', '令和9年度に増設を検討します。'),
             ({id}, 2, 'ベンチ', '歩道にベンチがほしい。', NULL)"
        ),
    );
    sql(
        app,
        &format!(
            "INSERT INTO meeting_notices (meeting_id, kind, body, posted_at) VALUES
             ({id}, 'changed', '会場を本庄市役所 4階 大会議室に変更しました。', '2026-11-10T00:00:00Z')"
        ),
    );
    let author = account(app, "author@example.jp", "提案 太郎");
    for (title, submitted) in [("駅北口に駐輪場を", "now()"), ("下書きの提案", "NULL")]
    {
        sql(
            app,
            &format!(
                "WITH p AS (
                   INSERT INTO proposals (id, author_id, state, title, summary, submitted_at)
                   VALUES (gen_random_uuid(), '{author}', CASE WHEN {submitted} IS NULL THEN 'draft' ELSE 'submitted' END,
                           '{title}', '要旨', {submitted}) RETURNING id)
                 INSERT INTO meeting_proposals (meeting_id, proposal_id, linked_at)
                 SELECT {id}, id, now() FROM p"
            ),
        );
    }
}

fn after_the_meeting_its_record_minutes_and_proposals() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let dept = department(&app, DEPT);
        let id = meeting(&app, dept, "駅前まちづくり懇談会", Some(30));
        on_measure(&app, id, "6-1");
        held_with_minutes(&app, id);
        let html = app.page(&format!("/meetings/{id}")).await;
        assert!(
            html.contains(&format!("href=\"/meetings/{id}.ics\"")),
            "the page offers its calendar file"
        );
        let text = visible_text(&html);
        assert!(
            text.contains("開催済") && text.contains("参加者 18 人"),
            "{text}"
        );
        assert!(text.contains("変更のお知らせ") && text.contains("4階 大会議室に変更しました"));
        assert!(
            text.find("変更のお知らせ").unwrap() < text.find("開催の概要").unwrap(),
            "notices on top"
        );
        assert!(text.contains("駅前の回遊性について意見を交わしました。"));
        assert!(
            text.contains("駅北口の駐輪場が足りません。 令和9年度に増設を検討します。"),
            "{text}"
        );
        assert!(text.contains("歩道にベンチがほしい。 （記載なし）"));
        assert!(
            text.contains("この場から生まれた提案 駅北口に駐輪場を"),
            "{text}"
        );
        assert!(
            !text.contains("下書きの提案"),
            "a draft proposal stays hidden"
        );
        assert!(html.contains("href=\"/measures/6-1\""));
        assert!(text.contains("申込みの受付は終了しました。"));
        insta::assert_snapshot!("meeting_page_outline", outline(&html));

        // Minutes not yet published: the record says they will come.
        change(&app, id, "minutes_published_at = NULL");
        let text = visible_text(&app.page(&format!("/meetings/{id}")).await);
        assert!(
            text.contains("議事録は、準備ができしだい掲載します。"),
            "{text}"
        );
        assert!(!text.contains("駅北口の駐輪場が足りません。"));

        // Cancelled: said on top.
        let cancelled = meeting(&app, dept, "中止になった説明会", None);
        change(&app, cancelled, "cancelled_at = '2026-11-30T00:00:00Z'");
        let text = visible_text(&app.page(&format!("/meetings/{cancelled}")).await);
        assert!(text.contains("この開催は中止になりました。") && text.contains("中止"));
        assert!(!text.contains("参加を申し込む"));
    });
}

fn the_pages_pass_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(registration_day());
        let (january, december, _, _) = four_meetings(&app);
        held_with_minutes(&app, january);
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄 花子").await;
        let token = phoned(
            &app,
            december,
            "電話 受付子",
            "0495-25-1111",
            "caller@example.jp",
        );
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        for (name, path) in [
            ("meetings-list", "/meetings".to_owned()),
            ("meetings-list-refused", "/meetings?kind=party".to_owned()),
            ("meeting-held", format!("/meetings/{january}")),
            ("meeting-anonymous", format!("/meetings/{december}")),
            (
                "meeting-cancel-link",
                format!("/meetings/cancel?token={token}"),
            ),
            (
                "meeting-unsubscribe-link",
                format!("/meetings/unsubscribe?token={token}"),
            ),
            (
                "meeting-unknown-link",
                "/meetings/cancel?token=gone".to_owned(),
            ),
        ] {
            browser.goto(&app.url(&path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        sign_in_as(&browser, &app, "hanako@example.jp").await;
        browser
            .goto(&app.url(&format!("/meetings/{december}")))
            .await
            .unwrap();
        browser
            .fill("#field-needs", "手話通訳を希望します")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("meeting-form").await {
            failures.push(e);
        }
        browser
            .click("#registration form button[type=submit]")
            .await
            .unwrap();
        let done = browser
            .wait_for_text("main", "参加が確定しています")
            .await
            .unwrap();
        assert!(done.contains("参加の申込みを受け付けました"), "{done}");
        if let Err(e) = browser.assert_accessible("meeting-registered").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    });
}
