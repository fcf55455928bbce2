//! Surveys (アンケート), the public answering pages over HTTP: two tabs sending at once give one
//! response, an anonymous answer stores no account even from a signed-in person, a printed code
//! works once, a closed survey refuses with the typed text kept, mistakes are said in Japanese
//! beside their questions (and listed at the top), and a draft saved is there on coming back.

use crate::support::db::count;
use crate::support::http::cookie_value;
use crate::support::people::{department, resident};
use crate::support::surveys::{after_close, answer_day, change, condition, question, survey};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use kyodo::surveys::respond;
use kyodo::surveys::rules::{Access, QuestionKind, Submitted};

pub const TESTS: &[(&str, fn())] = &[
    (
        "surveys_pages::the_list_shows_open_then_scheduled_then_closed",
        the_list_shows_open_then_scheduled_then_closed,
    ),
    (
        "surveys_pages::two_tabs_sending_at_once_give_one_response",
        two_tabs_sending_at_once_give_one_response,
    ),
    (
        "surveys_pages::an_anonymous_answer_stores_no_account_even_signed_in",
        an_anonymous_answer_stores_no_account_even_signed_in,
    ),
    ("surveys_pages::a_code_works_once", a_code_works_once),
    (
        "surveys_pages::a_closed_survey_refuses_with_the_text_kept",
        a_closed_survey_refuses_with_the_text_kept,
    ),
    (
        "surveys_pages::mistakes_are_said_in_japanese_beside_their_questions",
        mistakes_are_said_in_japanese_beside_their_questions,
    ),
    (
        "surveys_pages::a_saved_draft_is_there_on_coming_back",
        a_saved_draft_is_there_on_coming_back,
    ),
    (
        "surveys_pages::anonymous_answers_and_code_guesses_are_rate_limited",
        anonymous_answers_and_code_guesses_are_rate_limited,
    ),
];

const DEPT: &str = "企画課";
const HANAKO: &str = "hanako@example.jp";
const OPINION: &str = "駅前にベンチを増やしてほしいです。";

/// Posts the survey's form (opened first, for its CSRF token).
async fn answer(visitor: &Visitor, id: i32, fields: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let path = format!("/surveys/{id}");
    visitor.submit(&path, &path, &fields).await
}

fn field(question: i32, value: impl ToString) -> (String, String) {
    (Submitted::field(question, None), value.to_string())
}

fn action(value: &str) -> (String, String) {
    ("action".to_owned(), value.to_owned())
}

fn responses(app: &TestApp, id: i32) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id}"),
    )
}

fn the_list_shows_open_then_scheduled_then_closed() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let open = survey(&app, dept, "駅前広場の使い方アンケート", Access::Anonymous);
        let later = survey(&app, dept, "来年の広報アンケート", Access::Account);
        change(
            &app,
            later,
            "opens_at = '2027-01-10T00:00:00Z', closes_at = '2027-01-31T00:00:00Z'",
        );
        let closed = survey(&app, dept, "昨年の市民意識調査", Access::Code);
        change(
            &app,
            closed,
            "opens_at = '2026-10-01T00:00:00Z', closes_at = '2026-10-31T00:00:00Z', \
             results_published_at = '2026-11-10T00:00:00Z'",
        );
        let draft = survey(&app, dept, "作成中のアンケート", Access::Account);
        change(&app, draft, "published_at = NULL");

        let html = app.page("/surveys").await;
        let text = visible_text(&html);
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {text}"))
        };
        assert!(at("受付中のアンケート") < at("駅前広場の使い方アンケート"));
        assert!(at("駅前広場の使い方アンケート") < at("受付前のアンケート"));
        assert!(at("受付前のアンケート") < at("来年の広報アンケート"));
        assert!(at("来年の広報アンケート") < at("受付を終了したアンケート"));
        assert!(at("受付を終了したアンケート") < at("昨年の市民意識調査"));
        assert!(text.contains("令和8年12月1日"), "和暦 in JST: {text}");
        assert!(!text.contains("作成中のアンケート"), "no draft: {text}");
        assert!(html.contains(&format!("href=\"/surveys/{closed}/results\"")));
        assert!(!html.contains(&format!("href=\"/surveys/{open}/results\"")));
        assert_eq!(app.get(&format!("/surveys/{draft}")).await.status(), 404);
    });
}

