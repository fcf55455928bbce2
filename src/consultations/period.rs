//! A consultation's period (意見提出期間) and state, in Asia/Tokyo, as pure functions of its
//! dates and "now"; the 30-day rule; receipt numbers (受付番号); fiscal years for KPI 6-1.
//!
//! Dates are calendar days in Tokyo, both inclusive: a consultation from 12月1日 to 12月30日
//! opens at 00:00:00 JST on 1 December and takes submissions until 23:59:59.999… JST on
//! 30 December. It is stored as days; [`Period::closes_at`] is the exclusive end, 00:00 JST of
//! the next day, so "in time" is `opens_at <= at < closes_at` with nothing lost to rounding.

use crate::refusal::Refusal;
pub use crate::wareki::{day_of, start_of_day};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

/// The shortest period without a recorded reason: 行政手続法 第39条第3項 (「公示の日から起算
/// して三十日以上」), which the city's procedure follows. Counted inclusively — the first day
/// counts (起算して) — so 1 to 30 December is 30 days and enough.
pub const MIN_DAYS: i64 = 30;

/// A consultation's state (状態), never stored: computed from the dates, the milestones and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ConsultationState)]
pub enum State {
    /// 公示前: saved, seen by staff only. Never in the API, so not in its schema either.
    #[serde(skip)]
    Draft,
    /// 募集前: announced (公示), not open yet.
    Scheduled,
    /// 募集中.
    Open,
    /// 募集終了: closed, result not yet published.
    Closed,
    /// 中止: withdrawn before it closed; takes no opinions and gets no result.
    Withdrawn,
    /// 結果公表.
    ResultPublished,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Draft,
        State::Scheduled,
        State::Open,
        State::Closed,
        State::Withdrawn,
        State::ResultPublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Scheduled => "scheduled",
            State::Open => "open",
            State::Closed => "closed",
            State::Withdrawn => "withdrawn",
            State::ResultPublished => "result_published",
        }
    }

    /// Whether the public may see it: everything but a draft.
    pub fn is_public(self) -> bool {
        self != State::Draft
    }

    /// Whether what was announced may still be corrected (正誤), extended or withdrawn, each
    /// with a public notice: from the announcement until the close.
    pub fn is_amendable(self) -> bool {
        matches!(self, State::Scheduled | State::Open)
    }

    /// Whether the result (意見募集の結果) may be written and published: once an announced
    /// consultation has run its course, never for a draft or a withdrawn one.
    pub fn takes_result(self) -> bool {
        matches!(self, State::Closed | State::ResultPublished)
    }
}

/// When a consultation was announced (公示), withdrawn (中止) and its result published, each
/// if it was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milestones {
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub result_published_at: Option<DateTime<Utc>>,
}

impl std::str::FromStr for State {
    type Err = Refusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // A draft is never public, so it is no state anyone can ask for.
        State::ALL
            .into_iter()
            .filter(|state| state.is_public())
            .find(|state| state.as_str() == s)
            .ok_or_else(|| Refusal::new("msg.state_unknown").with("state", s))
    }
}

/// The first and last day of a consultation, first ≤ last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    opens_on: NaiveDate,
    closes_on: NaiveDate,
}

/// A date as a form sends it (`2026-12-01`); `what` is the field's label key.
pub fn parse_day(raw: &str, what: &'static str) -> Result<NaiveDate, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Refusal::required(what));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| Refusal::new("msg.day_format").label("what", what))
}

impl Period {
    /// Refuses a last day before the first.
    pub fn new(opens_on: NaiveDate, closes_on: NaiveDate) -> Result<Period, Refusal> {
        if closes_on < opens_on {
            return Err(Refusal::new("msg.closes_before_opens"));
        }
        Ok(Period {
            opens_on,
            closes_on,
        })
    }

    pub fn opens_on(&self) -> NaiveDate {
        self.opens_on
    }

    pub fn closes_on(&self) -> NaiveDate {
        self.closes_on
    }

    /// 00:00:00 JST of the first day.
    pub fn opens_at(&self) -> DateTime<Utc> {
        start_of_day(self.opens_on)
    }

    /// 00:00:00 JST of the last day: the instant whose date people are shown as the deadline.
    pub fn last_day_at(&self) -> DateTime<Utc> {
        start_of_day(self.closes_on)
    }

    /// The exclusive end: 00:00:00 JST of the day after the last day.
    pub fn closes_at(&self) -> DateTime<Utc> {
        start_of_day(self.closes_on + Days::new(1))
    }

    /// Days in the period, the first and the last included.
    pub fn days(&self) -> i64 {
        (self.closes_on - self.opens_on).num_days() + 1
    }

