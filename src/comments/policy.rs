//! The rules of moderation at scale, pure (no database): the kinds of report (通報の種類), when
//! reports hide a comment automatically (自動で非表示), the admins' threshold, and how long a
//! posting block (投稿停止) lasts and what a blocked person is told.

use super::text::REASON_MAX;
use crate::refusal::Refusal;
use crate::wareki::jst;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};

/// What a report says is wrong with a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Spam,
    Offensive,
    /// 個人情報: someone's personal information.
    Personal,
    OffTopic,
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Spam,
        Category::Offensive,
        Category::Personal,
        Category::OffTopic,
        Category::Other,
    ];

    /// The value in the form and in `comment_reports.category`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Spam => "spam",
            Category::Offensive => "offensive",
            Category::Personal => "personal",
            Category::OffTopic => "off_topic",
            Category::Other => "other",
        }
    }

    /// The i18n key of its name.
    pub fn label(self) -> &'static str {
        match self {
            Category::Spam => "comments.category.spam",
            Category::Offensive => "comments.category.offensive",
            Category::Personal => "comments.category.personal",
            Category::OffTopic => "comments.category.off_topic",
            Category::Other => "comments.category.other",
        }
    }

    pub fn parse(raw: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == raw.trim())
    }
}

/// A report as the form sent it: a kind is required, the note is optional (at most 1000
/// characters, trimmed).
pub fn parse_report(category: &str, note: &str) -> Result<(Category, String), Refusal> {
    let category = Category::parse(category).ok_or_else(|| Refusal::new("msg.report_category"))?;
    let note = note.trim();
    let n = note.chars().count();
    if n > REASON_MAX {
        return Err(Refusal::too_long("label.report_note", REASON_MAX));
    }
    Ok((category, note.to_owned()))
}

/// Reports from distinct people that hide a comment when admins have set nothing.
pub const AUTO_HIDE_DEFAULT: i32 = 3;
/// The highest threshold an admin may set.
pub const AUTO_HIDE_MAX: i32 = 100;

/// Whether `reporters` distinct people with open reports hide a comment at `threshold`.
pub fn hides_automatically(reporters: i64, threshold: i32) -> bool {
    reporters >= i64::from(threshold)
}

/// The threshold as an admin typed it: a whole number from 1 to 100.
pub fn parse_threshold(raw: &str) -> Result<i32, Refusal> {
    let refusal = || {
        Refusal::new("msg.auto_hide_threshold")
            .with("min", 1)
            .with("max", AUTO_HIDE_MAX)
    };
    let n: i32 = raw.trim().parse().map_err(|_| refusal())?;
    if (1..=AUTO_HIDE_MAX).contains(&n) {
        Ok(n)
    } else {
        Err(refusal())
    }
}

/// The lengths a moderator picks from, in days.
pub const BLOCK_DAYS: [u64; 3] = [7, 30, 90];

