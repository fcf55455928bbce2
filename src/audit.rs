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

pub fn record(conn: &mut PgConnection, entry: Entry<'_>) -> Result<()> {
    use crate::db::schema::audit_log::dsl as a;
    let (record_type, record_id) = entry
        .record
        .map_or((None, None), |(t, id)| (Some(t), Some(id)));
    diesel::insert_into(a::audit_log)
        .values((
            a::actor_id.eq(entry.actor),
            a::action.eq(entry.action),
            a::record_type.eq(record_type),
            a::record_id.eq(record_id),
            a::ip.eq(entry.ip),
            a::details.eq(entry.details),
        ))
        .execute(conn)?;
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
