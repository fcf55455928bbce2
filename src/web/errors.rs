//! Turns every failed response into something a person can read: an HTML page in their
//! language, or RFC 9457 problem details under `/api/`. Never a stack trace.

use super::i18n::{said, translate, Lang};
use super::inputs::KeptForm;
use crate::error::ErrorInfo;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use handlebars::Handlebars;

/// How long clients should wait before retrying while the database is away.
const RETRY_AFTER_SECONDS: &str = "5";

/// The statuses with their own wording; others use the nearest (4xx → 400, 5xx → 500).
fn wording_status(status: StatusCode) -> u16 {
    match status.as_u16() {
        s @ (400 | 403 | 404 | 405 | 413 | 429 | 503) => s,
        s if s < 500 => 400,
        _ => 500,
    }
}

pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let https = super::proxy::https(req.request());
    let api = req.path().starts_with("/api/");
    let lang = Lang::of(req.request());
    let mut res = next.call(req).await?.map_into_boxed_body();
    super::security_headers(res.headers_mut(), https);
    let status = res.status();
    // Pages that answer 4xx themselves (a form with messages) are already what the person needs.
    let failed = res.response().error().is_some()
        || res.response().extensions().get::<ErrorInfo>().is_some();
    if !failed || !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let detail = res
        .response()
        .extensions()
        .get::<ErrorInfo>()
        .and_then(|info| info.detail.as_ref().map(|d| said(lang, d)));
    let wording = wording_status(status);
    let title = translate(lang, &format!("error.{wording}.title"), &[]);
    let detail =
        detail.unwrap_or_else(|| translate(lang, &format!("error.{wording}.message"), &[]));
    let mut replacement = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        replacement.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
    }
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = res.headers().get(&name) {
            replacement.insert_header((name, value.clone()));
        }
    }
    replacement.insert_header((header::CACHE_CONTROL, "no-store"));
    let request = res.request().clone();
    // Probes are read by programs: text, or JSON when asked, never a page.
    let probe = ["/healthz", "/readyz"].contains(&request.path());
    let wants_json = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let body = if probe && !wants_json {
        replacement.content_type("text/plain; charset=utf-8");
        format!("{title}\n{detail}\n")
    } else if api || probe {
        replacement.content_type("application/problem+json");
        serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
            "instance": request.path(),
        })
        .to_string()
    } else {
        replacement.content_type("text/html; charset=utf-8");
        // A posted form's text, shown back so that nothing typed is lost.
        let kept = request
            .extensions()
            .get::<KeptForm>()
            .and_then(|form| form.shown_to(&request))
            .map(|fields| {
                fields
                    .iter()
                    .map(|(name, value)| {
                        serde_json::json!({ "name": name, "value": value.replace('\0', "") })
                    })
                    .collect::<Vec<_>>()
            });
        let page = serde_json::json!({
            "lang": lang,
            "other_lang": lang.other(),
            "switch_lang_url": format!("/lang/{}?next=%2F", lang.other().code()),
            "page_title": title,
            "status": status.as_u16(),
            "title": title,
            "message": detail,
            "home_href": "/",
            "kept": kept,
            // What a resident quotes when reporting a server error, to find it in the logs.
            "request_id": status.is_server_error().then(|| super::request_id::of(&request)).flatten(),
        });
        request
            .app_data::<web::Data<Handlebars<'static>>>()
            .and_then(|hb| hb.render("error", &page).ok())
            .unwrap_or_else(|| {
                let (title, detail) = (
                    handlebars::html_escape(&title),
                    handlebars::html_escape(&detail),
                );
                format!("<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p>")
            })
    };
    let mut new = res.into_response(replacement.body(body));
    super::security_headers(new.headers_mut(), https);
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_status_has_wording() {
        assert_eq!(wording_status(StatusCode::NOT_FOUND), 404);
        assert_eq!(wording_status(StatusCode::IM_A_TEAPOT), 400);
        assert_eq!(wording_status(StatusCode::BAD_GATEWAY), 500);
        assert_eq!(wording_status(StatusCode::SERVICE_UNAVAILABLE), 503);
        for status in [400, 403, 404, 405, 413, 429, 500, 503] {
            for lang in Lang::ALL {
                for part in ["title", "message"] {
                    let key = format!("error.{status}.{part}");
                    assert_ne!(translate(lang, &key, &[]), key, "{key} missing in {lang:?}");
                }
            }
        }
    }
}
