//! `/staff/moderation` (コメントの管理): the reported and pending comments of the departments
//! a moderator moderates (all for an admin), hidden comments to restore, and pre-moderation
//! per measure. Each action is authorised again on its comment's subject inside
//! `comments::moderate`.

use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::comments::rules::moderated_departments;
use crate::comments::{self, Moderation, Moderator, QueuePart, Queued, Subject};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::CsrfOnly;
use crate::web::i18n::{translate, Lang};
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// The moderation routes.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/moderation", |r| r.to(queue)),
    post("/staff/moderation/{id}/hide", |r| r.to(hide)),
    post("/staff/moderation/{id}/restore", |r| r.to(restore)),
    post("/staff/moderation/{id}/approve", |r| r.to(approve)),
    post("/staff/moderation/{id}/dismiss", |r| r.to(dismiss)),
    post("/staff/moderation/premoderation", |r| r.to(premoderation)),
    get("/staff/moderation/settings", |r| {
        r.to(super::moderation_staff::settings)
    }),
    post("/staff/moderation/settings", |r| {
        r.to(super::moderation_staff::save_settings)
    }),
    get("/staff/moderation/blocks", |r| {
        r.to(super::moderation_staff::blocks)
    }),
    post("/staff/moderation/blocks", |r| {
        r.to(super::moderation_staff::block)
    }),
    post("/staff/moderation/blocks/{id}/lift", |r| {
        r.to(super::moderation_staff::lift)
    }),
];

const PATH: &str = "/staff/moderation";

/// The departments this person moderates (`None`: all); `Forbidden` for staff who moderate none.
pub(super) fn scope(staff: &Staff) -> Result<Option<Vec<i32>>> {
    staff.require(Action::ViewStaffArea)?;
    let scope = moderated_departments(&staff.grants);
    if scope.as_ref().is_some_and(Vec::is_empty) {
        return Err(Error::forbidden(crate::auth::roles::refused(
            Action::ModerateComments { department: 0 },
        )));
    }
    Ok(scope)
}

/// A hide form refused for want of a reason: shown again with the message, the text kept.
struct HideError {
    comment: Uuid,
    reason: String,
    error: Refusal,
}

fn subject_json(lang: Lang, subject: &Subject) -> Value {
    let label = match subject {
        Subject::Proposal(_) => translate(lang, "proposals.list.title", &[]),
        Subject::Measure(code) => format!(
            "{} {code}",
            translate(lang, "staff.moderation.col_measure", &[])
        ),
    };
    json!({ "label": label, "href": subject.path() })
}

fn queued_json(lang: Lang, q: &Queued, hide: Option<&HideError>) -> Value {
    let c = &q.comment;
    let hide = hide.filter(|h| h.comment == c.id);
    json!({
        "id": c.id.to_string(),
        "author": crate::auth::fields::shown_name(lang, &c.author_name),
        "organisation": c.organisation.as_ref().map(|(_, name, _)| name),
        "date": crate::web::present::date(lang, c.created_at),
        "datetime": crate::wareki::datetime_attr(&c.created_at),
        // Staff read the text of hidden comments too, to decide on restoring them.
        "body_html": comments::body_html(&c.body),
        "subject": subject_json(lang, &q.subject),
        "reports": q.reports.iter().map(|(category, note)| comments::report_line(lang, category, note)).collect::<Vec<_>>(),
        "pending": c.pending,
        "auto_hidden": c.auto_hidden,
        "hidden": comments::view::hidden_notice(lang, c),
        "block_href": format!("{PATH}/blocks?account={}", c.author_id),
        "hide": {
            "id": format!("hide-{}", c.id),
            "action": format!("{PATH}/{}/hide", c.id),
            "value": hide.map(|h| h.reason.as_str()).unwrap_or(""),
            "error": hide.map(|h| &h.error),
        },
        "restore_action": format!("{PATH}/{}/restore", c.id),
        "approve_action": format!("{PATH}/{}/approve", c.id),
        "dismiss_action": format!("{PATH}/{}/dismiss", c.id),
    })
}

