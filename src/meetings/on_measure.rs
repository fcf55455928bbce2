//! A measure's meetings on its page (registered by `app` in
//! [`crate::plan::sections::MeasureParts`]): the coming ones, and the last few held with their
//! minutes.

use super::model::when;
use super::rules::Kind;
use crate::error::{Error, Result};
use crate::plan::sections::{Section, SectionLoader};
use crate::web::i18n::{translate, Lang};
use crate::web::AppState;
use actix_web::{web, HttpRequest};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text, Timestamptz};
use serde_json::{json, Value};

/// 「この施策の意見を聴く場」 on the measure page.
pub const SECTION: Section = Section {
    key: "meetings",
    prepare,
};

fn prepare(req: &HttpRequest) -> Result<SectionLoader> {
    let lang = Lang::of(req);
    let now = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| Error::Internal("no app state".into()))?
        .clock
        .now();
    Ok(Box::new(move |conn, code| {
        let rows = for_measure(conn, &code.to_string(), now)?;
        Ok(json(lang, &code.to_string(), &rows))
    }))
}

/// A meeting as the measure page lists it.
#[derive(Debug, Clone, QueryableByName)]
struct OnMeasure {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Timestamptz)]
    starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    ends_at: DateTime<Utc>,
    /// Held (attendance recorded); else coming or under way.
    #[diesel(sql_type = Bool)]
    held: bool,
    #[diesel(sql_type = Bool)]
    minutes: bool,
}

/// The measure's published meetings not over yet (earliest first), then the last few held
/// (latest first); cancelled ones are left out. One query. The five coming and three held are
/// written into the text, not bound: a bound `LIMIT` makes PostgreSQL re-plan on every view
/// (see [`crate::db::limited`]).
fn for_measure(conn: &mut PgConnection, code: &str, now: DateTime<Utc>) -> Result<Vec<OnMeasure>> {
    Ok(crate::db::prepared(
        diesel::sql_query(
            "(SELECT m.id, m.kind, m.title, m.starts_at, m.ends_at, false AS held, false AS minutes
              FROM meetings m
              WHERE EXISTS (SELECT 1 FROM meeting_measures mm
                            WHERE mm.meeting_id = m.id AND mm.measure_code = $1)
                AND m.published_at <= $2 AND m.cancelled_at IS NULL
                AND m.attendance_recorded_at IS NULL AND m.ends_at > $2
              ORDER BY m.starts_at, m.id
              LIMIT 5)
             UNION ALL
             (SELECT m.id, m.kind, m.title, m.starts_at, m.ends_at, true AS held,
                     coalesce(m.minutes_published_at <= $2, false) AS minutes
              FROM meetings m
              WHERE EXISTS (SELECT 1 FROM meeting_measures mm
                            WHERE mm.meeting_id = m.id AND mm.measure_code = $1)
                AND m.published_at <= $2 AND m.cancelled_at IS NULL
                AND m.attendance_recorded_at IS NOT NULL
              ORDER BY m.starts_at DESC, m.id DESC
              LIMIT 3)",
        )
        .bind::<Text, _>(code)
        .bind::<Timestamptz, _>(now),
    )
    .load(conn)?)
}

fn json(lang: Lang, code: &str, rows: &[OnMeasure]) -> Value {
    let item = |m: &OnMeasure| {
        let kind = m
            .kind
            .parse::<Kind>()
            .map(|k| translate(lang, k.label(), &[]))
            .unwrap_or_default();
        json!({
            "href": format!("/meetings/{}", m.id),
            "title": m.title,
            "kind": kind,
            "when": when(lang, m.starts_at, m.ends_at),
            "datetime": crate::wareki::datetime_attr(&m.starts_at),
            "minutes_href": m.minutes.then(|| format!("/meetings/{}#minutes", m.id)),
        })
    };
    let upcoming: Vec<Value> = rows.iter().filter(|m| !m.held).map(item).collect();
    let held: Vec<Value> = rows.iter().filter(|m| m.held).map(item).collect();
    json!({
        "any": !upcoming.is_empty() || !held.is_empty(),
        "upcoming": upcoming,
        "held": held,
        "all_href": format!("/meetings?measure={code}"),
    })
}
