//! Meetings as iCalendar (RFC 5545): the file of one meeting (`/meetings/{id}.ics`, and the one
//! sent with a registration or the reminder) and the calendar that Google Calendar, Outlook and
//! iOS subscribe to (`/meetings.ics`). The `icalendar` crate escapes, folds at 75 octets and
//! ends lines with CRLF.
//!
//! Public data only: never a registrant. The on-line URL is written only into the file sent to
//! a person with a seat ([`Reader::Seat`]), never into the public files. A meeting keeps its
//! `UID` for good and its `SEQUENCE` is the meeting's version, so a calendar that has it
//! replaces it when staff move it, and shows it cancelled (`STATUS:CANCELLED`) when they cancel.

use super::model::Meeting;
use super::rules::State;
use crate::web::i18n::{t, translate, Lang};
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

/// The files' MIME type.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// Who a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Anyone: the public files.
    Public,
    /// A person with a seat: the file sent to them carries the on-line URL.
    Seat,
}

/// The host of the site's public address: the right-hand side of every `UID`.
fn host(public_url: &str) -> &str {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // An IPv6 address keeps its brackets; any other host loses its port.
    match authority.strip_prefix('[').and_then(|a| a.find(']')) {
        Some(end) => &authority[..end + 2],
        None => authority.split(':').next().unwrap_or(authority),
    }
}

/// The meeting's page.
pub fn page(public_url: &str, id: i32) -> String {
    format!("{}/meetings/{id}", public_url.trim_end_matches('/'))
}

/// Text as a calendar reads it: line ends as `\n` only (the crate escapes those, not `\r`).
fn text(raw: &str) -> String {
    raw.replace("\r\n", "\n").replace('\r', "\n")
}

/// The title, marked when the meeting was cancelled (calendars that ignore `STATUS` show it).
pub fn title(meeting: &Meeting, now: DateTime<Utc>) -> String {
    if meeting.state(now) == State::Cancelled {
        translate(
            Lang::Ja,
            "meeting.cancelled_title",
            &[("title", meeting.title.clone())],
        )
    } else {
        meeting.title.clone()
    }
}

/// One meeting as a `VEVENT`.
fn event(meeting: &Meeting, public_url: &str, now: DateTime<Utc>, reader: Reader) -> Event {
    let link = page(public_url, meeting.id);
    let online = meeting
        .online_url
        .as_deref()
        .filter(|_| reader == Reader::Seat);
    let location = match (meeting.venue(), online) {
        (Some(venue), _) => venue,
        (None, Some(url)) => url.to_owned(),
        (None, None) => t(Lang::Ja, "meeting.ics.online"),
    };
    let mut description = vec![
        text(&meeting.description),
        translate(
            Lang::Ja,
            "meeting.ics.organiser",
            &[
                ("kind", t(Lang::Ja, meeting.kind.label())),
                ("department", meeting.department.clone()),
            ],
        ),
    ];
    if let Some(url) = online {
        description.push(translate(
            Lang::Ja,
            "meeting.ics.online_url",
            &[("url", url.to_owned())],
        ));
    }
    description.push(translate(
        Lang::Ja,
        "meeting.ics.page",
        &[("link", link.clone())],
    ));
    let mut event = Event::new();
    event
        .uid(&format!("meeting-{}@{}", meeting.id, host(public_url)))
        .timestamp(now)
        .sequence(u32::try_from(meeting.version).unwrap_or(0))
        .starts(meeting.schedule.starts_at)
        .ends(meeting.schedule.ends_at)
        .summary(&text(&title(meeting, now)))
        .description(&description.join("\n\n"))
        .location(&text(&location))
        .url(&link);
    if meeting.state(now) == State::Cancelled {
        event.status(EventStatus::Cancelled);
    } else {
        event.status(EventStatus::Confirmed);
    }
    event.done()
}

/// An empty calendar with the lines every file starts with.
fn calendar() -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Honjo City//Kyodo//JA"))
        .append_property(("CALSCALE", "GREGORIAN"));
    calendar
}

/// The file of one meeting, for `reader`.
pub fn one(meeting: &Meeting, public_url: &str, now: DateTime<Utc>, reader: Reader) -> String {
    let mut calendar = calendar();
    // Published for the reader's calendar to keep, not an invitation to answer.
    calendar.append_property(("METHOD", "PUBLISH"));
    calendar.push(event(meeting, public_url, now, reader));
    calendar.to_string()
}

/// The calendar of `meetings` that calendars subscribe to, named after the city's meetings and
/// shown in Tokyo time.
pub fn feed(meetings: &[Meeting], public_url: &str, now: DateTime<Utc>) -> String {
    let mut calendar = calendar();
    calendar
        .name(&t(Lang::Ja, "meeting.calendar.title"))
        .timezone("Asia/Tokyo")
        // Calendars that honour it look again every hour (a move, a cancellation).
        .ttl(&chrono::Duration::hours(1));
    for meeting in meetings {
        calendar.push(event(meeting, public_url, now, Reader::Public));
    }
    calendar.to_string()
}

/// The file of one meeting as an email attachment, for a person with a seat.
pub fn attachment(
    meeting: &Meeting,
    public_url: &str,
    now: DateTime<Utc>,
) -> crate::notify::Attachment {
    crate::notify::Attachment {
        name: file_name(meeting.id),
        content_type: CONTENT_TYPE.to_owned(),
        body: one(meeting, public_url, now, Reader::Seat),
    }
}

