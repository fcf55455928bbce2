//! Meetings as open data and on the plan: `/api/v1/meetings` (filters, paging, a meeting with
//! its minutes, problem details), never a registrant nor the on-line URL; KPI 6-1's live count
//! by kind on the measure page and its API; a measure page's meetings; `kyodo demo`'s meetings.

use crate::support::browser::Browser;
use crate::support::consultations::{create_december, jst};
use crate::support::html::visible_text;
use crate::support::meetings::{account, change, meeting, registration_day};
use crate::support::people::{department, staff_member};
use crate::support::{run, TestApp};
use diesel::prelude::*;
use kyodo::meetings::registrations::{self, Channel, NewRegistration, Person, Registrant};
use serde_json::{json, Value};

pub const TESTS: &[(&str, fn())] = &[
    (
        "meetings_api::the_api_lists_filters_and_shows_published_meetings_without_people",
        the_api_lists_filters_and_shows_published_meetings_without_people,
    ),
    (
        "meetings_api::the_api_refuses_bad_filters_and_unknown_meetings_as_problems",
        the_api_refuses_bad_filters_and_unknown_meetings_as_problems,
    ),
    (
        "meetings_api::the_list_pages_through_every_meeting_once",
        the_list_pages_through_every_meeting_once,
    ),
    (
        "meetings_api::kpi_6_1_counts_held_meetings_by_kind_and_consultations",
        kpi_6_1_counts_held_meetings_by_kind_and_consultations,
    ),
    (
        "meetings_api::the_measure_page_lists_its_coming_and_held_meetings",
        the_measure_page_lists_its_coming_and_held_meetings,
    ),
    (
        "meetings_api::the_demo_has_held_meetings_with_minutes_and_a_full_one_coming",
        the_demo_has_held_meetings_with_minutes_and_a_full_one_coming,
    ),
    (
        "meetings_api::measure_pages_with_meetings_are_accessible",
        measure_pages_with_meetings_are_accessible,
    ),
];

/// What a registrant gave, and the on-line URL: none of it may be in a public response.
const PRIVATE: [&str; 7] = [
    "山口 幸子",
    "0495-11-2222",
    "sachiko@example.jp",
    "seat1@example.jp",
    "席 一郎",
    "meet.example.org",
    "車椅子を利用します",
];

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

fn on_line(account: uuid::Uuid) -> NewRegistration {
    NewRegistration {
        registrant: Registrant::Account {
            account,
            organisation: None,
        },
        channel: Channel::Web,
        needs: None,
        entered_by: None,
    }
}

fn register(app: &TestApp, id: i32, new: &NewRegistration) {
    registrations::register(&mut app.db(), id, new, registration_day(), None, &app.base)
        .unwrap()
        .unwrap_or_else(|refused| panic!("refused: {refused:?}"));
}

/// Records that `id` was held with `attendance` people, minutes published.
fn held(app: &TestApp, id: i32, attendance: i32) {
    change(
        app,
        id,
        &format!("attendance = {attendance}, attendance_recorded_at = ends_at + interval '1 day'"),
    );
}

