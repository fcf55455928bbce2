//! The staff's record of a meeting: who registered (names and contacts: staff only), how many
//! came and which of the registered, the minutes by topic (議事録) and their publication, and
//! the proposals born in it (生まれた提案): linked by staff, or drafted from a point raised.

use super::changes::{lock, refused, Actor};
use super::fields::TopicInput;
use super::model::Topic;
use super::registrations::{Channel, Refused, Status};
use crate::db::schema::{
    accounts as a, meeting_minutes as mmin, meeting_proposals as mp, meeting_registrations as mr,
    meetings as m, organisations as o, proposals as p,
};
use crate::error::{Error, Result};
use crate::proposals::changes::{self as proposal_changes, Content, Rejected};
use crate::proposals::fields::{Budget, LongText, Measures, Summary, Title};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// One registration as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub id: i32,
    /// The name staff typed, or the account's display name.
    pub name: String,
    pub organisation: Option<String>,
    pub channel: Channel,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub needs: Option<String>,
    pub status: Status,
    /// Place on the waiting list (1 = next to move up), while waiting.
    pub position: Option<usize>,
    pub registered_at: DateTime<Utc>,
    pub attended: Option<bool>,
}

type EntryRow = (
    (i32, Option<String>, Option<String>, Option<String>, String),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    ),
    (DateTime<Utc>, Option<bool>),
);

/// Every registration of the meeting, cancelled ones last, each group in the order people
/// registered (the waiting list's order). Two joins, one query. Staff pages only.
pub fn roster(conn: &mut PgConnection, meeting: i32) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = mr::table
        .left_join(a::table.on(a::id.nullable().eq(mr::account_id)))
        .left_join(o::table.on(o::id.nullable().eq(mr::organisation_id)))
        .filter(mr::meeting_id.eq(meeting))
        .order((mr::registered_at, mr::id))
        .select((
            (
                mr::id,
                mr::name,
                a::display_name.nullable(),
                o::name.nullable(),
                mr::channel,
            ),
            (
                mr::phone,
                mr::email,
                a::email.nullable(),
                mr::needs,
                mr::status,
            ),
            (mr::registered_at, mr::attended),
        ))
        .load(conn)?;
    let mut waiting = 0;
    let mut entries = Vec::with_capacity(rows.len());
    for (
        (id, name, display, organisation, channel),
        (phone, typed_email, account_email, needs, status),
        (at, came),
    ) in rows
    {
        let status = Status::parse(&status)?;
        let channel = Channel::ALL
            .into_iter()
            .find(|c| c.code() == channel)
            .ok_or_else(|| Error::Internal(format!("registration channel {channel}")))?;
        let position = (status == Status::Waiting).then(|| {
            waiting += 1;
            waiting
        });
        entries.push(Entry {
            id,
            name: name.or(display).unwrap_or_default(),
            organisation,
            channel,
            phone,
            email: typed_email.or(account_email),
            needs,
            status,
            position,
            registered_at: at,
            attended: came,
        });
    }
    entries.sort_by_key(|e| e.status == Status::Cancelled);
    Ok(entries)
}

/// The meeting, locked, while its record may be written: once it has started (not a draft,
/// not cancelled).
fn recordable(
    conn: &mut PgConnection,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Result<super::model::Meeting, Refused>> {
    let meeting = lock(conn, id)?;
    if meeting.state(now).takes_record() {
        Ok(Ok(meeting))
    } else {
        refused("form", Refusal::new("msg.meeting_record_not_yet"))
    }
}

/// Records how many people came (registered or not) and which registrations came: the
/// meeting counts as held from the first record on. Recording again corrects it.
pub fn attendance(
    conn: &mut PgConnection,
    id: i32,
    count: i32,
    came: &[i32],
    at: Actor,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let meeting = match recordable(conn, id, at.now)? {
            Ok(meeting) => meeting,
            Err(refused) => return Ok(Err(refused)),
        };
        let recorded = meeting.schedule.attendance_recorded_at.unwrap_or(at.now);
        diesel::update(m::table.find(id))
            .set((
                m::attendance.eq(count),
                m::attendance_recorded_at.eq(recorded),
                m::version.eq(m::version + 1),
            ))
            .execute(conn)?;
        let live = mr::table
            .filter(mr::meeting_id.eq(id))
            .filter(mr::status.ne(Status::Cancelled.code()));
        diesel::update(live)
            .set(mr::attended.eq(mr::id.eq_any(came.to_vec()).nullable()))
            .execute(conn)?;
        at.audit(
            conn,
            id,
            "meeting.attendance",
            json!({ "attendance": count, "registered_came": came.len() }),
        )?;
        Ok(Ok(()))
    })
}

