//! Server-side sessions in PostgreSQL, the signed-in person (`Viewer`) and CSRF tokens.
//!
//! The session cookie holds a random id; the table keeps only its hash. Sessions end after
//! `IDLE` without use or `ABSOLUTE` after sign-in, whichever comes first. Every visitor gets a
//! random CSRF cookie; forms echo it in a hidden field (double submit), checked on every POST.

use super::tokens;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::web::proxy;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz};
use serde::Serialize;
use std::future::{ready, Ready};
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "kyodo_session";
pub const CSRF_COOKIE: &str = "kyodo_csrf";
pub const IDLE: Duration = Duration::days(7);
pub const ABSOLUTE: Duration = Duration::days(30);

/// The signed-in person, as every handler and page sees them.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct Viewer {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    #[serde(skip)]
    pub email_verified_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    #[serde(skip)]
    pub session_hash: String,
    /// Holds a staff role: the header links to the staff area (the area checks the roles).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub staff: bool,
}

impl Viewer {
    pub fn verified(&self) -> bool {
        self.email_verified_at.is_some()
    }
}

/// The CSRF token of this visitor, for the hidden field of every form.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Finds the live session for a cookie and marks it used, in one statement.
fn lookup(conn: &mut PgConnection, secret: &str) -> Result<Option<Viewer>> {
    Ok(diesel::sql_query(
        "UPDATE sessions s SET last_seen_at = now()
         FROM accounts a
         WHERE s.id_hash = $1 AND a.id = s.account_id AND a.deleted_at IS NULL
           AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
         RETURNING a.id, a.display_name, a.email, a.email_verified_at, s.id_hash AS session_hash,
           EXISTS (SELECT 1 FROM staff_roles r WHERE r.account_id = a.id) AS staff",
    )
    .bind::<Text, _>(tokens::digest(secret))
    .bind::<diesel::sql_types::Double, _>(IDLE.num_seconds() as f64)
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
) -> Result<String> {
    use crate::db::schema::sessions::dsl as s;
    let secret = tokens::new_secret();
    diesel::insert_into(s::sessions)
        .values((
            s::id_hash.eq(tokens::digest(&secret)),
            s::account_id.eq(account),
            s::expires_at.eq(Utc::now() + ABSOLUTE),
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

/// What a person is told when a form's token does not match.
pub const CSRF_MESSAGE: &str = "フォームの有効期限が切れたか、別の画面から送信されました。ページを読み込み直して、もう一度お試しください。";

/// Rejects a state-changing request whose form token does not match the visitor's cookie, or
/// whose cookie is not a whole token as [`identify`] sets (a short one is easy to plant).
pub fn check_csrf(req: &HttpRequest, submitted: &str) -> Result<()> {
    let cookie = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !tokens::is_secret(&cookie) || !tokens::same(&cookie, submitted) {
        return Err(Error::Forbidden(CSRF_MESSAGE.into()));
    }
    Ok(())
}

pub fn csrf_token(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

pub fn viewer(req: &HttpRequest) -> Option<Viewer> {
    req.extensions().get::<Viewer>().cloned()
}

/// Where to come back after signing in: this page, or for a form posted while signed out, the
/// page the form was on (a POST address cannot be reopened).
fn here(req: &HttpRequest) -> String {
    if req.method() != actix_web::http::Method::GET {
        let referer = req.headers().get("referer").and_then(|r| r.to_str().ok());
        let host = proxy::host(req);
        let path = referer
            .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
            .and_then(|rest| rest.strip_prefix(host.as_str()))
            .filter(|path| path.starts_with('/'));
        return path.unwrap_or("/").to_owned();
    }
    match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    }
}

/// A handler taking `Viewer` needs a signed-in person; others are sent to sign in first.
impl FromRequest for Viewer {
    type Error = Error;
    type Future = Ready<Result<Viewer>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(viewer(req).ok_or_else(|| Error::LoginRequired { next: here(req) }))
    }
}

/// A signed-in person whose email address is verified: only they may propose or comment.
#[derive(Debug, Clone)]
pub struct Verified(pub Viewer);

impl FromRequest for Verified {
    type Error = Error;
    type Future = Ready<Result<Verified>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match viewer(req) {
            None => Err(Error::LoginRequired { next: here(req) }),
            Some(v) if v.verified() => Ok(Verified(v)),
            Some(_) => Err(Error::Forbidden(
                "メールアドレスの確認が済んでいません。届いたメールのリンクから確認してください。"
                    .into(),
            )),
        })
    }
}

/// `next` when it is a path on this site. Never `//host` or `/\host`, nor a control
/// character: browsers drop tabs and newlines from a `Location`, so `/\t/host` is `//host`.
pub fn local_path(next: &str) -> Option<&str> {
    (next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control))
    .then_some(next)
}

/// Where to go after signing in: only paths on this site.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or("/account").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/measures/6-1")), "/measures/6-1");
        assert_eq!(safe_next(Some("//evil.example")), "/account");
        assert_eq!(safe_next(Some("https://evil.example")), "/account");
        assert_eq!(safe_next(Some("/\\evil.example")), "/account");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/account");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/account");
        assert_eq!(safe_next(None), "/account");
    }
}
