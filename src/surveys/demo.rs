//! The demo's surveys: a general survey of 企画課 with every kind of question, answered on paper,
//! its free text moderated and its results published; and the 令和7年度 市民意識調査 made from
//! the plan, answered for every measure, its results recorded as each measure's satisfaction.
//! No builder or publishing function sits below the staff pages, so questions and publication
//! are the smallest SQL; answers go through the paper entry staff use.

use super::model::{self, Full};
use super::respond::{self, Submit};
use super::rules::{Access, Channel, QuestionKind, Submitted};
use super::satisfaction::{self, NewSatisfaction};
use crate::db::schema::{
    survey_answers as sa, survey_choices as sc, survey_questions as sq, surveys as s,
};
use crate::error::{Error, Result};
use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// The demo's 年度 of the 市民意識調査.
pub const SATISFACTION_YEAR: i32 = 2025;

fn jst(y: i32, m: u32, d: u32, h: u32) -> Result<DateTime<Utc>> {
    crate::wareki::jst()
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::Internal("demo survey dates".into()))
}

/// Publishes survey `id` (as the staff page would) and, after it closed, its results.
fn publish(conn: &mut PgConnection, id: i32, at: DateTime<Utc>) -> Result<()> {
    diesel::update(s::table.filter(s::id.eq(id)))
        .set(s::published_at.eq(at))
        .execute(conn)?;
    Ok(())
}

