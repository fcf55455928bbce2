//! What every page and API response shares: templates and language, caching, errors,
//! security headers and static files.

pub mod csv;
pub mod errors;
pub mod feed;
pub mod forms;
pub mod i18n;
pub mod inputs;
pub mod metrics;
pub mod paging;
pub mod partials;
pub mod present;
pub mod proxy;
pub mod request_id;
pub mod sheet;
pub mod state;
pub mod visitor;

pub use state::{AppState, Problem};

use crate::error::{Error, Result};
use crate::web::visitor::Viewer;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use i18n::Lang;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(rust_embed::RustEmbed)]
#[folder = "templates/"]
#[include = "*.hbs"]
struct TemplateFiles;

#[derive(rust_embed::RustEmbed)]
#[folder = "public/"]
struct PublicFiles;

/// The page templates, compiled once at start (they are embedded in the binary).
pub fn templates() -> Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(false);
    // A partial called on an indented line would indent every line it renders, a textarea's
    // text too: what a person typed would gain spaces each time the form is shown again.
    hb.set_prevent_indent(true);
    hb.register_helper("t", Box::new(i18n::PageHelper(i18n::translate_helper)));
    hb.register_helper("msg", Box::new(i18n::PageHelper(i18n::message_helper)));
    for (name, helper) in partials::helpers() {
        hb.register_helper(name, helper);
    }
    hb.register_embed_templates_with_extension::<TemplateFiles>(".hbs")
        .map_err(|e| Error::Setup(format!("templates: {e}")))?;
    Ok(hb)
}

/// The compiled templates, as handlers take them.
pub type Templates = web::Data<Handlebars<'static>>;

/// A 303 to `location` after a successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// One entry of the breadcrumb trail; the current page has no `href`.
#[derive(Debug, Serialize)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The breadcrumbs of a public page in a section (its list titled `list_key`, at `list_href`):
/// home › the list › `middle` (href, label), if any › this page.
pub fn section_crumbs(
    lang: Lang,
    (list_key, list_href): (&str, &str),
    middle: Option<(&str, String)>,
    here: &str,
) -> Vec<Crumb> {
    let mut trail = vec![
        Crumb {
            label: i18n::translate(lang, "crumb.home", &[]),
            href: Some("/".into()),
        },
        Crumb {
            label: i18n::translate(lang, list_key, &[]),
            href: Some(list_href.into()),
        },
    ];
    if let Some((href, label)) = middle {
        trail.push(Crumb {
            label,
            href: Some(href.to_owned()),
        });
    }
    trail.push(Crumb {
        label: here.to_owned(),
        href: None,
    });
    trail
}

/// home › `here`: the trail of a page outside every section.
pub fn home_crumbs(lang: Lang, here: &str) -> Vec<Crumb> {
    vec![
        Crumb {
            label: i18n::t(lang, "crumb.home"),
            href: Some("/".into()),
        },
        Crumb {
            label: here.to_owned(),
            href: None,
        },
    ]
}

/// home › 職員ページ › … › this page (`trail`, the last without a link); the staff area's
/// own page when `trail` is empty.
pub fn staff_crumbs(lang: Lang, trail: &[(&str, Option<String>)]) -> Vec<Crumb> {
    if trail.is_empty() {
        return home_crumbs(lang, &i18n::t(lang, "staff.title"));
    }
    let mut crumbs = vec![
        Crumb {
            label: i18n::t(lang, "crumb.home"),
            href: Some("/".into()),
        },
        Crumb {
            label: i18n::t(lang, "staff.title"),
            href: Some("/staff".into()),
        },
    ];
    crumbs.extend(trail.iter().map(|(label, href)| Crumb {
        label: (*label).to_owned(),
        href: href.clone(),
    }));
    crumbs
}

/// A short page that says what happened and what to do next (`{key}.title`, `{key}.message`).
pub fn notice(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    key: &str,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let title = i18n::t(lang, &format!("{key}.title"));
    let body = serde_json::json!({
        "heading": title,
        "message": i18n::t(lang, &format!("{key}.message")),
    });
    render_page_as(
        req,
        hb,
        "notice",
        &title,
        &home_crumbs(lang, &title),
        &body,
        status,
    )
}

