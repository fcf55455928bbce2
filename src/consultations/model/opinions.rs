//! Opinions (意見): recording one, on line or typed in from paper, with its receipt number,
//! and reading them back: all of them with who sent them for staff, the text alone for the
//! public.

use super::emails::notify_address;
use super::result::store_tally;
use super::{lock, Consultation, Refused};
use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::consultations::fields::Channel;
use crate::consultations::period::{receipt_number, State};
use crate::db::schema::{
    consultation_comments as cc, consultation_result_items as ri, consultation_sections as cs,
};
use crate::error::Result;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// An opinion (意見) as submitted on line or typed in from paper.
pub struct Opinion {
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub section: Option<i32>,
    pub body: String,
    pub account: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub submitter_name: Option<String>,
    pub submitter_address: Option<String>,
    pub submitter_email: Option<String>,
    /// The staff member who typed in a paper opinion.
    pub entered_by: Option<Uuid>,
}

/// Whether `account` submitted the opinion with this receipt number to this consultation: the
/// receipt page is theirs alone.
pub fn is_own_receipt(
    conn: &mut PgConnection,
    id: i32,
    number: &str,
    account: Uuid,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        cc::table
            .filter(cc::consultation_id.eq(id))
            .filter(cc::receipt_number.eq(number))
            .filter(cc::account_id.eq(account)),
    ))
    .get_result(conn)?)
}

