//! The open-data JSON API.

use crate::support::people::resident;
use crate::support::proposals::{act, draft};
use crate::support::{run, TestApp};
use serde_json::Value;

pub const TESTS: &[(&str, fn())] = &[
    ("api::lists_all_33_measures", lists_all_33_measures),
    (
        "api::a_measure_carries_the_plan_with_exact_numbers",
        a_measure_carries_the_plan_with_exact_numbers,
    ),
    (
        "api::kpis_with_no_baseline_bounds_and_notes",
        kpis_with_no_baseline_bounds_and_notes,
    ),
    (
        "api::plans_cite_measures_by_code",
        plans_cite_measures_by_code,
    ),
    (
        "api::errors_are_problem_details",
        errors_are_problem_details,
    ),
    (
        "api::openapi_documents_every_route",
        openapi_documents_every_route,
    ),
    (
        "api::responses_carry_validators",
        responses_carry_validators,
    ),
];

fn kpi<'a>(measure: &'a Value, name: &str) -> &'a Value {
    measure["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no KPI {name} in {}", measure["code"]))
}

fn lists_all_33_measures() {
    run(async {
        let app = TestApp::start().await;
        let response = app.get("/api/v1/measures").await;
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        let measures = body["measures"].as_array().unwrap();
        assert_eq!(measures.len(), 33);
        let detailed: Vec<&str> = measures
            .iter()
            .filter(|m| m["detailed"] == true)
            .map(|m| m["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            detailed,
            ["5-1", "5-2", "5-3", "5-4", "5-5", "5-6", "6-1", "6-2", "6-3", "6-4", "6-5"]
        );
        let cited = measures.iter().find(|m| m["code"] == "1-1").unwrap();
        assert_eq!(cited["title"], "子ども・子育て支援");
        assert_eq!(cited["chapter"], 1);
        assert_eq!(cited["detailed"], false);
        let m61 = measures.iter().find(|m| m["code"] == "6-1").unwrap();
        assert_eq!(
            m61["title"],
            "市政情報の提供の充実と市政に対する市民参加の推進"
        );
        assert_eq!(m61["chapter"], 6);
    })
}

fn a_measure_carries_the_plan_with_exact_numbers() {
    run(async {
        let app = TestApp::start().await;
        let m = app.json("/api/v1/measures/6-1").await;
        assert_eq!(m["code"], "6-1");
        assert_eq!(m["detailed"], true);
        assert_eq!(m["goals"].as_array().unwrap().len(), 3);
        assert_eq!(m["satisfaction"]["percent"], 30.4);
        assert!(m["satisfaction"]["statement"]
            .as_str()
            .unwrap()
            .contains("市民参加機会"));
        let access = kpi(&m, "市ホームページへのアクセス数");
        // JSON numbers, integers where the city writes integers.
        assert_eq!(access["baseline"].to_string(), "2927767");
        assert_eq!(access["target"].to_string(), "3351000");
        assert_eq!(access["unit"], "件");
        assert_eq!(access["direction"], "increase");
        assert_eq!(access["actuals"], serde_json::json!([]));
        assert_eq!(access["progress"], Value::Null);
        let hearings = kpi(&m, "市民の意見を聴く場の実施回数");
        assert_eq!(hearings["definition"], "対話集会・ワークショップ等");
        let subs: Vec<&str> = m["sub_measures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            subs,
            [
                "広報広聴活動の充実",
                "市民参加の促進",
                "情報公開・情報提供の推進"
            ]
        );
        assert!(m["plans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["number"] == 1 && p["name"] == "塙保己一プラン"));
        assert!(m["collaboration"].as_array().unwrap().len() >= 3);

        let m53 = app.json("/api/v1/measures/5-3").await;
        assert_eq!(m53["sub_measures"].as_array().unwrap().len(), 6);
        assert_eq!(kpi(&m53, "備蓄食料")["baseline"].to_string(), "48340");

        let cited = app.json("/api/v1/measures/2-1").await;
        assert_eq!(cited["detailed"], false);
        assert_eq!(cited["kpis"], serde_json::json!([]));
        assert_eq!(cited["satisfaction"], Value::Null);
    })
}

fn kpis_with_no_baseline_bounds_and_notes() {
    run(async {
        let app = TestApp::start().await;
        let m51 = app.json("/api/v1/measures/5-1").await;
        let proposals = kpi(&m51, "市民提案型事業数");
        assert_eq!(proposals["baseline"], Value::Null);
        assert_eq!(proposals["target"].to_string(), "2");
        assert_eq!(kpi(&m51, "自治会の加入率")["baseline"], 82.31);

        let m65 = app.json("/api/v1/measures/6-5").await;
        let ratio = kpi(&m65, "経常収支比率");
        assert_eq!(ratio["direction"], "upper_bound");
        assert_eq!(ratio["target"], 92.7);
        let migration = kpi(&m65, "20代・30代の転入超過人口");
        assert_eq!(migration["note"], "移動均衡");
        assert_eq!(migration["target"].to_string(), "0");

        let m54 = app.json("/api/v1/measures/5-4").await;
        let crimes = kpi(&m54, "刑法犯認知件数");
        assert_eq!(crimes["direction"], "decrease");
        assert_eq!(
            (
                crimes["baseline"].to_string().as_str(),
                crimes["target"].to_string().as_str()
            ),
            ("475", "470")
        );
    })
}

fn plans_cite_measures_by_code() {
    run(async {
        let app = TestApp::start().await;
        let body = app.json("/api/v1/plans").await;
        let plans = body["plans"].as_array().unwrap();
        let names: Vec<&str> = plans.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "塙保己一プラン",
                "本庄版ネウボラプラン",
                "まちなか再生にぎわいプラン",
                "本庄ブランド発信プラン",
                "誰もが輝く、チャレンジ応援プラン"
            ]
        );
        let first = &plans[0];
        assert_eq!(first["subtitle"], "志と共生のまちへの未来を描く");
        assert_eq!(first["initiatives"][0]["title"], "塙保己一の生き方に学ぶ");
        assert_eq!(
            first["initiatives"][0]["measures"],
            serde_json::json!(["2-1", "2-2", "2-4"])
        );
        assert!(first["strategy_targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "オンラインによる各種手続数"));

        let one = app.json("/api/v1/plans/3").await;
        assert_eq!(one["name"], "まちなか再生にぎわいプラン");
        let cites_51 = one["initiatives"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["measures"].as_array().unwrap().iter().any(|c| c == "5-1"));
        assert!(cites_51);
    })
}

fn errors_are_problem_details() {
    run(async {
        let app = TestApp::start().await;
        for (path, status) in [
            ("/api/v1/measures/9-9", 404),
            ("/api/v1/plans/9", 404),
            ("/api/v1/no-such-thing", 404),
            ("/api/v1/measures/abc", 400),
            ("/api/v1/plans/x", 400),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status(), status, "{path}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{path}"
            );
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["status"], status, "{path}");
            assert_eq!(problem["instance"], path);
            assert!(!problem["title"].as_str().unwrap().is_empty());
            assert!(!problem["detail"].as_str().unwrap().is_empty());
        }
        let problem: Value = app.get("/api/v1/measures/abc").await.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("5-1"),
            "the message says how to write a code: {problem}"
        );
    })
}

