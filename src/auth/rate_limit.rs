//! Rate limits kept in PostgreSQL, so every app instance counts together. Fixed windows: a
//! flood blocks a subject until its window ends, never for good.

use crate::error::{Error, Result};
use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Text};

/// A limit: at most `max` hits per `window_secs` for one subject (an address, an account …).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub max: i32,
    pub window_secs: i32,
}

/// Failed sign-ins from one address. Only failures count, and generously: a city office or a
/// workshop signs in from one shared (NAT) address, and fifty people there with a typo or two
/// each still sign in, while a password sprayer trying one password on many accounts is
/// stopped after 100 guesses.
pub const SIGN_IN_FAILURES_PER_ADDRESS: Limit = Limit {
    bucket: "sign_in_failures_address",
    max: 100,
    window_secs: 15 * 60,
};
/// Failed sign-ins against one account; its owner waits at most one window.
pub const SIGN_IN_FAILURES_PER_ACCOUNT: Limit = Limit {
    bucket: "sign_in_account",
    max: 10,
    window_secs: 15 * 60,
};
pub const SIGN_UP_PER_ADDRESS: Limit = Limit {
    bucket: "sign_up_address",
    max: 10,
    window_secs: 60 * 60,
};
pub const RESET_PER_ADDRESS: Limit = Limit {
    bucket: "reset_address",
    max: 10,
    window_secs: 60 * 60,
};
/// Emails to one recipient from sign-up, reset and email change.
pub const EMAILS_PER_RECIPIENT: Limit = Limit {
    bucket: "emails_recipient",
    max: 5,
    window_secs: 60 * 60,
};

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Double)]
    remaining: f64,
}

fn record(conn: &mut PgConnection, limit: Limit, subject: &str) -> Result<Hit> {
    Ok(crate::db::prepared(diesel::sql_query(
        "WITH win AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / $3) * $3) AS start),
         old AS (DELETE FROM rate_limits WHERE bucket = $1 AND subject = $2 AND window_start < (SELECT start FROM win))
         INSERT INTO rate_limits (bucket, subject, window_start, hits) SELECT $1, $2, start, 1 FROM win
         ON CONFLICT (bucket, subject, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING hits, extract(epoch FROM window_start + make_interval(secs => $3) - now())::float8 AS remaining",
    )
    .bind::<Text, _>(limit.bucket)
    .bind::<Text, _>(subject)
    .bind::<Integer, _>(limit.window_secs))
    .get_result(conn)?)
}

/// Counts a hit; over the limit → `TooManyRequests` with the seconds until the window ends.
pub fn hit(conn: &mut PgConnection, limit: Limit, subject: &str) -> Result<()> {
    let hit = record(conn, limit, subject)?;
    if hit.hits > limit.max {
        return Err(refused(limit, hit.remaining));
    }
    Ok(())
}

/// The refusal, counted for the metrics under the limit's bucket.
fn refused(limit: Limit, remaining: f64) -> Error {
    metrics::counter!(crate::web::metrics::RATE_LIMIT_REFUSALS, "limit" => limit.bucket)
        .increment(1);
    Error::TooManyRequests {
        retry_after: remaining.ceil().max(1.0) as u64,
    }
}

/// Whether the subject is over the limit now, without counting.
pub fn check(conn: &mut PgConnection, limit: Limit, subject: &str) -> Result<()> {
    #[derive(QueryableByName)]
    struct Current {
        #[diesel(sql_type = Integer)]
        hits: i32,
        #[diesel(sql_type = Double)]
        remaining: f64,
    }
    let current: Option<Current> = crate::db::prepared(diesel::sql_query(
        "SELECT hits, extract(epoch FROM window_start + make_interval(secs => $3) - now())::float8 AS remaining
         FROM rate_limits WHERE bucket = $1 AND subject = $2
           AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $3) * $3)",
    )
    .bind::<Text, _>(limit.bucket)
    .bind::<Text, _>(subject)
    .bind::<Integer, _>(limit.window_secs))
    .get_result(conn)
    .optional()?;
    match current {
        Some(c) if c.hits >= limit.max => Err(refused(limit, c.remaining)),
        _ => Ok(()),
    }
}
