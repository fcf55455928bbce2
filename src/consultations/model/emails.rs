//! The emails of a consultation: to the people who sent opinions (from their account, or to
//! the address given with a paper one, which they may unsubscribe) and to the followers of its
//! measures.

use super::find;
use crate::auth::accounts::notify_account;
use crate::consultations::period::{day_of, State};
use crate::db::schema::{
    consultation_comments as cc, consultation_measures as cm, consultations as c,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// The one-click unsubscribe link of a submitter without an account.
fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!(
        "{}/consultations/unsubscribe?token={token}",
        public_url.trim_end_matches('/')
    )
}

/// An email to an address a paper submitter gave (in Japanese: the city's paper forms are).
pub(super) fn notify_address(
    conn: &mut PgConnection,
    public_url: &str,
    address: &str,
    token: &str,
    template: &'static str,
    context: serde_json::Value,
) -> Result<()> {
    crate::notify::enqueue(
        conn,
        crate::notify::Message {
            to_address: address.to_owned(),
            to_name: None,
            lang: crate::web::i18n::Lang::Ja,
            template,
            context,
            category: crate::notify::Category::Notification,
            unsubscribe_url: Some(unsubscribe_url(public_url, token)),
            attachment: None,
        },
    )?;
    Ok(())
}

/// Forgets the address behind `token` (one-click unsubscribe): no more emails, and the
/// address is no longer kept. Whether the token was known.
pub fn unsubscribe(conn: &mut PgConnection, token: &str) -> Result<bool> {
    Ok(diesel::update(cc::table.filter(cc::notify_token.eq(token)))
        .set((
            cc::submitter_email.eq(None::<String>),
            cc::notify_token.eq(None::<String>),
        ))
        .execute(conn)?
        > 0)
}

/// The followers of a consultation's measures, each once.
fn followers(conn: &mut PgConnection, id: i32) -> Result<Vec<Uuid>> {
    use crate::db::schema::measure_follows as mf;
    Ok(mf::table
        .inner_join(cm::table.on(cm::measure_code.eq(mf::measure_code)))
        .filter(cm::consultation_id.eq(id))
        .select(mf::account_id)
        .distinct()
        .load(conn)?)
}

/// Emails `template` to the people of consultation `id`: each resident who sent an opinion
/// from their account, each address given with a paper opinion (with its own unsubscribe link)
/// and, with `with_followers`, the followers of its measures — nobody twice.
pub(in crate::consultations) fn tell(
    conn: &mut PgConnection,
    public_url: &str,
    id: i32,
    with_followers: bool,
    template: &'static str,
    context: &serde_json::Value,
) -> Result<()> {
    tell_some(
        conn,
        public_url,
        id,
        None,
        with_followers,
        template,
        context,
    )
}

/// Emails `template` to the people whose opinions result item `item` of consultation `id`
/// answers, as [`tell`] does (nobody twice; no followers).
pub(in crate::consultations) fn tell_item(
    conn: &mut PgConnection,
    public_url: &str,
    id: i32,
    item: i32,
    template: &'static str,
    context: &serde_json::Value,
) -> Result<()> {
    tell_some(conn, public_url, id, Some(item), false, template, context)
}

/// [`tell`], to the submitters of one item's opinions with `item`.
fn tell_some(
    conn: &mut PgConnection,
    public_url: &str,
    id: i32,
    item: Option<i32>,
    with_followers: bool,
    template: &'static str,
    context: &serde_json::Value,
) -> Result<()> {
    let of_item = |q: cc::BoxedQuery<'static, diesel::pg::Pg>| match item {
        Some(item) => q.filter(cc::item_id.eq(item)),
        None => q,
    };
    let mut accounts: Vec<Uuid> = of_item(cc::table.into_boxed())
        .filter(cc::consultation_id.eq(id))
        .filter(cc::account_id.is_not_null())
        .select(cc::account_id)
        .distinct()
        .load::<Option<Uuid>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    if with_followers {
        accounts.extend(followers(conn, id)?);
    }
    accounts.sort();
    accounts.dedup();
    for account in accounts {
        notify_account(conn, public_url, account, template, |_| context.clone())?;
    }
    let offline: Vec<(Option<String>, Option<String>)> = of_item(cc::table.into_boxed())
        .filter(cc::consultation_id.eq(id))
        .filter(cc::account_id.is_null())
        .filter(cc::notify_token.is_not_null())
        .select((cc::submitter_email, cc::notify_token))
        .load(conn)?;
    let mut told: Vec<String> = Vec::new();
    for (address, token) in offline {
        if let (Some(address), Some(token)) = (address, token) {
            // One email per address, however many opinions it sent.
            if !told.contains(&address.to_lowercase()) {
                told.push(address.to_lowercase());
                notify_address(
                    conn,
                    public_url,
                    &address,
                    &token,
                    template,
                    context.clone(),
                )?;
            }
        }
    }
    Ok(())
}

/// Tells the followers of a consultation's measures that it opened, once (`notified_open_at`),
/// when it is both announced and open. Run by the outbox worker's loop and by tests with their
/// clock. A consultation that closed or was withdrawn before anyone was told is marked without
/// emails. Returns the emails written.
pub fn notify_opened(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize> {
    let due: Vec<i32> = c::table
        .filter(c::notified_open_at.is_null())
        .filter(c::published_at.le(now))
        .filter(c::opens_on.le(day_of(now)))
        .select(c::id)
        .load(conn)?;
    let mut sent = 0;
    for id in due {
        sent += conn.transaction(|conn| -> Result<usize> {
            let marked = diesel::update(
                c::table
                    .filter(c::id.eq(id))
                    .filter(c::notified_open_at.is_null()),
            )
            .set(c::notified_open_at.eq(now))
            .execute(conn)?;
            let consultation = find(conn, id)?.ok_or(Error::NotFound)?;
            if marked == 0 || consultation.state(now) != State::Open {
                return Ok(0);
            }
            let followers = followers(conn, id)?;
            let link = format!("{}/consultations/{id}", public_url.trim_end_matches('/'));
            let closes =
                crate::wareki::date_ja(consultation.period.closes_at() - chrono::Duration::days(1));
            for account in &followers {
                notify_account(
                    conn,
                    public_url,
                    *account,
                    "consultation_opened",
                    |_| json!({ "title": consultation.title, "link": link, "closes": closes }),
                )?;
            }
            Ok(followers.len())
        })?;
    }
    Ok(sent)
}
