//! Who may see and who may change an owner's attachments: the owner's own rules, applied here
//! so that serving and uploading ask one place. Anyone not allowed to see gets 404, so a
//! private owner's files do not reveal that it exists.

use super::{Owner, OwnerKind};
use crate::db::schema::proposals as p;
use crate::error::{Error, Result};
use crate::proposals::model::editable;
use crate::proposals::workflow::{self, State};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// Whether everybody may see the files (shared caches may keep them) or only some people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

fn proposal_id(owner: &Owner) -> Result<Uuid> {
    owner.id.parse().map_err(|_| Error::NotFound)
}

fn proposal_state(raw: &str) -> Result<State> {
    raw.parse()
        .map_err(|e: String| Error::Internal(format!("proposal state: {e}")))
}

/// Whether `viewer` may see the owner's attachments. A proposal's are public once it was
/// submitted (as the proposal is); before, a draft and its files are its author's alone, as
/// the draft's page is (staff get 404 for both, even a draft withdrawn unsubmitted).
pub fn visibility(
    conn: &mut PgConnection,
    owner: &Owner,
    viewer: Option<Uuid>,
) -> Result<Visibility> {
    match owner.kind {
        OwnerKind::Proposal => {
            let (author, submitted): (Uuid, Option<DateTime<Utc>>) = p::table
                .find(proposal_id(owner)?)
                .select((p::author_id, p::submitted_at))
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound)?;
            match (submitted, viewer) {
                (Some(_), _) => Ok(Visibility::Public),
                (None, Some(viewer)) if viewer == author => Ok(Visibility::Private),
                (None, _) => Err(Error::NotFound),
            }
        }
        // Consultations bring their own rule (documents public, scans for their staff).
        OwnerKind::Consultation | OwnerKind::ConsultationComment => {
            crate::consultations::files::visibility(conn, owner, viewer)
        }
    }
}

/// Authorises `actor` to add or remove the owner's attachments, locking the owner's row for
/// the rest of the transaction. A proposal's author may, while the text may be edited (a
/// draft, or when the city asked for a revision); a stranger gets 404 for a draft and 403
/// otherwise, as for editing the text.
pub fn lock_for_change(conn: &mut PgConnection, owner: &Owner, actor: Uuid) -> Result<()> {
    match owner.kind {
        OwnerKind::Proposal => {
            let (author, state): (Uuid, String) = p::table
                .find(proposal_id(owner)?)
                .select((p::author_id, p::state))
                .for_update()
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound)?;
            let state = proposal_state(&state)?;
            if author != actor {
                return Err(if state.is_public() {
                    Error::Forbidden(
                        "この提案の添付ファイルを変更できるのは提案者だけです。".into(),
                    )
                } else {
                    Error::NotFound
                });
            }
            if !editable(state) {
                return Err(Error::BadRequest(format!(
                    "この提案は現在「{}」のため、添付ファイルを変更できません。",
                    workflow::label(state)
                )));
            }
            Ok(())
        }
        OwnerKind::Consultation | OwnerKind::ConsultationComment => {
            crate::consultations::files::lock_for_change(conn, owner, actor)
        }
    }
}
