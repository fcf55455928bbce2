//! Surveys in the database: the reads every page, export and the API share. No read here
//! selects a response's respondent, account or receipt: those stay in `respond`.

use super::rules::{self, Access, Condition, QuestionKind, ResultsMode, State, SurveyKind, Window};
use crate::db::schema::{
    departments, survey_answers as sa, survey_choices as sc, survey_questions as sq,
    survey_responses as sr, survey_sections as ss, surveys as s,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;

/// A survey (アンケート) as staff saved it, without its questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub id: i32,
    pub kind: SurveyKind,
    pub access: Access,
    pub title: String,
    pub description: String,
    pub department_id: i32,
    pub department: String,
    /// 年度; always set for a satisfaction survey.
    pub fiscal_year: Option<i32>,
    pub window: Window,
    pub results_mode: ResultsMode,
    pub results_published_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Survey {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        self.window.state(now)
    }

    /// Whether the public may read its results now.
    pub fn results_public(&self, now: DateTime<Utc>) -> bool {
        self.results_mode
            .results_public(self.state(now), self.results_published_at, now)
    }
}

/// A section (区分) of a survey's questions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    pub id: i32,
    pub position: i32,
    pub title: String,
    pub description: String,
}

/// A choice (選択肢), or a matrix's row (statement).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub id: i32,
    pub position: i32,
    pub label: String,
}

/// A question (設問) with its wording: `shape` is what the rules check answers against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub shape: rules::Question,
    pub section_id: Option<i32>,
    pub position: i32,
    pub text: String,
    pub help: String,
    /// The measure whose 満足度 statement this is (satisfaction surveys).
    pub measure_code: Option<String>,
    /// Shown beside the question when its wording changed after answers arrived.
    pub wording_note: Option<String>,
    pub wording_changed_at: Option<DateTime<Utc>>,
    /// In order: the options, a scale's five points or a matrix's columns.
    pub choices: Vec<Choice>,
    /// A matrix's statements, in order; empty for the other kinds.
    pub rows: Vec<Choice>,
}

impl Question {
    pub fn id(&self) -> i32 {
        self.shape.id
    }

    pub fn kind(&self) -> QuestionKind {
        self.shape.kind
    }
}

/// A survey with everything a respondent sees: sections and questions in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Full {
    pub survey: Survey,
    pub sections: Vec<Section>,
    pub questions: Vec<Question>,
}

impl Full {
    /// The questions' shapes, in order, for `rules::check`, `visible` and `Freeze`.
    pub fn shapes(&self) -> Vec<rules::Question> {
        self.questions.iter().map(|q| q.shape.clone()).collect()
    }

    /// The question `id`, if the survey has it.
    pub fn question(&self, id: i32) -> Option<&Question> {
        self.questions.iter().find(|q| q.id() == id)
    }
}

type Row = (
    (
        i32,
        String,
        String,
        String,
        String,
        i32,
        String,
        Option<i32>,
    ),
    (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>),
    (String, Option<DateTime<Utc>>),
    (Option<Uuid>, DateTime<Utc>, DateTime<Utc>, i32),
);

macro_rules! survey_columns {
    () => {
        (
            (
                s::id,
                s::kind,
                s::access,
                s::title,
                s::description,
                s::department_id,
                departments::name,
                s::fiscal_year,
            ),
            (s::opens_at, s::closes_at, s::published_at),
            (s::results_mode, s::results_published_at),
            (s::created_by, s::created_at, s::updated_at, s::version),
        )
    };
}

fn stored<T>(parsed: Result<T, crate::refusal::Refusal>, what: &str) -> Result<T> {
    parsed.map_err(|r| Error::Internal(format!("stored survey {what}: {r}")))
}

fn from_row(r: Row) -> Result<Survey> {
    let (head, window, results, made) = r;
    Ok(Survey {
        id: head.0,
        kind: stored(SurveyKind::parse(&head.1), "kind")?,
        access: stored(Access::parse(&head.2), "access")?,
        title: head.3,
        description: head.4,
        department_id: head.5,
        department: head.6,
        fiscal_year: head.7,
        window: Window {
            opens_at: window.0,
            closes_at: window.1,
            published_at: window.2,
        },
        results_mode: stored(ResultsMode::parse(&results.0), "results mode")?,
        results_published_at: results.1,
        created_by: made.0,
        created_at: made.1,
        updated_at: made.2,
        version: made.3,
    })
}

/// One survey, draft or not (callers decide who may see a draft). One query.
pub fn find(conn: &mut PgConnection, id: i32) -> Result<Option<Survey>> {
    let row: Option<Row> = s::table
        .inner_join(departments::table)
        .filter(s::id.eq(id))
        .select(survey_columns!())
        .first(conn)
        .optional()?;
    row.map(from_row).transpose()
}

type QuestionRow = (
    (i32, Option<i32>, i32, String, String, String, bool),
    (
        Option<i32>,
        Option<i32>,
        Option<i32>,
        Option<i32>,
        Option<i32>,
    ),
    (Option<String>, Option<String>, Option<DateTime<Utc>>),
);

