//! The notifications inbox (お知らせ一覧) and each person's choices per kind: every news
//! notification to an account is a `notifications` row, whether it was emailed at once, waits
//! for a digest, or was asked for never.

use super::kinds::{About, Cadence, Delivery, Kind};
use crate::db::schema::{notification_preferences as np, notifications as n};
use crate::error::Result;
use crate::web::paging::PER_PAGE;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// How `account` chose to hear of `kind` (at once unless it chose otherwise).
pub fn delivery(conn: &mut PgConnection, account: Uuid, kind: Kind) -> Result<Delivery> {
    let code: Option<String> = np::table
        .find((account, kind.code()))
        .select(np::delivery)
        .first(conn)
        .optional()?;
    Ok(code
        .as_deref()
        .and_then(Delivery::parse)
        .unwrap_or(Delivery::Immediate))
}

/// The account's choice for every kind it chooses, in [`Kind::ALL`]'s order.
pub fn preferences(conn: &mut PgConnection, account: Uuid) -> Result<Vec<(Kind, Delivery)>> {
    let stored: Vec<(String, String)> = np::table
        .filter(np::account_id.eq(account))
        .select((np::kind, np::delivery))
        .load(conn)?;
    Ok(Kind::ALL
        .into_iter()
        .filter(|k| k.choosable())
        .map(|kind| {
            let delivery = stored
                .iter()
                .find(|(k, _)| k == kind.code())
                .and_then(|(_, d)| Delivery::parse(d))
                .unwrap_or(Delivery::Immediate);
            (kind, delivery)
        })
        .collect())
}

/// Stores the account's choices.
pub fn set_preferences(
    conn: &mut PgConnection,
    account: Uuid,
    choices: &[(Kind, Delivery)],
) -> Result<()> {
    let rows: Vec<_> = choices
        .iter()
        .map(|(kind, delivery)| {
            (
                np::account_id.eq(account),
                np::kind.eq(kind.code()),
                np::delivery.eq(delivery.code()),
            )
        })
        .collect();
    diesel::insert_into(np::table)
        .values(&rows)
        .on_conflict((np::account_id, np::kind))
        .do_update()
        .set(np::delivery.eq(diesel::upsert::excluded(np::delivery)))
        .execute(conn)?;
    Ok(())
}

/// The one-click unsubscribe: never, for every kind the account chooses.
pub fn never(conn: &mut PgConnection, account: Uuid) -> Result<()> {
    let all: Vec<_> = Kind::ALL
        .into_iter()
        .filter(|k| k.choosable())
        .map(|k| (k, Delivery::Never))
        .collect();
    set_preferences(conn, account, &all)
}

/// A notification to record.
pub struct NewNotification<'a> {
    pub account: Uuid,
    pub kind: Kind,
    pub template: &'a str,
    pub summary: &'a str,
    pub link: Option<&'a str>,
    /// The digest it waits for, if the person chose one.
    pub cadence: Option<Cadence>,
}

/// Records a notification in the account's inbox (on the caller's transaction).
pub fn record(conn: &mut PgConnection, new: &NewNotification) -> Result<()> {
    let about = new.link.map(About::of_link).unwrap_or_default();
    diesel::insert_into(n::table)
        .values((
            n::account_id.eq(new.account),
            n::kind.eq(new.kind.code()),
            n::template.eq(new.template),
            n::summary.eq(new.summary),
            n::link.eq(new.link),
            n::proposal_id.eq(about.proposal_id),
            n::measure_code.eq(about.measure_code),
            n::consultation_id.eq(about.consultation_id),
            n::cadence.eq(new.cadence.map(Cadence::code)),
        ))
        .execute(conn)?;
    Ok(())
}

/// One line of the inbox.
#[derive(Debug, Clone, Queryable)]
pub struct Entry {
    pub id: i64,
    pub summary: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Page `page` (from 1) of the account's inbox, newest first: up to `PER_PAGE + 1` lines (one
/// more tells a next page exists).
pub fn page(conn: &mut PgConnection, account: Uuid, page: i64) -> Result<Vec<Entry>> {
    Ok(n::table
        .filter(n::account_id.eq(account))
        .order(n::id.desc())
        .offset((page.max(1) - 1).saturating_mul(PER_PAGE))
        .limit(PER_PAGE + 1)
        .select((n::id, n::summary, n::link, n::created_at, n::read_at))
        .load(conn)?)
}

/// Marks one of the account's notifications read (someone else's: nothing). Whether it was the
/// account's.
pub fn mark_read(
    conn: &mut PgConnection,
    account: Uuid,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mine = n::table
        .filter(n::id.eq(id))
        .filter(n::account_id.eq(account));
    let found: bool = diesel::select(diesel::dsl::exists(mine)).get_result(conn)?;
    diesel::update(mine.filter(n::read_at.is_null()))
        .set(n::read_at.eq(now))
        .execute(conn)?;
    Ok(found)
}

/// Marks all the account's notifications read.
pub fn mark_all_read(conn: &mut PgConnection, account: Uuid, now: DateTime<Utc>) -> Result<()> {
    diesel::update(
        n::table
            .filter(n::account_id.eq(account))
            .filter(n::read_at.is_null()),
    )
    .set(n::read_at.eq(now))
    .execute(conn)?;
    Ok(())
}
