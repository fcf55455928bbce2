//! Numbered pages of the staff lists: `?page=` and the links to the neighbours; and the time
//! in the keyset cursors of the public lists (proposals, comments).

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::Serialize;

/// A cursor's time from its microseconds since 1970. Only years 1–9999: PostgreSQL cannot
/// compare a time before 4713 BC (chrono can hold one), and no page this site wrote starts
/// outside them.
pub fn cursor_time(micros: &str) -> Option<DateTime<Utc>> {
    let at = Utc.timestamp_micros(micros.parse().ok()?).single()?;
    (1..=9999).contains(&at.year()).then_some(at)
}

/// Rows per page in the staff lists.
pub const PER_PAGE: i64 = 50;

/// `?page=` as a number from 1; anything else is the first page.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

/// Links to the previous and next pages of a list, keeping the other query parameters.
#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `more` tells whether a row beyond this page exists (load `PER_PAGE + 1` rows).
    pub fn new(path: &str, params: &[(&str, String)], page: i64, more: bool) -> Pager {
        let href = |n: i64| {
            let mut query: Vec<String> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        percent_encoding::utf8_percent_encode(
                            v,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                })
                .collect();
            if n > 1 {
                query.push(format!("page={n}"));
            }
            if query.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", query.join("&"))
            }
        };
        Pager {
            page,
            prev: (page > 1).then(|| href(page - 1)),
            next: more.then(|| href(page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagers_keep_the_query() {
        let p = Pager::new(
            "/staff/people",
            &[("q", "山田 太郎".into()), ("x", String::new())],
            2,
            true,
        );
        assert_eq!(
            p.prev.as_deref(),
            Some("/staff/people?q=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E")
        );
        assert_eq!(
            p.next.as_deref(),
            Some("/staff/people?q=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E&page=3")
        );
        let p = Pager::new("/staff/audit", &[], 1, false);
        assert_eq!((p.prev, p.next), (None, None));
        assert_eq!(
            Pager::new("/staff/audit", &[], 2, false).prev.as_deref(),
            Some("/staff/audit")
        );
    }

    #[test]
    fn page_numbers_are_lenient() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("3")), 3);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("-2")), 1);
        assert_eq!(page_number(Some("abc")), 1);
        assert_eq!(page_number(Some("99999999999")), 1);
    }
}
