//! The notifications inbox page (`/account/notifications`, お知らせ一覧): what the account was
//! told, newest first, read or unread; one or all can be marked read.

use crate::error::{Error, Result};
use crate::notify::inbox;
use crate::web::forms::CsrfOnly;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::{page_number, Pager, PER_PAGE};
use crate::web::present;
use crate::web::visitor::{check_csrf, Viewer};
use crate::web::{render_page, AppState, Crumb, Templates};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse> {
    let page = page_number(query.page.as_deref());
    let id = viewer.id;
    let mut entries = state.db(move |conn| inbox::page(conn, id, page)).await?;
    let more = entries.len() as i64 > PER_PAGE;
    entries.truncate(PER_PAGE as usize);
    let lang = Lang::of(&req);
    let title = translate(lang, "inbox.title", &[]);
    let crumbs = [
        Crumb {
            label: translate(lang, "crumb.home", &[]),
            href: Some("/".into()),
        },
        Crumb {
            label: translate(lang, "account.title", &[]),
            href: Some("/account".into()),
        },
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "summary": e.summary,
                "link": e.link,
                "at": present::date_time(lang, e.created_at),
                "unread": e.read_at.is_none(),
            })
        })
        .collect();
    let context = json!({
        "entries": rows,
        "unread": viewer.unread,
        "pager": Pager::new("/account/notifications", &[], page, more),
    });
    render_page(&req, &hb, "auth/notifications", &title, &crumbs, &context)
}

fn back_to_inbox() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", "/account/notifications"))
        .finish()
}

/// Marks one notification read; someone else's is not found.
pub async fn mark_read(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (id, account, now) = (path.into_inner(), viewer.id, state.clock.now());
    let mine = state
        .db(move |conn| inbox::mark_read(conn, account, id, now))
        .await?;
    if !mine {
        return Err(Error::NotFound);
    }
    Ok(back_to_inbox())
}

pub async fn mark_all_read(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (account, now) = (viewer.id, state.clock.now());
    state
        .db(move |conn| inbox::mark_all_read(conn, account, now))
        .await?;
    Ok(back_to_inbox())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/notifications", web::get().to(show))
        .route("/account/notifications/read", web::post().to(mark_all_read))
        .route(
            "/account/notifications/{id}/read",
            web::post().to(mark_read),
        );
}
