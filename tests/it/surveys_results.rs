//! Survey results (調査結果): hidden until published (only the department's staff see them,
//! marked 非公開), each chart with the table of the same numbers, free text only once shown,
//! the CSV of every answer read back by Python's csv in both encodings with no respondent in
//! it, the API saying what the page says, axe and the Nu checker clean, and the page's
//! statements counted.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::calendar::python;
use crate::support::consultations::jst;
use crate::support::surveys::{after_close, answered, change, Answered, FORMULA_TEXT, HIDDEN_TEXT};
use crate::support::{run, visible_text, TestApp};
use kyodo::db::StatementKind;

pub const TESTS: &[(&str, fn())] = &[
    (
        "surveys_results::results_are_hidden_until_published_but_staff_see_them_marked",
        results_are_hidden_until_published_but_staff_see_them_marked,
    ),
    (
        "surveys_results::each_chart_says_what_its_table_says_and_the_api_agrees",
        each_chart_says_what_its_table_says_and_the_api_agrees,
    ),
    (
        "surveys_results::hidden_free_text_is_never_public",
        hidden_free_text_is_never_public,
    ),
    (
        "surveys_results::the_csv_reads_back_in_python_in_both_encodings",
        the_csv_reads_back_in_python_in_both_encodings,
    ),
    (
        "surveys_results::the_results_page_passes_axe_and_the_nu_checker",
        the_results_page_passes_axe_and_the_nu_checker,
    ),
    (
        "surveys_results::the_results_page_sends_few_prepared_statements",
        the_results_page_sends_few_prepared_statements,
    ),
];

/// The survey's results published the day after it closed, and the clock after that.
fn publish(app: &TestApp, s: &Answered) {
    change(
        app,
        s.id,
        &format!(
            "results_published_at = '{}'",
            jst(2026, 12, 26, 9, 0, 0).to_rfc3339()
        ),
    );
}

fn results_are_hidden_until_published_but_staff_see_them_marked() {
    run(async {
        let app = TestApp::start().await;
        let s = answered(&app).await;
        app.clock.set(after_close());
        let page = format!("/surveys/{}/results", s.id);
        for path in [
            page.clone(),
            format!("/surveys/{}/results.csv", s.id),
            format!("/api/v1/surveys/{}/results", s.id),
        ] {
            assert_eq!(app.get(&path).await.status(), 404, "{path}");
        }
        let listed = app.json(&format!("/api/v1/surveys/{}", s.id)).await;
        assert_eq!(listed["results_public"], false);
        assert_eq!(listed["results_href"], serde_json::Value::Null);
        // Another department's staff are the public here.
        let other = crate::support::people::staff_member(
            &app,
            "other@example.jp",
            "別課 職員",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        assert_eq!(other.get(&page).await.status(), 404);
        let text = visible_text(&s.staff.page(&page).await);
        assert!(text.contains("非公開"), "{text}");
        assert!(text.contains("回答 4件"), "{text}");
        publish(&app, &s);
        let text = visible_text(&app.page(&page).await);
        assert!(!text.contains("非公開"), "{text}");
        assert!(text.contains("広報ほんじょうアンケートの結果"), "{text}");
        assert!(
            text.contains("ウェブ：3") && text.contains("郵送（調査票）：1"),
            "{text}"
        );
        assert!(
            text.contains("平均 中央値 最小 最大 3 11.0 8.0 5 20"),
            "{text}"
        );
        // Back to a draft: its results are nobody's, even live.
        change(
            &app,
            s.id,
            "published_at = NULL, results_published_at = NULL, results_mode = 'live'",
        );
        assert_eq!(app.get(&page).await.status(), 404);
        assert_eq!(
            app.get(&format!("/api/v1/surveys/{}", s.id)).await.status(),
            404
        );
        let problem = app.get(&format!("/api/v1/surveys/{}/results", s.id)).await;
        assert_eq!(problem.status(), 404);
        assert_eq!(
            problem.headers()["content-type"],
            "application/problem+json"
        );
    })
}

/// The figure `id`'s chart values and its table's (count, percentage) rows.
fn figure(html: &str, id: &str) -> (Vec<String>, Vec<(String, String)>) {
    let start = html
        .find(&format!("<figure class=\"bar-chart\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no figure {id}"));
    let figure = &html[start..start + html[start..].find("</figure>").unwrap()];
    let values = figure
        .split("<text class=\"bar-chart__value\"")
        .skip(1)
        .map(|part| {
            let text = &part[part.find('>').unwrap() + 1..];
            text[..text.find("</text>").unwrap()].to_owned()
        })
        .collect();
    let body = &figure[figure.find("<tbody>").unwrap()..figure.find("</tbody>").unwrap()];
    let rows = body
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td class=\"num\">")
                .skip(1)
                .map(|c| c[..c.find("</td>").unwrap()].to_owned())
                .collect();
            (cells[0].clone(), cells[1].clone())
        })
        .collect();
    (values, rows)
}

