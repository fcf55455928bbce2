//! Sign-up, sign-in, sign-out, email verification and password reset pages.

use super::accounts::{self, Origin};
use super::fields::{DisplayName, Email, NewPassword};
use super::password;
use super::rate_limit::{self, SIGN_IN_FAILURES_PER_ACCOUNT, SIGN_IN_FAILURES_PER_ADDRESS};
use super::session;
use crate::audit::{self, Entry};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::tokens;
use crate::web::forms::FormPage;
use crate::web::forms::{CsrfOnly, TokenQuery};
use crate::web::i18n::{translate, Lang};
use crate::web::render_page_as;
use crate::web::visitor::{check_csrf, safe_next, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use crate::web::{home_crumbs, notice};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::json;

fn title(lang: Lang, key: &str) -> String {
    translate(lang, key, &[])
}

/// A form page: the template with what was typed and the messages next to the fields.
fn form_page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    template: &str,
    key: &str,
    form: &FormPage,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let page_title = title(lang, key);
    let response = render_page_as(
        req,
        hb,
        template,
        &page_title,
        &home_crumbs(lang, &page_title),
        &json!({ "form": form }),
        if form.has_errors() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
    )?;
    Ok(response)
}

/// The form again, with what was typed, when a rate limit stops the request: 429 and when to retry.
fn limited(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    template: &str,
    key: &str,
    mut form: FormPage,
    retry_after: u64,
) -> Result<HttpResponse> {
    form.refuse("form", Refusal::new("error.429.message"));
    let mut response = form_page(req, hb, template, key, &form)?;
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(retry_after),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    csrf: String,
    email: String,
    display_name: String,
    password: String,
}

pub async fn sign_up_form(req: HttpRequest, hb: Templates) -> Result<HttpResponse> {
    form_page(
        &req,
        &hb,
        "auth/signup",
        "auth.signup.title",
        &FormPage::default(),
    )
}

pub async fn sign_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    form: web::Form<SignUpForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let mut page = FormPage::default();
    page.keep("email", &form.email)
        .keep("display_name", &form.display_name);
    let email = page.check("email", Email::parse(&form.email));
    let name = page.check("display_name", DisplayName::parse(&form.display_name));
    let password = page.check(
        "password",
        NewPassword::parse(&form.password, email.as_ref().map(Email::as_str)),
    );
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return form_page(&req, &hb, "auth/signup", "auth.signup.title", &page);
    };
    let origin = Origin::of(&req, &state);
    let lang = Lang::of(&req);
    let ip = origin.ip.clone().unwrap_or_default();
    // Hashing also when the address is taken keeps both answers equally slow.
    let hash = password::hash_async(password.as_str().to_owned()).await?;
    let done = state
        .db(move |conn| {
            rate_limit::hit(conn, rate_limit::SIGN_UP_PER_ADDRESS, &ip)?;
            rate_limit::hit(conn, rate_limit::EMAILS_PER_RECIPIENT, email.as_str())?;
            accounts::sign_up(conn, &origin, lang, &email, &name, &hash)
        })
        .await;
    if let Err(Error::TooManyRequests { retry_after }) = done {
        return limited(
            &req,
            &hb,
            "auth/signup",
            "auth.signup.title",
            page,
            retry_after,
        );
    }
    done?;
    notice(&req, &hb, "auth.check_email", StatusCode::OK)
}

pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let origin = Origin::of(&req, &state);
    let verified = state
        .db(move |conn| accounts::verify_email(conn, &origin, &token))
        .await?;
    if verified {
        notice(&req, &hb, "auth.verified", StatusCode::OK)
    } else {
        notice(&req, &hb, "auth.link_invalid", StatusCode::BAD_REQUEST)
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn sign_in_form(
    req: HttpRequest,
    hb: Templates,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse> {
    let mut page = FormPage::default();
    page.keep("next", &safe_next(query.next.as_deref()));
    form_page(&req, &hb, "auth/login", "auth.login.title", &page)
}

pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let mut page = FormPage::default();
    page.keep("email", &form.email).keep("next", &next);
    let Some(email) = page.check("email", Email::parse(&form.email)) else {
        return form_page(&req, &hb, "auth/login", "auth.login.title", &page);
    };
    let origin = Origin::of(&req, &state);
    let ip = origin.ip.clone();
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let address = origin.ip.clone().unwrap_or_default();
    // Three short trips to the database; the slow hash runs between them, holding no connection.
    // Only failures count, per address and per account, so a shared address signs many in.
    let lookup = {
        let (email, address) = (email.clone(), address.clone());
        state
            .db(move |conn| {
                rate_limit::check(conn, SIGN_IN_FAILURES_PER_ADDRESS, &address)?;
                rate_limit::check(conn, SIGN_IN_FAILURES_PER_ACCOUNT, email.as_str())?;
                accounts::credentials(conn, &email)
            })
            .await
    };
    let found = match lookup {
        Err(Error::TooManyRequests { retry_after }) => {
            return limited(
                &req,
                &hb,
                "auth/login",
                "auth.login.title",
                page,
                retry_after,
            )
        }
        other => other?,
    };
    let stored = found.as_ref().and_then(|(_, hash)| hash.clone());
    let matched = password::verify_async(form.password.clone(), stored.clone()).await?;
    let secret = match (found, matched) {
        (Some((account, _)), true) => {
            let rehash = match stored.filter(|h| password::needs_rehash(h)) {
                Some(_) => Some(password::hash_async(form.password.clone()).await?),
                None => None,
            };
            let now = state.clock.now();
            let secret = state
                .db(move |conn| {
                    if let Some(hash) = rehash {
                        accounts::store_password_hash(conn, account, &hash)?;
                    }
                    let secret =
                        session::start(conn, account, ip.as_deref(), user_agent.as_deref(), now)?;
                    let entry = Entry {
                        actor: Some(account),
                        action: "session.sign_in",
                        record: None,
                        ip: origin.ip.as_deref(),
                        details: json!({}),
                    };
                    audit::record(conn, entry)?;
                    Ok(secret)
                })
                .await?;
            Some(secret)
        }
        (found, _) => {
            metrics::counter!(crate::web::metrics::SIGN_IN_FAILURES).increment(1);
            let failed = state
                .db(move |conn| {
                    let entry = Entry {
                        actor: found.map(|(id, _)| id),
                        action: "session.sign_in_failed",
                        record: None,
                        ip: origin.ip.as_deref(),
                        // A digest: the log is append-only and outlives deleted accounts.
                        details: json!({ "email_sha256": tokens::digest(email.as_str()) }),
                    };
                    audit::record(conn, entry)?;
                    // Both count, even when the first is already over its limit.
                    let by_address = rate_limit::hit(conn, SIGN_IN_FAILURES_PER_ADDRESS, &address);
                    let by_account =
                        rate_limit::hit(conn, SIGN_IN_FAILURES_PER_ACCOUNT, email.as_str());
                    by_address.and(by_account)
                })
                .await;
            match failed {
                Err(Error::TooManyRequests { retry_after }) => {
                    return limited(
                        &req,
                        &hb,
                        "auth/login",
                        "auth.login.title",
                        page,
                        retry_after,
                    )
                }
                other => other?,
            }
            None
        }
    };
    let Some(secret) = secret else {
        page.refuse("password", Refusal::new("auth.login.failed"));
        return form_page(&req, &hb, "auth/login", "auth.login.title", &page);
    };
    // A session from before (another person on a shared computer) ends here.
    if let Some(old) = crate::web::visitor::viewer(&req) {
        state
            .db(move |conn| session::end(conn, &old.session_hash))
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", next))
        .cookie(session::cookie(&req, Some(&secret)))
        .finish())
}

pub async fn sign_out_form(
    req: HttpRequest,
    hb: Templates,
    _viewer: Viewer,
) -> Result<HttpResponse> {
    form_page(
        &req,
        &hb,
        "auth/logout",
        "auth.logout.title",
        &FormPage::default(),
    )
}

pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    if let Some(viewer) = crate::web::visitor::viewer(&req) {
        state
            .db(move |conn| session::end(conn, &viewer.session_hash))
            .await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/"))
        .cookie(session::cookie(&req, None))
        .finish())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    email: String,
}

pub async fn forgot_form(req: HttpRequest, hb: Templates) -> Result<HttpResponse> {
    form_page(
        &req,
        &hb,
        "auth/forgot",
        "auth.forgot.title",
        &FormPage::default(),
    )
}

pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let mut page = FormPage::default();
    page.keep("email", &form.email);
    let Some(email) = page.check("email", Email::parse(&form.email)) else {
        return form_page(&req, &hb, "auth/forgot", "auth.forgot.title", &page);
    };
    let origin = Origin::of(&req, &state);
    let lang = Lang::of(&req);
    let done = state
        .db(move |conn| {
            rate_limit::hit(
                conn,
                rate_limit::RESET_PER_ADDRESS,
                origin.ip.as_deref().unwrap_or_default(),
            )?;
            rate_limit::hit(conn, rate_limit::EMAILS_PER_RECIPIENT, email.as_str())?;
            accounts::request_reset(conn, &origin, lang, &email)
        })
        .await;
    if let Err(Error::TooManyRequests { retry_after }) = done {
        return limited(
            &req,
            &hb,
            "auth/forgot",
            "auth.forgot.title",
            page,
            retry_after,
        );
    }
    done?;
    notice(&req, &hb, "auth.check_email", StatusCode::OK)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    token: String,
    password: String,
}

pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let (probe, now) = (token.clone(), state.clock.now());
    if !state
        .db(move |conn| accounts::token_is_live(conn, &probe, "reset", now))
        .await?
    {
        return notice(&req, &hb, "auth.link_invalid", StatusCode::BAD_REQUEST);
    }
    let mut page = FormPage::default();
    page.keep("token", &token);
    form_page(&req, &hb, "auth/reset", "auth.reset.title", &page)
}

pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let mut page = FormPage::default();
    page.keep("token", &form.token);
    let Some(password) = page.check("password", NewPassword::parse(&form.password, None)) else {
        return form_page(&req, &hb, "auth/reset", "auth.reset.title", &page);
    };
    let origin = Origin::of(&req, &state);
    let hash = password::hash_async(password.as_str().to_owned()).await?;
    let done = state
        .db(move |conn| accounts::reset_password(conn, &origin, &form.token, &hash))
        .await?;
    if !done {
        return notice(&req, &hb, "auth.link_invalid", StatusCode::BAD_REQUEST);
    }
    let mut response = notice(&req, &hb, "auth.reset_done", StatusCode::OK)?;
    response
        .add_cookie(&session::cookie(&req, None))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(response)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/signup", web::get().to(sign_up_form))
        .route("/signup", web::post().to(sign_up))
        .route("/verify", web::get().to(verify))
        .route("/login", web::get().to(sign_in_form))
        .route("/login", web::post().to(sign_in))
        .route("/logout", web::get().to(sign_out_form))
        .route("/logout", web::post().to(sign_out))
        .route("/password/forgot", web::get().to(forgot_form))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/reset", web::get().to(reset_form))
        .route("/password/reset", web::post().to(reset));
}
