//! The result (意見募集の結果): the rows of the result table (意見の要旨 / 市の考え方 /
//! 修正の有無) and the opinions each answers, exclusions with their reason, the publication,
//! and the counts kept with it.

use super::emails::{tell, tell_item};
use super::{lock, refused, Consultation, Refused};
use crate::audit::{self, Entry};
use crate::consultations::fields::Channel;
use crate::consultations::period::State;
use crate::db::schema::{
    consultation_comments as cc, consultation_item_drafts as cid, consultation_result_items as ri,
    consultations as c,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// One row of the result table.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Item {
    pub id: i32,
    pub number: i32,
    pub summary: String,
    pub response: String,
    pub changed: bool,
    pub change: Option<String>,
}

/// The published rows of the result table: never a draft.
pub fn items(conn: &mut PgConnection, id: i32) -> Result<Vec<Item>> {
    Ok(ri::table
        .filter(ri::consultation_id.eq(id))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            cid::table.filter(cid::item_id.eq(ri::id)),
        )))
        .order(ri::number)
        .select((
            ri::id,
            ri::number,
            ri::summary,
            ri::response,
            ri::changed,
            ri::change,
        ))
        .load(conn)?)
}

/// Every row of the result table, drafts included, and the ids of the drafts. STAFF PAGE ONLY.
pub fn staff_items(conn: &mut PgConnection, id: i32) -> Result<(Vec<Item>, Vec<i32>)> {
    let drafts: Vec<i32> = cid::table
        .inner_join(ri::table)
        .filter(ri::consultation_id.eq(id))
        .select(cid::item_id)
        .load(conn)?;
    let items = ri::table
        .filter(ri::consultation_id.eq(id))
        .order(ri::number)
        .select((
            ri::id,
            ri::number,
            ri::summary,
            ri::response,
            ri::changed,
            ri::change,
        ))
        .load(conn)?;
    Ok((items, drafts))
}

/// A new row of the result table and the opinions (by receipt number) it answers; a `draft`
/// stays off the public result until published.
pub struct NewItem {
    pub summary: String,
    pub response: String,
    pub changed: bool,
    pub change: Option<String>,
    pub receipts: Vec<String>,
    pub draft: bool,
}

/// The consultation, locked, once it has closed: its result is written only then, and never
/// for one that was not announced or was withdrawn.
/// No opinion of this consultation has the receipt number `receipt`.
fn unknown_receipt(receipt: impl std::fmt::Display) -> Refusal {
    Refusal::new("msg.receipt_unknown").with("receipt", receipt)
}

fn closed(conn: &mut PgConnection, id: i32, now: DateTime<Utc>) -> Result<Consultation> {
    let consultation = lock(conn, id)?;
    let state = consultation.state(now);
    if state.takes_result() {
        return Ok(consultation);
    }
    Err(Error::Refused(Refusal::new(match state {
        State::Draft => "msg.result_not_announced",
        State::Withdrawn => "msg.result_withdrawn",
        _ => "msg.result_not_closed",
    })))
}

pub fn add_item(
    conn: &mut PgConnection,
    id: i32,
    item: &NewItem,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<i32, Refused>> {
    conn.transaction(|conn| {
        closed(conn, id, now)?;
        let known: Vec<String> = cc::table
            .filter(cc::consultation_id.eq(id))
            .filter(cc::receipt_number.eq_any(&item.receipts))
            .select(cc::receipt_number)
            .load(conn)?;
        if let Some(unknown) = item.receipts.iter().find(|r| !known.contains(r)) {
            return refused("receipts", unknown_receipt(unknown));
        }
        let number: i32 = ri::table
            .filter(ri::consultation_id.eq(id))
            .select(diesel::dsl::max(ri::number))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0)
            + 1;
        let item_id: i32 = diesel::insert_into(ri::table)
            .values((
                ri::consultation_id.eq(id),
                ri::number.eq(number),
                ri::summary.eq(&item.summary),
                ri::response.eq(&item.response),
                ri::changed.eq(item.changed),
                ri::change.eq(&item.change),
            ))
            .returning(ri::id)
            .get_result(conn)?;
        diesel::update(
            cc::table
                .filter(cc::consultation_id.eq(id))
                .filter(cc::receipt_number.eq_any(&item.receipts)),
        )
        .set(cc::item_id.eq(item_id))
        .execute(conn)?;
        if item.draft {
            diesel::insert_into(cid::table)
                .values((cid::item_id.eq(item_id), cid::author_id.eq(actor)))
                .execute(conn)?;
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.result_item",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "number": number, "changed": item.changed, "receipts": item.receipts, "draft": item.draft }),
            },
        )?;
        Ok(Ok(number))
    })
}

