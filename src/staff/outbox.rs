//! `/staff/outbox`: emails that failed after their last try (with the error) and the ones still
//! waiting, with a button that tries a failed one again. Admins only.

use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::db::schema::outbox as ob;
use crate::error::{Error, Result};
use crate::notify::{self, OutboxEntry};
use crate::wareki::jst;
use crate::web::forms::CsrfOnly;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::PER_PAGE;
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Serialize)]
struct EmailView {
    id: i64,
    to: String,
    subject: String,
    attempts: i32,
    last_error: Option<String>,
    when: String,
}

fn jst_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&jst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn view(e: OutboxEntry, at: DateTime<Utc>) -> EmailView {
    EmailView {
        id: e.id,
        to: e.to_address,
        subject: e.subject,
        attempts: e.attempts,
        last_error: e.last_error,
        when: jst_time(at),
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageOutbox)?;
    let (failed, pending) = state
        .db(|conn| {
            let failed = notify::outbox::failed(conn, PER_PAGE * 2)?;
            let pending: Vec<OutboxEntry> = ob::table
                .filter(ob::sent_at.is_null())
                .filter(ob::failed_at.is_null())
                .order((ob::next_attempt_at, ob::id))
                .limit(PER_PAGE * 2)
                .select(OutboxEntry::as_select())
                .load(conn)?;
            Ok((failed, pending))
        })
        .await?;
    let failed: Vec<EmailView> = failed
        .into_iter()
        .map(|e| {
            let at = e.failed_at.unwrap_or(e.created_at);
            view(e, at)
        })
        .collect();
    let pending: Vec<EmailView> = pending
        .into_iter()
        .map(|e| {
            let at = e.next_attempt_at;
            view(e, at)
        })
        .collect();
    let lang = Lang::of(&req);
    let title = translate(lang, "staff.outbox.title", &[]);
    let done = query
        .done
        .as_deref()
        .filter(|d| *d == "retried")
        .map(|_| translate(lang, "staff.outbox.done", &[]));
    let context = json!({ "failed": failed, "pending": pending, "done": done });
    render_page_as(
        &req,
        &hb,
        "staff/outbox",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        StatusCode::OK,
    )
}

pub async fn retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageOutbox)?;
    check_csrf(&req, &form.csrf)?;
    let id: i64 = path.parse().map_err(|_| Error::NotFound)?;
    let (actor, ip) = (staff.id(), crate::web::proxy::client_ip(&req));
    let retried = state
        .db(move |conn| {
            conn.transaction(|conn| {
                let Some(entry) = notify::outbox::get(conn, id)? else { return Ok(false) };
                if !notify::retry(conn, id)? {
                    return Ok(false);
                }
                crate::audit::staff_action(
                    conn,
                    ip.as_deref(),
                    actor,
                    "outbox.retry",
                    Some(("outbox", id.to_string())),
                    json!({ "to": entry.to_address, "subject": entry.subject, "attempts": entry.attempts, "last_error": entry.last_error }),
                )?;
                Ok(true)
            })
        })
        .await?;
    if !retried {
        return Err(Error::NotFound);
    }
    Ok(see_other("/staff/outbox?done=retried"))
}