fn ids(list: &Value) -> Vec<i64> {
    list["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

/// A 対話集会 on 12 December for two on 6-1, full with one waiting (one of them entered by
/// staff from a phone call), on line too; a workshop held on 10 November on 5-1 with minutes;
/// a draft. The clock on 1 December.
struct Three {
    coming: i32,
    workshop: i32,
    draft: i32,
}

fn three(app: &TestApp) -> Three {
    let dept = department(app, "企画課");
    let coming = meeting(app, dept, "児玉地域の対話集会", Some(2));
    change(
        app,
        coming,
        "online_url = 'https://meet.example.org/secret-room', sign_language = true",
    );
    on_measure(app, coming, "6-1");
    let staff = account(app, "staff@example.jp", "職員");
    register(
        app,
        coming,
        &NewRegistration {
            registrant: Registrant::Person(
                Person::parse("山口 幸子", "0495-11-2222", "sachiko@example.jp").unwrap(),
            ),
            channel: Channel::Phone,
            needs: Some("車椅子を利用します".into()),
            entered_by: Some(staff),
        },
    );
    register(
        app,
        coming,
        &on_line(account(app, "seat1@example.jp", "席 一郎")),
    );
    register(
        app,
        coming,
        &on_line(account(app, "wait@example.jp", "待ち 花子")),
    );

    let workshop = meeting(app, dept, "協働のまちづくりワークショップ", None);
    change(
        app,
        workshop,
        "kind = 'workshop', starts_at = '2026-11-10 01:00:00+00', ends_at = '2026-11-10 03:00:00+00',
         minutes_summary = '24人が参加しました。', minutes_published_at = '2026-11-12 01:00:00+00'",
    );
    held(app, workshop, 24);
    sql(
        app,
        &format!(
            "INSERT INTO meeting_minutes (meeting_id, number, topic, said, response)
             VALUES ({workshop}, 1, '自治会の担い手', '役員のなり手がいない。', '事務を軽くするモデル事業を検討します。'),
                    ({workshop}, 2, '団体どうしのつながり', '知り合う機会がない。', NULL)"
        ),
    );
    on_measure(app, workshop, "5-1");

    let draft = meeting(app, dept, "まだ下書きの懇談会", None);
    change(app, draft, "published_at = NULL");
    on_measure(app, draft, "6-1");
    app.clock.set(jst(2026, 12, 1, 10, 0, 0));
    Three {
        coming,
        workshop,
        draft,
    }
}

fn the_api_lists_filters_and_shows_published_meetings_without_people() {
    run(async {
        let app = TestApp::start().await;
        let three = three(&app);
        let (coming, workshop) = (i64::from(three.coming), i64::from(three.workshop));

        let all = app.json("/api/v1/meetings").await;
        assert_eq!(ids(&all), [workshop, coming], "earliest first, no draft");
        assert_eq!(all["next"], Value::Null);
        let listed = &all["meetings"][1];
        assert_eq!(listed["kind"], "dialogue");
        assert_eq!(listed["title"], "児玉地域の対話集会");
        assert_eq!(listed["department"], "企画課");
        assert_eq!(listed["measures"], json!(["6-1"]));
        assert_eq!(listed["starts_at"], "2026-12-12T05:00:00Z");
        assert_eq!(listed["ends_at"], "2026-12-12T07:00:00Z");
        assert_eq!(listed["state"], "upcoming");
        assert_eq!(listed["online"], true);
        assert_eq!(
            (
                &listed["capacity"],
                &listed["seats_left"],
                &listed["waiting"]
            ),
            (&json!(2), &json!(0), &json!(1)),
            "full, one waiting"
        );
        assert_eq!(listed["registration"]["open"], true);
        assert_eq!(listed["registration"]["closes_at"], "2026-12-12T05:00:00Z");
        assert_eq!(listed["accessibility"]["sign_language"], true);
        assert_eq!(listed["venue"]["name"], "本庄市役所 7階大会議室");
        assert_eq!(listed["attendance"], Value::Null);
        assert_eq!(
            listed["links"],
            json!({ "html": format!("/meetings/{coming}"), "ics": format!("/meetings/{coming}.ics") })
        );

        for (query, expected) in [
            ("measure=6-1", vec![coming]),
            ("measure=5-1", vec![workshop]),
            ("measure=6-2", vec![]),
            ("kind=workshop", vec![workshop]),
            ("kind=dialogue&measure=6-1", vec![coming]),
            ("when=upcoming", vec![coming]),
            ("when=past", vec![workshop]),
            ("month=2026-11", vec![workshop]),
            ("month=2026-12", vec![coming]),
            ("from=2026-12-12&to=2026-12-12", vec![coming]),
            ("to=2026-12-11", vec![workshop]),
            ("from=2026-11-11", vec![coming]),
            ("month=2026-12&to=2026-12-11", vec![]),
        ] {
            let page = app.json(&format!("/api/v1/meetings?{query}")).await;
            assert_eq!(ids(&page), expected, "?{query}");
        }

        let detail = app.json(&format!("/api/v1/meetings/{workshop}")).await;
        assert_eq!(detail["state"], "held");
        assert_eq!(detail["attendance"], 24);
        assert_eq!(
            detail["description"],
            "地域の将来について市長と語り合います。"
        );
        assert_eq!(detail["minutes"]["summary"], "24人が参加しました。");
        assert_eq!(
            detail["minutes"]["topics"],
            json!([
                { "number": 1, "topic": "自治会の担い手", "said": "役員のなり手がいない。", "response": "事務を軽くするモデル事業を検討します。" },
                { "number": 2, "topic": "団体どうしのつながり", "said": "知り合う機会がない。", "response": null },
            ])
        );
        let one = app.json(&format!("/api/v1/meetings/{coming}")).await;
        assert_eq!(one["minutes"], Value::Null, "none published");
        assert_eq!(one["notices"], json!([]));
        assert_eq!(
            app.get(&format!("/api/v1/meetings/{}", three.draft))
                .await
                .status(),
            404
        );

        // Cancelled: still listed, as cancelled, with its notice.
        change(
            &app,
            three.coming,
            "cancelled_at = '2026-11-30 01:00:00+00'",
        );
        sql(
            &app,
            &format!(
                "INSERT INTO meeting_notices (meeting_id, kind, body, posted_at)
                 VALUES ({coming}, 'cancelled', '台風の接近により中止します。', '2026-11-30 01:00:00+00')"
            ),
        );
        let cancelled = app.json(&format!("/api/v1/meetings/{coming}")).await;
        assert_eq!(cancelled["state"], "cancelled");
        assert_eq!(cancelled["registration"]["open"], false);
        assert_eq!(cancelled["notices"][0]["kind"], "cancelled");
        assert_eq!(
            cancelled["notices"][0]["body"],
            "台風の接近により中止します。"
        );

        // The document describes both, and never a draft's state.
        let document = app.json("/api/v1/openapi.json").await;
        assert!(document["paths"]["/api/v1/meetings"]["get"].is_object());
        assert!(document["paths"]["/api/v1/meetings/{id}"]["get"].is_object());
        let states = &document["components"]["schemas"]["MeetingState"]["enum"];
        assert_eq!(
            states,
            &json!(["upcoming", "ongoing", "ended", "held", "cancelled"])
        );

        let mut bodies = Vec::new();
        for path in [
            "/api/v1/meetings".to_owned(),
            "/api/v1/meetings?measure=6-1".to_owned(),
            format!("/api/v1/meetings/{coming}"),
            format!("/api/v1/meetings/{workshop}"),
            "/measures/6-1".to_owned(),
            "/api/v1/measures/6-1".to_owned(),
        ] {
            bodies.push((path.clone(), app.page(&path).await));
        }
        for (path, body) in &bodies {
            for private in PRIVATE {
                assert!(!body.contains(private), "{private} in {path}");
            }
            assert!(!body.contains("online_url"), "{path}");
        }
    });
}

async fn problem(app: &TestApp, path: &str, status: u16) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), status, "GET {path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{path}"
    );
    response.json().await.unwrap()
}

