//! The staff area's store: people with their roles (grants and revocations, each with its
//! audit row in one transaction) and the audit log search.

use crate::auth::roles::Role;
use crate::db::schema::{accounts as a, audit_log as l, departments as d, staff_roles as sr};
use crate::error::{Error, Result};
use crate::web::paging::PER_PAGE;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// An account as the people pages show it.
#[derive(Serialize)]
pub struct Person {
    pub id: Uuid,
    pub display_name: String,
    pub email: String,
    pub verified: bool,
}

type AccountRow = (Uuid, String, Option<String>, Option<DateTime<Utc>>);

impl From<AccountRow> for Person {
    fn from((id, display_name, email, verified_at): AccountRow) -> Self {
        Person {
            id,
            display_name,
            email: email.unwrap_or_default(),
            verified: verified_at.is_some(),
        }
    }
}

/// One role held: `department` is the department's name for per-department roles.
pub struct Grant {
    pub id: i32,
    pub account: Uuid,
    pub role: String,
    pub department: Option<String>,
}

/// A page of accounts, newest first, whose email or name contains `search` (all if empty),
/// and whether there are more.
pub fn people(conn: &mut PgConnection, search: &str, page: i64) -> Result<(Vec<Person>, bool)> {
    let mut q = a::table
        .filter(a::deleted_at.is_null())
        .select((a::id, a::display_name, a::email, a::email_verified_at))
        .order((a::created_at.desc(), a::id))
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
        .into_boxed();
    if !search.is_empty() {
        let pattern = crate::db::contains_pattern(search);
        q = q.filter(
            a::email
                .ilike(pattern.clone())
                .or(a::display_name.ilike(pattern)),
        );
    }
    let mut found: Vec<AccountRow> = q.load(conn)?;
    let more = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    Ok((found.into_iter().map(Person::from).collect(), more))
}

/// One account that is not deleted.
pub fn person(conn: &mut PgConnection, id: Uuid) -> Result<Person> {
    let (display_name, email, verified_at) = a::table
        .find(id)
        .filter(a::deleted_at.is_null())
        .select((a::display_name, a::email, a::email_verified_at))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    Ok(Person::from((id, display_name, email, verified_at)))
}

/// Roles of these accounts with department names: one query.
pub fn roles_of(conn: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<Grant>> {
    let rows: Vec<(i32, Uuid, String, Option<String>)> = sr::table
        .left_join(d::table)
        .filter(sr::account_id.eq_any(ids))
        .order((sr::role, d::name, sr::id))
        .select((sr::id, sr::account_id, sr::role, d::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, account, role, department)| Grant {
            id,
            account,
            role,
            department,
        })
        .collect())
}

/// The departments by name, for the grant form.
pub fn departments(conn: &mut PgConnection) -> Result<Vec<(i32, String)>> {
    Ok(d::table
        .order(d::name)
        .select((d::id, d::name))
        .load(conn)?)
}

/// Why a role was not granted.
pub enum GrantRefused {
    /// Roles go only to accounts with a verified email.
    Unverified,
    NoSuchDepartment,
}

