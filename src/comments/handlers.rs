//! The HTTP side of comments: posting on a measure, following a measure, and reporting any
//! comment. A refused form shows its page again with the message and the text kept.

use super::form::{back, post_form, PostedComment};
use super::hosts::show_again;
use super::view::{CommentForm, ReportForm};
use super::{measure, Subject};
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::web::forms::CsrfOnly;
use crate::web::proxy::client_ip;
use crate::web::visitor::{check_csrf, Verified};
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

fn measure_code(raw: &str) -> Result<MeasureCode> {
    raw.parse().map_err(Error::Refused)
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
        Err(form) => show_again(&req, &state, &hb, Subject::Measure(code), form).await,
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
    category: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    after: String,
}

/// POST `/comments/{id}/report`: a kind is required, the note optional; without a kind the
/// page shows again with the message at the comment's report form. A second report by the same
/// person is thanked as received before.
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
    match super::policy::parse_report(&posted.category, &posted.reason) {
        Ok((category, note)) => {
            let ip = client_ip(&req);
            let public_url = state.public_url.clone();
            let reporter = viewer.id;
            let now = state.clock.now();
            let done = state
                .db(move |conn| {
                    super::report(
                        conn,
                        &public_url,
                        &super::Report {
                            comment,
                            reporter,
                            category,
                            note: &note,
                            ip: ip.as_deref(),
                            now,
                        },
                    )
                })
                .await?;
            let reported = if done.counted { "1" } else { "again" };
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    "location",
                    format!(
                        "{}?reported={reported}#comment-{comment}",
                        done.subject.path()
                    ),
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
                    category: posted.category.clone(),
                    reason: posted.reason.clone(),
                    error,
                }),
                after: super::Cursor::parse(&posted.after),
                ..CommentForm::default()
            };
            show_again(&req, &state, &hb, subject, form).await
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