fn the_api_refuses_bad_filters_and_unknown_meetings_as_problems() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        meeting(&app, dept, "市長と語る会", None);
        for (query, said) in [
            ("kind=party", "種別「party」はありません"),
            ("kind=", "kind が空です"),
            ("kind=%20dialogue", "kind の値の前後に空白があります"),
            ("month=2026-13", "month は「2026-12」のように"),
            ("month=2026-1", "month は「2026-12」のように"),
            ("from=2026-1-5", "from は「2026-12-01」のように"),
            ("to=2026-02-30", "to は「2026-12-01」のように"),
            ("when=soon", "when は upcoming"),
            ("after=abc", "after は前のページの next"),
            ("measure=6", "施策の番号「6」"),
        ] {
            let body = problem(&app, &format!("/api/v1/meetings?{query}"), 400).await;
            assert_eq!(body["status"], 400);
            let detail = body["detail"].as_str().unwrap();
            assert!(detail.contains(said), "?{query}: {detail}");
        }
        let missing = problem(&app, "/api/v1/meetings/999", 404).await;
        assert_eq!(missing["instance"], "/api/v1/meetings/999");
        problem(&app, "/api/v1/meetings/abc", 400).await;
        problem(&app, "/api/v1/meetings/99999999999", 400).await;
    });
}

