//! After the meeting: how many came and which of the registered, the minutes by topic and
//! their publication, and the proposals born in it (a public proposal linked, or a point
//! raised turned into a proposal draft of the staff member's own to finish and submit).

use super::work::{after_change, refused};
use super::{authorise, run};
use crate::auth::staff::Staff;
use crate::error::Result;
use crate::meetings::fields;
use crate::meetings::record;
use crate::web::forms::FormPage;
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// The value of `name` in a posted form ("" when absent).
fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /staff/meetings/{id}/attendance`: the number who came and the registrations ticked
/// as come (`came`, repeated).
pub async fn attendance(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    let pairs = form.into_inner();
    check_csrf(&req, value(&pairs, "csrf"))?;
    let mut page = FormPage::default();
    page.keep("count", value(&pairs, "count"));
    let came: Vec<i32> = pairs
        .iter()
        .filter(|(n, _)| n == "came")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let Some(count) = page.check("count", fields::attendance(value(&pairs, "count"))) else {
        return refused(&req, &hb, &state, &staff, id, "attendance", page).await;
    };
    let done = run(&req, &state, &staff, move |conn, at, _| {
        record::attendance(conn, id, count, &came, at)
    })
    .await?;
    after_change(&req, &hb, &state, &staff, id, "attendance", page, done).await
}

/// `POST /staff/meetings/{id}/minutes`: the summary and topics saved, and with `publish`
/// published.
pub async fn minutes(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    let pairs = form.into_inner();
    check_csrf(&req, value(&pairs, "csrf"))?;
    let mut page = FormPage::default();
    page.keep("summary", value(&pairs, "summary"));
    let summary = page.check(
        "summary",
        crate::consultations::fields::text(
            value(&pairs, "summary"),
            "label.meeting_minutes_summary",
            20000,
            false,
        ),
    );
    let topics = fields::topics(&pairs, &mut page);
    let publish = !value(&pairs, "publish").is_empty();
    let (Some(summary), Some(topics)) = (summary, topics) else {
        return refused(&req, &hb, &state, &staff, id, "minutes", page).await;
    };
    let done = run(&req, &state, &staff, move |conn, at, _| {
        record::minutes(conn, id, summary.as_deref(), &topics, publish, at)
    })
    .await?;
    after_change(&req, &hb, &state, &staff, id, "minutes", page, done).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ProposalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    proposal: String,
}

/// `POST /staff/meetings/{id}/proposals`: a public proposal (its id or address) linked as
/// born in the meeting.
pub async fn link_proposal(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ProposalForm>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    check_csrf(&req, &form.csrf)?;
    let mut page = FormPage::default();
    page.keep("proposal", &form.proposal);
    let Some(proposal) = page.check("proposal", record::proposal_id(&form.proposal)) else {
        return refused(&req, &hb, &state, &staff, id, "proposal", page).await;
    };
    let done = run(&req, &state, &staff, move |conn, at, _| {
        record::link_proposal(conn, id, proposal, at)
    })
    .await?;
    after_change(&req, &hb, &state, &staff, id, "proposal", page, done).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    topic: String,
}

/// `POST /staff/meetings/{id}/proposals/draft`: topic `topic` of the minutes becomes a
/// proposal draft of the staff member's own, linked to the meeting; on to its form.
pub async fn draft_proposal(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<DraftForm>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    check_csrf(&req, &form.csrf)?;
    let number: i32 = form.topic.trim().parse().unwrap_or(0);
    let done = run(&req, &state, &staff, move |conn, at, _| {
        record::draft_proposal(conn, id, number, at)
    })
    .await?;
    match done {
        Ok(proposal) => Ok(see_other(&format!("/proposals/{proposal}/edit"))),
        refusal => {
            after_change(
                &req,
                &hb,
                &state,
                &staff,
                id,
                "draft",
                FormPage::default(),
                refusal,
            )
            .await
        }
    }
}
