//! Import batches (取込ファイル), whatever they hold: a file staff upload is kept from its
//! preview to its import. Paper opinions (`consultations`) and paper proposals (`proposals`)
//! each keep, list and import their own batches; this is the row both show.

use crate::db::schema::{accounts, import_batches as b};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A batch as staff see it in the list and the preview.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Batch {
    pub id: i64,
    pub sha256: String,
    pub filename: String,
    pub status: String,
    pub row_count: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub imported_at: Option<DateTime<Utc>>,
    /// Who imported it (their display name).
    pub importer: Option<String>,
}

impl Batch {
    pub fn imported(&self) -> bool {
        self.status == "imported"
    }
}

/// The columns of a [`Batch`], over `import_batches` left-joined with its importer.
pub type Columns = (
    b::id,
    b::sha256,
    b::filename,
    b::status,
    b::row_count,
    b::created_at,
    b::imported_at,
    diesel::dsl::Nullable<accounts::display_name>,
);

/// The columns of a [`Batch`].
pub fn columns() -> Columns {
    (
        b::id,
        b::sha256,
        b::filename,
        b::status,
        b::row_count,
        b::created_at,
        b::imported_at,
        accounts::display_name.nullable(),
    )
}

/// The file's name as kept (at most 200 characters).
pub fn kept_name(filename: &str) -> String {
    filename.chars().take(200).collect()
}