fn the_list_pages_through_every_meeting_once() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        // 45 published meetings, one a day from 1 December, three at the same time.
        sql(
            &app,
            &format!(
                "INSERT INTO meetings (kind, title, description, department_id, starts_at, ends_at,
                                       venue_name, published_at)
                 SELECT 'roundtable', '地域懇談会 第' || n || '回', '地域の課題を話し合います。', {dept},
                        timestamptz '2026-12-01 01:00:00+00' + (least(n, 43) || ' days')::interval,
                        timestamptz '2026-12-01 03:00:00+00' + (least(n, 43) || ' days')::interval,
                        '本庄市民文化会館', '2026-11-01 00:00:00+00'
                 FROM generate_series(1, 45) AS n"
            ),
        );
        app.clock.set(jst(2026, 11, 20, 9, 0, 0));
        for (query, order) in [("", 1), ("when=upcoming&", 1), ("when=past&", -1)] {
            if query == "when=past&" {
                app.clock.set(jst(2027, 3, 1, 9, 0, 0));
            }
            let mut seen: Vec<(String, i64)> = Vec::new();
            let mut next = Some(format!("/api/v1/meetings?{query}kind=roundtable"));
            let mut pages = 0;
            while let Some(path) = next.take() {
                let page = app.json(&path).await;
                pages += 1;
                assert!(page["meetings"].as_array().unwrap().len() <= 20);
                for m in page["meetings"].as_array().unwrap() {
                    seen.push((
                        m["starts_at"].as_str().unwrap().to_owned(),
                        m["id"].as_i64().unwrap(),
                    ));
                }
                next = page["next"].as_str().map(str::to_owned);
                assert!(pages <= 3, "{path}");
            }
            assert_eq!(pages, 3, "?{query}");
            assert_eq!(seen.len(), 45, "?{query}: each once");
            let mut sorted = seen.clone();
            sorted.sort();
            if order < 0 {
                sorted.reverse();
            }
            assert_eq!(seen, sorted, "?{query}: in order across pages");
        }
    });
}

/// The live count beside 6-1 as the page shows it.
async fn kpi_text(app: &TestApp) -> String {
    visible_text(&app.page("/measures/6-1").await)
}

/// The live count beside 6-1 in the measure's API.
async fn kpi_json(app: &TestApp) -> (Value, Value) {
    let api = app.json("/api/v1/measures/6-1").await;
    let kpis = api["kpis"].as_array().unwrap();
    let held: Vec<&Value> = kpis.iter().filter_map(|k| k.get("live_held")).collect();
    let consultations: Vec<&Value> = kpis
        .iter()
        .filter_map(|k| k.get("live_consultations"))
        .collect();
    assert_eq!(held.len(), 1, "beside its KPI only");
    (held[0].clone(), consultations[0].clone())
}

fn kinds(counts: [i64; 6]) -> Value {
    let names = [
        "dialogue",
        "workshop",
        "briefing",
        "roundtable",
        "council",
        "other",
    ];
    Value::Array(
        names
            .iter()
            .zip(counts)
            .map(|(kind, count)| json!({ "kind": kind, "count": count }))
            .collect(),
    )
}

