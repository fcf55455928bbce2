//! What each email is (お知らせの種類): the one table that gives every email template of
//! [`super::templates::NAMES`] its class, the choices a person has per kind (immediately, in a
//! daily or weekly digest, or never), what an event is about (from its link) and when digests
//! are due. Pure: no database.

use crate::wareki::jst;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

/// A kind of notification a person chooses the delivery of (お知らせの種類).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// News of proposals: one's own and those one follows.
    Proposals,
    /// Answers to one's comments, and one's comments hidden.
    Comments,
    /// Consultations: receipts, openings and results.
    Consultations,
    /// One's own meeting registrations: receipts, always sent at once.
    Meetings,
    /// One's organisations.
    Organisation,
    /// Work for staff: proposals submitted or assigned, comments reported.
    Staff,
}

impl Kind {
    /// Every kind, in the order the settings form lists them.
    pub const ALL: [Kind; 6] = [
        Kind::Proposals,
        Kind::Comments,
        Kind::Consultations,
        Kind::Meetings,
        Kind::Organisation,
        Kind::Staff,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Proposals => "proposals",
            Kind::Comments => "comments",
            Kind::Consultations => "consultations",
            Kind::Meetings => "meetings",
            Kind::Organisation => "organisation",
            Kind::Staff => "staff",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the person chooses how it arrives: a meeting registration's emails are
    /// receipts (the `.ics`, the cancel link) and always come at once.
    pub fn choosable(self) -> bool {
        self != Kind::Meetings
    }
}

/// How a kind of notification reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// An email at once (the default).
    Immediate,
    /// In the next daily digest.
    Daily,
    /// In the next weekly digest (Mondays).
    Weekly,
    /// No email: only in the inbox.
    Never,
}

impl Delivery {
    pub const ALL: [Delivery; 4] = [
        Delivery::Immediate,
        Delivery::Daily,
        Delivery::Weekly,
        Delivery::Never,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Delivery::Immediate => "immediate",
            Delivery::Daily => "daily",
            Delivery::Weekly => "weekly",
            Delivery::Never => "never",
        }
    }

    pub fn parse(code: &str) -> Option<Delivery> {
        Delivery::ALL.into_iter().find(|d| d.code() == code)
    }

    /// The digest this delivery waits for, if any.
    pub fn cadence(self) -> Option<Cadence> {
        match self {
            Delivery::Daily => Some(Cadence::Daily),
            Delivery::Weekly => Some(Cadence::Weekly),
            Delivery::Immediate | Delivery::Never => None,
        }
    }
}

/// What an email template is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// About the account's safety: always sent at once, never in a digest or the inbox.
    Security,
    /// The digest itself.
    Digest,
    /// News of a kind: recorded in the inbox, sent as the person chose.
    News(Kind),
}

/// Every email template and its class: a template missing here fails the unit test below.
pub const EMAILS: [(&str, Class); 28] = [
    ("verify", Class::Security),
    ("reset", Class::Security),
    ("account_exists", Class::Security),
    ("reset_unknown", Class::Security),
    ("email_change", Class::Security),
    ("password_changed", Class::Security),
    ("org_invitation", Class::Security),
    ("org_verified", Class::News(Kind::Organisation)),
    ("proposal_update", Class::News(Kind::Proposals)),
    ("proposal_assigned", Class::News(Kind::Staff)),
    ("proposal_submitted", Class::News(Kind::Staff)),
    ("proposal_received", Class::News(Kind::Proposals)),
    ("proposal_comment", Class::News(Kind::Proposals)),
    ("comment_hidden", Class::News(Kind::Comments)),
    ("comment_answered", Class::News(Kind::Comments)),
    ("comment_reported", Class::News(Kind::Staff)),
    ("consultation_receipt", Class::News(Kind::Consultations)),
    ("consultation_opened", Class::News(Kind::Consultations)),
    ("consultation_result", Class::News(Kind::Consultations)),
    ("consultation_notice", Class::News(Kind::Consultations)),
    ("meeting_registration", Class::News(Kind::Meetings)),
    ("meeting_reminder", Class::News(Kind::Meetings)),
    ("meeting_changed", Class::News(Kind::Meetings)),
    ("digest", Class::Digest),
    ("comment_auto_hidden", Class::News(Kind::Comments)),
    ("comment_restored", Class::News(Kind::Comments)),
    // Sent as the person's own matter (`Regarding::OwnBooking`): at once, whatever the choices.
    ("posting_blocked", Class::News(Kind::Comments)),
    ("posting_unblocked", Class::News(Kind::Comments)),
];

