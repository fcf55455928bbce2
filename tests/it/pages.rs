//! The server-rendered pages, read as a person reads them.

use crate::support::{run, visible_text, TestApp};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

pub const TESTS: &[(&str, fn())] = &[
    (
        "pages::home_shows_chapters_measures_and_plans",
        home_shows_chapters_measures_and_plans,
    ),
    (
        "pages::a_measure_page_shows_every_part_of_the_measure",
        a_measure_page_shows_every_part_of_the_measure,
    ),
    (
        "pages::numbers_read_as_the_city_writes_them",
        numbers_read_as_the_city_writes_them,
    ),
    (
        "pages::progress_follows_recorded_actual_values",
        progress_follows_recorded_actual_values,
    ),
    ("pages::chapters_and_plans", chapters_and_plans),
    (
        "pages::unknown_and_malformed_addresses",
        unknown_and_malformed_addresses,
    ),
    ("pages::english_beside_japanese", english_beside_japanese),
    (
        "pages::security_headers_and_static_files",
        security_headers_and_static_files,
    ),
    (
        "pages::queries_per_page_do_not_grow_with_the_data",
        queries_per_page_do_not_grow_with_the_data,
    ),
    ("pages::measure_page_outline", measure_page_outline),
    (
        "pages::the_measure_page_charts_recorded_actual_values",
        the_measure_page_charts_recorded_actual_values,
    ),
    (
        "pages::kpi_5_1_shows_the_live_count_of_adopted_proposals",
        kpi_5_1_shows_the_live_count_of_adopted_proposals,
    ),
    (
        "pages::similar_proposals_in_japanese",
        similar_proposals_in_japanese,
    ),
];

fn home_shows_chapters_measures_and_plans() {
    run(async {
        let app = TestApp::start().await;
        let html = app.page("/").await;
        assert!(html.contains("<html lang=\"ja\""));
        let text = visible_text(&html);
        for expected in [
            "市民生活分野",
            "市民だれもが活躍し、安全に生活できるまち",
            "行財政経営分野",
            "市民との協働によるまちづくりの推進",
            "自主性・自立性の高い財政運営の確立",
            "30.6 %",
            "自治会の加入率",
            "塙保己一プラン",
            "誰もが輝く、チャレンジ応援プラン",
        ] {
            assert!(text.contains(expected), "home shows {expected}");
        }
        for code in ["5-1", "5-6", "6-1", "6-5"] {
            assert!(
                html.contains(&format!("href=\"/measures/{code}\"")),
                "home links {code}"
            );
        }
    })
}

fn a_measure_page_shows_every_part_of_the_measure() {
    run(async {
        let app = TestApp::start().await;
        let html = app.page("/measures/6-1").await;
        let text = visible_text(&html);
        for expected in [
            "市政情報の提供の充実と市政に対する市民参加の推進",
            "めざす姿",
            "全ての市民に開かれた行政となり",
            "成果指標",
            "市ホームページへのアクセス数",
            "対話集会・ワークショップ等",
            "市民満足度",
            "30.4 %",
            "現況と課題",
            "「市長への手紙」",
            "広報広聴活動の充実",
            "市民参加の促進",
            "協働による取組",
            "広報アンケート",
            "塙保己一プラン",
            "塙保己一の精神を今に活かす",
        ] {
            assert!(text.contains(expected), "/measures/6-1 shows {expected}");
        }
        assert!(html.contains("href=\"/plans/1\""));
        assert!(html.contains("href=\"/api/v1/measures/6-1\""));
        // The column of 6-3 and a cited measure's short page.
        let text = visible_text(&app.page("/measures/6-3").await);
        assert!(text.contains("早稲田大学と本庄市との協働連携に関する基本協定の概要"));
        let text = visible_text(&app.page("/measures/4-7").await);
        assert!(text.contains("都市公園の整備と緑の保全"));
        assert!(text.contains("本庄版ネウボラプラン"));
    })
}

fn numbers_read_as_the_city_writes_them() {
    run(async {
        let app = TestApp::start().await;
        let text = visible_text(&app.page("/measures/6-1").await);
        assert!(text.contains("2,927,767 件"), "{text}");
        assert!(text.contains("3,351,000 件"));
        let text = visible_text(&app.page("/measures/6-5").await);
        assert!(text.contains("92.7 %以内"));
        assert!(text.contains("0 人（移動均衡）"));
        assert!(text.contains("89.3 %"));
        let text = visible_text(&app.page("/measures/5-1").await);
        assert!(text.contains("82.31 %") && text.contains("85.00 %"));
    })
}

