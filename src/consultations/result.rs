//! The published result as a CSV file (No. / 意見の要旨 / 市の考え方 / 修正の有無, through the
//! shared writer in `web::csv`) and the Atom feed of consultations: an entry when one
//! opens, when it is withdrawn and when its result is published. Public data only.

use super::handlers::published;
use super::model::result::Item;
use super::model::{self, Consultation};
use super::period::State;
use crate::error::{Error, Result};
use crate::web::cached;
use crate::web::csv::{self, Encoding};
use crate::web::feed::{Entry, Feed};
use crate::web::i18n::{t, translate, Lang};
use crate::web::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The header row of the result CSV: the city publishes it in Japanese.
fn columns() -> Vec<String> {
    std::iter::once("No.".to_owned())
        .chain(
            ["col_summary", "col_response", "col_changed", "col_change"]
                .map(|c| t(Lang::Ja, &format!("consultations.result.{c}"))),
        )
        .collect()
}

/// The result table as CSV text.
pub fn table(items: &[Item]) -> String {
    let rows = items.iter().map(|i| {
        vec![
            i.number.to_string(),
            i.summary.clone(),
            i.response.clone(),
            t(
                Lang::Ja,
                if i.changed {
                    "consultations.result.changed_yes"
                } else {
                    "consultations.result.changed_no"
                },
            ),
            i.change.clone().unwrap_or_default(),
        ]
    });
    csv::text(std::iter::once(columns()).chain(rows))
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    encoding: Option<String>,
}

/// `/consultations/{id}/result.csv[?encoding=cp932]`.
pub async fn csv(
    state: web::Data<AppState>,
    id: web::Path<i32>,
    query: web::Query<CsvQuery>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let encoding = Encoding::parse(query.encoding.as_deref()).map_err(Error::Refused)?;
    published(&state, id).await?;
    let items = state.db(move |conn| model::result::items(conn, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={}", encoding.charset()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"consultation-{id}-result.csv\""),
        ))
        .body(csv::encode(&table(&items), encoding)))
}

/// An entry's text about the consultation `title`: the feed is the city's, in Japanese.
fn said(key: &str, title: &str) -> String {
    translate(Lang::Ja, key, &[("title", title.to_owned())])
}

/// The feed's entries at `now`: nothing is in it before it opens, a draft never.
fn entries(base: &str, consultations: &[Consultation], now: DateTime<Utc>) -> Vec<Entry> {
    let mut out = Vec::new();
    for c in consultations {
        let state = c.state(now);
        let page = format!("{base}/consultations/{}", c.id);
        if let (State::Withdrawn, Some(at)) = (state, c.withdrawn_at) {
            out.push(Entry {
                id: format!("{page}#withdrawn"),
                title: said("feed.consultations.withdrawn_title", &c.title),
                updated: at,
                link: page.clone(),
                summary: said("feed.consultations.withdrawn_summary", &c.title),
            });
        }
        let never_opened = c.withdrawn_at.is_some_and(|at| at < c.period.opens_at());
        if matches!(state, State::Draft | State::Scheduled) || never_opened {
            continue;
        }
        out.push(Entry {
            id: format!("{page}#open"),
            title: said("feed.consultations.open_title", &c.title),
            updated: c.period.opens_at(),
            link: page.clone(),
            summary: format!(
                "{}〜{}（{}）{}",
                crate::wareki::date_ja(c.period.opens_at()),
                crate::wareki::date_ja(c.period.last_day_at()),
                c.department,
                c.summary
            ),
        });
        if let (State::ResultPublished, Some(at)) = (state, c.result_published_at) {
            out.push(Entry {
                id: format!("{page}/result"),
                title: said("feed.consultations.result_title", &c.title),
                updated: at,
                link: format!("{page}/result"),
                summary: said("feed.consultations.result_summary", &c.title),
            });
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.updated));
    out.truncate(50);
    out
}

/// The feed's XML.
pub fn atom(base: &str, consultations: &[Consultation], now: DateTime<Utc>) -> String {
    let feed = Feed {
        url: &format!("{base}/consultations/feed.atom"),
        title: &t(Lang::Ja, "feed.consultations.title"),
        page: &format!("{base}/consultations"),
    };
    crate::web::feed::atom(feed, &entries(base, consultations, now), now)
}

/// `/consultations/feed.atom`.
pub async fn feed(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let now = state.clock.now();
    let rows = state.db(move |conn| model::public_list(conn, now)).await?;
    let consultations: Vec<Consultation> = rows.into_iter().map(|(c, _)| c).collect();
    let xml = atom(&state.public_url, &consultations, now);
    Ok(cached(
        &req,
        "application/atom+xml; charset=utf-8",
        xml.into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consultations::period::{start_of_day, Period};
    use chrono::NaiveDate;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn consultation(id: i32, published: Option<DateTime<Utc>>) -> Consultation {
        Consultation {
            id,
            title: format!("案<{id}>&"),
            department_id: 1,
            department: "企画課".into(),
            summary: "概要".into(),
            period: Period::new(day(10, 1), day(10, 30)).unwrap(),
            short_period_reason: None,
            identity_required: true,
            published_at: Some(start_of_day(day(9, 1))),
            withdrawn_at: None,
            result_published_at: published,
        }
    }

    #[test]
    fn the_table_has_the_result_columns_and_words() {
        let items = [Item {
            id: 1,
            number: 1,
            summary: "駐輪場を, \"増やして\"\nほしい".into(),
            response: "検討します。".into(),
            changed: true,
            change: Some("第2章に追記".into()),
        }];
        assert_eq!(
            table(&items),
            "No.,意見の要旨,市の考え方,修正の有無,修正の内容\r\n1,\"駐輪場を, \"\"増やして\"\"\r\nほしい\",検討します。,有,第2章に追記\r\n"
        );
        assert_eq!(table(&[]).lines().count(), 1);
    }

    #[test]
    fn the_feed_announces_openings_and_results_and_escapes() {
        let published = start_of_day(day(11, 20));
        let list = [consultation(1, Some(published)), consultation(2, None)];
        let before = start_of_day(day(9, 30));
        let none = atom("http://x", &list, before);
        assert!(!none.contains("<entry>"), "nothing before it opens");
        let xml = atom("http://x", &list, start_of_day(day(11, 21)));
        assert_eq!(xml.matches("<entry>").count(), 3);
        assert!(xml.contains("意見募集の結果: 案&lt;1&gt;&amp;"));
        assert!(xml.contains("http://x/consultations/1/result"));
        assert!(
            xml.find("意見募集の結果").unwrap() < xml.find("意見募集: ").unwrap(),
            "newest first"
        );
    }

    #[test]
    fn the_feed_tells_of_a_withdrawal_and_never_of_a_draft() {
        let mut draft = consultation(1, None);
        draft.published_at = None;
        let mut early = consultation(2, None);
        early.withdrawn_at = Some(start_of_day(day(9, 20)));
        let mut late = consultation(3, None);
        late.withdrawn_at = Some(start_of_day(day(10, 10)));
        let xml = atom("http://x", &[draft, early, late], start_of_day(day(10, 20)));
        assert!(!xml.contains("案&lt;1&gt;"), "{xml}");
        assert_eq!(xml.matches("意見募集の中止: ").count(), 2, "{xml}");
        assert_eq!(
            xml.matches("意見募集: ").count(),
            1,
            "only the one that opened before it was withdrawn"
        );
        assert!(xml.contains("http://x/consultations/3#withdrawn"));
    }
}
