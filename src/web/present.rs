//! How values read on a page: dates in Asia/Tokyo (和暦 in Japanese), grouped numbers,
//! paragraphs.

use crate::wareki;
use crate::web::i18n::Lang;
use chrono::{DateTime, Utc};

/// A day as the page's language writes it: 令和8年12月2日, or 2 December 2026.
pub fn date(lang: Lang, at: DateTime<Utc>) -> String {
    match lang {
        Lang::Ja => wareki::date_ja(at),
        Lang::En => at
            .with_timezone(&wareki::jst())
            .format("%-d %B %Y")
            .to_string(),
    }
}

/// A day and time in Tokyo as the page's language writes it: 令和8年12月2日 09:00, or
/// 2 December 2026 09:00.
pub fn date_time(lang: Lang, at: DateTime<Utc>) -> String {
    let time = at.with_timezone(&wareki::jst()).format("%H:%M");
    format!("{} {time}", date(lang, at))
}

/// 1234567 → "1,234,567".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A long text as paragraphs, one per non-empty line.
pub fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_date_and_time_is_the_day_and_hour_in_tokyo() {
        // 15:30 UTC is already the next day in Tokyo.
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 30, 0).unwrap();
        assert_eq!(date_time(Lang::Ja, at), "令和8年12月2日 00:30");
        assert_eq!(date_time(Lang::En, at), "2 December 2026 00:30");
    }
}
