//! Answer templates (回答テンプレート): a department's reusable texts for proposal decisions and
//! consultation result items, with placeholders (`fill`). Its reviewers list, write, change and
//! delete them (`staff`); admins see every department's. Below proposals and consultations,
//! whose staff forms offer them: picking one fills the form's text, which staff edit before
//! anything is saved.

pub mod fill;
pub mod staff;

use crate::audit::{self, Entry};
use crate::auth::roles::{allows, Action, Grant};
use crate::db::schema::{answer_templates as at, departments};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// What a template answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The public reason of a proposal's decision (採択・不採択).
    Decision,
    /// The city's view (市の考え方) in a consultation's result table.
    Result,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::Decision, Purpose::Result];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::Decision => "decision",
            Purpose::Result => "result",
        }
    }

    pub fn parse(code: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Whether `grants` manage the templates of `department`: its reviewers, and admins.
pub fn manages(grants: &[Grant], department: i32) -> bool {
    allows(grants, Action::ReviewProposals { department })
}

/// One template.
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    pub id: i32,
    pub department_id: i32,
    pub department: String,
    pub purpose: Purpose,
    pub title: String,
    pub body: String,
}

type Row = (i32, i32, String, String, String, String);

fn template(row: Row) -> Template {
    let (id, department_id, department, purpose, title, body) = row;
    Template {
        id,
        department_id,
        department,
        purpose: Purpose::parse(&purpose).unwrap_or(Purpose::Decision),
        title,
        body,
    }
}

macro_rules! columns {
    () => {
        (
            at::id,
            at::department_id,
            departments::name,
            at::purpose,
            at::title,
            at::body,
        )
    };
}

/// The templates of the departments these grants manage (every one for an admin), by
/// department and title.
pub fn list(conn: &mut PgConnection, grants: &[Grant]) -> Result<Vec<Template>> {
    let rows: Vec<Row> = at::table
        .inner_join(departments::table)
        .order((departments::name, at::purpose, at::title, at::id))
        .select(columns!())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(template)
        .filter(|t| manages(grants, t.department_id))
        .collect())
}

/// The templates for `purpose` of `departments` that `grants` manage: what a form offers.
pub fn offered(
    conn: &mut PgConnection,
    grants: &[Grant],
    purpose: Purpose,
    departments: &[i32],
) -> Result<Vec<Template>> {
    let rows: Vec<Row> = at::table
        .inner_join(departments::table)
        .filter(at::purpose.eq(purpose.code()))
        .filter(at::department_id.eq_any(departments))
        .order((at::title, at::id))
        .select(columns!())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(template)
        .filter(|t| manages(grants, t.department_id))
        .collect())
}

/// Template `id`, if `grants` manage its department (else it is missing to them).
pub fn find(conn: &mut PgConnection, grants: &[Grant], id: i32) -> Result<Template> {
    let row: Row = at::table
        .inner_join(departments::table)
        .filter(at::id.eq(id))
        .select(columns!())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let found = template(row);
    if !manages(grants, found.department_id) {
        return Err(Error::forbidden(Refusal::new("msg.template_refused")));
    }
    Ok(found)
}

/// A template as typed: its department, purpose, title and body (placeholders checked).
#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub department: i32,
    pub purpose: Purpose,
    pub title: String,
    pub body: String,
}

/// Who writes, from where.
pub struct Writer<'a> {
    pub id: Uuid,
    pub grants: &'a [Grant],
    pub ip: Option<&'a str>,
}

fn record(conn: &mut PgConnection, who: &Writer<'_>, action: &str, id: i32) -> Result<()> {
    audit::record(
        conn,
        Entry {
            actor: Some(who.id),
            action,
            record: Some(("answer_template", id.to_string())),
            ip: who.ip,
            details: json!({}),
        },
    )
}

fn refuse_unless_managed(grants: &[Grant], department: i32) -> Result<()> {
    if manages(grants, department) {
        Ok(())
    } else {
        Err(Error::forbidden(Refusal::new("msg.template_refused")))
    }
}

