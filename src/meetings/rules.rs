//! A meeting's course as pure functions of its times, milestones and "now": its state, whether
//! it takes registrations, where a new registration goes (a seat or the waiting list), who
//! moves up when a seat frees, when the reminder is due, and which changes registrants must
//! hear of. No database here.

use crate::refusal::Refusal;
use crate::wareki::jst;
use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};

/// A meeting's kind (種別): the gatherings the plan's 6-1 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MeetingKind)]
pub enum Kind {
    /// 市民と市長との対話集会 and other dialogues.
    Dialogue,
    /// ワークショップ.
    Workshop,
    /// 市民説明会.
    Briefing,
    /// 地域懇談会.
    Roundtable,
    /// 審議会 with public seats.
    Council,
    /// その他.
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Dialogue,
        Kind::Workshop,
        Kind::Briefing,
        Kind::Roundtable,
        Kind::Council,
        Kind::Other,
    ];

    /// The value stored in `meetings.kind` and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Dialogue => "dialogue",
            Kind::Workshop => "workshop",
            Kind::Briefing => "briefing",
            Kind::Roundtable => "roundtable",
            Kind::Council => "council",
            Kind::Other => "other",
        }
    }

    /// Its name's i18n key.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Dialogue => "meeting.kind.dialogue",
            Kind::Workshop => "meeting.kind.workshop",
            Kind::Briefing => "meeting.kind.briefing",
            Kind::Roundtable => "meeting.kind.roundtable",
            Kind::Council => "meeting.kind.council",
            Kind::Other => "meeting.kind.other",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = Refusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.code() == s.trim())
            .ok_or_else(|| Refusal::new("msg.meeting_kind_unknown").with("kind", s))
    }
}

/// A meeting's state (状態), never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MeetingState)]
pub enum State {
    /// 公開前: staff only. Never in the API.
    #[serde(skip)]
    Draft,
    /// 開催予定.
    Upcoming,
    /// 開催中.
    Ongoing,
    /// 終了: over, attendance not yet recorded.
    Ended,
    /// 開催済: over, attendance recorded. Only these count towards KPI 6-1.
    Held,
    /// 中止.
    Cancelled,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Draft,
        State::Upcoming,
        State::Ongoing,
        State::Ended,
        State::Held,
        State::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Upcoming => "upcoming",
            State::Ongoing => "ongoing",
            State::Ended => "ended",
            State::Held => "held",
            State::Cancelled => "cancelled",
        }
    }

    /// Whether the public may see it: everything but a draft.
    pub fn is_public(self) -> bool {
        self != State::Draft
    }

    /// Whether its time, venue or details may still change (each change told to registrants),
    /// or it may be cancelled: from publication until it starts.
    pub fn is_changeable(self) -> bool {
        matches!(self, State::Draft | State::Upcoming)
    }

    /// Whether attendance and minutes may be recorded: once it has ended, so that a meeting
    /// counts as held (beside KPI 6-1) only after it took place.
    pub fn takes_record(self) -> bool {
        matches!(self, State::Ended | State::Held)
    }
}

/// A meeting's times and milestones, as the rules need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub attendance_recorded_at: Option<DateTime<Utc>>,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
}

