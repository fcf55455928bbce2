//! The proposer's changes to a proposal: drafts, edits with optimistic locking, and the
//! proposer's transitions through the workflow, each in one transaction with its public
//! timeline row and audit entry.

use super::fields::{Budget, LongText, Measures, Summary, Title};
use super::model::{editable, not_editable, state_of};
use super::workflow::{self, Action, Actor, State};
use crate::audit::{self, Entry};
use crate::db::schema::{
    measure_proposal_counts as mpc, measures, proposal_measures as pm, proposal_transitions as pt,
    proposals as p,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// What the form produced, every field parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub title: Title,
    pub summary: Summary,
    pub local_issue: LongText,
    pub activity_plan: LongText,
    pub expected_effect: LongText,
    pub partners: LongText,
    pub period: LongText,
    pub budget: Budget,
    pub measures: Measures,
    /// Proposed in the name of this organisation.
    pub organisation: Option<Uuid>,
}

/// Why a change was not made, for the form to say next to the field or at its top.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// A field's value is refused by what the database knows (a measure that does not exist, an
    /// organisation the author cannot speak for).
    #[error("{message}")]
    Field {
        field: &'static str,
        message: Refusal,
    },
    /// Someone changed the proposal since the form was opened.
    #[error("conflict")]
    Conflict,
    #[error(transparent)]
    Other(#[from] Error),
}

impl From<diesel::result::Error> for Rejected {
    fn from(e: diesel::result::Error) -> Self {
        Rejected::Other(Error::Database(e))
    }
}

/// Why a change was refused: someone else changed the proposal since the form was opened.
pub const CONFLICT: &str = "msg.proposal_conflict";

/// Checks the measures exist and the author may speak for the organisation.
fn check_references(
    conn: &mut PgConnection,
    author: Uuid,
    content: &Content,
) -> Result<(), Rejected> {
    let wanted: Vec<String> = content
        .measures
        .codes()
        .iter()
        .map(ToString::to_string)
        .collect();
    let found: Vec<String> = measures::table
        .filter(measures::code.eq_any(&wanted))
        .select(measures::code)
        .load(conn)?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|c| !found.contains(c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Rejected::Field {
            field: "measures",
            message: Refusal::new("msg.measure_unknown").with("codes", missing.join("」「")),
        });
    }
    if let Some(org) = content.organisation {
        if !crate::orgs::can_act_for(conn, author, org)? {
            return Err(Rejected::Field {
                field: "organisation",
                message: Refusal::new("msg.organisation_not_member"),
            });
        }
    }
    Ok(())
}

/// Replaces the proposal's measures. For a submitted proposal (a revision) the triggers change
/// the measures' public counts, row by row in the order the statements touch them; two
/// revisions swapping the same two measures would then wait for each other. So the count rows
/// of the old and new measures are locked first, in code order, as every other writer of
/// them does (`measure_proposal_counts_add`), and the new rows go in in code order too.
fn write_measures(conn: &mut PgConnection, id: Uuid, content: &Content) -> Result<(), Rejected> {
    let mut rows: Vec<_> = content
        .measures
        .codes()
        .iter()
        .enumerate()
        .map(|(i, code)| (code.to_string(), i as i32))
        .collect();
    rows.sort();
    let old: Vec<String> = pm::table
        .filter(pm::proposal_id.eq(id))
        .select(pm::measure_code)
        .load(conn)?;
    let touched: Vec<&str> = old
        .iter()
        .map(String::as_str)
        .chain(rows.iter().map(|(code, _)| code.as_str()))
        .collect();
    mpc::table
        .filter(mpc::measure_code.eq_any(touched))
        .order(mpc::measure_code)
        .select(mpc::measure_code)
        .for_update()
        .load::<String>(conn)?;
    diesel::delete(pm::table.filter(pm::proposal_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(code, position)| {
            (
                pm::proposal_id.eq(id),
                pm::measure_code.eq(code),
                pm::position.eq(position),
            )
        })
        .collect();
    diesel::insert_into(pm::table).values(rows).execute(conn)?;
    Ok(())
}

/// Saves a new draft by `author` (a verified account; the caller checked). Returns its id.
pub fn create(
    conn: &mut PgConnection,
    author: Uuid,
    ip: Option<&str>,
    content: &Content,
) -> Result<Uuid, Rejected> {
    conn.transaction(|conn| {
        check_references(conn, author, content)?;
        let id = Uuid::new_v4();
        diesel::insert_into(p::table)
            .values((
                p::id.eq(id),
                p::author_id.eq(author),
                p::organisation_id.eq(content.organisation),
                p::state.eq(State::Draft.as_str()),
                p::title.eq(content.title.as_str()),
                p::summary.eq(content.summary.as_str()),
                p::local_issue.eq(content.local_issue.as_str()),
                p::activity_plan.eq(content.activity_plan.as_str()),
                p::expected_effect.eq(content.expected_effect.as_str()),
                p::partners.eq(content.partners.as_str()),
                p::period.eq(content.period.as_str()),
                p::budget_yen.eq(content.budget.0),
            ))
            .execute(conn)?;
        write_measures(conn, id, content)?;
        audit::record(
            conn,
            Entry {
                actor: Some(author),
                action: "proposal.create",
                record: Some(("proposal", id.to_string())),
                ip,
                details: json!({}),
            },
        )?;
        Ok(id)
    })
}

/// Locks the proposal's row for the rest of the transaction: (author, state, version).
/// A draft is reported missing to anyone but its author, so its existence does not leak.
fn lock(conn: &mut PgConnection, id: Uuid, actor: Uuid) -> Result<(Uuid, State, i32)> {
    let (author, state, version, submitted): (Uuid, String, i32, Option<DateTime<Utc>>) = p::table
        .find(id)
        .select((p::author_id, p::state, p::version, p::submitted_at))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    if submitted.is_none() && author != actor {
        return Err(Error::NotFound);
    }
    Ok((author, state_of(&state)?, version))
}

/// Saves the author's changes, if nobody changed the proposal since `version` was read.
pub fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    ip: Option<&str>,
    id: Uuid,
    version: i32,
    content: &Content,
) -> Result<(), Rejected> {
    conn.transaction(|conn| {
        let (author, state, current) = lock(conn, id, actor)?;
        if author != actor {
            return Err(Error::forbidden(Refusal::new("msg.proposal_author_only")).into());
        }
        if !editable(state) {
            return Err(not_editable(state).into());
        }
        if current != version {
            return Err(Rejected::Conflict);
        }
        check_references(conn, author, content)?;
        diesel::update(p::table.find(id))
            .set((
                p::organisation_id.eq(content.organisation),
                p::title.eq(content.title.as_str()),
                p::summary.eq(content.summary.as_str()),
                p::local_issue.eq(content.local_issue.as_str()),
                p::activity_plan.eq(content.activity_plan.as_str()),
                p::expected_effect.eq(content.expected_effect.as_str()),
                p::partners.eq(content.partners.as_str()),
                p::period.eq(content.period.as_str()),
                p::budget_yen.eq(content.budget.0),
                p::version.eq(current + 1),
                p::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        write_measures(conn, id, content)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "proposal.update",
                record: Some(("proposal", id.to_string())),
                ip,
                details: json!({ "version": current + 1 }),
            },
        )?;
        Ok(())
    })
}

