//! Answering at scale: the answer templates' pages (`crate::answers::staff`), a proposal's
//! draft decision (`crate::proposals::staff::save_draft`), and `/staff/drafts` (回答の一括公開),
//! where staff publish a chosen set of draft answers — proposal decisions and consultation
//! result items — in one transaction: all of them, each with its own email, or none, with the
//! page saying which rows could not be published and why.

use crate::answers::staff as templates;
use crate::auth::roles::{allows, Action, Grant};
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::consultations::model::result::{self as results, PendingItem};
use crate::error::{Error, Result};
use crate::proposals::decisions::{self, Pending};
use crate::proposals::review::{self, StaffActor};
use crate::refusal::Refusal;
use crate::web::i18n::{said, t, Lang};
use crate::web::present::date_time;
use crate::web::visitor::check_csrf;
use crate::web::{render_page_as, see_other, staff_crumbs, AppState, Templates};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// The routes of answer templates, draft decisions and the drafts page.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/answer-templates", |r| r.to(templates::list)),
    post("/staff/answer-templates", |r| r.to(templates::create)),
    get("/staff/answer-templates/{id}", |r| r.to(templates::edit)),
    post("/staff/answer-templates/{id}", |r| r.to(templates::update)),
    post("/staff/answer-templates/{id}/delete", |r| {
        r.to(templates::delete)
    }),
    post("/staff/proposals/{id}/draft", |r| {
        r.to(crate::proposals::staff::save_draft)
    }),
    get("/staff/drafts", |r| r.to(list)),
    post("/staff/drafts/publish", |r| r.to(publish)),
];

/// Reviewers (of any department) and admins: the people who answer.
fn require(staff: &Staff) -> Result<()> {
    staff.require(Action::ViewStaffArea)?;
    if review::reviewed_departments(&staff.grants).is_some_and(|d| d.is_empty()) {
        return Err(Error::forbidden(Refusal::new("msg.drafts_refused")));
    }
    Ok(())
}

/// Whether `grants` work the consultation of this draft item.
fn works(grants: &[Grant], item: &PendingItem) -> bool {
    allows(
        grants,
        Action::WorkConsultation {
            department: item.department,
        },
    )
}

/// The drafts `grants` may publish.
fn drafts(conn: &mut PgConnection, grants: &[Grant]) -> Result<(Vec<Pending>, Vec<PendingItem>)> {
    let proposals = decisions::pending(conn, grants)?;
    let items = results::pending_items(conn)?
        .into_iter()
        .filter(|item| works(grants, item))
        .collect();
    Ok((proposals, items))
}

/// One row the person chose: a proposal's decision or a result item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chosen {
    Proposal(Uuid),
    Item(i32),
}

impl Chosen {
    /// The checkbox's value (`proposal:…` / `item:…`).
    fn value(&self) -> String {
        match self {
            Chosen::Proposal(id) => format!("proposal:{id}"),
            Chosen::Item(id) => format!("item:{id}"),
        }
    }

    fn parse(value: &str) -> Option<Chosen> {
        match value.split_once(':')? {
            ("proposal", id) => id.parse().ok().map(Chosen::Proposal),
            ("item", id) => id.parse().ok().map(Chosen::Item),
            _ => None,
        }
    }
}

/// What the page shows after a refused publication: the rows chosen, and why some could not be
/// published.
#[derive(Default)]
struct Outcome {
    chosen: Vec<Chosen>,
    refused: Vec<(Chosen, Refusal)>,
    message: Option<Refusal>,
}

fn row_json(
    lang: Lang,
    chosen: Chosen,
    label: String,
    title: String,
    text: &str,
    at: DateTime<Utc>,
    outcome: &Outcome,
) -> Value {
    let value = chosen.value();
    let why = outcome
        .refused
        .iter()
        .find(|(c, _)| *c == chosen)
        .map(|(_, r)| said(lang, &r.clone().into()));
    json!({
        "value": value,
        "field_id": value.replace(':', "-"),
        "label": label,
        "title": title,
        "text": text,
        "at": date_time(lang, at),
        "checked": outcome.chosen.contains(&chosen),
        "refused": why,
    })
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    staff: &Staff,
    outcome: Outcome,
    done: Option<usize>,
) -> Result<HttpResponse> {
    require(staff)?;
    let grants = staff.grants.clone();
    let (proposals, items) = state.db(move |conn| drafts(conn, &grants)).await?;
    let lang = Lang::of(req);
    let proposal_rows: Vec<Value> = proposals
        .iter()
        .map(|p| {
            let label = format!(
                "{} → {}",
                t(lang, p.state.label_key()),
                t(
                    lang,
                    &format!("proposals.button.{}", p.draft.action.as_str())
                )
            );
            row_json(
                lang,
                Chosen::Proposal(p.id),
                label,
                p.title.clone(),
                &p.draft.reason,
                p.updated_at,
                &outcome,
            )
        })
        .collect();
    let item_rows: Vec<Value> = items
        .iter()
        .map(|i| {
            let label = format!("No. {} {}", i.number, i.summary);
            row_json(
                lang,
                Chosen::Item(i.id),
                label,
                i.consultation_title.clone(),
                &i.response,
                i.at,
                &outcome,
            )
        })
        .collect();
    let title = t(lang, "staff.drafts.title");
    let status = if outcome.refused.is_empty() && outcome.message.is_none() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let context = json!({
        "proposals": proposal_rows,
        "items": item_rows,
        "empty": proposals.is_empty() && items.is_empty(),
        "message": outcome.message.map(|m| said(lang, &m.into())),
        "refused_count": outcome.refused.len(),
        "done": done.map(|n| crate::web::i18n::translate(lang, "staff.drafts.published", &[("count", n.to_string())])),
    });
    render_page_as(
        req,
        hb,
        "staff/drafts",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        status,
    )
}

