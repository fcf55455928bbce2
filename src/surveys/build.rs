//! The builder's writes (作成): a survey saved and edited against the version it was read at,
//! its sections and questions added, changed, moved and deleted under the freeze (once a real
//! answer arrived, only wording, with a note), publication (test answers deleted), closing
//! early, publishing results, and the moderation of free-text answers.

use super::fields::{QuestionInput, SurveyInput};
use super::model::{self, Full};
use super::rules::{self, Condition, Freeze, State, SurveyKind};
use crate::db::schema::{
    survey_answers as sa, survey_choices as sc, survey_questions as sq, survey_responses as sr,
    survey_sections as ss, surveys as s,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

fn refuse<T>(key: &'static str) -> Result<T> {
    Err(Error::Refused(Refusal::new(key)))
}

/// A new draft survey of staff member `by`; its id.
pub fn create(
    conn: &mut PgConnection,
    input: &SurveyInput,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<i32> {
    Ok(diesel::insert_into(s::table)
        .values((
            s::kind.eq(SurveyKind::General.as_str()),
            s::access.eq(input.access.as_str()),
            s::title.eq(&input.title),
            s::description.eq(&input.description),
            s::department_id.eq(input.department_id),
            s::fiscal_year.eq(crate::wareki::fiscal_year_of(input.opens_at)),
            s::opens_at.eq(input.opens_at),
            s::closes_at.eq(input.closes_at),
            s::results_mode.eq(input.results_mode.as_str()),
            s::created_by.eq(by),
            s::created_at.eq(now),
            s::updated_at.eq(now),
        ))
        .returning(s::id)
        .get_result(conn)?)
}

/// Saves the survey form if nobody saved the survey since `version` was read. Who may answer
/// is fixed once it is published (codes were printed, people answered).
pub fn update(
    conn: &mut PgConnection,
    id: i32,
    version: i32,
    input: &SurveyInput,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.transaction(|conn| {
        let survey = model::find(conn, id)?.ok_or(Error::NotFound)?;
        if survey.version != version {
            return refuse("msg.survey_conflict");
        }
        if survey.state(now) != State::Draft && survey.access != input.access {
            return refuse("msg.survey_access_fixed");
        }
        diesel::update(s::table.find(id))
            .set((
                s::access.eq(input.access.as_str()),
                s::title.eq(&input.title),
                s::description.eq(&input.description),
                s::department_id.eq(input.department_id),
                s::opens_at.eq(input.opens_at),
                s::closes_at.eq(input.closes_at),
                s::results_mode.eq(input.results_mode.as_str()),
                s::updated_at.eq(now),
                s::version.eq(version + 1),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Marks the survey changed: a newer version for editors reading it.
fn touch(conn: &mut PgConnection, id: i32, now: DateTime<Utc>) -> Result<()> {
    diesel::update(s::table.find(id))
        .set((s::updated_at.eq(now), s::version.eq(s::version + 1)))
        .execute(conn)?;
    Ok(())
}

/// A new section (区分) at the end; its id.
pub fn add_section(
    conn: &mut PgConnection,
    survey: i32,
    title: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<i32> {
    conn.transaction(|conn| {
        let next: Option<i32> = ss::table
            .filter(ss::survey_id.eq(survey))
            .select(diesel::dsl::max(ss::position))
            .first(conn)?;
        let id = diesel::insert_into(ss::table)
            .values((
                ss::survey_id.eq(survey),
                ss::position.eq(next.map_or(0, |p| p + 1)),
                ss::title.eq(title),
                ss::description.eq(description),
            ))
            .returning(ss::id)
            .get_result(conn)?;
        touch(conn, survey, now)?;
        Ok(id)
    })
}

/// The condition a question's form names by its choice, checked against the questions before
/// `at`: an earlier single or multiple choice question's choice.
fn condition_of(full: &Full, at: usize, choice: Option<i32>) -> Result<Option<Condition>> {
    let Some(choice) = choice else {
        return Ok(None);
    };
    let shapes = full.shapes();
    let condition = shapes
        .iter()
        .find(|q| q.choices.contains(&choice))
        .map(|q| Condition {
            question: q.id,
            choice,
        });
    match condition {
        Some(c) if rules::condition_fits(&shapes, at, c) => Ok(Some(c)),
        _ => refuse("msg.survey_condition_earlier"),
    }
}

fn section_of(full: &Full, section: Option<i32>) -> Result<Option<i32>> {
    match section {
        Some(id) if !full.sections.iter().any(|s| s.id == id) => {
            refuse("msg.survey_section_unknown")
        }
        section => Ok(section),
    }
}

/// The freeze of a survey: whether real answers arrived.
pub fn freeze(conn: &mut PgConnection, survey: i32) -> Result<Freeze> {
    Ok(Freeze::of(model::submitted(conn, survey)?))
}

/// Adds a question at the end (refused once answers arrived); its id.
pub fn add_question(
    conn: &mut PgConnection,
    full: &Full,
    input: &QuestionInput,
    now: DateTime<Utc>,
) -> Result<i32> {
    let id = full.survey.id;
    conn.transaction(|conn| {
        if freeze(conn, id)? == Freeze::WordingOnly {
            return refuse("msg.survey_frozen");
        }
        let condition = condition_of(full, full.questions.len(), input.condition_choice)?;
        let section = section_of(full, input.section_id)?;
        let position = full.questions.last().map_or(0, |q| q.position + 1);
        let question: i32 = diesel::insert_into(sq::table)
            .values((
                sq::survey_id.eq(id),
                sq::position.eq(position),
                sq::kind.eq(input.kind.as_str()),
                sq::text.eq(&input.text),
                sq::help.eq(&input.help),
                sq::required.eq(input.required),
                sq::section_id.eq(section),
                sq::max_choices.eq(input.max_choices),
                sq::min_value.eq(input.min_value),
                sq::max_value.eq(input.max_value),
                sq::condition_question_id.eq(condition.map(|c| c.question)),
                sq::condition_choice_id.eq(condition.map(|c| c.choice)),
            ))
            .returning(sq::id)
            .get_result(conn)?;
        set_labels(conn, question, "choice", &[], &input.choices)?;
        set_labels(conn, question, "row", &[], &input.rows)?;
        touch(conn, id, now)?;
        Ok(question)
    })
}

/// Makes a question's choices (or rows) `labels`: those kept are relabelled in place (so
/// answers and conditions keep pointing at them), new ones added, the rest deleted (a later
/// question shown on a deleted choice loses its condition).
fn set_labels(
    conn: &mut PgConnection,
    question: i32,
    role: &str,
    existing: &[model::Choice],
    labels: &[String],
) -> Result<()> {
    for (position, label) in labels.iter().enumerate() {
        match existing.get(position) {
            Some(choice) if choice.label == *label => {}
            Some(choice) => {
                diesel::update(sc::table.find(choice.id))
                    .set(sc::label.eq(label))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(sc::table)
                    .values((
                        sc::question_id.eq(question),
                        sc::position.eq(position as i32),
                        sc::label.eq(label),
                        sc::role.eq(role),
                    ))
                    .execute(conn)?;
            }
        }
    }
    let gone: Vec<i32> = existing.iter().skip(labels.len()).map(|c| c.id).collect();
    if !gone.is_empty() {
        diesel::update(sq::table.filter(sq::condition_choice_id.eq_any(&gone)))
            .set((
                sq::condition_question_id.eq(None::<i32>),
                sq::condition_choice_id.eq(None::<i32>),
            ))
            .execute(conn)?;
        diesel::delete(sc::table.filter(sc::id.eq_any(&gone))).execute(conn)?;
    }
    Ok(())
}

/// Changes question `question`. Once real answers arrived only its wording may change (text,
/// help, labels; `rules::Freeze`), and a note saying so is required.
pub fn update_question(
    conn: &mut PgConnection,
    full: &Full,
    question: i32,
    input: &QuestionInput,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = full.survey.id;
    let at = full
        .questions
        .iter()
        .position(|q| q.id() == question)
        .ok_or(Error::NotFound)?;
    let before = &full.questions[at];
    conn.transaction(|conn| {
        let frozen = freeze(conn, id)?;
        let condition = condition_of(full, at, input.condition_choice)?;
        let section = section_of(full, input.section_id)?;
        // The shape the edit would give: the same choices when as many are kept.
        let same_or_new = |ids: &[i32], n: usize| -> Vec<i32> {
            if ids.len() == n {
                ids.to_vec()
            } else {
                (0..n as i32).map(|i| -1 - i).collect()
            }
        };
        let shape = rules::Question {
            id: question,
            kind: input.kind,
            required: input.required,
            max_choices: input.max_choices,
            min_value: input.min_value,
            max_value: input.max_value,
            condition,
            choices: same_or_new(&before.shape.choices, input.choices.len()),
            rows: same_or_new(&before.shape.rows, input.rows.len()),
        };
        let mut after = full.shapes();
        after[at] = shape;
        frozen
            .allows(&full.shapes(), &after)
            .map_err(Error::Refused)?;
        let reworded = frozen == Freeze::WordingOnly;
        let note = match (&input.wording_note, reworded) {
            (None, true) => return refuse("msg.survey_wording_note_needed"),
            (note, true) => note.clone(),
            (_, false) => before.wording_note.clone(),
        };
        diesel::update(sq::table.find(question))
            .set((
                sq::kind.eq(input.kind.as_str()),
                sq::text.eq(&input.text),
                sq::help.eq(&input.help),
                sq::required.eq(input.required),
                sq::section_id.eq(section),
                sq::max_choices.eq(input.max_choices),
                sq::min_value.eq(input.min_value),
                sq::max_value.eq(input.max_value),
                sq::condition_question_id.eq(condition.map(|c| c.question)),
                sq::condition_choice_id.eq(condition.map(|c| c.choice)),
                sq::wording_note.eq(note),
                sq::wording_changed_at.eq(if reworded {
                    Some(now)
                } else {
                    before.wording_changed_at
                }),
            ))
            .execute(conn)?;
        if !input.kind.may_be_condition() {
            // A later question shown on this one's choices: no longer possible.
            diesel::update(sq::table.filter(sq::condition_question_id.eq(question)))
                .set((
                    sq::condition_question_id.eq(None::<i32>),
                    sq::condition_choice_id.eq(None::<i32>),
                ))
                .execute(conn)?;
        }
        set_labels(conn, question, "choice", &before.choices, &input.choices)?;
        set_labels(conn, question, "row", &before.rows, &input.rows)?;
        touch(conn, id, now)
    })
}

/// Up or down the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn parse(raw: &str) -> Result<Direction, Refusal> {
        match raw.trim() {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            other => Err(Refusal::new("msg.survey_value_unknown").with("value", other)),
        }
    }
}

/// Swaps a question with its neighbour; refused once answers arrived, or when a condition
/// would then stand on a later question.
pub fn move_question(
    conn: &mut PgConnection,
    full: &Full,
    question: i32,
    direction: Direction,
    now: DateTime<Utc>,
) -> Result<()> {
    let at = full
        .questions
        .iter()
        .position(|q| q.id() == question)
        .ok_or(Error::NotFound)?;
    let other = match direction {
        Direction::Up => at.checked_sub(1),
        Direction::Down => Some(at + 1).filter(|i| *i < full.questions.len()),
    };
    let Some(other) = other else {
        return Ok(());
    };
    let mut shapes = full.shapes();
    shapes.swap(at, other);
    let conditions_hold = shapes.iter().enumerate().all(|(i, q)| {
        q.condition
            .is_none_or(|c| rules::condition_fits(&shapes, i, c))
    });
    if !conditions_hold {
        return refuse("msg.survey_condition_earlier");
    }
    let (a, b) = (&full.questions[at], &full.questions[other]);
    conn.transaction(|conn| {
        if freeze(conn, full.survey.id)? == Freeze::WordingOnly {
            return refuse("msg.survey_frozen");
        }
        diesel::update(sq::table.find(a.id()))
            .set(sq::position.eq(b.position))
            .execute(conn)?;
        diesel::update(sq::table.find(b.id()))
            .set(sq::position.eq(a.position))
            .execute(conn)?;
        touch(conn, full.survey.id, now)
    })
}

/// Deletes a question (refused once answers arrived); questions shown on it lose their
/// condition.
pub fn delete_question(
    conn: &mut PgConnection,
    survey: i32,
    question: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.transaction(|conn| {
        if freeze(conn, survey)? == Freeze::WordingOnly {
            return refuse("msg.survey_frozen");
        }
        diesel::update(sq::table.filter(sq::condition_question_id.eq(question)))
            .set((
                sq::condition_question_id.eq(None::<i32>),
                sq::condition_choice_id.eq(None::<i32>),
            ))
            .execute(conn)?;
        let deleted = diesel::delete(
            sq::table
                .filter(sq::id.eq(question))
                .filter(sq::survey_id.eq(survey)),
        )
        .execute(conn)?;
        if deleted == 0 {
            return Err(Error::NotFound);
        }
        touch(conn, survey, now)
    })
}

/// Publishes a draft with at least one question: it opens per its window; the staff's test
/// answers are deleted. Publishing a published survey changes nothing.
pub fn publish(conn: &mut PgConnection, full: &Full, now: DateTime<Utc>) -> Result<()> {
    if full.survey.window.published_at.is_some() {
        return Ok(());
    }
    if full.questions.is_empty() {
        return refuse("msg.survey_no_questions");
    }
    if full.survey.window.closes_at <= now {
        return refuse("msg.survey_window_past");
    }
    conn.transaction(|conn| {
        super::respond::delete_tests(conn, full.survey.id)?;
        diesel::update(s::table.find(full.survey.id))
            .set((s::published_at.eq(now), s::updated_at.eq(now)))
            .execute(conn)?;
        touch(conn, full.survey.id, now)
    })
}

/// Closes an open survey now (締切の前倒し); a closed one stays as it is.
pub fn close(conn: &mut PgConnection, survey: &model::Survey, now: DateTime<Utc>) -> Result<()> {
    match survey.state(now) {
        State::Open => {
            diesel::update(s::table.find(survey.id))
                .set(s::closes_at.eq(now))
                .execute(conn)?;
            touch(conn, survey.id, now)
        }
        State::Closed => Ok(()),
        State::Draft | State::Scheduled => refuse("msg.survey_not_open"),
    }
}

/// Publishes the results of a published survey (once).
pub fn publish_results(
    conn: &mut PgConnection,
    survey: &model::Survey,
    now: DateTime<Utc>,
) -> Result<()> {
    if survey.state(now) == State::Draft {
        return refuse("msg.survey_results_draft");
    }
    diesel::update(
        s::table
            .find(survey.id)
            .filter(s::results_published_at.is_null()),
    )
    .set(s::results_published_at.eq(now))
    .execute(conn)?;
    touch(conn, survey.id, now)
}

/// How many real (non-test) responses were submitted to each of `surveys`: the staff list's
/// counts, in one query.
pub fn submitted_counts(
    conn: &mut PgConnection,
    surveys: &[i32],
) -> Result<std::collections::HashMap<i32, i64>> {
    let rows: Vec<(i32, i64)> = sr::table
        .filter(sr::survey_id.eq_any(surveys))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .group_by(sr::survey_id)
        .select((sr::survey_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A free-text answer waiting for moderation (or already moderated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText {
    pub id: i32,
    pub question: i32,
    pub text: String,
    pub state: String,
}

/// The free-text answers of a survey's submitted, real responses: pending first. One query.
pub fn free_texts(conn: &mut PgConnection, survey: i32) -> Result<Vec<FreeText>> {
    let rows: Vec<(i32, i32, Option<String>, Option<String>)> = sa::table
        .inner_join(sr::table)
        .filter(sr::survey_id.eq(survey))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .filter(sa::text.is_not_null())
        .order((sa::text_state.desc(), sa::id))
        .select((sa::id, sa::question_id, sa::text, sa::text_state))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, question, text, state)| FreeText {
            id,
            question,
            text: text.unwrap_or_default(),
            state: state.unwrap_or_default(),
        })
        .collect())
}

/// Shows or hides a free-text answer of the survey: only shown ones become public.
pub fn moderate(conn: &mut PgConnection, survey: i32, answer: i32, shown: bool) -> Result<()> {
    let of_survey = sr::table.filter(sr::survey_id.eq(survey)).select(sr::id);
    let changed = diesel::update(
        sa::table
            .filter(sa::id.eq(answer))
            .filter(sa::text.is_not_null())
            .filter(sa::response_id.eq_any(of_survey)),
    )
    .set(sa::text_state.eq(if shown { "shown" } else { "hidden" }))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