impl Schedule {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        match self.published_at {
            Some(published) if published <= now => {}
            _ => return State::Draft,
        }
        if self.cancelled_at.is_some_and(|at| at <= now) {
            State::Cancelled
        } else if self.attendance_recorded_at.is_some() {
            State::Held
        } else if now < self.starts_at {
            State::Upcoming
        } else if now < self.ends_at {
            State::Ongoing
        } else {
            State::Ended
        }
    }

    /// When registration opens: as set, else at publication.
    pub fn registration_opens(&self) -> Option<DateTime<Utc>> {
        self.registration_opens_at.or(self.published_at)
    }

    /// When registration closes: as set, and at the latest when the meeting starts.
    pub fn registration_closes(&self) -> DateTime<Utc> {
        self.registration_closes_at
            .unwrap_or(self.starts_at)
            .min(self.starts_at)
    }

    /// Whether a person may register (or join the waiting list) now.
    pub fn registration(&self, now: DateTime<Utc>) -> Registration {
        if self.state(now) != State::Upcoming {
            return Registration::Closed;
        }
        if let Some(opens) = self.registration_opens_at.filter(|opens| now < *opens) {
            return Registration::NotYet(opens);
        }
        if now < self.registration_closes() {
            Registration::Open
        } else {
            Registration::Closed
        }
    }

    /// When registrants are reminded: 09:00 JST the day before the meeting's day (not at
    /// midnight), or at once for a meeting published later than that.
    pub fn reminder_at(&self) -> DateTime<Utc> {
        let day = self.starts_at.with_timezone(&jst()).date_naive();
        let before = day.checked_sub_days(Days::new(1)).unwrap_or(day);
        let nine = before.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 exists"));
        jst()
            .from_local_datetime(&nine)
            .single()
            .expect("JST has no gaps")
            .with_timezone(&Utc)
    }

    /// Whether the reminder is due now: published, not cancelled, not started, past
    /// [`Self::reminder_at`]. Sent once (`meetings.reminded_at`).
    pub fn reminder_due(&self, now: DateTime<Utc>) -> bool {
        self.state(now) == State::Upcoming && now >= self.reminder_at()
    }
}

/// Whether registration is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Not yet: it opens then.
    NotYet(DateTime<Utc>),
    Open,
    /// Over, or the meeting is not upcoming (draft, started, cancelled).
    Closed,
}

impl Registration {
    /// Why a registration now is refused, if it is.
    pub fn refusal(self) -> Option<Refusal> {
        match self {
            Registration::Open => None,
            Registration::NotYet(opens) => Some(
                Refusal::new("msg.meeting_registration_not_yet")
                    .with("opens", crate::wareki::date_ja(opens)),
            ),
            Registration::Closed => Some(Refusal::new("msg.meeting_registration_closed")),
        }
    }
}

/// Where a new registration goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A seat (確定).
    Seat,
    /// The waiting list (キャンセル待ち).
    Waiting,
}

/// A seat while any is free; `capacity` `None` is no limit. `confirmed` counts the seats
/// taken, read under the meeting's row lock so two people cannot take the last one.
pub fn place(capacity: Option<i32>, confirmed: i64) -> Placement {
    if free_seats(capacity, confirmed) > 0 {
        Placement::Seat
    } else {
        Placement::Waiting
    }
}

/// Seats still free: how many of the waiting list move up after a cancellation or a larger
/// capacity. Never negative (a capacity lowered below the seats taken frees none).
pub fn free_seats(capacity: Option<i32>, confirmed: i64) -> i64 {
    match capacity {
        None => i64::MAX,
        Some(capacity) => (i64::from(capacity) - confirmed).max(0),
    }
}

/// What registrants are told of when staff save a published meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// 日時の変更.
    Time,
    /// 会場の変更 (name or address).
    Venue,
    /// The on-line URL (sent only to registrants).
    Online,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Time => "meeting.change.time",
            Change::Venue => "meeting.change.venue",
            Change::Online => "meeting.change.online",
        }
    }
}

/// Where and when a meeting happens: what registrants rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place<'a> {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_name: Option<&'a str>,
    pub venue_address: Option<&'a str>,
    pub online_url: Option<&'a str>,
}