fn two_tabs_sending_at_once_give_one_response() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "駅前広場の使い方アンケート", Access::Account);
        let (q, choices, _) = question(
            &app,
            id,
            1,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let hanako = app.visitor();
        resident(&app, &hanako, HANAKO, "本庄 花子").await;
        let page = hanako.page(&format!("/surveys/{id}")).await;
        let csrf = csrf_of(&page);
        let send = |choice: i32| {
            let body = vec![
                ("csrf".to_owned(), csrf.clone()),
                field(q, choice),
                action("submit"),
            ];
            hanako
                .client
                .post(hanako.url(&format!("/surveys/{id}")))
                .form(&body)
                .send()
        };
        let (a, b) = tokio::join!(send(choices[0]), send(choices[1]));
        let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "one receipt, one 回答済み");
        assert_eq!(responses(&app, id), 1);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM survey_answers"),
            1,
            "one answer"
        );
        let again = visible_text(&hanako.page(&format!("/surveys/{id}")).await);
        assert!(again.contains("このアンケートには回答済みです"), "{again}");
        assert!(again.contains("受付番号"), "{again}");
        assert!(!again.contains("回答を送信する"), "no second form: {again}");
    });
}

fn an_anonymous_answer_stores_no_account_even_signed_in() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "匿名アンケート", Access::Anonymous);
        let (q, _, _) = question(&app, id, 1, QuestionKind::LongText, true, &[], &[]);
        let hanako = app.visitor();
        resident(&app, &hanako, HANAKO, "本庄 花子").await;
        let first = hanako.get(&format!("/surveys/{id}")).await;
        assert_eq!(first.status(), 200);
        assert!(!cookie_value(&first, respond::COOKIE).is_empty(), "a token");
        let response = answer(&hanako, id, &[field(q, OPINION), action("submit")]).await;
        assert_eq!(response.status(), 200);
        let receipt = visible_text(&response.text().await.unwrap());
        assert!(receipt.contains("回答を受け付けました"), "{receipt}");
        assert_eq!(responses(&app, id), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_responses WHERE account_id IS NOT NULL"
            ),
            0,
            "no account stored"
        );
        // The same browser is told it answered; another browser may answer.
        let again = visible_text(&hanako.page(&format!("/surveys/{id}")).await);
        assert!(again.contains("回答済み"), "{again}");
        let other = app.visitor();
        let response = answer(&other, id, &[field(q, "別の意見"), action("submit")]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(responses(&app, id), 2);
    });
}

fn a_code_works_once() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "市民意識調査", Access::Code);
        let (q, choices, _) = question(
            &app,
            id,
            1,
            QuestionKind::Scale5,
            true,
            &[
                "そう思う",
                "ややそう思う",
                "どちらともいえない",
                "あまりそう思わない",
                "そう思わない",
            ],
            &[],
        );
        let code = respond::new_codes(&mut app.db(), id, 1).unwrap().remove(0);
        let path = format!("/surveys/{id}");
        let code_path = format!("/surveys/{id}/code");

        let visitor = app.visitor();
        let first = visible_text(&visitor.page(&path).await);
        assert!(first.contains("回答コード"), "{first}");
        assert!(!first.contains("回答を送信する"), "the code first: {first}");
        let wrong = visitor
            .submit(&path, &code_path, &[("code", "ABCD-EFGH-JKMN")])
            .await;
        assert_eq!(wrong.status(), 400);
        let wrong = visible_text(&wrong.text().await.unwrap());
        assert!(wrong.contains("回答コードが正しくないか"), "{wrong}");
        assert!(wrong.contains("ABCD-EFGH-JKMN"), "kept: {wrong}");

        // Typed in lower case with full-width letters: the same code.
        let typed = code.to_lowercase();
        let form = visitor.submit(&path, &code_path, &[("code", &typed)]).await;
        assert_eq!(form.status(), 200);
        let form = form.text().await.unwrap();
        assert!(visible_text(&form).contains("回答を送信する"));
        let csrf = csrf_of(&form);
        let body = vec![
            ("csrf".to_owned(), csrf),
            ("code".to_owned(), typed.clone()),
            field(q, choices[1]),
            action("submit"),
        ];
        let sent = visitor
            .client
            .post(visitor.url(&path))
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        assert!(visible_text(&sent.text().await.unwrap()).contains("受付番号"));

        let again = visitor.submit(&path, &code_path, &[("code", &code)]).await;
        assert_eq!(again.status(), 400, "used once");
        assert_eq!(responses(&app, id), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_responses WHERE account_id IS NOT NULL"
            ),
            0
        );
    });
}

