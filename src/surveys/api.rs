//! The open-data JSON of surveys (`/api/v1/surveys…`): published surveys, their questions,
//! and once public their results per question — the same numbers as the results page, never
//! a respondent.

use super::model::{self, Filter, Full, Survey};
use super::results;
use super::summary::{self, Outcome};
use crate::error::{Error, Result};
use crate::web::json;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A published survey (アンケート).
#[derive(Serialize, ToSchema)]
pub struct SurveyJson {
    #[schema(minimum = 1)]
    pub id: i32,
    /// `general`, or `satisfaction` (市民意識調査).
    #[schema(example = "general")]
    pub kind: String,
    pub title: String,
    pub description: String,
    /// 担当課.
    pub department: String,
    /// 年度 (always for a satisfaction survey).
    pub fiscal_year: Option<i32>,
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: DateTime<Utc>,
    /// `scheduled`, `open` or `closed` at the time of the request.
    #[schema(example = "open")]
    pub state: String,
    /// Whether its results are public now.
    pub results_public: bool,
    /// This survey in the API.
    #[schema(example = "/api/v1/surveys/1")]
    pub href: String,
    /// Its results in the API, once public.
    #[schema(example = "/api/v1/surveys/1/results")]
    pub results_href: Option<String>,
}

/// Published surveys, the latest to open first.
#[derive(Serialize, ToSchema)]
pub struct SurveyList {
    pub surveys: Vec<SurveyJson>,
}

/// A choice, a point of a scale or a matrix's column or statement.
#[derive(Serialize, ToSchema)]
pub struct ChoiceJson {
    pub id: i32,
    pub label: String,
}

/// Show a question only when an earlier one was answered with this choice.
#[derive(Serialize, ToSchema)]
pub struct ConditionJson {
    pub question_id: i32,
    pub choice_id: i32,
}

/// A section (区分) of the questions.
#[derive(Serialize, ToSchema)]
pub struct SurveySectionJson {
    pub id: i32,
    pub position: i32,
    pub title: String,
    pub description: String,
}

/// A question (設問).
#[derive(Serialize, ToSchema)]
pub struct QuestionJson {
    pub id: i32,
    pub position: i32,
    pub section_id: Option<i32>,
    /// `single`, `multiple`, `scale5`, `number`, `short_text`, `long_text` or `matrix`.
    #[schema(example = "single")]
    pub kind: String,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub max_choices: Option<i32>,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub shown_if: Option<ConditionJson>,
    /// The options, a scale's five points or a matrix's columns, in order.
    pub choices: Vec<ChoiceJson>,
    /// A matrix's statements, in order.
    pub rows: Vec<ChoiceJson>,
}

/// A published survey with its sections and questions.
#[derive(Serialize, ToSchema)]
pub struct SurveyDetail {
    #[serde(flatten)]
    pub survey: SurveyJson,
    pub sections: Vec<SurveySectionJson>,
    pub questions: Vec<QuestionJson>,
}

/// How many picked a choice, and their share of those who answered (one decimal; none when
/// nobody answered).
#[derive(Serialize, ToSchema)]
pub struct ChoiceCountJson {
    pub id: i32,
    pub label: String,
    pub count: u64,
    #[schema(example = 30.6)]
    pub percent: Option<f64>,
}

/// A matrix statement's counts.
#[derive(Serialize, ToSchema)]
pub struct RowResultJson {
    pub id: i32,
    pub label: String,
    pub answered: u64,
    pub choices: Vec<ChoiceCountJson>,
}

/// A number question's figures.
#[derive(Serialize, ToSchema)]
pub struct NumbersJson {
    pub count: i64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<i32>,
    pub max: Option<i32>,
}

/// A question's results: `choices` for a choice or scale, `rows` for a matrix, `numbers` for
/// a number, `texts` (only those shown after moderation) for free text.
#[derive(Serialize, ToSchema)]
pub struct QuestionResultJson {
    pub id: i32,
    pub position: i32,
    #[schema(example = "single")]
    pub kind: String,
    pub text: String,
    /// How many answered it (a matrix: its most answered statement).
    pub answered: i64,
    pub choices: Option<Vec<ChoiceCountJson>>,
    pub rows: Option<Vec<RowResultJson>>,
    pub numbers: Option<NumbersJson>,
    pub texts: Option<Vec<String>>,
}

/// Responses by channel.
#[derive(Serialize, ToSchema)]
pub struct ChannelCountJson {
    /// `web`, `paper`, `phone`, `counter` or `other`.
    #[schema(example = "web")]
    pub channel: String,
    pub count: i64,
}

/// A survey's public results.
#[derive(Serialize, ToSchema)]
pub struct SurveyResultsJson {
    pub id: i32,
    pub title: String,
    /// Submitted responses.
    pub responses: i64,
    pub by_channel: Vec<ChannelCountJson>,
    pub questions: Vec<QuestionResultJson>,
    /// The results page.
    #[schema(example = "/surveys/1/results")]
    pub html: String,
    /// Every answer as CSV.
    #[schema(example = "/surveys/1/results.csv")]
    pub csv: String,
}

fn survey_json(s: &Survey, now: DateTime<Utc>) -> SurveyJson {
    let results_public = s.results_public(now);
    SurveyJson {
        id: s.id,
        kind: s.kind.as_str().to_owned(),
        title: s.title.clone(),
        description: s.description.clone(),
        department: s.department.clone(),
        fiscal_year: s.fiscal_year,
        opens_at: s.window.opens_at,
        closes_at: s.window.closes_at,
        state: s.state(now).as_str().to_owned(),
        results_public,
        href: format!("/api/v1/surveys/{}", s.id),
        results_href: results_public.then(|| format!("/api/v1/surveys/{}/results", s.id)),
    }
}