/// A survey with its sections, questions and choices, in order; draft or not. Four queries.
pub fn load(conn: &mut PgConnection, id: i32) -> Result<Option<Full>> {
    let Some(survey) = find(conn, id)? else {
        return Ok(None);
    };
    let sections = ss::table
        .filter(ss::survey_id.eq(id))
        .order(ss::position)
        .select((ss::id, ss::position, ss::title, ss::description))
        .load::<(i32, i32, String, String)>(conn)?
        .into_iter()
        .map(|(id, position, title, description)| Section {
            id,
            position,
            title,
            description,
        })
        .collect();
    let rows: Vec<QuestionRow> = sq::table
        .filter(sq::survey_id.eq(id))
        .order(sq::position)
        .select((
            (
                sq::id,
                sq::section_id,
                sq::position,
                sq::kind,
                sq::text,
                sq::help,
                sq::required,
            ),
            (
                sq::max_choices,
                sq::min_value,
                sq::max_value,
                sq::condition_question_id,
                sq::condition_choice_id,
            ),
            (sq::measure_code, sq::wording_note, sq::wording_changed_at),
        ))
        .load(conn)?;
    let choices: Vec<(i32, i32, i32, String, String)> = sc::table
        .inner_join(sq::table)
        .filter(sq::survey_id.eq(id))
        .order((sc::question_id, sc::position))
        .select((sc::question_id, sc::id, sc::position, sc::label, sc::role))
        .load(conn)?;
    let mut by_question: HashMap<i32, (Vec<Choice>, Vec<Choice>)> = HashMap::new();
    for (question, id, position, label, role) in choices {
        let entry = by_question.entry(question).or_default();
        let choice = Choice {
            id,
            position,
            label,
        };
        if role == "row" {
            entry.1.push(choice);
        } else {
            entry.0.push(choice);
        }
    }
    let questions = rows
        .into_iter()
        .map(|(head, limits, notes)| {
            let (choices, rows) = by_question.remove(&head.0).unwrap_or_default();
            Ok(Question {
                shape: rules::Question {
                    id: head.0,
                    kind: stored(QuestionKind::parse(&head.3), "question kind")?,
                    required: head.6,
                    max_choices: limits.0,
                    min_value: limits.1,
                    max_value: limits.2,
                    condition: limits
                        .3
                        .zip(limits.4)
                        .map(|(question, choice)| Condition { question, choice }),
                    choices: choices.iter().map(|c| c.id).collect(),
                    rows: rows.iter().map(|c| c.id).collect(),
                },
                section_id: head.1,
                position: head.2,
                text: head.4,
                help: head.5,
                measure_code: notes.0,
                wording_note: notes.1,
                wording_changed_at: notes.2,
                choices,
                rows,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Full {
        survey,
        sections,
        questions,
    }))
}

/// Which surveys a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Drafts too (staff lists).
    pub drafts: bool,
    /// Only this department's (a staff member's own).
    pub department: Option<i32>,
    pub kind: Option<SurveyKind>,
}

/// Surveys matching `filter`, the latest to open first. One query.
pub fn list(conn: &mut PgConnection, filter: &Filter, now: DateTime<Utc>) -> Result<Vec<Survey>> {
    let mut query = s::table
        .inner_join(departments::table)
        .select(survey_columns!())
        .order((s::opens_at.desc(), s::id.desc()))
        .into_boxed();
    if !filter.drafts {
        query = query.filter(s::published_at.le(now));
    }
    if let Some(department) = filter.department {
        query = query.filter(s::department_id.eq(department));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(s::kind.eq(kind.as_str()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// How many real (non-test) responses were submitted to a survey: its freeze
/// (`rules::Freeze::of`) and the count pages show. One query.
pub fn submitted(conn: &mut PgConnection, id: i32) -> Result<i64> {
    Ok(sr::table
        .filter(sr::survey_id.eq(id))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .count()
        .get_result(conn)?)
}

/// The counts of a survey's submitted, non-test answers (集計), from which results and the
/// satisfaction percentages are drawn. Keys are (question, matrix row or `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many chose each choice: (question, row, choice) → responses.
    pub chosen: HashMap<(i32, Option<i32>, i32), i64>,
    /// How many answered each question (each matrix row): the base of its percentages.
    pub answered: HashMap<(i32, Option<i32>), i64>,
}

impl Tally {
    pub fn chosen(&self, question: i32, row: Option<i32>, choice: i32) -> i64 {
        self.chosen
            .get(&(question, row, choice))
            .copied()
            .unwrap_or_default()
    }

    pub fn answered(&self, question: i32, row: Option<i32>) -> i64 {
        self.answered
            .get(&(question, row))
            .copied()
            .unwrap_or_default()
    }
}

/// The tally of survey `id`. Two queries.
pub fn tally(conn: &mut PgConnection, id: i32) -> Result<Tally> {
    use diesel::dsl::{count, count_star};
    let counted = || {
        sa::table
            .inner_join(sr::table)
            .filter(sr::survey_id.eq(id))
            .filter(sr::status.eq("submitted"))
            .filter(sr::is_test.eq(false))
    };
    let chosen: Vec<(i32, Option<i32>, Option<i32>, i64)> = counted()
        .filter(sa::choice_id.is_not_null())
        .group_by((sa::question_id, sa::row_id, sa::choice_id))
        .select((sa::question_id, sa::row_id, sa::choice_id, count_star()))
        .load(conn)?;
    let answered: Vec<(i32, Option<i32>, i64)> = counted()
        .group_by((sa::question_id, sa::row_id))
        .select((
            sa::question_id,
            sa::row_id,
            count(sa::response_id).aggregate_distinct(),
        ))
        .load(conn)?;
    Ok(Tally {
        chosen: chosen
            .into_iter()
            .filter_map(|(q, row, choice, n)| Some(((q, row, choice?), n)))
            .collect(),
        answered: answered
            .into_iter()
            .map(|(q, row, n)| ((q, row), n))
            .collect(),
    })
}
