//! Surveys (アンケート), the answer store: one response per person even from two tabs at once,
//! anonymous answers with no account, a closed survey refusing, one-time codes, conditional
//! questions, drafts to resume, staff's test and paper answers.

use crate::support::db::count;
use crate::support::meetings::account;
use crate::support::people::department;
use crate::support::surveys::{
    after_close, answer_day, change, condition, field, form, full, question, survey,
};
use crate::support::{run, TestApp};
use kyodo::surveys::model;
use kyodo::surveys::respond::{self, Respondent, Submit};
use kyodo::surveys::rules::{Access, Channel, QuestionKind, Submitted, Value};
use kyodo::Error;
use std::sync::{Arc, Barrier};

pub const TESTS: &[(&str, fn())] = &[
    (
        "surveys::two_submits_at_once_from_one_account_make_one_response",
        two_submits_at_once_from_one_account_make_one_response,
    ),
    (
        "surveys::an_anonymous_response_stores_no_account",
        an_anonymous_response_stores_no_account,
    ),
    (
        "surveys::a_survey_not_open_refuses_and_stores_nothing",
        a_survey_not_open_refuses_and_stores_nothing,
    ),
    ("surveys::a_code_works_once", a_code_works_once),
    (
        "surveys::a_hidden_conditional_answer_is_not_stored",
        a_hidden_conditional_answer_is_not_stored,
    ),
    (
        "surveys::the_tally_counts_sent_answers_per_choice_and_matrix_row",
        the_tally_counts_sent_answers_per_choice_and_matrix_row,
    ),
    (
        "surveys::a_draft_resumes_and_staff_answers_are_their_own",
        a_draft_resumes_and_staff_answers_are_their_own,
    ),
];

fn refused_with(result: Result<Submit, Error>) -> &'static str {
    match result {
        Err(Error::Refused(refusal)) => refusal.key(),
        other => panic!("not refused: {other:?}"),
    }
}

/// A survey of one required single-choice question (はい / いいえ); its id, the question and
/// its choices.
fn yes_no(app: &TestApp, access: Access) -> (i32, i32, Vec<i32>) {
    let dept = department(app, "広報課");
    let id = survey(app, dept, "広報ほんじょうアンケート", access);
    let (q, choices, _) = question(
        app,
        id,
        1,
        QuestionKind::Single,
        true,
        &["はい", "いいえ"],
        &[],
    );
    (id, q, choices)
}

fn two_submits_at_once_from_one_account_make_one_response() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Account);
        let me = account(&app, "twice@example.jp", "二度 押子");
        let survey = Arc::new(full(&app, id));
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = choices
            .iter()
            .map(|choice| {
                let (mut conn, barrier, survey) = (app.db(), barrier.clone(), survey.clone());
                let answers = form(&[field(q, None, choice)]);
                std::thread::spawn(move || {
                    barrier.wait();
                    respond::submit(
                        &mut conn,
                        &survey,
                        &Respondent::Account(me),
                        &answers,
                        answer_day(),
                    )
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let done = results
            .iter()
            .filter(|r| matches!(r, Ok(Submit::Done(_))))
            .count();
        assert_eq!(done, 1, "{results:?}");
        let refused: Vec<_> = results
            .into_iter()
            .filter(|r| !matches!(r, Ok(Submit::Done(_))))
            .map(refused_with)
            .collect();
        assert_eq!(refused, ["msg.survey_already_answered"]);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_responses WHERE survey_id = {id}")
            ),
            1
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM survey_answers"),
            1,
            "the answers of one tab only"
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_responses WHERE account_id = '{me}'")
            ),
            1,
            "an account survey keeps who answered"
        );
        assert_eq!(model::submitted(&mut app.db(), id).unwrap(), 1);
    });
}