fn a_closed_survey_refuses_with_the_text_kept() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "駅前広場の使い方アンケート", Access::Anonymous);
        let (q, _, _) = question(&app, id, 1, QuestionKind::LongText, true, &[], &[]);
        let visitor = app.visitor();
        let page = visitor.page(&format!("/surveys/{id}")).await;
        let csrf = csrf_of(&page);
        // The page stayed open past the close.
        app.clock.set(after_close());
        let body = vec![
            ("csrf".to_owned(), csrf),
            field(q, OPINION),
            action("submit"),
        ];
        let response = visitor
            .client
            .post(visitor.url(&format!("/surveys/{id}")))
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 409);
        let html = response.text().await.unwrap();
        let text = visible_text(&html);
        assert!(text.contains("回答の受付は終了しました"), "{text}");
        assert!(html.contains(OPINION), "kept");
        assert_eq!(responses(&app, id), 0);
        // Opened after the close: the message, no form.
        let later = visible_text(&app.visitor().page(&format!("/surveys/{id}")).await);
        assert!(later.contains("回答の受付は終了しました"), "{later}");
        assert!(!later.contains("回答を送信する"), "{later}");
    });
}

fn mistakes_are_said_in_japanese_beside_their_questions() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "駅前広場の使い方アンケート", Access::Anonymous);
        let (single, yes, _) = question(
            &app,
            id,
            1,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let (number, _, _) = question(&app, id, 2, QuestionKind::Number, false, &[], &[]);
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "UPDATE survey_questions SET min_value = 0, max_value = 120 WHERE id = {number}"
            )),
            &mut app.db(),
        )
        .unwrap();
        let (why, _, _) = question(&app, id, 3, QuestionKind::ShortText, false, &[], &[]);
        condition(&app, why, single, yes[0]);
        let (many, _, _) = question(
            &app,
            id,
            4,
            QuestionKind::Multiple,
            false,
            &["a", "b", "c"],
            &[],
        );
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "UPDATE survey_questions SET max_choices = 2 WHERE id = {many}"
            )),
            &mut app.db(),
        )
        .unwrap();

        let page = visible_text(&app.visitor().page(&format!("/surveys/{id}")).await);
        assert!(page.contains("問1 設問1 （必須）"), "{page}");
        assert!(page.contains("（問1で「はい」と答えた方）"), "{page}");
        assert!(page.contains("2個まで選べます"), "{page}");
        assert!(page.contains("0から120までの整数"), "{page}");

        let visitor = app.visitor();
        let response = answer(
            &visitor,
            id,
            &[
                field(number, "百二十一"),
                field(why, "理由です"),
                action("submit"),
            ],
        )
        .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        let text = visible_text(&html);
        assert!(text.contains("回答を確認してください"), "{text}");
        assert!(text.contains("この設問に回答してください。"), "{text}");
        assert!(text.contains("整数を数字で入力してください"), "{text}");
        assert!(
            html.contains(&format!("href=\"#question-{single}\"")),
            "summary links"
        );
        assert!(html.contains(&format!("href=\"#question-{number}\"")));
        assert!(html.contains("value=\"百二十一\""), "kept");
        // Beside its question: the message right after the question's own label.
        let beside = html.find(&format!("id=\"q{number}-error\"")).unwrap();
        let own = html.find(&format!("id=\"question-{number}\"")).unwrap();
        let next = html.find(&format!("id=\"question-{why}\"")).unwrap();
        assert!(own < beside && beside < next);
        assert_eq!(responses(&app, id), 0);

        // Answered well, with the condition unmet: the hidden question's answer is dropped.
        let response = answer(
            &visitor,
            id,
            &[
                field(single, yes[1]),
                field(number, "４２"),
                field(why, "理由です"),
                action("submit"),
            ],
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_answers WHERE question_id = {why}")
            ),
            0
        );
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM survey_answers WHERE question_id = {number} AND number = 42")),
            1
        );
    });
}

