//! The account page (`/account`): profile and private details, email change with
//! re-verification, password change, notification preferences, signing out everywhere, and
//! deleting the account. Also the one-click unsubscribe link of notification emails.

use super::accounts::Origin;
use super::fields::{
    optional_text, DisplayName, Email, NewPassword, ADDRESS_MAX, PHONE_MAX, REAL_NAME_MAX,
};
use super::store::{self, Profile};
use super::{password, session};
use crate::error::{Error, Result};
use crate::notify::inbox;
use crate::notify::kinds::{Delivery, Kind};
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::forms::{CsrfOnly, TokenQuery};
use crate::web::i18n::{translate, Lang};
use crate::web::notice;
use crate::web::visitor::{check_csrf, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use crate::web::{render_page, render_page_as, Crumb};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Which form of the page a message belongs to, so it shows next to the right fields.
#[derive(Default, Serialize)]
struct Forms {
    profile: FormPage,
    email: FormPage,
    password: FormPage,
    notifications: FormPage,
    delete: FormPage,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Handlebars<'_>,
    viewer: &Viewer,
    mut forms: Forms,
    done: Option<&str>,
) -> Result<HttpResponse> {
    let id = viewer.id;
    let (account, staff, choices) = state
        .db(move |conn| {
            Ok((
                store::account(conn, id)?,
                crate::auth::staff::has_any_role(conn, id)?,
                inbox::preferences(conn, id)?,
            ))
        })
        .await?;
    if forms.notifications.is_untouched() {
        for (kind, delivery) in &choices {
            forms.notifications.keep(kind.code(), delivery.code());
        }
    }
    if forms.profile.is_untouched() {
        let stored = |v: &Option<String>| v.clone().unwrap_or_default();
        forms
            .profile
            .keep("display_name", &account.display_name)
            .keep("real_name", &stored(&account.real_name))
            .keep("address", &stored(&account.address))
            .keep("phone", &stored(&account.phone));
    }
    let lang = Lang::of(req);
    let title = translate(lang, "account.title", &[]);
    let crumbs = [
        Crumb {
            label: translate(lang, "crumb.home", &[]),
            href: Some("/".into()),
        },
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    let failed = [
        &forms.profile,
        &forms.email,
        &forms.password,
        &forms.notifications,
        &forms.delete,
    ]
    .iter()
    .any(|f| f.has_errors());
    let kinds: Vec<_> = choices
        .iter()
        .map(|(kind, _)| {
            let kept = forms.notifications.value(kind.code());
            json!({
                "code": kind.code(),
                "label": translate(lang, &format!("account.notifications.kind.{}", kind.code()), &[]),
                "options": Delivery::ALL.map(|d| json!({
                    "code": d.code(),
                    "label": translate(lang, &format!("account.notifications.delivery.{}", d.code()), &[]),
                    "checked": kept == Some(d.code()),
                })),
            })
        })
        .collect();
    let context = json!({
        "kinds": kinds,
        "account": account,
        "verified": account.email_verified_at.is_some(),
        "staff": staff,
        "forms": forms,
        "done": done.map(|key| translate(lang, key, &[])),
    });
    let status = if failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_page_as(req, hb, "auth/account", &title, &crumbs, &context, status)
}

fn back_to_account(done: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", format!("/account?done={done}")))
        .finish()
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The confirmations `?done=` may ask for (`account.done.*`).
pub const DONE: [&str; 5] = [
    "profile",
    "email",
    "password",
    "notifications",
    "verification",
];

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    let done = query
        .done
        .as_deref()
        .filter(|d| DONE.contains(d))
        .map(|d| format!("account.done.{d}"));
    page(
        &req,
        &state,
        &hb,
        &viewer,
        Forms::default(),
        done.as_deref(),
    )
    .await
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    display_name: String,
    #[serde(default)]
    real_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

pub async fn update_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let mut forms = Forms::default();
    let f = &mut forms.profile;
    f.keep("display_name", &form.display_name)
        .keep("real_name", &form.real_name)
        .keep("address", &form.address)
        .keep("phone", &form.phone);
    let name = f.check("display_name", DisplayName::parse(&form.display_name));
    let real_name = f.check(
        "real_name",
        optional_text(&form.real_name, "label.real_name", REAL_NAME_MAX),
    );
    let address = f.check(
        "address",
        optional_text(&form.address, "label.address", ADDRESS_MAX),
    );
    let phone = f.check(
        "phone",
        optional_text(&form.phone, "label.phone", PHONE_MAX),
    );
    let (Some(name), Some(real_name), Some(address), Some(phone)) =
        (name, real_name, address, phone)
    else {
        return page(&req, &state, &hb, &viewer, forms, None).await;
    };
    let profile = Profile {
        display_name: name,
        real_name,
        address,
        phone,
    };
    let id = viewer.id;
    state
        .db(move |conn| store::update_profile(conn, id, profile))
        .await?;
    Ok(back_to_account("profile"))
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    email: String,
    #[serde(rename = "email_password")]
    password: String,
}

/// Whether `candidate` is the account's password; the hash is checked holding no connection.
async fn password_matches(state: &AppState, id: Uuid, candidate: &str) -> Result<bool> {
    let stored: Option<String> = state.db(move |conn| store::password_hash(conn, id)).await?;
    password::verify_async(candidate.to_owned(), stored).await
}

pub async fn change_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let mut forms = Forms::default();
    forms.email.keep("email", &form.email);
    let Some(email) = forms.email.check("email", Email::parse(&form.email)) else {
        return page(&req, &state, &hb, &viewer, forms, None).await;
    };
    let origin = Origin::of(&req, &state);
    let lang = Lang::of(&req);
    if !password_matches(&state, viewer.id, &form.password).await? {
        forms
            .email
            .refuse("password", Refusal::new("account.wrong_password"));
        return page(&req, &state, &hb, &viewer, forms, None).await;
    }
    let v = viewer.clone();
    state
        .db(move |conn| store::request_email_change(conn, &origin, &v, lang, &email))
        .await?;
    Ok(back_to_account("email"))
}

/// The link in the email to the new address: the address becomes the account's, verified.
pub async fn confirm_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let origin = Origin::of(&req, &state);
    let changed = state
        .db(move |conn| store::confirm_email_change(conn, &origin, &token))
        .await?;
    match changed {
        true => notice(&req, &hb, "account.email_changed", StatusCode::OK),
        false => notice(&req, &hb, "auth.link_invalid", StatusCode::BAD_REQUEST),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current: String,
    password: String,
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let mut forms = Forms::default();
    let Some(new) = forms.password.check(
        "password",
        NewPassword::parse(&form.password, Some(&viewer.email)),
    ) else {
        return page(&req, &state, &hb, &viewer, forms, None).await;
    };
    let origin = Origin::of(&req, &state);
    let v = viewer.clone();
    let lang = Lang::of(&req);
    if !password_matches(&state, v.id, &form.current).await? {
        forms
            .password
            .refuse("current", Refusal::new("account.wrong_password"));
        return page(&req, &state, &hb, &viewer, forms, None).await;
    }
    let hash = password::hash_async(new.as_str().to_owned()).await?;
    state
        .db(move |conn| store::change_password(conn, &origin, &v, lang, &hash))
        .await?;
    Ok(back_to_account("password"))
}

/// The choices per kind of notification: `<kind>=<delivery>` for every kind one chooses.
pub async fn update_notifications(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse> {
    let form = form.into_inner();
    check_csrf(&req, form.get("csrf").map_or("", String::as_str))?;
    let mut forms = Forms::default();
    let f = &mut forms.notifications;
    let mut choices = Vec::new();
    for kind in Kind::ALL.into_iter().filter(|k| k.choosable()) {
        let typed = form.get(kind.code()).map_or("", String::as_str);
        f.keep(kind.code(), typed);
        let chosen =
            Delivery::parse(typed).ok_or_else(|| Refusal::new("account.notifications.choose"));
        if let Some(delivery) = f.check(kind.code(), chosen) {
            choices.push((kind, delivery));
        }
    }
    if f.has_errors() {
        return page(&req, &state, &hb, &viewer, forms, None).await;
    }
    let id = viewer.id;
    state
        .db(move |conn| inbox::set_preferences(conn, id, &choices))
        .await?;
    Ok(back_to_account("notifications"))
}

pub async fn resend_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let origin = Origin::of(&req, &state);
    let lang = Lang::of(&req);
    if !viewer.verified() {
        state
            .db(move |conn| store::resend_verification(conn, &origin, &viewer, lang))
            .await?;
    }
    Ok(back_to_account("verification"))
}

pub async fn end_all_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let ip = Origin::of(&req, &state).ip;
    state
        .db(move |conn| store::end_all_sessions(conn, viewer.id, ip.as_deref()))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/login"))
        .cookie(session::cookie(&req, None))
        .finish())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(rename = "delete_password")]
    password: String,
    confirm: Option<String>,
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let origin = Origin::of(&req, &state);
    let id = viewer.id;
    // An organisation always has someone who can invite and hand over.
    let refused = if form.confirm.is_none() {
        Some(("confirm", "account.delete.confirm_required"))
    } else if state
        .db(move |conn| store::represents_an_organisation(conn, id))
        .await?
    {
        Some(("confirm", "account.delete.representative"))
    } else if !password_matches(&state, id, &form.password).await? {
        Some(("password", "account.wrong_password"))
    } else {
        None
    };
    if let Some((field, key)) = refused {
        let mut forms = Forms::default();
        forms.delete.refuse(field, Refusal::new(key));
        return page(&req, &state, &hb, &viewer, forms, None).await;
    }
    state
        .db(move |conn| store::delete_account(conn, &origin, id))
        .await?;
    let mut response = notice(&req, &hb, "account.deleted", StatusCode::OK)?;
    response
        .add_cookie(&session::cookie(&req, None))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(response)
}

