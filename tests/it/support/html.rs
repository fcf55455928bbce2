//! Reading what the app sent: text as a person reads it, form fields.

/// Strips tags and collapses whitespace: the text a person reads.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Text with the entities the templates write turned back into characters.
pub fn unescape(text: &str) -> String {
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#x3D;", "="),
        ("&#x60;", "`"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text.to_owned(), |t, (entity, c)| t.replace(entity, c))
}

/// The value of the hidden CSRF field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in:\n{html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The page's link to the next page of a list (`rel="next"`), unescaped.
pub fn next_link(html: &str) -> Option<String> {
    let end = html.find("\" rel=\"next\"")?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&#x3D;", "="),
    )
}

/// A page's shape: its headings in order, indented by level (`h2 成果指標`), for snapshots.
pub fn outline(html: &str) -> String {
    let mut outline = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<h") {
        let tag = &rest[start..];
        let level = tag.as_bytes().get(2).copied().filter(u8::is_ascii_digit);
        match (level, tag.find('>'), tag.find("</h")) {
            (Some(level), Some(open_end), Some(close)) if open_end < close => {
                let text = visible_text(&tag[open_end + 1..close]);
                let indent = "  ".repeat(usize::from(level - b'1'));
                outline.push_str(&format!("{indent}h{} {text}\n", level as char));
                rest = &tag[close + 3..];
            }
            _ => rest = &tag[2..],
        }
    }
    outline
}
