//! What staff do to a meeting before it is held: create it as a draft, edit it (optimistic
//! version check, so two editors cannot overwrite each other), publish it and cancel it. Once
//! published, a change of time or venue is a public notice (`meeting_notices`) and, with a
//! change of the on-line URL, one email to every live registrant (a seat or waiting); a
//! cancellation too, with its reason. Each change in one transaction with its audit entry.

use super::emails;
use super::fields::MeetingInput;
use super::ics;
use super::model::{self, when_ja, Meeting};
use super::registrations::{self, recipient, Refused};
use super::rules::{self, Change, Place, State};
use crate::audit::{self, Entry};
use crate::db::schema::{
    consultations, departments, measures, meeting_measures as mm, meeting_notices as mn,
    meeting_registrations as mr, meetings as m,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::i18n::{t, translate, Lang};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Who changes a meeting, when and from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub now: DateTime<Utc>,
    pub id: Uuid,
    pub ip: Option<&'a str>,
}

impl Actor<'_> {
    pub(super) fn audit(
        &self,
        conn: &mut PgConnection,
        meeting: i32,
        action: &'static str,
        details: serde_json::Value,
    ) -> Result<()> {
        audit::record(
            conn,
            Entry {
                actor: Some(self.id),
                action,
                record: Some(("meeting", meeting.to_string())),
                ip: self.ip,
                details,
            },
        )
    }
}

pub(super) fn refused<T>(field: &'static str, refusal: Refusal) -> Result<Result<T, Refused>> {
    Ok(Err(Refused { field, refusal }))
}

/// The meeting, its row locked until the transaction ends.
pub(super) fn lock(conn: &mut PgConnection, id: i32) -> Result<Meeting> {
    m::table
        .find(id)
        .select(m::id)
        .for_update()
        .first::<i32>(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    model::find(conn, id)?.ok_or(Error::NotFound)
}

/// A department, measures or a consultation that do not exist (or a consultation the public
/// cannot see yet: another department's draft): the field to fix.
fn check_references(
    conn: &mut PgConnection,
    input: &MeetingInput,
    now: DateTime<Utc>,
) -> Result<Option<Refused>> {
    let department: i64 = departments::table
        .find(input.department_id)
        .count()
        .get_result(conn)?;
    if department == 0 {
        return Ok(Some(Refused {
            field: "department",
            refusal: Refusal::new("msg.department_choose"),
        }));
    }
    let found: Vec<String> = measures::table
        .filter(measures::code.eq_any(&input.measures))
        .select(measures::code)
        .load(conn)?;
    let missing: Vec<&str> = input
        .measures
        .iter()
        .filter(|c| !found.contains(c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Ok(Some(Refused {
            field: "measures",
            refusal: Refusal::new("msg.measure_unknown").with("codes", missing.join("」「")),
        }));
    }
    if let Some(consultation) = input.consultation_id {
        let known: i64 = announced(now)
            .filter(consultations::id.eq(consultation))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Ok(Some(Refused {
                field: "consultation",
                refusal: Refusal::new("msg.meeting_consultation_unknown"),
            }));
        }
    }
    Ok(None)
}

/// Consultations announced by `now`: a meeting's page names its consultation, so never a
/// draft.
fn announced(now: DateTime<Utc>) -> consultations::BoxedQuery<'static, diesel::pg::Pg> {
    consultations::table
        .filter(consultations::published_at.le(now))
        .into_boxed()
}

