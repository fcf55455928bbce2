//! The satisfaction survey (市民意識調査): made from the plan, its results recorded as each
//! measure's satisfaction for its 年度, shown on the measure page and in the API after the
//! plan's own figure.

use crate::support::browser::Browser;
use crate::support::db::count;
use crate::support::meetings::account;
use crate::support::people::department;
use crate::support::people::staff_member;
use crate::support::surveys::{answer_day, change, field, form, full};
use crate::support::{csrf_of, run, visible_text, TestApp};
use diesel::prelude::*;
use kyodo::surveys::model::Full;
use kyodo::surveys::respond::{self, Submit};
use kyodo::surveys::rules::{Access, Channel, QuestionKind};
use kyodo::surveys::satisfaction::{self, NewSatisfaction};
use uuid::Uuid;

pub const TESTS: &[(&str, fn())] = &[
    (
        "surveys_satisfaction::creating_from_the_plan_asks_each_measure_s_statement",
        creating_from_the_plan_asks_each_measure_s_statement,
    ),
    (
        "surveys_satisfaction::recording_computes_each_measure_s_percent_and_replaces_the_year",
        recording_computes_each_measure_s_percent_and_replaces_the_year,
    ),
    (
        "surveys_satisfaction::the_measure_page_passes_axe_and_the_nu_checker_with_the_chart",
        the_measure_page_passes_axe_and_the_nu_checker_with_the_chart,
    ),
    (
        "surveys_satisfaction::the_demo_has_a_survey_with_results_and_a_year_of_satisfaction",
        the_demo_has_a_survey_with_results_and_a_year_of_satisfaction,
    ),
    (
        "surveys_satisfaction::publishing_the_results_records_the_year_s_satisfaction",
        publishing_the_results_records_the_year_s_satisfaction,
    ),
    (
        "surveys_satisfaction::staff_create_the_year_s_survey_once_from_the_form",
        staff_create_the_year_s_survey_once_from_the_form,
    ),
];

/// The 令和7年度 satisfaction survey of 企画課, made from the plan, published and open on
/// [`answer_day`]; its id and the staff member who made it.
fn satisfaction_survey(app: &TestApp) -> (i32, Uuid) {
    let staff = account(app, "kikaku@example.jp", "企画 太郎");
    let plan = kyodo::plan::queries::load(&mut app.db()).unwrap();
    let new = NewSatisfaction {
        fiscal_year: 2025,
        department_id: department(app, "企画課"),
        access: Access::Code,
        opens_at: crate::support::consultations::jst(2026, 12, 1, 9, 0, 0),
        closes_at: crate::support::consultations::jst(2026, 12, 25, 17, 0, 0),
    };
    let id = satisfaction::create(&mut app.db(), &plan, &new, staff).unwrap();
    change(app, id, "published_at = '2026-11-25T00:00:00Z'");
    (id, staff)
}

/// The question of `code`'s statement.
fn asking(survey: &Full, code: &str) -> (i32, Vec<i32>) {
    let q = survey
        .questions
        .iter()
        .find(|q| q.measure_code.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no question for {code}"));
    (q.id(), q.choices.iter().map(|c| c.id).collect())
}

/// A paper answer choosing, for each measure, the scale's point (0 = そう思う … 4 = そう思わない).
fn answer(app: &TestApp, survey: &Full, staff: Uuid, points: &[(&str, usize)]) {
    let pairs: Vec<_> = points
        .iter()
        .map(|(code, point)| {
            let (question, choices) = asking(survey, code);
            field(question, None, choices[*point])
        })
        .collect();
    let sent = respond::enter(
        &mut app.db(),
        survey,
        staff,
        Channel::Paper,
        &form(&pairs),
        answer_day(),
    )
    .unwrap();
    assert!(matches!(sent, Submit::Done(_)), "{sent:?}");
}

fn creating_from_the_plan_asks_each_measure_s_statement() {
    run(async {
        let app = TestApp::start().await;
        let (id, _) = satisfaction_survey(&app);
        let survey = full(&app, id);
        assert_eq!(survey.survey.fiscal_year, Some(2025));
        assert_eq!(
            survey.survey.title,
            "令和7年度 市民意識調査（施策に係る市民満足度）"
        );
        let statements = count(
            &app,
            "SELECT count(*) AS n FROM measures WHERE satisfaction_statement IS NOT NULL",
        );
        assert!(statements > 10, "the plan has its statements: {statements}");
        assert_eq!(survey.questions.len() as i64, statements);
        let chapters = count(
            &app,
            "SELECT count(DISTINCT chapter_number) AS n FROM measures
             WHERE satisfaction_statement IS NOT NULL",
        );
        assert_eq!(survey.sections.len() as i64, chapters);
        assert_eq!(survey.sections[0].title, "第5章 市民生活分野");
        let first = &survey.questions[0];
        assert_eq!(first.kind(), QuestionKind::Scale5);
        assert_eq!(first.measure_code.as_deref(), Some("5-1"));
        assert_eq!(first.section_id, Some(survey.sections[0].id));
        let labels: Vec<&str> = first.choices.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "そう思う",
                "ややそう思う",
                "どちらともいえない",
                "あまりそう思わない",
                "そう思わない"
            ]
        );
        let statement = count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM measures
                 WHERE code = '5-1' AND satisfaction_statement = '{}'",
                first.text
            ),
        );
        assert_eq!(statement, 1, "the question is the plan's statement");
        assert!(survey.questions.iter().all(|q| q.measure_code.is_some()));
    })
}

