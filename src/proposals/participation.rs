//! Taking part in a public proposal: supports (賛同, one per verified account), follows (the
//! follower hears of decisions) and comments, which are the shared model of
//! [`crate::comments`] with the proposal's own rules: only public proposals take comments,
//! and the proposer hears of each.

use crate::comments::{self, CommentRefused, NewComment, Posted, Subject};
use crate::db::schema::{
    accounts, organisations, proposal_follows as pf, proposal_supports as ps, proposals as p,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The proposal's state and author; `NotFound` unless it is public.
fn public_proposal(conn: &mut PgConnection, id: Uuid) -> Result<(Uuid, String)> {
    let (author, title, submitted): (Uuid, String, Option<DateTime<Utc>>) = p::table
        .find(id)
        .select((p::author_id, p::title, p::submitted_at))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    if submitted.is_none() {
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
    /// New comments wait for a moderator (事前承認).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub premoderated: bool,
}

/// One query.
pub fn standing(conn: &mut PgConnection, proposal: Uuid, viewer: Option<Uuid>) -> Result<Standing> {
    Ok(crate::db::prepared(
        diesel::sql_query(
            "SELECT (SELECT count(*) FROM proposal_supports WHERE proposal_id = $1) AS supports,
                (SELECT count(*) FROM comments WHERE subject_type = 'proposal'
                   AND subject_id = $1::text AND hidden_at IS NULL AND NOT pending) AS comments,
                EXISTS (SELECT 1 FROM proposal_supports WHERE proposal_id = $1 AND account_id = $2)
                  AS supported,
                EXISTS (SELECT 1 FROM proposal_follows WHERE proposal_id = $1 AND account_id = $2)
                  AS followed,
                EXISTS (SELECT 1 FROM comment_premoderation WHERE subject_type = 'proposal'
                   AND subject_id = $1::text) AS premoderated",
        )
        .bind::<diesel::sql_types::Uuid, _>(proposal)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(viewer),
    )
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
    let rows: Vec<CountRow> = crate::db::prepared(diesel::sql_query(
        "SELECT i.id,
                (SELECT count(*) FROM proposal_supports s WHERE s.proposal_id = i.id) AS supports,
                (SELECT count(*) FROM comments c WHERE c.subject_type = 'proposal'
                   AND c.subject_id = i.id::text AND c.hidden_at IS NULL AND NOT c.pending) AS comments
         FROM unnest($1) AS i (id)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, (r.supports, r.comments)))
        .collect())
}

/// Posts a comment (or a reply to a top-level comment) on a public proposal; the proposer hears
/// of it unless they wrote it or it waits for a moderator. One transaction.
pub fn post_on_proposal(
    conn: &mut PgConnection,
    public_url: &str,
    proposal: Uuid,
    new: &NewComment<'_>,
) -> std::result::Result<Posted, CommentRefused> {
    conn.transaction(|conn| {
        let (proposer, title) = public_proposal(conn, proposal)?;
        let posted = comments::post(conn, public_url, &Subject::Proposal(proposal), new)?;
        if proposer != new.author && !posted.pending {
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
                "{}/proposals/{proposal}#comment-{}",
                public_url.trim_end_matches('/'),
                posted.id
            );
            let excerpt: String = new.body.chars().take(200).collect();
            crate::auth::accounts::notify_account(conn, public_url, proposer, "proposal_comment", |_| {
                json!({ "title": title, "link": link, "commenter": commenter, "excerpt": excerpt })
            })?;
        }
        Ok(posted)
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