fn kpi_6_1_counts_held_meetings_by_kind_and_consultations() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let dept = department(&app, "企画課");
        // A consultation opening on 1 December (令和8年度).
        app.clock.set(jst(2026, 11, 25, 12, 0, 0));
        create_december(&admin, dept).await;

        let dialogue = meeting(&app, dept, "市民と市長との対話集会", None);
        let workshop = meeting(&app, dept, "ワークショップ", None);
        change(&app, workshop, "kind = 'workshop'");
        let cancelled = meeting(&app, dept, "中止した説明会", None);
        change(
            &app,
            cancelled,
            "kind = 'briefing', cancelled_at = '2026-12-01 00:00:00+00'",
        );
        held(&app, cancelled, 10);
        let last_year = meeting(&app, dept, "前年度の懇談会", None);
        change(
            &app,
            last_year,
            "kind = 'roundtable', starts_at = '2026-03-31 05:00:00+00', ends_at = '2026-03-31 07:00:00+00'",
        );
        held(&app, last_year, 15);
        let draft = meeting(&app, dept, "下書きの審議会", None);
        change(&app, draft, "kind = 'council', published_at = NULL");
        held(&app, draft, 5);

        app.clock.set(jst(2026, 12, 20, 9, 0, 0));
        let text = kpi_text(&app).await;
        assert!(text.contains("Kyodoでの実施：令和8年度 計1回"), "{text}");
        assert!(
            text.contains("（対話集会 0回、ワークショップ 0回、説明会 0回、懇談会 0回、審議会 0回、その他 0回、パブリックコメント 1回）"),
            "{text}"
        );
        assert!(text.contains("105"), "beside the plan's baseline: {text}");

        held(&app, dialogue, 42);
        let text = kpi_text(&app).await;
        assert!(text.contains("Kyodoでの実施：令和8年度 計2回"), "{text}");
        assert!(
            text.contains("（対話集会 1回、ワークショップ 0回、"),
            "{text}"
        );
        let (live, consultations) = kpi_json(&app).await;
        assert_eq!(
            live,
            json!({ "fiscal_year": 2026, "meetings": kinds([1, 0, 0, 0, 0, 0]), "consultations": 1, "total": 2 }),
            "a cancelled meeting, one of the last 年度 and a draft do not count"
        );
        assert_eq!(
            consultations,
            json!({ "fiscal_year": 2026, "consultations": 1 })
        );

        // Ended without attendance: not yet; recorded: counted.
        assert!(kpi_text(&app).await.contains("ワークショップ 0回"));
        held(&app, workshop, 20);
        let (live, _) = kpi_json(&app).await;
        assert_eq!(live["meetings"], kinds([1, 1, 0, 0, 0, 0]));
        assert_eq!(live["total"], 3);

        // 1 April 00:00 JST: a new 年度, nothing held yet.
        app.clock.set(jst(2027, 4, 1, 0, 0, 0));
        let text = kpi_text(&app).await;
        assert!(text.contains("Kyodoでの実施：令和9年度 計0回"), "{text}");
        let (live, _) = kpi_json(&app).await;
        assert_eq!(live["total"], 0);
        assert_eq!(live["fiscal_year"], 2027);
    });
}