/// An actual value written to the table, as another instance would, once the app heard of it.
async fn record_actual(app: &TestApp, measure: &str, kpi: &str, year: i32, value: &str) {
    app.change_plan(|conn| {
        diesel::sql_query(format!(
            "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
             SELECT id, {year}, {value}, '市民活動推進課 調べ' FROM kpis WHERE measure_code = '{measure}' AND name = '{kpi}'"
        ))
        .execute(conn)
    })
    .await;
}

fn progress_follows_recorded_actual_values() {
    run(async {
        let app = TestApp::start().await;
        let before = visible_text(&app.page("/measures/5-1").await);
        assert!(!before.contains("令和6年度"));
        // NPO法人登録数 43 → 50 団体; 46 is 3/7 of the way: 42 % (rounded down).
        record_actual(&app, "5-1", "NPO法人登録数", 2023, "44").await;
        record_actual(&app, "5-1", "NPO法人登録数", 2024, "46").await;
        let html = app.page("/measures/5-1").await;
        let text = visible_text(&html);
        assert!(text.contains("46 団体"), "{text}");
        assert!(text.contains("令和6年度"));
        assert!(text.contains("42 %"));
        assert!(html.contains("value=\"42\""), "the meter shows 42");
        let api = app.json("/api/v1/measures/5-1").await;
        let npo = api["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "NPO法人登録数")
            .unwrap();
        assert_eq!(npo["progress"]["kind"], "share");
        assert_eq!(npo["progress"]["percent"], 42);
        assert_eq!(npo["actuals"].as_array().unwrap().len(), 2);
        assert_eq!(npo["actuals"][1]["value"], 46);
        // An upper bound is within or over.
        record_actual(&app, "6-5", "経常収支比率", 2024, "93.0").await;
        let api = app.json("/api/v1/measures/6-5").await;
        let ratio = api["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "経常収支比率")
            .unwrap();
        assert_eq!(
            ratio["progress"],
            serde_json::json!({"kind": "bound", "within": false})
        );
    })
}

fn chapters_and_plans() {
    run(async {
        let app = TestApp::start().await;
        let text = visible_text(&app.page("/chapters/5").await);
        assert!(text.contains("市民生活分野") && text.contains("交通安全対策の推進"));
        assert!(text.contains("市民や学生同士がつながってまちづくりを進めていけるといいな。"));
        let text = visible_text(&app.page("/chapters/1").await);
        assert!(text.contains("子ども・子育て支援"));
        let response = app.get("/chapters/7").await;
        assert_eq!(response.status(), 301);
        assert_eq!(response.headers()["location"], "/plans");

        let text = visible_text(&app.page("/plans").await);
        assert!(text.contains("政策連携プランは、各政策大綱分野内の施策の推進だけでは"));
        for name in [
            "塙保己一プラン",
            "本庄版ネウボラプラン",
            "本庄ブランド発信プラン",
        ] {
            assert!(text.contains(name));
        }
        let html = app.page("/plans/2").await;
        let text = visible_text(&html);
        assert!(text.contains("子どもが輝く未来を描く"));
        assert!(text.contains("出会い・妊娠・出産・子育ての切れ目のない支援"));
        assert!(text.contains("合計特殊出生率"));
        assert!(html.contains("href=\"/measures/1-1\""));
        assert!(
            html.contains("href=\"/plans/1\"") && html.contains("href=\"/plans/3\""),
            "previous and next plan"
        );
    })
}

fn unknown_and_malformed_addresses() {
    run(async {
        let app = TestApp::start().await;
        for (path, status) in [
            ("/measures/9-9", 404),
            ("/plans/6", 404),
            ("/chapters/8", 404),
            ("/no/such/page", 404),
            ("/measures/%3Cscript%3E", 400),
            ("/chapters/abc", 400),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status(), status, "{path}");
            assert!(response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"));
            let html = response.text().await.unwrap();
            assert!(html.contains("href=\"/\""), "{path}: the page leads home");
            assert!(!html.contains("<script>"), "{path}: input is escaped");
            assert!(
                !html.to_lowercase().contains("panicked") && !html.contains("src/"),
                "{path}: no internals"
            );
        }
        let text = visible_text(&app.get("/measures/abc").await.text().await.unwrap());
        assert!(
            text.contains("5-1"),
            "the message tells how to write a code: {text}"
        );
    })
}

fn english_beside_japanese() {
    run(async {
        let app = TestApp::start().await;
        let response = app.get("/lang/en?next=%2Fmeasures%2F6-1").await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/measures/6-1");
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("kyodo_lang=en"));
        let english = app
            .get_in("en", "/measures/6-1")
            .await
            .text()
            .await
            .unwrap();
        let japanese = app.page("/measures/6-1").await;
        assert!(english.contains("<html lang=\"en\""));
        assert_ne!(visible_text(&english), visible_text(&japanese));
        // The plan's text stays as the city wrote it.
        assert!(english.contains("市政情報の提供の充実と市政に対する市民参加の推進"));
        // Only paths on this site are followed.
        let response = app.get("/lang/ja?next=https%3A%2F%2Fevil.example%2F").await;
        assert_eq!(response.headers()["location"], "/");
        let response = app.get("/lang/ja?next=%2F%2Fevil.example").await;
        assert_eq!(response.headers()["location"], "/");
        // Browsers drop a tab or newline from a Location: `/\t/evil.example` is `//evil.example`.
        for next in ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example"] {
            let response = app.get(&format!("/lang/ja?next={next}")).await;
            assert_eq!(response.status(), 303, "{next}");
            assert_eq!(response.headers()["location"], "/", "{next}");
        }
        assert_eq!(app.get("/lang/xx").await.status(), 404);
    })
}

