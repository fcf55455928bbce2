//! Surveys (アンケート) written straight into the database, as the builder would save them, and
//! read back through the model: the fixtures every survey test shares.

use super::consultations::jst;
use super::TestApp;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamptz};
use kyodo::surveys::model::{self, Full};
use kyodo::surveys::rules::{Access, QuestionKind, Submitted};

/// A day the surveys of [`survey`] take answers: 令和8年12月10日 10:00.
pub fn answer_day() -> DateTime<Utc> {
    jst(2026, 12, 10, 10, 0, 0)
}

/// A day after they closed: 令和8年12月26日.
pub fn after_close() -> DateTime<Utc> {
    jst(2026, 12, 26, 10, 0, 0)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

/// A general survey of `department` answered by `access`, published on 令和8年11月25日 and open
/// from 12月1日 9:00 to 12月25日 17:00 (JST), results on publish; its id.
pub fn survey(app: &TestApp, department: i32, title: &str, access: Access) -> i32 {
    diesel::sql_query(
        "INSERT INTO surveys (kind, access, title, description, department_id, fiscal_year,
                              opens_at, closes_at, published_at)
         VALUES ('general', $1, $2, '市政へのご意見をお聞かせください。', $3, 2026, $4, $5, $6)
         RETURNING id",
    )
    .bind::<Text, _>(access.as_str())
    .bind::<Text, _>(title)
    .bind::<Integer, _>(department)
    .bind::<Timestamptz, _>(jst(2026, 12, 1, 9, 0, 0))
    .bind::<Timestamptz, _>(jst(2026, 12, 25, 17, 0, 0))
    .bind::<Timestamptz, _>(jst(2026, 11, 25, 9, 0, 0))
    .get_result::<Id>(&mut app.db())
    .unwrap()
    .id
}

/// Changes survey `id` with `assignments` (`published_at = NULL`, …) in SQL.
pub fn change(app: &TestApp, id: i32, assignments: &str) {
    diesel::sql_query(format!("UPDATE surveys SET {assignments} WHERE id = {id}"))
        .execute(&mut app.db())
        .unwrap();
}

/// A question 「設問{position}」 at `position` of `survey` with its `choices` (the options, a scale's points or
/// a matrix's columns) and, for a matrix, its `rows`; the question's id and the choices' and
/// rows' ids in order.
pub fn question(
    app: &TestApp,
    survey: i32,
    position: i32,
    kind: QuestionKind,
    required: bool,
    choices: &[&str],
    rows: &[&str],
) -> (i32, Vec<i32>, Vec<i32>) {
    let mut conn = app.db();
    let id = diesel::sql_query(
        "INSERT INTO survey_questions (survey_id, position, kind, text, required)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind::<Integer, _>(survey)
    .bind::<Integer, _>(position)
    .bind::<Text, _>(kind.as_str())
    .bind::<Text, _>(format!("設問{position}"))
    .bind::<Bool, _>(required)
    .get_result::<Id>(&mut conn)
    .unwrap()
    .id;
    let mut add = |labels: &[&str], role: &str| -> Vec<i32> {
        labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                diesel::sql_query(
                    "INSERT INTO survey_choices (question_id, position, label, role)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind::<Integer, _>(id)
                .bind::<Integer, _>(i as i32)
                .bind::<Text, _>(*label)
                .bind::<Text, _>(role)
                .get_result::<Id>(&mut conn)
                .unwrap()
                .id
            })
            .collect()
    };
    let choice_ids = add(choices, "choice");
    let row_ids = add(rows, "row");
    (id, choice_ids, row_ids)
}

/// Shows `question` only when `on` was answered with `choice`.
pub fn condition(app: &TestApp, question: i32, on: i32, choice: i32) {
    diesel::sql_query(
        "UPDATE survey_questions SET condition_question_id = $2, condition_choice_id = $3
         WHERE id = $1",
    )
    .bind::<Integer, _>(question)
    .bind::<Nullable<Integer>, _>(Some(on))
    .bind::<Nullable<Integer>, _>(Some(choice))
    .execute(&mut app.db())
    .unwrap();
}

/// The survey as pages read it.
pub fn full(app: &TestApp, id: i32) -> Full {
    model::load(&mut app.db(), id).unwrap().unwrap()
}

/// A form as a page would send it: (field, value) pairs, fields named by
/// `Submitted::field`.
pub fn form(pairs: &[(String, String)]) -> Submitted {
    Submitted::from_pairs(pairs.iter().cloned())
}

