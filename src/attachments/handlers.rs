//! `GET /attachments/{id}/{filename}`: a file as it was checked, with headers that keep a
//! browser from reading it as anything else or running it (sniffed type, `nosniff`, a
//! sandboxing CSP), downloaded (PDF) or shown (images) under its Japanese name. The name in
//! the path is only for the browser's "save as"; the id decides.
//! Also the lists' JSON, for the owners' pages and APIs.

use super::access::{Policies, Visibility};
use super::model::{self, Attachment};
use super::sniff;
use crate::error::Result;
use crate::web::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use uuid::Uuid;

/// How long a shared cache may keep a public file: short, so a file the author removed (while
/// revising) soon disappears everywhere.
const PUBLIC_MAX_AGE: &str = "public, max-age=300";

/// One attachment for a page: name, type, size and link.
pub fn item_json(a: &Attachment) -> Value {
    json!({
        "id": a.id.to_string(),
        "name": a.filename,
        "type": a.kind.label(),
        "size": sniff::size_label(a.byte_size),
        "href": a.href(),
    })
}

/// `GET /attachments/{id}/{filename}`
pub async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    policies: web::Data<Policies>,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse> {
    let (id, _) = path.into_inner();
    let policies = *policies.get_ref();
    let viewer = crate::web::visitor::viewer(&req).map(|v| v.id);
    let (visibility, attachment, data) = state
        .db(move |conn| {
            let (owner, attachment, data) = model::find(conn, id)?;
            let visibility = (policies.of(owner.kind).visibility)(conn, &owner, viewer)?;
            Ok((visibility, attachment, data))
        })
        .await?;
    // The bytes at an id never change: their hash is the ETag.
    let etag = format!("\"{}\"", attachment.sha256);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((
            header::CACHE_CONTROL,
            match visibility {
                Visibility::Public => PUBLIC_MAX_AGE,
                Visibility::Private => "private, no-cache",
            },
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            sniff::content_disposition(attachment.kind, &attachment.filename),
        ));
    if fresh {
        return Ok(response.finish());
    }
    Ok(response
        .content_type(attachment.kind.content_type())
        .body(data))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/attachments/{id}/{filename}", web::get().to(serve));
}
