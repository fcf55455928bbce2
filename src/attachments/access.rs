//! Who may see and who may change an owner's attachments: each owner's domain supplies its
//! rules as a [`Policy`] and `app` registers them ([`Policies`]), so that serving and
//! uploading ask one place and `attachments` never imports its owners. Anyone not allowed to
//! see gets 404, so a private owner's files do not reveal that it exists.

use super::{Owner, OwnerKind};
use crate::error::Result;
use diesel::PgConnection;
use uuid::Uuid;

/// Whether everybody may see the files (shared caches may keep them) or only some people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

/// An owner's rules for its files.
#[derive(Clone, Copy)]
pub struct Policy {
    /// Whether the viewer (`None`: nobody signed in) may see the files; `NotFound` if not.
    pub visibility: fn(&mut PgConnection, &Owner, Option<Uuid>) -> Result<Visibility>,
    /// Authorises the actor to add or remove files, locking the owner's row for the rest of
    /// the transaction.
    pub lock_for_change: fn(&mut PgConnection, &Owner, Uuid) -> Result<()>,
}

/// The policy of each kind of owner.
#[derive(Clone, Copy)]
pub struct Policies {
    pub proposal: Policy,
    /// A consultation's documents and its paper opinions' scans.
    pub consultation: Policy,
    /// A meeting's files, public with its minutes.
    pub meeting: Policy,
}

impl Policies {
    pub fn of(&self, kind: OwnerKind) -> Policy {
        match kind {
            OwnerKind::Proposal => self.proposal,
            OwnerKind::Consultation | OwnerKind::ConsultationComment => self.consultation,
            OwnerKind::Meeting => self.meeting,
        }
    }
}