/// The changes between what was published and what is saved, in a fixed order; empty when
/// only the description or notes changed (nobody is emailed for those).
pub fn changes(before: &Place, after: &Place) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.starts_at != after.starts_at || before.ends_at != after.ends_at {
        changes.push(Change::Time);
    }
    if before.venue_name != after.venue_name || before.venue_address != after.venue_address {
        changes.push(Change::Venue);
    }
    if before.online_url != after.online_url {
        changes.push(Change::Online);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn schedule() -> Schedule {
        Schedule {
            starts_at: at("2026-12-12T14:00:00+09:00"),
            ends_at: at("2026-12-12T16:00:00+09:00"),
            published_at: Some(at("2026-11-20T09:00:00+09:00")),
            cancelled_at: None,
            attendance_recorded_at: None,
            registration_opens_at: None,
            registration_closes_at: None,
        }
    }

    #[test]
    fn kinds_parse_from_their_codes_and_nothing_else() {
        for kind in Kind::ALL {
            assert_eq!(kind.code().parse::<Kind>(), Ok(kind));
            assert!(kind.label().ends_with(kind.code()));
        }
        assert_eq!(
            "party".parse::<Kind>(),
            Err(Refusal::new("msg.meeting_kind_unknown").with("kind", "party"))
        );
    }

    #[test]
    fn the_state_follows_the_times_and_milestones() {
        let s = schedule();
        assert_eq!(s.state(at("2026-11-19T09:00:00+09:00")), State::Draft);
        assert_eq!(
            Schedule {
                published_at: None,
                ..s
            }
            .state(at("2026-12-13T09:00:00+09:00")),
            State::Draft
        );
        assert_eq!(s.state(at("2026-12-12T13:59:59+09:00")), State::Upcoming);
        assert_eq!(s.state(at("2026-12-12T14:00:00+09:00")), State::Ongoing);
        assert_eq!(s.state(at("2026-12-12T16:00:00+09:00")), State::Ended);
        let held = Schedule {
            attendance_recorded_at: Some(at("2026-12-12T17:00:00+09:00")),
            ..s
        };
        assert_eq!(held.state(at("2026-12-13T09:00:00+09:00")), State::Held);
        let cancelled = Schedule {
            cancelled_at: Some(at("2026-12-01T09:00:00+09:00")),
            ..s
        };
        assert_eq!(
            cancelled.state(at("2026-11-30T09:00:00+09:00")),
            State::Upcoming
        );
        assert_eq!(
            cancelled.state(at("2026-12-01T09:00:00+09:00")),
            State::Cancelled
        );
    }

    #[test]
    fn every_kind_state_and_change_has_its_texts() {
        use crate::web::i18n::assert_keys;
        assert_keys("meeting.kind.", Kind::ALL.into_iter().map(Kind::code));
        assert_keys(
            "meeting.state.",
            State::ALL
                .into_iter()
                .filter(|s| s.is_public())
                .map(State::as_str),
        );
        assert_keys("meeting.change.", ["time", "venue", "online"]);
    }

    #[test]
    fn what_each_state_allows() {
        for state in State::ALL {
            assert_eq!(state.is_public(), state != State::Draft, "{state:?}");
            assert_eq!(
                state.is_changeable(),
                matches!(state, State::Draft | State::Upcoming),
                "{state:?}"
            );
            assert_eq!(
                state.takes_record(),
                matches!(state, State::Ended | State::Held),
                "{state:?}"
            );
            assert!(!state.as_str().is_empty());
        }
    }

    #[test]
    fn registration_opens_and_closes_by_the_window_and_the_start() {
        let s = Schedule {
            registration_opens_at: Some(at("2026-12-01T09:00:00+09:00")),
            registration_closes_at: Some(at("2026-12-10T17:00:00+09:00")),
            ..schedule()
        };
        assert_eq!(
            s.registration(at("2026-11-30T09:00:00+09:00")),
            Registration::NotYet(at("2026-12-01T09:00:00+09:00"))
        );
        assert_eq!(
            s.registration(at("2026-12-01T09:00:00+09:00")),
            Registration::Open
        );
        assert_eq!(
            s.registration(at("2026-12-10T17:00:00+09:00")),
            Registration::Closed
        );
        // Without a window: from publication until the start.
        let open = schedule();
        assert_eq!(
            open.registration(at("2026-11-20T09:00:00+09:00")),
            Registration::Open
        );
        assert_eq!(
            open.registration(at("2026-12-12T13:59:59+09:00")),
            Registration::Open
        );
        assert_eq!(
            open.registration(at("2026-12-12T14:00:00+09:00")),
            Registration::Closed
        );
        // A close set after the start still ends at the start.
        let late = Schedule {
            registration_closes_at: Some(at("2026-12-12T15:00:00+09:00")),
            ..schedule()
        };
        assert_eq!(
            late.registration(at("2026-12-12T14:30:00+09:00")),
            Registration::Closed
        );
        // The window as pages and the API state it.
        assert_eq!(
            s.registration_opens(),
            Some(at("2026-12-01T09:00:00+09:00"))
        );
        assert_eq!(s.registration_closes(), at("2026-12-10T17:00:00+09:00"));
        assert_eq!(open.registration_opens(), open.published_at);
        assert_eq!(open.registration_closes(), open.starts_at);
        assert_eq!(late.registration_closes(), late.starts_at);
        // A draft or a cancelled meeting takes nobody.
        assert_eq!(
            open.registration(at("2026-11-19T09:00:00+09:00")),
            Registration::Closed
        );
    }

    #[test]
    fn a_refused_registration_says_why() {
        assert_eq!(Registration::Open.refusal(), None);
        assert_eq!(
            Registration::Closed.refusal(),
            Some(Refusal::new("msg.meeting_registration_closed"))
        );
        assert_eq!(
            Registration::NotYet(at("2026-12-01T09:00:00+09:00")).refusal(),
            Some(Refusal::new("msg.meeting_registration_not_yet").with("opens", "令和8年12月1日"))
        );
    }

    #[test]
    fn the_last_seat_goes_once_then_the_waiting_list() {
        assert_eq!(place(Some(2), 0), Placement::Seat);
        assert_eq!(place(Some(2), 1), Placement::Seat);
        assert_eq!(place(Some(2), 2), Placement::Waiting);
        assert_eq!(place(Some(2), 5), Placement::Waiting);
        assert_eq!(place(None, 100_000), Placement::Seat);
        assert_eq!(free_seats(Some(10), 7), 3);
        assert_eq!(free_seats(Some(5), 7), 0);
        assert_eq!(free_seats(None, 7), i64::MAX);
    }

    #[test]
    fn the_reminder_is_due_at_nine_the_day_before_until_the_start() {
        let s = schedule();
        assert_eq!(s.reminder_at(), at("2026-12-11T09:00:00+09:00"));
        assert!(!s.reminder_due(at("2026-12-11T08:59:59+09:00")));
        assert!(s.reminder_due(at("2026-12-11T09:00:00+09:00")));
        assert!(s.reminder_due(at("2026-12-12T13:59:59+09:00")));
        assert!(!s.reminder_due(at("2026-12-12T14:00:00+09:00")));
        // A meeting just after midnight JST: the day before is still the calendar day before.
        let early = Schedule {
            starts_at: at("2026-12-12T00:30:00+09:00"),
            ends_at: at("2026-12-12T02:00:00+09:00"),
            ..s
        };
        assert_eq!(early.reminder_at(), at("2026-12-11T09:00:00+09:00"));
        let cancelled = Schedule {
            cancelled_at: Some(at("2026-12-10T09:00:00+09:00")),
            ..s
        };
        assert!(!cancelled.reminder_due(at("2026-12-11T10:00:00+09:00")));
    }

    #[test]
    fn only_time_and_place_changes_are_told() {
        let before = Place {
            starts_at: at("2026-12-12T14:00:00+09:00"),
            ends_at: at("2026-12-12T16:00:00+09:00"),
            venue_name: Some("本庄市役所 4階 大会議室"),
            venue_address: Some("本庄市本庄3-5-3"),
            online_url: None,
        };
        assert_eq!(changes(&before, &before.clone()), vec![]);
        let later = Place {
            starts_at: before.starts_at + Duration::hours(1),
            ..before.clone()
        };
        assert_eq!(changes(&before, &later), vec![Change::Time]);
        let longer = Place {
            ends_at: before.ends_at + Duration::hours(1),
            ..before.clone()
        };
        assert_eq!(changes(&before, &longer), vec![Change::Time]);
        let moved = Place {
            venue_address: Some("本庄市北堀1422-1"),
            online_url: Some("https://meet.example.jp/x"),
            ..before.clone()
        };
        assert_eq!(
            changes(&before, &moved),
            vec![Change::Venue, Change::Online]
        );
        let renamed = Place {
            venue_name: Some("はにぽんプラザ"),
            ..before.clone()
        };
        assert_eq!(changes(&before, &renamed), vec![Change::Venue]);
        for change in [Change::Time, Change::Venue, Change::Online] {
            assert!(change.label().starts_with("meeting.change."));
        }
    }
}
