//! Japanese calendar (和暦) for what the city dates that way: fiscal years (年度, April–March)
//! and dates in Asia/Tokyo.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

/// Japan Standard Time. Japan has no daylight saving time, so a fixed offset is exact.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// Midnight JST at the start of `day`, as an instant.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    jst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("JST has no gaps")
        .with_timezone(&Utc)
}

/// The calendar day in Tokyo of an instant.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&jst()).date_naive()
}

/// Eras by the Western year they began; a fiscal year takes the era current in the year it
/// starts, and the first year is written 元 (令和元年度 = 2019年度).
const ERAS: [(i32, &str); 3] = [(2019, "令和"), (1989, "平成"), (1926, "昭和")];

fn era_year(year: i32) -> Option<(&'static str, i32)> {
    ERAS.iter()
        .find(|(start, _)| year >= *start)
        .map(|(start, name)| (*name, year - start + 1))
}

/// The Western year an era (`令和`, `平成`, `昭和`) began: 令和1年 is 2019.
pub fn era_start(name: &str) -> Option<i32> {
    ERAS.iter()
        .find(|(_, n)| *n == name)
        .map(|(start, _)| *start)
}

fn japanese_year(year: i32) -> String {
    match era_year(year) {
        Some((era, 1)) => format!("{era}元"),
        Some((era, n)) => format!("{era}{n}"),
        None => format!("{year}"),
    }
}

/// `2024` → `令和6年度（2024年度）`.
pub fn fiscal_year_ja(year: i32) -> String {
    format!("{}（{year}年度）", fiscal_year_era(year))
}

/// `2024` → `令和6年度`.
pub fn fiscal_year_era(year: i32) -> String {
    format!("{}年度", japanese_year(year))
}

/// `2024` → `FY2024 (Reiwa 6)`.
pub fn fiscal_year_en(year: i32) -> String {
    match era_year(year) {
        Some((era, n)) => {
            let era = match era {
                "令和" => "Reiwa",
                "平成" => "Heisei",
                _ => "Showa",
            };
            format!("FY{year} ({era} {n})")
        }
        None => format!("FY{year}"),
    }
}

/// The fiscal year a moment falls in, in Tokyo: April–March.
pub fn fiscal_year_of(at: DateTime<Utc>) -> i32 {
    let local = at.with_timezone(&jst());
    if local.month() >= 4 {
        local.year()
    } else {
        local.year() - 1
    }
}

/// A time for `<time datetime>`: RFC 3339 to the second, in `at`'s offset. HTML allows at most
/// three decimals and the database keeps microseconds, so they are dropped.
pub fn datetime_attr<Tz: chrono::TimeZone>(at: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A date in Tokyo as the city writes it: `令和8年11月25日`.
pub fn date_ja(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&jst());
    format!(
        "{}年{}月{}日",
        japanese_year(local.year()),
        local.month(),
        local.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetime_attributes_stop_at_the_second() {
        let at = Utc.timestamp_micros(1_764_700_000_123_456).unwrap();
        assert_eq!(datetime_attr(&at), "2025-12-02T18:26:40Z");
        assert_eq!(
            datetime_attr(&at.with_timezone(&jst())),
            "2025-12-03T03:26:40+09:00"
        );
    }

    #[test]
    fn fiscal_years_in_the_japanese_calendar() {
        assert_eq!(fiscal_year_ja(2024), "令和6年度（2024年度）");
        assert_eq!(fiscal_year_ja(2019), "令和元年度（2019年度）");
        assert_eq!(fiscal_year_ja(2018), "平成30年度（2018年度）");
        assert_eq!(fiscal_year_ja(1989), "平成元年度（1989年度）");
        assert_eq!(fiscal_year_ja(1988), "昭和63年度（1988年度）");
        assert_eq!(fiscal_year_ja(1900), "1900年度（1900年度）");
        assert_eq!(fiscal_year_era(2019), "令和元年度");
        assert_eq!(fiscal_year_en(2026), "FY2026 (Reiwa 8)");
        assert_eq!(fiscal_year_en(2000), "FY2000 (Heisei 12)");
        assert_eq!(fiscal_year_en(1950), "FY1950 (Showa 25)");
        assert_eq!(fiscal_year_en(1900), "FY1900");
    }

    #[test]
    fn the_fiscal_year_turns_on_the_first_of_april_in_tokyo() {
        // 2027-03-31 15:00 UTC is already 1 April in Tokyo.
        let before = Utc.with_ymd_and_hms(2027, 3, 31, 14, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2027, 3, 31, 15, 0, 0).unwrap();
        assert_eq!(fiscal_year_of(before), 2026);
        assert_eq!(fiscal_year_of(after), 2027);
    }

    #[test]
    fn dates_are_written_in_tokyo_time() {
        let late_evening_utc = Utc.with_ymd_and_hms(2026, 11, 24, 16, 0, 0).unwrap();
        assert_eq!(date_ja(late_evening_utc), "令和8年11月25日");
    }
}
