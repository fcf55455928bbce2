//! The `outbox` table: writing emails, claiming due ones, recording the outcome, and what the
//! admin pages need (failed emails, retry).

use crate::db::schema::outbox;
use crate::error::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Integer, Text};

/// A row as the worker and the admin pages see it.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, serde::Serialize)]
#[diesel(table_name = outbox, check_for_backend(diesel::pg::Pg))]
pub struct OutboxEntry {
    pub id: i64,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub category: String,
    pub unsubscribe_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The file the email carries, if any (name, MIME type, content).
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub(crate) struct NewEmail {
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub category: String,
    pub unsubscribe_url: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
}

pub(crate) fn insert(conn: &mut PgConnection, email: &NewEmail) -> Result<i64> {
    Ok(diesel::insert_into(outbox::table)
        .values(email)
        .returning(outbox::id)
        .get_result(conn)?)
}

/// Claims up to `limit` due rows, oldest first, for `lease`, in one statement of its own (call it
/// outside a transaction): no worker claims them again until the lease ends or they are released.
/// `SKIP LOCKED` lets two workers claiming at the same moment take different rows. An email
/// whose recipient has an earlier one waiting for its retry, or claimed, is not due: emails reach
/// a person in the order they were queued.
pub(crate) fn claim_due(
    conn: &mut PgConnection,
    limit: i64,
    lease: std::time::Duration,
) -> Result<Vec<OutboxEntry>> {
    let mut claimed: Vec<OutboxEntry> = crate::db::prepared(
        diesel::sql_query(
            "UPDATE outbox SET claimed_until = now() + make_interval(secs => $2) \
         WHERE id IN (SELECT id FROM outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() \
               AND (claimed_until IS NULL OR claimed_until < now()) \
               AND NOT EXISTS (SELECT 1 FROM outbox earlier \
                   WHERE lower(earlier.to_address) = lower(outbox.to_address) \
                     AND earlier.id < outbox.id \
                     AND earlier.sent_at IS NULL AND earlier.failed_at IS NULL \
                     AND (earlier.next_attempt_at > now() OR earlier.claimed_until >= now())) \
             ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, to_address, to_name, subject, text_body, html_body, category, \
             unsubscribe_url, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error, \
             attachment_name, attachment_type, attachment_body",
        )
        .bind::<BigInt, _>(limit)
        .bind::<Double, _>(lease.as_secs_f64()),
    )
    .load(conn)?;
    // RETURNING has no order.
    claimed.sort_by_key(|e| (e.next_attempt_at, e.id));
    Ok(claimed)
}

/// Gives claimed rows back untouched (not tried): due again at once.
pub(crate) fn release(conn: &mut PgConnection, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    crate::db::prepared(
        diesel::sql_query("UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1)")
            .bind::<Array<BigInt>, _>(ids),
    )
    .execute(conn)?;
    Ok(())
}

/// Marks an email sent. A security email's body holds a live link (verification, reset): once
/// delivered, the database need not keep it.
pub(crate) fn mark_sent(conn: &mut PgConnection, id: i64) -> Result<()> {
    crate::db::prepared(diesel::sql_query(
        "UPDATE outbox SET sent_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL, \
             claimed_until = NULL, \
             text_body = CASE WHEN category = 'security' THEN '' ELSE text_body END, \
             html_body = CASE WHEN category = 'security' THEN '' ELSE html_body END \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(id))
    .execute(conn)?;
    Ok(())
}

/// Records a failed attempt and releases the claim: the next attempt after `delay`, or none after
/// `max_attempts`. NUL bytes (which PostgreSQL's text refuses) are dropped from `error`. Returns whether the email has now failed for good.
pub(crate) fn mark_attempt_failed(
    conn: &mut PgConnection,
    id: i64,
    error: &str,
    delay: std::time::Duration,
    max_attempts: i32,
) -> Result<bool> {
    #[derive(QueryableByName)]
    struct Outcome {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        failed: bool,
    }
    let error: String = error.chars().filter(|c| *c != '\0').take(2000).collect();
    let outcome: Outcome = crate::db::prepared(
        diesel::sql_query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
         next_attempt_at = clock_timestamp() + make_interval(secs => $3), claimed_until = NULL, \
         failed_at = CASE WHEN attempts + 1 >= $4 THEN clock_timestamp() END \
         WHERE id = $1 RETURNING failed_at IS NOT NULL AS failed",
        )
        .bind::<BigInt, _>(id)
        .bind::<Text, _>(error)
        .bind::<Double, _>(delay.as_secs_f64())
        .bind::<Integer, _>(max_attempts),
    )
    .get_result(conn)?;
    Ok(outcome.failed)
}

/// Makes a failed (or waiting) email due again with a fresh set of attempts; the last error
/// stays visible until the next attempt. `false` if there is no such unsent email. A claim is
/// kept: an email a sender holds right now gets its outcome from that sender, not a second send.
pub fn retry(conn: &mut PgConnection, id: i64) -> Result<bool> {
    let changed = diesel::update(outbox::table.find(id).filter(outbox::sent_at.is_null()))
        .set((
            outbox::failed_at.eq(None::<DateTime<Utc>>),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Emails that will not be sent again unless retried, newest first.
pub fn failed(conn: &mut PgConnection, limit: i64) -> Result<Vec<OutboxEntry>> {
    Ok(outbox::table
        .filter(outbox::failed_at.is_not_null())
        .filter(outbox::sent_at.is_null())
        .order(outbox::failed_at.desc())
        .limit(limit)
        .select(OutboxEntry::as_select())
        .load(conn)?)
}

/// How many emails are waiting to be sent (due now or later).
pub fn pending(conn: &mut PgConnection) -> Result<i64> {
    Ok(outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The outbox's emails by state: waiting (due now or later), given up on, sent.
pub fn counts(conn: &mut PgConnection) -> Result<crate::web::metrics::Outbox> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = BigInt)]
        pending: i64,
        #[diesel(sql_type = BigInt)]
        failed: i64,
        #[diesel(sql_type = BigInt)]
        sent: i64,
    }
    let counts: Counts = crate::db::prepared(diesel::sql_query(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS pending,
                count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NOT NULL) AS failed,
                count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent
         FROM outbox",
    ))
    .get_result(conn)?;
    Ok(crate::web::metrics::Outbox {
        pending: counts.pending,
        failed: counts.failed,
        sent: counts.sent,
    })
}

pub fn get(conn: &mut PgConnection, id: i64) -> Result<Option<OutboxEntry>> {
    Ok(outbox::table
        .find(id)
        .select(OutboxEntry::as_select())
        .first(conn)
        .optional()?)
}