/// Records an opinion if it came in time (`received_at` within the period; an on-line one is
/// received at `now`), gives it the next receipt number (受付番号) and sends the receipt email.
pub fn submit(
    conn: &mut PgConnection,
    id: i32,
    opinion: &Opinion,
    now: DateTime<Utc>,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<String, Refused>> {
    Ok(
        submit_all(conn, id, std::slice::from_ref(opinion), now, ip, public_url)?
            .map(|recorded| recorded.into_iter().map(|r| r.number).collect())
            .map_err(|(_, refused)| refused),
    )
}

/// An opinion once recorded: its row and its receipt number.
pub struct Recorded {
    pub id: i32,
    pub number: String,
}

/// Records every opinion or none (the first refused, with its index), numbered in order, and
/// sends each its receipt email to a resident's account or the address given. The consultation
/// row is locked so numbers never repeat; the opinions are written a thousand to a statement,
/// so a file of paper opinions costs a few statements, not a few per opinion.
pub fn submit_all(
    conn: &mut PgConnection,
    id: i32,
    opinions: &[Opinion],
    now: DateTime<Utc>,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<Vec<Recorded>, (usize, Refused)>> {
    conn.transaction(|conn| {
        let consultation = lock(conn, id)?;
        let sections: HashSet<i32> = cs::table
            .filter(cs::consultation_id.eq(id))
            .select(cs::id)
            .load::<i32>(conn)?
            .into_iter()
            .collect();
        let refusal = opinions.iter().enumerate().find_map(|(i, opinion)| {
            admissible(&consultation, &sections, opinion, now)
                .err()
                .map(|refused| (i, refused))
        });
        if let Some(refused) = refusal {
            return Ok(Err(refused));
        }
        let recorded = record(conn, &consultation, opinions, ip)?;
        if consultation.result_published_at.is_some() {
            // Paper opinions found after publication: the published counts include them.
            store_tally(conn, id)?;
        }
        for (opinion, (one, token)) in opinions.iter().zip(&recorded) {
            send_receipt(
                conn,
                public_url,
                &consultation,
                opinion,
                &one.number,
                token.as_deref(),
            )?;
        }
        Ok(Ok(recorded.into_iter().map(|(one, _)| one).collect()))
    })
}

/// Whether the consultation takes `opinion` at `now`: on line only while it is open; typed in
/// from paper, received on a day of its period up to today; its section, if any, one of the
/// draft's `sections`.
fn admissible(
    consultation: &Consultation,
    sections: &HashSet<i32>,
    opinion: &Opinion,
    now: DateTime<Utc>,
) -> std::result::Result<(), Refused> {
    let refused = |field, refusal| Err(Refused { field, refusal });
    let period = consultation.period;
    let at = opinion.received_at;
    let state = consultation.state(now);
    match (state, consultation.withdrawn_at) {
        (State::Draft, _) => return refused("body", Refusal::new("msg.opinion_draft")),
        (State::Withdrawn, Some(at)) => {
            return refused(
                "body",
                Refusal::new("msg.opinion_withdrawn").with("date", crate::wareki::date_ja(at)),
            )
        }
        (State::Open, _) => {}
        _ if opinion.channel != Channel::Web => {}
        (State::Scheduled, _) => {
            return refused(
                "body",
                Refusal::new("msg.opinion_not_yet")
                    .with("date", crate::wareki::date_ja(period.opens_at())),
            )
        }
        _ => {
            return refused(
                "body",
                Refusal::new("msg.opinion_closed")
                    .with("date", crate::wareki::date_ja(period.last_day_at())),
            )
        }
    }
    if !period.contains(at) || at > now {
        return refused("received_on", Refusal::new("msg.received_on_range"));
    }
    match opinion.section {
        Some(section) if !sections.contains(&section) => {
            refused("section", Refusal::new("msg.opinion_section"))
        }
        _ => Ok(()),
    }
}

/// Opinions written by one `INSERT`: 14 values each, far below PostgreSQL's 65,535 parameters.
const PER_STATEMENT: usize = 1000;

/// Writes the opinions with the next receipt numbers, and their audit entries. Each opinion's
/// row and number, and for someone without an account who gave an address, the token of
/// their unsubscribe link.
fn record(
    conn: &mut PgConnection,
    consultation: &Consultation,
    opinions: &[Opinion],
    ip: Option<&str>,
) -> Result<Vec<(Recorded, Option<String>)>> {
    let id = consultation.id;
    let last: i32 = cc::table
        .filter(cc::consultation_id.eq(id))
        .select(diesel::dsl::max(cc::receipt_seq))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0);
    let numbered: Vec<(i32, String, Option<String>)> = (last + 1..)
        .zip(opinions)
        .map(|(seq, opinion)| {
            let number = receipt_number(consultation.period.opens_on(), id, seq);
            let token = offline_address(opinion).map(|_| crate::tokens::new_secret());
            (seq, number, token)
        })
        .collect();
    let mut ids = HashMap::with_capacity(opinions.len());
    for (chunk, numbers) in opinions
        .chunks(PER_STATEMENT)
        .zip(numbered.chunks(PER_STATEMENT))
    {
        let rows: Vec<_> = chunk
            .iter()
            .zip(numbers)
            .map(|(opinion, (seq, number, token))| {
                (
                    cc::consultation_id.eq(id),
                    cc::receipt_seq.eq(*seq),
                    cc::receipt_number.eq(number),
                    cc::channel.eq(opinion.channel.code()),
                    cc::received_at.eq(opinion.received_at),
                    cc::section_id.eq(opinion.section),
                    cc::body.eq(&opinion.body),
                    cc::account_id.eq(opinion.account),
                    cc::organisation_name.eq(&opinion.organisation_name),
                    cc::submitter_name.eq(&opinion.submitter_name),
                    cc::submitter_address.eq(&opinion.submitter_address),
                    cc::submitter_email.eq(&opinion.submitter_email),
                    cc::notify_token.eq(token),
                    cc::entered_by.eq(opinion.entered_by),
                )
            })
            .collect();
        ids.extend(
            diesel::insert_into(cc::table)
                .values(rows)
                .returning((cc::receipt_seq, cc::id))
                .get_results::<(i32, i32)>(conn)?,
        );
        let entries = chunk.iter().zip(numbers).map(|(opinion, (seq, number, _))| Entry {
            actor: opinion.entered_by.or(opinion.account),
            action: if opinion.channel == Channel::Web {
                "consultation.opinion"
            } else {
                "consultation.opinion_entered"
            },
            record: Some(("consultation_comment", ids[seq].to_string())),
            ip,
            details: json!({ "consultation": id, "receipt": number, "channel": opinion.channel.code() }),
        });
        audit::record_all(conn, entries)?;
    }
    Ok(numbered
        .into_iter()
        .map(|(seq, number, token)| {
            (
                Recorded {
                    id: ids[&seq],
                    number,
                },
                token,
            )
        })
        .collect())
}

/// Someone without an account hears by the address they gave, with their own token.
fn offline_address(opinion: &Opinion) -> Option<&String> {
    opinion
        .submitter_email
        .as_ref()
        .filter(|_| opinion.account.is_none())
}

/// The receipt email: to the resident's account, or to the address given with the opinion.
fn send_receipt(
    conn: &mut PgConnection,
    public_url: &str,
    consultation: &Consultation,
    opinion: &Opinion,
    number: &str,
    token: Option<&str>,
) -> Result<()> {
    let link = format!(
        "{}/consultations/{}",
        public_url.trim_end_matches('/'),
        consultation.id
    );
    let context = json!({
        "title": consultation.title,
        "receipt": number,
        "link": link,
        "received": crate::wareki::date_ja(opinion.received_at),
    });
    if let Some(account) = opinion.account {
        notify_account(conn, public_url, account, "consultation_receipt", |_| {
            context.clone()
        })?;
    }
    if let (Some(address), Some(token)) = (offline_address(opinion), token) {
        notify_address(
            conn,
            public_url,
            address,
            token,
            "consultation_receipt",
            context,
        )?;
    }
    Ok(())
}

/// An opinion as staff see it, with the private details.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct StaffOpinion {
    pub id: i32,
    pub receipt_number: String,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub section: Option<i32>,
    pub body: String,
    pub organisation_name: Option<String>,
    pub submitter_name: Option<String>,
    pub submitter_address: Option<String>,
    pub submitter_email: Option<String>,
    pub item: Option<i32>,
    pub excluded_reason: Option<String>,
}

