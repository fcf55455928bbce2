//! How the public list of proposals is ordered, searched and paged: the sort orders, the keyset
//! cursor of each order, and the search text. Pure (no database).

use crate::refusal::Refusal;
use crate::web::paging::cursor_time;
use chrono::{DateTime, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use uuid::Uuid;

/// The orders of the public list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(as = ProposalSort, rename_all = "lowercase")]
pub enum Sort {
    /// Newest first (by creation).
    #[default]
    Newest,
    /// Most supported (賛同) first, newest first among equals.
    Supported,
    /// Most recently decided (採択・不採択) first; only decided proposals.
    Decided,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Newest, Sort::Supported, Sort::Decided];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Supported => "supported",
            Sort::Decided => "decided",
        }
    }

    pub fn parse(raw: &str) -> Result<Sort, Refusal> {
        Sort::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| Refusal::new("msg.proposal_sort"))
    }
}

/// Where the previous page ended, in the order of its sort: the list continues after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The support count (only for [`Sort::Supported`]).
    pub supports: i32,
    /// The creation time, or the decision time for [`Sort::Decided`].
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `supports_micros_id`, the same shape in every order (the support count is 0 outside
    /// the support order), so any cursor of that shape is well formed whatever `sort` says:
    /// short, safe in a URL, and what the OpenAPI pattern of `before` describes.
    pub fn encode(&self, sort: Sort) -> String {
        let supports = if sort == Sort::Supported {
            self.supports
        } else {
            0
        };
        format!("{supports}_{}_{}", self.at.timestamp_micros(), self.id)
    }

    /// Reads exactly what [`Cursor::encode`] writes: up to 9 digits, up to 16 digits with an
    /// optional minus (about 1653–2286), and a lowercase hyphenated UUID.
    pub fn parse(raw: &str, sort: Sort) -> Result<Cursor, Refusal> {
        let bad = || Refusal::new("msg.proposal_cursor");
        let digits = |s: &str, most: usize| {
            (1..=most).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        let mut parts = raw.split('_');
        let (Some(supports), Some(micros), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let lowercase_uuid = id.len() == 36
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-');
        if !digits(supports, 9)
            || !digits(micros.strip_prefix('-').unwrap_or(micros), 16)
            || !lowercase_uuid
        {
            return Err(bad());
        }
        let supports: i32 = supports.parse().map_err(|_| bad())?;
        let at = cursor_time(micros).ok_or_else(bad)?;
        let id = id.parse::<Uuid>().map_err(|_| bad())?;
        Ok(Cursor {
            supports: if sort == Sort::Supported { supports } else { 0 },
            at,
            id,
        })
    }
}

/// The longest search text, in characters.
pub const SEARCH_MAX: usize = 100;

/// What to search for in titles and summaries: trimmed, non-empty, at most [`SEARCH_MAX`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    /// `None` for an empty search.
    pub fn parse(raw: &str) -> Result<Option<SearchText>, Refusal> {
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > SEARCH_MAX {
            return Err(Refusal::new("msg.proposal_search_long").with("max", SEARCH_MAX));
        }
        Ok(Some(SearchText(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A `LIKE` pattern that finds the text anywhere, its own `%`, `_` and `\` taken literally.
    pub fn like_pattern(&self) -> String {
        crate::db::contains_pattern(&self.0)
    }
}

/// Everything but RFC 3986's unreserved characters, so cursors and codes stay readable.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `path?k=v&…` with every value percent-encoded; `path` alone without parameters.
pub fn href(path: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.timestamp_micros(1_764_000_000_123_456).unwrap()
    }

    #[test]
    fn sorts_parse_from_their_names_only() {
        for sort in Sort::ALL {
            assert_eq!(Sort::parse(sort.as_str()), Ok(sort));
        }
        assert_eq!(
            Sort::parse("popular"),
            Err(Refusal::new("msg.proposal_sort"))
        );
        assert_eq!(Sort::default(), Sort::Newest);
    }

    #[test]
    fn cursors_round_trip_in_every_order() {
        let id = Uuid::new_v4();
        for sort in Sort::ALL {
            let supports = if sort == Sort::Supported { 42 } else { 0 };
            let cursor = Cursor {
                supports,
                at: at(),
                id,
            };
            assert_eq!(Cursor::parse(&cursor.encode(sort), sort), Ok(cursor));
        }
        assert_eq!(
            Cursor {
                supports: 7,
                at: at(),
                id
            }
            .encode(Sort::Newest),
            format!("0_1764000000123456_{id}"),
            "the support count is no part of the other orders"
        );
        assert_eq!(
            Cursor::parse(&format!("7_1764000000123456_{id}"), Sort::Decided),
            Ok(Cursor {
                supports: 0,
                at: at(),
                id
            }),
            "a cursor of the support order is well formed in the others too"
        );
    }

    #[test]
    fn malformed_cursors_are_refused() {
        let id = Uuid::new_v4();
        for (raw, sort) in [
            ("", Sort::Newest),
            ("abc", Sort::Newest),
            (&format!("0_x_{id}") as &str, Sort::Newest),
            ("0_1764000000000000_not-a-uuid", Sort::Decided),
            (&format!("0_1764000000000000_{id}_extra"), Sort::Newest),
            (&format!("1764000000000000_{id}"), Sort::Supported),
            (&format!("1764000000000000_{id}"), Sort::Newest),
            (&format!("-1_1764000000000000_{id}"), Sort::Supported),
            (&format!("+1_1764000000000000_{id}"), Sort::Supported),
            (&format!("0_{}_{id}", i64::MAX), Sort::Newest),
            (&format!("0_1764000000000000_{}", id.simple()), Sort::Newest),
            (
                &format!("0_1764000000000000_{}", id.to_string().to_uppercase()),
                Sort::Newest,
            ),
            // Within chrono's range, outside PostgreSQL's.
            (&format!("0_-1000000000000000000_{id}"), Sort::Newest),
            (&format!("3_-1000000000000000000_{id}"), Sort::Supported),
            (&format!("0_400000000000000000_{id}"), Sort::Decided),
        ] {
            let err = Cursor::parse(raw, sort).unwrap_err();
            assert_eq!(err, Refusal::new("msg.proposal_cursor"), "{raw}");
        }
    }

    #[test]
    fn search_text_is_trimmed_and_limited() {
        assert_eq!(SearchText::parse("  \u{3000} "), Ok(None));
        assert_eq!(
            SearchText::parse(" 子育て\u{3000} 支援 ")
                .unwrap()
                .unwrap()
                .as_str(),
            "子育て 支援"
        );
        assert!(SearchText::parse(&"あ".repeat(SEARCH_MAX))
            .unwrap()
            .is_some());
        let refused = SearchText::parse(&"あ".repeat(SEARCH_MAX + 1)).unwrap_err();
        assert_eq!(
            crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &refused),
            "検索する言葉は100文字以内で入力してください。"
        );
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        let text = SearchText::parse("100%_\\達成").unwrap().unwrap();
        assert_eq!(text.like_pattern(), "%100\\%\\_\\\\達成%");
    }

    #[test]
    fn hrefs_encode_their_values() {
        assert_eq!(href("/proposals", &[]), "/proposals");
        assert_eq!(
            href(
                "/proposals",
                &[("q", "子育て & 支援".into()), ("before", "1_a-b.c~".into())]
            ),
            "/proposals?q=%E5%AD%90%E8%82%B2%E3%81%A6%20%26%20%E6%94%AF%E6%8F%B4&before=1_a-b.c~"
        );
    }

    #[test]
    fn every_refusal_has_english() {
        crate::web::i18n::assert_english([
            Sort::parse("x").unwrap_err(),
            Cursor::parse("x", Sort::Newest).unwrap_err(),
            SearchText::parse(&"x".repeat(SEARCH_MAX + 1)).unwrap_err(),
        ]);
    }

    #[test]
    fn every_sort_has_its_label() {
        crate::web::i18n::assert_keys("proposals.sort.", Sort::ALL.into_iter().map(|s| s.as_str()));
    }
}
