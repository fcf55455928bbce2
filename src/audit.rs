//! The audit log (監査ログ): who did what to which record, when and from where. Append-only:
//! the database refuses updates and deletes of its rows.

use crate::error::Result;
use diesel::prelude::*;
use uuid::Uuid;

/// One entry; `record` is the type and id of what was acted on, if anything.
pub struct Entry<'a> {
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub record: Option<(&'a str, String)>,
    pub ip: Option<&'a str>,
    pub details: serde_json::Value,
}

use crate::db::schema::audit_log::dsl as a;
use diesel::dsl::Eq;

/// An entry's columns.
type Row<'a> = (
    Eq<a::actor_id, Option<Uuid>>,
    Eq<a::action, &'a str>,
    Eq<a::record_type, Option<&'a str>>,
    Eq<a::record_id, Option<String>>,
    Eq<a::ip, Option<&'a str>>,
    Eq<a::details, serde_json::Value>,
);

fn row(entry: Entry<'_>) -> Row<'_> {
    let (record_type, record_id) = entry
        .record
        .map_or((None, None), |(t, id)| (Some(t), Some(id)));
    (
        a::actor_id.eq(entry.actor),
        a::action.eq(entry.action),
        a::record_type.eq(record_type),
        a::record_id.eq(record_id),
        a::ip.eq(entry.ip),
        a::details.eq(entry.details),
    )
}

pub fn record(conn: &mut PgConnection, entry: Entry<'_>) -> Result<()> {
    diesel::insert_into(a::audit_log)
        .values(row(entry))
        .execute(conn)?;
    Ok(())
}

/// Entries written by one `INSERT`: 6 values each, below PostgreSQL's 65,535 parameters.
const PER_STATEMENT: usize = 10_000;

/// Records many entries (an import's rows) in a few statements instead of one each.
pub fn record_all<'a>(
    conn: &mut PgConnection,
    entries: impl IntoIterator<Item = Entry<'a>>,
) -> Result<()> {
    let mut rows = entries.into_iter().map(row).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Row<'a>> = rows.by_ref().take(PER_STATEMENT).collect();
        diesel::insert_into(a::audit_log)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

/// Records what a staff member did, with their address.
pub fn staff_action(
    conn: &mut PgConnection,
    req_ip: Option<&str>,
    actor: Uuid,
    action: &str,
    record: Option<(&str, String)>,
    details: serde_json::Value,
) -> Result<()> {
    self::record(
        conn,
        Entry {
            actor: Some(actor),
            action,
            record,
            ip: req_ip,
            details,
        },
    )
}
