//! What a comment is about, the departments responsible for it, and how emails name and link it.

use crate::db::schema::{measure_departments as md, measures, proposal_measures as pm, proposals};
use crate::error::{Error, Result};
use diesel::prelude::*;
use uuid::Uuid;

/// What a comment is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Proposal(Uuid),
    /// A measure by its code, e.g. `5-1`.
    Measure(String),
}

impl Subject {
    /// `comments.subject_type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Proposal(_) => "proposal",
            Subject::Measure(_) => "measure",
        }
    }

    /// `comments.subject_id`.
    pub fn key(&self) -> String {
        match self {
            Subject::Proposal(id) => id.to_string(),
            Subject::Measure(code) => code.clone(),
        }
    }

    /// The public page that shows the comments.
    pub fn path(&self) -> String {
        match self {
            Subject::Proposal(id) => format!("/proposals/{id}"),
            Subject::Measure(code) => format!("/measures/{code}"),
        }
    }

    pub(super) fn from_row(kind: &str, key: &str) -> Result<Subject> {
        match kind {
            "proposal" => key
                .parse()
                .map(Subject::Proposal)
                .map_err(|e| Error::Internal(format!("comment subject {key}: {e}"))),
            "measure" => Ok(Subject::Measure(key.to_owned())),
            other => Err(Error::Internal(format!("comment subject type {other}"))),
        }
    }
}

/// The departments responsible for a subject (via the measure → department table): a
/// measure's, or those of the measures a proposal answers (as [`super::queue`] counts them too).
pub fn departments_of(conn: &mut PgConnection, subject: &Subject) -> Result<Vec<i32>> {
    match subject {
        Subject::Proposal(id) => Ok(pm::table
            .inner_join(md::table.on(md::measure_code.eq(pm::measure_code)))
            .filter(pm::proposal_id.eq(id))
            .select(md::department_id)
            .distinct()
            .order(md::department_id)
            .load(conn)?),
        Subject::Measure(code) => Ok(md::table
            .filter(md::measure_code.eq(code))
            .select(md::department_id)
            .load(conn)?),
    }
}

/// The subject's title, for emails.
pub(super) fn title_of(conn: &mut PgConnection, subject: &Subject) -> Result<String> {
    Ok(match subject {
        Subject::Proposal(id) => proposals::table
            .find(id)
            .select(proposals::title)
            .first(conn)?,
        Subject::Measure(code) => {
            let title: String = measures::table
                .find(code)
                .select(measures::title)
                .first(conn)?;
            format!("{code} {title}")
        }
    })
}

pub(super) fn link(public_url: &str, subject: &Subject, comment: Uuid) -> String {
    format!(
        "{}{}#comment-{comment}",
        public_url.trim_end_matches('/'),
        subject.path()
    )
}