#[derive(serde::Deserialize)]
pub struct DoneQuery {
    published: Option<usize>,
}

/// `GET /staff/drafts`: the draft answers this person may publish.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    render(
        &req,
        &state,
        &hb,
        &staff,
        Outcome::default(),
        query.published,
    )
    .await
}

/// Publishes every chosen draft in one transaction; if any is refused, rolls all back and
/// returns each refusal.
fn publish_all(
    conn: &mut PgConnection,
    staff: &StaffActor<'_>,
    now: DateTime<Utc>,
    chosen: &[Chosen],
) -> Result<Vec<(Chosen, Refusal)>> {
    let mut refused = Vec::new();
    let outcome = conn.transaction(|conn| {
        let allowed: Vec<i32> = results::pending_items(conn)?
            .into_iter()
            .filter(|item| works(staff.grants, item))
            .map(|item| item.id)
            .collect();
        for row in chosen {
            let result = match row {
                Chosen::Proposal(id) => match decisions::publish(conn, staff, *id) {
                    Ok(_) => Ok(()),
                    Err(rejected) => Err(decisions::refusal(rejected)?),
                },
                Chosen::Item(id) if allowed.contains(id) => {
                    results::publish_item(conn, *id, now, staff.id, staff.ip, staff.public_url)?
                }
                Chosen::Item(_) => Err(Refusal::new("msg.draft_gone")),
            };
            if let Err(refusal) = result {
                refused.push((row.clone(), refusal));
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            // Nothing of the set is kept: no answer published, no email in the outbox.
            Err(Error::Refused(Refusal::new("msg.drafts_none_published")))
        }
    });
    match outcome {
        Ok(()) => Ok(Vec::new()),
        Err(Error::Refused(_)) if !refused.is_empty() => Ok(refused),
        Err(e) => Err(e),
    }
}

/// `POST /staff/drafts/publish`: the chosen drafts (`chosen`, repeated), all or none.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    require(&staff)?;
    let pairs = form.into_inner();
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    check_csrf(&req, csrf)?;
    let raw: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "chosen")
        .map(|(_, v)| v.as_str())
        .collect();
    let chosen: Option<Vec<Chosen>> = raw.iter().map(|v| Chosen::parse(v)).collect();
    let message = match &chosen {
        None => Some(Refusal::new("msg.form_unreadable")),
        Some(c) if c.is_empty() => Some(Refusal::new("msg.drafts_none_chosen")),
        Some(_) => None,
    };
    let chosen = chosen.unwrap_or_default();
    if message.is_some() {
        let outcome = Outcome {
            chosen,
            refused: Vec::new(),
            message,
        };
        return render(&req, &state, &hb, &staff, outcome, None).await;
    }
    let (actor, grants, ip, public_url, now) = (
        staff.id(),
        staff.grants.clone(),
        crate::web::proxy::client_ip(&req),
        state.public_url.clone(),
        state.clock.now(),
    );
    let rows = chosen.clone();
    let refused = state
        .db(move |conn| {
            let who = StaffActor {
                id: actor,
                grants: &grants,
                ip: ip.as_deref(),
                public_url: &public_url,
            };
            publish_all(conn, &who, now, &rows)
        })
        .await?;
    if refused.is_empty() {
        return Ok(see_other(&format!(
            "/staff/drafts?published={}",
            chosen.len()
        )));
    }
    let outcome = Outcome {
        chosen,
        refused,
        message: Some(Refusal::new("msg.drafts_none_published")),
    };
    render(&req, &state, &hb, &staff, outcome, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_rows_read_back_and_nothing_else_is_read() {
        let id = Uuid::nil();
        for row in [Chosen::Proposal(id), Chosen::Item(7)] {
            assert_eq!(Chosen::parse(&row.value()), Some(row));
        }
        for bad in ["", "proposal:", "proposal:x", "item:x", "other:1", "7"] {
            assert_eq!(Chosen::parse(bad), None, "{bad}");
        }
    }
}
