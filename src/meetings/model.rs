//! Meetings in the database: the reads every page, feed and the API share. Public reads never
//! select a registration's person (name, phone, email, account): only counts. The on-line URL
//! is read with the meeting but shown only to its registrants and staff (`Meeting::online_url`
//! is private to this module's users that check that).

use super::rules::{Kind, Schedule, State};
use crate::db::schema::{
    departments, meeting_measures as mm, meeting_minutes as mmin, meeting_notices as mn,
    meeting_registrations as mr, meetings as m,
};
use crate::error::{Error, Result};
use crate::wareki::jst;
use crate::web::i18n::Lang;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

/// A meeting (意見を聴く場) as staff saved it.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: i32,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub department_id: i32,
    pub department: String,
    pub consultation_id: Option<i32>,
    pub schedule: Schedule,
    pub venue_name: Option<String>,
    pub venue_address: Option<String>,
    pub access_notes: Option<String>,
    /// Shown only to registrants and staff.
    pub online_url: Option<String>,
    /// `None`: no limit.
    pub capacity: Option<i32>,
    pub sign_language: bool,
    pub childcare: bool,
    pub wheelchair: bool,
    pub accessibility_notes: Option<String>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub attendance: Option<i32>,
    pub minutes_summary: Option<String>,
    pub minutes_published_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// Its measures' codes, in the plan's order.
    pub measures: Vec<String>,
}

