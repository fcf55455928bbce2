//! Attachments (添付ファイル): PDF and images attached to a proposal — and, reusing the same
//! table and code, to a consultation or a scanned paper comment. The type is decided from the
//! bytes (`sniff`), the size limited while the upload streams (`upload`), the bytes kept in
//! PostgreSQL (`model`), who may see or change them decided per owner (`access`), and files
//! served with headers that stop a browser from running them (`handlers`).

pub mod access;
pub mod handlers;
pub mod model;
pub mod sniff;
pub mod upload;

use std::fmt;
use uuid::Uuid;

/// What an attachment belongs to, as stored in `owner_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Proposal,
    Consultation,
    ConsultationComment,
    /// A meeting's files (資料, 実施報告): owner id = the meeting's id.
    Meeting,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Proposal => "proposal",
            OwnerKind::Consultation => "consultation",
            OwnerKind::ConsultationComment => "consultation_comment",
            OwnerKind::Meeting => "meeting",
        }
    }

    pub fn parse(raw: &str) -> Option<OwnerKind> {
        [
            OwnerKind::Proposal,
            OwnerKind::Consultation,
            OwnerKind::ConsultationComment,
            OwnerKind::Meeting,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

/// The record an attachment belongs to: its kind and its id as text (proposals have uuids,
/// consultations and their comments integer ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub kind: OwnerKind,
    pub id: String,
}

impl Owner {
    pub fn proposal(id: Uuid) -> Owner {
        Owner {
            kind: OwnerKind::Proposal,
            id: id.to_string(),
        }
    }

    pub fn consultation(id: i32) -> Owner {
        Owner {
            kind: OwnerKind::Consultation,
            id: id.to_string(),
        }
    }

    pub fn consultation_comment(id: i32) -> Owner {
        Owner {
            kind: OwnerKind::ConsultationComment,
            id: id.to_string(),
        }
    }

    pub fn meeting(id: i32) -> Owner {
        Owner {
            kind: OwnerKind::Meeting,
            id: id.to_string(),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

/// The public serving route.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    handlers::routes(cfg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_kinds_round_trip() {
        for kind in [
            OwnerKind::Proposal,
            OwnerKind::Consultation,
            OwnerKind::ConsultationComment,
            OwnerKind::Meeting,
        ] {
            assert_eq!(OwnerKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OwnerKind::parse("measure"), None);
        let id = Uuid::nil();
        assert_eq!(Owner::proposal(id).to_string(), format!("proposal:{id}"));
        assert_eq!(Owner::consultation(7).to_string(), "consultation:7");
        assert_eq!(
            Owner::consultation_comment(9).to_string(),
            "consultation_comment:9"
        );
        assert_eq!(Owner::meeting(3).to_string(), "meeting:3");
    }
}
