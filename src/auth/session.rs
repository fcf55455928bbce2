//! Server-side sessions in PostgreSQL: who the session cookie names (`web::visitor::Viewer`),
//! and the visitor's CSRF cookie.
//!
//! The session cookie holds a random id; the table keeps only its hash. Sessions end after
//! `IDLE` without use or `ABSOLUTE` after sign-in, whichever comes first. Every visitor gets a
//! random CSRF cookie; forms echo it in a hidden field (double submit), checked on every POST.

use crate::error::Result;
use crate::tokens;
use crate::web::proxy;
use crate::web::visitor::{CsrfToken, Viewer, CSRF_COOKIE};
use crate::web::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "kyodo_session";
pub const IDLE: Duration = Duration::days(7);
pub const ABSOLUTE: Duration = Duration::days(30);

/// Finds the live session for a cookie and marks it used, in one statement.
fn lookup(conn: &mut PgConnection, secret: &str) -> Result<Option<Viewer>> {
    Ok(crate::db::prepared(
        diesel::sql_query(
            "UPDATE sessions s SET last_seen_at = now()
         FROM accounts a
         WHERE s.id_hash = $1 AND a.id = s.account_id AND a.deleted_at IS NULL
           AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
         RETURNING a.id, a.display_name, a.email, a.email_verified_at, s.id_hash AS session_hash,
           EXISTS (SELECT 1 FROM staff_roles r WHERE r.account_id = a.id) AS staff,
           (SELECT count(*) FROM notifications n WHERE n.account_id = a.id AND n.read_at IS NULL)
             AS unread",
        )
        .bind::<Text, _>(tokens::digest(secret))
        .bind::<diesel::sql_types::Double, _>(IDLE.num_seconds() as f64),
    )
    .get_result(conn)
    .optional()?)
}

/// Starts a session for `account` and returns the secret for the cookie. Always a new id, so a
/// session id planted before sign-in is worthless after it.
pub fn start(
    conn: &mut PgConnection,
    account: Uuid,
    ip: Option<&str>,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String> {
    use crate::db::schema::sessions::dsl as s;
    let secret = tokens::new_secret();
    diesel::insert_into(s::sessions)
        .values((
            s::id_hash.eq(tokens::digest(&secret)),
            s::account_id.eq(account),
            s::expires_at.eq(now + ABSOLUTE),
            s::ip.eq(ip),
            s::user_agent.eq(user_agent.map(|ua| ua.chars().take(300).collect::<String>())),
        ))
        .execute(conn)?;
    Ok(secret)
}

pub fn end(conn: &mut PgConnection, session_hash: &str) -> Result<()> {
    use crate::db::schema::sessions::dsl as s;
    diesel::delete(s::sessions.filter(s::id_hash.eq(session_hash))).execute(conn)?;
    Ok(())
}

/// Signs a person out everywhere (after a password reset, or on request).
pub fn end_all(conn: &mut PgConnection, account: Uuid) -> Result<usize> {
    use crate::db::schema::sessions::dsl as s;
    Ok(diesel::delete(s::sessions.filter(s::account_id.eq(account))).execute(conn)?)
}

/// The session cookie for `secret`; `None` clears it.
pub fn cookie(req: &HttpRequest, secret: Option<&str>) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, secret.unwrap_or_default().to_owned())
        .path("/")
        .http_only(true)
        .secure(proxy::https(req))
        .same_site(SameSite::Lax)
        .finish();
    match secret {
        Some(_) => cookie.set_max_age(actix_web::cookie::time::Duration::seconds(
            ABSOLUTE.num_seconds(),
        )),
        None => cookie.make_removal(),
    }
    cookie
}

/// Middleware: who is asking (from the session cookie) and their CSRF token. When the session
/// cannot be looked up (the database is away) the answer is the 503 anonymous visitors get,
/// never "signed out": a signed-in person's form would otherwise be lost on the sign-in page.
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Only pages carry forms and people: open data, static files and the probes stay
    // cookie-free (and cacheable), and never wait for the database.
    let page = !["/api/", "/static/", "/healthz", "/readyz"]
        .iter()
        .any(|p| req.path().starts_with(p));
    if let (true, Some(cookie), Some(state)) = (
        page,
        req.cookie(SESSION_COOKIE),
        req.app_data::<web::Data<AppState>>().cloned(),
    ) {
        let secret = cookie.value().to_owned();
        match state.db(move |conn| lookup(conn, &secret)).await {
            Ok(Some(viewer)) => {
                req.extensions_mut().insert(viewer);
            }
            Ok(None) => {}
            Err(e) => return Ok(req.error_response(e)),
        }
    }
    let existing = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| tokens::is_secret(v));
    let token = existing.clone().unwrap_or_else(tokens::new_secret);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let https = proxy::https(req.request());
    let mut res = next.call(req).await?.map_into_boxed_body();
    if existing.is_none() && page {
        let cookie = Cookie::build(CSRF_COOKIE, token)
            .path("/")
            .http_only(true)
            .secure(https)
            .same_site(SameSite::Lax)
            .finish();
        res.response_mut()
            .add_cookie(&cookie)
            .map_err(actix_web::error::ErrorInternalServerError)?;
    }
    Ok(res)
}
