//! The satisfaction survey (市民意識調査, 施策に係る市民満足度): made from the plan, one 5-point
//! statement per measure that has one, grouped by chapter; its results, once published, record
//! each measure's satisfaction for the survey's 年度 (`measure_satisfaction`), which the measure
//! page and the API show after the plan's own figure.
//!
//! Publishing a satisfaction survey's results (`staff::work::publish_results`) calls
//! [`record_satisfaction`] in the same transaction, then tells the plan cache.

use super::model::{self, Full, Tally};
use super::rules::{self, Access, QuestionKind, SurveyKind, SCALE5};
use crate::db::schema::{
    measure_satisfaction as ms, survey_choices as sc, survey_questions as sq,
    survey_sections as ss, surveys as s,
};
use crate::error::{Error, Result};
use crate::plan::queries::Snapshot;
use crate::refusal::Refusal;
use crate::web::i18n::{translate, Lang};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// What staff choose for a new satisfaction survey; the questions come from the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSatisfaction {
    pub fiscal_year: i32,
    pub department_id: i32,
    /// `code` for the sampled residents the city mails codes to, or `account`.
    pub access: Access,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// Creates the year's satisfaction survey as a draft from the plan: a section per chapter, and
/// in it a scale5 question per measure with a satisfaction statement, labelled with the plan's
/// agreement scale. Returns its id. A 年度 has one satisfaction survey: a second is refused.
pub fn create(
    conn: &mut PgConnection,
    plan: &Snapshot,
    new: &NewSatisfaction,
    created_by: Uuid,
) -> Result<i32> {
    if !matches!(new.access, Access::Code | Access::Account) {
        return Err(Refusal::new("msg.satisfaction_access").into());
    }
    let ja = |key: &str, params: &[(&str, String)]| translate(Lang::Ja, key, params);
    let era = crate::wareki::fiscal_year_era(new.fiscal_year);
    conn.transaction(|conn| {
        // One per 年度 (a unique index): a second, even sent at the same moment, inserts nothing.
        let survey: Option<i32> = diesel::insert_into(s::table)
            .values((
                s::kind.eq(SurveyKind::Satisfaction.as_str()),
                s::access.eq(new.access.as_str()),
                s::title.eq(ja("satisfaction.survey_title", &[("year", era.clone())])),
                s::description.eq(ja(
                    "satisfaction.survey_description",
                    &[("year", era.clone())],
                )),
                s::department_id.eq(new.department_id),
                s::fiscal_year.eq(new.fiscal_year),
                s::opens_at.eq(new.opens_at),
                s::closes_at.eq(new.closes_at),
                s::results_mode.eq(rules::ResultsMode::OnPublish.as_str()),
                s::created_by.eq(created_by),
            ))
            .on_conflict_do_nothing()
            .returning(s::id)
            .get_result(conn)
            .optional()?;
        let Some(survey) = survey else {
            return Err(Refusal::new("msg.satisfaction_year_taken")
                .with("year", &era)
                .into());
        };
        let mut position = 0;
        for (section_position, chapter) in plan
            .overview()
            .iter()
            .filter(|c| c.measures.iter().any(|m| m.measure.satisfaction.is_some()))
            .enumerate()
        {
            let title = match &chapter.chapter.title {
                Some(title) => ja(
                    "chapter.heading",
                    &[
                        ("number", chapter.chapter.number.to_string()),
                        ("title", title.clone()),
                    ],
                ),
                None => ja(
                    "chapter.number",
                    &[("number", chapter.chapter.number.to_string())],
                ),
            };
            let section: i32 = diesel::insert_into(ss::table)
                .values((
                    ss::survey_id.eq(survey),
                    ss::position.eq(section_position as i32),
                    ss::title.eq(title),
                ))
                .returning(ss::id)
                .get_result(conn)?;
            for m in &chapter.measures {
                let Some(satisfaction) = &m.measure.satisfaction else {
                    continue;
                };
                let question: i32 = diesel::insert_into(sq::table)
                    .values((
                        sq::survey_id.eq(survey),
                        sq::section_id.eq(section),
                        sq::position.eq(position),
                        sq::kind.eq(QuestionKind::Scale5.as_str()),
                        sq::text.eq(&satisfaction.statement),
                        sq::measure_code.eq(m.measure.code.to_string()),
                    ))
                    .returning(sq::id)
                    .get_result(conn)?;
                position += 1;
                let choices: Vec<_> = SCALE5
                    .iter()
                    .enumerate()
                    .map(|(i, key)| {
                        (
                            sc::question_id.eq(question),
                            sc::position.eq(i as i32),
                            sc::label.eq(ja(key, &[])),
                        )
                    })
                    .collect();
                diesel::insert_into(sc::table)
                    .values(&choices)
                    .execute(conn)?;
            }
        }
        Ok(survey)
    })
}

/// One measure's satisfaction as a survey measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub measure_code: String,
    /// そう思う + ややそう思う over those who answered, one decimal.
    pub percent: f64,
    pub respondents: i64,
}

