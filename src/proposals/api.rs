//! The open-data JSON API of proposals (`/api/v1/proposals…`): public proposals only (never a
//! draft), public fields only (authors by display name; never an email, a real name or an
//! internal note), dates in RFC 3339.

use super::handlers::{cursor, parse_filter, ListQuery};
use super::model::{self, Listed, OrgRef, Proposal, Step};
use super::participation;
use super::workflow::State;
use crate::app::AppState;
use crate::error::Result;
use crate::web::json;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The organisation a proposal is made in the name of.
#[derive(Serialize, ToSchema)]
pub struct OrganisationJson {
    #[schema(value_type = String, example = "6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
    pub id: Uuid,
    pub name: String,
    /// Whether the city has verified the organisation.
    pub verified: bool,
}

/// A proposal in the list.
#[derive(Serialize, ToSchema)]
pub struct ProposalSummary {
    #[schema(value_type = String, example = "6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
    pub id: String,
    pub title: String,
    pub summary: String,
    pub state: State,
    /// Codes of the measures (施策) the proposal answers.
    #[schema(example = json!(["5-1"]))]
    pub measures: Vec<String>,
    pub organisation: Option<OrganisationJson>,
    /// The author's display name (退会したユーザー once the account is deleted).
    pub author: String,
    /// Supports (賛同): verified accounts, one each.
    pub supports: i64,
    /// Comments (visible ones, replies included).
    pub comments: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// This proposal in the API.
    #[schema(example = "/api/v1/proposals/6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
    pub href: String,
}

/// A page of public proposals, newest first.
#[derive(Serialize, ToSchema)]
pub struct ProposalList {
    pub proposals: Vec<ProposalSummary>,
    /// The next page, while there is one.
    pub next: Option<String>,
}

/// One step of a proposal's public timeline.
#[derive(Serialize, ToSchema)]
pub struct TimelineStep {
    /// The state the proposal entered.
    pub state: State,
    /// What was done (submit, adopt, reject …).
    #[schema(example = "submit")]
    pub action: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// The public reason (decisions and revision requests carry one).
    pub reason: Option<String>,
}

/// A public proposal.
#[derive(Serialize, ToSchema)]
pub struct ProposalJson {
    #[schema(value_type = String, example = "6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
    pub id: String,
    pub title: String,
    pub summary: String,
    pub state: State,
    #[schema(example = json!(["5-1"]))]
    pub measures: Vec<String>,
    pub organisation: Option<OrganisationJson>,
    /// The author's display name (退会したユーザー once the account is deleted).
    pub author: String,
    /// Supports (賛同): verified accounts, one each.
    pub supports: i64,
    /// Comments (visible ones, replies included).
    pub comments: i64,
    pub timeline: Vec<TimelineStep>,
    /// 地域の課題
    pub local_issue: String,
    pub activity_plan: String,
    pub expected_effect: String,
    pub partners: String,
    pub period: String,
    /// Estimated budget in yen, if given.
    pub budget_yen: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<DateTime<Utc>>,
}

fn organisation(org: &Option<OrgRef>) -> Option<OrganisationJson> {
    org.as_ref().map(|o| OrganisationJson {
        id: o.id,
        name: o.name.clone(),
        verified: o.verified,
    })
}

fn summary(p: &Listed, counts: &HashMap<Uuid, (i64, i64)>) -> ProposalSummary {
    let (supports, comments) = counts.get(&p.id).copied().unwrap_or_default();
    ProposalSummary {
        id: p.id.to_string(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        state: p.state,
        measures: p.measures.iter().map(ToString::to_string).collect(),
        organisation: organisation(&p.organisation),
        author: p.author_name.clone(),
        supports,
        comments,
        created_at: p.created_at,
        href: format!("/api/v1/proposals/{}", p.id),
    }
}

pub fn proposal(p: &Proposal, timeline: &[Step], (supports, comments): (i64, i64)) -> ProposalJson {
    ProposalJson {
        id: p.id.to_string(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        state: p.state,
        measures: p.measures.iter().map(|(c, _)| c.to_string()).collect(),
        organisation: organisation(&p.organisation),
        author: p.author_name.clone(),
        supports,
        comments,
        timeline: timeline
            .iter()
            .map(|s| TimelineStep {
                state: s.to,
                action: s.action.clone(),
                at: s.at,
                reason: s.reason.clone(),
            })
            .collect(),
        local_issue: p.local_issue.clone(),
        activity_plan: p.activity_plan.clone(),
        expected_effect: p.expected_effect.clone(),
        partners: p.partners.clone(),
        period: p.period.clone(),
        budget_yen: p.budget_yen,
        created_at: p.created_at,
        submitted_at: p.submitted_at,
    }
}

/// Public proposals, newest first, 20 a page; follow `next` for more.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals",
    params(
        ("measure" = Option<String>, Query, description = "Only proposals answering this measure", example = "5-1"),
        ("state" = Option<State>, Query, description = "Only proposals in this state (never draft)"),
        ("before" = Option<String>, Query, description = "Cursor from the `next` link of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of public proposals", body = ProposalList),
        (status = 400, description = "Malformed filter", body = crate::app::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let filter = parse_filter(&query)?;
    let (rows, more, counts) = state
        .db({
            let filter = filter.clone();
            move |conn| {
                let (rows, more) = model::list(conn, &filter)?;
                let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
                let counts = participation::counts(conn, &ids)?;
                Ok((rows, more, counts))
            }
        })
        .await?;
    let next = rows.last().filter(|_| more).map(|last| {
        let mut params: Vec<String> = Vec::new();
        if let Some(m) = filter.measure {
            params.push(format!("measure={m}"));
        }
        if let Some(s) = filter.state {
            params.push(format!("state={}", s.as_str()));
        }
        params.push(format!("before={}", cursor(last.created_at, last.id)));
        format!("/api/v1/proposals?{}", params.join("&"))
    });
    json(
        &req,
        &ProposalList {
            proposals: rows.iter().map(|p| summary(p, &counts)).collect(),
            next,
        },
    )
}

/// One public proposal with its timeline. A draft answers 404, as an unknown id does.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals",
    params(("id" = String, Path, description = "The proposal's id (a UUID)")),
    responses(
        (status = 200, description = "The proposal", body = ProposalJson),
        (status = 400, description = "Malformed id", body = crate::app::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public proposal", body = crate::app::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    // No viewer: a draft is missing here even for its author.
    let (proposal, timeline, standing) = state
        .db(move |conn| {
            let (proposal, timeline) = model::find(conn, id, None)?;
            let standing = participation::standing(conn, id, None)?;
            Ok((proposal, timeline, standing))
        })
        .await?;
    json(
        &req,
        &self::proposal(&proposal, &timeline, (standing.supports, standing.comments)),
    )
}
