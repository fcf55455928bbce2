//! The open data of proposals through real HTTP: the JSON API (public fields only, never a
//! draft), the Atom feed, and the staff's CSV export (UTF-8 with BOM and CRLF, CP932 on
//! request, RFC 4180 quoting, who may download it).

use crate::support::db::count;
use crate::support::people::{department, resident, staff_member};
use crate::support::proposals::{act, draft};
use crate::support::{run, TestApp, Visitor};
use diesel::RunQueryDsl;
use serde_json::Value;

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_api::json_has_public_fields_only_and_never_a_draft",
        json_has_public_fields_only_and_never_a_draft,
    ),
    (
        "proposals_api::json_filters_pages_and_refuses_malformed_input",
        json_filters_pages_and_refuses_malformed_input,
    ),
    (
        "proposals_api::the_feed_lists_submissions_and_decisions",
        the_feed_lists_submissions_and_decisions,
    ),
    (
        "proposals_api::the_csv_export_opens_in_excel",
        the_csv_export_opens_in_excel,
    ),
    (
        "proposals_api::the_csv_export_is_for_admins_and_reviewers_only",
        the_csv_export_is_for_admins_and_reviewers_only,
    ),
];

const EMAIL: &str = "hanako@example.jp";
const REAL_NAME: &str = "本庄 花子（本名）";
const TRICKY: &str = "駅前, \"まちなか\"\n食堂";

/// Hanako, a verified resident with a real name on her profile.
async fn hanako(app: &TestApp) -> Visitor {
    let visitor = app.visitor();
    resident(app, &visitor, EMAIL, "はなこ").await;
    let saved = visitor
        .submit(
            "/account",
            "/account/profile",
            &[
                ("display_name", "はなこ"),
                ("real_name", REAL_NAME),
                ("address", "本庄市本庄3-5-3"),
                ("phone", "0495-25-1111"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    visitor
}

/// A submitted (public) proposal; its id.
async fn submitted(visitor: &Visitor, title: &str, measure: &str) -> String {
    let id = draft(visitor, title, measure).await;
    assert_eq!(act(visitor, &id, "submit").await.status(), 303);
    id
}

/// Stands in for the staff's review (its own issue): the proposal is decided, with the
/// timeline row the workflow writes.
fn decide(app: &TestApp, id: &str, to: &str, reason: &str) {
    diesel::sql_query(format!(
        "WITH moved AS (UPDATE proposals SET state = '{to}', version = version + 1 WHERE id = '{id}' RETURNING id)
         INSERT INTO proposal_transitions (proposal_id, from_state, to_state, action, actor_role, reason, at)
         SELECT id, 'under_review', '{to}', CASE WHEN '{to}' = 'adopted' THEN 'adopt' ELSE 'reject' END,
                'reviewer', $1, now() + interval '1 second' FROM moved"
    ))
    .bind::<diesel::sql_types::Text, _>(reason)
    .execute(&mut app.db())
    .unwrap();
}

fn assert_problem(status: u16, body: &Value, path: &str) {
    assert_eq!(body["status"], status, "{path}: {body}");
    assert_eq!(body["instance"], path.split('?').next().unwrap());
    assert!(!body["detail"].as_str().unwrap_or("").is_empty(), "{body}");
}

async fn problem(app: &TestApp, path: &str, status: u16) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), status, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{path}"
    );
    let body: Value = response.json().await.unwrap();
    assert_problem(status, &body, path);
    body
}

