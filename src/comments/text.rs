//! The text of a comment (コメント) and of a report (通報), and the page cursor: pure, no
//! database. [`body_html`] is the only way a comment's text reaches HTML: escaped first, then
//! bare http(s) links made into safe anchors.

use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Longest comment, in characters.
pub const COMMENT_MAX: usize = 2000;
/// Longest report or moderation reason, in characters.
pub const REASON_MAX: usize = 1000;

/// `what` (an i18n key of a field's name) is at most `max` characters, and has `count`.
fn too_long(what: &'static str, max: usize, count: usize) -> Refusal {
    Refusal::new("msg.too_long_now")
        .label("what", what)
        .with("max", max)
        .with("count", count)
}

/// A comment's text as typed: trimmed, 1–2000 characters.
pub fn parse_body(raw: &str) -> std::result::Result<String, Refusal> {
    let body = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
    if body.is_empty() {
        return Err(Refusal::required("label.comment"));
    }
    let n = body.chars().count();
    if n > COMMENT_MAX {
        return Err(too_long("label.comment", COMMENT_MAX, n));
    }
    Ok(body)
}

/// A report's or a moderator's reason: trimmed, 1–1000 characters.
pub fn parse_reason(raw: &str) -> std::result::Result<String, Refusal> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(Refusal::required("label.reason"));
    }
    let n = reason.chars().count();
    if n > REASON_MAX {
        return Err(too_long("label.reason", REASON_MAX, n));
    }
    Ok(reason.to_owned())
}

/// Where a page of top-level comments starts: after the comment posted at `at` with `id`
/// (comments are shown oldest first, ties broken by id). Written `MICROS.UUID` in `?after=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `None` for anything malformed or out of range.
    pub fn parse(raw: &str) -> Option<Cursor> {
        let (micros, id) = raw.trim().split_once('.')?;
        let at = crate::web::paging::cursor_time(micros)?;
        Some(Cursor {
            at,
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.at.timestamp_micros(), self.id)
    }
}

fn escape(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '\n' => out.push_str("<br>\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
}

/// Characters a linked URL may contain: unreserved and reserved ASCII, nothing that could end
/// an attribute or start a tag (no quotes, `<`, `>`, backtick, backslash, space).
fn url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&()*+,;=%".contains(c)
}

/// The length (bytes) of a well-formed http(s) URL at the start of `s`, trailing punctuation
/// left out; `None` if there is none.
fn url_at(s: &str) -> Option<usize> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let scheme = s.len() - rest.len();
    let mut len = rest.find(|c: char| !url_char(c)).unwrap_or(rest.len());
    while len > 0 && ".,;:!?)]'*".contains(&rest[len - 1..len]) {
        // A closing parenthesis that closes one inside the URL stays.
        if rest[len - 1..len] == *")"
            && rest[..len].matches('(').count() >= rest[..len].matches(')').count()
        {
            break;
        }
        len -= 1;
    }
    let url = &rest[..len];
    let authority = url.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.split(':').next().unwrap_or("");
    let port_ok = authority
        .split_once(':')
        .is_none_or(|(_, port)| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && host
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    (host_ok && port_ok && !authority.contains('@')).then_some(scheme + len)
}