/// Keeps an opinion out of the published result, with the reason recorded.
pub fn exclude(
    conn: &mut PgConnection,
    id: i32,
    receipt: &str,
    reason: &str,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        closed(conn, id, now)?;
        let updated = diesel::update(
            cc::table
                .filter(cc::consultation_id.eq(id))
                .filter(cc::receipt_number.eq(receipt)),
        )
        .set((
            cc::excluded_reason.eq(reason),
            cc::excluded_by.eq(actor),
            cc::excluded_at.eq(now),
        ))
        .execute(conn)?;
        if updated == 0 {
            return refused("receipt", unknown_receipt(receipt));
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.exclude",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "receipt": receipt, "reason": reason }),
            },
        )?;
        Ok(Ok(()))
    })
}

/// Publishes the result (意見募集の結果の公表). Every opinion must be answered by an item or
/// excluded. The first publication emails each submitter ([`tell`]); publishing again
/// (after a correction) keeps the first date and sends nothing.
pub fn publish(
    conn: &mut PgConnection,
    id: i32,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let consultation = closed(conn, id, now)?;
        // An opinion answered only by a draft is not answered yet.
        let open: Vec<String> = cc::table
            .filter(cc::consultation_id.eq(id))
            .filter(
                cc::item_id
                    .is_null()
                    .or(cc::item_id.eq_any(cid::table.select(cid::item_id.nullable()))),
            )
            .filter(cc::excluded_at.is_null())
            .order(cc::receipt_seq)
            .select(cc::receipt_number)
            .load(conn)?;
        if !open.is_empty() {
            return refused(
                "publish",
                Refusal::new("msg.opinions_unmatched").with("receipts", open.join("、")),
            );
        }
        store_tally(conn, id)?;
        let first = consultation.result_published_at.is_none();
        if first {
            diesel::update(c::table.filter(c::id.eq(id)))
                .set(c::result_published_at.eq(now))
                .execute(conn)?;
            let context = result_email(public_url, id, &consultation.title);
            tell(conn, public_url, id, false, "consultation_result", &context)?;
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.publish",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "first": first }),
            },
        )?;
        Ok(Ok(()))
    })
}

/// A result item saved as a draft, as the drafts page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct PendingItem {
    pub id: i32,
    pub consultation: i32,
    pub consultation_title: String,
    pub department: i32,
    pub number: i32,
    pub summary: String,
    pub response: String,
    pub at: DateTime<Utc>,
}

/// Every result item saved as a draft, oldest first (the caller keeps those its staff work).
pub fn pending_items(conn: &mut PgConnection) -> Result<Vec<PendingItem>> {
    Ok(cid::table
        .inner_join(ri::table.inner_join(c::table))
        .order((cid::created_at, cid::item_id))
        .select((
            ri::id,
            c::id,
            c::title,
            c::department_id,
            ri::number,
            ri::summary,
            ri::response,
            cid::created_at,
        ))
        .load(conn)?)
}

/// Publishes draft item `item`: it joins the result table. Once the result is public, the
/// people whose opinions it answers are told at once (before that, the result's publication
/// tells them). Refused (`Err(refusal)`) when it is no longer a draft, the consultation no
/// longer takes a result, or the city's view is empty.
pub fn publish_item(
    conn: &mut PgConnection,
    item: i32,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<(), Refusal>> {
    conn.transaction(|conn| {
        let found: Option<(i32, String)> = cid::table
            .inner_join(ri::table)
            .filter(cid::item_id.eq(item))
            .select((ri::consultation_id, ri::response))
            .for_update()
            .first(conn)
            .optional()?;
        let Some((id, response)) = found else {
            return Ok(Err(Refusal::new("msg.draft_gone")));
        };
        let consultation = match closed(conn, id, now) {
            Ok(consultation) => consultation,
            Err(Error::Refused(refusal)) => return Ok(Err(refusal)),
            Err(e) => return Err(e),
        };
        if response.trim().is_empty() {
            return Ok(Err(Refusal::required("label.city_response")));
        }
        diesel::delete(cid::table.find(item)).execute(conn)?;
        if consultation.result_published_at.is_some() {
            store_tally(conn, id)?;
            let context = result_email(public_url, id, &consultation.title);
            tell_item(conn, public_url, id, item, "consultation_result", &context)?;
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.publish_item",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "item": item }),
            },
        )?;
        Ok(Ok(()))
    })
}