fn recording_computes_each_measure_s_percent_and_replaces_the_year() {
    run(async {
        let app = TestApp::start().await;
        let (id, staff) = satisfaction_survey(&app);
        let survey = full(&app, id);
        // 5-1: 3 そう思う, 2 ややそう思う, 3 どちらともいえない, 1 そう思わない: 5 of 9 = 55.6 %.
        // 5-2: 1 ややそう思う of 2 who answered it = 50.0 %. The others: nobody answered.
        for points in [
            &[("5-1", 0), ("5-2", 1)][..],
            &[("5-1", 0), ("5-2", 4)],
            &[("5-1", 0)],
            &[("5-1", 1)],
            &[("5-1", 1)],
            &[("5-1", 2)],
            &[("5-1", 2)],
            &[("5-1", 2)],
            &[("5-1", 4)],
        ] {
            answer(&app, &survey, staff, points);
        }
        // Last year's stays; this year's earlier figure of 5-3 (a survey published too early)
        // goes.
        diesel::sql_query(
            "INSERT INTO measure_satisfaction (measure_code, fiscal_year, percent, respondents)
             VALUES ('5-1', 2024, 28.4, 812), ('5-3', 2025, 99.9, 3)",
        )
        .execute(&mut app.db())
        .unwrap();
        let before = app.json("/api/v1/measures/5-1").await;
        let recorded = app
            .change_plan(|conn| satisfaction::record_satisfaction(conn, id))
            .await;
        assert_eq!(recorded, 2);
        let rows = count(
            &app,
            "SELECT count(*) AS n FROM measure_satisfaction WHERE fiscal_year = 2025",
        );
        assert_eq!(rows, 2, "5-3's earlier figure was replaced");
        assert_eq!(
            count(
                &app,
                "SELECT respondents::bigint AS n FROM measure_satisfaction
                 WHERE measure_code = '5-1' AND fiscal_year = 2025 AND percent = 55.6"
            ),
            9
        );
        assert_eq!(
            count(
                &app,
                "SELECT respondents::bigint AS n FROM measure_satisfaction
                 WHERE measure_code = '5-2' AND fiscal_year = 2025 AND percent = 50.0"
            ),
            2
        );

        let api = app.json("/api/v1/measures/5-1").await;
        assert_ne!(before, api, "the cache heard the change");
        let satisfaction = &api["satisfaction"];
        assert_eq!(satisfaction["percent"], 30.6, "the plan's figure stays");
        assert_eq!(
            satisfaction["yearly"],
            serde_json::json!([
                { "fiscal_year": 2024, "percent": 28.4, "respondents": 812 },
                { "fiscal_year": 2025, "percent": 55.6, "respondents": 9 },
            ])
        );
        let page = app.page("/measures/5-1").await;
        let text = visible_text(&page);
        assert!(text.contains("市民意識調査による推移"), "{text}");
        assert!(text.contains("計画策定時（現状値） 30.6 %"), "{text}");
        assert!(
            text.contains("令和6年度（2024年度） 28.4 % 812人"),
            "{text}"
        );
        assert!(text.contains("令和7年度（2025年度） 55.6 % 9人"), "{text}");
        assert!(page.contains("id=\"kpi-chart-satisfaction\""), "the chart");
        assert!(page.contains("市民満足度の推移（現状値・実績値のグラフ）"));

        // A general survey is not recorded.
        change(&app, id, "kind = 'general'");
        let refused = satisfaction::record_satisfaction(&mut app.db(), id).unwrap_err();
        assert!(matches!(refused, kyodo::Error::Refused(_)), "{refused:?}");
    })
}

fn the_measure_page_passes_axe_and_the_nu_checker_with_the_chart() {
    run(async {
        let app = TestApp::start().await;
        let (id, staff) = satisfaction_survey(&app);
        let survey = full(&app, id);
        for point in [0, 1, 1, 2, 3] {
            answer(&app, &survey, staff, &[("5-1", point)]);
        }
        app.change_plan(|conn| satisfaction::record_satisfaction(conn, id))
            .await;
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        // Nu checks the page in Japanese and in English.
        browser.goto(&app.url("/measures/5-1")).await.unwrap();
        if let Err(e) = browser.assert_accessible("measure-satisfaction").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    })
}

