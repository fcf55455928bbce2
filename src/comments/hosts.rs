//! The pages that show a comment section, shown again when `comments` refuses a comment or a
//! report (the text kept, the message at its form). The subject's domain supplies its page
//! and `app` registers it, so `comments` never imports the domains it serves.

use super::view::CommentForm;
use super::Subject;
use crate::error::{Error, Result};
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use handlebars::Handlebars;
use uuid::Uuid;

/// A subject's page, at `status`; its comment section reads the kept form with
/// [`CommentForm::of`].
pub type Page<Key> = for<'a> fn(
    &'a HttpRequest,
    &'a AppState,
    &'a Handlebars<'static>,
    Key,
    StatusCode,
) -> LocalBoxFuture<'a, Result<HttpResponse>>;

/// The page of each kind of subject.
#[derive(Clone, Copy)]
pub struct Hosts {
    pub proposal: Page<Uuid>,
    /// By the measure's code, e.g. `5-1`.
    pub measure: Page<String>,
}

/// The subject's page again, as a 400, with `form` (its text and message) kept.
pub async fn show_again(
    req: &HttpRequest,
    state: &AppState,
    hb: &Handlebars<'static>,
    subject: Subject,
    form: CommentForm,
) -> Result<HttpResponse> {
    let hosts = *req
        .app_data::<web::Data<Hosts>>()
        .ok_or_else(|| Error::Internal("comments: no pages registered".into()))?
        .get_ref();
    req.extensions_mut().insert(form);
    let status = StatusCode::BAD_REQUEST;
    match subject {
        Subject::Proposal(id) => (hosts.proposal)(req, state, hb, id, status).await,
        Subject::Measure(code) => (hosts.measure)(req, state, hb, code, status).await,
    }
}