    /// Whether a submission at `at` is in time.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.opens_at() <= at && at < self.closes_at()
    }

    /// Refuses a period whose last day is over at `now`: nobody could send an opinion in it.
    pub fn not_over(&self, now: DateTime<Utc>) -> Result<(), Refusal> {
        if now < self.closes_at() {
            return Ok(());
        }
        Err(Refusal::new("msg.closes_passed").with("date", self.last_day_ja()))
    }

    /// The last day as the messages say it (令和8年12月30日).
    fn last_day_ja(&self) -> String {
        crate::wareki::date_ja(self.last_day_at())
    }

    /// The period as announced on `today`: the period counts from the announcement (公示の日),
    /// so a first day already past becomes `today`. Call only for a period not over.
    pub fn announced_on(&self, today: NaiveDate) -> Period {
        Period {
            opens_on: self.opens_on.max(today),
            closes_on: self.closes_on,
        }
    }

    /// The period with its last day moved to `closes_on` (延長): later only, never earlier.
    pub fn extended(&self, closes_on: NaiveDate) -> Result<Period, Refusal> {
        if closes_on <= self.closes_on {
            return Err(Refusal::new("msg.extend_later_only").with("date", self.last_day_ja()));
        }
        Ok(Period {
            opens_on: self.opens_on,
            closes_on,
        })
    }

    /// The reason for a period under [`MIN_DAYS`], required then and dropped otherwise.
    pub fn short_reason(&self, reason: &str) -> Result<Option<String>, Refusal> {
        let reason = reason.trim();
        if self.days() >= MIN_DAYS {
            return Ok(None);
        }
        if reason.is_empty() {
            return Err(Refusal::new("msg.short_period_reason").with("days", self.days()));
        }
        if reason.chars().count() > 1000 {
            return Err(Refusal::new("msg.short_period_reason_long"));
        }
        Ok(Some(reason.to_owned()))
    }
}

/// The state at `now`: a milestone counts from its instant on.
pub fn state(period: &Period, milestones: &Milestones, now: DateTime<Utc>) -> State {
    let reached = |at: Option<DateTime<Utc>>| at.is_some_and(|at| at <= now);
    if !reached(milestones.published_at) {
        State::Draft
    } else if reached(milestones.withdrawn_at) {
        State::Withdrawn
    } else if reached(milestones.result_published_at) {
        State::ResultPublished
    } else if now < period.opens_at() {
        State::Scheduled
    } else if now < period.closes_at() {
        State::Open
    } else {
        State::Closed
    }
}

/// 受付番号: `PC-2026-0001-000123` — the year the consultation opens (in Tokyo), its number
/// and the submission's sequence within it.
pub fn receipt_number(opens_on: NaiveDate, consultation: i32, seq: i32) -> String {
    format!("PC-{}-{consultation:04}-{seq:06}", opens_on.year())
}

