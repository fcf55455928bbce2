//! The pages behind the links emailed to a person staff registered without an account: cancel
//! the registration (a page that asks first, as link scanners open links) and stop the
//! emails (RFC 8058 one-click: the address is forgotten, the registration stays). A link that
//! stands for nothing gets a 404 that says so.

use super::handlers::crumbs;
use super::model::when;
use super::registrations::{self, Cancel, Status};
use crate::error::Result;
use crate::web::forms::{CsrfOnly, FormPage, TokenQuery};
use crate::web::i18n::{t, translate, Lang};
use crate::web::proxy::client_ip;
use crate::web::visitor::check_csrf;
use crate::web::{notice, render_page_as, AppState, Templates};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// The 404 of a link that stands for no live registration.
fn unknown(req: &HttpRequest, hb: &Templates) -> Result<HttpResponse> {
    notice(req, hb, "meetings.link_unknown", StatusCode::NOT_FOUND)
}

/// The page that asks before cancelling, with `form`'s message after a refusal.
async fn confirm_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    token: String,
    form: &FormPage,
    status: StatusCode,
) -> Result<HttpResponse> {
    let found = {
        let token = token.clone();
        state
            .db(move |conn| registrations::by_token(conn, &token))
            .await?
    };
    let Some((meeting, registration)) = found else {
        return unknown(req, hb);
    };
    let lang = Lang::of(req);
    let title = t(lang, "meetings.cancel.title");
    let status_label = match (registration.status, registration.position) {
        (Status::Waiting, Some(position)) => translate(
            lang,
            "meetings.mine.waiting",
            &[("position", position.to_string())],
        ),
        _ => t(lang, "meetings.mine.confirmed"),
    };
    render_page_as(
        req,
        hb,
        "meetings/cancel",
        &title,
        &crumbs(lang, &title),
        &json!({
            "token": token,
            "meeting": {
                "title": meeting.title,
                "href": format!("/meetings/{}", meeting.id),
                "when": when(lang, meeting.schedule.starts_at, meeting.schedule.ends_at),
                "status": status_label,
            },
            "form": form,
        }),
        status,
    )
}

/// `GET /meetings/cancel?token=`.
pub async fn cancel_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    confirm_page(
        &req,
        &state,
        &hb,
        token,
        &crate::web::forms::EMPTY_FORM,
        StatusCode::OK,
    )
    .await
}

/// `POST /meetings/cancel?token=`: cancels, and the first waiting person moves up.
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
    posted: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &posted.csrf)?;
    let token = query.into_inner().token;
    let (now, ip, public_url) = (state.clock.now(), client_ip(&req), state.public_url.clone());
    let outcome = {
        let token = token.clone();
        state
            .db(move |conn| {
                registrations::cancel(conn, Cancel::Token(&token), now, ip.as_deref(), &public_url)
            })
            .await?
    };
    match outcome {
        Ok(Some(_)) => notice(&req, &hb, "meetings.cancel.done", StatusCode::OK),
        Ok(None) => unknown(&req, &hb),
        Err(refused) => {
            let mut form = FormPage::default();
            form.refuse("form", refused.refusal);
            confirm_page(&req, &state, &hb, token, &form, StatusCode::CONFLICT).await
        }
    }
}

/// `GET /meetings/unsubscribe?token=`: a button (link scanners must not unsubscribe anyone).
pub async fn unsubscribe_form(
    req: HttpRequest,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let title = t(lang, "meetings.unsubscribe.title");
    render_page_as(
        &req,
        &hb,
        "meetings/unsubscribe",
        &title,
        &crumbs(lang, &title),
        &json!({ "token": query.into_inner().token }),
        StatusCode::OK,
    )
}

/// `POST /meetings/unsubscribe?token=`: the one-click unsubscribe of RFC 8058 (a mail client
/// posts it without the page, so without a CSRF token); the address is forgotten.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let known = state
        .db(move |conn| registrations::forget_email(conn, &token))
        .await?;
    match known {
        true => notice(&req, &hb, "meetings.unsubscribe.done", StatusCode::OK),
        false => unknown(&req, &hb),
    }
}

#[cfg(test)]
mod tests {
    use crate::refusal::Refusal;

    #[test]
    fn the_notices_have_their_texts() {
        crate::web::i18n::assert_keys(
            "meetings.",
            [
                "link_unknown.title",
                "link_unknown.message",
                "cancel.done.title",
                "cancel.done.message",
                "unsubscribe.done.title",
                "unsubscribe.done.message",
            ],
        );
        crate::web::i18n::assert_english([Refusal::new("msg.meeting_cancel_closed")]);
    }
}
