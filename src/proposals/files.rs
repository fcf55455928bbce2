//! A proposal's attachments (添付ファイル): its rules for the shared attachments
//! ([`crate::attachments`]), registered by `app`. The files are public once the proposal was
//! submitted, as the proposal is; before, a draft and its files are its author's alone.

use super::model::{editable, state_of};
use crate::attachments::access::{Policy, Visibility};
use crate::attachments::Owner;
use crate::db::schema::proposals as p;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

pub const POLICY: Policy = Policy {
    visibility,
    lock_for_change,
};

fn proposal_id(owner: &Owner) -> Result<Uuid> {
    owner.id.parse().map_err(|_| Error::NotFound)
}

/// Public once submitted; before, private to the author (staff get 404 for a draft's files as
/// for the draft, even one withdrawn unsubmitted).
fn visibility(conn: &mut PgConnection, owner: &Owner, viewer: Option<Uuid>) -> Result<Visibility> {
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

/// The author may, while the text may be edited (a draft, or when the city asked for a
/// revision); a stranger gets 404 for a draft and 403 otherwise, as for editing the text.
fn lock_for_change(conn: &mut PgConnection, owner: &Owner, actor: Uuid) -> Result<()> {
    let (author, state): (Uuid, String) = p::table
        .find(proposal_id(owner)?)
        .select((p::author_id, p::state))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let state = state_of(&state)?;
    if author != actor {
        return Err(if state.is_public() {
            Error::forbidden(Refusal::new("msg.proposal_files_author_only"))
        } else {
            Error::NotFound
        });
    }
    if !editable(state) {
        return Err(Refusal::new("msg.proposal_files_not_editable")
            .label("state", state.label_key())
            .into());
    }
    Ok(())
}