/// Saves the minutes (the summary and the topics in order, replacing what was saved) and, with
/// `publish`, publishes them (once: the first publication's time stays).
pub fn minutes(
    conn: &mut PgConnection,
    id: i32,
    summary: Option<&str>,
    topics: &[TopicInput],
    publish: bool,
    at: Actor,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let meeting = match recordable(conn, id, at.now)? {
            Ok(meeting) => meeting,
            Err(refused) => return Ok(Err(refused)),
        };
        // Published minutes keep a summary: clearing it is refused, not a broken row.
        if (publish || meeting.minutes_published_at.is_some()) && summary.is_none() {
            return refused(
                "summary",
                Refusal::required("label.meeting_minutes_summary"),
            );
        }
        let published = match (meeting.minutes_published_at, publish) {
            (Some(at), _) => Some(at),
            (None, true) => Some(at.now),
            (None, false) => None,
        };
        diesel::update(m::table.find(id))
            .set((
                m::minutes_summary.eq(summary),
                m::minutes_published_at.eq(published),
                m::version.eq(m::version + 1),
            ))
            .execute(conn)?;
        diesel::delete(mmin::table.filter(mmin::meeting_id.eq(id))).execute(conn)?;
        let rows: Vec<_> = topics
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    mmin::meeting_id.eq(id),
                    mmin::number.eq(i as i32 + 1),
                    mmin::topic.eq(&t.topic),
                    mmin::said.eq(&t.said),
                    mmin::response.eq(&t.response),
                )
            })
            .collect();
        diesel::insert_into(mmin::table)
            .values(rows)
            .execute(conn)?;
        at.audit(
            conn,
            id,
            if publish {
                "meeting.minutes_publish"
            } else {
                "meeting.minutes_save"
            },
            json!({ "topics": topics.len() }),
        )?;
        Ok(Ok(()))
    })
}

/// A proposal born in the meeting, as staff see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Born {
    pub id: Uuid,
    pub title: String,
    pub state: String,
    /// Only a submitted proposal is public; a draft is its author's.
    pub public: bool,
}

/// The meeting's proposals, in the order they were linked.
pub fn born(conn: &mut PgConnection, id: i32) -> Result<Vec<Born>> {
    let rows: Vec<(Uuid, String, String, Option<DateTime<Utc>>)> = mp::table
        .inner_join(p::table)
        .filter(mp::meeting_id.eq(id))
        .order((mp::linked_at, p::id))
        .select((p::id, p::title, p::state, p::submitted_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, state, submitted)| Born {
            id,
            title,
            state,
            public: submitted.is_some(),
        })
        .collect())
}

/// A proposal's id from what staff pasted: the id, or its page's address.
pub fn proposal_id(raw: &str) -> Result<Uuid, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Refusal::required("label.meeting_proposal"));
    }
    raw.trim_end_matches('/')
        .rsplit(['/', '='])
        .find_map(|part| Uuid::parse_str(part.split(['?', '#']).next()?).ok())
        .ok_or_else(|| Refusal::new("msg.meeting_proposal_unknown"))
}

