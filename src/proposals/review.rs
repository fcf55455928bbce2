//! The staff review of proposals (市民提案の審査): who acts as a reviewer of a proposal, and the
//! staff actions (assign, the workflow's transitions, internal notes, public responses). Every
//! action runs in one transaction: the proposal's row locked (`FOR UPDATE`), the version the
//! form was rendered with checked, the change, its public timeline row when the state moves,
//! the emails through the outbox (`emails`) and the audit entry. The queue is in `queue`.
//!
//! Internal notes are read only by [`notes`], which only the staff page calls.

use super::changes::Rejected;
use super::emails::{notify_followers, notify_proposer, staff_link, News, RESPONSE_WHAT};
use super::model::responsible_departments;
use super::workflow::{self, Action, Actor, State};
use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::auth::roles::allows;
use crate::auth::roles::Action as StaffAction;
use crate::auth::roles::Grant;
use crate::auth::roles::Role;
use crate::db::schema::{
    accounts, departments, measure_departments as md, proposal_notes as pn,
    proposal_responses as pr, proposal_transitions as pt, proposals as p, staff_roles as sr,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Why a staff action was refused: another person changed the proposal after the staff page
/// was opened.
pub const CONFLICT: &str = "msg.proposal_review_conflict";

/// Longest note, response or reason.
pub const BODY_MAX: usize = 4000;

/// Whether the grants include the global admin role.
pub fn is_admin(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role == Role::Admin)
}

/// The departments whose proposals these grants review: `None` means all (an admin).
pub fn reviewed_departments(grants: &[Grant]) -> Option<Vec<i32>> {
    if is_admin(grants) {
        return None;
    }
    let mut departments: Vec<i32> = grants
        .iter()
        .filter(|g| g.role == Role::Reviewer)
        .filter_map(|g| g.department)
        .collect();
    departments.sort_unstable();
    departments.dedup();
    Some(departments)
}

/// The actor a staff member is for a proposal whose measures make `responsible` departments
/// responsible: Admin for an admin, Reviewer for a reviewer of one of those departments, else
/// Other (reviewers of other departments included).
pub fn actor_for(grants: &[Grant], responsible: &[i32]) -> Actor {
    if is_admin(grants) {
        Actor::Admin
    } else if responsible
        .iter()
        .any(|d| allows(grants, StaffAction::ReviewProposals { department: *d }))
    {
        Actor::Reviewer
    } else {
        Actor::Other
    }
}

/// A body of text typed into a staff form: trimmed, 1–4000 characters; `what` is the i18n key
/// of its name.
pub fn parse_body(raw: &str, what: &'static str) -> Result<String, Refusal> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(Refusal::required(what));
    }
    if body.chars().count() > BODY_MAX {
        return Err(Refusal::too_long(what, BODY_MAX));
    }
    Ok(body.to_owned())
}

/// What a staff member does to a proposal.
#[derive(Debug, Clone)]
pub enum Op {
    /// Assign to this reviewer (a reviewer of a responsible department).
    Assign(Uuid),
    /// A workflow action, with the public reason (required for decisions and revision
    /// requests) or, for start work / complete, an optional public progress update.
    Transition {
        action: Action,
        reason: Option<String>,
    },
    /// An internal note (never public).
    Note(String),
    /// A public response.
    Respond(String),
}

impl Op {
    fn audit_name(&self) -> String {
        match self {
            Op::Assign(_) => "proposal.assign".into(),
            Op::Transition { action, .. } => format!("proposal.{}", action.as_str()),
            Op::Note(_) => "proposal.note".into(),
            Op::Respond(_) => "proposal.respond".into(),
        }
    }
}

/// Who acts, from where.
pub struct StaffActor<'a> {
    pub id: Uuid,
    pub grants: &'a [Grant],
    pub ip: Option<&'a str>,
    pub public_url: &'a str,
}