fn security_headers_and_static_files() {
    run(async {
        let app = TestApp::start().await;
        for path in [
            "/",
            "/measures/6-1",
            "/api/v1/measures",
            "/no-such-page",
            "/static/css/kyodo.css",
        ] {
            let response = app.get(path).await;
            let headers = response.headers();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
                "{path}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert!(headers.contains_key("referrer-policy"), "{path}");
            assert!(
                !headers.contains_key("strict-transport-security"),
                "{path}: no HSTS over plain HTTP"
            );
        }
        // Without KYODO_TRUST_PROXY nobody's X-Forwarded-Proto is believed (hardening_security
        // checks the proxy's).
        let claimed_https = app
            .client
            .get(app.url("/"))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        assert!(!claimed_https
            .headers()
            .contains_key("strict-transport-security"));
        let css = app.get("/static/css/kyodo.css").await;
        assert_eq!(css.status(), 200);
        assert!(css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        assert!(css.text().await.unwrap().contains("@media print"));
        assert_eq!(app.get("/static/nothing.css").await.status(), 404);
        for path in ["/api/v1/measures", "/static/css/kyodo.css"] {
            let response = app.get(path).await;
            assert!(
                !response.headers().contains_key("set-cookie"),
                "{path} sets no cookie"
            );
        }
        assert_eq!(app.get("/healthz").await.status(), 200);
    })
}

/// Grows the data: more measures in chapter 5, KPIs and years of actual values for all.
fn grow(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO measures (code, chapter_number, number, title, detailed, satisfaction_statement, satisfaction_percent)
         SELECT '5-' || n, 5, n, '追加の施策 ' || n, true, '満足度', 50.0 FROM generate_series(7, 40) n",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO kpis (measure_code, position, name, unit, baseline, target, direction)
         SELECT m.code, p, '追加の指標 ' || p, '件', 10, 20, 'increase'
         FROM measures m, generate_series(10, 14) p WHERE m.detailed",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
         SELECT k.id, y, 15, '調べ' FROM kpis k, generate_series(2015, 2025) y",
    )
    .execute(conn)?;
    // Proposals answering 6-1, each with a timeline and a deleted author among them.
    diesel::sql_query(
        "INSERT INTO accounts (id, display_name, unsubscribe_token, deleted_at)
         VALUES ('00000000-0000-4000-8000-000000000001', '提案者', 'x', NULL),
                ('00000000-0000-4000-8000-000000000002', '退会したユーザー', 'y', now())",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO proposals (id, author_id, state, title, summary, created_at, submitted_at)
         SELECT gen_random_uuid(), ('00000000-0000-4000-8000-00000000000' || (1 + n % 2))::uuid,
                CASE WHEN n % 5 = 0 THEN 'draft' ELSE 'submitted' END, '追加の提案 ' || n, '概要',
                now() - n * interval '1 minute',
                CASE WHEN n % 5 <> 0 THEN now() - n * interval '1 minute' END
         FROM generate_series(1, 60) n",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO proposal_measures (proposal_id, measure_code, position)
         SELECT id, m, p FROM proposals, (VALUES ('6-1', 0), ('5-1', 1)) AS v (m, p)
         WHERE title LIKE '追加の提案%'",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO proposal_transitions (proposal_id, from_state, to_state, action, actor_role)
         SELECT id, 'draft', 'submitted', 'submit', 'proposer' FROM proposals WHERE state <> 'draft'",
    )
    .execute(conn)?;
    // Supports, comments (replies, a hidden one, one as an organisation) on the discussed one.
    diesel::sql_query(format!(
        "WITH a AS (
           INSERT INTO accounts (id, display_name, unsubscribe_token)
           SELECT gen_random_uuid(), '賛同者 ' || n, 'sup-' || n FROM generate_series(1, 40) n
           RETURNING id)
         INSERT INTO proposal_supports (proposal_id, account_id) SELECT '{DISCUSSED}', id FROM a"
    ))
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO organisations (id, name, kind, verified_at)
         VALUES ('00000000-0000-4000-8000-0000000000f2', '駅北口自治会', 'jichikai', now())",
    )
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO comments (id, subject_type, subject_id, author_id, organisation_id, body, created_at, hidden_at, hidden_reason)
         SELECT ('00000000-0000-4000-9000-' || lpad(n::text, 12, '0'))::uuid, 'proposal', '{DISCUSSED}',
                '00000000-0000-4000-8000-000000000001',
                CASE WHEN n % 7 = 0 THEN '00000000-0000-4000-8000-0000000000f2'::uuid END,
                'コメント ' || n || ' https://example.org/' || n, now() - n * interval '1 minute',
                CASE WHEN n % 11 = 0 THEN now() END, CASE WHEN n % 11 = 0 THEN '不適切' END
         FROM generate_series(1, 30) n"
    ))
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO comments (id, subject_type, subject_id, author_id, parent_id, body)
         SELECT gen_random_uuid(), 'proposal', '{DISCUSSED}', '00000000-0000-4000-8000-000000000002',
                ('00000000-0000-4000-9000-' || lpad((1 + n % 30)::text, 12, '0'))::uuid, '返信 ' || n
         FROM generate_series(1, 30) n"
    ))
    .execute(conn)?;
    // Many comments on measure 6-1: the page shows one keyset page of them.
    diesel::sql_query(
        "INSERT INTO comments (id, subject_type, subject_id, author_id, organisation_id, parent_id, body, created_at, hidden_at, hidden_reason)
         SELECT ('00000000-0000-4000-a000-' || lpad(n::text, 12, '0'))::uuid, 'measure', '6-1',
                '00000000-0000-4000-8000-000000000001',
                CASE WHEN n % 7 = 0 THEN '00000000-0000-4000-8000-0000000000f2'::uuid END,
                CASE WHEN n > 10000 THEN ('00000000-0000-4000-a000-' || lpad((n % 100 + 1)::text, 12, '0'))::uuid END,
                '施策へのコメント ' || n, now() - (20000 - n) * interval '1 second',
                CASE WHEN n % 13 = 0 THEN now() END, CASE WHEN n % 13 = 0 THEN '不適切' END
         FROM generate_series(1, 12000) n",
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO plan_initiatives (plan_number, position, title, body, measure_codes)
         SELECT p.number, 100 + n, '追加の取組 ' || n, '本文', ARRAY['5-1', '6-1'] FROM plans p, generate_series(1, 10) n",
    )
    .execute(conn)?;
    Ok(())
}

