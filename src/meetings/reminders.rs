//! The reminder (開催のお知らせ) the day before a meeting, at 09:00 Tokyo time
//! ([`super::rules::Schedule::reminder_due`]): one email, with the meeting's `.ics` and the on-line URL,
//! to every person with a seat. Sent once per meeting (`meetings.reminded_at`), whatever the
//! number of app instances: `kyodo serve` runs [`send_due`] every minute ([`spawn`]), and
//! `kyodo meetings-remind` runs it once (for cron).

use super::emails::{self, Letter};
use super::model;
use super::registrations::{recipient, Status};
use crate::clock::Clock;
use crate::db::schema::{meeting_registrations as mr, meetings as m};
use crate::db::Pool;
use crate::error::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::time::Duration;
use uuid::Uuid;

/// How often `kyodo serve` looks for meetings to remind of.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Reminds the registrants of every meeting whose reminder is due at `now` and was not sent,
/// each meeting in its own transaction. Returns how many people with a seat were reminded.
pub fn send_due(conn: &mut PgConnection, now: DateTime<Utc>, public_url: &str) -> Result<usize> {
    // Published, not cancelled, not started, not reminded: the few that may be due.
    let candidates: Vec<i32> = m::table
        .filter(m::reminded_at.is_null())
        .filter(m::cancelled_at.is_null())
        .filter(m::published_at.le(now))
        .filter(m::starts_at.gt(now))
        // A reminder is due from 09:00 the day before: never for a meeting further off.
        .filter(m::starts_at.le(now + chrono::Duration::days(2)))
        .order(m::starts_at)
        .select(m::id)
        .load(conn)?;
    let mut reminded = 0;
    for id in candidates {
        // One meeting that cannot be reminded (its email refused) does not stop the others'.
        match conn.transaction(|conn| remind(conn, id, now, public_url)) {
            Ok(n) => reminded += n,
            Err(e) => tracing::error!(meeting = id, error = %e, "meeting reminder not written"),
        }
    }
    Ok(reminded)
}

/// A seat: the account, or the address staff typed and its cancel link's secret.
type Seat = (Option<Uuid>, Option<String>, Option<String>);

fn remind(conn: &mut PgConnection, id: i32, now: DateTime<Utc>, public_url: &str) -> Result<usize> {
    // The row's lock, taken only while it is not reminded: another instance reminding it at the
    // same moment waits here, then finds it reminded and sends nothing. Registrations and
    // staff's changes lock the same row, so the meeting read next is the one people get.
    let unreminded = m::table
        .filter(m::id.eq(id))
        .filter(m::reminded_at.is_null())
        .select(m::id)
        .for_update()
        .first::<i32>(conn)
        .optional()?;
    let Some(meeting) = unreminded
        .map(|id| model::find(conn, id))
        .transpose()?
        .flatten()
    else {
        return Ok(0);
    };
    if !meeting.schedule.reminder_due(now) {
        return Ok(0);
    }
    diesel::update(m::table.filter(m::id.eq(id)))
        .set(m::reminded_at.eq(now))
        .execute(conn)?;
    let seats: Vec<Seat> = mr::table
        .filter(mr::meeting_id.eq(id))
        .filter(mr::status.eq(Status::Confirmed.code()))
        .order(mr::id)
        .select((mr::account_id, mr::email, mr::cancel_token))
        .load(conn)?;
    for (account, email, token) in &seats {
        emails::send(
            conn,
            public_url,
            &meeting,
            &recipient(*account, email.as_deref(), token.as_deref()),
            Letter::Reminder,
            now,
        )?;
    }
    Ok(seats.len())
}

/// Starts the reminders of `kyodo serve` on the current actix (tokio) runtime; abort the handle
/// to stop it.
pub fn spawn(pool: Pool, clock: Clock, public_url: String) -> tokio::task::JoinHandle<()> {
    crate::notify::periodic::spawn(
        "meeting reminders",
        INTERVAL,
        pool,
        clock,
        public_url,
        send_due,
    )
}
