//! Staff pages of consultations: the list; a new consultation and its draft, previewed and
//! announced (公示) by admins (`drafts`); a consultation's work page for its department's
//! reviewers (`work`), where they type in an opinion that came on paper, by post, fax, email or
//! at the counter (`opinions`), write the result table (意見の要旨 / 市の考え方 / 修正の有無),
//! exclude opinions with their reason and publish (`result`); and where admins correct (正誤),
//! extend or withdraw (中止) an announced one, each with its public notice (`amendments`).

mod amendments;
mod drafts;
pub mod imports;
mod opinions;
mod result;
mod work;

/// The files' upload pages come back to the work page when they refuse a file.
pub(super) use work::refused_upload;

use super::handlers::summary_json;
use super::model::{self, SectionRow};
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
use serde_json::{json, Value};

/// The staff routes of consultations.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/consultations", |r| r.to(list)),
    get("/staff/consultations/new", |r| r.to(drafts::new_form)),
    post("/staff/consultations", |r| r.to(drafts::create)),
    get("/staff/consultations/{id}", |r| r.to(work::show)),
    get("/staff/consultations/{id}/edit", |r| {
        r.to(drafts::edit_form)
    }),
    post("/staff/consultations/{id}/edit", |r| r.to(drafts::update)),
    post("/staff/consultations/{id}/comments", |r| {
        r.to(opinions::enter)
    }),
    post("/staff/consultations/{id}/items", |r| {
        r.to(result::add_item)
    }),
    post("/staff/consultations/{id}/exclude", |r| {
        r.to(result::exclude)
    }),
    post("/staff/consultations/{id}/publish", |r| {
        r.to(result::publish)
    }),
    get("/staff/consultations/{id}/preview", |r| {
        r.to(drafts::preview)
    }),
    post("/staff/consultations/{id}/announce", |r| {
        r.to(drafts::announce)
    }),
    post("/staff/consultations/{id}/correct", |r| {
        r.to(amendments::correct)
    }),
    post("/staff/consultations/{id}/extend", |r| {
        r.to(amendments::extend)
    }),
    post("/staff/consultations/{id}/withdraw", |r| {
        r.to(amendments::withdraw)
    }),
];

/// `/staff/consultations`: every consultation, for anyone holding a role.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let rows = state.db(model::list).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|(c, n)| {
            let mut v = summary_json(lang, c, now);
            v["staff_href"] = json!(format!("/staff/consultations/{}", c.id));
            v["comment_count"] = json!(n);
            v["may_work"] = json!(staff.may(Action::WorkConsultation {
                department: c.department_id
            }));
            v
        })
        .collect();
    let title = t(lang, "staff.consultations.title");
    crate::web::render_page_as(
        &req,
        &hb,
        "staff/consultations",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &json!({ "consultations": items, "may_create": staff.may(Action::CreateConsultations) }),
        StatusCode::OK,
    )
}

/// The sections as the forms take them: each a `## heading` line, then its body.
fn sections_text(sections: &[SectionRow]) -> String {
    sections
        .iter()
        .map(|s| format!("## {}\n{}", s.heading, s.body))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The consultation, once its department's staff (or an admin) is known to be asking: the
/// check before any change.
async fn authorise(state: &AppState, staff: &Staff, id: i32) -> Result<model::Consultation> {
    let c = state
        .db(move |conn| model::find(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    staff.require(Action::WorkConsultation {
        department: c.department_id,
    })?;
    Ok(c)
}
