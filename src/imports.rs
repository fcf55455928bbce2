//! Import batches (取込ファイル), whatever they hold: a file staff upload is kept from its
//! preview to its import. Paper opinions (`consultations`) and paper proposals (`proposals`)
//! each keep, list and import their own batches; this is the row both show, and the checking of
//! a file's rows both do (columns by heading, every row's errors, rows given twice). The
//! checking is pure: no database.

use crate::db::schema::{accounts, import_batches as b};
use crate::refusal::Refusal;
use crate::web::sheet::{Row, Sheet};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

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

/// A column of a file: its heading (as the template writes it), another heading read as the
/// same column, and whether a file without it is refused.
pub struct Column {
    pub heading: &'static str,
    pub alias: Option<&'static str>,
    pub required: bool,
}

impl Column {
    pub const fn new(heading: &'static str, required: bool) -> Column {
        Column {
            heading,
            alias: None,
            required,
        }
    }

    /// The same column under another heading too.
    pub const fn or(self, alias: &'static str) -> Column {
        Column {
            alias: Some(alias),
            ..self
        }
    }

    fn is(&self, heading: &str) -> bool {
        self.heading == heading || self.alias == Some(heading)
    }
}

/// A row as checked: its line in the file, its cells in the order of the columns, and the
/// record it makes (`T`) or every reason it cannot make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<T> {
    pub line: usize,
    pub cells: Vec<String>,
    pub result: Result<T, Vec<Refusal>>,
}

impl<T> Line<T> {
    /// The row as the preview shows it.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "line": self.line,
            "cells": self.cells,
            "errors": self.result.as_ref().err(),
        })
    }
}

/// A file checked row by row, and the headings it had that are not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked<T> {
    pub lines: Vec<Line<T>>,
    pub ignored: Vec<String>,
}

impl<T> Checked<T> {
    /// How many rows cannot be imported.
    pub fn errors(&self) -> usize {
        self.lines.iter().filter(|l| l.result.is_err()).count()
    }

    /// Every row's record with its line, when no row has an error: a file is imported whole.
    pub fn records(self) -> Option<Vec<(usize, T)>> {
        self.lines
            .into_iter()
            .map(|l| l.result.ok().map(|record| (l.line, record)))
            .collect()
    }
}

/// A row the same as one imported before (`known`, by its key) or as an earlier row of the
/// file is refused, with these messages (the second takes the earlier row's `line`).
pub struct Repeats<'a, K> {
    pub known: &'a HashSet<K>,
    pub known_message: &'static str,
    pub twice_message: &'static str,
}

/// Checks every row of `sheet` against `columns` with `line` (a row's cells in the columns'
/// order), then against repeats by `key`. A file without a required column is refused whole.
pub fn check<T, K: Hash + Eq, const N: usize>(
    sheet: &Sheet,
    columns: &[Column; N],
    repeats: Repeats<'_, K>,
    key: impl Fn(&T) -> K,
    line: impl Fn(&Row, &[String; N]) -> Result<T, Vec<Refusal>>,
) -> Result<Checked<T>, Refusal> {
    let mut at: Vec<Option<usize>> = Vec::with_capacity(N);
    for column in columns {
        let index = sheet.headings.iter().position(|h| column.is(h));
        if index.is_none() && column.required {
            return Err(Refusal::new("msg.import_missing_column").with("column", column.heading));
        }
        at.push(index);
    }
    let ignored = sheet
        .headings
        .iter()
        .filter(|h| !h.is_empty() && !columns.iter().any(|c| c.is(h)))
        .cloned()
        .collect();
    let mut seen: HashMap<K, usize> = HashMap::new();
    let lines = sheet
        .rows
        .iter()
        .map(|row| {
            let cells: [String; N] = std::array::from_fn(|k| {
                at[k]
                    .map(|i| row.cell(i).trim().to_owned())
                    .unwrap_or_default()
            });
            let result = line(row, &cells).and_then(|record| {
                let key = key(&record);
                if repeats.known.contains(&key) {
                    return Err(vec![Refusal::new(repeats.known_message)]);
                }
                if let Some(first) = seen.get(&key) {
                    return Err(vec![Refusal::new(repeats.twice_message).with("line", first)]);
                }
                seen.insert(key, row.line);
                Ok(record)
            });
            Line {
                line: row.line,
                cells: cells.into(),
                result,
            }
        })
        .collect();
    Ok(Checked { lines, ignored })
}

/// What the preview (`staff/_import_preview.hbs`) shows of a file, previewed or imported: its
/// rows with their errors, or why it cannot be read. An imported file's rows are records now:
/// checked again, each would be "already imported", so they are not listed.
pub fn preview<T>(
    columns: &[Column],
    checked: &Result<Checked<T>, Refusal>,
    imported: bool,
) -> serde_json::Value {
    let (rows, errors, ignored, unreadable) = match (checked, imported) {
        (_, true) => (Vec::new(), 0, Vec::new(), None),
        (Ok(checked), false) => (
            checked.lines.iter().map(Line::json).collect(),
            checked.errors(),
            checked.ignored.clone(),
            None,
        ),
        (Err(refusal), false) => (Vec::new(), 0, Vec::new(), Some(refusal)),
    };
    serde_json::json!({
        "imported": imported,
        "unreadable": unreadable,
        "columns": columns.iter().map(|c| c.heading).collect::<Vec<_>>(),
        "row_count": rows.len(),
        "rows": rows,
        "errors": errors,
        "ignored": ignored.join("、"),
        "importable": !imported && unreadable.is_none() && errors == 0,
    })
}