fn publish_results(conn: &mut PgConnection, id: i32, at: DateTime<Utc>) -> Result<()> {
    diesel::update(s::table.filter(s::id.eq(id)))
        .set(s::results_published_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// A paper answer staff typed in.
fn enter(
    conn: &mut PgConnection,
    full: &Full,
    staff: Uuid,
    pairs: Vec<(String, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let form = Submitted::from_pairs(pairs);
    match respond::enter(conn, full, staff, Channel::Paper, &form, now)? {
        Submit::Done(_) => Ok(()),
        Submit::Fix(fix) => Err(Error::Setup(format!("demo survey answer: {fix:?}"))),
    }
}

/// Fills the surveys of `department`, run by its reviewer `staff`.
pub fn fill(
    conn: &mut PgConnection,
    department: i32,
    staff: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    general(conn, department, staff, now)?;
    satisfaction(conn, department, staff, now)
}

fn question(
    conn: &mut PgConnection,
    survey: i32,
    position: i32,
    kind: QuestionKind,
    text: &str,
    choices: &[&str],
    rows: &[&str],
) -> Result<i32> {
    let id: i32 = diesel::insert_into(sq::table)
        .values((
            sq::survey_id.eq(survey),
            sq::position.eq(position),
            sq::kind.eq(kind.as_str()),
            sq::text.eq(text),
        ))
        .returning(sq::id)
        .get_result(conn)?;
    for (labels, role) in [(choices, "choice"), (rows, "row")] {
        let values: Vec<_> = labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                (
                    sc::question_id.eq(id),
                    sc::position.eq(i as i32),
                    sc::label.eq(*label),
                    sc::role.eq(role),
                )
            })
            .collect();
        diesel::insert_into(sc::table)
            .values(&values)
            .execute(conn)?;
    }
    Ok(id)
}

/// 広報ほんじょう読者アンケート: every kind of question, eight paper answers, results published.
fn general(
    conn: &mut PgConnection,
    department: i32,
    staff: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SCALE: [&str; 5] = [
        "そう思う",
        "ややそう思う",
        "どちらともいえない",
        "あまりそう思わない",
        "そう思わない",
    ];
    let id: i32 = diesel::insert_into(s::table)
        .values((
            s::kind.eq("general"),
            s::access.eq(Access::Anonymous.as_str()),
            s::title.eq("広報ほんじょう 読者アンケート"),
            s::description.eq("広報ほんじょうをより読みやすくするため、ご意見をお聞かせください。"),
            s::department_id.eq(department),
            s::fiscal_year.eq(2026),
            s::opens_at.eq(jst(2026, 6, 1, 9)?),
            s::closes_at.eq(jst(2026, 6, 30, 17)?),
            s::created_by.eq(staff),
        ))
        .returning(s::id)
        .get_result(conn)?;
    let read = question(
        conn,
        id,
        0,
        QuestionKind::Single,
        "広報ほんじょうを読んでいますか。",
        &["毎号読む", "ときどき読む", "読まない"],
        &[],
    )?;
    let pages = question(
        conn,
        id,
        1,
        QuestionKind::Multiple,
        "よく読む記事を選んでください（いくつでも）。",
        &["市からのお知らせ", "催し・講座", "健康・福祉", "子育て"],
        &[],
    )?;
    let easy = question(
        conn,
        id,
        2,
        QuestionKind::Scale5,
        "広報ほんじょうは読みやすい。",
        &SCALE,
        &[],
    )?;
    let minutes = question(
        conn,
        id,
        3,
        QuestionKind::Number,
        "1号を読むのにかける時間（分）",
        &[],
        &[],
    )?;
    let wish = question(
        conn,
        id,
        4,
        QuestionKind::ShortText,
        "取り上げてほしい話題",
        &[],
        &[],
    )?;
    let opinion = question(
        conn,
        id,
        5,
        QuestionKind::LongText,
        "広報ほんじょうへのご意見",
        &[],
        &[],
    )?;
    let parts = question(
        conn,
        id,
        6,
        QuestionKind::Matrix,
        "次の点について、どう思いますか。",
        &SCALE,
        &["文字の大きさ", "写真や図", "情報の量"],
    )?;
    publish(conn, id, jst(2026, 5, 25, 9)?)?;
    let full = model::load(conn, id)?.ok_or(Error::NotFound)?;
    let ids = |q: i32, rows: bool| -> Vec<i32> {
        full.question(q)
            .map(|q| {
                if rows { &q.rows } else { &q.choices }
                    .iter()
                    .map(|c| c.id)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (read_ids, page_ids, easy_ids) = (ids(read, false), ids(pages, false), ids(easy, false));
    let (scale_ids, row_ids) = (ids(parts, false), ids(parts, true));
    let texts = [
        ("市内のお店の紹介", "毎号楽しみにしています。"),
        ("防災の備え", "文字をもう少し大きくしてほしいです。"),
        ("", "子育ての情報がまとまっていて助かります。"),
        ("公園の整備", ""),
        ("", "宣伝：駅前の〇〇商店、毎週土曜は特売です！"),
        ("図書館の催し", ""),
        ("", ""),
        ("地域の歴史", "ウェブ版でも読めるとうれしいです。"),
    ];
    for (r, (wished, said)) in texts.iter().enumerate() {
        let field = |q: i32, row: Option<i32>, value: String| (Submitted::field(q, row), value);
        let mut pairs = vec![
            field(read, None, read_ids[r % 3].to_string()),
            field(pages, None, page_ids[r % 4].to_string()),
            field(pages, None, page_ids[(r + 1) % 4].to_string()),
            field(
                easy,
                None,
                easy_ids[[0, 1, 1, 2, 0, 3, 1, 4][r]].to_string(),
            ),
            field(minutes, None, (10 + r * 5).to_string()),
        ];
        for (i, row) in row_ids.iter().enumerate() {
            pairs.push(field(parts, Some(*row), scale_ids[(r + i) % 5].to_string()));
        }
        if !wished.is_empty() {
            pairs.push(field(wish, None, (*wished).into()));
        }
        if !said.is_empty() {
            pairs.push(field(opinion, None, (*said).into()));
        }
        enter(conn, &full, staff, pairs, now)?;
    }
    // Moderated: every free text shown but an advertisement.
    let answers = || sa::table.filter(sa::question_id.eq_any([wish, opinion]));
    diesel::update(answers().filter(sa::text.ne("宣伝：駅前の〇〇商店、毎週土曜は特売です！")))
        .set(sa::text_state.eq("shown"))
        .execute(conn)?;
    diesel::update(answers().filter(sa::text.eq("宣伝：駅前の〇〇商店、毎週土曜は特売です！")))
        .set(sa::text_state.eq("hidden"))
        .execute(conn)?;
    publish_results(conn, id, jst(2026, 7, 10, 9)?)
}

/// The 令和7年度 市民意識調査: 36 sampled residents' answers (entered from the mailed
/// questionnaires) to every measure's statement, recorded as each measure's satisfaction.
fn satisfaction(
    conn: &mut PgConnection,
    department: i32,
    staff: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let plan = crate::plan::queries::load(conn)?;
    let new = NewSatisfaction {
        fiscal_year: SATISFACTION_YEAR,
        department_id: department,
        access: Access::Code,
        opens_at: jst(2025, 7, 1, 9)?,
        closes_at: jst(2025, 7, 31, 17)?,
    };
    let id = satisfaction::create(conn, &plan, &new, staff)?;
    publish(conn, id, jst(2025, 6, 20, 9)?)?;
    let full = model::load(conn, id)?.ok_or(Error::NotFound)?;
    // Points by respondent and statement, from そう思う (0) to そう思わない (4): each measure a
    // little different.
    const POINTS: [usize; 11] = [0, 1, 1, 2, 2, 2, 3, 3, 4, 1, 2];
    for r in 0..36 {
        let pairs = full
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let point = POINTS[(r + i * 2) % POINTS.len()];
                (
                    Submitted::field(q.id(), None),
                    q.choices[point].id.to_string(),
                )
            })
            .collect();
        enter(conn, &full, staff, pairs, now)?;
    }
    publish_results(conn, id, jst(2025, 9, 1, 9)?)?;
    satisfaction::record_satisfaction(conn, id)?;
    Ok(())
}