async fn show(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    staff: &Staff,
    hide: Option<HideError>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let scope = scope(staff)?;
    let (open, hidden, measures, threshold) = state
        .db(move |conn| {
            let scope = scope.as_deref();
            Ok((
                comments::queue(conn, scope, QueuePart::Open)?,
                comments::queue(conn, scope, QueuePart::Hidden)?,
                comments::moderated_measures(conn, scope)?,
                comments::auto_hide_threshold(conn)?,
            ))
        })
        .await?;
    let lang = Lang::of(req);
    let title = translate(lang, "staff.moderation.title", &[]);
    let on = translate(lang, "staff.moderation.premoderation_on", &[]);
    let off = translate(lang, "staff.moderation.premoderation_off", &[]);
    let context = json!({
        "threshold": translate(lang, "staff.moderation.threshold_state", &[("count", threshold.to_string())]),
        "admin": staff.grants.iter().any(|g| g.role == crate::auth::roles::Role::Admin),
        "open": open.iter().map(|q| queued_json(lang, q, hide.as_ref())).collect::<Vec<_>>(),
        "hidden": hidden.iter().map(|q| queued_json(lang, q, None)).collect::<Vec<_>>(),
        "measures": measures.iter().map(|(code, name, premoderated)| json!({
            "code": code,
            "title": name,
            "href": format!("/measures/{code}"),
            "state": if *premoderated { &on } else { &off },
            "on": !premoderated,
            "button": translate(lang, if *premoderated { "staff.moderation.turn_off" } else { "staff.moderation.turn_on" }, &[]),
        })).collect::<Vec<_>>(),
    });
    render_page_as(
        req,
        hb,
        "staff/moderation",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        status,
    )
}

/// GET `/staff/moderation`.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    show(&req, &state, &hb, &staff, None, StatusCode::OK).await
}

pub(super) fn moderator<'a>(
    staff: &'a Staff,
    ip: Option<&'a str>,
    public_url: &'a str,
    now: DateTime<Utc>,
) -> Moderator<'a> {
    Moderator {
        id: staff.id(),
        grants: &staff.grants,
        ip,
        public_url,
        now,
    }
}

async fn apply(
    req: &HttpRequest,
    state: &AppState,
    staff: Staff,
    comment: Uuid,
    what: Moderation,
) -> Result<HttpResponse> {
    scope(&staff)?;
    let ip = crate::web::proxy::client_ip(req);
    let public_url = state.public_url.clone();
    let now = state.clock.now();
    state
        .db(move |conn| {
            comments::moderate(
                conn,
                &moderator(&staff, ip.as_deref(), &public_url, now),
                comment,
                &what,
            )
        })
        .await?;
    Ok(see_other(PATH))
}

/// A moderation that needs no reason: restore, approve or dismiss.
async fn without_reason(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    comment: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
    what: Moderation,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    apply(&req, &state, staff, comment.into_inner(), what).await
}

/// POST `/staff/moderation/{id}/restore`: shows a hidden comment again.
pub async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    comment: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    without_reason(req, state, staff, comment, form, Moderation::Restore).await
}

/// POST `/staff/moderation/{id}/approve`: publishes a pre-moderated comment.
pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    comment: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    without_reason(req, state, staff, comment, form, Moderation::Approve).await
}

/// POST `/staff/moderation/{id}/dismiss`: closes the open reports, the comment unchanged.
pub async fn dismiss(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    comment: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    without_reason(req, state, staff, comment, form, Moderation::Dismiss).await
}

#[derive(Deserialize)]
pub struct HideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// POST `/staff/moderation/{id}/hide`: a reason is required; it is kept and shown.
pub async fn hide(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    comment: web::Path<Uuid>,
    form: web::Form<HideForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let comment = comment.into_inner();
    match comments::parse_reason(&form.reason) {
        Ok(reason) => apply(&req, &state, staff, comment, Moderation::Hide(reason)).await,
        Err(error) => {
            let hide = HideError {
                comment,
                reason: form.reason.clone(),
                error,
            };
            show(
                &req,
                &state,
                &hb,
                &staff,
                Some(hide),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct PremoderationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    on: String,
}

/// POST `/staff/moderation/premoderation`: turns pre-moderation of a measure on (`on=1`) or off.
pub async fn premoderation(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<PremoderationForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    scope(&staff)?;
    let code = form
        .measure
        .trim()
        .parse::<crate::plan::model::MeasureCode>()?
        .to_string();
    let on = form.on == "1";
    let ip = crate::web::proxy::client_ip(&req);
    let public_url = state.public_url.clone();
    let now = state.clock.now();
    state
        .db(move |conn| {
            comments::measure::require_measure(conn, &code)?;
            comments::set_premoderation(
                conn,
                &moderator(&staff, ip.as_deref(), &public_url, now),
                &Subject::Measure(code),
                on,
            )
        })
        .await?;
    Ok(see_other(PATH))
}