fn an_anonymous_response_stores_no_account() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Anonymous);
        let survey = full(&app, id);
        let browser = Respondent::Browser(kyodo::tokens::new_secret());
        let sent = respond::submit(
            &mut app.db(),
            &survey,
            &browser,
            &form(&[field(q, None, choices[0])]),
            answer_day(),
        )
        .unwrap();
        let Submit::Done(receipt) = sent else {
            panic!("not sent: {sent:?}")
        };
        assert_eq!(receipt.receipt.len(), 8);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_responses WHERE account_id IS NULL
                   AND respondent ~ '^[0-9a-f]{64}$' AND channel = 'web' AND NOT is_test"
            ),
            1
        );
        // Signed in or not, an anonymous survey takes no account key.
        let signed_in = Respondent::Account(account(&app, "anon@example.jp", "匿名 希望"));
        assert!(matches!(
            respond::submit(
                &mut app.db(),
                &survey,
                &signed_in,
                &Submitted::default(),
                answer_day()
            ),
            Err(Error::NotFound)
        ));
        let saved = respond::saved(&mut app.db(), id, &browser)
            .unwrap()
            .unwrap();
        assert!(saved.submitted);
        assert_eq!(saved.receipt.as_deref(), Some(receipt.receipt.as_str()));
        assert_eq!(saved.answers[0].value, Value::Choice(choices[0]));
        // The same browser again: already answered.
        assert_eq!(
            refused_with(respond::submit(
                &mut app.db(),
                &survey,
                &browser,
                &form(&[field(q, None, choices[1])]),
                answer_day(),
            )),
            "msg.survey_already_answered"
        );
    });
}

fn a_survey_not_open_refuses_and_stores_nothing() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Account);
        let me = Respondent::Account(account(&app, "late@example.jp", "遅刻 太郎"));
        let answers = form(&[field(q, None, choices[0])]);
        let survey = full(&app, id);
        assert_eq!(
            refused_with(respond::submit(
                &mut app.db(),
                &survey,
                &me,
                &answers,
                after_close()
            )),
            "msg.survey_closed"
        );
        assert!(matches!(
            respond::save_draft(&mut app.db(), &survey, &me, &answers, after_close()),
            Err(Error::Refused(r)) if r.key() == "msg.survey_closed"
        ));
        change(&app, id, "published_at = NULL");
        let draft = full(&app, id);
        assert_eq!(
            refused_with(respond::submit(
                &mut app.db(),
                &draft,
                &me,
                &answers,
                answer_day()
            )),
            "msg.survey_not_open"
        );
        change(
            &app,
            id,
            "published_at = now(), opens_at = '2027-01-01', closes_at = '2027-02-01'",
        );
        let scheduled = full(&app, id);
        assert_eq!(
            refused_with(respond::submit(
                &mut app.db(),
                &scheduled,
                &me,
                &answers,
                answer_day()
            )),
            "msg.survey_not_open"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM survey_responses"), 0);
        // A required question left out is said, nothing stored.
        change(
            &app,
            id,
            "opens_at = '2026-12-01', closes_at = '2026-12-25'",
        );
        let open = full(&app, id);
        let fix = respond::submit(
            &mut app.db(),
            &open,
            &me,
            &Submitted::default(),
            answer_day(),
        )
        .unwrap();
        let Submit::Fix(fix) = fix else {
            panic!("sent without its required answer")
        };
        assert_eq!(fix.len(), 1);
        assert_eq!((fix[0].0, fix[0].1.key()), (q, "msg.survey_required"));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM survey_responses"), 0);
    });
}