/// The counts of a published result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub submitters: i64,
    pub comments: i64,
    pub by_channel: Vec<(Channel, i64)>,
}

impl Counts {
    fn to_json(&self) -> serde_json::Value {
        let by_channel: serde_json::Map<String, serde_json::Value> = self
            .by_channel
            .iter()
            .map(|(ch, n)| (ch.code().to_owned(), json!(n)))
            .collect();
        json!({ "submitters": self.submitters, "by_channel": by_channel })
    }

    /// What [`Counts::to_json`] stored; `None` for anything else (then the counts are made live).
    fn from_json(value: &serde_json::Value) -> Option<Counts> {
        let by_channel: Vec<(Channel, i64)> = Channel::ALL
            .into_iter()
            .map(|ch| Some((ch, value["by_channel"].get(ch.code())?.as_i64()?)))
            .collect::<Option<_>>()?;
        Some(Counts {
            submitters: value["submitters"].as_i64()?,
            comments: by_channel.iter().map(|(_, n)| n).sum(),
            by_channel,
        })
    }
}

/// Keeps the counts with the consultation (see migration 000014).
pub(super) fn store_tally(conn: &mut PgConnection, id: i32) -> Result<()> {
    let tally = counts(conn, id)?.to_json();
    diesel::update(c::table.filter(c::id.eq(id)))
        .set(c::tally.eq(tally))
        .execute(conn)?;
    Ok(())
}

/// The counts of a published result as kept at publication: one row read, however many
/// opinions came.
pub fn published_counts(conn: &mut PgConnection, id: i32) -> Result<Counts> {
    let tally: Option<serde_json::Value> = c::table
        .filter(c::id.eq(id))
        .select(c::tally)
        .first(conn)
        .optional()?
        .flatten();
    match tally.as_ref().and_then(Counts::from_json) {
        Some(counts) => Ok(counts),
        None => counts(conn, id),
    }
}

/// Submitters (an account, else an email, else a name and address, else the receipt) and
/// opinions received, by channel. Counts only: nothing private leaves this query.
fn counts(conn: &mut PgConnection, id: i32) -> Result<Counts> {
    use diesel::sql_types::{BigInt, Integer, Text};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        channel: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = BigInt)]
        people: i64,
    }
    let rows: Vec<Row> = crate::db::prepared(diesel::sql_query(
        "SELECT channel, count(*) AS n, 0::bigint AS people FROM consultation_comments
         WHERE consultation_id = $1 GROUP BY channel
         UNION ALL
         SELECT '' AS channel, 0::bigint AS n, count(DISTINCT coalesce(account_id::text,
                lower(submitter_email), submitter_name || '/' || submitter_address, receipt_number)) AS people
         FROM consultation_comments WHERE consultation_id = $1",
    )
    .bind::<Integer, _>(id))
    .load(conn)?;
    let by_channel: Vec<(Channel, i64)> = Channel::ALL
        .into_iter()
        .map(|ch| {
            let n = rows
                .iter()
                .find(|r| r.channel == ch.code())
                .map_or(0, |r| r.n);
            (ch, n)
        })
        .collect();
    Ok(Counts {
        submitters: rows.iter().map(|r| r.people).sum(),
        comments: by_channel.iter().map(|(_, n)| n).sum(),
        by_channel,
    })
}

/// What the email of a published result (the whole, or one item published later) says: the
/// consultation's title and the result page's address.
fn result_email(public_url: &str, id: i32, title: &str) -> serde_json::Value {
    let link = format!(
        "{}/consultations/{id}/result",
        public_url.trim_end_matches('/')
    );
    json!({ "title": title, "link": link })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_counts_read_back_as_they_were() {
        let counts = Counts {
            submitters: 3,
            comments: 5,
            by_channel: Channel::ALL
                .into_iter()
                .enumerate()
                .map(|(i, ch)| (ch, [2, 1, 0, 2, 0, 0][i]))
                .collect(),
        };
        assert_eq!(Counts::from_json(&counts.to_json()), Some(counts));
        assert_eq!(Counts::from_json(&json!({ "submitters": 1 })), None);
        assert_eq!(Counts::from_json(&serde_json::Value::Null), None);
    }
}