impl Meeting {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        self.schedule.state(now)
    }

    /// Whether the meeting is on line (only, or besides a venue).
    pub fn is_online(&self) -> bool {
        self.online_url.is_some()
    }

    /// The venue's name and address on one line, if it has a venue.
    pub fn venue(&self) -> Option<String> {
        let parts: Vec<&str> = [self.venue_name.as_deref(), self.venue_address.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// When a meeting is, as the city writes it: `令和8年12月12日（土）14:00〜16:00` in Tokyo; the
/// end's date too when it ends on another day.
pub fn when_ja(starts: DateTime<Utc>, ends: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let jst = crate::wareki::jst();
    let day = |at: DateTime<Utc>| {
        let weekday = ["月", "火", "水", "木", "金", "土", "日"]
            [at.with_timezone(&jst).weekday().num_days_from_monday() as usize];
        format!("{}（{weekday}）", crate::wareki::date_ja(at))
    };
    let time = |at: DateTime<Utc>| at.with_timezone(&jst).format("%H:%M").to_string();
    if starts.with_timezone(&jst).date_naive() == ends.with_timezone(&jst).date_naive() {
        format!("{}{}〜{}", day(starts), time(starts), time(ends))
    } else {
        format!(
            "{}{}〜{}{}",
            day(starts),
            time(starts),
            day(ends),
            time(ends)
        )
    }
}

/// When, in the page's language: 和暦 with the weekday in Japanese (`when_ja`), and
/// `Sat 12 December 2026, 14:00-16:00` in English; Tokyo time either way.
pub fn when(lang: Lang, starts: DateTime<Utc>, ends: DateTime<Utc>) -> String {
    match lang {
        Lang::Ja => when_ja(starts, ends),
        Lang::En => {
            let (starts, ends) = (starts.with_timezone(&jst()), ends.with_timezone(&jst()));
            let day = "%a %-d %B %Y";
            if starts.date_naive() == ends.date_naive() {
                format!(
                    "{}, {}-{}",
                    starts.format(day),
                    starts.format("%H:%M"),
                    ends.format("%H:%M")
                )
            } else {
                let at = "%a %-d %B %Y, %H:%M";
                format!("{} - {}", starts.format(at), ends.format(at))
            }
        }
    }
}

type Row = (
    (i32, String, String, String, i32, String, Option<i32>),
    (
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    ),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i32>,
    ),
    (bool, bool, bool, Option<String>),
    (
        Option<DateTime<Utc>>,
        Option<i32>,
        Option<String>,
        Option<DateTime<Utc>>,
        i32,
    ),
);

macro_rules! meeting_columns {
    () => {
        (
            (
                m::id,
                m::kind,
                m::title,
                m::description,
                m::department_id,
                departments::name,
                m::consultation_id,
            ),
            (
                m::starts_at,
                m::ends_at,
                m::published_at,
                m::cancelled_at,
                m::attendance_recorded_at,
                m::registration_opens_at,
                m::registration_closes_at,
            ),
            (
                m::venue_name,
                m::venue_address,
                m::access_notes,
                m::online_url,
                m::capacity,
            ),
            (
                m::sign_language,
                m::childcare,
                m::wheelchair,
                m::accessibility_notes,
            ),
            (
                m::reminded_at,
                m::attendance,
                m::minutes_summary,
                m::minutes_published_at,
                m::version,
            ),
        )
    };
}

fn from_row(r: Row, measures: Vec<String>) -> Result<Meeting> {
    let (head, times, place, care, record) = r;
    Ok(Meeting {
        id: head.0,
        kind: head
            .1
            .parse()
            .map_err(|_| Error::Internal(format!("meeting kind {}", head.1)))?,
        title: head.2,
        description: head.3,
        department_id: head.4,
        department: head.5,
        consultation_id: head.6,
        schedule: Schedule {
            starts_at: times.0,
            ends_at: times.1,
            published_at: times.2,
            cancelled_at: times.3,
            attendance_recorded_at: times.4,
            registration_opens_at: times.5,
            registration_closes_at: times.6,
        },
        venue_name: place.0,
        venue_address: place.1,
        access_notes: place.2,
        online_url: place.3,
        capacity: place.4,
        sign_language: care.0,
        childcare: care.1,
        wheelchair: care.2,
        accessibility_notes: care.3,
        reminded_at: record.0,
        attendance: record.1,
        minutes_summary: record.2,
        minutes_published_at: record.3,
        version: record.4,
        measures,
    })
}

/// The measures of `ids`, each meeting's in code order. One query.
fn measures_of(conn: &mut PgConnection, ids: &[i32]) -> Result<HashMap<i32, Vec<String>>> {
    let rows: Vec<(i32, String)> = mm::table
        .filter(mm::meeting_id.eq_any(ids))
        .order((mm::meeting_id, mm::measure_code))
        .select((mm::meeting_id, mm::measure_code))
        .load(conn)?;
    let mut by_meeting: HashMap<i32, Vec<String>> = HashMap::new();
    for (id, code) in rows {
        by_meeting.entry(id).or_default().push(code);
    }
    Ok(by_meeting)
}

fn with_measures(conn: &mut PgConnection, rows: Vec<Row>) -> Result<Vec<Meeting>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.0 .0).collect();
    let mut measures = measures_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let codes = measures.remove(&r.0 .0).unwrap_or_default();
            from_row(r, codes)
        })
        .collect()
}

/// One meeting, draft or not (callers decide who may see a draft). Two queries.
pub fn find(conn: &mut PgConnection, id: i32) -> Result<Option<Meeting>> {
    let row: Option<Row> = m::table
        .inner_join(departments::table)
        .filter(m::id.eq(id))
        .select(meeting_columns!())
        .first(conn)
        .optional()?;
    Ok(with_measures(conn, row.into_iter().collect())?.pop())
}

/// Which meetings a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only meetings on this measure.
    pub measure: Option<String>,
    pub kind: Option<Kind>,
    /// Only meetings starting in this month (JST), as (year, month).
    pub month: Option<(i32, u32)>,
    /// Drafts too (staff lists).
    pub drafts: bool,
    /// Only meetings starting at or after this (the calendar and the feed: a year back).
    pub since: Option<DateTime<Utc>>,
}