fn a_code_works_once() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Code);
        let codes = respond::new_codes(&mut app.db(), id, 3).unwrap();
        assert_eq!(codes.len(), 3);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_codes WHERE survey_id = {id} AND used_at IS NULL")
            ),
            3
        );
        let plain = codes.join("','");
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_codes WHERE digest IN ('{plain}')")
            ),
            0,
            "only digests are stored"
        );
        let survey = full(&app, id);
        let answers = form(&[field(q, None, choices[1])]);
        // Typed in lower case with spaces: the same code.
        let typed = Respondent::Code(codes[0].to_lowercase().replace('-', " "));
        assert!(respond::code_usable(&mut app.db(), id, &codes[0]).unwrap());
        assert!(matches!(
            respond::submit(&mut app.db(), &survey, &typed, &answers, answer_day()).unwrap(),
            Submit::Done(_)
        ));
        assert!(!respond::code_usable(&mut app.db(), id, &codes[0]).unwrap());
        assert_eq!(
            refused_with(respond::submit(
                &mut app.db(),
                &survey,
                &Respondent::Code(codes[0].clone()),
                &answers,
                answer_day()
            )),
            "msg.survey_already_answered"
        );
        let wrong = Respondent::Code("AAAA-BBBB-CCCC".into());
        assert_eq!(
            refused_with(respond::submit(
                &mut app.db(),
                &survey,
                &wrong,
                &answers,
                answer_day()
            )),
            "msg.survey_code_invalid"
        );
        assert!(matches!(
            respond::save_draft(&mut app.db(), &survey, &wrong, &answers, answer_day()),
            Err(Error::Refused(r)) if r.key() == "msg.survey_code_invalid"
        ));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_codes WHERE used_at IS NOT NULL"
            ),
            1
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_responses WHERE account_id IS NULL"
            ),
            1,
            "the wrong code left no response behind"
        );
    });
}

fn a_hidden_conditional_answer_is_not_stored() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Anonymous);
        let (why, _, _) = question(&app, id, 2, QuestionKind::ShortText, true, &[], &[]);
        condition(&app, why, q, choices[0]);
        let survey = full(&app, id);
        assert_eq!(survey.questions.len(), 2);
        let browser = Respondent::Browser(kyodo::tokens::new_secret());
        let sent = respond::submit(
            &mut app.db(),
            &survey,
            &browser,
            &form(&[
                field(q, None, choices[1]),
                field(why, None, "見せていない理由"),
            ]),
            answer_day(),
        )
        .unwrap();
        assert!(matches!(sent, Submit::Done(_)), "{sent:?}");
        assert_eq!(count(&app, "SELECT count(*) AS n FROM survey_answers"), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_answers WHERE text IS NOT NULL"
            ),
            0
        );
        // Shown, the follow-up is required and its text waits for moderation.
        let other = Respondent::Browser(kyodo::tokens::new_secret());
        let yes = field(q, None, choices[0]);
        let fix = respond::submit(
            &mut app.db(),
            &survey,
            &other,
            &form(std::slice::from_ref(&yes)),
            answer_day(),
        )
        .unwrap();
        assert!(matches!(&fix, Submit::Fix(f) if f[0].0 == why), "{fix:?}");
        respond::submit(
            &mut app.db(),
            &survey,
            &other,
            &form(&[yes, field(why, None, "駅前の駐輪場")]),
            answer_day(),
        )
        .unwrap();
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_answers WHERE text = '駅前の駐輪場' AND text_state = 'pending'"
            ),
            1
        );
    });
}