fn the_demo_has_a_survey_with_results_and_a_year_of_satisfaction() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let text = visible_text(&app.page("/measures/5-1").await);
        // 5-1 is asked first: 15 of the 36 agree or somewhat agree.
        assert!(text.contains("計画策定時（現状値） 30.6 %"), "{text}");
        assert!(text.contains("令和7年度（2025年度） 41.7 % 36人"), "{text}");
        let every = count(
            &app,
            "SELECT count(*) AS n FROM measures WHERE satisfaction_statement IS NOT NULL",
        );
        let recorded = count(
            &app,
            "SELECT count(*) AS n FROM measure_satisfaction WHERE fiscal_year = 2025",
        );
        assert_eq!(recorded, every, "every measure's satisfaction is recorded");
        // The general survey: every kind of question answered, results published, its free text
        // moderated (an advertisement hidden).
        let kinds = count(
            &app,
            "SELECT count(DISTINCT q.kind) AS n FROM survey_answers a
             JOIN survey_questions q ON q.id = a.question_id
             JOIN surveys s ON s.id = q.survey_id
             WHERE s.kind = 'general' AND s.results_published_at IS NOT NULL",
        );
        assert_eq!(kinds, 7);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_answers WHERE text_state = 'pending'"
            ),
            0
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_answers WHERE text_state = 'hidden'"
            ),
            1
        );
    })
}

fn publishing_the_results_records_the_year_s_satisfaction() {
    run(async {
        let app = TestApp::start().await;
        let (id, staff) = satisfaction_survey(&app);
        let survey = full(&app, id);
        answer(&app, &survey, staff, &[("5-1", 0)]);
        answer(&app, &survey, staff, &[("5-1", 3)]);
        let reviewer = staff_member(
            &app,
            "kikaku-b@example.jp",
            "加藤 真理",
            &[("reviewer", Some("企画課"))],
        )
        .await;
        let csrf = csrf_of(&reviewer.page("/").await);
        let before = app.plan.seen();
        let done = reviewer
            .post(&format!("/staff/surveys/{id}/results"), &[("csrf", &csrf)])
            .await;
        assert_eq!(done.status(), 303);
        assert_eq!(done.headers()["location"], format!("/staff/surveys/{id}"));
        app.plan_heard_since(before).await;
        let text = visible_text(&app.page("/measures/5-1").await);
        assert!(text.contains("令和7年度（2025年度） 50.0 % 2人"), "{text}");
        let api = app.json("/api/v1/measures/5-1").await;
        assert_eq!(
            api["satisfaction"]["yearly"],
            serde_json::json!([{ "fiscal_year": 2025, "percent": 50.0, "respondents": 2 }])
        );
    })
}

fn staff_create_the_year_s_survey_once_from_the_form() {
    run(async {
        let app = TestApp::start().await;
        let dept = department(&app, "企画課");
        let reviewer = staff_member(
            &app,
            "kikaku-b@example.jp",
            "加藤 真理",
            &[("reviewer", Some("企画課"))],
        )
        .await;
        let list = reviewer.page("/staff/surveys").await;
        assert!(
            list.contains("href=\"/staff/surveys/satisfaction/new\""),
            "{list}"
        );
        let new = "/staff/surveys/satisfaction/new";
        let dept = dept.to_string();
        let typed = |year: &'static str, closes: &'static str| {
            [
                ("fiscal_year", year),
                ("department", dept.as_str()),
                ("access", "account"),
                ("opens_at", "2026-12-25T17:00"),
                ("closes_at", closes),
            ]
        };
        let bad = reviewer
            .submit(new, new, &typed("", "2026-12-01T09:00"))
            .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        let said = visible_text(&html);
        for message in [
            "年度を入力してください",
            "受付終了は受付開始より後の日時にしてください",
        ] {
            assert!(said.contains(message), "{message}: {said}");
        }
        assert!(html.contains("value=\"2026-12-25T17:00\""), "{html}");
        assert!(html.contains("id=\"access-account\" name=\"access\" value=\"account\" checked"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM surveys"), 0);

        let made = reviewer
            .submit(new, new, &typed("２０２６", "2027-01-15T17:00"))
            .await;
        assert_eq!(made.status(), 303);
        let page = made.headers()["location"].to_str().unwrap().to_owned();
        let id: i32 = page.rsplit('/').next().unwrap().parse().unwrap();
        let survey = full(&app, id);
        assert_eq!(survey.survey.fiscal_year, Some(2026));
        assert_eq!(survey.survey.access, Access::Account);
        let statements = count(
            &app,
            "SELECT count(*) AS n FROM measures WHERE satisfaction_statement IS NOT NULL",
        );
        assert_eq!(survey.questions.len() as i64, statements);
        assert!(survey.questions.iter().all(|q| q.measure_code.is_some()));
        let shown = visible_text(&reviewer.page(&page).await);
        assert!(shown.contains("令和8年度 市民意識調査"), "{shown}");

        let again = reviewer
            .submit(new, new, &typed("2026", "2027-01-15T17:00"))
            .await;
        assert_eq!(again.status(), 409);
        let html = again.text().await.unwrap();
        assert!(
            visible_text(&html).contains("令和8年度の市民意識調査はすでにあります"),
            "{html}"
        );
        assert!(html.contains("value=\"2026\""));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM surveys"), 1);
    })
}
