//! The emails of a proposal's life, through the outbox: the proposer hears of the receipt and
//! of every staff change, the followers of a decision, the reviewers of a new submission and
//! the assignee of a resubmission.

use super::model::responsible_departments;
use super::workflow::{Action, State};
use crate::auth::accounts::notify_account;
use crate::auth::roles::Role;
use crate::db::schema::{proposals as p, staff_roles as sr};
use crate::error::Result;
use crate::web::i18n::{translate, Lang};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

fn proposal_link(public_url: &str, id: Uuid) -> String {
    format!("{}/proposals/{id}", public_url.trim_end_matches('/'))
}

pub(super) fn staff_link(public_url: &str, id: Uuid) -> String {
    format!("{}/staff/proposals/{id}", public_url.trim_end_matches('/'))
}

/// The `what` of the email for a public response, whose subject is then the city's answer.
pub(super) const RESPONSE_WHAT: &str = "emails.proposal.what.response";

/// What the proposer should do next, after the proposal reached `state`.
fn next_step(lang: Lang, state: State) -> String {
    translate(
        lang,
        &format!("emails.proposal.next.{}", state.as_str()),
        &[],
    )
}

/// What a staff change tells the proposer and the followers: the proposal, the state it is
/// in now, what happened (an i18n key) and the message of the city, if any.
pub(super) struct News<'a> {
    pub(super) proposal: Uuid,
    pub(super) author: Uuid,
    pub(super) title: &'a str,
    pub(super) state: State,
    pub(super) what: &'a str,
    pub(super) message: Option<&'a str>,
}

/// The proposer hears of a staff change: a new state (with its reason) or a public response.
pub(super) fn notify_proposer(
    conn: &mut PgConnection,
    public_url: &str,
    news: &News<'_>,
) -> Result<()> {
    let link = proposal_link(public_url, news.proposal);
    notify_account(conn, public_url, news.author, "proposal_update", |lang| {
        json!({
            "title": news.title,
            "link": link,
            "state": translate(lang, &format!("proposals.state.{}", news.state.as_str()), &[]),
            "what": translate(lang, news.what, &[]),
            "message": news.message,
            "next": next_step(lang, news.state),
            "follower": false,
            "response": news.what == RESPONSE_WHAT,
        })
    })
}

/// The followers of a proposal (but its author, who hears anyway) hear of a decision.
pub(super) fn notify_followers(
    conn: &mut PgConnection,
    public_url: &str,
    news: &News<'_>,
) -> Result<()> {
    let link = proposal_link(public_url, news.proposal);
    for follower in super::participation::followers(conn, news.proposal)? {
        if follower == news.author {
            continue;
        }
        notify_account(conn, public_url, follower, "proposal_update", |lang| {
            json!({
                "title": news.title,
                "link": link,
                "state": translate(lang, &format!("proposals.state.{}", news.state.as_str()), &[]),
                "what": translate(lang, news.what, &[]),
                "message": news.message,
                "next": "",
                "follower": true,
                "response": false,
            })
        })?;
    }
    Ok(())
}

/// Called by `changes::transition` inside the proposer's transaction: a submission or
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