/// The file's name: `meeting-12.ics`.
pub fn file_name(id: i32) -> String {
    format!("meeting-{id}.ics")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::meetings::rules::{Kind, Schedule};

    pub(crate) fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A 30-seat workshop on 令和8年12月12日 14:00〜16:00 at the city hall, with an on-line URL.
    pub(crate) fn meeting() -> Meeting {
        Meeting {
            id: 12,
            kind: Kind::Workshop,
            title: "駅前広場を考える, ワークショップ; 第2回".into(),
            description: "駅前広場の使い方を話し合います。\r\n子ども連れも歓迎です。".repeat(3),
            department_id: 1,
            department: "都市計画課".into(),
            consultation_id: None,
            schedule: Schedule {
                starts_at: at("2026-12-12T14:00:00+09:00"),
                ends_at: at("2026-12-12T16:00:00+09:00"),
                published_at: Some(at("2026-11-20T09:00:00+09:00")),
                cancelled_at: None,
                attendance_recorded_at: None,
                registration_opens_at: None,
                registration_closes_at: None,
            },
            venue_name: Some("本庄市役所 7階大会議室".into()),
            venue_address: Some("本庄市本庄3-5-3".into()),
            access_notes: None,
            online_url: Some("https://meet.example.jp/room-7731".into()),
            capacity: Some(30),
            sign_language: true,
            childcare: false,
            wheelchair: true,
            accessibility_notes: None,
            reminded_at: None,
            attendance: None,
            minutes_summary: None,
            minutes_published_at: None,
            version: 3,
            measures: vec!["6-1".into()],
        }
    }

    /// The content lines, unfolded.
    fn lines(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_host_of_the_public_address() {
        assert_eq!(
            host("https://kyodo.city.honjo.lg.jp/"),
            "kyodo.city.honjo.lg.jp"
        );
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host("http://[::1]:8080/x"), "[::1]");
    }

    #[test]
    fn a_public_file_has_the_meeting_in_utc_and_no_online_url() {
        let now = at("2026-12-01T10:00:00+09:00");
        let ics = one(&meeting(), "https://kyodo.example.jp/", now, Reader::Public);
        assert!(
            ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{ics}"
        );
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "folded at 75 octets: {line:?}");
            assert!(!line.contains('\r') && !line.contains('\n'));
        }
        let lines = lines(&ics);
        for expected in [
            "UID:meeting-12@kyodo.example.jp",
            "DTSTAMP:20261201T010000Z",
            "DTSTART:20261212T050000Z",
            "DTEND:20261212T070000Z",
            "SEQUENCE:3",
            "STATUS:CONFIRMED",
            "METHOD:PUBLISH",
            "SUMMARY:駅前広場を考える\\, ワークショップ\\; 第2回",
            "LOCATION:本庄市役所 7階大会議室 本庄市本庄3-5-3",
            "URL:https://kyodo.example.jp/meetings/12",
        ] {
            assert!(lines.iter().any(|l| l == expected), "{expected} in {ics}");
        }
        let description = lines.iter().find(|l| l.starts_with("DESCRIPTION")).unwrap();
        assert!(
            description.contains("話し合います。\\n子ども連れ"),
            "{description}"
        );
        assert!(description.contains("ワークショップ（担当：都市計画課）"));
        assert!(description.contains("https://kyodo.example.jp/meetings/12"));
        assert!(
            !ics.contains("room-7731"),
            "the on-line URL is for seats only"
        );
    }

    #[test]
    fn a_seat_gets_the_online_url_and_an_online_meeting_is_placed_there() {
        let now = at("2026-12-01T10:00:00+09:00");
        let mut online = meeting();
        online.venue_name = None;
        online.venue_address = None;
        let seat = lines(&one(&online, "https://kyodo.example.jp", now, Reader::Seat));
        assert!(seat
            .iter()
            .any(|l| l == "LOCATION:https://meet.example.jp/room-7731"));
        assert!(seat
            .iter()
            .any(|l| l.starts_with("DESCRIPTION") && l.contains("room-7731")));
        let public = lines(&one(
            &online,
            "https://kyodo.example.jp",
            now,
            Reader::Public,
        ));
        assert!(public.iter().any(|l| l == "LOCATION:オンライン"));
        let file = attachment(&online, "https://kyodo.example.jp", now);
        assert_eq!(file.name, "meeting-12.ics");
        assert_eq!(file.content_type, "text/calendar; charset=utf-8");
        assert!(file.body.contains("room-7731"));
    }

    #[test]
    fn the_feed_is_named_in_tokyo_and_shows_a_cancelled_meeting_cancelled() {
        let now = at("2026-12-01T10:00:00+09:00");
        let mut cancelled = meeting();
        cancelled.id = 13;
        cancelled.schedule.cancelled_at = Some(at("2026-11-30T10:00:00+09:00"));
        let ics = feed(&[meeting(), cancelled], "https://kyodo.example.jp", now);
        let lines = lines(&ics);
        assert!(lines.iter().any(|l| l.starts_with("X-WR-CALNAME:")));
        assert!(lines.iter().any(|l| l == "X-WR-TIMEZONE:Asia/Tokyo"));
        assert!(!lines.iter().any(|l| l.starts_with("METHOD")));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(lines.iter().any(|l| l == "STATUS:CANCELLED"));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("SUMMARY:【中止】駅前広場を考える")));
        assert!(!ics.contains("room-7731"));
    }
}
