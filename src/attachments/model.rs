//! Attachments in the database. `attach` and `detach` authorise the change by the owner's rule
//! (the owner's [`Policy`]) and make it in one transaction, with its audit entry.

use super::access::Policy;
use super::sniff::{self, Checked, Kind, Refusal};
use super::{Owner, OwnerKind};
use crate::audit::{self, Entry};
use crate::db::schema::attachments as a;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// An attachment without its bytes, as lists show it.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    pub kind: Kind,
    pub byte_size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl Attachment {
    /// Where it is served; the name in the path is for the browser's "save as".
    pub fn href(&self) -> String {
        format!(
            "/attachments/{}/{}",
            self.id,
            sniff::path_segment(&self.filename)
        )
    }
}

type Row = (Uuid, String, String, i64, String, DateTime<Utc>);

fn attachment(
    (id, filename, content_type, byte_size, sha256, created_at): Row,
) -> Result<Attachment> {
    let kind = Kind::from_content_type(&content_type)
        .ok_or_else(|| Error::Internal(format!("attachment {id}: type {content_type}")))?;
    Ok(Attachment {
        id,
        filename,
        kind,
        byte_size,
        sha256,
        created_at,
    })
}

macro_rules! columns {
    () => {
        (
            a::id,
            a::filename,
            a::content_type,
            a::byte_size,
            a::sha256,
            a::created_at,
        )
    };
}

/// The owner's attachments, oldest first.
pub fn list(conn: &mut PgConnection, owner: &Owner) -> Result<Vec<Attachment>> {
    a::table
        .filter(a::owner_type.eq(owner.kind.as_str()))
        .filter(a::owner_id.eq(&owner.id))
        .order((a::created_at, a::id))
        .select(columns!())
        .load::<Row>(conn)?
        .into_iter()
        .map(attachment)
        .collect()
}

/// The attachments of many owners of one kind, oldest first, by owner id: one query for a
/// page that lists the owners.
pub fn list_by_owner(
    conn: &mut PgConnection,
    kind: OwnerKind,
    ids: &[String],
) -> Result<std::collections::HashMap<String, Vec<Attachment>>> {
    let rows: Vec<(String, Row)> = a::table
        .filter(a::owner_type.eq(kind.as_str()))
        .filter(a::owner_id.eq_any(ids))
        .order((a::created_at, a::id))
        .select((a::owner_id, columns!()))
        .load(conn)?;
    let mut by_owner = std::collections::HashMap::new();
    for (owner, row) in rows {
        by_owner
            .entry(owner)
            .or_insert_with(Vec::new)
            .push(attachment(row)?);
    }
    Ok(by_owner)
}

/// One attachment with its owner and bytes, for serving.
pub fn find(conn: &mut PgConnection, id: Uuid) -> Result<(Owner, Attachment, Vec<u8>)> {
    let (owner_type, owner_id, row, data): (String, String, Row, Vec<u8>) = a::table
        .find(id)
        .select((a::owner_type, a::owner_id, columns!(), a::data))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let kind = OwnerKind::parse(&owner_type)
        .ok_or_else(|| Error::Internal(format!("attachment {id}: owner {owner_type}")))?;
    Ok((Owner { kind, id: owner_id }, attachment(row)?, data))
}

/// Attaches `file` to `owner` as `actor`, if the owner's rule lets them: the new id, or why
/// not (the owner is full).
pub fn attach(
    conn: &mut PgConnection,
    owner: &Owner,
    policy: Policy,
    actor: Uuid,
    ip: Option<&str>,
    file: &Checked,
) -> Result<Result<Uuid, Refusal>> {
    conn.transaction(|conn| {
        (policy.lock_for_change)(conn, owner, actor)?;
        store(conn, owner, actor, ip, file)
    })
}

/// Removes one of the owner's attachments as `actor`, if the owner's rule lets them (404 when
/// the attachment is not the owner's).
pub fn detach(
    conn: &mut PgConnection,
    owner: &Owner,
    policy: Policy,
    id: Uuid,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<()> {
    conn.transaction(|conn| {
        (policy.lock_for_change)(conn, owner, actor)?;
        remove(conn, owner, id, actor, ip)
    })
}

/// Attaches `file` to `owner`, unless the owner already holds [`sniff::MAX_PER_OWNER`] files.
/// Concurrent uploads to one owner wait for each other (a transaction-scoped advisory lock),
/// so the limit holds.
fn store(
    conn: &mut PgConnection,
    owner: &Owner,
    uploaded_by: Uuid,
    ip: Option<&str>,
    file: &Checked,
) -> Result<Result<Uuid, Refusal>> {
    crate::db::prepared(
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("attachments:{owner}")),
    )
    .execute(conn)?;
    let held: i64 = a::table
        .filter(a::owner_type.eq(owner.kind.as_str()))
        .filter(a::owner_id.eq(&owner.id))
        .count()
        .get_result(conn)?;
    if held >= sniff::MAX_PER_OWNER {
        return Ok(Err(Refusal::TooMany));
    }
    let id = Uuid::new_v4();
    let sha256: String = Sha256::digest(&file.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let byte_size =
        i64::try_from(file.bytes.len()).map_err(|_| Error::Internal("attachment size".into()))?;
    diesel::insert_into(a::table)
        .values((
            a::id.eq(id),
            a::owner_type.eq(owner.kind.as_str()),
            a::owner_id.eq(&owner.id),
            a::filename.eq(&file.filename),
            a::content_type.eq(file.kind.content_type()),
            a::byte_size.eq(byte_size),
            a::sha256.eq(&sha256),
            a::data.eq(&file.bytes),
            a::uploaded_by.eq(uploaded_by),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Entry {
            actor: Some(uploaded_by),
            action: "attachment.add",
            record: Some(("attachment", id.to_string())),
            ip,
            details: json!({
                "owner_type": owner.kind.as_str(),
                "owner_id": owner.id,
                "filename": file.filename,
                "content_type": file.kind.content_type(),
                "byte_size": byte_size,
                "sha256": sha256,
            }),
        },
    )?;
    Ok(Ok(id))
}

fn remove(
    conn: &mut PgConnection,
    owner: &Owner,
    id: Uuid,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<()> {
    let removed: Option<(String, String)> = diesel::delete(
        a::table
            .filter(a::id.eq(id))
            .filter(a::owner_type.eq(owner.kind.as_str()))
            .filter(a::owner_id.eq(&owner.id)),
    )
    .returning((a::filename, a::sha256))
    .get_result(conn)
    .optional()?;
    let (filename, sha256) = removed.ok_or(Error::NotFound)?;
    audit::record(
        conn,
        Entry {
            actor: Some(actor),
            action: "attachment.remove",
            record: Some(("attachment", id.to_string())),
            ip,
            details: json!({
                "owner_type": owner.kind.as_str(),
                "owner_id": owner.id,
                "filename": filename,
                "sha256": sha256,
            }),
        },
    )?;
    Ok(())
}