fn openapi_documents_every_route() {
    run(async {
        let app = TestApp::start().await;
        let doc = app.json("/api/v1/openapi.json").await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/api/v1/measures",
            "/api/v1/measures/{code}",
            "/api/v1/plans",
            "/api/v1/plans/{number}",
            "/api/v1/proposals",
            "/api/v1/proposals/{id}",
            "/api/v1/consultations",
            "/api/v1/consultations/{id}",
            "/api/v1/consultations/{id}/result",
            "/api/v1/meetings",
            "/api/v1/meetings/{id}",
            "/api/v1/surveys",
            "/api/v1/surveys/{id}",
            "/api/v1/surveys/{id}/results",
            "/healthz",
            "/readyz",
        ] {
            assert!(paths.contains_key(path), "{path} is documented");
        }
        // Every documented path answers as documented; `{id}` is a public proposal written
        // and submitted through the forms.
        let proposer = app.visitor();
        resident(&app, &proposer, "api@example.jp", "公開API").await;
        let proposal = draft(&proposer, "公開される提案", "5-1").await;
        assert_eq!(act(&proposer, &proposal, "submit").await.status(), 303);
        // A consultation with a published result, for `/api/v1/consultations/{id}…`.
        diesel::RunQueryDsl::execute(
            diesel::sql_query(
                "WITH d AS (INSERT INTO departments (name) VALUES ('企画課') RETURNING id)
                 INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at, result_published_at)
                 SELECT '公開された意見公募', id, '概要', '2020-01-01', '2020-01-31', '2019-12-01', '2020-02-15' FROM d",
            ),
            &mut app.db(),
        )
        .unwrap();
        // A published meeting, for `/api/v1/meetings/{id}`.
        diesel::RunQueryDsl::execute(
            diesel::sql_query(
                "INSERT INTO meetings (kind, title, description, department_id, starts_at, ends_at,
                                       venue_name, published_at)
                 SELECT 'dialogue', '公開された対話集会', '概要', id, '2020-03-01 05:00+00',
                        '2020-03-01 07:00+00', '本庄市役所', '2020-02-01' FROM departments",
            ),
            &mut app.db(),
        )
        .unwrap();
        // A survey with public results, for `/api/v1/surveys/{id}…`.
        let survey = crate::support::surveys::answered(&app).await;
        crate::support::surveys::results_public(&app, survey.id);
        assert_eq!(survey.id, 1);
        for path in paths.keys() {
            let id = if path.starts_with("/api/v1/consultations/")
                || path.starts_with("/api/v1/meetings/")
                || path.starts_with("/api/v1/surveys/")
            {
                "1"
            } else {
                proposal.as_str()
            };
            let concrete = path
                .replace("{code}", "6-1")
                .replace("{number}", "1")
                .replace("{id}", id);
            assert_eq!(app.get(&concrete).await.status(), 200, "{concrete}");
        }
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let kpi = &schemas["KpiJson"]["properties"];
        for field in [
            "name",
            "definition",
            "unit",
            "baseline",
            "target",
            "direction",
            "note",
            "actuals",
            "progress",
        ] {
            assert!(kpi.get(field).is_some(), "KpiJson documents {field}");
        }
    })
}

fn responses_carry_validators() {
    run(async {
        let app = TestApp::start().await;
        for path in ["/api/v1/measures/6-1", "/measures/6-1", "/"] {
            let first = app.get(path).await;
            let etag = first.headers()["etag"].to_str().unwrap().to_owned();
            let again = app
                .client
                .get(app.url(path))
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304, "{path}");
            let other = app
                .client
                .get(app.url(path))
                .header("if-none-match", "\"stale\"")
                .send()
                .await
                .unwrap();
            assert_eq!(other.status(), 200, "{path}");
        }
    })
}