/// A comment's text as HTML: every character escaped, line breaks as `<br>`, and bare
/// `http://` / `https://` URLs (well-formed, ASCII) as links that pass no referrer weight.
pub fn body_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut plain_from = 0;
    let mut i = 0;
    while i < text.len() {
        let at_boundary = i == 0
            || !text[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if at_boundary && text.as_bytes()[i] == b'h' {
            if let Some(len) = url_at(&text[i..]) {
                escape(&text[plain_from..i], &mut out);
                let mut url = String::new();
                escape(&text[i..i + len], &mut url);
                out.push_str("<a rel=\"nofollow ugc noopener\" href=\"");
                out.push_str(&url);
                out.push_str("\">");
                out.push_str(&url);
                out.push_str("</a>");
                i += len;
                plain_from = i;
                continue;
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    escape(&text[plain_from..], &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_required_and_bounded() {
        assert!(parse_body("  ").is_err());
        assert_eq!(parse_body(" よろしく \r\n").unwrap(), "よろしく");
        assert!(parse_body(&"あ".repeat(COMMENT_MAX)).is_ok());
        let refused = parse_body(&"あ".repeat(COMMENT_MAX + 1)).unwrap_err();
        assert_eq!(
            crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &refused),
            "コメントは2000文字以内で入力してください（現在2001文字）。"
        );
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(
            parse_reason("").unwrap_err(),
            Refusal::required("label.reason")
        );
        assert_eq!(parse_reason(" 宣伝です ").unwrap(), "宣伝です");
        assert!(parse_reason(&"あ".repeat(REASON_MAX)).is_ok());
        assert_eq!(
            parse_reason(&"あ".repeat(REASON_MAX + 1)).unwrap_err(),
            too_long("label.reason", 1000, 1001)
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: Uuid::nil(),
        };
        assert_eq!(Cursor::parse(&cursor.to_string()), Some(cursor));
        for bad in [
            "",
            "1",
            "x.y",
            "1.not-a-uuid",
            "99999999999999999999.00000000-0000-0000-0000-000000000000",
            "-1000000000000000000.00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn links_are_made_and_text_escaped() {
        assert_eq!(
            body_html("詳しくは https://example.org/a?b=1&c=2 を。\n次の行"),
            "詳しくは <a rel=\"nofollow ugc noopener\" href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a> を。<br>\n次の行"
        );
        assert_eq!(
            body_html("(see http://example.org/x)."),
            "(see <a rel=\"nofollow ugc noopener\" href=\"http://example.org/x\">http://example.org/x</a>)."
        );
        assert_eq!(
            body_html("https://ja.wikipedia.org/wiki/A_(b)"),
            "<a rel=\"nofollow ugc noopener\" href=\"https://ja.wikipedia.org/wiki/A_(b)\">https://ja.wikipedia.org/wiki/A_(b)</a>"
        );
    }

    #[test]
    fn the_xss_corpus_is_inert() {
        let corpus = [
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "https://example.org/\"onmouseover=alert(1)",
            "https://example.org/'onmouseover='alert(1)",
            "http://\"><script>alert(1)</script>",
            "https://example.org/<img src=x onerror=alert(1)>",
            "<img src=x onerror=alert(1)>",
            "https://user@evil.example/",
            "jAvAsCrIpT:alert(1) data:text/html,<script>alert(1)</script>",
            "https://example.org/`onmouseover=alert(1)`",
            "&lt;script&gt;",
            "<svg/onload=alert(1)>",
            "http://",
            "https://exa mple.org",
        ];
        for input in corpus {
            let html = body_html(input);
            assert!(
                !html.contains('<') || only_our_tags(&html),
                "{input} → {html}"
            );
            assert!(!html.to_lowercase().contains("href=\"javascript"), "{html}");
            assert!(!html.contains('"') || only_our_tags(&html), "{html}");
            assert!(!html.contains("<script"), "{html}");
        }
        assert!(!body_html("https://user@evil.example/").contains("<a"));
        assert!(!body_html("http://").contains("<a"));
    }

    /// Every `<` starts one of the tags `body_html` writes, and every `"` belongs to them.
    fn only_our_tags(html: &str) -> bool {
        let stripped = html
            .replace("<br>", "")
            .replace("</a>", "")
            .replace("<a rel=\"nofollow ugc noopener\" href=\"", "");
        // What remains of an anchor is `URL">`: the URL has no quote.
        let stripped = stripped.replace("\">", "");
        !stripped.contains('<') && !stripped.contains('"')
    }

    #[test]
    fn every_refusal_has_english() {
        crate::web::i18n::assert_english([
            parse_body("").unwrap_err(),
            parse_body(&"あ".repeat(2001)).unwrap_err(),
            parse_reason("").unwrap_err(),
        ]);
    }
}