/// GET shows a button (link scanners must not unsubscribe anyone); POST is the one-click
/// unsubscribe of RFC 8058, authorised by the token itself.
pub async fn unsubscribe_form(
    req: HttpRequest,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let title = translate(lang, "unsubscribe.title", &[]);
    render_page(
        &req,
        &hb,
        "auth/unsubscribe",
        &title,
        &[],
        &json!({ "token": query.token }),
    )
}

pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let done = state
        .db(move |conn| store::unsubscribe_by_token(conn, &token))
        .await?;
    match done {
        true => notice(&req, &hb, "unsubscribe.done", StatusCode::OK),
        false => notice(&req, &hb, "auth.link_invalid", StatusCode::BAD_REQUEST),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account/profile", web::post().to(update_profile))
        .route("/account/email", web::post().to(change_email))
        .route("/account/email/confirm", web::get().to(confirm_email))
        .route("/account/password", web::post().to(change_password))
        .route(
            "/account/notifications",
            web::post().to(update_notifications),
        )
        .route("/account/verification", web::post().to(resend_verification))
        .route("/account/sessions/end", web::post().to(end_all_sessions))
        .route("/account/delete", web::post().to(delete))
        .route("/unsubscribe", web::get().to(unsubscribe_form))
        .route("/unsubscribe", web::post().to(unsubscribe));
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_confirmation_has_its_text() {
        crate::web::i18n::assert_keys("account.done.", super::DONE);
    }
}
