//! What happens to a consultation after it is saved as a draft (公示前): the announcement
//! (公示) that makes it public, and while it is announced and not yet closed, a correction of
//! its text (正誤), a later deadline (締切の延長) or its withdrawal (中止). Each of the last three
//! is a public notice at the top of its page and one email to the people following it, in the
//! transaction of the change, with its audit entry.

use super::fields::Section;
use super::model::emails::tell;
use super::model::{lock, refused, Consultation, NoticeKind, Refused};
use super::period::{day_of, State};
use crate::audit::{self, Entry};
use crate::db::schema::{
    consultation_comments as cc, consultation_measures as cm, consultation_notices as cn,
    consultation_sections as cs, consultations as c,
};
use crate::error::Result;
use crate::refusal::Refusal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Who does a change, when and from where.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub now: DateTime<Utc>,
    pub actor: Uuid,
    pub ip: Option<&'a str>,
}

impl Change<'_> {
    fn audit(
        &self,
        conn: &mut PgConnection,
        id: i32,
        action: &'static str,
        details: serde_json::Value,
    ) -> Result<()> {
        audit::record(
            conn,
            Entry {
                actor: Some(self.actor),
                action,
                record: Some(("consultation", id.to_string())),
                ip: self.ip,
                details,
            },
        )
    }
}

/// Announces a draft (公示): from `now` on the public sees it, and the followers of its measures
/// hear when it opens (`model::emails::notify_opened`). The period counts from the
/// announcement, so a first day already past becomes today, and the 30-day rule then applies to
/// what is left.
pub fn announce(conn: &mut PgConnection, id: i32, at: Change) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let current = lock(conn, id)?;
        if current.state(at.now) != State::Draft {
            return refused("form", Refusal::new("msg.announced_already"));
        }
        if current.period.not_over(at.now).is_err() {
            let last_day = crate::wareki::date_ja(current.period.last_day_at());
            return refused(
                "announce",
                Refusal::new("msg.announce_closes_passed").with("date", last_day),
            );
        }
        let period = current.period.announced_on(day_of(at.now));
        let reason = current.short_period_reason.as_deref().unwrap_or_default();
        let reason = match period.short_reason(reason) {
            Ok(reason) => reason,
            // The saved reason was checked: what fails now is the period cut short.
            Err(refusal) => {
                let refusal = match refusal.key() {
                    "msg.short_period_reason" => {
                        Refusal::new("msg.announce_short_period").with("days", period.days())
                    }
                    _ => Refusal::new("msg.announce_reason_long"),
                };
                return refused("announce", refusal);
            }
        };
        diesel::update(c::table.filter(c::id.eq(id)))
            .set((
                c::opens_on.eq(period.opens_on()),
                c::short_period_reason.eq(&reason),
                c::published_at.eq(at.now),
            ))
            .execute(conn)?;
        at.audit(
            conn,
            id,
            "consultation.announce",
            json!({
                "opens_on": period.opens_on().to_string(),
                "opens_on_saved": current.period.opens_on().to_string(),
                "closes_on": period.closes_on().to_string(),
            }),
        )?;
        Ok(Ok(()))
    })
}

/// The consultation, locked, while it may be amended (announced, not closed or withdrawn).
fn amendable(
    conn: &mut PgConnection,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Result<Consultation, Refused>> {
    let current = lock(conn, id)?;
    match current.state(now) {
        state if state.is_amendable() => Ok(Ok(current)),
        State::Draft => refused("form", Refusal::new("msg.amend_draft")),
        State::Withdrawn => refused("form", Refusal::new("msg.amend_withdrawn")),
        _ => refused("form", Refusal::new("msg.amend_over")),
    }
}

/// Posts a notice and emails it: to everyone who sent an opinion and, once they were told it
/// opened, to the followers of its measures (before that, the opening email tells them of the
/// consultation as it then is).
fn post_notice(
    conn: &mut PgConnection,
    consultation: &Consultation,
    kind: NoticeKind,
    body: &str,
    extended: Option<(NaiveDate, NaiveDate)>,
    at: Change,
    public_url: &str,
) -> Result<()> {
    let id = consultation.id;
    diesel::insert_into(cn::table)
        .values((
            cn::consultation_id.eq(id),
            cn::kind.eq(kind.code()),
            cn::body.eq(body),
            cn::closes_on_before.eq(extended.map(|(before, _)| before)),
            cn::closes_on_after.eq(extended.map(|(_, after)| after)),
            cn::posted_at.eq(at.now),
            cn::posted_by.eq(at.actor),
        ))
        .execute(conn)?;
    let told_opened: Option<DateTime<Utc>> =
        c::table.find(id).select(c::notified_open_at).first(conn)?;
    let closes = extended.map_or(consultation.period.last_day_at(), |(_, after)| {
        super::period::start_of_day(after)
    });
    let mut context = json!({
        "title": consultation.title,
        "link": format!("{}/consultations/{id}", public_url.trim_end_matches('/')),
        "body": body,
        "closes": crate::wareki::date_ja(closes),
    });
    // The templates say what the notice is by which of these is set.
    context[kind.code()] = json!(true);
    tell(
        conn,
        public_url,
        id,
        told_opened.is_some(),
        "consultation_notice",
        &context,
    )
}

/// What an amendment did, for its notice and its audit entry.
struct Amendment<'a> {
    kind: NoticeKind,
    /// What the notice says.
    body: &'a str,
    /// The last day before and after, for an extension.
    extended: Option<(NaiveDate, NaiveDate)>,
    action: &'static str,
    details: serde_json::Value,
}

