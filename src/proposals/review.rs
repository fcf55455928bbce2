//! The staff review of proposals (市民提案の審査): who acts as a reviewer of a proposal, the
//! review queue, and the staff actions (assign, the workflow's transitions, internal notes,
//! public responses). Every action runs in one transaction: the proposal's row locked
//! (`FOR UPDATE`), the version the form was rendered with checked, the change, its public
//! timeline row when the state moves, the audit entry and the emails through the outbox.
//!
//! Internal notes are read only by [`notes`], which only the staff page calls.

use super::changes::Rejected;
use super::workflow::{self, Action, Actor, State};
use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::auth::roles::allows;
use crate::auth::roles::Action as StaffAction;
use crate::auth::roles::Grant;
use crate::auth::roles::Role;
use crate::db::schema::{
    accounts, departments, measure_departments as md, proposal_measures as pm,
    proposal_notes as pn, proposal_responses as pr, proposal_transitions as pt, proposals as p,
    staff_roles as sr,
};
use crate::error::{Error, Result};
use crate::web::i18n::{translate, Lang};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Shown when another person changed the proposal after the staff page was opened.
pub const CONFLICT_MESSAGE: &str = "この提案は、このページを開いた後に別の職員または提案者によって更新されました。今回の操作は行っていません（上書きはされていません）。最新の内容を確かめてから、もう一度操作してください。";

/// Longest note, response or reason.
pub const BODY_MAX: usize = 4000;

/// Rows per page of the queue.
pub const QUEUE_PAGE: i64 = 50;

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

