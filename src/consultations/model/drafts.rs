//! Saving a draft (公示前) and editing it while it is one.

use super::{lock, refused, Refused};
use crate::audit::{self, Entry};
use crate::consultations::fields::Section;
use crate::consultations::period::{Period, State};
use crate::db::schema::{
    consultation_measures as cm, consultation_sections as cs, consultations as c, departments,
    measures,
};
use crate::error::Result;
use crate::refusal::Refusal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// A new consultation from the staff form.
pub struct NewConsultation {
    pub title: String,
    pub department_id: i32,
    pub summary: String,
    pub period: Period,
    pub short_period_reason: Option<String>,
    pub identity_required: bool,
    pub measures: Vec<String>,
    pub sections: Vec<Section>,
}

/// What must hold of a new or edited draft: its period is not over at `now`, its department
/// and measures exist, and something is consulted on.
fn check(
    conn: &mut PgConnection,
    new: &NewConsultation,
    now: DateTime<Utc>,
) -> Result<Result<(), Refused>> {
    if let Err(refusal) = new.period.not_over(now) {
        return refused("closes_on", refusal);
    }
    let department: bool = diesel::select(diesel::dsl::exists(
        departments::table.filter(departments::id.eq(new.department_id)),
    ))
    .get_result(conn)?;
    if !department {
        return refused("department", Refusal::new("msg.department_choose"));
    }
    let known: i64 = measures::table
        .filter(measures::code.eq_any(&new.measures))
        .count()
        .get_result(conn)?;
    if known != new.measures.len() as i64 {
        return refused("measures", Refusal::new("msg.measure_not_found"));
    }
    if new.measures.is_empty() && new.sections.is_empty() {
        return refused("measures", Refusal::new("msg.consultation_subject"));
    }
    Ok(Ok(()))
}

/// The columns of `consultations` the staff form sets, on creating and on editing alike.
type Columns<'a> = (
    diesel::dsl::Eq<c::title, &'a String>,
    diesel::dsl::Eq<c::department_id, i32>,
    diesel::dsl::Eq<c::summary, &'a String>,
    diesel::dsl::Eq<c::opens_on, NaiveDate>,
    diesel::dsl::Eq<c::closes_on, NaiveDate>,
    diesel::dsl::Eq<c::short_period_reason, &'a Option<String>>,
    diesel::dsl::Eq<c::identity_required, bool>,
);

fn columns(new: &NewConsultation) -> Columns<'_> {
    (
        c::title.eq(&new.title),
        c::department_id.eq(new.department_id),
        c::summary.eq(&new.summary),
        c::opens_on.eq(new.period.opens_on()),
        c::closes_on.eq(new.period.closes_on()),
        c::short_period_reason.eq(&new.short_period_reason),
        c::identity_required.eq(new.identity_required),
    )
}

/// Writes the measures and numbered sections of a consultation (replacing any) and the audit
/// entry of the change (`action`).
fn write_contents(
    conn: &mut PgConnection,
    id: i32,
    new: &NewConsultation,
    action: &'static str,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<()> {
    diesel::delete(cm::table.filter(cm::consultation_id.eq(id))).execute(conn)?;
    diesel::delete(cs::table.filter(cs::consultation_id.eq(id))).execute(conn)?;
    for code in &new.measures {
        diesel::insert_into(cm::table)
            .values((cm::consultation_id.eq(id), cm::measure_code.eq(code)))
            .execute(conn)?;
    }
    for (i, s) in new.sections.iter().enumerate() {
        diesel::insert_into(cs::table)
            .values((
                cs::consultation_id.eq(id),
                cs::number.eq(i as i32 + 1),
                cs::heading.eq(&s.heading),
                cs::body.eq(&s.body),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Entry {
            actor: Some(actor),
            action,
            record: Some(("consultation", id.to_string())),
            ip,
            details: json!({
                "title": new.title,
                "opens_on": new.period.opens_on().to_string(),
                "closes_on": new.period.closes_on().to_string(),
                "short_period_reason": new.short_period_reason,
            }),
        },
    )?;
    Ok(())
}

/// Changes a draft (公示前); once announced, the text changes only by a correction (正誤) and
/// the deadline only by an extension, each with its public notice.
pub fn update(
    conn: &mut PgConnection,
    id: i32,
    new: &NewConsultation,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let current = lock(conn, id)?;
        if current.state(now) != State::Draft {
            return refused("form", not_a_draft());
        }
        if let Err(refused) = check(conn, new, now)? {
            return Ok(Err(refused));
        }
        diesel::update(c::table.filter(c::id.eq(id)))
            .set(columns(new))
            .execute(conn)?;
        write_contents(conn, id, new, "consultation.update", actor, ip)?;
        Ok(Ok(()))
    })
}

/// Why a consultation once announced is not edited as a draft.
pub fn not_a_draft() -> Refusal {
    Refusal::new("msg.not_a_draft")
}

/// Saves a consultation as a draft (公示前), seen by staff only until it is announced
/// (`lifecycle::announce`); refuses a period over at `now` and an unknown department or
/// measure. Returns its id.
pub fn create(
    conn: &mut PgConnection,
    new: &NewConsultation,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<i32, Refused>> {
    conn.transaction(|conn| {
        if let Err(refused) = check(conn, new, now)? {
            return Ok(Err(refused));
        }
        let id: i32 = diesel::insert_into(c::table)
            .values((columns(new), c::created_by.eq(actor)))
            .returning(c::id)
            .get_result(conn)?;
        write_contents(conn, id, new, "consultation.create", actor, ip)?;
        Ok(Ok(id))
    })
}

/// The departments a consultation may be in, by name: the choices of the staff form.
pub fn departments(conn: &mut PgConnection) -> Result<Vec<(i32, String)>> {
    Ok(departments::table
        .order(departments::name)
        .select((departments::id, departments::name))
        .load(conn)?)
}