/// Amends an announced consultation in one transaction: `change` does it to the locked
/// consultation (or refuses), then its notice is posted and emailed, and the change audited.
fn amend<'a>(
    conn: &mut PgConnection,
    id: i32,
    at: Change,
    public_url: &str,
    change: impl FnOnce(&mut PgConnection, &Consultation) -> Result<Result<Amendment<'a>, Refused>>,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let current = match amendable(conn, id, at.now)? {
            Ok(current) => current,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let done = match change(conn, &current)? {
            Ok(done) => done,
            Err(refusal) => return Ok(Err(refusal)),
        };
        post_notice(
            conn,
            &current,
            done.kind,
            done.body,
            done.extended,
            at,
            public_url,
        )?;
        at.audit(conn, id, done.action, done.details)?;
        Ok(Ok(()))
    })
}

/// A correction (正誤) of what an announced consultation says, and the note of what changed.
pub struct Correction {
    pub title: String,
    pub summary: String,
    pub sections: Vec<Section>,
    pub note: String,
}

/// Corrects the title, summary and sections of an announced consultation. Sections are
/// changed in place, so the opinions on one keep pointing at it; one with opinions cannot be
/// removed.
pub fn correct(
    conn: &mut PgConnection,
    id: i32,
    correction: &Correction,
    at: Change,
    public_url: &str,
) -> Result<Result<(), Refused>> {
    amend(conn, id, at, public_url, |conn, _| {
        let kept = correction.sections.len() as i32;
        let removed_with_opinions: Vec<i32> = cs::table
            .inner_join(cc::table)
            .filter(cs::consultation_id.eq(id))
            .filter(cs::number.gt(kept))
            .select(cs::number)
            .distinct()
            .order(cs::number)
            .load(conn)?;
        if let Some(number) = removed_with_opinions.first() {
            return refused(
                "sections",
                Refusal::new("msg.section_has_opinions").with("number", number),
            );
        }
        let measures: i64 = cm::table
            .filter(cm::consultation_id.eq(id))
            .count()
            .get_result(conn)?;
        if measures == 0 && kept == 0 {
            return refused("sections", Refusal::required("label.draft_sections"));
        }
        diesel::update(c::table.filter(c::id.eq(id)))
            .set((
                c::title.eq(&correction.title),
                c::summary.eq(&correction.summary),
            ))
            .execute(conn)?;
        diesel::delete(
            cs::table
                .filter(cs::consultation_id.eq(id))
                .filter(cs::number.gt(kept)),
        )
        .execute(conn)?;
        for (i, section) in correction.sections.iter().enumerate() {
            let number = i as i32 + 1;
            let changed = diesel::update(
                cs::table
                    .filter(cs::consultation_id.eq(id))
                    .filter(cs::number.eq(number)),
            )
            .set((cs::heading.eq(&section.heading), cs::body.eq(&section.body)))
            .execute(conn)?;
            if changed == 0 {
                diesel::insert_into(cs::table)
                    .values((
                        cs::consultation_id.eq(id),
                        cs::number.eq(number),
                        cs::heading.eq(&section.heading),
                        cs::body.eq(&section.body),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(Ok(Amendment {
            kind: NoticeKind::Correction,
            body: &correction.note,
            extended: None,
            action: "consultation.correct",
            details: json!({ "note": correction.note, "title": correction.title, "sections": kept }),
        }))
    })
}

/// Moves the last day of an announced consultation to `closes_on`, later only (締切の延長),
/// with the reason; the 30-day rule is checked on the longer period.
pub fn extend(
    conn: &mut PgConnection,
    id: i32,
    closes_on: NaiveDate,
    reason: &str,
    at: Change,
    public_url: &str,
) -> Result<Result<(), Refused>> {
    amend(conn, id, at, public_url, |conn, current| {
        let period = match current.period.extended(closes_on) {
            Ok(period) => period,
            Err(refusal) => return refused("closes_on", refusal),
        };
        let short = current.short_period_reason.as_deref().unwrap_or_default();
        let short = match period.short_reason(short) {
            Ok(short) => short,
            Err(refusal) => return refused("closes_on", refusal),
        };
        diesel::update(c::table.filter(c::id.eq(id)))
            .set((
                c::closes_on.eq(period.closes_on()),
                c::short_period_reason.eq(&short),
            ))
            .execute(conn)?;
        let before = current.period.closes_on();
        Ok(Ok(Amendment {
            kind: NoticeKind::Extension,
            body: reason,
            extended: Some((before, closes_on)),
            action: "consultation.extend",
            details: json!({ "closes_on_before": before.to_string(), "closes_on": closes_on.to_string(), "reason": reason }),
        }))
    })
}

/// Withdraws an announced consultation (中止) with the reason: it takes no more opinions and
/// gets no result.
pub fn withdraw(
    conn: &mut PgConnection,
    id: i32,
    reason: &str,
    at: Change,
    public_url: &str,
) -> Result<Result<(), Refused>> {
    amend(conn, id, at, public_url, |conn, _| {
        diesel::update(c::table.filter(c::id.eq(id)))
            .set(c::withdrawn_at.eq(at.now))
            .execute(conn)?;
        Ok(Ok(Amendment {
            kind: NoticeKind::Withdrawal,
            body: reason,
            extended: None,
            action: "consultation.withdraw",
            details: json!({ "reason": reason }),
        }))
    })
}
