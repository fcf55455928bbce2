//! The moderation pages beside the queue: the admins' auto-hide threshold
//! (`/staff/moderation/settings`) and posting blocks (`/staff/moderation/blocks`, 投稿停止),
//! which moderators of any department and admins manage.

use super::blocks;
use super::moderation::{moderator, scope};
use super::policy::{parse_block, parse_threshold, BLOCK_DAYS};
use crate::audit::{self, Entry};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::db::schema::moderation_settings as ms;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::CsrfOnly;
use crate::web::i18n::{t, translate, Lang};
use crate::web::visitor::check_csrf;
use crate::web::{render_page_as, see_other, staff_crumbs, AppState, Templates};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

const MODERATION: &str = "/staff/moderation";
const BLOCKS: &str = "/staff/moderation/blocks";

fn crumbs(lang: Lang, title: &str) -> Vec<crate::web::Crumb> {
    let moderation = t(lang, "staff.moderation.title");
    staff_crumbs(
        lang,
        &[(&moderation, Some(MODERATION.to_owned())), (title, None)],
    )
}

fn settings_page(
    req: &HttpRequest,
    hb: &Templates,
    value: &str,
    error: Option<Refusal>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let title = t(lang, "staff.moderation.settings_title");
    render_page_as(
        req,
        hb,
        "staff/moderation_settings",
        &title,
        &crumbs(lang, &title),
        &json!({ "value": value, "error": error }),
        status,
    )
}

/// GET `/staff/moderation/settings`: admins only.
pub async fn settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ConfigureModeration)?;
    let n = state.db(super::auto_hide_threshold).await?;
    settings_page(&req, &hb, &n.to_string(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    threshold: String,
}

/// POST `/staff/moderation/settings`: saves the threshold, with its audit entry.
pub async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    staff.require(Action::ConfigureModeration)?;
    let n = match parse_threshold(&form.threshold) {
        Ok(n) => n,
        Err(error) => {
            return settings_page(
                &req,
                &hb,
                &form.threshold,
                Some(error),
                StatusCode::BAD_REQUEST,
            )
        }
    };
    let by = staff.id();
    let ip = crate::web::proxy::client_ip(&req);
    let now = state.clock.now();
    state
        .db(move |conn| {
            conn.transaction(|conn| {
                diesel::insert_into(ms::table)
                    .values((
                        ms::id.eq(true),
                        ms::auto_hide_reports.eq(n),
                        ms::updated_by.eq(by),
                        ms::updated_at.eq(now),
                    ))
                    .on_conflict(ms::id)
                    .do_update()
                    .set((
                        ms::auto_hide_reports.eq(n),
                        ms::updated_by.eq(by),
                        ms::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    Entry {
                        actor: Some(by),
                        action: "moderation.settings",
                        record: None,
                        ip: ip.as_deref(),
                        details: json!({ "auto_hide_reports": n }),
                    },
                )
            })
        })
        .await?;
    Ok(see_other(MODERATION))
}

/// A block form as posted, to show again with its messages.
#[derive(Deserialize, Default)]
pub struct BlockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    length: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
pub struct BlocksQuery {
    account: Option<String>,
}

fn account_id(raw: &str) -> Result<Uuid> {
    raw.trim()
        .parse()
        .map_err(|_| Error::Refused(Refusal::new("msg.form_unreadable")))
}

/// The blocks page: the blocks in force, and the form for `account` when one is named.
async fn blocks_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    form: Option<(Uuid, &BlockForm, HashMap<&'static str, Refusal>)>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let now = state.clock.now();
    let account = form.as_ref().map(|(id, _, _)| *id);
    let (list, name) = state
        .db(move |conn| {
            let name = account
                .map(|id| blocks::account_name(conn, id))
                .transpose()?;
            Ok((blocks::in_force(conn, now)?, name))
        })
        .await?;
    let lang = Lang::of(req);
    let title = t(lang, "staff.blocks.title");
    let form = form.map(|(id, posted, errors)| {
        let length = if posted.length.is_empty() {
            "7"
        } else {
            posted.length.as_str()
        };
        let mut options: Vec<_> = BLOCK_DAYS
            .iter()
            .map(|d| {
                json!({
                    "value": d.to_string(),
                    "label": translate(lang, "staff.blocks.days", &[("days", d.to_string())]),
                    "checked": length == d.to_string(),
                })
            })
            .collect();
        options.push(json!({
            "value": "date",
            "label": t(lang, "staff.blocks.until_date"),
            "checked": length == "date",
        }));
        json!({
            "heading": translate(lang, "staff.blocks.new", &[("name", name.clone().unwrap_or_default())]),
            "account": id.to_string(),
            "options": options,
            "until": posted.until,
            "reason": posted.reason,
            "errors": errors,
        })
    });
    let context = json!({
        "form": form,
        "blocks": list.iter().map(|b| json!({
            "name": crate::auth::fields::shown_name(lang, &b.name),
            "reason": b.reason,
            "since": crate::web::present::date_time(lang, b.starts_at),
            "until": crate::web::present::date_time(lang, b.ends_at),
            "lift_action": format!("{BLOCKS}/{}/lift", b.id),
            "account": b.account.to_string(),
        })).collect::<Vec<_>>(),
    });
    render_page_as(
        req,
        hb,
        "staff/blocks",
        &title,
        &crumbs(lang, &title),
        &context,
        status,
    )
}

/// GET `/staff/moderation/blocks[?account=ID]`.
pub async fn blocks(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<BlocksQuery>,
) -> Result<HttpResponse> {
    scope(&staff)?;
    let form = match query.account.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(account_id(raw)?),
    };
    let empty = BlockForm::default();
    blocks_page(
        &req,
        &state,
        &hb,
        form.map(|id| (id, &empty, HashMap::new())),
        StatusCode::OK,
    )
    .await
}

/// POST `/staff/moderation/blocks`: blocks the account; the form shows again with what to fix.
pub async fn block(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<BlockForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    scope(&staff)?;
    let account = account_id(&form.account)?;
    let now = state.clock.now();
    let request = match parse_block(&form.length, &form.until, &form.reason, now) {
        Ok(request) => request,
        Err((field, error)) => {
            let errors = HashMap::from([(field, error)]);
            return blocks_page(
                &req,
                &state,
                &hb,
                Some((account, &form, errors)),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let ip = crate::web::proxy::client_ip(&req);
    let public_url = state.public_url.clone();
    state
        .db(move |conn| {
            blocks::block(
                conn,
                &moderator(&staff, ip.as_deref(), &public_url, now),
                account,
                &request,
            )
        })
        .await?;
    Ok(see_other(BLOCKS))
}

/// POST `/staff/moderation/blocks/{id}/lift`.
pub async fn lift(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    scope(&staff)?;
    let ip = crate::web::proxy::client_ip(&req);
    let public_url = state.public_url.clone();
    let now = state.clock.now();
    let block = id.into_inner();
    state
        .db(move |conn| {
            blocks::lift(
                conn,
                &moderator(&staff, ip.as_deref(), &public_url, now),
                block,
            )
        })
        .await?;
    Ok(see_other(BLOCKS))
}
