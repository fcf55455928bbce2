//! The open files of meetings: `/meetings/{id}.ics` (one meeting, to add to a calendar),
//! `/meetings.ics` (the calendar to subscribe to: a year back and everything upcoming, a
//! cancelled meeting kept as cancelled so calendars that have it drop it) and `/meetings.atom`
//! (the feed: a meeting announced, cancelled, or its minutes published). Public data only.

use super::ics::{self, Reader};
use super::model::{self, Filter, Meeting};
use super::rules::State;
use crate::error::{Error, Result};
use crate::web::feed::{Entry, Feed};
use crate::web::i18n::{t, translate, Lang};
use crate::web::{cached, AppState};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};

/// How far back the subscribed calendar reaches.
pub const CALENDAR_PAST: Duration = Duration::days(366);

/// Entries in the Atom feed.
pub const ENTRIES: usize = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/meetings.ics", web::get().to(calendar))
        .route("/meetings.atom", web::get().to(feed))
        // Digits only: anything else is no meeting (the catch-all's 404).
        .route(r"/meetings/{id:\d+}.ics", web::get().to(one));
}

/// `/meetings/{id}.ics`: a draft is no meeting.
async fn one(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let meeting = state
        .db(move |conn| model::find(conn, id))
        .await?
        .filter(|m| m.state(now).is_public())
        .ok_or(Error::NotFound)?;
    let body = ics::one(&meeting, &state.public_url, now, Reader::Public);
    let mut response = cached(&req, ics::CONTENT_TYPE, body.into_bytes());
    let disposition = format!("attachment; filename=\"{}\"", ics::file_name(id));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The published meetings of the calendar and the feed: from [`CALENDAR_PAST`] ago on.
fn recent(now: DateTime<Utc>) -> Filter {
    Filter {
        since: Some(now - CALENDAR_PAST),
        ..Filter::default()
    }
}

/// `/meetings.ics`.
async fn calendar(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let now = state.clock.now();
    let meetings = state
        .db(move |conn| model::list(conn, &recent(now), now))
        .await?;
    let body = ics::feed(&meetings, &state.public_url, now);
    Ok(cached(&req, ics::CONTENT_TYPE, body.into_bytes()))
}

/// A meeting's entry: when it was announced, or cancelled, or its minutes published, whichever
/// came last.
fn entry(base: &str, meeting: &Meeting, now: DateTime<Utc>) -> Option<Entry> {
    let published = meeting.schedule.published_at.filter(|at| *at <= now)?;
    let link = ics::page(base, meeting.id);
    let kind = t(Lang::Ja, meeting.kind.label());
    let when = model::when_ja(meeting.schedule.starts_at, meeting.schedule.ends_at);
    let place = meeting
        .venue()
        .unwrap_or_else(|| t(Lang::Ja, "meeting.ics.online"));
    let said = |key: &str| {
        translate(
            Lang::Ja,
            key,
            &[
                ("title", meeting.title.clone()),
                ("kind", kind.clone()),
                ("when", when.clone()),
                ("place", place.clone()),
                ("department", meeting.department.clone()),
            ],
        )
    };
    let minutes = meeting.minutes_published_at.filter(|at| *at <= now);
    let (updated, title, summary) = match (meeting.state(now), meeting.schedule.cancelled_at) {
        (State::Cancelled, Some(at)) => (
            at,
            ics::title(meeting, now),
            said("feed.meetings.cancelled_summary"),
        ),
        _ => match minutes {
            Some(at) => (
                at,
                said("feed.meetings.minutes_title"),
                said("feed.meetings.minutes_summary"),
            ),
            None => (
                published,
                said("feed.meetings.title_of"),
                said("feed.meetings.summary"),
            ),
        },
    };
    Some(Entry {
        id: link.clone(),
        title,
        updated,
        link,
        summary,
    })
}

/// The feed's XML: the meetings' entries, newest first.
pub fn atom(base: &str, meetings: &[Meeting], now: DateTime<Utc>) -> String {
    let mut entries: Vec<Entry> = meetings
        .iter()
        .filter_map(|m| entry(base, m, now))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    entries.truncate(ENTRIES);
    let feed = Feed {
        url: &format!("{base}/meetings.atom"),
        title: &t(Lang::Ja, "meeting.calendar.title"),
        page: &format!("{base}/meetings"),
    };
    crate::web::feed::atom(feed, &entries, now)
}

/// `/meetings.atom`.
async fn feed(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let now = state.clock.now();
    let meetings = state
        .db(move |conn| model::list(conn, &recent(now), now))
        .await?;
    let xml = atom(state.public_url.trim_end_matches('/'), &meetings, now);
    Ok(cached(
        &req,
        "application/atom+xml; charset=utf-8",
        xml.into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meetings::ics::tests::{at, meeting};

    #[test]
    fn an_entry_follows_the_meeting_from_announcement_to_minutes() {
        let base = "https://kyodo.example.jp";
        let mut held = meeting();
        let before = at("2026-11-19T09:00:00+09:00");
        assert_eq!(entry(base, &held, before), None, "not yet published");
        let now = at("2026-12-01T10:00:00+09:00");
        let announced = entry(base, &held, now).unwrap();
        assert_eq!(announced.updated, at("2026-11-20T09:00:00+09:00"));
        assert!(announced
            .title
            .starts_with("ワークショップ: 駅前広場を考える"));
        assert!(announced
            .summary
            .starts_with("令和8年12月12日（土）14:00〜16:00"));
        assert!(!announced.summary.contains("room-7731"));
        assert_eq!(announced.link, "https://kyodo.example.jp/meetings/12");

        held.schedule.attendance_recorded_at = Some(at("2026-12-12T17:00:00+09:00"));
        held.minutes_summary = Some("話し合いの概要".into());
        held.minutes_published_at = Some(at("2026-12-20T10:00:00+09:00"));
        let later = at("2026-12-21T10:00:00+09:00");
        let minutes = entry(base, &held, later).unwrap();
        assert_eq!(minutes.updated, at("2026-12-20T10:00:00+09:00"));
        assert!(minutes.title.starts_with("議事録: "));
        assert_eq!(minutes.id, announced.id, "the same entry, updated");

        let mut online = meeting();
        online.venue_name = None;
        online.venue_address = None;
        online.schedule.cancelled_at = Some(at("2026-11-30T10:00:00+09:00"));
        let cancelled = entry(base, &online, now).unwrap();
        assert!(cancelled.title.starts_with("【中止】"));
        assert!(cancelled.summary.contains("中止になりました"));
        let xml = atom(base, &[held, online], now);
        assert_eq!(xml.matches("<entry>").count(), 2);
        assert!(xml.find("【中止】").unwrap() < xml.find("ワークショップ: ").unwrap());
    }
}