/// A public proposal that grow() gives supports and comments.
const DISCUSSED: &str = "00000000-0000-4000-8000-0000000000f1";

fn discussed(app: &TestApp) {
    for sql in [
        "INSERT INTO accounts (id, display_name, unsubscribe_token)
         VALUES ('00000000-0000-4000-8000-0000000000f0', '話題の提案者', 'f0')"
            .to_owned(),
        format!(
            "INSERT INTO proposals (id, author_id, state, title, summary, submitted_at)
             VALUES ('{DISCUSSED}', '00000000-0000-4000-8000-0000000000f0', 'submitted', '話題の提案', '概要', now())"
        ),
        format!(
            "INSERT INTO proposal_measures (proposal_id, measure_code, position)
             VALUES ('{DISCUSSED}', '5-2', 0)"
        ),
    ] {
        diesel::sql_query(sql).execute(&mut app.db()).unwrap();
    }
}

fn queries_per_page_do_not_grow_with_the_data() {
    run(async {
        let app = TestApp::start().await;
        discussed(&app);
        let paths = [
            "/",
            "/chapters/5",
            "/measures/6-1",
            "/measures/5-1",
            "/api/v1/measures/5-1",
            "/plans",
            "/plans/1",
            "/api/v1/measures",
            "/api/v1/measures/6-1",
            "/api/v1/plans",
            "/proposals",
            "/proposals?measure=6-1&state=submitted",
            "/proposals?sort=supported",
            "/proposals?sort=decided&q=%E6%8F%90%E6%A1%88",
            "/consultations",
            "/proposals/00000000-0000-4000-8000-0000000000f1",
            "/api/v1/proposals/00000000-0000-4000-8000-0000000000f1",
            "/api/v1/proposals",
        ];
        // The plan is read once, by the first page, in a fixed number of statements, then kept
        // until it changes.
        let before = app.queries.get();
        app.page("/").await;
        let reading = app.queries.get() - before;
        assert!(reading <= 9, "reading the plan runs {reading} queries");
        let mut counts = Vec::new();
        for path in paths {
            let before = app.queries.get();
            app.page(path).await;
            counts.push(app.queries.get() - before);
        }
        for (path, count) in paths.iter().zip(&counts) {
            // The plan is kept in memory: its pages check out no connection at all. A measure
            // sends only what is live (the check-out itself sends nothing): the count beside a
            // KPI (adopted proposals beside 5-1, consultations beside 6-1); its page also the
            // proposals on the measure and a page of comments with their replies,
            // follow/pre-moderation.
            let most = match *path {
                p if p.starts_with("/measures/") => 5,
                p if p.starts_with("/api/v1/measures/") => 2,
                "/" | "/chapters/5" | "/plans" | "/plans/1" | "/api/v1/measures"
                | "/api/v1/plans" => 0,
                _ => 8,
            };
            assert!(*count <= most, "{path} runs {count} queries");
        }
        app.change_plan(grow).await;
        let before = app.queries.get();
        app.page("/").await;
        assert_eq!(
            app.queries.get() - before,
            reading,
            "the number of queries reading the plan grew with the data"
        );
        for (path, count) in paths.iter().zip(&counts) {
            let before = app.queries.get();
            let text = app.page(path).await;
            assert_eq!(
                app.queries.get() - before,
                *count,
                "{path}: the number of queries grew with the data"
            );
            if *path == "/measures/6-1" {
                assert!(
                    text.contains("公開中の提案 48件") && text.contains("追加の提案 1<"),
                    "the measure page lists its proposals"
                );
                assert!(
                    text.contains("施策へのコメント 50</p>")
                        && !text.contains("施策へのコメント 51</p>")
                        && text.contains("次のコメントを見る"),
                    "one page of the measure's 10,000 comments"
                );
            }
            if *path == "/chapters/5" {
                assert!(
                    text.contains("追加の施策 40"),
                    "the grown data is on the page"
                );
            }
        }
    })
}

