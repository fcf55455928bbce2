//! Draft decisions (決定の下書き): a decision (採択・不採択) and its public reason written by a
//! reviewer and kept unpublished — no state change, no email, never on a public page or the API
//! — until staff publish it, alone or in a chosen set (`crate::staff::answers`). Publishing
//! runs the workflow's transition through [`review::act`], so the state machine, the emails and
//! the audit are exactly those of a decision taken on the proposal's page.

use super::changes::Rejected;
use super::model::{responsible_departments, responsible_departments_of};
use super::review::{self, Op, StaffActor};
use super::workflow::{Action, Actor, State};
use crate::auth::roles::Grant;
use crate::db::schema::{proposal_decision_drafts as dd, proposals as p};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// The decisions a draft may hold.
pub const DECISIONS: [Action; 2] = [Action::Adopt, Action::Reject];

/// A decision written, not yet published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub action: Action,
    pub reason: String,
}

/// The draft decision of proposal `id`, if any. STAFF PAGES ONLY.
pub fn draft(conn: &mut PgConnection, id: Uuid) -> Result<Option<Draft>> {
    let row: Option<(String, String)> = dd::table
        .find(id)
        .select((dd::action, dd::reason))
        .first(conn)
        .optional()?;
    row.map(|(action, reason)| {
        Ok(Draft {
            action: action
                .parse()
                .map_err(|e: Refusal| Error::Internal(e.to_string()))?,
            reason,
        })
    })
    .transpose()
}

/// Refuses anyone but an admin or a reviewer of a department responsible for proposal `id`.
fn authorise(conn: &mut PgConnection, grants: &[Grant], id: Uuid) -> Result<()> {
    let submitted: Option<DateTime<Utc>> = p::table
        .find(id)
        .select(p::submitted_at)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    if submitted.is_none() {
        return Err(Error::NotFound);
    }
    let responsible = responsible_departments(conn, id)?;
    if review::actor_for(grants, &responsible) == Actor::Other {
        return Err(Error::forbidden(Refusal::new(
            "msg.proposal_review_refused",
        )));
    }
    Ok(())
}

/// Keeps (or replaces) the draft decision of proposal `id`. The reason may still be empty: it
/// is required when the draft is published, as for any decision.
pub fn save(
    conn: &mut PgConnection,
    staff: &StaffActor<'_>,
    id: Uuid,
    draft: &Draft,
) -> Result<()> {
    if !DECISIONS.contains(&draft.action) {
        return Err(Error::Refused(Refusal::new("msg.decision_draft_action")));
    }
    conn.transaction(|conn| {
        authorise(conn, staff.grants, id)?;
        diesel::insert_into(dd::table)
            .values((
                dd::proposal_id.eq(id),
                dd::action.eq(draft.action.as_str()),
                dd::reason.eq(&draft.reason),
                dd::author_id.eq(staff.id),
            ))
            .on_conflict(dd::proposal_id)
            .do_update()
            .set((
                dd::action.eq(draft.action.as_str()),
                dd::reason.eq(&draft.reason),
                dd::author_id.eq(staff.id),
                dd::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        crate::audit::record(
            conn,
            crate::audit::Entry {
                actor: Some(staff.id),
                action: "proposal.draft_decision",
                record: Some(("proposal", id.to_string())),
                ip: staff.ip,
                details: json!({ "action": draft.action.as_str() }),
            },
        )
    })
}

/// Publishes the draft decision of proposal `id`: the workflow's transition on the proposal as
/// it is now (its row locked), with the draft's reason, its emails through the outbox, and the
/// draft gone. Refused as the transition would be (wrong state now, no reason, not a reviewer).
pub fn publish(
    conn: &mut PgConnection,
    staff: &StaffActor<'_>,
    id: Uuid,
) -> Result<State, Rejected> {
    conn.transaction(|conn| {
        let draft = draft(conn, id)?.ok_or(Error::Refused(Refusal::new("msg.draft_gone")))?;
        let version: i32 = p::table
            .find(id)
            .select(p::version)
            .for_update()
            .first(conn)?;
        let op = Op::Transition {
            action: draft.action,
            reason: Some(draft.reason),
        };
        let state = review::act(conn, staff, id, version, op)?;
        diesel::delete(dd::table.find(id)).execute(conn)?;
        Ok(state)
    })
}

/// A draft decision waiting to be published, as the drafts page lists it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: Uuid,
    pub title: String,
    pub state: State,
    pub draft: Draft,
    pub updated_at: DateTime<Utc>,
}

/// The draft decisions `grants` may publish (an admin's: all), oldest first.
pub fn pending(conn: &mut PgConnection, grants: &[Grant]) -> Result<Vec<Pending>> {
    let rows: Vec<(Uuid, String, String, String, String, DateTime<Utc>)> = dd::table
        .inner_join(p::table)
        .order((dd::updated_at, dd::proposal_id))
        .select((
            p::id,
            p::title,
            p::state,
            dd::action,
            dd::reason,
            dd::updated_at,
        ))
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.0).collect();
    let responsible = responsible_departments_of(conn, &ids)?;
    let mut out = Vec::new();
    for (id, title, state, action, reason, updated_at) in rows {
        let departments = responsible.get(&id).map_or(&[][..], Vec::as_slice);
        if review::actor_for(grants, departments) == Actor::Other {
            continue;
        }
        let bad = |e: Refusal| Error::Internal(e.to_string());
        out.push(Pending {
            id,
            title,
            state: state.parse().map_err(bad)?,
            draft: Draft {
                action: action.parse().map_err(bad)?,
                reason,
            },
            updated_at,
        });
    }
    Ok(out)
}

/// What a person is told of a refused publication.
pub fn refusal(rejected: Rejected) -> Result<Refusal> {
    match rejected {
        Rejected::Conflict => Ok(Refusal::new(review::CONFLICT)),
        Rejected::Field { message, .. } => Ok(message),
        Rejected::Other(Error::Refused(refusal)) => Ok(refusal),
        Rejected::Other(Error::Forbidden(_)) => Ok(Refusal::new("msg.proposal_review_refused")),
        Rejected::Other(Error::NotFound) => Ok(Refusal::new("msg.draft_gone")),
        Rejected::Other(e) => Err(e),
    }
}