fn a_draft_resumes_and_staff_answers_are_their_own() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Account);
        let (age, _, _) = question(&app, id, 2, QuestionKind::Number, false, &[], &[]);
        let me = Respondent::Account(account(&app, "resume@example.jp", "途中 保存"));
        let survey = full(&app, id);
        // Saved half-way: the good answer kept, the mistake said.
        let errors = respond::save_draft(
            &mut app.db(),
            &survey,
            &me,
            &form(&[field(q, None, choices[0]), field(age, None, "四十")]),
            answer_day(),
        )
        .unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].1.key(), "msg.survey_not_integer");
        let saved = respond::saved(&mut app.db(), id, &me).unwrap().unwrap();
        assert!(!saved.submitted && saved.receipt.is_none());
        assert_eq!(
            Submitted::from_answers(&saved.answers).values(q, None),
            [choices[0].to_string()]
        );
        // Resumed and sent: the same response.
        let sent = respond::submit(
            &mut app.db(),
            &survey,
            &me,
            &form(&[field(q, None, choices[1]), field(age, None, "４２")]),
            answer_day(),
        )
        .unwrap();
        let Submit::Done(receipt) = sent else {
            panic!("{sent:?}")
        };
        assert_eq!(receipt.response, saved.response);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_answers WHERE number = 42"
            ),
            1
        );

        // Staff: paper answers each their own, never as a test; tests only on a draft.
        let staff = account(&app, "staff@example.jp", "職員 入力");
        let paper = form(&[field(q, None, choices[0])]);
        for _ in 0..2 {
            let entered = respond::enter(
                &mut app.db(),
                &survey,
                staff,
                Channel::Paper,
                &paper,
                after_close(),
            )
            .unwrap();
            assert!(matches!(entered, Submit::Done(_)));
        }
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM survey_responses WHERE channel = 'paper' AND entered_by = '{staff}' AND account_id IS NULL")
            ),
            2
        );
        assert!(matches!(
            respond::enter(
                &mut app.db(),
                &survey,
                staff,
                Channel::Web,
                &paper,
                answer_day()
            ),
            Err(Error::Refused(_))
        ));
        assert_eq!(
            refused_with(respond::submit_test(
                &mut app.db(),
                &survey,
                staff,
                &paper,
                answer_day()
            )),
            "msg.survey_test_draft_only"
        );
        change(&app, id, "published_at = NULL");
        let draft = full(&app, id);
        assert_eq!(
            refused_with(respond::enter(
                &mut app.db(),
                &draft,
                staff,
                Channel::Paper,
                &paper,
                answer_day()
            )),
            "msg.survey_not_open"
        );
        for _ in 0..2 {
            respond::submit_test(&mut app.db(), &draft, staff, &paper, answer_day()).unwrap();
        }
        assert_eq!(
            model::submitted(&mut app.db(), id).unwrap(),
            3,
            "tests do not count"
        );
        assert_eq!(respond::delete_tests(&mut app.db(), id).unwrap(), 2);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_responses WHERE is_test"
            ),
            0
        );
    });
}

fn the_tally_counts_sent_answers_per_choice_and_matrix_row() {
    run(async {
        let app = TestApp::start().await;
        let (id, q, choices) = yes_no(&app, Access::Anonymous);
        let scale = [
            "そう思う",
            "ややそう思う",
            "どちらともいえない",
            "あまりそう思わない",
            "そう思わない",
        ];
        let (m, points, rows) = question(
            &app,
            id,
            2,
            QuestionKind::Matrix,
            false,
            &scale,
            &["駅前はにぎわっている", "公園は使いやすい"],
        );
        let survey = full(&app, id);
        assert_eq!(survey.questions[1].rows.len(), 2);
        let send = |pairs: Vec<(String, String)>| {
            let who = Respondent::Browser(kyodo::tokens::new_secret());
            respond::submit(&mut app.db(), &survey, &who, &form(&pairs), answer_day()).unwrap()
        };
        send(vec![
            field(q, None, choices[0]),
            field(m, Some(rows[0]), points[0]),
        ]);
        send(vec![
            field(q, None, choices[0]),
            field(m, Some(rows[0]), points[1]),
        ]);
        send(vec![
            field(q, None, choices[1]),
            field(m, Some(rows[1]), points[4]),
        ]);
        // A draft is not counted.
        let drafter = Respondent::Browser(kyodo::tokens::new_secret());
        respond::save_draft(
            &mut app.db(),
            &survey,
            &drafter,
            &form(&[field(q, None, choices[1])]),
            answer_day(),
        )
        .unwrap();
        let tally = model::tally(&mut app.db(), id).unwrap();
        assert_eq!(tally.answered(q, None), 3);
        assert_eq!(tally.chosen(q, None, choices[0]), 2);
        assert_eq!(tally.chosen(q, None, choices[1]), 1);
        assert_eq!(tally.answered(m, Some(rows[0])), 2);
        assert_eq!(tally.answered(m, Some(rows[1])), 1);
        let first_row: Vec<i64> = points
            .iter()
            .map(|p| tally.chosen(m, Some(rows[0]), *p))
            .collect();
        assert_eq!(first_row, [1, 1, 0, 0, 0]);
        assert_eq!(
            kyodo::surveys::rules::satisfaction(first_row.try_into().unwrap()),
            Some(100.0)
        );
    });
}
