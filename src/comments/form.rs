//! The comment form that every page with a comment section embeds: read once as posted,
//! written by the subject's own rule, and given back with its message and the text kept when
//! refused.

use super::view::CommentForm;
use super::{CommentRefused, NewComment, Posted};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::proxy::client_ip;
use crate::web::visitor::{check_csrf, Viewer};
use crate::web::AppState;
use actix_web::{HttpRequest, HttpResponse};
use diesel::PgConnection;
use serde::Deserialize;
use uuid::Uuid;

/// A comment form as posted (a comment, or a reply when `parent` is set).
#[derive(Deserialize)]
pub struct PostedComment {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    organisation: String,
    /// The page of comments the form was on.
    #[serde(default)]
    after: String,
}

/// A posted comment read once: the form to show again, the organisation, and the text or the
/// message about it.
struct Parsed {
    form: CommentForm,
    organisation: Option<Uuid>,
    body: std::result::Result<String, Refusal>,
}

fn bad_form() -> Error {
    Error::Refused(Refusal::new("msg.form_unreadable"))
}

fn optional_uuid(raw: &str) -> Result<Option<Uuid>> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw.parse().map(Some).map_err(|_| bad_form()),
    }
}

/// Reads a posted comment; malformed hidden fields are a 400.
fn parse(posted: &PostedComment) -> Result<Parsed> {
    let form = CommentForm {
        body: posted.body.clone(),
        parent: optional_uuid(&posted.parent)?,
        organisation: posted.organisation.trim().to_owned(),
        error: None,
        report: None,
        after: super::Cursor::parse(&posted.after),
        reported: None,
    };
    Ok(Parsed {
        organisation: optional_uuid(&form.organisation)?,
        form,
        body: super::parse_body(&posted.body),
    })
}

/// A 303 back to the subject's page at `anchor`.
pub fn back(path: &str, anchor: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", format!("{path}#{anchor}")))
        .finish()
}

/// Posts the comment of a submitted form with `write` (which applies the subject's own rules),
/// then answers a 303 to `page`'s new comment; `Err` gives back the form with the message and
/// the text kept, for the handler to show its page again.
pub async fn post_form<F>(
    req: &HttpRequest,
    state: &AppState,
    viewer: &Viewer,
    posted: &PostedComment,
    page: String,
    write: F,
) -> Result<std::result::Result<HttpResponse, CommentForm>>
where
    F: FnOnce(
            &mut PgConnection,
            &str,
            &NewComment<'_>,
        ) -> std::result::Result<Posted, CommentRefused>
        + Send
        + 'static,
{
    check_csrf(req, &posted.csrf)?;
    let Parsed {
        mut form,
        organisation,
        body,
    } = parse(posted)?;
    let refused = match body {
        Err(message) => message,
        Ok(body) => {
            let ip = client_ip(req);
            let public_url = state.public_url.clone();
            let author = viewer.id;
            let parent = form.parent;
            let now = state.clock.now();
            let done = state
                .db(move |conn| {
                    Ok(write(
                        conn,
                        &public_url,
                        &NewComment {
                            author,
                            organisation,
                            parent,
                            body: &body,
                            ip: ip.as_deref(),
                            now,
                        },
                    ))
                })
                .await?;
            match done {
                Ok(posted) => return Ok(Ok(back(&page, &format!("comment-{}", posted.id)))),
                Err(CommentRefused::Message(message)) => message,
                Err(CommentRefused::Other(e)) => return Err(e),
            }
        }
    };
    form.error = Some(refused);
    Ok(Err(form))
}
