//! The HTTP side of comments: posting on a measure, following a measure, and reporting any
//! comment. A refused form shows its page again with the message and the text kept.

use super::view::{CommentForm, ReportForm};
use super::{measure, CommentRefused, NewComment, Posted, Subject};
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::web::forms::CsrfOnly;
use crate::web::proxy::client_ip;
use crate::web::visitor::{check_csrf, Verified, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
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
    body: std::result::Result<String, String>,
}

fn bad_form() -> Error {
    Error::BadRequest(
        "フォームの内容を読み取れませんでした。ページを読み込み直してください。".into(),
    )
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
        reported: false,
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

fn measure_code(raw: &str) -> Result<MeasureCode> {
    raw.parse().map_err(Error::BadRequest)
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

/// POST `/measures/{code}/comments`.
pub async fn comment_on_measure(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    code: web::Path<String>,
    posted: web::Form<PostedComment>,
) -> Result<HttpResponse> {
    let code = measure_code(&code)?.to_string();
    let subject = Subject::Measure(code.clone());
    let written = post_form(
        &req,
        &state,
        &viewer,
        &posted,
        format!("/measures/{code}"),
        move |conn, public_url, new| {
            measure::require_measure(conn, &subject.key())?;
            super::post(conn, public_url, &subject, new)
        },
    )
    .await?;
    match written {
        Ok(done) => Ok(done),
        Err(form) => {
            crate::plan::handlers::measure_page(
                &req,
                &state,
                &hb,
                &code,
                &form,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

/// POST `/measures/{code}/follow` and `/unfollow`; pressing twice changes nothing.
pub async fn follow_measure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Verified(viewer): Verified,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (code, what) = path.into_inner();
    let code = measure_code(&code)?.to_string();
    let on = what == "follow";
    let account = viewer.id;
    let key = code.clone();
    state
        .db(move |conn| measure::set_follow(conn, account, &key, on))
        .await?;
    Ok(back(&format!("/measures/{code}"), "follow"))
}

/// The report form as posted.
#[derive(Deserialize)]
pub struct PostedReport {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    after: String,
}

/// POST `/comments/{id}/report`: a reason is required; without one the page shows again with
/// the message at the comment's report form.
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    id: web::Path<Uuid>,
    posted: web::Form<PostedReport>,
) -> Result<HttpResponse> {
    check_csrf(&req, &posted.csrf)?;
    let comment = id.into_inner();
    match super::parse_reason(&posted.reason) {
        Ok(reason) => {
            let ip = client_ip(&req);
            let public_url = state.public_url.clone();
            let reporter = viewer.id;
            let subject = state
                .db(move |conn| {
                    super::report(conn, &public_url, comment, reporter, &reason, ip.as_deref())
                })
                .await?;
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    "location",
                    format!("{}?reported=1#comment-{comment}", subject.path()),
                ))
                .finish())
        }
        Err(error) => {
            let subject = state
                .db(move |conn| super::visible_subject(conn, comment))
                .await?;
            let form = CommentForm {
                report: Some(ReportForm {
                    comment,
                    reason: posted.reason.clone(),
                    error,
                }),
                after: super::Cursor::parse(&posted.after),
                ..CommentForm::default()
            };
            let status = StatusCode::BAD_REQUEST;
            match subject {
                Subject::Proposal(id) => {
                    crate::proposals::handlers::show_page(&req, &state, &hb, id, &form, status)
                        .await
                }
                Subject::Measure(code) => {
                    crate::plan::handlers::measure_page(&req, &state, &hb, &code, &form, status)
                        .await
                }
            }
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/measures/{code}/comments",
        web::post().to(comment_on_measure),
    )
    .route(
        "/measures/{code}/{what:(un)?follow}",
        web::post().to(follow_measure),
    )
    .route("/comments/{id}/report", web::post().to(report));
}
