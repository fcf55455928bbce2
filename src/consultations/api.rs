//! The open-data JSON of consultations (`/api/v1/consultations…`): public fields only — never a
//! submitter's name, address or email, and no opinion text (the result publishes summaries).

use super::fields::Channel;
use super::handlers::{load, published};
use super::model::{self, Consultation};
use super::period::State;
use crate::error::{Error, Result};
use crate::web::json;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A consultation (意見公募).
#[derive(Serialize, ToSchema)]
pub struct ConsultationJson {
    #[schema(minimum = 1)]
    pub id: i32,
    pub title: String,
    /// 担当課.
    pub department: String,
    /// At the time of the request: scheduled, open, closed, withdrawn (中止) or
    /// result_published. Drafts (not yet announced) are never listed.
    pub state: State,
    /// 00:00 JST of the first day.
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: DateTime<Utc>,
    /// The exclusive end: 00:00 JST of the day after the last day.
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: DateTime<Utc>,
    /// Why the period is under 30 days, when it is.
    pub short_period_reason: Option<String>,
    /// When it was withdrawn (中止), if it was.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Opinions received (on line and on paper).
    pub comment_count: i64,
    #[schema(example = "/api/v1/consultations/1")]
    pub href: String,
}

/// A numbered section of the draft.
#[derive(Serialize, ToSchema)]
pub struct SectionJson {
    pub number: i32,
    pub heading: String,
    pub body: String,
}

/// A public notice of a consultation (お知らせ), oldest first.
#[derive(Serialize, ToSchema)]
pub struct NoticeJson {
    /// correction (正誤), extension (締切の延長) or withdrawal (中止).
    #[schema(example = "extension")]
    pub kind: String,
    /// What was corrected, or the reason for the extension or withdrawal.
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// An extension's last day before and after (dates in Japan time).
    #[schema(value_type = Option<String>, format = Date)]
    pub closes_on_before: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub closes_on_after: Option<NaiveDate>,
}

/// A consultation with what it consults on.
#[derive(Serialize, ToSchema)]
pub struct ConsultationDetail {
    #[serde(flatten)]
    pub consultation: ConsultationJson,
    pub summary: String,
    /// Codes of the measures (施策) consulted on.
    pub measures: Vec<String>,
    pub sections: Vec<SectionJson>,
    pub notices: Vec<NoticeJson>,
}

/// Every consultation, newest period first.
#[derive(Serialize, ToSchema)]
pub struct ConsultationList {
    pub consultations: Vec<ConsultationJson>,
}

/// One row of the published result.
#[derive(Serialize, ToSchema)]
pub struct ResultItemJson {
    pub number: i32,
    /// 意見の要旨.
    pub summary: String,
    /// 市の考え方.
    pub response: String,
    /// 修正の有無.
    pub changed: bool,
    /// How the draft was changed.
    pub change: Option<String>,
}

/// The published result (意見募集の結果).
#[derive(Serialize, ToSchema)]
pub struct ResultJson {
    pub submitters: i64,
    pub comments: i64,
    /// Opinions by channel: web, paper, post, fax, email, counter.
    #[schema(value_type = Object, example = json!({"web": 3, "fax": 1}))]
    pub by_channel: BTreeMap<String, i64>,
    pub items: Vec<ResultItemJson>,
}

fn summary(c: &Consultation, count: i64, now: DateTime<Utc>) -> ConsultationJson {
    ConsultationJson {
        id: c.id,
        title: c.title.clone(),
        department: c.department.clone(),
        state: c.state(now),
        opens_at: c.period.opens_at(),
        closes_at: c.period.closes_at(),
        short_period_reason: c.short_period_reason.clone(),
        withdrawn_at: c.withdrawn_at.filter(|_| c.state(now) == State::Withdrawn),
        comment_count: count,
        href: format!("/api/v1/consultations/{}", c.id),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
}

/// Every announced consultation, or those in one state (`?state=open`).
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultations", operation_id = "list_consultations",
    params(("state" = Option<State>, Query, description = "Only consultations in this state now; any other value is refused with 400")),
    responses(
        (status = 200, description = "Consultations", body = ConsultationList),
        (status = 400, description = "Unknown state", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let wanted = query
        .state
        .as_deref()
        .map(|raw| raw.parse::<State>().map_err(Error::Refused))
        .transpose()?;
    let now = state.clock.now();
    let rows = state.db(move |conn| model::public_list(conn, now)).await?;
    json(
        &req,
        &ConsultationList {
            consultations: rows
                .iter()
                .filter(|(c, _)| wanted.is_none_or(|w| c.state(now) == w))
                .map(|(c, n)| summary(c, *n, now))
                .collect(),
        },
    )
}

/// One consultation with its measures and sections.
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "consultations", operation_id = "get_consultation",
    params(("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The consultation's number")),
    responses(
        (status = 200, description = "The consultation", body = ConsultationDetail),
        (status = 400, description = "Malformed number", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, or a draft", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let d = load(&state, id).await?;
    let now = state.clock.now();
    json(
        &req,
        &ConsultationDetail {
            consultation: summary(&d.consultation, d.comment_count, now),
            summary: d.consultation.summary.clone(),
            measures: d.measures.iter().map(|(code, _)| code.clone()).collect(),
            sections: d
                .sections
                .iter()
                .map(|s| SectionJson {
                    number: s.number,
                    heading: s.heading.clone(),
                    body: s.body.clone(),
                })
                .collect(),
            notices: d
                .notices
                .iter()
                .map(|n| NoticeJson {
                    kind: n.kind.code().to_owned(),
                    body: n.body.clone(),
                    at: n.at,
                    closes_on_before: n.extended.map(|(before, _)| before),
                    closes_on_after: n.extended.map(|(_, after)| after),
                })
                .collect(),
        },
    )
}

/// The published result; 404 until it is published.
#[utoipa::path(get, path = "/api/v1/consultations/{id}/result", tag = "consultations", operation_id = "get_consultation_result",
    params(("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The consultation's number")),
    responses(
        (status = 200, description = "The result", body = ResultJson),
        (status = 400, description = "Malformed number", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, or no published result", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn result(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    published(&state, id).await?;
    let (counts, items) = state
        .db(move |conn| {
            Ok((
                model::result::published_counts(conn, id)?,
                model::result::items(conn, id)?,
            ))
        })
        .await?;
    json(
        &req,
        &ResultJson {
            submitters: counts.submitters,
            comments: counts.comments,
            by_channel: counts
                .by_channel
                .iter()
                .map(|(ch, n): &(Channel, i64)| (ch.code().to_owned(), *n))
                .collect(),
            items: items
                .into_iter()
                .map(|i| ResultItemJson {
                    number: i.number,
                    summary: i.summary,
                    response: i.response,
                    changed: i.changed,
                    change: i.change,
                })
                .collect(),
        },
    )
}