/// A block as the form sent it: `length` is one of [`BLOCK_DAYS`] or `date`, with `until` a
/// day (YYYY-MM-DD, Tokyo) through which the block lasts; the reason is required. `Err` names
/// the field to show the message at.
pub struct BlockRequest {
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

/// Reads a block form at `now`. A block by days ends that many days from now; a block until a
/// day ends at the start of the next day in Tokyo, which must be after now.
pub fn parse_block(
    length: &str,
    until: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<BlockRequest, (&'static str, Refusal)> {
    let ends_at = match length.trim() {
        "date" => {
            let day = NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d")
                .map_err(|_| ("until", Refusal::new("msg.block_until")))?;
            let next = day
                .checked_add_days(Days::new(1))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .and_then(|d| jst().from_local_datetime(&d).single())
                .map(|d| d.with_timezone(&Utc))
                .ok_or(("until", Refusal::new("msg.block_until")))?;
            if next <= now {
                return Err(("until", Refusal::new("msg.block_until")));
            }
            next
        }
        days => {
            let days: u64 = days
                .parse()
                .ok()
                .filter(|d| BLOCK_DAYS.contains(d))
                .ok_or(("length", Refusal::new("msg.block_length")))?;
            now.checked_add_days(Days::new(days))
                .ok_or(("length", Refusal::new("msg.block_length")))?
        }
    };
    let reason = super::parse_reason(reason).map_err(|r| ("reason", r))?;
    Ok(BlockRequest { ends_at, reason })
}

/// What a blocked person is told when posting: until when, in Tokyo (和暦 in Japanese; a
/// refusal's values are not translated, so both languages' dates are given).
pub fn blocked(ends_at: DateTime<Utc>) -> Refusal {
    use crate::web::{i18n::Lang, present::date_time};
    Refusal::new("msg.posting_blocked")
        .with("until", date_time(Lang::Ja, ends_at))
        .with("until_en", date_time(Lang::En, ends_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn categories_round_trip_and_have_english() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert!(crate::web::i18n::t(crate::web::i18n::Lang::En, c.label()).is_ascii());
        }
        assert_eq!(Category::parse(" spam "), Some(Category::Spam));
        assert_eq!(Category::parse("SPAM"), None);
        assert_eq!(Category::parse(""), None);
    }

    #[test]
    fn a_report_needs_a_kind_and_may_have_a_note() {
        assert_eq!(
            parse_report("", "x").unwrap_err(),
            Refusal::new("msg.report_category")
        );
        assert_eq!(
            parse_report("nonsense", "").unwrap_err(),
            Refusal::new("msg.report_category")
        );
        assert_eq!(
            parse_report("other", "  ").unwrap(),
            (Category::Other, String::new())
        );
        assert_eq!(
            parse_report("personal", " 電話番号 ").unwrap(),
            (Category::Personal, "電話番号".to_owned())
        );
        assert!(parse_report("spam", &"あ".repeat(REASON_MAX)).is_ok());
        assert_eq!(
            parse_report("spam", &"あ".repeat(REASON_MAX + 1)).unwrap_err(),
            Refusal::too_long("label.report_note", REASON_MAX)
        );
    }

    #[test]
    fn the_threshold_hides_at_exactly_n_and_is_bounded() {
        assert!(!hides_automatically(2, 3));
        assert!(hides_automatically(3, 3));
        assert!(hides_automatically(4, 3));
        assert!(hides_automatically(1, 1));
        assert_eq!(parse_threshold(" 5 ").unwrap(), 5);
        assert_eq!(parse_threshold("1").unwrap(), 1);
        assert_eq!(parse_threshold("100").unwrap(), 100);
        let refused = Refusal::new("msg.auto_hide_threshold")
            .with("min", 1)
            .with("max", 100);
        for bad in ["0", "101", "-3", "", "three", "2.5"] {
            assert_eq!(parse_threshold(bad).unwrap_err(), refused, "{bad}");
        }
    }

    #[test]
    fn blocks_last_days_or_through_a_day_in_tokyo() {
        let now = at(2026, 12, 7, 3);
        let week = parse_block("7", "", " 宣伝の繰り返し ", now).unwrap();
        assert_eq!(week.ends_at, at(2026, 12, 14, 3));
        assert_eq!(week.reason, "宣伝の繰り返し");
        assert_eq!(
            parse_block("90", "", "r", now).unwrap().ends_at,
            at(2027, 3, 7, 3)
        );
        // Through 2026-12-20 in Tokyo: until 2026-12-21 00:00 JST = 12-20 15:00 UTC.
        assert_eq!(
            parse_block("date", "2026-12-20", "r", now).unwrap().ends_at,
            at(2026, 12, 20, 15)
        );
        // Today (Tokyo) still counts: the block ends at midnight.
        assert_eq!(
            parse_block("date", "2026-12-07", "r", now).unwrap().ends_at,
            at(2026, 12, 7, 15)
        );
        for (length, until, field, key) in [
            ("date", "2026-12-06", "until", "msg.block_until"),
            ("date", "2026-13-01", "until", "msg.block_until"),
            ("date", "", "until", "msg.block_until"),
            ("8", "", "length", "msg.block_length"),
            ("", "", "length", "msg.block_length"),
            ("-7", "", "length", "msg.block_length"),
        ] {
            let (f, refusal) = parse_block(length, until, "r", now).err().unwrap();
            assert_eq!((f, refusal.key()), (field, key), "{length} {until}");
        }
        let (f, refusal) = parse_block("30", "", " ", now).err().unwrap();
        assert_eq!((f, refusal), ("reason", Refusal::required("label.reason")));
    }

    #[test]
    fn a_blocked_person_is_told_until_when_in_tokyo() {
        let refusal = blocked(at(2026, 12, 14, 3));
        assert_eq!(refusal.key(), "msg.posting_blocked");
        assert_eq!(
            refusal.args()[0].1,
            crate::refusal::Arg::Text("令和8年12月14日 12:00".into())
        );
        crate::web::i18n::assert_english([refusal]);
    }
}