/// Grants a role (in a department, for per-department roles); granting one already held
/// changes nothing and records nothing.
pub fn grant_role(
    conn: &mut PgConnection,
    ip: Option<&str>,
    actor: Uuid,
    id: Uuid,
    role: Role,
    department: Option<i32>,
) -> Result<Result<(), GrantRefused>> {
    conn.transaction(|conn| {
        let target = person(conn, id)?;
        if !target.verified {
            return Ok(Err(GrantRefused::Unverified));
        }
        let department_name: Option<String> = match department {
            Some(dept) => match d::table
                .find(dept)
                .select(d::name)
                .first::<String>(conn)
                .optional()?
            {
                Some(name) => Some(name),
                None => return Ok(Err(GrantRefused::NoSuchDepartment)),
            },
            None => None,
        };
        let inserted = diesel::insert_into(sr::table)
            .values((
                sr::account_id.eq(id),
                sr::role.eq(role.code()),
                sr::department_id.eq(department),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if inserted == 1 {
            crate::audit::staff_action(
                conn,
                ip,
                actor,
                "staff.grant_role",
                Some(("account", id.to_string())),
                json!({ "role": role.code(), "department_id": department, "department": department_name, "email": target.email }),
            )?;
        }
        Ok(Ok(()))
    })
}

/// Why a role was not revoked.
pub enum RevokeRefused {
    NoSuchRole,
    /// Nobody locks themselves out: another admin removes an admin's role.
    OwnAdmin,
}

/// Revokes one of the account's roles by its grant id.
pub fn revoke_role(
    conn: &mut PgConnection,
    ip: Option<&str>,
    actor: Uuid,
    id: Uuid,
    grant: i32,
) -> Result<Result<(), RevokeRefused>> {
    conn.transaction(|conn| {
        let found: Option<(String, Option<i32>)> = sr::table
            .find(grant)
            .filter(sr::account_id.eq(id))
            .select((sr::role, sr::department_id))
            .first(conn)
            .optional()?;
        let Some((role, department)) = found else {
            return Ok(Err(RevokeRefused::NoSuchRole));
        };
        if id == actor && role == Role::Admin.code() {
            return Ok(Err(RevokeRefused::OwnAdmin));
        }
        diesel::delete(sr::table.find(grant)).execute(conn)?;
        let department_name: Option<String> = match department {
            Some(dept) => d::table.find(dept).select(d::name).first(conn).optional()?,
            None => None,
        };
        crate::audit::staff_action(
            conn,
            ip,
            actor,
            "staff.revoke_role",
            Some(("account", id.to_string())),
            json!({ "role": role, "department_id": department, "department": department_name }),
        )?;
        Ok(Ok(()))
    })
}

/// Who the audit log's person filter names.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Id(Uuid),
    Email(String),
}

/// The audit log filters, all optional, and the page.
pub struct AuditQuery {
    pub actor: Option<Actor>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub page: i64,
}

/// id, at, actor, action, record type, record id, ip, details.
pub type AuditRow = (
    i64,
    DateTime<Utc>,
    Option<Uuid>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    serde_json::Value,
);

/// A page of the audit log, newest first.
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub more: bool,
    /// Display names of the actors on the page.
    pub names: HashMap<Uuid, String>,
}

impl AuditPage {
    pub fn empty() -> Self {
        AuditPage {
            rows: Vec::new(),
            more: false,
            names: HashMap::new(),
        }
    }
}

pub fn audit_log(conn: &mut PgConnection, q: AuditQuery) -> Result<AuditPage> {
    let actor = match q.actor {
        None => None,
        Some(Actor::Id(id)) => Some(id),
        Some(Actor::Email(email)) => match a::table
            .filter(a::email.eq(email))
            .select(a::id)
            .first::<Uuid>(conn)
            .optional()?
        {
            Some(id) => Some(id),
            None => return Ok(AuditPage::empty()),
        },
    };
    let mut query = l::table
        .select((
            l::id,
            l::at,
            l::actor_id,
            l::action,
            l::record_type,
            l::record_id,
            l::ip,
            l::details,
        ))
        .order((l::at.desc(), l::id.desc()))
        .offset((q.page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
        .into_boxed();
    if let Some(actor) = actor {
        query = query.filter(l::actor_id.eq(actor));
    }
    if let Some(t) = q.record_type {
        query = query.filter(l::record_type.eq(t));
    }
    if let Some(id) = q.record_id {
        query = query.filter(l::record_id.eq(id));
    }
    if let Some(from) = q.from {
        query = query.filter(l::at.ge(from));
    }
    if let Some(to) = q.to {
        query = query.filter(l::at.lt(to));
    }
    let mut rows: Vec<AuditRow> = query.load(conn)?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.2).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<Uuid, String> = a::table
        .filter(a::id.eq_any(&ids))
        .select((a::id, a::display_name))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect();
    Ok(AuditPage { rows, more, names })
}
