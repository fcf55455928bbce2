//! The open-data JSON API of proposals (`/api/v1/proposals…`): public proposals only (never a
//! draft), public fields only (authors by display name; never an email, a real name or an
//! internal note), dates in RFC 3339.

use super::handlers::{parse_filter, ListQuery};
use super::listing::{Sort, SEARCH_MAX};
use super::model::{self, Listed, OrgRef, Proposal, Step};
use super::participation;
use super::workflow::State;
use crate::attachments::Owner;
use crate::error::Result;
use crate::refusal::Refusal;
use crate::web::json;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The state as the API shows it: a draft is never public, so `draft` is not among the values.
impl utoipa::PartialSchema for State {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(
                State::ALL
                    .into_iter()
                    .filter(|s| s.is_public())
                    .map(State::as_str),
            ))
            .description(Some("A public proposal's state (a draft is never public)."))
            .into()
    }
}

impl ToSchema for State {
    fn name() -> std::borrow::Cow<'static, str> {
        "ProposalState".into()
    }
}

/// The organisation a proposal is made in the name of.
#[derive(Serialize, ToSchema)]
pub struct OrganisationJson {
    #[schema(value_type = String, format = "uuid", example = "6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
    pub id: Uuid,
    pub name: String,
    /// Whether the city has verified the organisation.
    pub verified: bool,
}

/// A proposal in the list.
#[derive(Serialize, ToSchema)]
pub struct ProposalSummary {
    #[schema(value_type = String, format = "uuid", example = "6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
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

/// A file attached to a public proposal (PDF or an image).
#[derive(Serialize, ToSchema)]
pub struct AttachmentJson {
    /// The file's name as shown (Japanese kept).
    #[schema(example = "計画書.pdf")]
    pub name: String,
    /// Its type, decided from its content.
    #[serde(rename = "type")]
    #[schema(example = "application/pdf")]
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Where to download it.
    #[schema(
        example = "/attachments/0b7d7c0e-3f0a-4c1e-9a53-2f0f3c9a1b2c/%E8%A8%88%E7%94%BB%E6%9B%B8.pdf"
    )]
    pub url: String,
}

/// A public proposal.
#[derive(Serialize, ToSchema)]
pub struct ProposalJson {
    #[schema(value_type = String, format = "uuid", example = "6c0d3c1e-0d55-4a7e-9f39-1d2a3c4b5e6f")]
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
    /// Attached files, oldest first.
    pub attachments: Vec<AttachmentJson>,
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
        attachments: Vec::new(),
    }
}

/// Public proposals, 20 a page (newest first unless `sort` says otherwise); follow `next` for more.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "proposals", operation_id = "list_proposals",
    params(
        ("measure" = Option<String>, Query, description = "Only proposals answering this measure", example = "5-1",
            pattern = r"^[1-9]-[1-9][0-9]?$"),
        ("state" = Option<State>, Query, description = "Only proposals in this state (any other value, `draft` included, is refused with 400)"),
        ("organisation" = Option<String>, Query, format = "uuid", description = "Only proposals made in this organisation's name (its UUID)"),
        ("q" = Option<String>, Query, max_length = 100, description = "Words in the title or summary (up to 100 characters)", example = "子育て"),
        ("sort" = Option<Sort>, Query, description = "`newest` (default), `supported` (most supports first) or `decided` (decided proposals, latest decision first)"),
        ("before" = Option<String>, Query, description = "Cursor from the `next` link of the previous page",
            pattern = r"^[0-9]{1,9}_-?[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    ),
    responses(
        (status = 200, description = "A page of public proposals", body = ProposalList),
        (status = 400, description = "Malformed filter, sort or cursor, or an empty one", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    exactly_as_documented(&query)?;
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
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| filter.next_href("/api/v1/proposals", last));
    json(
        &req,
        &ProposalList {
            proposals: rows.iter().map(|p| summary(p, &counts)).collect(),
            next,
        },
    )
}

/// The API takes its parameters as documented. The list page's form sends the filters it
/// leaves alone as empty fields and `parse_filter` forgives blanks around a value; a client
/// of the API is told instead, so no value the OpenAPI document refuses is ever taken.
fn exactly_as_documented(query: &ListQuery) -> Result<()> {
    let filters = [
        ("measure", &query.measure),
        ("state", &query.state),
        ("organisation", &query.organisation),
        ("sort", &query.sort),
        ("before", &query.before),
    ];
    for (name, value) in filters {
        match value.as_deref() {
            Some("") => {
                return Err(Refusal::new("msg.proposals_api_empty")
                    .with("name", name)
                    .into())
            }
            Some(v) if v.trim() != v => {
                return Err(Refusal::new("msg.proposals_api_spaces")
                    .with("name", name)
                    .into())
            }
            _ => {}
        }
    }
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.chars().count() > SEARCH_MAX)
    {
        return Err(Refusal::new("msg.proposals_api_search_long")
            .with("max", SEARCH_MAX)
            .into());
    }
    Ok(())
}

/// One public proposal with its timeline. A draft answers 404, as an unknown id does.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals", operation_id = "get_proposal",
    params(("id" = String, Path, format = "uuid", description = "The proposal's id (a UUID)")),
    responses(
        (status = 200, description = "The proposal", body = ProposalJson),
        (status = 400, description = "Malformed id", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public proposal", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    // No viewer: a draft is missing here even for its author.
    let (proposal, timeline, standing, attachments) = state
        .db(move |conn| {
            let (proposal, timeline) = model::find(conn, id, None)?;
            let standing = participation::standing(conn, id, None)?;
            let attachments = crate::attachments::model::list(conn, &Owner::proposal(id))?;
            Ok((proposal, timeline, standing, attachments))
        })
        .await?;
    let mut body = self::proposal(&proposal, &timeline, (standing.supports, standing.comments));
    body.attachments = attachments
        .iter()
        .map(|a| AttachmentJson {
            name: a.filename.clone(),
            content_type: a.kind.content_type().to_owned(),
            size: a.byte_size,
            url: a.href(),
        })
        .collect();
    json(&req, &body)
}
