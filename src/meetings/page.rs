//! What a meeting's public page reads, in one connection: the meeting (never a draft), its
//! seats, notices, minutes once published, the proposals born in it that are public, the
//! titles of its measures, and for a signed-in person their own registration, the
//! organisations they may register for and whether they run the meeting's department.

use super::model::{self, Meeting, Notice, Seats, Topic};
use super::registrations::{self, Registration};
use crate::auth::roles::{allows, Action};
use crate::db::schema::{meeting_proposals as mp, proposals as p};
use crate::error::{Error, Result};
use crate::plan::cache::PlanCache;
use crate::plan::model::MeasureCode;
use crate::web::visitor::Viewer;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;

/// A proposal born in the meeting, as its page links it.
#[derive(Debug, Clone)]
pub struct Born {
    pub id: Uuid,
    pub title: String,
    pub state: String,
}

/// The page's data.
pub struct Loaded {
    pub meeting: Meeting,
    pub seats: Seats,
    pub notices: Vec<Notice>,
    /// The minutes (summary and topics) are published.
    pub minutes: bool,
    /// Empty until the minutes are published.
    pub topics: Vec<Topic>,
    /// The meeting's files (資料, 実施報告): empty until the minutes are published.
    pub files: Vec<crate::attachments::model::Attachment>,
    pub born: Vec<Born>,
    /// Code → title of the meeting's measures.
    pub titles: HashMap<String, String>,
    /// The viewer's live registration.
    pub mine: Option<Registration>,
    /// The organisations the viewer may register for.
    pub organisations: Vec<(Uuid, String)>,
    /// The viewer runs the meeting's department's meetings (sees the on-line URL).
    pub staff: bool,
}

/// The titles of every measure of the plan, by code.
pub fn measure_titles(
    conn: &mut PgConnection,
    plan: &PlanCache,
) -> Result<HashMap<MeasureCode, String>> {
    Ok(plan
        .snapshot(conn)?
        .measure_titles()
        .into_iter()
        .map(|(code, (title, _))| (code, title.to_owned()))
        .collect())
}

/// Proposals linked to the meeting that the proposals pages show (submitted once: see
/// `proposals::model::Proposal::is_public`), in the order they were linked.
pub fn born(conn: &mut PgConnection, id: i32) -> Result<Vec<Born>> {
    let rows: Vec<(Uuid, String, String)> = mp::table
        .inner_join(p::table)
        .filter(mp::meeting_id.eq(id))
        .filter(p::submitted_at.is_not_null())
        .order((mp::linked_at, p::id))
        .select((p::id, p::title, p::state))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, state)| Born { id, title, state })
        .collect())
}

/// Meeting `id` as the public sees it; `NotFound` for a draft.
pub fn load(
    conn: &mut PgConnection,
    id: i32,
    viewer: Option<&Viewer>,
    plan: &PlanCache,
    now: DateTime<Utc>,
) -> Result<Loaded> {
    let meeting = model::find(conn, id)?.ok_or(Error::NotFound)?;
    if !meeting.state(now).is_public() {
        return Err(Error::NotFound);
    }
    let published = meeting.minutes_published_at.is_some_and(|at| at <= now);
    let titles = measure_titles(conn, plan)?;
    let titles = meeting
        .measures
        .iter()
        .filter_map(|code| {
            let title = titles.get(&code.parse::<MeasureCode>().ok()?)?;
            Some((code.clone(), title.clone()))
        })
        .collect();
    let (mine, organisations, staff) = match viewer {
        Some(v) => (
            registrations::of_account(conn, id, v.id)?,
            if v.verified() {
                crate::orgs::model::organisations_of(conn, v.id)?
            } else {
                Vec::new()
            },
            v.staff
                && allows(
                    &crate::auth::staff::grants_of(conn, v.id)?,
                    Action::RunMeetings {
                        department: meeting.department_id,
                    },
                ),
        ),
        None => (None, Vec::new(), false),
    };
    Ok(Loaded {
        seats: model::seats(conn, &[id])?.remove(&id).unwrap_or_default(),
        notices: model::notices(conn, id)?,
        topics: if published {
            model::topics(conn, id)?
        } else {
            Vec::new()
        },
        files: if published && super::files::public(&meeting) {
            super::files::list(conn, id)?
        } else {
            Vec::new()
        },
        minutes: published,
        born: born(conn, id)?,
        titles,
        mine,
        organisations,
        staff,
        meeting,
    })
}