/// Meetings matching `filter`, by start time, earliest first. Two queries.
pub fn list(conn: &mut PgConnection, filter: &Filter, now: DateTime<Utc>) -> Result<Vec<Meeting>> {
    let mut query = m::table
        .inner_join(departments::table)
        .select(meeting_columns!())
        .order((m::starts_at, m::id))
        .into_boxed();
    if !filter.drafts {
        query = query.filter(m::published_at.le(now));
    }
    if let Some(code) = &filter.measure {
        query = query.filter(
            m::id.eq_any(
                mm::table
                    .filter(mm::measure_code.eq(code.clone()))
                    .select(mm::meeting_id),
            ),
        );
    }
    if let Some(kind) = filter.kind {
        query = query.filter(m::kind.eq(kind.code()));
    }
    if let Some(since) = filter.since {
        query = query.filter(m::starts_at.ge(since));
    }
    if let Some((year, month)) = filter.month {
        let (from, to) = month_bounds(year, month)?;
        query = query
            .filter(m::starts_at.ge(from))
            .filter(m::starts_at.lt(to));
    }
    let rows: Vec<Row> = query.load(conn)?;
    with_measures(conn, rows)
}

/// The first instant of a month in Tokyo and of the next one.
pub fn month_bounds(year: i32, month: u32) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    use chrono::{NaiveDate, TimeZone};
    let first = |y: i32, m: u32| -> Result<DateTime<Utc>> {
        let day = NaiveDate::from_ymd_opt(y, m, 1).ok_or(Error::NotFound)?;
        Ok(crate::wareki::jst()
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).ok_or(Error::NotFound)?)
            .single()
            .ok_or(Error::NotFound)?
            .with_timezone(&Utc))
    };
    let next = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    Ok((first(year, month)?, first(next.0, next.1)?))
}

/// Which public meetings a page of the open-data list shows, and where it continues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    pub measure: Option<String>,
    pub kind: Option<Kind>,
    /// Starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Starting before this instant.
    pub until: Option<DateTime<Utc>>,
    /// `Some(false)`: not over yet, earliest first; `Some(true)`: over, latest first; `None`:
    /// all, earliest first.
    pub past: Option<bool>,
    /// The previous page's last meeting (start, id): the page continues after it.
    pub after: Option<(DateTime<Utc>, i32)>,
}

/// A page of `size` published meetings in `window`, and whether more follow. Two queries.
pub fn page(
    conn: &mut PgConnection,
    window: &Window,
    size: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<Meeting>, bool)> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Integer, Timestamptz};
    let mut query = m::table
        .inner_join(departments::table)
        .select(meeting_columns!())
        .filter(m::published_at.le(now))
        .into_boxed();
    if let Some(code) = &window.measure {
        query = query.filter(
            m::id.eq_any(
                mm::table
                    .filter(mm::measure_code.eq(code.clone()))
                    .select(mm::meeting_id),
            ),
        );
    }
    if let Some(kind) = window.kind {
        query = query.filter(m::kind.eq(kind.code()));
    }
    if let Some(from) = window.from {
        query = query.filter(m::starts_at.ge(from));
    }
    if let Some(until) = window.until {
        query = query.filter(m::starts_at.lt(until));
    }
    let latest_first = window.past == Some(true);
    match window.past {
        Some(true) => query = query.filter(m::ends_at.le(now)),
        Some(false) => query = query.filter(m::ends_at.gt(now)),
        None => {}
    }
    if let Some((at, id)) = window.after {
        // A row comparison, which the (starts_at, id) index answers as a range.
        let beyond = if latest_first { "<" } else { ">" };
        query = query.filter(
            sql::<Bool>(&format!(
                "(\"meetings\".\"starts_at\", \"meetings\".\"id\") {beyond} ("
            ))
            .bind::<Timestamptz, _>(at)
            .sql(", ")
            .bind::<Integer, _>(id)
            .sql(")"),
        );
    }
    query = if latest_first {
        query.order((m::starts_at.desc(), m::id.desc()))
    } else {
        query.order((m::starts_at, m::id))
    };
    // Its text is one of the few that the filters given, the direction and a cursor make (the
    // values are binds): safe to keep prepared.
    let mut rows: Vec<Row> = crate::db::prepared(query.limit(size + 1)).load(conn)?;
    let more = rows.len() as i64 > size;
    rows.truncate(usize::try_from(size).unwrap_or_default());
    Ok((with_measures(conn, rows)?, more))
}

