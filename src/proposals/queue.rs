//! The review queue (審査キュー): submitted proposals of the departments a person reviews,
//! oldest submission first, with their filters.

use super::workflow::State;
use crate::db::schema::{
    accounts, measure_departments as md, proposal_measures as pm, proposals as p,
};
use crate::error::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// Rows per page of the queue.
pub const QUEUE_PAGE: i64 = 50;

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

impl QueueFilter {
    /// The departments whose proposals are shown: the chosen one within the scope; `None` for
    /// all.
    fn departments(&self) -> Option<Vec<i32>> {
        match (self.scope.clone(), self.department) {
            (Some(scope), Some(d)) => Some(scope.into_iter().filter(|s| *s == d).collect()),
            (None, Some(d)) => Some(vec![d]),
            (scope, None) => scope,
        }
    }
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

/// A proposal of the queue as read: id, title, state, submitted, created, assignee.
type QueueRow = (
    Uuid,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<Uuid>,
);

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
    if let Some(departments) = filter.departments() {
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
    let mut rows: Vec<QueueRow> = query
        .order((p::submitted_at.asc(), p::id))
        .offset(offset)
        .limit(QUEUE_PAGE + 1)
        .load(conn)?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    Ok((queued(conn, rows)?, more))
}

/// The rows with their assignee's name and measure codes: two queries.
fn queued(conn: &mut PgConnection, rows: Vec<QueueRow>) -> Result<Vec<Queued>> {
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
                state: super::model::state_of(&state)?,
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
        .collect()
}