/// The measure page's shape: its headings, in order.
fn measure_page_outline() {
    run(async {
        let app = TestApp::start().await;
        let html = app.page("/measures/5-3").await;
        let outline = crate::support::html::outline(&html);
        insta::assert_snapshot!(outline);
    })
}

/// The text of the first element from `open` (e.g. `<desc id="x">`) to `close` on a page.
fn element<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html
        .find(open)
        .unwrap_or_else(|| panic!("the page has {open}"))
        + open.len();
    let end = start + html[start..].find(close).expect("the element is closed");
    &html[start..end]
}

/// The `<svg>…</svg>` of the chart in the figure with this id.
fn chart_svg<'a>(html: &'a str, figure_id: &str) -> &'a str {
    let figure = html
        .find(&format!("<figure class=\"kpi-chart\" id=\"{figure_id}\">"))
        .unwrap_or_else(|| panic!("the page has the chart {figure_id}"));
    let start = figure
        + html[figure..]
            .find("<svg")
            .expect("the figure holds an svg");
    let end = start + html[start..].find("</svg>").expect("the svg is closed") + "</svg>".len();
    &html[start..end]
}

fn the_measure_page_charts_recorded_actual_values() {
    run(async {
        let app = TestApp::start().await;
        let before = app.page("/measures/5-1").await;
        assert!(
            !before.contains("<svg"),
            "no actual value, nothing to chart"
        );
        // NPO法人登録数 43 → 50 団体 (the second KPI of 5-1), recorded newest first.
        record_actual(&app, "5-1", "NPO法人登録数", 2024, "46").await;
        record_actual(&app, "5-1", "NPO法人登録数", 2023, "44").await;
        let html = app.page("/measures/5-1").await;
        assert_eq!(
            html.matches("<svg").count(),
            1,
            "only the KPI with actual values has a chart"
        );
        let svg = chart_svg(&html, "kpi-chart-1");
        assert!(svg.contains(" role=\"img\""), "{svg}");
        assert!(svg.contains(" aria-labelledby=\"kpi-chart-1-title kpi-chart-1-desc\""));
        let title = element(svg, "<title id=\"kpi-chart-1-title\">", "</title>");
        assert!(title.contains("NPO法人登録数"), "{title}");
        let desc = element(svg, "<desc id=\"kpi-chart-1-desc\">", "</desc>");
        for expected in [
            "現状値 43 団体",
            "最新の実績値 46 団体（令和6年度）",
            "目標値 50 団体",
        ] {
            assert!(
                desc.contains(expected),
                "the summary says {expected}: {desc}"
            );
        }
        // Fiscal years on the axis, oldest first, with the Western year.
        let axis: Vec<&str> = svg
            .split("<text class=\"kpi-chart__x")
            .skip(1)
            .map(|text| element(text, ">", "</text>"))
            .collect();
        assert_eq!(axis, ["現状値", "R5", "2023", "R6", "2024", "目標値"]);
        // The CSP allows no inline style; colours come from classes.
        assert!(!svg.contains("style"), "{svg}");
        // The chart comes with its figure caption, and the table of values follows it.
        let figure = html.find("id=\"kpi-chart-1\"").unwrap();
        let caption = element(
            &html[figure..],
            "<figcaption class=\"kpi-chart__caption\">",
            "</figcaption>",
        );
        assert!(caption.contains("NPO法人登録数"), "{caption}");
        assert!(html[figure..].contains("実績値：NPO法人登録数"));

        // Ids stay unique with more charts on the page.
        record_actual(&app, "5-1", "自治会の加入率", 2024, "82.50").await;
        let html = app.page("/measures/5-1").await;
        assert_eq!(html.matches("<svg").count(), 2);
        for id in ["kpi-chart-0-title", "kpi-chart-0-desc", "kpi-chart-1-title"] {
            assert_eq!(html.matches(&format!("id=\"{id}\"")).count(), 1, "{id}");
        }

        // A measure without actual values has no chart.
        let other = app.page("/measures/5-2").await;
        assert!(!other.contains("<svg") && !other.contains("kpi-chart"));

        // In English, fiscal years are written FY2024.
        let english = app
            .get_in("en", "/measures/5-1")
            .await
            .text()
            .await
            .unwrap();
        let desc = element(
            chart_svg(&english, "kpi-chart-1"),
            "<desc id=\"kpi-chart-1-desc\">",
            "</desc>",
        );
        assert!(desc.contains("46 団体 (FY2024)"), "{desc}");
        assert!(visible_text(chart_svg(&english, "kpi-chart-1")).contains("FY2023"));

        insta::assert_snapshot!("measure_page_chart_svg", chart_svg(&html, "kpi-chart-1"));
    })
}

