//! Staff pages of meetings (意見を聴く場), for a department's reviewers and admins: the list;
//! the form that creates and edits a meeting, its publication and cancellation (`form`); the
//! meeting's own page with its registrations, where staff enter one taken by phone, at the
//! counter, by email or fax, or cancel one (`work`); and after the meeting, attendance,
//! minutes and the proposals born in it (`after`).

mod after;
mod form;
mod work;

use super::changes::Actor;
use super::model::{self, Meeting};
use super::rules::State;
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::error::{Error, Result};
use crate::web::i18n::{t, Lang};
use crate::web::staff_crumbs;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::PgConnection;
use serde_json::{json, Value};

/// The staff routes of meetings.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/meetings", |r| r.to(list)),
    get("/staff/meetings/new", |r| r.to(form::new_form)),
    post("/staff/meetings", |r| r.to(form::create)),
    get("/staff/meetings/{id}", |r| r.to(work::show)),
    get("/staff/meetings/{id}/edit", |r| r.to(form::edit_form)),
    post("/staff/meetings/{id}/edit", |r| r.to(form::update)),
    post("/staff/meetings/{id}/publish", |r| r.to(form::publish)),
    post("/staff/meetings/{id}/cancel", |r| r.to(form::cancel)),
    post("/staff/meetings/{id}/registrations", |r| r.to(work::enter)),
    post("/staff/meetings/{id}/registrations/cancel", |r| {
        r.to(work::cancel_registration)
    }),
    post("/staff/meetings/{id}/attendance", |r| {
        r.to(after::attendance)
    }),
    post("/staff/meetings/{id}/minutes", |r| r.to(after::minutes)),
    post("/staff/meetings/{id}/attachments", |r| {
        r.to(super::files::attach)
    }),
    post(
        "/staff/meetings/{id}/attachments/{attachment}/remove",
        |r| r.to(super::files::detach),
    ),
    post("/staff/meetings/{id}/proposals", |r| {
        r.to(after::link_proposal)
    }),
    post("/staff/meetings/{id}/proposals/draft", |r| {
        r.to(after::draft_proposal)
    }),
];

/// The state as staff read it (a draft too).
fn state_label(lang: Lang, state: State) -> String {
    match state {
        State::Draft => t(lang, "staff.meetings.draft"),
        state => t(lang, &format!("meeting.state.{}", state.as_str())),
    }
}

/// A meeting's line in lists and the head of its page.
fn summary_json(lang: Lang, m: &Meeting, now: chrono::DateTime<chrono::Utc>) -> Value {
    let state = m.state(now);
    json!({
        "id": m.id,
        "title": m.title,
        "kind": t(lang, m.kind.label()),
        "department": m.department,
        "state": state.as_str(),
        "state_label": state_label(lang, state),
        "when": model::when(lang, m.schedule.starts_at, m.schedule.ends_at),
        "staff_href": format!("/staff/meetings/{}", m.id),
        "public_href": format!("/meetings/{}", m.id),
        "capacity": m.capacity,
        "attendance": m.attendance,
        "attendance_recorded": m.attendance.is_some(),
        "minutes_published": m.minutes_published_at.is_some(),
        "minutes_saved": m.minutes_summary.is_some(),
    })
}

/// `/staff/meetings`: the meetings of the departments the staff member runs (admins: all),
/// latest first, with their seats, attendance and minutes.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let filter = model::Filter {
        drafts: true,
        ..model::Filter::default()
    };
    let (mut meetings, seats) = state
        .db(move |conn| {
            let meetings = model::list(conn, &filter, now)?;
            let ids: Vec<i32> = meetings.iter().map(|m| m.id).collect();
            Ok((meetings, model::seats(conn, &ids)?))
        })
        .await?;
    meetings.retain(|m| {
        staff.may(Action::RunMeetings {
            department: m.department_id,
        })
    });
    meetings.reverse();
    let items: Vec<Value> = meetings
        .iter()
        .map(|m| {
            let mut v = summary_json(lang, m, now);
            v["seats"] = json!(seats.get(&m.id).copied().unwrap_or_default());
            v
        })
        .collect();
    let title = t(lang, "staff.meetings.title");
    crate::web::render_page_as(
        &req,
        &hb,
        "staff/meetings/list",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &json!({ "meetings": items, "may_create": staff.may_somewhere(|department| Action::RunMeetings { department }) }),
        StatusCode::OK,
    )
}

/// The meeting, once its department's staff (or an admin) is known to be asking.
async fn authorise(state: &AppState, staff: &Staff, id: i32) -> Result<Meeting> {
    let meeting = state
        .db(move |conn| model::find(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    staff.require(Action::RunMeetings {
        department: meeting.department_id,
    })?;
    Ok(meeting)
}

/// 403 unless the staff member runs some department's meetings: the new form.
fn require_some_department(staff: &Staff) -> Result<()> {
    staff.require_somewhere(|department| Action::RunMeetings { department })
}

/// Runs `change` on the database as this staff member, now, from their address, with the
/// public address the emails link to.
async fn run<T: Send + 'static>(
    req: &HttpRequest,
    state: &AppState,
    staff: &Staff,
    change: impl FnOnce(&mut PgConnection, Actor, &str) -> Result<T> + Send + 'static,
) -> Result<T> {
    let (now, actor, ip) = (
        state.clock.now(),
        staff.id(),
        crate::web::proxy::client_ip(req),
    );
    let public_url = state.public_url.clone();
    state
        .db(move |conn| {
            let at = Actor {
                now,
                id: actor,
                ip: ip.as_deref(),
            };
            change(conn, at, &public_url)
        })
        .await
}

/// The breadcrumbs of a meeting's staff pages: the list, then the meeting (linked when the
/// page is one below it).
fn crumbs(lang: Lang, meeting: Option<(&str, i32)>, page: Option<&str>) -> Vec<crate::web::Crumb> {
    let list = t(lang, "staff.meetings.title");
    let mut trail: Vec<(&str, Option<String>)> = vec![(&list, Some("/staff/meetings".into()))];
    if let Some((title, id)) = meeting {
        trail.push((title, page.map(|_| format!("/staff/meetings/{id}"))));
    }
    if let Some(page) = page {
        trail.push((page, None));
    }
    staff_crumbs(lang, &trail)
}

/// 404 for a meeting that does not exist, 403 unless the staff member runs its department's
/// meetings: before a file of the meeting is read or removed.
pub(super) async fn authorise_files(state: &AppState, staff: &Staff, id: i32) -> Result<()> {
    authorise(state, staff, id).await.map(|_| ())
}

/// The meeting's staff page again after a refused upload, saying why beside the upload form.
pub(super) async fn refused_upload(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    refusal: &crate::attachments::sniff::Refusal,
) -> Result<HttpResponse> {
    let mut page = crate::web::forms::FormPage::default();
    page.refuse("file", refusal.refusal());
    work::page(
        req,
        hb,
        state,
        staff,
        id,
        Some(("upload", &page)),
        refusal.status(),
    )
    .await
}