/// The departments responsible for one of the proposal's measures.
pub fn responsible_departments(conn: &mut PgConnection, proposal: Uuid) -> Result<Vec<i32>> {
    let mut ids: Vec<i32> = pm::table
        .inner_join(md::table.on(md::measure_code.eq(pm::measure_code)))
        .filter(pm::proposal_id.eq(proposal))
        .select(md::department_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A body of text typed into a staff form: trimmed, 1–4000 characters.
pub fn parse_body(raw: &str, what: &str) -> Result<String, String> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(format!("{what}を入力してください。"));
    }
    if body.chars().count() > BODY_MAX {
        return Err(format!("{what}は{BODY_MAX}文字以内で入力してください。"));
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

fn proposal_link(public_url: &str, id: Uuid) -> String {
    format!("{}/proposals/{id}", public_url.trim_end_matches('/'))
}

fn staff_link(public_url: &str, id: Uuid) -> String {
    format!("{}/staff/proposals/{id}", public_url.trim_end_matches('/'))
}

/// The `what` of the email for a public response, whose subject is then the city's answer.
const RESPONSE_WHAT: &str = "emails.proposal.what.response";

/// What the proposer should do next, after the proposal reached `state`.
fn next_step(lang: Lang, state: State) -> String {
    translate(
        lang,
        &format!("emails.proposal.next.{}", state.as_str()),
        &[],
    )
}

#[allow(clippy::too_many_arguments)]
/// The proposer hears of a staff change: a new state (with its reason) or a public response.
fn notify_proposer(
    conn: &mut PgConnection,
    public_url: &str,
    proposal: Uuid,
    author: Uuid,
    title: &str,
    state: State,
    what: &str,
    message: Option<&str>,
) -> Result<()> {
    let link = proposal_link(public_url, proposal);
    notify_account(conn, public_url, author, "proposal_update", |lang| {
        json!({
            "title": title,
            "link": link,
            "state": translate(lang, &format!("proposals.state.{}", state.as_str()), &[]),
            "what": translate(lang, what, &[]),
            "message": message,
            "next": next_step(lang, state),
            "follower": false,
            "response": what == RESPONSE_WHAT,
        })
    })
}

#[allow(clippy::too_many_arguments)]
/// The followers of a proposal (but its author, who hears anyway) hear of a decision.
fn notify_followers(
    conn: &mut PgConnection,
    public_url: &str,
    proposal: Uuid,
    author: Uuid,
    title: &str,
    state: State,
    what: &str,
    message: Option<&str>,
) -> Result<()> {
    let link = proposal_link(public_url, proposal);
    for follower in super::participation::followers(conn, proposal)? {
        if follower == author {
            continue;
        }
        notify_account(conn, public_url, follower, "proposal_update", |lang| {
            json!({
                "title": title,
                "link": link,
                "state": translate(lang, &format!("proposals.state.{}", state.as_str()), &[]),
                "what": translate(lang, what, &[]),
                "message": message,
                "next": "",
                "follower": true,
                "response": false,
            })
        })?;
    }
    Ok(())
}

/// Called by `model::transition` inside the proposer's transaction: a submission or
/// resubmission is confirmed to its author; a submission tells the reviewers of the responsible
/// departments; a resubmission tells the assigned reviewer.
pub fn after_proposer_action(
    conn: &mut PgConnection,
    public_url: &str,
    proposal: Uuid,
    action: Action,
) -> Result<()> {
    let (title, assignee, author, at): (String, Option<Uuid>, Uuid, DateTime<Utc>) = p::table
        .find(proposal)
        .select((p::title, p::assignee_id, p::author_id, p::updated_at))
        .first(conn)?;
    if matches!(action, Action::Submit | Action::Resubmit) {
        let link = proposal_link(public_url, proposal);
        notify_account(conn, public_url, author, "proposal_received", |lang| {
            json!({
                "title": title,
                "link": link,
                "resubmitted": action == Action::Resubmit,
                "received": crate::web::present::date(lang, at),
                "next": next_step(lang, State::Submitted),
            })
        })?;
    }
    let link = staff_link(public_url, proposal);
    match action {
        Action::Submit => {
            let departments = responsible_departments(conn, proposal)?;
            let mut reviewers: Vec<Uuid> = sr::table
                .filter(sr::role.eq(Role::Reviewer.code()))
                .filter(sr::department_id.eq_any(&departments))
                .select(sr::account_id)
                .load(conn)?;
            reviewers.sort_unstable();
            reviewers.dedup();
            for reviewer in reviewers {
                notify_account(
                    conn,
                    public_url,
                    reviewer,
                    "proposal_submitted",
                    |_| json!({ "title": title, "link": link }),
                )?;
            }
        }
        Action::Resubmit => {
            if let Some(assignee) = assignee {
                notify_account(
                    conn,
                    public_url,
                    assignee,
                    "proposal_assigned",
                    |_| json!({ "title": title, "link": link, "resubmitted": true }),
                )?;
            }
        }
        _ => {}
    }
    Ok(())
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
/// changed it since `version` was read. Returns the state afterwards.
pub fn act(
    conn: &mut PgConnection,
    staff: &StaffActor<'_>,
    id: Uuid,
    version: i32,
    op: Op,
) -> Result<State, Rejected> {
    conn.transaction(|conn| {
        let (author, state, current, title, submitted): (Uuid, String, i32, String, Option<DateTime<Utc>>) = p::table
            .find(id)
            .select((p::author_id, p::state, p::version, p::title, p::submitted_at))
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?;
        let state: State = state.parse().map_err(Error::Internal)?;
        if submitted.is_none() {
            return Err(Error::NotFound.into());
        }
        let responsible = responsible_departments(conn, id)?;
        let actor = actor_for(staff.grants, &responsible);
        if actor == Actor::Other {
            return Err(Error::Forbidden(
                "この提案を審査する権限がありません。提案の施策を担当する課の審査担当者だけが操作できます。"
                    .into(),
            )
            .into());
        }
        let role = if actor == Actor::Admin {
            "admin"
        } else {
            "reviewer"
        };
        // A form rendered before someone else's change is a conflict, whatever it asked for:
        // nothing is overwritten, and the person sees the proposal as it is now.
        if current != version {
            return Err(Rejected::Conflict);
        }
        let to = match &op {
            Op::Transition { action, reason } => {
                workflow::apply(state, *action, actor, reason.as_deref()).map_err(|r| match r {
                    workflow::Refusal::NotAllowed => Error::Forbidden(r.to_string()),
                    _ => Error::BadRequest(r.to_string()),
                })?
            }
            _ => state,
        };
        let mut details = json!({ "version": current + 1 });
        diesel::update(p::table.find(id))
            .set((
                p::state.eq(to.as_str()),
                p::version.eq(current + 1),
                p::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        let department = responsible
            .iter()
            .copied()
            .find(|d| {
                actor == Actor::Admin
                    || allows(staff.grants, StaffAction::ReviewProposals { department: *d })
            });
        let respond = |conn: &mut PgConnection, body: &str| -> Result<()> {
            diesel::insert_into(pr::table)
                .values((
                    pr::proposal_id.eq(id),
                    pr::author_id.eq(staff.id),
                    pr::department_id.eq(department),
                    pr::body.eq(body),
                ))
                .execute(conn)?;
            Ok(())
        };
        match &op {
            Op::Assign(assignee) => {
                if !is_reviewer_of(conn, *assignee, &responsible)? {
                    return Err(Error::BadRequest(
                        "担当者には、この提案の施策を担当する課の審査担当者を選んでください。"
                            .into(),
                    )
                    .into());
                }
                diesel::update(p::table.find(id))
                    .set(p::assignee_id.eq(assignee))
                    .execute(conn)?;
                details["assignee"] = json!(assignee.to_string());
                let link = staff_link(staff.public_url, id);
                notify_account(conn, staff.public_url, *assignee, "proposal_assigned", |_| {
                    json!({ "title": title, "link": link, "resubmitted": false })
                })?;
            }
            Op::Transition { action, reason } => {
                let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
                // Start work and complete carry an optional progress update, published as a
                // response; the other actions publish their reason with the transition.
                let progress = matches!(action, Action::StartWork | Action::Complete);
                diesel::insert_into(pt::table)
                    .values((
                        pt::proposal_id.eq(id),
                        pt::from_state.eq(state.as_str()),
                        pt::to_state.eq(to.as_str()),
                        pt::action.eq(action.as_str()),
                        pt::actor_id.eq(staff.id),
                        pt::actor_role.eq(role),
                        pt::reason.eq(if progress { None } else { reason }),
                    ))
                    .execute(conn)?;
                if progress {
                    if let Some(update) = reason {
                        respond(conn, update)?;
                    }
                }
                details["from"] = json!(state.as_str());
                details["to"] = json!(to.as_str());
                notify_proposer(
                    conn,
                    staff.public_url,
                    id,
                    author,
                    &title,
                    to,
                    &format!("proposals.action.{}", action.as_str()),
                    reason,
                )?;
                if matches!(action, Action::Adopt | Action::Reject) {
                    notify_followers(
                        conn,
                        staff.public_url,
                        id,
                        author,
                        &title,
                        to,
                        &format!("proposals.action.{}", action.as_str()),
                        reason,
                    )?;
                }
            }
            Op::Note(body) => {
                diesel::insert_into(pn::table)
                    .values((
                        pn::proposal_id.eq(id),
                        pn::author_id.eq(staff.id),
                        pn::body.eq(body),
                    ))
                    .execute(conn)?;
            }
            Op::Respond(body) => {
                respond(conn, body)?;
                notify_proposer(
                    conn,
                    staff.public_url,
                    id,
                    author,
                    &title,
                    to,
                    RESPONSE_WHAT,
                    Some(body),
                )?;
            }
        }
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

/// Filters of the review queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// The departments the viewer reviews; `None` for an admin (all).
    pub scope: Option<Vec<i32>>,
    pub department: Option<i32>,
    pub measure: Option<String>,
    pub state: Option<State>,
    /// `Some(None)`: unassigned; `Some(Some(id))`: assigned to this account.
    pub assignee: Option<Option<Uuid>>,
    pub page: i64,
}

/// A row of the queue.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: Uuid,
    pub title: String,
    pub state: State,
    pub submitted_at: DateTime<Utc>,
    pub assignee: Option<String>,
    pub measures: Vec<String>,
}

/// A page of the queue, oldest submission first, and whether more follow. Three queries.
pub fn queue(conn: &mut PgConnection, filter: &QueueFilter) -> Result<(Vec<Queued>, bool)> {
    let mut query = p::table
        .filter(p::submitted_at.is_not_null())
        .select((
            p::id,
            p::title,
            p::state,
            p::submitted_at,
            p::created_at,
            p::assignee_id,
        ))
        .into_boxed();
    let mut departments: Option<Vec<i32>> = filter.scope.clone();
    if let Some(d) = filter.department {
        departments = Some(match departments {
            Some(scope) => scope.into_iter().filter(|s| *s == d).collect(),
            None => vec![d],
        });
    }
    if let Some(departments) = departments {
        query = query.filter(
            p::id.eq_any(
                pm::table
                    .inner_join(md::table.on(md::measure_code.eq(pm::measure_code)))
                    .filter(md::department_id.eq_any(departments))
                    .select(pm::proposal_id),
            ),
        );
    }
    if let Some(code) = &filter.measure {
        query = query.filter(
            p::id.eq_any(
                pm::table
                    .filter(pm::measure_code.eq(code.clone()))
                    .select(pm::proposal_id),
            ),
        );
    }
    if let Some(state) = filter.state {
        query = query.filter(p::state.eq(state.as_str()));
    }
    match filter.assignee {
        Some(Some(id)) => query = query.filter(p::assignee_id.eq(id)),
        Some(None) => query = query.filter(p::assignee_id.is_null()),
        None => {}
    }
    let offset = (filter.page.max(1) - 1) * QUEUE_PAGE;
    #[allow(clippy::type_complexity)]
    let mut rows: Vec<(
        Uuid,
        String,
        String,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
        Option<Uuid>,
    )> = query
        .order((p::submitted_at.asc(), p::id))
        .offset(offset)
        .limit(QUEUE_PAGE + 1)
        .load(conn)?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let assignees: Vec<Uuid> = rows.iter().filter_map(|r| r.5).collect();
    let names: Vec<(Uuid, String)> = accounts::table
        .filter(accounts::id.eq_any(&assignees))
        .select((accounts::id, accounts::display_name))
        .load(conn)?;
    let codes: Vec<(Uuid, String)> = pm::table
        .filter(pm::proposal_id.eq_any(&ids))
        .order((pm::proposal_id, pm::position))
        .select((pm::proposal_id, pm::measure_code))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, title, state, submitted, created, assignee)| {
            Ok(Queued {
                id,
                title,
                state: state.parse().map_err(Error::Internal)?,
                submitted_at: submitted.unwrap_or(created),
                assignee: assignee.and_then(|a| {
                    names
                        .iter()
                        .find(|(n, _)| *n == a)
                        .map(|(_, name)| name.clone())
                }),
                measures: codes
                    .iter()
                    .filter(|(p, _)| *p == id)
                    .map(|(_, c)| c.clone())
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(|rows| (rows, more))
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
            return Err(Error::BadRequest(format!(
                "施策「{code}」は計画にありません。"
            )));
        }
        match department {
            Some(d) => {
                let found: bool = diesel::select(diesel::dsl::exists(departments::table.find(d)))
                    .get_result(conn)?;
                if !found {
                    return Err(Error::BadRequest("担当課が見つかりません。".into()));
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
        assert_eq!(parse_body("  メモ ", "メモ").unwrap(), "メモ");
        assert!(parse_body(" \n", "メモ")
            .unwrap_err()
            .contains("入力してください"));
        assert!(parse_body(&"あ".repeat(4001), "メモ")
            .unwrap_err()
            .contains("4000文字以内"));
    }
}