/// The consultations a meeting may serve, newest first: for the form's choice.
pub fn consultations(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<(i32, String)>> {
    Ok(announced(now)
        .order(consultations::id.desc())
        .select((consultations::id, consultations::title))
        .load(conn)?)
}

fn write_measures(conn: &mut PgConnection, id: i32, codes: &[String]) -> Result<()> {
    diesel::delete(mm::table.filter(mm::meeting_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = codes
        .iter()
        .map(|code| (mm::meeting_id.eq(id), mm::measure_code.eq(code)))
        .collect();
    diesel::insert_into(mm::table).values(rows).execute(conn)?;
    Ok(())
}

macro_rules! input_columns {
    ($input:expr) => {
        (
            (
                m::kind.eq($input.kind.code()),
                m::title.eq(&$input.title),
                m::description.eq(&$input.description),
                m::department_id.eq($input.department_id),
                m::consultation_id.eq($input.consultation_id),
                m::starts_at.eq($input.starts_at),
                m::ends_at.eq($input.ends_at),
            ),
            (
                m::venue_name.eq(&$input.venue_name),
                m::venue_address.eq(&$input.venue_address),
                m::access_notes.eq(&$input.access_notes),
                m::online_url.eq(&$input.online_url),
                m::capacity.eq($input.capacity),
                m::registration_opens_at.eq($input.registration_opens_at),
                m::registration_closes_at.eq($input.registration_closes_at),
            ),
            (
                m::sign_language.eq($input.sign_language),
                m::childcare.eq($input.childcare),
                m::wheelchair.eq($input.wheelchair),
                m::accessibility_notes.eq(&$input.accessibility_notes),
            ),
        )
    };
}

/// Saves a new meeting as a draft (only staff see it until it is published). Its id.
pub fn create(
    conn: &mut PgConnection,
    input: &MeetingInput,
    at: Actor,
) -> Result<Result<i32, Refused>> {
    conn.transaction(|conn| {
        if let Some(refused) = check_references(conn, input, at.now)? {
            return Ok(Err(refused));
        }
        let id: i32 = diesel::insert_into(m::table)
            .values((input_columns!(input), m::created_by.eq(at.id)))
            .returning(m::id)
            .get_result(conn)?;
        write_measures(conn, id, &input.measures)?;
        at.audit(conn, id, "meeting.create", json!({}))?;
        Ok(Ok(id))
    })
}

fn place(meeting: &Meeting) -> Place<'_> {
    Place {
        starts_at: meeting.schedule.starts_at,
        ends_at: meeting.schedule.ends_at,
        venue_name: meeting.venue_name.as_deref(),
        venue_address: meeting.venue_address.as_deref(),
        online_url: meeting.online_url.as_deref(),
    }
}

/// Saves staff's changes to a draft or an upcoming meeting, if nobody saved it since
/// `version` was read. Once published, a new time or venue is noticed on its page, and every
/// change of time, venue or on-line URL emailed once to each live registrant; seats a larger
/// capacity frees go to the waiting list in turn. The changes registrants were told of.
pub fn update(
    conn: &mut PgConnection,
    id: i32,
    version: i32,
    input: &MeetingInput,
    at: Actor,
    public_url: &str,
) -> Result<Result<Vec<Change>, Refused>> {
    conn.transaction(|conn| {
        let before = lock(conn, id)?;
        if before.version != version {
            return refused("form", Refusal::new("msg.meeting_conflict"));
        }
        let state = before.state(at.now);
        if !state.is_changeable() {
            return refused("form", Refusal::new("msg.meeting_not_changeable"));
        }
        // Registrants cannot come to a meeting moved into the past.
        if state == State::Upcoming && input.starts_at <= at.now {
            return refused("starts_at", Refusal::new("msg.meeting_starts_past"));
        }
        if let Some(refused) = check_references(conn, input, at.now)? {
            return Ok(Err(refused));
        }
        diesel::update(m::table.find(id))
            .set((input_columns!(input), m::version.eq(version + 1)))
            .execute(conn)?;
        write_measures(conn, id, &input.measures)?;
        let after = model::find(conn, id)?.ok_or(Error::NotFound)?;
        let changes = if state == State::Upcoming {
            rules::changes(&place(&before), &place(&after))
        } else {
            Vec::new()
        };
        at.audit(
            conn,
            id,
            "meeting.update",
            json!({
                "version": version + 1,
                "changes": changes.iter().map(|c| format!("{c:?}").to_lowercase()).collect::<Vec<_>>(),
            }),
        )?;
        // The public notice tells of time and place; a new on-line URL goes to registrants only.
        let noticed: Vec<Change> = changes
            .iter()
            .copied()
            .filter(|c| matches!(c, Change::Time | Change::Venue))
            .collect();
        if !noticed.is_empty() {
            let body = translate(
                Lang::Ja,
                "staff.meetings.notice_changed",
                &[
                    ("what", labels(Lang::Ja, &noticed)),
                    ("when", when_ja(after.schedule.starts_at, after.schedule.ends_at)),
                    ("venue", venue(Lang::Ja, &after)),
                ],
            );
            post_notice(conn, id, "changed", &body, at)?;
        }
        // Seats a larger capacity frees go to the waiting list first: those moved up read the
        // meeting as it is now in their "a seat is yours" email, and get no second one.
        let promoted = if state == State::Upcoming {
            registrations::promote(conn, id, at.now, public_url)?
        } else {
            Vec::new()
        };
        if !changes.is_empty() {
            // A moved meeting is reminded of again the day before its new time.
            if changes.contains(&Change::Time) {
                diesel::update(m::table.find(id))
                    .set(m::reminded_at.eq(None::<DateTime<Utc>>))
                    .execute(conn)?;
            }
            let told = Told::Changed(&changes);
            tell_registrants(conn, public_url, &after, &told, &promoted, at.now)?;
        }
        Ok(Ok(changes))
    })
}

/// Publishes a draft: from now on the public sees it and may register. A second click
/// changes nothing; a meeting whose start has passed is not published.
pub fn publish(conn: &mut PgConnection, id: i32, at: Actor) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let meeting = lock(conn, id)?;
        if meeting.schedule.published_at.is_some() {
            return Ok(Ok(()));
        }
        if meeting.schedule.starts_at <= at.now {
            return refused("publish", Refusal::new("msg.meeting_publish_past"));
        }
        diesel::update(m::table.find(id))
            .set((m::published_at.eq(at.now), m::version.eq(m::version + 1)))
            .execute(conn)?;
        at.audit(conn, id, "meeting.publish", json!({}))?;
        Ok(Ok(()))
    })
}