/// Saves a new template in a department `who` manages. Returns its id.
pub fn create(conn: &mut PgConnection, who: &Writer<'_>, new: &NewTemplate) -> Result<i32> {
    refuse_unless_managed(who.grants, new.department)?;
    conn.transaction(|conn| {
        let id: i32 = diesel::insert_into(at::table)
            .values((
                at::department_id.eq(new.department),
                at::purpose.eq(new.purpose.code()),
                at::title.eq(&new.title),
                at::body.eq(&new.body),
                at::created_by.eq(who.id),
            ))
            .returning(at::id)
            .get_result(conn)?;
        record(conn, who, "answer_template.create", id)?;
        Ok(id)
    })
}

/// Changes template `id`; `who` must manage both its department and the new one.
pub fn update(conn: &mut PgConnection, who: &Writer<'_>, id: i32, new: &NewTemplate) -> Result<()> {
    refuse_unless_managed(who.grants, new.department)?;
    conn.transaction(|conn| {
        find(conn, who.grants, id)?;
        diesel::update(at::table.find(id))
            .set((
                at::department_id.eq(new.department),
                at::purpose.eq(new.purpose.code()),
                at::title.eq(&new.title),
                at::body.eq(&new.body),
                at::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        record(conn, who, "answer_template.update", id)
    })
}

/// Deletes template `id` (answers written with it keep their text).
pub fn delete(conn: &mut PgConnection, who: &Writer<'_>, id: i32) -> Result<()> {
    conn.transaction(|conn| {
        find(conn, who.grants, id)?;
        diesel::delete(at::table.find(id)).execute(conn)?;
        record(conn, who, "answer_template.delete", id)
    })
}

/// The text of template `id` for a form of `purpose` about `departments`, filled with `values`:
/// refused unless the form offers it.
pub fn picked(
    conn: &mut PgConnection,
    grants: &[Grant],
    purpose: Purpose,
    departments: &[i32],
    id: i32,
    values: &fill::Values<'_>,
) -> Result<String> {
    let found = find(conn, grants, id)?;
    if found.purpose != purpose || !departments.contains(&found.department_id) {
        return Err(Error::Refused(Refusal::new("msg.template_not_offered")));
    }
    Ok(fill::fill(&found.body, values))
}

/// What forms offer: each template's id and title, the picked one selected.
pub fn options_json(templates: &[Template], picked: Option<i32>) -> Vec<serde_json::Value> {
    templates
        .iter()
        .map(|t| json!({ "id": t.id, "title": t.title, "selected": Some(t.id) == picked }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::roles::Role;

    #[test]
    fn purposes_parse_and_print() {
        for purpose in Purpose::ALL {
            assert_eq!(Purpose::parse(purpose.code()), Some(purpose));
        }
        assert_eq!(Purpose::parse("other"), None);
    }

    #[test]
    fn reviewers_manage_their_department_and_admins_all() {
        let reviewer = [Grant {
            role: Role::Reviewer,
            department: Some(1),
        }];
        assert!(manages(&reviewer, 1));
        assert!(!manages(&reviewer, 2));
        let moderator = [Grant {
            role: Role::Moderator,
            department: Some(1),
        }];
        assert!(!manages(&moderator, 1));
        let admin = [Grant {
            role: Role::Admin,
            department: None,
        }];
        assert!(manages(&admin, 9));
    }

    #[test]
    fn options_mark_the_picked_one() {
        let t = Template {
            id: 3,
            department_id: 1,
            department: "市民協働課".into(),
            purpose: Purpose::Decision,
            title: "採択".into(),
            body: "本文".into(),
        };
        assert_eq!(
            options_json(std::slice::from_ref(&t), Some(3))[0]["selected"],
            true
        );
        assert_eq!(options_json(&[t], None)[0]["selected"], false);
    }
}