fn each_chart_says_what_its_table_says_and_the_api_agrees() {
    run(async {
        let app = TestApp::start().await;
        let s = answered(&app).await;
        publish(&app, &s);
        app.clock.set(after_close());
        let html = app.page(&format!("/surveys/{}/results", s.id)).await;
        let api = app.json(&format!("/api/v1/surveys/{}/results", s.id)).await;
        assert_eq!(api["responses"], 4);
        assert_eq!(api["by_channel"][0]["channel"], "web");
        assert_eq!(api["by_channel"][1]["count"], 1);
        let [q1, q2, q3, q4, q5] = s.questions;
        let mut figures = vec![
            (
                format!("q-{q1}-chart"),
                api["questions"][0]["choices"].clone(),
            ),
            (
                format!("q-{q2}-chart"),
                api["questions"][1]["choices"].clone(),
            ),
        ];
        for row in 0..2 {
            figures.push((
                format!("q-{q3}-row-{row}"),
                api["questions"][2]["rows"][row]["choices"].clone(),
            ));
        }
        for (id, choices) in figures {
            let (values, table) = figure(&html, &id);
            assert_eq!(values.len(), table.len(), "{id}");
            let choices = choices.as_array().unwrap();
            assert_eq!(choices.len(), table.len(), "{id}");
            for ((value, (count, percent)), json) in values.iter().zip(&table).zip(choices) {
                assert_eq!(value, &format!("{count}人 ({percent})"), "{id}");
                assert_eq!(json["count"].to_string(), *count, "{id}");
                assert_eq!(
                    format!("{:.1}%", json["percent"].as_f64().unwrap()),
                    *percent
                );
            }
        }
        // はい 2 / いいえ 2 of 4; the multiple choice over the 2 who answered it.
        assert_eq!(
            figure(&html, &format!("q-{q1}-chart")).1,
            [("2".into(), "50.0%".into()), ("2".into(), "50.0%".into())]
        );
        let (_, media) = figure(&html, &format!("q-{q2}-chart"));
        assert_eq!(media[2], ("2".into(), "100.0%".into()));
        let numbers = &api["questions"][3];
        assert_eq!(numbers["id"], q4);
        assert_eq!(numbers["numbers"]["mean"], 11.0);
        assert_eq!(numbers["numbers"]["median"], 8.0);
        assert_eq!(numbers["numbers"]["min"], 5);
        assert_eq!(api["questions"][4]["id"], q5);
        assert_eq!(api["questions"][4]["answered"], 4);
        assert_eq!(api["questions"][4]["texts"][1], "見やすい紙面です");
        let list = app.json("/api/v1/surveys").await;
        assert_eq!(list["surveys"][0]["results_href"], api_href(s.id));
        let structure = app.json(&format!("/api/v1/surveys/{}", s.id)).await;
        assert_eq!(structure["questions"][2]["kind"], "matrix");
        assert_eq!(
            structure["questions"][2]["rows"][1]["label"],
            "必要な情報がある"
        );
        assert_eq!(structure["questions"][0]["choices"][0]["label"], "はい");
        assert!(!structure.to_string().contains("respondent"));
        // The document names the three operations.
        let doc = app.json("/api/v1/openapi.json").await;
        for path in [
            "/api/v1/surveys",
            "/api/v1/surveys/{id}",
            "/api/v1/surveys/{id}/results",
        ] {
            assert!(doc["paths"][path]["get"].is_object(), "{path}");
        }
    })
}

fn api_href(id: i32) -> String {
    format!("/api/v1/surveys/{id}/results")
}

fn hidden_free_text_is_never_public() {
    run(async {
        let app = TestApp::start().await;
        let s = answered(&app).await;
        publish(&app, &s);
        app.clock.set(after_close());
        let page = app.page(&format!("/surveys/{}/results", s.id)).await;
        let api = app.page(&format!("/api/v1/surveys/{}/results", s.id)).await;
        let csv = app.get(&format!("/surveys/{}/results.csv", s.id)).await;
        let csv = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
        for (what, body) in [("page", &page), ("api", &api), ("csv", &csv)] {
            assert!(!body.contains("090-0000-0000"), "{what}: {body}");
            assert!(!body.contains("紙で回答しました"), "{what}: pending text");
        }
        assert!(visible_text(&page).contains("見やすい紙面です"));
        // The department's staff read every text in the CSV (and only there).
        let staff = s.staff.get(&format!("/surveys/{}/results.csv", s.id)).await;
        let staff = String::from_utf8(staff.bytes().await.unwrap().to_vec()).unwrap();
        assert!(staff.contains(HIDDEN_TEXT) && staff.contains("紙で回答しました"));
        let staff_page = s.staff.page(&format!("/surveys/{}/results", s.id)).await;
        assert!(!staff_page.contains("090-0000-0000"));
    })
}

