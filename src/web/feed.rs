//! What the Atom feeds share: text made safe for XML, moments as Atom writes them, and a feed
//! of plain entries written whole.

use crate::web::i18n::{t, Lang};
use chrono::{DateTime, SecondsFormat, Utc};

/// Text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all (the form refuses them; be safe anyway).
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A feed: its own address (also its id), its title and the page it stands for.
#[derive(Debug, Clone, Copy)]
pub struct Feed<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub page: &'a str,
}

/// One entry, its summary in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub updated: DateTime<Utc>,
    pub link: String,
    pub summary: String,
}

/// The feed's XML, in Japanese, by the city; its `updated` is the first entry's (give them
/// newest first), else `now`.
pub fn atom(feed: Feed<'_>, entries: &[Entry], now: DateTime<Utc>) -> String {
    let updated = entries.first().map_or(now, |e| e.updated);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ja\">\n");
    xml.push_str(&format!("  <id>{}</id>\n", escape(feed.url)));
    xml.push_str(&format!("  <title>{}</title>\n", escape(feed.title)));
    xml.push_str(&format!("  <updated>{}</updated>\n", time(updated)));
    xml.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(feed.url)
    ));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(feed.page)
    ));
    xml.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape(&t(Lang::Ja, "feed.author"))
    ));
    for e in entries {
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <id>{}</id>\n", escape(&e.id)));
        xml.push_str(&format!("    <title>{}</title>\n", escape(&e.title)));
        xml.push_str(&format!("    <updated>{}</updated>\n", time(e.updated)));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&e.link)
        ));
        xml.push_str(&format!("    <summary>{}</summary>\n", escape(&e.summary)));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{7}b\nc"), "ab\nc");
    }
}