/// The fields the layout needs, beside the page's own.
#[derive(Serialize)]
struct PageContext<'a, T: Serialize> {
    viewer: Option<Viewer>,
    csrf: String,
    lang: Lang,
    other_lang: Lang,
    switch_lang_url: String,
    page_title: &'a str,
    breadcrumbs: &'a [Crumb],
    #[serde(flatten)]
    page: &'a T,
}

/// Renders `template` inside the layout, with a validator so repeat visits cost a 304.
pub fn render_page<T: Serialize>(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    template: &str,
    title: &str,
    breadcrumbs: &[Crumb],
    page: &T,
) -> Result<HttpResponse> {
    render_page_as(req, hb, template, title, breadcrumbs, page, StatusCode::OK)
}

/// [`render_page`] answering `status`: a form with errors (400), a refusal (403, 409, 429 …).
/// Only a 200 carries a validator, so a repeat visit's 304 is never turned into an empty page.
pub fn render_page_as<T: Serialize>(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    template: &str,
    title: &str,
    breadcrumbs: &[Crumb],
    page: &T,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let context = PageContext {
        viewer: crate::web::visitor::viewer(req),
        csrf: crate::web::visitor::csrf_token(req),
        lang,
        other_lang: lang.other(),
        switch_lang_url: switch_lang_url(lang.other(), req),
        page_title: title,
        breadcrumbs,
        page,
    };
    let html = hb
        .render(template, &context)
        .map_err(|e| Error::Internal(format!("rendering {template}: {e}")))?;
    let content_type = "text/html; charset=utf-8";
    let mut response = if status == StatusCode::OK {
        cached(req, content_type, html.into_bytes())
    } else {
        HttpResponse::build(status)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type(content_type)
            .body(html)
    };
    if context.viewer.is_some() && status == StatusCode::OK {
        // A signed-in page may hold private details: never for a shared cache.
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(response)
}

fn switch_lang_url(lang: Lang, req: &HttpRequest) -> String {
    let here = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    format!(
        "/lang/{}?next={}",
        lang.code(),
        percent_encoding::utf8_percent_encode(&here, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// JSON for the open-data API, with the same validator.
pub fn json<T: Serialize>(req: &HttpRequest, value: &T) -> Result<HttpResponse> {
    let body = serde_json::to_vec(value).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(cached(req, "application/json", body))
}

/// A 200 with a strong ETag from the body's hash, or a 304 when the client has it already.
/// Pages vary by the language cookie; clients revalidate each time, so edits show at once.
pub fn cached(req: &HttpRequest, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let digest = Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == etag || tag.trim() == "*")
        });
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Cookie, Accept-Encoding"));
    if fresh {
        response.finish()
    } else {
        response.content_type(content_type).body(body)
    }
}

/// `/static/{path}`: the embedded files of `public/`.
pub async fn static_file(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse> {
    let file = PublicFiles::get(&path).ok_or(Error::NotFound)?;
    let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    Ok(cached(&req, content_type, file.data.into_owned()))
}

/// `/lang/{code}?next=/path`: remembers the language and returns to the page.
pub async fn switch_lang(req: HttpRequest, code: web::Path<String>) -> Result<HttpResponse> {
    #[derive(serde::Deserialize)]
    struct Next {
        next: Option<String>,
    }
    let lang = Lang::parse(&code).ok_or(Error::NotFound)?;
    let next = web::Query::<Next>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().next)
        .filter(|n| crate::web::visitor::local_path(n).is_some())
        .unwrap_or_else(|| "/".to_owned());
    let cookie = actix_web::cookie::Cookie::build(i18n::LANG_COOKIE, lang.code())
        .path("/")
        .max_age(actix_web::cookie::time::Duration::days(365))
        .same_site(actix_web::cookie::SameSite::Lax)
        .http_only(true)
        .finish();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(cookie)
        .finish())
}

/// Security headers on every response.
pub fn security_headers(headers: &mut header::HeaderMap, https: bool) {
    const FIXED: [(&str, &str); 5] = [
        (
            "content-security-policy",
            "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("x-frame-options", "DENY"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ),
    ];
    for (name, value) in FIXED {
        // A response with a stricter policy of its own (an attachment's sandbox) keeps it.
        if name == "content-security-policy" && headers.contains_key(name) {
            continue;
        }
        headers.insert(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
}