/// Seats taken and people waiting, per meeting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Seats {
    pub confirmed: i64,
    pub waiting: i64,
}

/// The seats of `ids`. One query.
pub fn seats(conn: &mut PgConnection, ids: &[i32]) -> Result<HashMap<i32, Seats>> {
    let rows: Vec<(i32, String, i64)> = mr::table
        .filter(mr::meeting_id.eq_any(ids))
        .filter(mr::status.ne("cancelled"))
        .group_by((mr::meeting_id, mr::status))
        .select((mr::meeting_id, mr::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut seats: HashMap<i32, Seats> = HashMap::new();
    for (id, status, n) in rows {
        let entry = seats.entry(id).or_default();
        if status == "confirmed" {
            entry.confirmed = n;
        } else {
            entry.waiting = n;
        }
    }
    Ok(seats)
}

/// A notice of a change or cancellation, as the page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    pub kind: String,
    pub body: String,
    pub posted_at: DateTime<Utc>,
}

/// A meeting's notices, oldest first. One query.
pub fn notices(conn: &mut PgConnection, id: i32) -> Result<Vec<Notice>> {
    let rows: Vec<(String, String, DateTime<Utc>)> = mn::table
        .filter(mn::meeting_id.eq(id))
        .order(mn::id)
        .select((mn::kind, mn::body, mn::posted_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kind, body, posted_at)| Notice {
            kind,
            body,
            posted_at,
        })
        .collect())
}

/// One topic of the minutes (議事録): what was said and the city's response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Topic {
    pub number: i32,
    pub topic: String,
    pub said: String,
    pub response: Option<String>,
}

/// A meeting's minutes by topic, in order. One query.
pub fn topics(conn: &mut PgConnection, id: i32) -> Result<Vec<Topic>> {
    let rows: Vec<(i32, String, String, Option<String>)> = mmin::table
        .filter(mmin::meeting_id.eq(id))
        .order(mmin::number)
        .select((mmin::number, mmin::topic, mmin::said, mmin::response))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(number, topic, said, response)| Topic {
            number,
            topic,
            said,
            response,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_are_dated_in_the_pages_language_in_tokyo_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let (starts, ends) = (at("2026-12-12T05:00:00Z"), at("2026-12-12T07:00:00Z"));
        assert_eq!(when(Lang::Ja, starts, ends), when_ja(starts, ends));
        assert_eq!(
            when(Lang::En, starts, ends),
            "Sat 12 December 2026, 14:00-16:00"
        );
        assert_eq!(
            when(
                Lang::En,
                at("2026-12-12T14:00:00Z"),
                at("2026-12-13T16:00:00Z")
            ),
            "Sat 12 December 2026, 23:00 - Mon 14 December 2026, 01:00"
        );
    }

    #[test]
    fn a_month_runs_from_its_first_midnight_in_tokyo_to_the_next() {
        let (from, to) = month_bounds(2026, 12).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-11-30T15:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-31T15:00:00+00:00");
        let (from, _) = month_bounds(2027, 1).unwrap();
        assert_eq!(from, to);
        assert!(month_bounds(2026, 13).is_err());
    }

    #[test]
    fn a_meeting_is_dated_in_wareki_with_its_weekday_and_tokyo_times() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            when_ja(at("2026-12-12T05:00:00Z"), at("2026-12-12T07:00:00Z")),
            "令和8年12月12日（土）14:00〜16:00"
        );
        assert_eq!(
            when_ja(at("2026-12-12T14:00:00Z"), at("2026-12-13T16:00:00Z")),
            "令和8年12月12日（土）23:00〜令和8年12月14日（月）01:00"
        );
    }
}