fn the_measure_page_lists_its_coming_and_held_meetings() {
    run(async {
        let app = TestApp::start().await;
        let Three {
            coming, workshop, ..
        } = three(&app);
        on_measure(&app, workshop, "6-1");
        let gone = meeting(&app, department(&app, "企画課"), "中止になった懇談会", None);
        change(&app, gone, "cancelled_at = '2026-11-25 00:00:00+00'");
        on_measure(&app, gone, "6-1");

        let html = app.page("/measures/6-1").await;
        let text = visible_text(&html);
        assert!(text.contains("この施策の意見を聴く場"), "{text}");
        assert!(
            text.contains("開催予定 対話集会 児玉地域の対話集会 令和8年12月12日（土）14:00〜16:00"),
            "{text}"
        );
        assert!(
            text.contains("最近の開催 ワークショップ 協働のまちづくりワークショップ 令和8年11月10日（火）10:00〜12:00 議事録（協働のまちづくりワークショップ）"),
            "{text}"
        );
        assert!(html.contains(&format!("href=\"/meetings/{coming}\"")));
        assert!(html.contains(&format!("href=\"/meetings/{workshop}#minutes\"")));
        // Handlebars writes `=` in an attribute as `&#x3D;`.
        assert!(html
            .replace("&#x3D;", "=")
            .contains("href=\"/meetings?measure=6-1\""));
        assert!(!text.contains("中止になった懇談会"), "{text}");
        assert!(!text.contains("まだ下書きの懇談会"), "{text}");

        let other = visible_text(&app.page("/measures/6-2").await);
        assert!(
            other.contains("この施策の意見を聴く場はまだありません。"),
            "{other}"
        );
        let english = app
            .get_in("en", "/measures/6-1")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            visible_text(&english).contains("Meetings on this measure"),
            "{english}"
        );
    });
}

fn the_demo_has_held_meetings_with_minutes_and_a_full_one_coming() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let past = app.json("/api/v1/meetings?when=past").await;
        let past = past["meetings"].as_array().unwrap();
        assert_eq!(past.len(), 3, "{past:?}");
        assert!(past
            .iter()
            .all(|m| m["state"] == "held" && m["has_minutes"] == true));
        let kodama = past
            .iter()
            .find(|m| m["title"] == "市民と市長との対話集会（児玉地域）")
            .expect("the dialogue in 児玉");
        let detail = app.json(kodama["href"].as_str().unwrap()).await;
        assert!(detail["venue"]["name"].as_str().unwrap().contains("児玉"));
        let topics = detail["minutes"]["topics"].as_array().unwrap();
        assert!(topics.len() >= 2 && topics.iter().all(|t| t["response"].is_string()));
        let briefing = past
            .iter()
            .find(|m| m["kind"] == "briefing")
            .expect("a briefing on the consultation");
        assert!(briefing["consultation_id"].is_i64());
        assert_eq!(briefing["online"], true);
        assert!(past
            .iter()
            .any(|m| m["kind"] == "workshop" && m["measures"] == json!(["5-1"])));

        let coming = app.json("/api/v1/meetings?when=upcoming").await;
        let coming = &coming["meetings"].as_array().unwrap()[0];
        assert_eq!(
            (&coming["seats_left"], &coming["waiting"]),
            (&json!(0), &json!(2))
        );

        let measure = visible_text(&app.page("/measures/5-1").await);
        assert!(
            measure.contains("地域の困りごとを話し合う少人数ワークショップ"),
            "{measure}"
        );
        assert!(
            measure.contains("議事録（協働のまちづくりワークショップ）"),
            "{measure}"
        );
        let mut bodies = vec![app.page("/api/v1/meetings").await];
        for m in past.iter().chain([coming]) {
            bodies.push(app.page(m["href"].as_str().unwrap()).await);
        }
        bodies.push(app.page("/measures/6-1").await);
        for body in &bodies {
            for private in [
                "山口 幸子",
                "0495-00-0000",
                "meet.example.org",
                "車椅子で参加します",
            ] {
                assert!(!body.contains(private), "{private}");
            }
        }
    });
}

fn measure_pages_with_meetings_are_accessible() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        for (name, path) in [
            ("measure-5-1-meetings", "/measures/5-1"),
            ("measure-6-1-meetings", "/measures/6-1"),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            let section = browser.text("#meetings").await.unwrap();
            assert!(section.contains("議事録"), "{path}: {section}");
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(format!("{path}: {e}"));
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