/// The kind of a notification template; None for a security email, the digest, or a template
/// not in [`EMAILS`].
pub fn kind_of(template: &str) -> Option<Kind> {
    EMAILS.iter().find_map(|(name, class)| match class {
        Class::News(kind) if *name == template => Some(*kind),
        _ => None,
    })
}

/// What an event is about, read from its link (`…/proposals/<uuid>…`, also under `/staff`,
/// `…/measures/1-2-3`, `…/consultations/4…`), so callers pass nothing more than the link their
/// email has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct About {
    pub proposal_id: Option<Uuid>,
    pub measure_code: Option<String>,
    pub consultation_id: Option<i32>,
}

impl About {
    pub fn of_link(link: &str) -> About {
        let path = link
            .split_once("://")
            .map_or(link, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .skip_while(|s| *s == "staff");
        let mut about = About::default();
        let (Some(section), Some(key)) = (segments.next(), segments.next()) else {
            return about;
        };
        match section {
            "proposals" => about.proposal_id = key.parse().ok(),
            "consultations" => about.consultation_id = key.parse().ok(),
            "measures"
                if key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') =>
            {
                about.measure_code = Some(key.to_owned())
            }
            _ => {}
        }
        about
    }
}

/// Daily or weekly digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Daily,
    Weekly,
}

impl Cadence {
    pub const ALL: [Cadence; 2] = [Cadence::Daily, Cadence::Weekly];

    pub fn code(self) -> &'static str {
        match self {
            Cadence::Daily => "daily",
            Cadence::Weekly => "weekly",
        }
    }

    /// The latest digest due at `now`: its period (the JST day, or the Monday of the week) and
    /// the moment it was due (`hour`:00 JST that day). Events before that moment go in it.
    pub fn due(self, now: DateTime<Utc>, hour: u32) -> (NaiveDate, DateTime<Utc>) {
        let today = now.with_timezone(&jst()).date_naive();
        let step = match self {
            Cadence::Daily => Duration::days(1),
            Cadence::Weekly => Duration::days(7),
        };
        let mut period = match self {
            Cadence::Daily => today,
            Cadence::Weekly => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
        };
        loop {
            let at = at_hour(period, hour);
            if at <= now {
                return (period, at);
            }
            period -= step;
        }
    }
}

