//! Posting blocks (投稿停止): a moderator stops an account from posting comments and proposals
//! until a set time, with a reason; the person is told by email, and every block and lift is in
//! the audit log. Opinions on a public comment (パブリックコメント) are not blocked: they are a
//! statutory channel open to anyone, and are screened by the consultation's own staff.

use super::policy::{blocked, BlockRequest};
use super::rules::moderated_departments;
use super::Moderator;
use crate::audit::{self, Entry};
use crate::auth::accounts::{notify_account_with, Regarding};
use crate::db::schema::{accounts as a, posting_blocks as pb};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// The end of the account's block in force at `now`, if any (the latest, when several overlap).
pub fn active_until(
    conn: &mut PgConnection,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    Ok(pb::table
        .filter(pb::account_id.eq(account))
        .filter(pb::lifted_at.is_null())
        .filter(pb::starts_at.le(now))
        .filter(pb::ends_at.gt(now))
        .select(diesel::dsl::max(pb::ends_at))
        .first(conn)?)
}

/// What a blocked account is told when it tries to post, or `None` when it may post.
pub fn refusal(
    conn: &mut PgConnection,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Refusal>> {
    Ok(active_until(conn, account, now)?.map(blocked))
}

/// `Forbidden` unless the grants moderate comments somewhere (a moderator or an admin).
fn require_blocker(by: &Moderator<'_>) -> Result<()> {
    match moderated_departments(by.grants) {
        Some(departments) if departments.is_empty() => {
            Err(Error::forbidden(crate::auth::roles::refused(
                crate::auth::roles::Action::ModerateComments { department: 0 },
            )))
        }
        _ => Ok(()),
    }
}

/// A block in force, as the blocks page lists it.
#[derive(Debug, Clone, Queryable)]
pub struct Block {
    pub id: Uuid,
    pub account: Uuid,
    pub name: String,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The blocks in force at `now`, ending soonest first.
pub fn in_force(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<Block>> {
    Ok(pb::table
        .inner_join(a::table)
        .filter(pb::lifted_at.is_null())
        .filter(pb::ends_at.gt(now))
        .order((pb::ends_at, pb::id))
        .select((
            pb::id,
            pb::account_id,
            a::display_name,
            pb::reason,
            pb::starts_at,
            pb::ends_at,
        ))
        .load(conn)?)
}

/// The display name of a live account to block; `NotFound` otherwise.
pub fn account_name(conn: &mut PgConnection, account: Uuid) -> Result<String> {
    a::table
        .find(account)
        .filter(a::deleted_at.is_null())
        .select(a::display_name)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// Blocks an account from posting until `request.ends_at`, with its audit entry and the email
/// telling the person why and until when (sent whatever their email preferences: it is about
/// their own account).
pub fn block(
    conn: &mut PgConnection,
    by: &Moderator<'_>,
    account: Uuid,
    request: &BlockRequest,
) -> Result<Uuid> {
    require_blocker(by)?;
    conn.transaction(|conn| {
        account_name(conn, account)?;
        let id = Uuid::new_v4();
        diesel::insert_into(pb::table)
            .values((
                pb::id.eq(id),
                pb::account_id.eq(account),
                pb::reason.eq(&request.reason),
                pb::starts_at.eq(by.now),
                pb::ends_at.eq(request.ends_at),
                pb::created_by.eq(by.id),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(by.id),
                action: "account.block_posting",
                record: Some(("account", account.to_string())),
                ip: by.ip,
                details: json!({ "block": id, "reason": request.reason, "ends_at": request.ends_at }),
            },
        )?;
        notify_account_with(
            conn,
            by.public_url,
            account,
            "posting_blocked",
            |lang| {
                json!({
                    "until": crate::web::present::date_time(lang, request.ends_at),
                    "reason": request.reason,
                })
            },
            None,
            Regarding::OwnBooking,
        )?;
        Ok(id)
    })
}

/// Lifts a block in force, with its audit entry and an email to the person; lifting one that
/// is over or already lifted changes nothing.
pub fn lift(conn: &mut PgConnection, by: &Moderator<'_>, block: Uuid) -> Result<()> {
    require_blocker(by)?;
    conn.transaction(|conn| {
        let lifted: Option<Uuid> = diesel::update(
            pb::table
                .find(block)
                .filter(pb::lifted_at.is_null())
                .filter(pb::ends_at.gt(by.now)),
        )
        .set((pb::lifted_at.eq(by.now), pb::lifted_by.eq(by.id)))
        .returning(pb::account_id)
        .get_result(conn)
        .optional()?;
        let Some(account) = lifted else {
            // Over or lifted already: nothing to do; no such block: 404.
            let known: bool =
                diesel::select(diesel::dsl::exists(pb::table.find(block))).get_result(conn)?;
            return if known { Ok(()) } else { Err(Error::NotFound) };
        };
        audit::record(
            conn,
            Entry {
                actor: Some(by.id),
                action: "account.lift_posting_block",
                record: Some(("account", account.to_string())),
                ip: by.ip,
                details: json!({ "block": block }),
            },
        )?;
        notify_account_with(
            conn,
            by.public_url,
            account,
            "posting_unblocked",
            |_| json!({}),
            None,
            Regarding::OwnBooking,
        )
    })
}