/// Every opinion of a consultation with the submitter's details: staff pages only.
pub fn staff_opinions(conn: &mut PgConnection, id: i32) -> Result<Vec<StaffOpinion>> {
    Ok(cc::table
        .left_join(cs::table)
        .left_join(ri::table)
        .filter(cc::consultation_id.eq(id))
        .order(cc::receipt_seq)
        .select((
            cc::id,
            cc::receipt_number,
            cc::channel,
            cc::received_at,
            cs::number.nullable(),
            cc::body,
            cc::organisation_name,
            cc::submitter_name,
            cc::submitter_address,
            cc::submitter_email,
            ri::number.nullable(),
            cc::excluded_reason,
        ))
        .load(conn)?)
}

/// A published opinion's text, without anything about who sent it.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct PublicOpinion {
    pub id: i32,
    pub section: Option<i32>,
    pub item: Option<i32>,
    pub body: String,
}

/// Published (not excluded) opinions after `after` (keyset pagination by id), `limit` rows
/// (a page size: it is written into the statement, see [`crate::db::limited`]).
pub fn public_opinions(
    conn: &mut PgConnection,
    id: i32,
    after: i32,
    limit: i64,
) -> Result<Vec<PublicOpinion>> {
    let query = cc::table
        .left_join(cs::table)
        .left_join(ri::table)
        .filter(cc::consultation_id.eq(id))
        .filter(cc::excluded_at.is_null())
        .filter(cc::id.gt(after))
        .order(cc::id)
        .select((
            cc::id,
            cs::number.nullable(),
            ri::number.nullable(),
            cc::body,
        ));
    Ok(crate::db::limited(query, limit).load(conn)?)
}