/// `hour`:00 in Tokyo on `day` (a fixed offset: always exactly one instant).
fn at_hour(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    let local = day.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    jst()
        .from_local_datetime(&local)
        .single()
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

/// The one-line summary of an event: the email's subject without the site's 【…】 or […] tag.
pub fn summary(subject: &str) -> String {
    let subject = subject.trim();
    let rest = ["【", "["]
        .into_iter()
        .zip(["】", "]"])
        .find_map(|(open, close)| {
            subject
                .strip_prefix(open)
                .and_then(|s| s.split_once(close))
                .map(|(_, rest)| rest)
        })
        .unwrap_or(subject);
    rest.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::templates::NAMES;

    #[test]
    fn every_email_template_has_a_class_and_every_class_a_template() {
        for name in NAMES {
            assert!(
                EMAILS.iter().any(|(n, _)| *n == name),
                "the email {name} has no class in notify::kinds::EMAILS: is it a security \
                 email or news of which kind?"
            );
        }
        for (name, _) in EMAILS {
            assert!(NAMES.contains(&name), "{name} is no email template");
        }
        assert_eq!(kind_of("proposal_update"), Some(Kind::Proposals));
        assert_eq!(kind_of("verify"), None);
        assert_eq!(kind_of("digest"), None);
        assert_eq!(kind_of("nothing"), None);
    }

    #[test]
    fn kinds_and_deliveries_read_back_their_codes() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.code()), Some(kind));
        }
        for delivery in Delivery::ALL {
            assert_eq!(Delivery::parse(delivery.code()), Some(delivery));
        }
        assert_eq!(Kind::parse("spam"), None);
        assert_eq!(Delivery::parse("hourly"), None);
        assert!(!Kind::Meetings.choosable() && Kind::Proposals.choosable());
        assert_eq!(Delivery::Daily.cadence(), Some(Cadence::Daily));
        assert_eq!(Delivery::Weekly.cadence(), Some(Cadence::Weekly));
        assert_eq!(Delivery::Immediate.cadence(), None);
        assert_eq!(Delivery::Never.cadence(), None);
    }

    #[test]
    fn an_event_is_about_what_its_link_names() {
        let id = "6f1c2a4e-3b1d-4c8e-9f00-0123456789ab";
        let about = About::of_link(&format!("https://kyodo.example/proposals/{id}#comment-3"));
        assert_eq!(about.proposal_id, Some(id.parse().unwrap()));
        let staff = About::of_link(&format!("http://h/staff/proposals/{id}"));
        assert_eq!(staff.proposal_id, Some(id.parse().unwrap()));
        assert_eq!(About::of_link("http://h/proposals/12"), About::default());
        assert_eq!(
            About::of_link("/consultations/4?x=1").consultation_id,
            Some(4)
        );
        assert_eq!(
            About::of_link("http://h:8080/measures/1-2-3").measure_code,
            Some("1-2-3".into())
        );
        assert_eq!(About::of_link("http://h/measures/<x>"), About::default());
        assert_eq!(About::of_link("http://h/proposals/mine"), About::default());
        assert_eq!(About::of_link("http://h/meetings/3"), About::default());
        assert_eq!(About::of_link("http://h"), About::default());
        assert_eq!(About::of_link(""), About::default());
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_daily_digest_is_due_at_the_hour_in_tokyo() {
        // 2026-12-08 07:00 JST is 2026-12-07 22:00 UTC.
        let (day, at) = Cadence::Daily.due(utc("2026-12-07T22:00:00Z"), 7);
        assert_eq!(day.to_string(), "2026-12-08");
        assert_eq!(at, utc("2026-12-07T22:00:00Z"));
        // A minute before, yesterday's is the latest.
        let (day, at) = Cadence::Daily.due(utc("2026-12-07T21:59:00Z"), 7);
        assert_eq!(day.to_string(), "2026-12-07");
        assert_eq!(at, utc("2026-12-06T22:00:00Z"));
    }

    #[test]
    fn a_weekly_digest_is_due_on_monday() {
        // Monday 2026-12-07 07:00 JST = 2026-12-06 22:00 UTC.
        let (day, at) = Cadence::Weekly.due(utc("2026-12-09T03:00:00Z"), 7);
        assert_eq!(day.to_string(), "2026-12-07");
        assert_eq!(at, utc("2026-12-06T22:00:00Z"));
        // Monday at 06:00 JST: still last week's.
        let (day, _) = Cadence::Weekly.due(utc("2026-12-06T21:00:00Z"), 7);
        assert_eq!(day.to_string(), "2026-11-30");
        // An hour past 23 is read as 23.
        assert_eq!(
            Cadence::Daily.due(utc("2026-12-07T15:00:00Z"), 99).1,
            utc("2026-12-07T14:00:00Z")
        );
    }

    #[test]
    fn a_summary_is_the_subject_without_the_site_tag() {
        assert_eq!(
            summary("【協働 Kyodo】提案「道」：受付"),
            "提案「道」：受付"
        );
        assert_eq!(summary("[Kyodo] Your proposal"), "Your proposal");
        assert_eq!(summary("  plain "), "plain");
        assert_eq!(summary("【unclosed"), "【unclosed");
    }
}