/// Who takes a proposer's action, from where.
pub struct Proposer<'a> {
    pub id: Uuid,
    pub ip: Option<&'a str>,
    pub public_url: &'a str,
}

/// A proposer's action on a proposal: which, the version the page showed (when the form
/// carried one), and the public reason.
pub struct Move<'a> {
    pub action: Action,
    pub version: Option<i32>,
    pub reason: Option<&'a str>,
}

/// Takes the move on the proposal as `proposer` (the proposer's actions in this slice), if the
/// workflow allows it: the state changes, the version moves on, and the public timeline and
/// the audit log get their rows, all in one transaction. The move's version, when the form
/// carried one, must still be current.
pub fn transition(
    conn: &mut PgConnection,
    proposer: &Proposer<'_>,
    id: Uuid,
    step: Move<'_>,
) -> Result<State, Rejected> {
    let (actor, action) = (proposer.id, step.action);
    conn.transaction(|conn| {
        let (author, state, current) = lock(conn, id, actor)?;
        let role = if author == actor {
            Actor::Proposer
        } else {
            Actor::Other
        };
        let to = workflow::apply(state, action, role, step.reason).map_err(Error::from)?;
        if step.version.is_some_and(|v| v != current) {
            return Err(Rejected::Conflict);
        }
        let reason = step.reason.map(str::trim).filter(|r| !r.is_empty());
        move_state(conn, id, current, to, action)?;
        diesel::insert_into(pt::table)
            .values((
                pt::proposal_id.eq(id),
                pt::from_state.eq(state.as_str()),
                pt::to_state.eq(to.as_str()),
                pt::action.eq(action.as_str()),
                pt::actor_id.eq(actor),
                pt::actor_role.eq("proposer"),
                pt::reason.eq(reason),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: &format!("proposal.{}", action.as_str()),
                record: Some(("proposal", id.to_string())),
                ip: proposer.ip,
                details: json!({ "from": state.as_str(), "to": to.as_str() }),
            },
        )?;
        super::emails::after_proposer_action(conn, proposer.public_url, id, action)?;
        Ok(to)
    })
}

/// The proposal's row moves to `to` at the next version; a first submission is dated.
fn move_state(
    conn: &mut PgConnection,
    id: Uuid,
    current: i32,
    to: State,
    action: Action,
) -> Result<()> {
    let mut changed = diesel::update(p::table.find(id))
        .set((
            p::state.eq(to.as_str()),
            p::version.eq(current + 1),
            p::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    if action == Action::Submit {
        changed += diesel::update(p::table.find(id).filter(p::submitted_at.is_null()))
            .set(p::submitted_at.eq(diesel::dsl::now))
            .execute(conn)?;
    }
    debug_assert!(changed >= 1);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_conflict_message_has_english() {
        crate::web::i18n::assert_english([crate::refusal::Refusal::new(super::CONFLICT)]);
    }
}