fn choices(list: &[model::Choice]) -> Vec<ChoiceJson> {
    list.iter()
        .map(|c| ChoiceJson {
            id: c.id,
            label: c.label.clone(),
        })
        .collect()
}

/// A published survey, or 404 (a draft too).
fn published(full: Option<Full>, now: DateTime<Utc>) -> Result<Full> {
    full.filter(|f| f.survey.state(now).is_public())
        .ok_or(Error::NotFound)
}

/// Published surveys (drafts never), the latest to open first.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", operation_id = "list_surveys",
    responses((status = 200, description = "Published surveys", body = SurveyList)))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let now = state.clock.now();
    let surveys = state
        .db(move |conn| model::list(conn, &Filter::default(), now))
        .await?;
    json(
        &req,
        &SurveyList {
            surveys: surveys.iter().map(|s| survey_json(s, now)).collect(),
        },
    )
}

/// A published survey with its sections and questions.
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", operation_id = "get_survey",
    params(("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The survey's number")),
    responses(
        (status = 200, description = "The survey", body = SurveyDetail),
        (status = 400, description = "Malformed number", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such survey, or a draft", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let full = published(state.db(move |conn| model::load(conn, id)).await?, now)?;
    json(
        &req,
        &SurveyDetail {
            survey: survey_json(&full.survey, now),
            sections: full
                .sections
                .iter()
                .map(|s| SurveySectionJson {
                    id: s.id,
                    position: s.position,
                    title: s.title.clone(),
                    description: s.description.clone(),
                })
                .collect(),
            questions: full
                .questions
                .iter()
                .map(|q| QuestionJson {
                    id: q.id(),
                    position: q.position,
                    section_id: q.section_id,
                    kind: q.kind().as_str().to_owned(),
                    text: q.text.clone(),
                    help: q.help.clone(),
                    required: q.shape.required,
                    max_choices: q.shape.max_choices,
                    min_value: q.shape.min_value,
                    max_value: q.shape.max_value,
                    shown_if: q.shape.condition.map(|c| ConditionJson {
                        question_id: c.question,
                        choice_id: c.choice,
                    }),
                    choices: choices(&q.choices),
                    rows: choices(&q.rows),
                })
                .collect(),
        },
    )
}

/// A tally's rows with the ids of the choices they count.
fn counts(choices: &[model::Choice], tally: &super::tally::Tally) -> Vec<ChoiceCountJson> {
    choices
        .iter()
        .zip(&tally.rows)
        .map(|(c, row)| ChoiceCountJson {
            id: c.id,
            label: row.label.clone(),
            count: row.count,
            percent: row.percent,
        })
        .collect()
}

/// A published survey's results per question, once public (the results page's numbers).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", operation_id = "get_survey_results",
    params(("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The survey's number")),
    responses(
        (status = 200, description = "The results", body = SurveyResultsJson),
        (status = 400, description = "Malformed number", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such survey, or its results are not public", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn results(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let (full, found, channels) = state
        .db(move |conn| {
            let full = published(model::load(conn, id)?, now)?;
            if !full.survey.results_public(now) {
                return Err(Error::NotFound);
            }
            Ok((
                full,
                results::found(conn, id)?,
                results::channels(conn, id)?,
            ))
        })
        .await?;
    let questions = summary::questions(&full, &found)
        .into_iter()
        .zip(&full.questions)
        .map(|(r, q)| {
            let mut json = QuestionResultJson {
                id: r.id,
                position: r.position,
                kind: r.kind.as_str().to_owned(),
                text: r.text,
                answered: r.answered,
                choices: None,
                rows: None,
                numbers: None,
                texts: None,
            };
            match r.outcome {
                Outcome::Choices { tally } => json.choices = Some(counts(&q.choices, &tally)),
                Outcome::Matrix { tally } => {
                    json.rows = Some(
                        q.rows
                            .iter()
                            .zip(&tally.rows)
                            .map(|(row, m)| RowResultJson {
                                id: row.id,
                                label: row.label.clone(),
                                answered: m.tally.answered,
                                choices: counts(&q.choices, &m.tally),
                            })
                            .collect(),
                    )
                }
                Outcome::Numbers { numbers } => {
                    json.numbers = Some(NumbersJson {
                        count: numbers.count,
                        mean: numbers.mean,
                        median: numbers.median,
                        min: numbers.min,
                        max: numbers.max,
                    })
                }
                Outcome::Texts { texts } => json.texts = Some(texts),
            }
            json
        })
        .collect();
    json(
        &req,
        &SurveyResultsJson {
            id,
            title: full.survey.title.clone(),
            responses: channels.iter().map(|(_, n)| n).sum(),
            by_channel: channels
                .iter()
                .map(|(ch, n)| ChannelCountJson {
                    channel: ch.as_str().to_owned(),
                    count: *n,
                })
                .collect(),
            questions,
            html: format!("/surveys/{id}/results"),
            csv: format!("/surveys/{id}/results.csv"),
        },
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/surveys", web::get().to(list))
        .route("/api/v1/surveys/{id}", web::get().to(show))
        .route("/api/v1/surveys/{id}/results", web::get().to(results));
}
