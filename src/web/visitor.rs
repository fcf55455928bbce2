//! Who is asking: the signed-in person (`Viewer`), set on the request by `auth::session`, and
//! the visitor's CSRF token, echoed by every form (double submit) and checked on every POST.

use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::tokens;
use crate::web::proxy;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz};
use serde::Serialize;
use std::future::{ready, Ready};
use uuid::Uuid;

pub const CSRF_COOKIE: &str = "kyodo_csrf";

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
    /// Unread notifications, shown beside the account link (read with the session, in the
    /// same statement).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unread: i64,
}

impl Viewer {
    pub fn verified(&self) -> bool {
        self.email_verified_at.is_some()
    }
}

/// The CSRF token of this visitor, for the hidden field of every form.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// What a person is told when a form's token does not match.
pub const CSRF_REFUSED: &str = "msg.csrf_refused";

/// Rejects a state-changing request whose form token does not match the visitor's cookie, or
/// whose cookie is not a whole token as [`identify`] sets (a short one is easy to plant).
pub fn check_csrf(req: &HttpRequest, submitted: &str) -> Result<()> {
    let cookie = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !tokens::is_secret(&cookie) || !tokens::same(&cookie, submitted) {
        return Err(Error::forbidden(Refusal::new(CSRF_REFUSED)));
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
            Some(_) => Err(Error::forbidden(Refusal::new("msg.email_unverified"))),
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

    #[test]
    fn the_csrf_message_has_english() {
        crate::web::i18n::assert_english([
            Refusal::new(CSRF_REFUSED),
            Refusal::new("msg.email_unverified"),
        ]);
    }
}