/// The longest notice (a cancellation's reason), as the table allows with room for the
/// sentence around it.
pub const MAX_REASON: usize = 1000;

/// Cancels (中止) an upcoming meeting with its reason: a notice on its page and one email to
/// each live registrant. A second click changes nothing and sends nothing.
pub fn cancel(
    conn: &mut PgConnection,
    id: i32,
    reason: &str,
    at: Actor,
    public_url: &str,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let meeting = lock(conn, id)?;
        match meeting.state(at.now) {
            State::Cancelled => return Ok(Ok(())),
            State::Upcoming => {}
            State::Draft => return refused("form", Refusal::new("msg.meeting_cancel_draft")),
            _ => return refused("form", Refusal::new("msg.meeting_cancel_started")),
        }
        diesel::update(m::table.find(id))
            .set((m::cancelled_at.eq(at.now), m::version.eq(m::version + 1)))
            .execute(conn)?;
        let body = translate(
            Lang::Ja,
            "staff.meetings.notice_cancelled",
            &[("reason", reason.to_owned())],
        );
        post_notice(conn, id, "cancelled", &body, at)?;
        at.audit(
            conn,
            id,
            "meeting.cancel_meeting",
            json!({ "reason": reason }),
        )?;
        let cancelled = model::find(conn, id)?.ok_or(Error::NotFound)?;
        let told = Told::Cancelled(reason);
        tell_registrants(conn, public_url, &cancelled, &told, &[], at.now)?;
        Ok(Ok(()))
    })
}

fn post_notice(conn: &mut PgConnection, id: i32, kind: &str, body: &str, at: Actor) -> Result<()> {
    diesel::insert_into(mn::table)
        .values((
            mn::meeting_id.eq(id),
            mn::kind.eq(kind),
            mn::body.eq(body),
            mn::posted_at.eq(at.now),
            mn::posted_by.eq(at.id),
        ))
        .execute(conn)?;
    Ok(())
}

/// What registrants are told.
enum Told<'a> {
    Changed(&'a [Change]),
    Cancelled(&'a str),
}

/// The changes' names, joined (「日時・会場」).
fn labels(lang: Lang, changes: &[Change]) -> String {
    let separator = if lang == Lang::Ja { "・" } else { ", " };
    changes
        .iter()
        .map(|c| t(lang, c.label()))
        .collect::<Vec<_>>()
        .join(separator)
}

/// Where, as a notice says it: the venue's name and address, or on line.
fn venue(lang: Lang, meeting: &Meeting) -> String {
    meeting
        .venue()
        .unwrap_or_else(|| t(lang, "staff.meetings.online_only"))
}

/// A live registration's account, typed address, cancel link's secret and status.
type Live = (Option<Uuid>, Option<String>, Option<String>, String);

/// One email about the change to every live registration of the meeting but `skip`: once each.
fn tell_registrants(
    conn: &mut PgConnection,
    public_url: &str,
    meeting: &Meeting,
    told: &Told,
    skip: &[i32],
    now: DateTime<Utc>,
) -> Result<()> {
    let live: Vec<Live> = mr::table
        .filter(mr::meeting_id.eq(meeting.id))
        .filter(mr::status.ne(registrations::Status::Cancelled.code()))
        .filter(mr::id.ne_all(skip))
        .order(mr::id)
        .select((mr::account_id, mr::email, mr::cancel_token, mr::status))
        .load(conn)?;
    let base = public_url.trim_end_matches('/');
    for (account, email, token, status) in &live {
        let seat = status == registrations::Status::Confirmed.code();
        let context = |lang: Lang, cancel: Option<String>| {
            let mut context = json!({
                "title": meeting.title,
                "when": model::when(lang, meeting.schedule.starts_at, meeting.schedule.ends_at),
                "venue": venue(lang, meeting),
                // Only a person with a seat may join on line.
                "online_url": meeting.online_url.as_ref().filter(|_| seat),
                "link": format!("{base}/meetings/{}", meeting.id),
                "cancel_url": cancel,
                "waiting": !seat,
                "changes": null,
                "cancelled": false,
                "reason": null,
            });
            match told {
                Told::Changed(changes) => context["changes"] = json!(labels(lang, changes)),
                Told::Cancelled(reason) => {
                    context["cancelled"] = json!(true);
                    context["reason"] = json!(reason);
                }
            }
            context
        };
        // A seat's calendar takes the new time, place or cancellation (same UID, higher
        // SEQUENCE); the waiting list never had the event.
        let attachment = seat.then(|| ics::attachment(meeting, public_url, now));
        emails::deliver(
            conn,
            public_url,
            &recipient(*account, email.as_deref(), token.as_deref()),
            "meeting_changed",
            context,
            matches!(told, Told::Changed(_)),
            attachment,
        )?;
    }
    Ok(())
}
