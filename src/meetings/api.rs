//! The open-data JSON of meetings (`/api/v1/meetings…`): published meetings only, public fields
//! only — whether a meeting is on line but never its URL (registrants get it by email), seats
//! and the waiting list as counts, never a registrant.

use super::model::{self, Meeting, Window};
use super::rules::{Kind, Registration, State};
use crate::consultations::period::start_of_day;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::json;
use crate::web::paging::cursor_time;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Meetings a page.
const PAGE_SIZE: i64 = 20;

/// Where a meeting is held, when it has a venue.
#[derive(Serialize, ToSchema)]
pub struct VenueJson {
    #[schema(example = "児玉総合支所 2階会議室")]
    pub name: Option<String>,
    pub address: Option<String>,
    /// How to get there (parking, the nearest station …).
    pub access_notes: Option<String>,
}

/// The registration window.
#[derive(Serialize, ToSchema)]
pub struct RegistrationJson {
    /// Registration opens (publication, unless staff set a later time).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<DateTime<Utc>>,
    /// Registration closes (the start, unless staff set an earlier time).
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: DateTime<Utc>,
    /// Whether a person may register (or join the waiting list) now.
    pub open: bool,
}

/// 情報保障・配慮 offered at the meeting.
#[derive(Serialize, ToSchema)]
pub struct AccessibilityJson {
    /// 手話通訳.
    pub sign_language: bool,
    /// 託児.
    pub childcare: bool,
    /// 車椅子で参加できる会場.
    pub wheelchair: bool,
    pub notes: Option<String>,
}

/// Where the meeting is elsewhere.
#[derive(Serialize, ToSchema)]
pub struct MeetingLinks {
    /// Its page.
    #[schema(example = "/meetings/1")]
    pub html: String,
    /// Its calendar file (iCalendar).
    #[schema(example = "/meetings/1.ics")]
    pub ics: String,
}

/// A published meeting (意見を聴く場).
#[derive(Serialize, ToSchema)]
pub struct MeetingJson {
    #[schema(minimum = 1)]
    pub id: i32,
    pub kind: Kind,
    pub title: String,
    /// 担当課.
    pub department: String,
    /// Codes of the measures (施策) it is about.
    #[schema(example = json!(["6-1"]))]
    pub measures: Vec<String>,
    /// The consultation (意見公募) it serves, e.g. a briefing on a draft.
    pub consultation_id: Option<i32>,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    /// None: on line only.
    pub venue: Option<VenueJson>,
    /// Whether people can take part on line (the address goes to registrants only).
    pub online: bool,
    /// Seats; none: no limit (and no waiting list).
    pub capacity: Option<i32>,
    /// Seats still free; none: no limit.
    pub seats_left: Option<i64>,
    /// People on the waiting list (キャンセル待ち).
    pub waiting: i64,
    pub registration: RegistrationJson,
    pub accessibility: AccessibilityJson,
    /// At the time of the request. Drafts are never listed.
    pub state: State,
    /// People who came, once staff recorded it (the meeting is then `held`).
    pub attendance: Option<i32>,
    /// Whether its minutes (議事録) are published.
    pub has_minutes: bool,
    pub links: MeetingLinks,
    /// This meeting in the API.
    #[schema(example = "/api/v1/meetings/1")]
    pub href: String,
}

/// A page of published meetings.
#[derive(Serialize, ToSchema)]
pub struct MeetingList {
    pub meetings: Vec<MeetingJson>,
    /// The next page, while there is one.
    pub next: Option<String>,
}

/// What was said on one topic, and the city's response.
#[derive(Serialize, ToSchema)]
pub struct TopicJson {
    pub number: i32,
    pub topic: String,
    /// What participants said.
    pub said: String,
    /// 市の回答.
    pub response: Option<String>,
}

/// The published minutes (議事録・実施報告).
#[derive(Serialize, ToSchema)]
pub struct MinutesJson {
    pub summary: String,
    #[schema(value_type = String, format = DateTime)]
    pub published_at: DateTime<Utc>,
    pub topics: Vec<TopicJson>,
}