/// Two residents' proposals, in the given states and titles, tied to 5-1 (SQL: the state is what
/// these tests are about, not how it was reached).
fn insert_proposals(app: &TestApp, rows: &[(&str, &str, &str)]) {
    let mut conn = app.db();
    diesel::sql_query(
        "INSERT INTO accounts (id, display_name, unsubscribe_token)
         VALUES ('00000000-0000-4000-8000-0000000000a1', '提案者', 'live-a')
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut conn)
    .unwrap();
    for (state, title, summary) in rows {
        diesel::sql_query(format!(
            "WITH p AS (
               INSERT INTO proposals (id, author_id, state, title, summary, submitted_at)
               VALUES (gen_random_uuid(), '00000000-0000-4000-8000-0000000000a1', '{state}', '{title}', '{summary}',
                       CASE WHEN '{state}' <> 'draft' THEN now() END)
               RETURNING id)
             INSERT INTO proposal_measures (proposal_id, measure_code, position) SELECT id, '5-1', 0 FROM p"
        ))
        .execute(&mut conn)
        .unwrap();
    }
}

fn kpi_5_1_shows_the_live_count_of_adopted_proposals() {
    run(async {
        let app = TestApp::start().await;
        let text = visible_text(&app.page("/measures/5-1").await);
        assert!(text.contains("採択された市民提案 0 件"), "{text}");
        assert!(text.contains("公式の成果指標は計画のとおり"));
        insert_proposals(
            &app,
            &[
                ("adopted", "採択された提案", "概要"),
                ("submitted", "審査前の提案", "概要"),
                ("not_adopted", "不採択の提案", "概要"),
            ],
        );
        let text = visible_text(&app.page("/measures/5-1").await);
        assert!(text.contains("採択された市民提案 1 件"), "{text}");
        // The plan's own figures stay: target 2 件.
        assert!(text.contains("2 件"));
        let json: serde_json::Value =
            serde_json::from_str(&app.page("/api/v1/measures/5-1").await).unwrap();
        let kpis = json["kpis"].as_array().unwrap();
        let live: Vec<_> = kpis.iter().filter(|k| k.get("live").is_some()).collect();
        assert_eq!(
            live.len(),
            1,
            "only KPI 5-1 市民提案型事業数 has a live count"
        );
        assert_eq!(live[0]["name"], "市民提案型事業数");
        assert_eq!(live[0]["live"]["adopted_proposals"], 1);
        assert_eq!(live[0]["target"], 2.0);
        // Other measures' pages have no live count.
        assert!(!app.page("/api/v1/measures/6-1").await.contains("\"live\""));
    })
}