/// The first and last day of fiscal year `year`.
pub fn fiscal_year_days(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 4, 1).expect("1 April exists"),
        NaiveDate::from_ymd_opt(year + 1, 3, 31).expect("31 March exists"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wareki::jst;
    use chrono::TimeZone;

    /// The refusal as a Japanese page says it.
    fn ja(refusal: &Refusal) -> String {
        crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, refusal)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn jst_at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        jst()
            .with_ymd_and_hms(y, m, d, h, min, s)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn december() -> Period {
        Period::new(day(2026, 12, 1), day(2026, 12, 30)).unwrap()
    }

    #[test]
    fn the_period_runs_from_midnight_jst_to_the_end_of_the_last_day() {
        let p = december();
        assert_eq!(
            p.opens_at(),
            Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap()
        );
        assert_eq!(
            p.closes_at(),
            Utc.with_ymd_and_hms(2026, 12, 30, 15, 0, 0).unwrap()
        );
        assert!(!p.contains(jst_at(2026, 11, 30, 23, 59, 59)));
        assert!(p.contains(jst_at(2026, 12, 1, 0, 0, 0)));
        assert!(p.contains(jst_at(2026, 12, 30, 23, 59, 59)));
        assert!(p.contains(jst_at(2026, 12, 31, 0, 0, 0) - chrono::Duration::milliseconds(1)));
        assert!(!p.contains(jst_at(2026, 12, 31, 0, 0, 0)));
        assert_eq!(p.last_day_at(), jst_at(2026, 12, 30, 0, 0, 0));
        assert_eq!(p.opens_on(), day(2026, 12, 1));
        assert_eq!(p.closes_on(), day(2026, 12, 30));
    }

    /// Announced on 20 November, its result published on 20 January.
    fn announced(result: Option<DateTime<Utc>>) -> Milestones {
        Milestones {
            published_at: Some(jst_at(2026, 11, 20, 9, 0, 0)),
            withdrawn_at: None,
            result_published_at: result,
        }
    }

    #[test]
    fn states_follow_the_clock() {
        let p = december();
        let m = announced(None);
        assert_eq!(
            state(&p, &m, jst_at(2026, 11, 30, 23, 59, 59)),
            State::Scheduled
        );
        assert_eq!(state(&p, &m, jst_at(2026, 12, 1, 0, 0, 0)), State::Open);
        assert_eq!(state(&p, &m, jst_at(2026, 12, 30, 23, 59, 59)), State::Open);
        assert_eq!(state(&p, &m, jst_at(2026, 12, 31, 0, 0, 0)), State::Closed);
        let published = announced(Some(jst_at(2027, 1, 20, 10, 0, 0)));
        assert_eq!(
            state(&p, &published, jst_at(2027, 1, 20, 9, 59, 59)),
            State::Closed
        );
        assert_eq!(
            state(&p, &published, jst_at(2027, 1, 20, 10, 0, 0)),
            State::ResultPublished
        );
        let names = State::ALL.map(State::as_str);
        assert_eq!(
            names,
            [
                "draft",
                "scheduled",
                "open",
                "closed",
                "withdrawn",
                "result_published"
            ]
        );
    }

    #[test]
    fn a_draft_is_a_draft_until_it_is_announced_whatever_its_dates() {
        let p = december();
        let draft = Milestones::default();
        for at in [
            jst_at(2026, 11, 1, 0, 0, 0),
            jst_at(2026, 12, 10, 0, 0, 0),
            jst_at(2027, 2, 1, 0, 0, 0),
        ] {
            assert_eq!(state(&p, &draft, at), State::Draft);
        }
        let m = announced(None);
        assert_eq!(state(&p, &m, jst_at(2026, 11, 20, 8, 59, 59)), State::Draft);
        assert_eq!(
            state(&p, &m, jst_at(2026, 11, 20, 9, 0, 0)),
            State::Scheduled
        );
    }

    #[test]
    fn a_withdrawal_ends_it_from_its_instant_whatever_came_after() {
        let p = december();
        let withdrawn = Milestones {
            withdrawn_at: Some(jst_at(2026, 12, 10, 12, 0, 0)),
            ..announced(None)
        };
        assert_eq!(
            state(&p, &withdrawn, jst_at(2026, 12, 10, 11, 59, 59)),
            State::Open
        );
        assert_eq!(
            state(&p, &withdrawn, jst_at(2026, 12, 10, 12, 0, 0)),
            State::Withdrawn
        );
        assert_eq!(
            state(&p, &withdrawn, jst_at(2027, 3, 1, 0, 0, 0)),
            State::Withdrawn,
            "and after the close"
        );
        let before_opening = Milestones {
            withdrawn_at: Some(jst_at(2026, 11, 25, 0, 0, 0)),
            ..announced(None)
        };
        assert_eq!(
            state(&p, &before_opening, jst_at(2026, 12, 5, 0, 0, 0)),
            State::Withdrawn
        );
    }

    #[test]
    fn what_each_state_allows() {
        let public: Vec<_> = State::ALL.into_iter().filter(|s| s.is_public()).collect();
        assert_eq!(public.len(), 5);
        assert!(!State::Draft.is_public());
        let amendable: Vec<_> = State::ALL
            .into_iter()
            .filter(|s| s.is_amendable())
            .collect();
        assert_eq!(amendable, [State::Scheduled, State::Open]);
        let result: Vec<_> = State::ALL
            .into_iter()
            .filter(|s| s.takes_result())
            .collect();
        assert_eq!(result, [State::Closed, State::ResultPublished]);
    }

    #[test]
    fn a_period_over_is_refused_and_one_announced_late_starts_that_day() {
        let p = december();
        assert_eq!(p.not_over(jst_at(2026, 12, 30, 23, 59, 59)), Ok(()));
        assert_eq!(
            ja(&p.not_over(jst_at(2026, 12, 31, 0, 0, 0)).unwrap_err()),
            "締切日（令和8年12月30日）が過ぎています。意見を募集できるよう、今日以降の日にしてください。"
        );
        assert_eq!(
            p.announced_on(day(2026, 11, 20)),
            p,
            "announced before it opens"
        );
        assert_eq!(p.announced_on(day(2026, 12, 1)), p);
        let late = p.announced_on(day(2026, 12, 5));
        assert_eq!(
            (late.opens_on(), late.closes_on()),
            (day(2026, 12, 5), day(2026, 12, 30))
        );
        assert_eq!(late.days(), 26);
        assert!(
            late.short_reason("").is_err(),
            "the 30-day rule counts from the announcement"
        );
    }

    #[test]
    fn an_extension_moves_the_end_later_only() {
        let p = december();
        let longer = p.extended(day(2027, 1, 15)).unwrap();
        assert_eq!(
            (longer.opens_on(), longer.closes_on()),
            (day(2026, 12, 1), day(2027, 1, 15))
        );
        assert!(longer.contains(jst_at(2027, 1, 15, 23, 59, 59)));
        for shorter in [day(2026, 12, 30), day(2026, 12, 20)] {
            assert_eq!(
                p.extended(shorter).unwrap_err(),
                Refusal::new("msg.extend_later_only").with("date", "令和8年12月30日")
            );
        }
        let short = Period::new(day(2026, 12, 1), day(2026, 12, 20)).unwrap();
        assert_eq!(
            short.extended(day(2026, 12, 30)).unwrap().short_reason(""),
            Ok(None),
            "extended to 30 days, no reason is needed any more"
        );
        for state in State::ALL.into_iter().filter(|s| s.is_public()) {
            assert_eq!(state.as_str().parse(), Ok(state));
        }
        assert!("draft".parse::<State>().is_err(), "drafts are never listed");
        assert!("".parse::<State>().is_err());
    }

    #[test]
    fn thirty_days_counted_inclusively_need_no_reason() {
        let p = december();
        assert_eq!(p.days(), 30);
        assert_eq!(p.short_reason("  "), Ok(None));
        assert_eq!(
            p.short_reason("理由"),
            Ok(None),
            "a needless reason is dropped"
        );
        let short = Period::new(day(2026, 12, 1), day(2026, 12, 29)).unwrap();
        assert_eq!(short.days(), 29);
        let message = ja(&short.short_reason(" ").unwrap_err());
        assert!(
            message.contains("29日間") && message.contains("理由"),
            "{message}"
        );
        assert_eq!(
            short.short_reason(" 法令の施行日が迫っているため。 "),
            Ok(Some("法令の施行日が迫っているため。".into()))
        );
        assert!(short.short_reason(&"長".repeat(1001)).is_err());
        let one_day = Period::new(day(2026, 12, 1), day(2026, 12, 1)).unwrap();
        assert_eq!(one_day.days(), 1);
    }

    #[test]
    fn close_before_open_is_refused() {
        assert_eq!(
            Period::new(day(2026, 12, 2), day(2026, 12, 1)),
            Err(Refusal::new("msg.closes_before_opens"))
        );
    }

    #[test]
    fn days_parse_from_forms() {
        assert_eq!(
            parse_day(" 2026-12-01 ", "label.opens_on"),
            Ok(day(2026, 12, 1))
        );
        assert_eq!(
            ja(&parse_day("", "label.opens_on").unwrap_err()),
            "開始日を入力してください。"
        );
        assert_eq!(
            ja(&parse_day("12/1", "label.closes_on").unwrap_err()),
            "締切日は「2026-12-01」の形で入力してください。"
        );
        assert!(parse_day("2026-02-30", "label.closes_on").is_err());
    }

    #[test]
    fn days_of_instants_are_tokyo_days() {
        assert_eq!(day_of(jst_at(2026, 12, 1, 0, 0, 0)), day(2026, 12, 1));
        assert_eq!(day_of(jst_at(2026, 11, 30, 23, 59, 59)), day(2026, 11, 30));
        assert_eq!(start_of_day(day(2026, 12, 1)), jst_at(2026, 12, 1, 0, 0, 0));
    }

    #[test]
    fn receipt_numbers() {
        assert_eq!(
            receipt_number(day(2026, 12, 1), 1, 123),
            "PC-2026-0001-000123"
        );
        assert_eq!(
            receipt_number(day(2027, 1, 5), 12, 1),
            "PC-2027-0012-000001"
        );
    }

    #[test]
    fn fiscal_years_run_april_to_march() {
        assert_eq!(fiscal_year_days(2026), (day(2026, 4, 1), day(2027, 3, 31)));
    }

    #[test]
    fn every_state_and_refusal_has_its_texts() {
        use crate::web::i18n::{assert_english, assert_keys};
        let states = || State::ALL.into_iter().map(|s| s.as_str());
        assert_keys("consultations.state.", states());
        assert_keys("consultations.form.closed_", states());
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let short = Period::new(day(2026, 12, 1), day(2026, 12, 10)).unwrap();
        assert_english([
            parse_day("", "label.opens_on").unwrap_err(),
            parse_day("12/1", "label.closes_on").unwrap_err(),
            Period::new(day(2026, 12, 2), day(2026, 12, 1)).unwrap_err(),
            short.short_reason("").unwrap_err(),
            short.short_reason(&"あ".repeat(1001)).unwrap_err(),
        ]);
    }
}