/// Each measure's satisfaction from a satisfaction survey's tally: its scale5 statements with a
/// measure code that someone answered. Pure.
pub fn measured(full: &Full, tally: &Tally) -> Vec<Measured> {
    full.questions
        .iter()
        .filter(|q| q.kind() == QuestionKind::Scale5 && q.choices.len() == 5)
        .filter_map(|q| {
            let code = q.measure_code.clone()?;
            let mut counts = [0; 5];
            for (count, choice) in counts.iter_mut().zip(&q.choices) {
                *count = tally.chosen(q.id(), None, choice.id);
            }
            Some(Measured {
                measure_code: code,
                percent: rules::satisfaction(counts)?,
                respondents: tally.answered(q.id(), None),
            })
        })
        .collect()
}

/// Records a satisfaction survey's results as its 年度's satisfaction of each measure, replacing
/// what that year had, in one transaction; called when its results are published. Returns how
/// many measures were recorded. The caller tells the plan cache (see the module's doc).
pub fn record_satisfaction(conn: &mut PgConnection, survey: i32) -> Result<usize> {
    let full = model::load(conn, survey)?.ok_or(Error::NotFound)?;
    let (SurveyKind::Satisfaction, Some(year)) = (full.survey.kind, full.survey.fiscal_year) else {
        return Err(Refusal::new("msg.satisfaction_not_satisfaction").into());
    };
    let tally = model::tally(conn, survey)?;
    let rows: Vec<_> = measured(&full, &tally)
        .into_iter()
        .map(|m| {
            let percent: BigDecimal = format!("{:.1}", m.percent)
                .parse()
                .map_err(|e| Error::Internal(format!("satisfaction percent: {e}")))?;
            Ok((
                ms::measure_code.eq(m.measure_code),
                ms::fiscal_year.eq(year),
                ms::percent.eq(percent),
                ms::respondents.eq(i32::try_from(m.respondents).unwrap_or(i32::MAX)),
                ms::survey_id.eq(survey),
            ))
        })
        .collect::<Result<_>>()?;
    conn.transaction(|conn| {
        diesel::delete(ms::table.filter(ms::fiscal_year.eq(year))).execute(conn)?;
        Ok(diesel::insert_into(ms::table).values(&rows).execute(conn)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::model::{Choice, Question, Survey};
    use crate::surveys::rules::{ResultsMode, Window};
    use std::collections::HashMap;

    fn question(id: i32, kind: QuestionKind, code: Option<&str>) -> Question {
        let choices: Vec<Choice> = (1..=5)
            .map(|p| Choice {
                id: id * 10 + p,
                position: p - 1,
                label: format!("{p}"),
            })
            .collect();
        Question {
            shape: rules::Question {
                id,
                kind,
                required: false,
                max_choices: None,
                min_value: None,
                max_value: None,
                condition: None,
                choices: choices.iter().map(|c| c.id).collect(),
                rows: vec![],
            },
            section_id: None,
            position: id,
            text: "statement".into(),
            help: String::new(),
            measure_code: code.map(Into::into),
            wording_note: None,
            wording_changed_at: None,
            choices,
            rows: vec![],
        }
    }

    fn full(questions: Vec<Question>) -> Full {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        Full {
            survey: Survey {
                id: 1,
                kind: SurveyKind::Satisfaction,
                access: Access::Code,
                title: "t".into(),
                description: String::new(),
                department_id: 1,
                department: "企画課".into(),
                fiscal_year: Some(2025),
                window: Window {
                    opens_at: at,
                    closes_at: at,
                    published_at: None,
                },
                results_mode: ResultsMode::OnPublish,
                results_published_at: None,
                created_by: None,
                created_at: at,
                updated_at: at,
                version: 1,
            },
            sections: vec![],
            questions,
        }
    }

    #[test]
    fn agreeing_and_somewhat_agreeing_over_those_who_answered() {
        let survey = full(vec![
            question(1, QuestionKind::Scale5, Some("5-1")),
            question(2, QuestionKind::Scale5, Some("5-2")),
            question(3, QuestionKind::Scale5, None),
            question(4, QuestionKind::Single, Some("5-3")),
        ]);
        // 5-1: 11 + 4 of 49 = 30.6 %; 5-2: nobody answered, so nothing is recorded for it.
        let mut chosen = HashMap::new();
        for (choice, n) in [(11, 11), (12, 4), (13, 20), (14, 10), (15, 4)] {
            chosen.insert((1, None, choice), n);
        }
        chosen.insert((3, None, 31), 5);
        chosen.insert((4, None, 41), 5);
        let tally = Tally {
            chosen,
            answered: HashMap::from([((1, None), 49), ((3, None), 5), ((4, None), 5)]),
        };
        assert_eq!(
            measured(&survey, &tally),
            [Measured {
                measure_code: "5-1".into(),
                percent: 30.6,
                respondents: 49,
            }]
        );
    }
}