/// The CSV as Python's csv module reads it, decoded as `encoding`.
fn read_csv(bytes: &[u8], encoding: &str) -> Vec<Vec<String>> {
    let script = format!(
        "import csv, io, json, sys\n\
         text = sys.stdin.buffer.read().decode('{encoding}')\n\
         print(json.dumps(list(csv.reader(io.StringIO(text, newline='')))))\n"
    );
    serde_json::from_value(python(&script, bytes)).unwrap()
}

fn the_csv_reads_back_in_python_in_both_encodings() {
    run(async {
        let app = TestApp::start().await;
        let s = answered(&app).await;
        publish(&app, &s);
        app.clock.set(after_close());
        let receipts: Vec<String> = {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct R {
                #[diesel(sql_type = diesel::sql_types::Text)]
                key: String,
            }
            diesel::sql_query(
                "SELECT coalesce(receipt, '') || ' ' || respondent AS key FROM survey_responses",
            )
            .load::<R>(&mut app.db())
            .unwrap()
            .into_iter()
            .flat_map(|r| r.key.split(' ').map(str::to_owned).collect::<Vec<_>>())
            .filter(|k| !k.is_empty())
            .collect()
        };
        assert!(receipts.len() >= 4);
        let path = format!("/surveys/{}/results.csv", s.id);
        let mut read = Vec::new();
        for (query, python_encoding, charset) in [
            ("", "utf-8-sig", "utf-8"),
            ("?encoding=cp932", "cp932", "windows-31j"),
        ] {
            let response = app.get(&format!("{path}{query}")).await;
            assert_eq!(response.status(), 200);
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(content_type, format!("text/csv; charset={charset}"));
            let bytes = response.bytes().await.unwrap();
            assert_eq!(bytes.starts_with(b"\xEF\xBB\xBF"), charset == "utf-8");
            let text = String::from_utf8_lossy(&bytes).to_string();
            for secret in &receipts {
                assert!(!text.contains(secret.as_str()), "{secret} in the CSV");
            }
            read.push(read_csv(&bytes, python_encoding));
        }
        assert_eq!(read[0], read[1], "both encodings say the same");
        let rows = &read[0];
        assert_eq!(
            rows[0],
            [
                "番号",
                "回答方法",
                "回答日時（日本時間）",
                "問1 設問1",
                "問2 設問2",
                "問3 設問3／記事が読みやすい",
                "問3 設問3／必要な情報がある",
                "問4 設問4",
                "問5 設問5"
            ]
        );
        assert_eq!(rows.len(), 5, "a row per response: {rows:?}");
        assert_eq!(
            rows[1][..5],
            ["1", "ウェブ", "2026-12-10 10:00", "はい", "広報紙／SNS"]
        );
        assert_eq!(rows[1][5], "そう思う");
        // The formula is text for a spreadsheet.
        assert_eq!(rows[1][8], format!("'{FORMULA_TEXT}"));
        assert_eq!(rows[2][8], "", "hidden");
        assert_eq!(rows[4][1], "郵送（調査票）");
        assert_eq!(rows[4][8], "", "pending");
        assert_eq!(
            app.get(&format!("{path}?encoding=latin1")).await.status(),
            400
        );
    })
}

fn the_results_page_passes_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        let s = answered(&app).await;
        app.clock.set(after_close());
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        let page = app.url(&format!("/surveys/{}/results", s.id));
        sign_in_as(&browser, &app, "kohoka@example.jp").await;
        browser.goto(&page).await.unwrap();
        if let Err(e) = browser.assert_accessible("survey-results-private").await {
            failures.push(e);
        }
        publish(&app, &s);
        browser.goto(&page).await.unwrap();
        if let Err(e) = browser.assert_accessible("survey-results").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    })
}

fn the_results_page_sends_few_prepared_statements() {
    run(async {
        let app = TestApp::start_with(|state| state.queries.log_statements()).await;
        let s = answered(&app).await;
        publish(&app, &s);
        app.clock.set(after_close());
        // The survey (4), the tally (2), numbers, texts and channels; the API the same.
        for (path, most) in [
            (format!("/surveys/{}/results", s.id), 9),
            (format!("/api/v1/surveys/{}/results", s.id), 9),
            (format!("/api/v1/surveys/{}", s.id), 4),
            ("/api/v1/surveys".to_owned(), 1),
        ] {
            let visitor = app.visitor();
            assert_eq!(visitor.get(&path).await.status(), 200);
            let from = app.queries.statements().len();
            let response = visitor.get(&path).await;
            assert_eq!(response.status(), 200, "{path}");
            response.bytes().await.unwrap();
            let statements = app.queries.statements().split_off(from);
            assert!(
                statements
                    .iter()
                    .all(|s| s.kind != StatementKind::Unprepared),
                "{path}: {statements:#?}"
            );
            assert!(
                statements.len() <= most,
                "{path} sends {} statements, at most {most}: {statements:#?}",
                statements.len()
            );
        }
    })
}