fn link(conn: &mut PgConnection, id: i32, proposal: Uuid, at: Actor) -> Result<()> {
    diesel::insert_into(mp::table)
        .values((
            mp::meeting_id.eq(id),
            mp::proposal_id.eq(proposal),
            mp::linked_by.eq(at.id),
            mp::linked_at.eq(at.now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    at.audit(
        conn,
        id,
        "meeting.link_proposal",
        json!({ "proposal": proposal }),
    )
}

/// Links a public (submitted) proposal to the meeting it was born in. Linking it again
/// changes nothing.
pub fn link_proposal(
    conn: &mut PgConnection,
    id: i32,
    proposal: Uuid,
    at: Actor,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        lock(conn, id)?;
        let public: Option<Option<DateTime<Utc>>> = p::table
            .find(proposal)
            .select(p::submitted_at)
            .first(conn)
            .optional()?;
        if !matches!(public, Some(Some(_))) {
            return refused("proposal", Refusal::new("msg.meeting_proposal_unknown"));
        }
        link(conn, id, proposal, at)?;
        Ok(Ok(()))
    })
}

/// Cuts `text` to at most `max` characters.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Turns topic `number` of the minutes into a proposal draft of the staff member's own (a
/// draft is its author's alone until submitted): its title the topic, its summary and local
/// issue what was said, on the meeting's measures (the first three). Linked to the meeting;
/// the staff member finishes and submits it in the proposal form. The draft's id.
pub fn draft_proposal(
    conn: &mut PgConnection,
    id: i32,
    number: i32,
    at: Actor,
) -> Result<Result<Uuid, Refused>> {
    conn.transaction(|conn| {
        let meeting = match recordable(conn, id, at.now)? {
            Ok(meeting) => meeting,
            Err(refused) => return Ok(Err(refused)),
        };
        let Some(topic) = super::model::topics(conn, id)?
            .into_iter()
            .find(|t: &Topic| t.number == number)
        else {
            return refused("form", Refusal::new("msg.meeting_topic_unknown"));
        };
        let chosen: Vec<String> = meeting.measures.iter().take(3).cloned().collect();
        let measures = match Measures::parse(&chosen, "") {
            Ok(measures) => measures,
            Err(refusal) => return refused("form", refusal),
        };
        let title = format!("{}（{}より）", topic.topic, meeting.title);
        let content = Content {
            title: Title::parse(&cut(&title, crate::proposals::fields::TITLE_MAX))
                .map_err(Error::Refused)?,
            summary: Summary::parse(&cut(&topic.said, crate::proposals::fields::SUMMARY_MAX))
                .map_err(Error::Refused)?,
            local_issue: LongText::parse(
                &cut(&topic.said, crate::proposals::fields::LONG_MAX),
                "label.local_issue",
            )
            .map_err(Error::Refused)?,
            activity_plan: LongText::parse("", "label.activity_plan").map_err(Error::Refused)?,
            expected_effect: LongText::parse("", "label.expected_effect")
                .map_err(Error::Refused)?,
            partners: LongText::parse("", "label.partners").map_err(Error::Refused)?,
            period: LongText::parse("", "label.period").map_err(Error::Refused)?,
            budget: Budget(None),
            measures,
            organisation: None,
        };
        let proposal = match proposal_changes::create(conn, at.id, at.ip, &content) {
            Ok(proposal) => proposal,
            Err(Rejected::Field { message, .. }) => return refused("form", message),
            Err(Rejected::Conflict) => {
                return refused("form", Refusal::new("msg.proposal_conflict"))
            }
            Err(Rejected::Other(e)) => return Err(e),
        };
        link(conn, id, proposal, at)?;
        Ok(Ok(proposal))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposal_is_found_by_its_id_or_its_address() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let want = Uuid::parse_str(id).unwrap();
        assert_eq!(proposal_id(id), Ok(want));
        assert_eq!(
            proposal_id(&format!("https://kyodo.example.jp/proposals/{id}/")),
            Ok(want)
        );
        assert_eq!(proposal_id(&format!("/proposals/{id}?tab=1")), Ok(want));
        assert_eq!(
            proposal_id(""),
            Err(Refusal::required("label.meeting_proposal"))
        );
        assert_eq!(
            proposal_id("https://kyodo.example.jp/proposals/"),
            Err(Refusal::new("msg.meeting_proposal_unknown"))
        );
        assert_eq!(cut("あいう", 2), "あい");
    }
}
