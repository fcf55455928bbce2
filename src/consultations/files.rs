//! A consultation's documents (資料: the draft as PDF, figures) and the scans of opinions that
//! came on paper, through the shared attachments (`crate::attachments`). The rules: documents
//! are public like the consultation (a draft's only for its staff); scans hold names and
//! addresses, so only the staff who may work the consultation (its department's reviewers,
//! admins) see or change either.

use super::model;
use crate::attachments::access::{Policy, Visibility};
use crate::attachments::{self, Owner, OwnerKind};
use crate::auth::roles::Action;
use crate::auth::staff::grants_of;
use crate::auth::staff::Staff;
use crate::db::schema::consultation_comments as cc;
use crate::error::{Error, Result};
use crate::web::forms::CsrfOnly;
use crate::web::proxy::client_ip;
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use uuid::Uuid;

/// The rules of a consultation's files, registered by `app`.
pub const POLICY: Policy = Policy {
    visibility,
    lock_for_change,
};

/// The consultation an owner belongs to.
fn consultation_of(conn: &mut PgConnection, owner: &Owner) -> Result<model::Consultation> {
    let id: i32 = owner.id.parse().map_err(|_| Error::NotFound)?;
    let consultation = match owner.kind {
        OwnerKind::Consultation => id,
        OwnerKind::ConsultationComment => cc::table
            .find(id)
            .select(cc::consultation_id)
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?,
        OwnerKind::Proposal | OwnerKind::Meeting => return Err(Error::NotFound),
    };
    model::find(conn, consultation)?.ok_or(Error::NotFound)
}

fn may_work(conn: &mut PgConnection, account: Uuid, department: i32) -> Result<bool> {
    Ok(crate::auth::roles::allows(
        &grants_of(conn, account)?,
        Action::WorkConsultation { department },
    ))
}

/// Who sees a consultation's files: the documents of an announced one everyone; a draft's
/// documents and a scan only its staff (404 for anyone else, so nobody learns it exists).
/// Announced means `published_at` is set: this rule has no clock, and the announcement is
/// written at the app's "now".
fn visibility(conn: &mut PgConnection, owner: &Owner, viewer: Option<Uuid>) -> Result<Visibility> {
    let c = consultation_of(conn, owner)?;
    let department = c.department_id;
    if owner.kind == OwnerKind::Consultation && c.published_at.is_some() {
        return Ok(Visibility::Public);
    }
    match viewer {
        Some(viewer) if may_work(conn, viewer, department)? => Ok(Visibility::Private),
        _ => Err(Error::NotFound),
    }
}

/// Only the consultation's staff add or remove its files; the consultation row is locked for
/// the rest of the transaction.
fn lock_for_change(conn: &mut PgConnection, owner: &Owner, actor: Uuid) -> Result<()> {
    let c = consultation_of(conn, owner)?;
    let (id, department) = (c.id, c.department_id);
    model::lock(conn, id)?;
    if !may_work(conn, actor, department)? {
        return Err(Error::forbidden(crate::auth::roles::refused(
            Action::WorkConsultation { department },
        )));
    }
    Ok(())
}

/// Uploads a file for `owner` (multipart: `csrf`, then `file`) and returns to the staff page;
/// a refused file is said there. An owner of another consultation than the path's is a 404.
async fn upload(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    consultation: i32,
    owner: Owner,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let asked = owner.clone();
    let c = state.db(move |conn| consultation_of(conn, &asked)).await?;
    let (of, department) = (c.id, c.department_id);
    if of != consultation {
        return Err(Error::NotFound);
    }
    staff.require(Action::WorkConsultation { department })?;
    let scan = owner.kind == OwnerKind::ConsultationComment;
    let stored = match attachments::upload::read(req, payload).await? {
        Ok(file) => {
            let (actor, ip) = (staff.id(), client_ip(req));
            state
                .db(move |conn| {
                    attachments::model::attach(conn, &owner, POLICY, actor, ip.as_deref(), &file)
                })
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    match stored {
        Ok(_) => Ok(see_other(&format!(
            "/staff/consultations/{consultation}#{}",
            if scan { "opinions" } else { "attachments" }
        ))),
        Err(refusal) => {
            super::staff::refused_upload(req, hb, state, staff, consultation, scan, &refusal).await
        }
    }
}

/// `POST /consultations/{id}/attachments`: a document of the consultation.
pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    upload(
        &req,
        &hb,
        &state,
        &staff,
        id,
        Owner::consultation(id),
        payload,
    )
    .await
}

/// `POST /consultations/{id}/opinions/{opinion}/attachments`: the scan of a paper opinion.
pub async fn attach_scan(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i32)>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (id, opinion) = path.into_inner();
    upload(
        &req,
        &hb,
        &state,
        &staff,
        id,
        Owner::consultation_comment(opinion),
        payload,
    )
    .await
}

/// `POST /consultations/{id}/attachments/{attachment}/remove`: removes a document.
pub async fn detach(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(i32, Uuid)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (id, attachment) = path.into_inner();
    let (actor, ip) = (staff.id(), client_ip(&req));
    state
        .db(move |conn| {
            attachments::model::detach(
                conn,
                &Owner::consultation(id),
                POLICY,
                attachment,
                actor,
                ip.as_deref(),
            )
        })
        .await?;
    Ok(see_other(&format!("/staff/consultations/{id}#attachments")))
}
