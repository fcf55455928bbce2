//! What every request goes through before the routes: `HEAD` answered like `GET`, a wrong
//! method told apart from a missing page (405 with `Allow`), text that PostgreSQL cannot hold
//! (U+0000) refused in one place for every path, query and form, and a posted form kept so
//! that an error page can show the person what they typed.

use crate::error::{Error, ErrorInfo};
use crate::refusal::Refusal;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::StreamExt;

/// The text fields of a posted form (`application/x-www-form-urlencoded`), in order, without
/// the CSRF token or any password.
#[derive(Debug, Clone, Default)]
pub struct KeptForm {
    fields: Vec<(String, String)>,
    csrf: String,
}

impl KeptForm {
    /// The fields to show back to the person who sent them: only for a form sent from one of
    /// our pages (its CSRF token matches), so another site cannot put its text on ours.
    pub fn shown_to(&self, req: &actix_web::HttpRequest) -> Option<&[(String, String)]> {
        crate::web::visitor::check_csrf(req, &self.csrf)
            .ok()
            .map(|()| self.fields.as_slice())
    }
}

/// The largest form (not an upload) the app reads, in bytes.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Why a request with a NUL character (U+0000) anywhere is refused.
fn nul_refused() -> Error {
    Refusal::new("msg.nul_refused").into()
}

fn has_nul(encoded: &[u8]) -> bool {
    percent_encoding::percent_decode(encoded).any(|b| b == 0)
}

/// Whether a field's value may be shown back on an error page.
fn keepable(name: &str, value: &str) -> bool {
    name != "csrf" && !name.contains("password") && !value.trim().is_empty()
}

fn kept(body: &[u8]) -> KeptForm {
    let text = String::from_utf8_lossy(body);
    let fields = web::Query::<Vec<(String, String)>>::from_query(&text)
        .map(web::Query::into_inner)
        .unwrap_or_default();
    KeptForm {
        csrf: fields
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.clone())
            .unwrap_or_default(),
        fields: fields
            .into_iter()
            .filter(|(name, value)| keepable(name, value))
            .collect(),
    }
}

fn refuse(req: ServiceRequest, error: Error) -> ServiceResponse<BoxBody> {
    req.error_response(error)
}

/// Reads a form body (at most [`FORM_LIMIT`] bytes) and puts it back for the handler.
async fn read_form(req: &mut ServiceRequest) -> Result<web::Bytes, Error> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > FORM_LIMIT) {
        return Err(Error::PayloadTooLarge);
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::debug!(error = %e, "form body unreadable");
            Error::from(Refusal::new("msg.form_unreadable_retry"))
        })?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(Error::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    req.set_payload(actix_web::dev::Payload::from(body.clone()));
    Ok(body)
}

pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Monitors ask with HEAD: the route of GET answers, and the server sends no body for it.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    if has_nul(req.path().as_bytes()) || has_nul(req.query_string().as_bytes()) {
        return Ok(refuse(req, nul_refused()));
    }
    let form = req.method() == Method::POST
        && req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.essence_str() == "application/x-www-form-urlencoded");
    if form {
        let body = match read_form(&mut req).await {
            Ok(body) => body,
            Err(e) => return Ok(refuse(req, e)),
        };
        // Kept first, so that the refusal too shows what was typed.
        req.extensions_mut().insert(kept(&body));
        if has_nul(&body) {
            return Ok(refuse(req, nul_refused()));
        }
    }
    let res = next.call(req).await?.map_into_boxed_body();
    if res.status() != StatusCode::METHOD_NOT_ALLOWED
        || res.response().extensions().get::<ErrorInfo>().is_some()
    {
        return Ok(res);
    }
    // The last resource (`app::configure`) answers 405 for every path; the methods of the
    // routes whose path matched are in its `Allow`, and no `Allow` means no route matched.
    let allowed = res
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|v| !v.is_empty());
    let (req, _) = res.into_parts();
    let Some(allowed) = allowed else {
        return Ok(ServiceResponse::new(req, Error::NotFound.error_response()));
    };
    let mut methods: Vec<&str> = Vec::new();
    for method in allowed.split(',').map(str::trim) {
        if !methods.contains(&method) {
            methods.push(method);
        }
        if method == "GET" && !methods.contains(&"HEAD") {
            methods.push("HEAD");
        }
    }
    let mut response = Error::MethodNotAllowed.error_response();
    response.headers_mut().insert(
        header::ALLOW,
        header::HeaderValue::from_str(&methods.join(", "))
            .map_err(actix_web::error::ErrorInternalServerError)?,
    );
    Ok(ServiceResponse::new(req, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_however_it_is_written() {
        assert!(has_nul(b"q=%00"));
        assert!(has_nul(b"body=a\0b"));
        assert!(!has_nul(b"q=%2500"));
        assert!(!has_nul("q=花壇".as_bytes()));
    }

    #[test]
    fn kept_forms_leave_out_tokens_passwords_and_blanks() {
        let form = kept(
            "csrf=abc&body=%E8%8A%B1%E5%A3%87+%E3%81%AE&password=x&new_password=y&parent="
                .as_bytes(),
        );
        assert_eq!(form.fields, vec![("body".to_owned(), "花壇 の".to_owned())]);
        assert_eq!(form.csrf, "abc");
    }

    #[test]
    fn the_nul_message_has_english() {
        crate::web::i18n::assert_english([
            Refusal::new("msg.nul_refused"),
            Refusal::new("msg.form_unreadable_retry"),
        ]);
    }
}