fn json_has_public_fields_only_and_never_a_draft() {
    run(async {
        let app = TestApp::start().await;
        let visitor = hanako(&app).await;
        let public = submitted(&visitor, "空き店舗を使った子ども食堂", "5-1").await;
        let secret = draft(&visitor, "まだ下書きの提案", "5-1").await;

        let list = app.get("/api/v1/proposals").await;
        assert_eq!(list.headers()["content-type"], "application/json");
        assert!(list.headers().get("etag").is_some());
        let text = list.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        let items = body["proposals"].as_array().unwrap();
        assert_eq!(items.len(), 1, "never a draft: {body}");
        let item = &items[0];
        assert_eq!(item["id"], public.as_str());
        assert_eq!(item["state"], "submitted");
        assert_eq!(item["measures"], serde_json::json!(["5-1"]));
        assert_eq!(item["author"], "はなこ");
        assert_eq!(item["supports"], 0);
        assert_eq!(item["href"], format!("/api/v1/proposals/{public}"));
        assert_eq!(body["next"], Value::Null);

        let detail = app.get(&format!("/api/v1/proposals/{public}")).await;
        assert_eq!(detail.status(), 200);
        let detail_text = detail.text().await.unwrap();
        let p: Value = serde_json::from_str(&detail_text).unwrap();
        for field in [
            "id",
            "title",
            "summary",
            "state",
            "measures",
            "organisation",
            "author",
            "supports",
            "timeline",
            "local_issue",
            "activity_plan",
            "expected_effect",
            "partners",
            "period",
            "budget_yen",
            "created_at",
            "submitted_at",
        ] {
            assert!(p.get(field).is_some(), "{field} in {p}");
        }
        assert_eq!(p["title"], "空き店舗を使った子ども食堂");
        assert_eq!(p["budget_yen"], 150000);
        assert_eq!(p["organisation"], Value::Null);
        assert_eq!(p["supports"], 0);
        assert_eq!(p["partners"], "駅北口自治会");
        assert!(p["submitted_at"].as_str().unwrap().contains('T'));
        let timeline = p["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 1);
        assert_eq!(timeline[0]["state"], "submitted");
        assert_eq!(timeline[0]["reason"], Value::Null);
        assert!(timeline[0]["at"].as_str().is_some());

        // Nothing private, anywhere.
        for body in [&text, &detail_text] {
            for private in [
                EMAIL,
                REAL_NAME,
                "本庄市本庄3-5-3",
                "0495-25-1111",
                "まだ下書き",
            ] {
                assert!(!body.contains(private), "{private} leaked: {body}");
            }
        }
        // A draft answers as an unknown id does, even to its author.
        problem(&app, &format!("/api/v1/proposals/{secret}"), 404).await;
        let own = visitor.get(&format!("/api/v1/proposals/{secret}")).await;
        assert_eq!(own.status(), 404);
        problem(
            &app,
            "/api/v1/proposals/00000000-0000-4000-8000-000000000000",
            404,
        )
        .await;
        problem(&app, "/api/v1/proposals/not-a-uuid", 400).await;

        // A deleted author is shown as such.
        diesel::sql_query(format!(
            "UPDATE accounts SET display_name = '退会したユーザー', deleted_at = now() WHERE email = '{EMAIL}'"
        ))
        .execute(&mut app.db())
        .unwrap();
        let p = app.json(&format!("/api/v1/proposals/{public}")).await;
        assert_eq!(p["author"], "退会したユーザー");
    })
}

fn json_filters_pages_and_refuses_malformed_input() {
    run(async {
        let app = TestApp::start().await;
        let visitor = hanako(&app).await;
        let adopted = submitted(&visitor, "採択される提案", "5-1").await;
        decide(&app, &adopted, "adopted", "地域の課題に合うため");
        submitted(&visitor, "別の施策の提案", "6-1").await;
        for i in 0..21 {
            submitted(&visitor, &format!("たくさんの提案{i}"), "5-2").await;
        }
        let body = app
            .json("/api/v1/proposals?measure=5-1&state=adopted")
            .await;
        let items = body["proposals"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{body}");
        assert_eq!(items[0]["id"], adopted.as_str());
        assert_eq!(items[0]["state"], "adopted");
        let p = app.json(&format!("/api/v1/proposals/{adopted}")).await;
        let last = p["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["state"], "adopted");
        assert_eq!(last["reason"], "地域の課題に合うため");
        assert_eq!(
            app.json("/api/v1/proposals?measure=6-1").await["proposals"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Pages of 20, linked by `next`, nothing twice.
        let first = app.json("/api/v1/proposals?measure=5-2").await;
        assert_eq!(first["proposals"].as_array().unwrap().len(), 20);
        let next = first["next"].as_str().unwrap().to_owned();
        assert!(
            next.starts_with("/api/v1/proposals?measure=5-2&before="),
            "{next}"
        );
        let second = app.json(&next).await;
        assert_eq!(second["proposals"].as_array().unwrap().len(), 1);
        assert_eq!(second["next"], Value::Null);
        let seen: std::collections::HashSet<&str> = first["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second["proposals"].as_array().unwrap())
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(seen.len(), 21);

        for path in [
            "/api/v1/proposals?measure=abc",
            "/api/v1/proposals?state=nonsense",
            "/api/v1/proposals?state=draft",
            "/api/v1/proposals?before=garbage",
        ] {
            problem(&app, path, 400).await;
        }
    })
}

fn the_feed_lists_submissions_and_decisions() {
    run(async {
        let app = TestApp::start().await;
        let visitor = hanako(&app).await;
        let first = submitted(&visitor, "<script>alert(1)</script>食堂", "5-1").await;
        let second = submitted(&visitor, "まちなか花壇", "5-1").await;
        decide(&app, &second, "not_adopted", "予算の都合 & 時期");
        draft(&visitor, "非公開の下書き", "5-1").await;

        let response = app.get("/proposals/feed.atom").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"));
        let xml = response.text().await.unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
        assert!(xml.contains(&format!(
            "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}/proposals/feed.atom\"/>",
            app.base
        )));
        assert!(xml.contains(&format!("<id>{}/proposals/feed.atom</id>", app.base)));
        // Three entries, newest first: the decision, then the two submissions.
        let entries: Vec<&str> = xml.split("<entry>").skip(1).collect();
        assert_eq!(entries.len(), 3, "{xml}");
        assert!(entries[0].contains("<title>不採択: まちなか花壇</title>"));
        assert!(entries[0].contains("予算の都合 &amp; 時期"));
        assert!(entries[1].contains("<title>新しい提案: まちなか花壇</title>"));
        assert!(entries[2]
            .contains("<title>新しい提案: &lt;script&gt;alert(1)&lt;/script&gt;食堂</title>"));
        for (entry, id) in [(entries[0], &second), (entries[2], &first)] {
            for element in ["<id>", "<title>", "<updated>", "<summary type=\"text\">"] {
                assert!(entry.contains(element), "{element} in {entry}");
            }
            assert!(entry.contains(&format!(
                "<link rel=\"alternate\" type=\"text/html\" href=\"{}/proposals/{id}\"/>",
                app.base
            )));
        }
        assert!(!xml.contains("<script>"), "escaped");
        assert!(!xml.contains("非公開の下書き"));
        assert!(!xml.contains(EMAIL) && !xml.contains(REAL_NAME));
        // Well-formed enough: every element opened is closed.
        for tag in ["feed", "entry", "title", "summary", "updated", "id"] {
            assert_eq!(
                xml.matches(&format!("<{tag}>")).count() + xml.matches(&format!("<{tag} ")).count(),
                xml.matches(&format!("</{tag}>")).count(),
                "{tag}"
            );
        }

        // The list page points feed readers to it.
        let page = app.page("/proposals").await;
        assert!(page.contains(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"市民提案：新しい提案と審査結果（Atom）\" href=\"/proposals/feed.atom\">"
        ));
    })
}

/// The body of `/staff/proposals.csv…` for `visitor`, checking the headers.
async fn download(visitor: &Visitor, query: &str, charset: &str) -> Vec<u8> {
    let response = visitor.get(&format!("/staff/proposals.csv{query}")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        format!("text/csv; charset={charset}").as_str()
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"proposals-")
            && disposition.ends_with(".csv\"")
            && disposition.len() == "attachment; filename=\"proposals-20261201.csv\"".len(),
        "{disposition}"
    );
    response.bytes().await.unwrap().to_vec()
}

fn the_csv_export_opens_in_excel() {
    run(async {
        let app = TestApp::start().await;
        let visitor = hanako(&app).await;
        let tricky = submitted(&visitor, TRICKY, "5-1").await;
        draft(&visitor, "非公開の下書き", "5-1").await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;

        let bytes = download(&admin, "", "utf-8").await;
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte order mark");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("No.,ID,提案名,状態,施策,団体,提案者（表示名）,提出日,予算（円）\r\n")
        );
        assert!(text.ends_with("\r\n"));
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "every line ends in CRLF"
        );
        assert!(
            text.contains(&format!(
                "1,{tricky},\"駅前, \"\"まちなか\"\"\r\n食堂\",提出済み,5-1,,はなこ,"
            )),
            "{text}"
        );
        assert!(text.contains(",150000\r\n"));
        assert!(!text.contains("非公開の下書き"));
        for private in [EMAIL, REAL_NAME, "本庄市本庄3-5-3", "0495-25-1111"] {
            assert!(!text.contains(private), "{private} leaked");
        }
        // Two records: the header and the proposal (its title holds one line break).
        assert_eq!(text.matches("\r\n").count(), 3);

        // The old name still works; the file is CP932 (Windows-31J) and says so.
        let sjis = download(&admin, "?encoding=shift_jis", "windows-31j").await;
        assert_ne!(&sjis[..3], b"\xEF\xBB\xBF");
        let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!errors);
        assert_eq!(decoded, text, "the same table in CP932");
        let (expected, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        assert_eq!(sjis, expected.as_ref());
        assert!(
            sjis.windows(6)
                .any(|w| w == [0x90, 0x48, 0x93, 0xB0, 0x22, 0x2C]),
            "食堂\", in CP932 bytes"
        );

        let bad = admin.get("/staff/proposals.csv?encoding=latin1").await;
        assert_eq!(bad.status(), 400);
    })
}

fn the_csv_export_is_for_admins_and_reviewers_only() {
    run(async {
        let app = TestApp::start().await;
        let visitor = hanako(&app).await;
        submitted(&visitor, "市民活動の提案", "5-1").await;
        submitted(&visitor, "行政経営の提案", "6-5").await;
        let mine = department(&app, "市民活動推進課");
        diesel::sql_query(format!(
            "INSERT INTO measure_departments (measure_code, department_id) VALUES ('5-1', {mine})"
        ))
        .execute(&mut app.db())
        .unwrap();
        let reviewer = staff_member(
            &app,
            "reviewer@example.jp",
            "審査担当",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let bytes = download(&reviewer, "", "utf-8").await;
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.contains("市民活動の提案"), "{text}");
        assert!(
            !text.contains("行政経営の提案"),
            "only the reviewer's departments"
        );

        let moderator = staff_member(
            &app,
            "moderator@example.jp",
            "コメント担当",
            &[("moderator", Some("市民活動推進課"))],
        )
        .await;
        assert_eq!(moderator.get("/staff/proposals.csv").await.status(), 403);
        // `visitor` is a resident without a role.
        assert_eq!(visitor.get("/staff/proposals.csv").await.status(), 403);
        let anonymous = app.get("/staff/proposals.csv").await;
        assert_eq!(anonymous.status(), 303);
        assert!(anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next="));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposals"), 2);
    })
}
