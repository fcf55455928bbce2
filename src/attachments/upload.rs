//! Reading an upload form (`multipart/form-data`): a `csrf` field, then one `file`. Works for a
//! plain HTML form without JavaScript, which sends the fields in page order, so the token
//! arrives (and is checked) before any byte of the file is read. Nothing is buffered beyond
//! the limits: the file stops at [`sniff::MAX_BYTES`], other fields at a few hundred bytes.

use super::sniff::{self, Checked, Refusal};
use crate::error::{Error, Result};
use crate::web::visitor::check_csrf;
use actix_multipart::{Field, Multipart};
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

/// Longest value of a field other than the file (the token is 43 characters).
const FIELD_MAX: usize = 256;
/// After a refusal, the rest of the request is read and dropped up to this much, so that the
/// browser, still sending, gets to show the answer (a connection closed mid-upload shows an
/// error page of its own instead). Beyond it the connection is simply closed.
const DRAIN_MAX: usize = 4 * sniff::MAX_BYTES;

/// The framework's reason (English, technical) goes to the log, not to the person.
fn unreadable<E: std::fmt::Display>(e: E) -> Error {
    tracing::debug!(error = %e, "unreadable upload form");
    Error::Refused(crate::refusal::Refusal::new("msg.upload_unreadable"))
}

/// Appends the field's bytes to `into` while they stay within `max`; `false` once over it (the
/// rest of the field is then left unread).
async fn read_field(field: &mut Field, into: &mut Vec<u8>, max: usize) -> Result<bool> {
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if into.len() + chunk.len() > max {
            return Ok(false);
        }
        into.extend_from_slice(&chunk);
    }
    Ok(true)
}

/// Reads and drops what is left of the request (of `field`, then of the form), up to
/// [`DRAIN_MAX`] bytes.
async fn drain(mut field: Field, form: &mut Multipart) {
    let mut budget = DRAIN_MAX;
    loop {
        while let Some(Ok(chunk)) = field.next().await {
            match budget.checked_sub(chunk.len()) {
                Some(left) => budget = left,
                None => return,
            }
        }
        drop(field);
        match form.next().await {
            Some(Ok(next)) => field = next,
            _ => return,
        }
    }
}

/// The checked file of an upload form, or why it is refused (for the page to say). The
/// outer error is for a request no form of ours sends: a missing or wrong CSRF token (403),
/// or a body that is not multipart (400).
pub async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Result<Checked, Refusal>> {
    Ok(read_file(req, payload, sniff::MAX_BYTES)
        .await?
        .and_then(|(name, bytes)| sniff::check(&name, bytes)))
}

/// The name and bytes of an upload form's file of at most `max` bytes, not checked further
/// (an import reads its own kinds of file); refused as [`Refusal::NoFile`] or
/// [`Refusal::TooLarge`]. The outer error as for [`read`].
pub async fn read_file(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<Result<(String, Vec<u8>), Refusal>> {
    let mut form = Multipart::new(req.headers(), payload);
    let mut csrf = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(unreadable)?;
        match field.name().unwrap_or_default() {
            "csrf" => {
                csrf.clear();
                if !read_field(&mut field, &mut csrf, FIELD_MAX).await? {
                    return Err(unreadable("csrf"));
                }
            }
            "file" if file.is_none() => {
                // The token first: a forged request is refused before its file is read.
                check_csrf(req, &String::from_utf8_lossy(&csrf))?;
                let name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                let mut bytes = Vec::new();
                if !read_field(&mut field, &mut bytes, max).await? {
                    drain(field, &mut form).await;
                    return Ok(Err(Refusal::TooLarge));
                }
                file = Some((name, bytes));
            }
            _ => {
                let mut ignored = Vec::new();
                if !read_field(&mut field, &mut ignored, FIELD_MAX).await? {
                    return Err(unreadable("field"));
                }
            }
        }
    }
    check_csrf(req, &String::from_utf8_lossy(&csrf))?;
    match file {
        Some((_, bytes)) if bytes.is_empty() => Ok(Err(Refusal::NoFile)),
        Some(file) => Ok(Ok(file)),
        None => Ok(Err(Refusal::NoFile)),
    }
}