fn a_saved_draft_is_there_on_coming_back() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "駅前広場の使い方アンケート", Access::Account);
        let (single, choices, _) = question(
            &app,
            id,
            1,
            QuestionKind::Single,
            true,
            &["はい", "いいえ"],
            &[],
        );
        let (text_q, _, _) = question(&app, id, 2, QuestionKind::LongText, true, &[], &[]);
        let (matrix, columns, rows) = question(
            &app,
            id,
            3,
            QuestionKind::Matrix,
            true,
            &[
                "そう思う",
                "ややそう思う",
                "どちらともいえない",
                "あまりそう思わない",
                "そう思わない",
            ],
            &["駅前は歩きやすい", "駅前は明るい"],
        );
        let path = format!("/surveys/{id}");

        let stranger = visible_text(&app.page(&path).await);
        assert!(stranger.contains("ログインして回答する"), "{stranger}");
        assert!(!stranger.contains("回答を送信する"));

        let hanako = app.visitor();
        resident(&app, &hanako, HANAKO, "本庄 花子").await;
        let row = |r: i32, c: i32| (Submitted::field(matrix, Some(r)), c.to_string());
        let saved = answer(
            &hanako,
            id,
            &[
                field(text_q, OPINION),
                row(rows[0], columns[1]),
                action("save"),
            ],
        )
        .await;
        assert_eq!(saved.status(), 200);
        assert!(visible_text(&saved.text().await.unwrap()).contains("一時保存しました"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_responses WHERE status = 'draft'"
            ),
            1
        );

        let back = hanako.page(&path).await;
        assert!(back.contains(OPINION), "the text saved");
        assert!(
            back.contains(&format!("id=\"q{matrix}-r{}-c{}\" name=\"q{matrix}-{}\" value=\"{}\" aria-labelledby=\"q{matrix}-r{} q{matrix}-col{}\" checked", rows[0], columns[1], rows[0], columns[1], rows[0], columns[1])),
            "the matrix row chosen"
        );
        let sent = answer(
            &hanako,
            id,
            &[
                field(single, choices[0]),
                field(text_q, OPINION),
                row(rows[0], columns[1]),
                row(rows[1], columns[0]),
                action("submit"),
            ],
        )
        .await;
        assert_eq!(sent.status(), 200);
        let receipt = visible_text(&sent.text().await.unwrap());
        assert!(receipt.contains("受付番号"), "{receipt}");
        assert!(receipt.contains("令和8年12月10日"), "{receipt}");
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM survey_responses WHERE status = 'submitted' AND account_id IS NOT NULL"),
            1
        );
    });
}

/// Posts `body` to `action` `times` times; the last status.
async fn flood(visitor: &Visitor, action: &str, body: &[(String, String)], times: usize) -> u16 {
    let mut last = 0;
    for _ in 0..times {
        let response = visitor
            .client
            .post(visitor.url(action))
            .form(body)
            .send()
            .await
            .unwrap();
        last = response.status().as_u16();
        response.bytes().await.unwrap();
    }
    last
}

fn anonymous_answers_and_code_guesses_are_rate_limited() {
    run(async {
        let app = TestApp::start().await;
        app.clock.set(answer_day());
        let dept = department(&app, DEPT);
        let id = survey(&app, dept, "匿名アンケート", Access::Anonymous);
        let (q, _, _) = question(&app, id, 1, QuestionKind::LongText, true, &[], &[]);
        let visitor = app.visitor();
        let path = format!("/surveys/{id}");
        let csrf = csrf_of(&visitor.page(&path).await);
        let body = vec![
            ("csrf".to_owned(), csrf.clone()),
            field(q, OPINION),
            action("save"),
        ];
        assert_eq!(flood(&visitor, &path, &body, 120).await, 200);
        assert_eq!(
            flood(&visitor, &path, &body, 1).await,
            429,
            "121st in an hour"
        );

        let coded = survey(&app, dept, "市民意識調査", Access::Code);
        let body = vec![
            ("csrf".to_owned(), csrf),
            ("code".to_owned(), "ABCD-EFGH-JKMN".to_owned()),
        ];
        let guess = format!("/surveys/{coded}/code");
        assert_eq!(flood(&visitor, &guess, &body, 30).await, 400);
        assert_eq!(flood(&visitor, &guess, &body, 1).await, 429, "31st guess");
    });
}