/// Whether `account` is a reviewer (verified, not deleted) of one of `departments`.
fn is_reviewer_of(conn: &mut PgConnection, account: Uuid, departments: &[i32]) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        sr::table
            .inner_join(accounts::table)
            .filter(sr::account_id.eq(account))
            .filter(sr::role.eq(Role::Reviewer.code()))
            .filter(sr::department_id.eq_any(departments))
            .filter(accounts::email_verified_at.is_not_null())
            .filter(accounts::deleted_at.is_null()),
    ))
    .get_result(conn)?)
}

/// Does `op` on the proposal as `staff`, if their role for this proposal allows it and nobody
/// changed it since `version` was read. Returns the state afterwards. One transaction: the row
/// locked, the change with its rows, the emails through the outbox, then the audit entry.
pub fn act(
    conn: &mut PgConnection,
    staff: &StaffActor<'_>,
    id: Uuid,
    version: i32,
    op: Op,
) -> Result<State, Rejected> {
    conn.transaction(|conn| {
        let review = authorise(conn, staff, id)?;
        // A form rendered before someone else's change is a conflict, whatever it asked for:
        // nothing is overwritten, and the person sees the proposal as it is now.
        if review.proposal.version != version {
            return Err(Rejected::Conflict);
        }
        let to = next_state(&review, &op)?;
        let details = persist(conn, &review, &op, to)?;
        notify(conn, &review, &op, to)?;
        audit::record(
            conn,
            Entry {
                actor: Some(staff.id),
                action: &op.audit_name(),
                record: Some(("proposal", id.to_string())),
                ip: staff.ip,
                details,
            },
        )?;
        Ok(to)
    })
}

/// The proposal as a staff action locked it.
struct Locked {
    author: Uuid,
    state: State,
    version: i32,
    title: String,
}

/// A staff action under way: who acts, on which proposal, as what actor of the workflow, and
/// the departments responsible for the proposal.
struct Review<'s, 'a> {
    staff: &'s StaffActor<'a>,
    id: Uuid,
    proposal: Locked,
    actor: Actor,
    responsible: Vec<i32>,
}

impl Review<'_, '_> {
    /// The role the public timeline names.
    fn role(&self) -> &'static str {
        if self.actor == Actor::Admin {
            "admin"
        } else {
            "reviewer"
        }
    }

    /// What the proposer and followers hear: the proposal now in `state`, `what` happened.
    fn news<'r>(&'r self, state: State, what: &'r str, message: Option<&'r str>) -> News<'r> {
        News {
            proposal: self.id,
            author: self.proposal.author,
            title: &self.proposal.title,
            state,
            what,
            message,
        }
    }

    /// The department a public response is given in: the first responsible one this person
    /// reviews (any, for an admin).
    fn department(&self) -> Option<i32> {
        self.responsible.iter().copied().find(|d| {
            self.actor == Actor::Admin
                || allows(
                    self.staff.grants,
                    StaffAction::ReviewProposals { department: *d },
                )
        })
    }
}

/// Locks the submitted proposal's row (a draft is missing to staff) and checks `staff` reviews
/// it: an admin, or a reviewer of a department responsible for one of its measures.
fn authorise<'s, 'a>(
    conn: &mut PgConnection,
    staff: &'s StaffActor<'a>,
    id: Uuid,
) -> Result<Review<'s, 'a>, Rejected> {
    let (author, state, version, title, submitted): (
        Uuid,
        String,
        i32,
        String,
        Option<DateTime<Utc>>,
    ) = p::table
        .find(id)
        .select((
            p::author_id,
            p::state,
            p::version,
            p::title,
            p::submitted_at,
        ))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let state: State = state
        .parse()
        .map_err(|e: Refusal| Error::Internal(e.to_string()))?;
    if submitted.is_none() {
        return Err(Error::NotFound.into());
    }
    let responsible = responsible_departments(conn, id)?;
    let actor = actor_for(staff.grants, &responsible);
    if actor == Actor::Other {
        return Err(Error::forbidden(Refusal::new("msg.proposal_review_refused")).into());
    }
    Ok(Review {
        staff,
        id,
        proposal: Locked {
            author,
            state,
            version,
            title,
        },
        actor,
        responsible,
    })
}

