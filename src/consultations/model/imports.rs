//! Import batches (取込): a file of paper opinions kept from its preview to its import, and
//! the import itself, all its rows or none, each through the same store as an opinion typed
//! in by staff ([`super::opinions::submit_all`]), linked to the batch and its line.

use super::opinions::submit_all;
use crate::audit::{self, Entry};
use crate::consultations::fields::Paper;
use crate::consultations::imports::Fingerprint;
use crate::consultations::lifecycle::Change;
use crate::consultations::period::day_of;
use crate::db::schema::{
    accounts, consultation_comments as cc, consultation_sections as cs, import_batches as b,
    import_rows as r,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;

use crate::imports::columns;
pub use crate::imports::Batch;

/// Keeps an uploaded file for its preview: a new batch, or the one the same file already has
/// for this consultation (previewed or imported: the same file is never imported twice).
pub fn keep(
    conn: &mut PgConnection,
    consultation: i32,
    filename: &str,
    bytes: &[u8],
    by: Uuid,
) -> Result<i64> {
    let sha = crate::tokens::sha256_hex(bytes);
    let name = crate::imports::kept_name(filename);
    diesel::insert_into(b::table)
        .values((
            b::consultation_id.eq(consultation),
            b::sha256.eq(&sha),
            b::filename.eq(&name),
            b::bytes.eq(bytes),
            b::uploaded_by.eq(by),
        ))
        .on_conflict((b::consultation_id, b::sha256))
        .do_nothing()
        .execute(conn)?;
    Ok(b::table
        .filter(b::consultation_id.eq(consultation))
        .filter(b::sha256.eq(&sha))
        .select(b::id)
        .first(conn)?)
}

/// The consultation's batches, newest first.
pub fn list(conn: &mut PgConnection, consultation: i32) -> Result<Vec<Batch>> {
    Ok(b::table
        .left_join(accounts::table.on(accounts::id.nullable().eq(b::imported_by)))
        .filter(b::consultation_id.eq(consultation))
        .order(b::id.desc())
        .select(columns())
        .load(conn)?)
}

/// A batch of the consultation with its file's bytes.
pub fn find(
    conn: &mut PgConnection,
    consultation: i32,
    batch: i64,
) -> Result<Option<(Batch, Vec<u8>)>> {
    Ok(b::table
        .left_join(accounts::table.on(accounts::id.nullable().eq(b::imported_by)))
        .filter(b::consultation_id.eq(consultation))
        .filter(b::id.eq(batch))
        .select((columns(), b::bytes))
        .first(conn)
        .optional()?)
}

/// What a row is checked against in the database: the draft's sections in order, and the
/// opinions already typed in or imported (not the on-line ones: those are not on paper).
pub fn context(
    conn: &mut PgConnection,
    consultation: i32,
) -> Result<(Vec<i32>, HashSet<Fingerprint>)> {
    let sections = cs::table
        .filter(cs::consultation_id.eq(consultation))
        .order(cs::number)
        .select(cs::id)
        .load(conn)?;
    let known = cc::table
        .filter(cc::consultation_id.eq(consultation))
        .filter(cc::channel.ne("web"))
        .select((
            cc::received_at,
            cc::submitter_name,
            cc::organisation_name,
            cc::body,
        ))
        .load::<(DateTime<Utc>, Option<String>, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(at, name, organisation, body)| (day_of(at), name.or(organisation), body))
        .collect();
    Ok((sections, known))
}

/// Imports the batch's opinions (`papers`, each with its line) as `at.actor`, in one
/// transaction: a batch already imported adds nothing (`Ok(None)`); an opinion the store
/// refuses (the consultation withdrawn meanwhile …) refuses the whole file, with its line.
pub fn import(
    conn: &mut PgConnection,
    consultation: i32,
    batch: i64,
    papers: Vec<(usize, Paper)>,
    at: Change,
    public_url: &str,
) -> Result<Option<usize>> {
    conn.transaction(|conn| {
        let status: String = b::table
            .filter(b::id.eq(batch))
            .filter(b::consultation_id.eq(consultation))
            .select(b::status)
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?;
        if status == "imported" {
            return Ok(None);
        }
        let count = papers.len();
        let (lines, opinions): (Vec<usize>, Vec<_>) = papers
            .into_iter()
            .map(|(line, paper)| (line, paper.opinion(at)))
            .unzip();
        // A refusal (the consultation withdrawn meanwhile …) rolls back the whole file.
        let recorded = submit_all(conn, consultation, &opinions, at.now, at.ip, public_url)?
            .map_err(|(_, refused)| Error::Refused(refused.refusal))?;
        let links: Vec<_> = lines
            .into_iter()
            .zip(&recorded)
            .map(|(line, opinion)| {
                (
                    r::batch_id.eq(batch),
                    r::line.eq(i32::try_from(line).unwrap_or(i32::MAX)),
                    r::comment_id.eq(opinion.id),
                )
            })
            .collect();
        for chunk in links.chunks(10_000) {
            diesel::insert_into(r::table).values(chunk).execute(conn)?;
        }
        let rows = i32::try_from(count).unwrap_or(i32::MAX);
        diesel::update(b::table.filter(b::id.eq(batch)))
            .set((
                b::status.eq("imported"),
                b::row_count.eq(rows),
                b::imported_by.eq(at.actor),
                b::imported_at.eq(at.now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(at.actor),
                action: "consultation.import",
                record: Some(("import_batch", batch.to_string())),
                ip: at.ip,
                details: json!({ "consultation": consultation, "rows": rows }),
            },
        )?;
        Ok(Some(count))
    })
}