fn similar_proposals_in_japanese() {
    run(async {
        let app = TestApp::start().await;
        insert_proposals(
            &app,
            &[
                (
                    "submitted",
                    "空き店舗を活用した子ども食堂",
                    "商店街の空き店舗で子ども食堂を開きます。",
                ),
                (
                    "adopted",
                    "高校生による防災訓練",
                    "高校生が地域の避難訓練を企画します。",
                ),
                (
                    "draft",
                    "空き店舗で子ども食堂（下書き）",
                    "下書きは出ません。",
                ),
            ],
        );
        let mut conn = app.db();
        let found = kyodo::proposals::similar::similar(
            &mut conn,
            "空き店舗で子ども食堂を開く 駅前の空き店舗を借りて子ども食堂を開きます。",
            None,
            5,
        )
        .unwrap();
        let titles: Vec<&str> = found.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(titles, ["空き店舗を活用した子ども食堂"], "{found:?}");
        let only_title =
            kyodo::proposals::similar::similar(&mut conn, "空き店舗で子ども食堂を開く", None, 5)
                .unwrap();
        assert_eq!(only_title.len(), 1, "{only_title:?}");
        assert!(kyodo::proposals::similar::similar(
            &mut conn,
            "図書館で外国人住民の日本語サロン 毎週土曜に日本語で話します。",
            None,
            5
        )
        .unwrap()
        .is_empty());
        // The proposal being written is not shown as similar to itself.
        let id = found[0].0;
        assert!(kyodo::proposals::similar::similar(
            &mut conn,
            "空き店舗を活用した子ども食堂 商店街の空き店舗で子ども食堂を開きます。",
            Some(id),
            5
        )
        .unwrap()
        .is_empty());
    })
}
