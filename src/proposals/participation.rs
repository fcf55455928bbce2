//! Taking part in a public proposal: supports (賛同, one per verified account), follows (the
//! follower hears of decisions) and comments (plain text, one level of replies).
//!
//! Comments are stored generically (`subject_type`, `subject_id`) so that measures and
//! consultations reuse them; they are never deleted — moderation (later) sets `hidden_at` and a
//! reason, and the page then shows a notice instead of the text. [`body_html`] is the only way a
//! comment's text reaches HTML: escaped first, then bare http(s) links made into safe anchors.

use super::workflow::State;
use crate::audit::{self, Entry};
use crate::db::schema::{
    accounts, comments as c, organisations, proposal_follows as pf, proposal_supports as ps,
    proposals as p,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Longest comment, in characters.
pub const COMMENT_MAX: usize = 2000;
/// At most this many comments on a page (oldest first).
pub const COMMENTS_SHOWN: i64 = 500;
/// The subject type of a proposal's comments.
pub const PROPOSAL: &str = "proposal";

/// A comment's text as typed: trimmed, 1–2000 characters.
pub fn parse_body(raw: &str) -> std::result::Result<String, String> {
    let body = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
    if body.is_empty() {
        return Err("コメントを入力してください。".into());
    }
    let n = body.chars().count();
    if n > COMMENT_MAX {
        return Err(format!(
            "コメントは{COMMENT_MAX}文字以内で入力してください（現在{n}文字）。"
        ));
    }
    Ok(body)
}

/// The proposal's state and author; `NotFound` unless it is public.
fn public_proposal(conn: &mut PgConnection, id: Uuid) -> Result<(Uuid, String)> {
    let (author, state, title): (Uuid, String, String) = p::table
        .find(id)
        .select((p::author_id, p::state, p::title))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let state: State = state.parse().map_err(Error::Internal)?;
    if !state.is_public() {
        return Err(Error::NotFound);
    }
    Ok((author, title))
}

/// Supports (`on`) or withdraws the support of `account`. Idempotent.
pub fn set_support(conn: &mut PgConnection, account: Uuid, proposal: Uuid, on: bool) -> Result<()> {
    public_proposal(conn, proposal)?;
    if on {
        diesel::insert_into(ps::table)
            .values((ps::proposal_id.eq(proposal), ps::account_id.eq(account)))
            .on_conflict_do_nothing()
            .execute(conn)?;
    } else {
        diesel::delete(
            ps::table
                .filter(ps::proposal_id.eq(proposal))
                .filter(ps::account_id.eq(account)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Follows (`on`) or unfollows. Idempotent.
pub fn set_follow(conn: &mut PgConnection, account: Uuid, proposal: Uuid, on: bool) -> Result<()> {
    public_proposal(conn, proposal)?;
    if on {
        diesel::insert_into(pf::table)
            .values((pf::proposal_id.eq(proposal), pf::account_id.eq(account)))
            .on_conflict_do_nothing()
            .execute(conn)?;
    } else {
        diesel::delete(
            pf::table
                .filter(pf::proposal_id.eq(proposal))
                .filter(pf::account_id.eq(account)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The counts of a proposal and what the viewer did.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Standing {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub supports: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub comments: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub supported: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub followed: bool,
}

/// One query.
pub fn standing(conn: &mut PgConnection, proposal: Uuid, viewer: Option<Uuid>) -> Result<Standing> {
    Ok(diesel::sql_query(
        "SELECT (SELECT count(*) FROM proposal_supports WHERE proposal_id = $1) AS supports,
                (SELECT count(*) FROM comments WHERE subject_type = 'proposal'
                   AND subject_id = $1::text AND hidden_at IS NULL) AS comments,
                EXISTS (SELECT 1 FROM proposal_supports WHERE proposal_id = $1 AND account_id = $2)
                  AS supported,
                EXISTS (SELECT 1 FROM proposal_follows WHERE proposal_id = $1 AND account_id = $2)
                  AS followed",
    )
    .bind::<diesel::sql_types::Uuid, _>(proposal)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(viewer)
    .get_result(conn)?)
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    supports: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    comments: i64,
}

/// Supports and (visible) comments of each proposal: one query, also when there are none.
pub fn counts(conn: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, (i64, i64)>> {
    let rows: Vec<CountRow> = diesel::sql_query(
        "SELECT i.id,
                (SELECT count(*) FROM proposal_supports s WHERE s.proposal_id = i.id) AS supports,
                (SELECT count(*) FROM comments c WHERE c.subject_type = 'proposal'
                   AND c.subject_id = i.id::text AND c.hidden_at IS NULL) AS comments
         FROM unnest($1) AS i (id)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, (r.supports, r.comments)))
        .collect())
}

/// A comment as a page shows it.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_name: String,
    /// Posted as this organisation (name, verified).
    pub organisation: Option<(Uuid, String, bool)>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The reason, when a moderator hid the comment.
    pub hidden: Option<String>,
}

type CommentRow = (
    (Uuid, Option<Uuid>, String, DateTime<Utc>),
    (Option<DateTime<Utc>>, Option<String>),
    (String, Option<DateTime<Utc>>),
    Option<(Uuid, String, Option<DateTime<Utc>>)>,
);

/// The comments of a subject, oldest first (replies among them, with their parent). One query.
pub fn comments(
    conn: &mut PgConnection,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<Comment>> {
    let rows: Vec<CommentRow> = c::table
        .inner_join(accounts::table)
        .left_join(organisations::table)
        .filter(c::subject_type.eq(subject_type))
        .filter(c::subject_id.eq(subject_id))
        .order((c::created_at, c::id))
        .limit(COMMENTS_SHOWN)
        .select((
            (c::id, c::parent_id, c::body, c::created_at),
            (c::hidden_at, c::hidden_reason),
            (accounts::display_name, accounts::deleted_at),
            (
                organisations::id,
                organisations::name,
                organisations::verified_at,
            )
                .nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |((id, parent_id, body, created_at), (hidden_at, reason), (name, deleted), org)| {
                Comment {
                    id,
                    parent_id,
                    author_name: if deleted.is_some() {
                        crate::auth::fields::DELETED_NAME.to_owned()
                    } else {
                        name
                    },
                    organisation: org.map(|(id, name, v)| (id, name, v.is_some())),
                    body,
                    created_at,
                    hidden: hidden_at.map(|_| reason.unwrap_or_default()),
                }
            },
        )
        .collect())
}

/// Why a comment was not posted, for the form.
#[derive(Debug)]
pub enum CommentRefused {
    /// Shown at the form, the text kept.
    Message(String),
    Other(Error),
}

impl From<Error> for CommentRefused {
    fn from(e: Error) -> Self {
        CommentRefused::Other(e)
    }
}

impl From<diesel::result::Error> for CommentRefused {
    fn from(e: diesel::result::Error) -> Self {
        CommentRefused::Other(Error::Database(e))
    }
}

/// A new comment on a public proposal.
pub struct NewComment<'a> {
    pub author: Uuid,
    pub organisation: Option<Uuid>,
    pub parent: Option<Uuid>,
    pub body: &'a str,
    pub ip: Option<&'a str>,
}

/// Posts a comment (or a reply to a top-level comment) on a public proposal; the proposer hears
/// of it unless they wrote it. One transaction.
pub fn post_on_proposal(
    conn: &mut PgConnection,
    public_url: &str,
    proposal: Uuid,
    new: &NewComment<'_>,
) -> std::result::Result<Uuid, CommentRefused> {
    conn.transaction(|conn| {
        let (proposer, title) = public_proposal(conn, proposal)?;
        let subject = proposal.to_string();
        if let Some(org) = new.organisation {
            if !crate::orgs::can_act_for(conn, new.author, org)? {
                return Err(CommentRefused::Message(
                    "この団体の名義ではコメントできません。確認済みの団体の会員だけが、その団体の名義でコメントできます。".into(),
                ));
            }
        }
        if let Some(parent) = new.parent {
            let found: Option<(String, String, Option<Uuid>)> = c::table
                .find(parent)
                .select((c::subject_type, c::subject_id, c::parent_id))
                .first(conn)
                .optional()?;
            match found {
                Some((t, s, None)) if t == PROPOSAL && s == subject => {}
                Some((t, s, Some(_))) if t == PROPOSAL && s == subject => {
                    return Err(CommentRefused::Message(
                        "返信への返信はできません。元のコメントに返信してください。".into(),
                    ))
                }
                _ => {
                    return Err(CommentRefused::Message(
                        "返信先のコメントが見つかりません。ページを読み込み直してください。".into(),
                    ))
                }
            }
        }
        let id = Uuid::new_v4();
        diesel::insert_into(c::table)
            .values((
                c::id.eq(id),
                c::subject_type.eq(PROPOSAL),
                c::subject_id.eq(&subject),
                c::author_id.eq(new.author),
                c::organisation_id.eq(new.organisation),
                c::parent_id.eq(new.parent),
                c::body.eq(new.body),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(new.author),
                action: "comment.create",
                record: Some(("comment", id.to_string())),
                ip: new.ip,
                details: json!({ "subject_type": PROPOSAL, "subject_id": subject }),
            },
        )?;
        if proposer != new.author {
            let commenter: String = match new.organisation {
                Some(org) => organisations::table
                    .find(org)
                    .select(organisations::name)
                    .first(conn)?,
                None => accounts::table
                    .find(new.author)
                    .select(accounts::display_name)
                    .first(conn)?,
            };
            let link = format!(
                "{}/proposals/{proposal}#comment-{id}",
                public_url.trim_end_matches('/')
            );
            let excerpt: String = new.body.chars().take(200).collect();
            super::review::notify_account(conn, public_url, proposer, "proposal_comment", |_| {
                json!({ "title": title, "link": link, "commenter": commenter, "excerpt": excerpt })
            })?;
        }
        Ok(id)
    })
}

/// The accounts following a proposal (to tell them of a decision).
pub fn followers(conn: &mut PgConnection, proposal: Uuid) -> Result<Vec<Uuid>> {
    Ok(pf::table
        .filter(pf::proposal_id.eq(proposal))
        .order(pf::at)
        .select(pf::account_id)
        .load(conn)?)
}

// ---------- the text of a comment in HTML ----------

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
        assert!(parse_body(&"あ".repeat(COMMENT_MAX + 1))
            .unwrap_err()
            .contains("2000文字以内"));
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
}