/// A public notice of a change or of the cancellation, oldest first.
#[derive(Serialize, ToSchema)]
pub struct MeetingNoticeJson {
    /// `changed` or `cancelled`.
    #[schema(example = "changed")]
    pub kind: String,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub posted_at: DateTime<Utc>,
}

/// A published meeting with its description, notices and minutes.
#[derive(Serialize, ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingJson,
    pub description: String,
    pub notices: Vec<MeetingNoticeJson>,
    /// Once published.
    pub minutes: Option<MinutesJson>,
}

/// Meetings not over yet, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(as = MeetingWhen, rename_all = "lowercase")]
pub enum When {
    /// Not over yet (upcoming or under way), earliest first.
    Upcoming,
    /// Over (held, ended or cancelled), latest first.
    Past,
}

impl When {
    fn as_str(self) -> &'static str {
        match self {
            When::Upcoming => "upcoming",
            When::Past => "past",
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    measure: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    month: Option<String>,
    when: Option<String>,
    after: Option<String>,
}

/// A date of the query (`2026-12-01`), read exactly.
fn day(name: &'static str, raw: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| raw.len() == 10 && (1..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Refusal::new("msg.meetings_api_day").with("name", name))
}

/// `2026-12`: the month's first and next month's first instants in Tokyo.
fn month(raw: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), Refusal> {
    let bad = || Refusal::new("msg.meetings_api_month");
    let (year, month) = raw.split_once('-').ok_or_else(bad)?;
    if year.len() != 4 || month.len() != 2 {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u32 = month.parse().map_err(|_| bad())?;
    model::month_bounds(year, month).map_err(|_| bad())
}

/// `micros_id`: where the previous page ended.
fn cursor(raw: &str) -> Result<(DateTime<Utc>, i32), Refusal> {
    let bad = || Refusal::new("msg.meetings_api_cursor");
    let (micros, id) = raw.split_once('_').ok_or_else(bad)?;
    let digits = |s: &str, most: usize| {
        (1..=most).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(micros.strip_prefix('-').unwrap_or(micros), 16) || !digits(id, 9) {
        return Err(bad());
    }
    let at = cursor_time(micros).ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

/// The list's filters as the document describes them: an empty or padded value is refused,
/// never ignored. Several date filters narrow together.
fn window(query: &ListQuery) -> Result<Window, Refusal> {
    let given = [
        ("measure", &query.measure),
        ("kind", &query.kind),
        ("from", &query.from),
        ("to", &query.to),
        ("month", &query.month),
        ("when", &query.when),
        ("after", &query.after),
    ];
    for (name, value) in given {
        match value.as_deref() {
            Some("") => return Err(Refusal::new("msg.proposals_api_empty").with("name", name)),
            Some(v) if v.trim() != v => {
                return Err(Refusal::new("msg.proposals_api_spaces").with("name", name))
            }
            _ => {}
        }
    }
    let measure = query
        .measure
        .as_deref()
        .map(|raw| {
            raw.parse::<crate::plan::model::MeasureCode>()
                .map(|c| c.to_string())
        })
        .transpose()?;
    let kind = query.kind.as_deref().map(str::parse::<Kind>).transpose()?;
    let mut from = query
        .from
        .as_deref()
        .map(|raw| day("from", raw).map(start_of_day))
        .transpose()?;
    // `to` is the last day: meetings starting before the next day's midnight.
    let mut until = query
        .to
        .as_deref()
        .map(|raw| {
            let last = day("to", raw)?;
            Ok::<_, Refusal>(start_of_day(
                last.checked_add_days(Days::new(1)).unwrap_or(last),
            ))
        })
        .transpose()?;
    if let Some((first, next)) = query.month.as_deref().map(month).transpose()? {
        from = Some(from.map_or(first, |f| f.max(first)));
        until = Some(until.map_or(next, |u| u.min(next)));
    }
    let past = match query.when.as_deref() {
        None => None,
        Some(raw) if raw == When::Upcoming.as_str() => Some(false),
        Some(raw) if raw == When::Past.as_str() => Some(true),
        Some(_) => return Err(Refusal::new("msg.meetings_api_when")),
    };
    Ok(Window {
        measure,
        kind,
        from,
        until,
        past,
        after: query.after.as_deref().map(cursor).transpose()?,
    })
}

fn summary(m: &Meeting, seats: model::Seats, now: DateTime<Utc>) -> MeetingJson {
    let s = &m.schedule;
    MeetingJson {
        id: m.id,
        kind: m.kind,
        title: m.title.clone(),
        department: m.department.clone(),
        measures: m.measures.clone(),
        consultation_id: m.consultation_id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        venue: m.venue_name.as_ref().map(|name| VenueJson {
            name: Some(name.clone()),
            address: m.venue_address.clone(),
            access_notes: m.access_notes.clone(),
        }),
        online: m.is_online(),
        capacity: m.capacity,
        seats_left: m
            .capacity
            .map(|_| super::rules::free_seats(m.capacity, seats.confirmed)),
        waiting: seats.waiting,
        registration: RegistrationJson {
            opens_at: s.registration_opens(),
            closes_at: s.registration_closes(),
            open: s.registration(now) == Registration::Open,
        },
        accessibility: AccessibilityJson {
            sign_language: m.sign_language,
            childcare: m.childcare,
            wheelchair: m.wheelchair,
            notes: m.accessibility_notes.clone(),
        },
        state: m.state(now),
        attendance: m.attendance.filter(|_| s.attendance_recorded_at.is_some()),
        has_minutes: m.minutes_published_at.is_some_and(|at| at <= now),
        links: MeetingLinks {
            html: format!("/meetings/{}", m.id),
            ics: format!("/meetings/{}.ics", m.id),
        },
        href: format!("/api/v1/meetings/{}", m.id),
    }
}

/// The link to the page after `last`, keeping the filters.
fn next_href(query: &ListQuery, last: &Meeting) -> String {
    let cursor = format!("{}_{}", last.schedule.starts_at.timestamp_micros(), last.id);
    let kept = [
        ("measure", &query.measure),
        ("kind", &query.kind),
        ("from", &query.from),
        ("to", &query.to),
        ("month", &query.month),
        ("when", &query.when),
    ];
    // Every kept value passed `window`: codes, dates and words without reserved characters.
    let mut params: Vec<String> = kept
        .iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| format!("{name}={v}")))
        .collect();
    params.push(format!("after={cursor}"));
    format!("/api/v1/meetings?{}", params.join("&"))
}

/// Published meetings, 20 a page, earliest first (`when=past`: latest first); follow `next`
/// for more.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", operation_id = "list_meetings",
    params(
        ("measure" = Option<String>, Query, description = "Only meetings on this measure", example = "6-1",
            pattern = r"^[1-9]-[1-9][0-9]?$"),
        ("kind" = Option<Kind>, Query, description = "Only meetings of this kind"),
        ("from" = Option<String>, Query, format = Date, description = "Only meetings starting on or after this day (Japan time)", example = "2026-12-01"),
        ("to" = Option<String>, Query, format = Date, description = "Only meetings starting on or before this day (Japan time)", example = "2026-12-31"),
        ("month" = Option<String>, Query, description = "Only meetings starting in this month (Japan time); with `from` or `to`, all of them apply",
            example = "2026-12", pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$"),
        ("when" = Option<When>, Query, description = "`upcoming`: not over yet, earliest first; `past`: over, latest first. Without it: every meeting, earliest first"),
        ("after" = Option<String>, Query, description = "Cursor from the `next` link of the previous page",
            pattern = r"^-?[0-9]{1,16}_[0-9]{1,9}$"),
    ),
    responses(
        (status = 200, description = "A page of published meetings", body = MeetingList),
        (status = 400, description = "Malformed filter or cursor, or an empty one", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let window = window(&query).map_err(Error::Refused)?;
    let now = state.clock.now();
    let (rows, more, seats) = state
        .db(move |conn| {
            let (rows, more) = model::page(conn, &window, PAGE_SIZE, now)?;
            let ids: Vec<i32> = rows.iter().map(|m| m.id).collect();
            let seats = model::seats(conn, &ids)?;
            Ok((rows, more, seats))
        })
        .await?;
    json(
        &req,
        &MeetingList {
            next: rows
                .last()
                .filter(|_| more)
                .map(|last| next_href(&query, last)),
            meetings: rows
                .iter()
                .map(|m| summary(m, seats.get(&m.id).copied().unwrap_or_default(), now))
                .collect(),
        },
    )
}

/// One published meeting with its notices and, once published, its minutes by topic.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", operation_id = "get_meeting",
    params(("id" = i32, Path, minimum = 1, maximum = 2147483647, description = "The meeting's number")),
    responses(
        (status = 200, description = "The meeting", body = MeetingDetail),
        (status = 400, description = "Malformed number", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting, or a draft", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let (meeting, seats, notices, topics) = state
        .db(move |conn| {
            let meeting = model::find(conn, id)?
                .filter(|m| m.state(now).is_public())
                .ok_or(Error::NotFound)?;
            let seats = model::seats(conn, &[id])?.remove(&id).unwrap_or_default();
            let notices = model::notices(conn, id)?;
            let published = meeting.minutes_published_at.is_some_and(|at| at <= now);
            let topics = if published {
                model::topics(conn, id)?
            } else {
                Vec::new()
            };
            Ok((meeting, seats, notices, topics))
        })
        .await?;
    let minutes = meeting
        .minutes_published_at
        .filter(|at| *at <= now)
        .zip(meeting.minutes_summary.clone())
        .map(|(published_at, summary)| MinutesJson {
            summary,
            published_at,
            topics: topics
                .into_iter()
                .map(|t| TopicJson {
                    number: t.number,
                    topic: t.topic,
                    said: t.said,
                    response: t.response,
                })
                .collect(),
        });
    json(
        &req,
        &MeetingDetail {
            meeting: summary(&meeting, seats, now),
            description: meeting.description.clone(),
            notices: notices
                .into_iter()
                .map(|n| MeetingNoticeJson {
                    kind: n.kind,
                    body: n.body,
                    posted_at: n.posted_at,
                })
                .collect(),
            minutes,
        },
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/meetings", web::get().to(list))
        .route("/api/v1/meetings/{id}", web::get().to(show));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> ListQuery {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        ListQuery {
            measure: get("measure"),
            kind: get("kind"),
            from: get("from"),
            to: get("to"),
            month: get("month"),
            when: get("when"),
            after: get("after"),
        }
    }

    #[test]
    fn days_and_months_are_read_in_tokyo() {
        let w = window(&query(&[("from", "2026-12-01"), ("to", "2026-12-31")])).unwrap();
        assert_eq!(w.from.unwrap().to_rfc3339(), "2026-11-30T15:00:00+00:00");
        assert_eq!(w.until.unwrap().to_rfc3339(), "2026-12-31T15:00:00+00:00");
        let w = window(&query(&[("month", "2026-12"), ("from", "2026-12-10")])).unwrap();
        assert_eq!(w.from.unwrap().to_rfc3339(), "2026-12-09T15:00:00+00:00");
        assert_eq!(w.until.unwrap().to_rfc3339(), "2026-12-31T15:00:00+00:00");
    }

    #[test]
    fn filters_the_document_refuses_are_refused() {
        for (name, raw, key) in [
            ("month", "2026-13", "msg.meetings_api_month"),
            ("month", "2026-1", "msg.meetings_api_month"),
            ("from", "2026-2-01", "msg.meetings_api_day"),
            ("to", "2026-02-30", "msg.meetings_api_day"),
            ("when", "soon", "msg.meetings_api_when"),
            ("after", "1_x", "msg.meetings_api_cursor"),
            ("after", "1_1234567890", "msg.meetings_api_cursor"),
            ("kind", "party", "msg.meeting_kind_unknown"),
            ("measure", "6", "msg.measure_code"),
            ("kind", "", "msg.proposals_api_empty"),
            ("kind", " dialogue", "msg.proposals_api_spaces"),
        ] {
            let refusal = window(&query(&[(name, raw)])).unwrap_err();
            assert_eq!(refusal.key(), key, "{name}={raw}");
        }
    }

    #[test]
    fn a_cursor_reads_what_the_next_link_writes() {
        let w = window(&query(&[
            ("after", "1764000000123456_42"),
            ("when", "past"),
        ]))
        .unwrap();
        let (at, id) = w.after.unwrap();
        assert_eq!((at.timestamp_micros(), id), (1_764_000_000_123_456, 42));
        assert_eq!(w.past, Some(true));
    }
}