/// The state after `op`: a transition's, if the workflow allows it; the same state otherwise.
fn next_state(review: &Review<'_, '_>, op: &Op) -> Result<State, Rejected> {
    let state = review.proposal.state;
    Ok(match op {
        Op::Transition { action, reason } => {
            workflow::apply(state, *action, review.actor, reason.as_deref()).map_err(Error::from)?
        }
        _ => state,
    })
}

/// A transition's public reason, trimmed; none if blank.
fn reason_of(op: &Op) -> Option<&str> {
    match op {
        Op::Transition { reason, .. } => reason.as_deref().map(str::trim).filter(|r| !r.is_empty()),
        _ => None,
    }
}

/// Writes the change: the proposal's new state and version, then the rows of `op`. Returns the
/// details of the audit entry.
fn persist(
    conn: &mut PgConnection,
    review: &Review<'_, '_>,
    op: &Op,
    to: State,
) -> Result<serde_json::Value, Rejected> {
    let (id, current) = (review.id, review.proposal.version);
    let mut details = json!({ "version": current + 1 });
    diesel::update(p::table.find(id))
        .set((
            p::state.eq(to.as_str()),
            p::version.eq(current + 1),
            p::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    match op {
        Op::Assign(assignee) => {
            assign(conn, review, *assignee)?;
            details["assignee"] = json!(assignee.to_string());
        }
        Op::Transition { action, .. } => {
            record_transition(conn, review, *action, to, reason_of(op))?;
            details["from"] = json!(review.proposal.state.as_str());
            details["to"] = json!(to.as_str());
        }
        Op::Note(body) => {
            diesel::insert_into(pn::table)
                .values((
                    pn::proposal_id.eq(id),
                    pn::author_id.eq(review.staff.id),
                    pn::body.eq(body),
                ))
                .execute(conn)?;
        }
        Op::Respond(body) => respond(conn, review, body)?,
    }
    Ok(details)
}

/// The proposal goes to `assignee`, who must review one of its responsible departments.
fn assign(conn: &mut PgConnection, review: &Review<'_, '_>, assignee: Uuid) -> Result<()> {
    if !is_reviewer_of(conn, assignee, &review.responsible)? {
        return Err(Refusal::new("msg.proposal_assignee").into());
    }
    diesel::update(p::table.find(review.id))
        .set(p::assignee_id.eq(assignee))
        .execute(conn)?;
    Ok(())
}

/// The transition's public timeline row. Start work and complete carry an optional progress
/// update, published as a response; the other actions publish their reason with the transition.
fn record_transition(
    conn: &mut PgConnection,
    review: &Review<'_, '_>,
    action: Action,
    to: State,
    reason: Option<&str>,
) -> Result<()> {
    let progress = matches!(action, Action::StartWork | Action::Complete);
    diesel::insert_into(pt::table)
        .values((
            pt::proposal_id.eq(review.id),
            pt::from_state.eq(review.proposal.state.as_str()),
            pt::to_state.eq(to.as_str()),
            pt::action.eq(action.as_str()),
            pt::actor_id.eq(review.staff.id),
            pt::actor_role.eq(review.role()),
            pt::reason.eq(if progress { None } else { reason }),
        ))
        .execute(conn)?;
    if progress {
        if let Some(update) = reason {
            respond(conn, review, update)?;
        }
    }
    Ok(())
}

/// A public response of the city, in the reviewer's department.
fn respond(conn: &mut PgConnection, review: &Review<'_, '_>, body: &str) -> Result<()> {
    diesel::insert_into(pr::table)
        .values((
            pr::proposal_id.eq(review.id),
            pr::author_id.eq(review.staff.id),
            pr::department_id.eq(review.department()),
            pr::body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}

/// The emails of `op`, through the outbox: the assignee hears of the assignment; the proposer
/// of a transition or a response; the followers of a decision.
fn notify(conn: &mut PgConnection, review: &Review<'_, '_>, op: &Op, to: State) -> Result<()> {
    let public_url = review.staff.public_url;
    match op {
        Op::Assign(assignee) => {
            let link = staff_link(public_url, review.id);
            notify_account(
                conn,
                public_url,
                *assignee,
                "proposal_assigned",
                |_| json!({ "title": review.proposal.title, "link": link, "resubmitted": false }),
            )
        }
        Op::Transition { action, .. } => {
            let what = format!("proposals.action.{}", action.as_str());
            let news = review.news(to, &what, reason_of(op));
            notify_proposer(conn, public_url, &news)?;
            if matches!(action, Action::Adopt | Action::Reject) {
                notify_followers(conn, public_url, &news)?;
            }
            Ok(())
        }
        Op::Note(_) => Ok(()),
        Op::Respond(body) => {
            let news = review.news(to, RESPONSE_WHAT, Some(body));
            notify_proposer(conn, public_url, &news)
        }
    }
}

/// A public response, as the proposal's timeline shows it.
#[derive(Debug, Clone)]
pub struct Response {
    pub body: String,
    pub department: Option<String>,
    pub at: DateTime<Utc>,
}

/// The public responses of a proposal, oldest first. One query.
pub fn responses(conn: &mut PgConnection, proposal: Uuid) -> Result<Vec<Response>> {
    Ok(pr::table
        .left_join(departments::table)
        .filter(pr::proposal_id.eq(proposal))
        .order((pr::at, pr::id))
        .select((pr::body, departments::name.nullable(), pr::at))
        .load::<(String, Option<String>, DateTime<Utc>)>(conn)?
        .into_iter()
        .map(|(body, department, at)| Response {
            body,
            department,
            at,
        })
        .collect())
}

/// An internal note, for the staff page only.
#[derive(Debug, Clone)]
pub struct Note {
    pub body: String,
    pub author: String,
    pub at: DateTime<Utc>,
}

/// The internal notes of a proposal, oldest first. STAFF PAGE ONLY. One query.
pub fn notes(conn: &mut PgConnection, proposal: Uuid) -> Result<Vec<Note>> {
    Ok(pn::table
        .inner_join(accounts::table)
        .filter(pn::proposal_id.eq(proposal))
        .order((pn::at, pn::id))
        .select((pn::body, accounts::display_name, pn::at))
        .load::<(String, String, DateTime<Utc>)>(conn)?
        .into_iter()
        .map(|(body, author, at)| Note { body, author, at })
        .collect())
}

/// The reviewers a proposal may be assigned to: those of its responsible departments.
pub fn candidates(conn: &mut PgConnection, departments: &[i32]) -> Result<Vec<(Uuid, String)>> {
    let mut rows: Vec<(Uuid, String)> = sr::table
        .inner_join(accounts::table)
        .filter(sr::role.eq(Role::Reviewer.code()))
        .filter(sr::department_id.eq_any(departments))
        .filter(accounts::email_verified_at.is_not_null())
        .filter(accounts::deleted_at.is_null())
        .order((accounts::display_name, accounts::id))
        .select((accounts::id, accounts::display_name))
        .load(conn)?;
    rows.dedup_by_key(|r| r.0);
    Ok(rows)
}

/// The assignee's id and name, if any.
pub fn assignee(conn: &mut PgConnection, proposal: Uuid) -> Result<Option<(Uuid, String)>> {
    let id: Option<Uuid> = p::table.find(proposal).select(p::assignee_id).first(conn)?;
    let Some(id) = id else { return Ok(None) };
    Ok(accounts::table
        .find(id)
        .select((accounts::id, accounts::display_name))
        .first(conn)
        .optional()?)
}

/// Sets (or, with `None`, clears) the department responsible for a measure; admins only (the
/// caller checked).
pub fn set_measure_department(
    conn: &mut PgConnection,
    actor: Uuid,
    ip: Option<&str>,
    code: &str,
    department: Option<i32>,
) -> Result<()> {
    conn.transaction(|conn| {
        let exists: bool = diesel::select(diesel::dsl::exists(
            crate::db::schema::measures::table.find(code),
        ))
        .get_result(conn)?;
        if !exists {
            return Err(Refusal::new("msg.measure_not_in_plan")
                .with("code", code)
                .into());
        }
        match department {
            Some(d) => {
                let found: bool = diesel::select(diesel::dsl::exists(departments::table.find(d)))
                    .get_result(conn)?;
                if !found {
                    return Err(Refusal::new("msg.measure_department_missing").into());
                }
                diesel::insert_into(md::table)
                    .values((md::measure_code.eq(code), md::department_id.eq(d)))
                    .on_conflict(md::measure_code)
                    .do_update()
                    .set((md::department_id.eq(d), md::updated_at.eq(diesel::dsl::now)))
                    .execute(conn)?;
            }
            None => {
                diesel::delete(md::table.find(code)).execute(conn)?;
            }
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "staff.set_measure_department",
                record: Some(("measure", code.to_owned())),
                ip,
                details: json!({ "department": department }),
            },
        )
    })
}

/// Every detailed measure with its responsible department (id), for the admin page.
pub fn measure_departments(conn: &mut PgConnection) -> Result<Vec<(String, String, Option<i32>)>> {
    use crate::db::schema::measures as m;
    Ok(m::table
        .left_join(md::table)
        .filter(m::detailed.eq(true))
        .order((m::chapter_number, m::number))
        .select((m::code, m::title, md::department_id.nullable()))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, department: Option<i32>) -> Grant {
        Grant { role, department }
    }

    #[test]
    fn the_actor_depends_on_the_responsible_departments() {
        let reviewer = [grant(Role::Reviewer, Some(1))];
        assert_eq!(actor_for(&reviewer, &[1]), Actor::Reviewer);
        assert_eq!(actor_for(&reviewer, &[2, 1]), Actor::Reviewer);
        assert_eq!(actor_for(&reviewer, &[2]), Actor::Other);
        assert_eq!(actor_for(&reviewer, &[]), Actor::Other);
        let moderator = [grant(Role::Moderator, Some(1))];
        assert_eq!(actor_for(&moderator, &[1]), Actor::Other);
        let admin = [grant(Role::Admin, None)];
        assert_eq!(actor_for(&admin, &[]), Actor::Admin);
        assert_eq!(actor_for(&admin, &[3]), Actor::Admin);
        assert_eq!(actor_for(&[], &[1]), Actor::Other);
    }

    #[test]
    fn reviewed_departments_are_all_for_admins() {
        assert_eq!(reviewed_departments(&[grant(Role::Admin, None)]), None);
        assert_eq!(
            reviewed_departments(&[
                grant(Role::Reviewer, Some(3)),
                grant(Role::Moderator, Some(4)),
                grant(Role::Reviewer, Some(1)),
                grant(Role::Reviewer, Some(3)),
            ]),
            Some(vec![1, 3])
        );
        assert_eq!(reviewed_departments(&[]), Some(vec![]));
    }

    #[test]
    fn bodies_are_required_and_bounded() {
        const NOTE: &str = "staff.proposal.note";
        assert_eq!(parse_body("  メモ ", NOTE).unwrap(), "メモ");
        assert_eq!(
            parse_body(" \n", NOTE).unwrap_err(),
            Refusal::required(NOTE)
        );
        assert_eq!(
            parse_body(&"あ".repeat(4001), NOTE).unwrap_err(),
            Refusal::too_long(NOTE, 4000)
        );
    }
}