/// The field of a question (and a matrix row) and a value.
pub fn field(question: i32, row: Option<i32>, value: impl ToString) -> (String, String) {
    (Submitted::field(question, row), value.to_string())
}

/// A survey with answers of every kind, from [`answered`].
pub struct Answered {
    pub id: i32,
    /// 広報課's reviewer, who typed in the paper answer: signed in.
    pub staff: super::Visitor,
    /// Q1 single (はい / いいえ), Q2 multiple, Q3 matrix, Q4 number, Q5 short text.
    pub questions: [i32; 5],
}

/// The free text moderation hid: a phone number must never be public.
pub const HIDDEN_TEXT: &str = "電話は090-0000-0000です";
/// A shown free text a spreadsheet would read as a formula.
pub const FORMULA_TEXT: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

/// 広報課's anonymous 「広報ほんじょうアンケート」 (results on publish, not yet published) with
/// three web answers and a paper one typed in by its reviewer; free texts shown, hidden and
/// pending. Q1: はい 2, いいえ 2; Q4: 5, 20, 8.
pub async fn answered(app: &TestApp) -> Answered {
    use kyodo::surveys::respond::{self, Respondent};
    use kyodo::surveys::rules::Channel;
    let dept = super::people::department(app, "広報課");
    let staff = super::people::staff_member(
        app,
        "kohoka@example.jp",
        "広報 花子",
        &[("reviewer", Some("広報課"))],
    )
    .await;
    let staff_id: uuid::Uuid = super::people::account_id(app, "kohoka@example.jp")
        .parse()
        .unwrap();
    let id = survey(app, dept, "広報ほんじょうアンケート", Access::Anonymous);
    let (q1, yes_no, _) = question(
        app,
        id,
        1,
        QuestionKind::Single,
        true,
        &["はい", "いいえ"],
        &[],
    );
    let (q2, media, _) = question(
        app,
        id,
        2,
        QuestionKind::Multiple,
        false,
        &["広報紙", "ホームページ", "SNS"],
        &[],
    );
    let (q3, points, rows) = question(
        app,
        id,
        3,
        QuestionKind::Matrix,
        false,
        &[
            "そう思う",
            "ややそう思う",
            "どちらともいえない",
            "あまりそう思わない",
            "そう思わない",
        ],
        &["記事が読みやすい", "必要な情報がある"],
    );
    let (q4, _, _) = question(app, id, 4, QuestionKind::Number, false, &[], &[]);
    let (q5, _, _) = question(app, id, 5, QuestionKind::ShortText, false, &[], &[]);
    let full = full(app, id);
    let answers = [
        vec![
            field(q1, None, yes_no[0]),
            field(q2, None, media[0]),
            field(q2, None, media[2]),
            field(q3, Some(rows[0]), points[0]),
            field(q4, None, 5),
            field(q5, None, FORMULA_TEXT),
        ],
        vec![
            field(q1, None, yes_no[0]),
            field(q2, None, media[2]),
            field(q3, Some(rows[0]), points[1]),
            field(q3, Some(rows[1]), points[4]),
            field(q4, None, 20),
            field(q5, None, HIDDEN_TEXT),
        ],
        vec![
            field(q1, None, yes_no[1]),
            field(q4, None, 8),
            field(q5, None, "見やすい紙面です"),
        ],
    ];
    for pairs in answers {
        let who = Respondent::Browser(kyodo::tokens::new_secret());
        respond::submit(&mut app.db(), &full, &who, &form(&pairs), answer_day()).unwrap();
    }
    let paper = [
        field(q1, None, yes_no[1]),
        field(q5, None, "紙で回答しました"),
    ];
    respond::enter(
        &mut app.db(),
        &full,
        staff_id,
        Channel::Paper,
        &form(&paper),
        answer_day(),
    )
    .unwrap();
    diesel::sql_query(
        "UPDATE survey_answers SET text_state = CASE WHEN text = $1 THEN 'hidden' ELSE 'shown' END
         WHERE text IN ($1, $2, '見やすい紙面です')",
    )
    .bind::<Text, _>(HIDDEN_TEXT)
    .bind::<Text, _>(FORMULA_TEXT)
    .execute(&mut app.db())
    .unwrap();
    Answered {
        id,
        staff,
        questions: [q1, q2, q3, q4, q5],
    }
}

/// Publishes survey `id` and its results in 2020, so they are public whatever the clock says.
pub fn results_public(app: &TestApp, id: i32) {
    change(
        app,
        id,
        "published_at = '2020-01-01T00:00:00Z', results_published_at = '2020-01-01T00:00:00Z'",
    );
}
