//! The Atom 1.0 feed of new and decided proposals (`/proposals/feed.atom`): an entry for each
//! submission and each decision (adopted / not adopted), newest first. Public data only: the
//! title, the summary and the public reason of a decision.

use super::workflow::State;
use crate::error::Result;
use crate::web::cached;
use crate::web::feed::{escape, time};
use crate::web::i18n::{t, translate, Lang};
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// Entries in the feed.
pub const ENTRIES: i64 = 50;

/// A submission or a decision.
#[derive(Debug, Clone, QueryableByName)]
pub struct Event {
    #[diesel(sql_type = BigInt)]
    pub transition: i64,
    #[diesel(sql_type = SqlUuid)]
    pub proposal: Uuid,
    #[diesel(sql_type = Text)]
    pub to_state: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub summary: String,
}

/// The newest submissions and decisions. One query.
pub fn events(conn: &mut PgConnection) -> Result<Vec<Event>> {
    Ok(crate::db::prepared(
        diesel::sql_query(
            "SELECT t.id AS transition, t.proposal_id AS proposal, t.to_state, t.reason, t.at,
                p.title, p.summary
         FROM proposal_transitions t
         JOIN proposals p ON p.id = t.proposal_id
         WHERE t.to_state IN ('submitted', 'adopted', 'not_adopted')
           AND p.submitted_at IS NOT NULL
         ORDER BY t.at DESC, t.id DESC
         LIMIT $1",
        )
        .bind::<BigInt, _>(ENTRIES),
    )
    .load(conn)?)
}

/// The feed's XML; `base` is the site's public address without a trailing slash, `now` stands
/// in for `updated` when there is no entry yet.
pub fn atom(base: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let updated = events.first().map_or(now, |e| e.at);
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ja\">\n");
    xml.push_str(&format!(
        "  <id>{}</id>\n",
        escape(&format!("{base}/proposals/feed.atom"))
    ));
    xml.push_str(&format!(
        "  <title>{}</title>\n",
        escape(&t(Lang::Ja, "feed.proposals.title"))
    ));
    xml.push_str(&format!("  <updated>{}</updated>\n", time(updated)));
    xml.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&format!("{base}/proposals/feed.atom"))
    ));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(&format!("{base}/proposals"))
    ));
    xml.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape(&t(Lang::Ja, "feed.author"))
    ));
    for e in events {
        let state: Option<State> = e.to_state.parse().ok();
        let title = match state {
            Some(State::Submitted) => translate(
                Lang::Ja,
                "feed.proposals.submitted_title",
                &[("title", e.title.clone())],
            ),
            Some(s) => format!("{}: {}", t(Lang::Ja, s.label_key()), e.title),
            None => e.title.clone(),
        };
        let summary = match (state, e.reason.as_deref()) {
            (Some(s @ (State::Adopted | State::NotAdopted)), Some(reason)) => translate(
                Lang::Ja,
                "feed.proposals.decided_summary",
                &[
                    ("state", t(Lang::Ja, s.label_key())),
                    ("reason", reason.to_owned()),
                ],
            ),
            _ => e.summary.clone(),
        };
        let link = format!("{base}/proposals/{}", e.proposal);
        xml.push_str("  <entry>\n");
        xml.push_str(&format!(
            "    <id>{}</id>\n",
            escape(&format!("{link}#transition-{}", e.transition))
        ));
        xml.push_str(&format!("    <title>{}</title>\n", escape(&title)));
        xml.push_str(&format!("    <updated>{}</updated>\n", time(e.at)));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&link)
        ));
        xml.push_str(&format!(
            "    <summary type=\"text\">{}</summary>\n",
            escape(&summary)
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// `/proposals/feed.atom`
pub async fn feed(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let events = state.db(events).await?;
    let xml = atom(&state.public_url, &events, state.clock.now());
    Ok(cached(
        &req,
        "application/atom+xml; charset=utf-8",
        xml.into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(transition: i64, to_state: &str, title: &str, reason: Option<&str>) -> Event {
        Event {
            transition,
            proposal: Uuid::nil(),
            to_state: to_state.into(),
            reason: reason.map(Into::into),
            at: Utc
                .with_ymd_and_hms(2026, 12, 1, 3, 0, transition as u32)
                .unwrap(),
            title: title.into(),
            summary: "概要 & <b>".into(),
        }
    }

    #[test]
    fn a_feed_with_entries() {
        let events = [
            event(
                2,
                "adopted",
                "<script>x</script>",
                Some("効果が見込めるため"),
            ),
            event(1, "submitted", "子ども食堂", None),
        ];
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let xml = atom("https://kyodo.example.jp", &events, now);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\""));
        assert!(xml.contains("<updated>2026-12-01T03:00:02Z</updated>\n  <link rel=\"self\""));
        assert!(xml.contains("href=\"https://kyodo.example.jp/proposals/feed.atom\""));
        assert!(xml.contains("<title>採択: &lt;script&gt;x&lt;/script&gt;</title>"));
        assert!(!xml.contains("<script>"));
        assert!(xml.contains("<summary type=\"text\">採択（理由）効果が見込めるため</summary>"));
        assert!(xml.contains("<title>新しい提案: 子ども食堂</title>"));
        assert!(xml.contains("<summary type=\"text\">概要 &amp; &lt;b&gt;</summary>"));
        assert_eq!(xml.matches("<entry>").count(), 2);
        assert_eq!(xml.matches("</entry>").count(), 2);
        let nil = Uuid::nil();
        assert!(xml.contains(&format!(
            "<id>https://kyodo.example.jp/proposals/{nil}#transition-2</id>"
        )));
    }

    #[test]
    fn an_empty_feed_is_still_valid() {
        let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let xml = atom("http://127.0.0.1:1", &[], now);
        assert!(xml.contains("<updated>2030-01-01T00:00:00Z</updated>"));
        assert!(!xml.contains("<entry>"));
        assert!(xml.ends_with("</feed>\n"));
    }
}
