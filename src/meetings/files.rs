//! A meeting's files (資料: the handouts, the 実施報告 PDF, photos of the workshop's sheets),
//! through the shared attachments (`crate::attachments`). The rules: they are public with the
//! minutes (a published meeting whose minutes are published); before that, and for a draft,
//! only the staff who run the meeting's department's meetings (and admins) see or change them.

use super::model::{self, Meeting};
use crate::attachments::access::{Policy, Visibility};
use crate::attachments::{self, Owner, OwnerKind};
use crate::auth::roles::Action;
use crate::auth::staff::grants_of;
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::web::forms::CsrfOnly;
use crate::web::proxy::client_ip;
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::PgConnection;
use uuid::Uuid;

/// The rules of a meeting's files, registered by `app`.
pub const POLICY: Policy = Policy {
    visibility,
    lock_for_change,
};

/// The meeting's id of an owner (a meeting's own files only).
fn meeting_id(owner: &Owner) -> Result<i32> {
    match owner.kind {
        OwnerKind::Meeting => owner.id.parse().map_err(|_| Error::NotFound),
        _ => Err(Error::NotFound),
    }
}

fn meeting_of(conn: &mut PgConnection, owner: &Owner) -> Result<Meeting> {
    model::find(conn, meeting_id(owner)?)?.ok_or(Error::NotFound)
}

fn may_run(conn: &mut PgConnection, account: Uuid, department: i32) -> Result<bool> {
    Ok(crate::auth::roles::allows(
        &grants_of(conn, account)?,
        Action::RunMeetings { department },
    ))
}

/// Whether the public sees the meeting's files: it is published (not a draft) and so are its
/// minutes. Like the consultations' rule this has no clock: both are written at the app's
/// "now".
pub fn public(meeting: &Meeting) -> bool {
    meeting.schedule.published_at.is_some() && meeting.minutes_published_at.is_some()
}

/// Who sees a meeting's files: everyone once its minutes are published; before that, and for
/// a draft, only its department's meeting staff (404 for anyone else).
fn visibility(conn: &mut PgConnection, owner: &Owner, viewer: Option<Uuid>) -> Result<Visibility> {
    let meeting = meeting_of(conn, owner)?;
    if public(&meeting) {
        return Ok(Visibility::Public);
    }
    match viewer {
        Some(viewer) if may_run(conn, viewer, meeting.department_id)? => Ok(Visibility::Private),
        _ => Err(Error::NotFound),
    }
}

/// Only the meeting's department's staff add or remove its files; the meeting's row is locked
/// for the rest of the transaction.
fn lock_for_change(conn: &mut PgConnection, owner: &Owner, actor: Uuid) -> Result<()> {
    let meeting = super::changes::lock(conn, meeting_id(owner)?)?;
    let department = meeting.department_id;
    if !may_run(conn, actor, department)? {
        return Err(Error::forbidden(crate::auth::roles::refused(
            Action::RunMeetings { department },
        )));
    }
    Ok(())
}

/// The meeting's files, for its pages.
pub fn list(conn: &mut PgConnection, id: i32) -> Result<Vec<attachments::model::Attachment>> {
    attachments::model::list(conn, &Owner::meeting(id))
}

/// `POST /staff/meetings/{id}/attachments` (multipart: `csrf`, then `file`): a file of the
/// meeting, then back to the minutes; a refused file is said beside the upload form.
pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    super::staff::authorise_files(&state, &staff, id).await?;
    let stored = match attachments::upload::read(&req, payload).await? {
        Ok(file) => {
            let (actor, ip) = (staff.id(), client_ip(&req));
            let owner = Owner::meeting(id);
            state
                .db(move |conn| {
                    attachments::model::attach(conn, &owner, POLICY, actor, ip.as_deref(), &file)
                })
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    match stored {
        Ok(_) => Ok(see_other(&format!("/staff/meetings/{id}#attachments"))),
        Err(refusal) => super::staff::refused_upload(&req, &hb, &state, &staff, id, &refusal).await,
    }
}

/// `POST /staff/meetings/{id}/attachments/{attachment}/remove`: removes a file of the meeting.
pub async fn detach(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(i32, Uuid)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (id, attachment) = path.into_inner();
    super::staff::authorise_files(&state, &staff, id).await?;
    let (actor, ip) = (staff.id(), client_ip(&req));
    state
        .db(move |conn| {
            attachments::model::detach(
                conn,
                &Owner::meeting(id),
                POLICY,
                attachment,
                actor,
                ip.as_deref(),
            )
        })
        .await?;
    Ok(see_other(&format!("/staff/meetings/{id}#attachments")))
}
