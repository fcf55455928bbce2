//! Every request's id (リクエストID): taken from a proxy's `X-Request-Id` when it is sane, else a
//! new UUID. It is on every log line of the request (its span), on the access line, returned as
//! `X-Request-Id`, and shown on the 500 page, so a resident's report can be found in the logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use std::time::Instant;
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Long enough for a UUID or a proxy's trace id, short enough for a log line.
const MAX_LEN: usize = 64;

/// The id of the request being served, in its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// An incoming id, kept when it is 1–64 letters, digits, `-`, `_` or `.` (nothing that could
/// forge a log line or a header).
fn sane(incoming: &str) -> Option<&str> {
    let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    (!incoming.is_empty() && incoming.len() <= MAX_LEN && incoming.chars().all(fits))
        .then_some(incoming)
}

/// Tags the request with its id, serves it inside a span that carries the id, writes the
/// access line (`kyodo::access`) and returns the id as `X-Request-Id`.
pub async fn tag(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(sane)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let peer = req.peer_addr().map(|a| a.ip().to_string());
    let line = format!("{} {}", req.method(), req.uri());
    let mut res = next.call(req).instrument(span.clone()).await?;
    span.in_scope(|| {
        tracing::info!(
            target: "kyodo::access",
            peer = peer.as_deref().unwrap_or("-"),
            status = res.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "{line}"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, value);
    }
    Ok(res)
}

/// The id of `req`, once `tag` has run.
pub fn of(req: &actix_web::HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|id| id.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_incoming_ids_are_kept() {
        assert_eq!(sane("abc-123_X.y"), Some("abc-123_X.y"));
        let uuid = "0b7c2f4e-3c1d-4a9e-8f00-1234567890ab";
        assert_eq!(sane(uuid), Some(uuid));
        assert_eq!(sane(&"a".repeat(64)).map(str::len), Some(64));
        assert_eq!(sane(&"a".repeat(65)), None);
        assert_eq!(sane(""), None);
        assert_eq!(sane("a b"), None);
        assert_eq!(sane("a\nforged log line"), None);
        assert_eq!(sane("リクエスト"), None);
    }
}
