//! `/staff/departments`: the city's departments (担当課). Admins create and rename them; none
//! is seeded.

use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::db::schema::departments as d;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::i18n::{translate, Lang};
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const NAME_MAX: usize = 100;

/// A department name: trimmed, 1–100 characters, one line. The error is the refusal to show.
pub fn parse_name(raw: &str) -> Result<String, Refusal> {
    const WHAT: &str = "label.department_name";
    let name = raw.trim();
    if name.is_empty() {
        return Err(Refusal::required(WHAT));
    }
    if name.chars().count() > NAME_MAX {
        return Err(Refusal::too_long(WHAT, NAME_MAX));
    }
    if name.chars().any(char::is_control) {
        return Err(Refusal::bad_characters(WHAT));
    }
    Ok(name.to_owned())
}

const TAKEN: &str = "msg.department_taken";

#[derive(Serialize)]
struct Department {
    id: i32,
    field_id: String,
    name: String,
    people: i64,
}

#[derive(Default, Serialize)]
struct Forms {
    create: FormPage,
    /// The rename form that failed, by department id.
    rename_id: Option<i32>,
    rename: FormPage,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The confirmations `?done=` may ask for (`staff.departments.done.*`).
pub const DONE: [&str; 2] = ["created", "renamed"];

async fn render(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    forms: Forms,
    done: Option<&str>,
) -> Result<HttpResponse> {
    let rows: Vec<(i32, String, i64)> = state
        .db(|conn| {
            Ok(d::table
                .left_join(crate::db::schema::staff_roles::table)
                .group_by((d::id, d::name))
                .order(d::name)
                .select((
                    d::id,
                    d::name,
                    diesel::dsl::count(crate::db::schema::staff_roles::id.nullable()),
                ))
                .load(conn)?)
        })
        .await?;
    let lang = Lang::of(req);
    let departments: Vec<Department> = rows
        .into_iter()
        .map(|(id, name, people)| Department {
            id,
            field_id: format!("department-{id}"),
            name,
            people,
        })
        .collect();
    let title = translate(lang, "staff.departments.title", &[]);
    let failed = forms.create.has_errors() || forms.rename.has_errors();
    let context = json!({
        "departments": departments,
        "forms": forms,
        "done": done.map(|key| translate(lang, &format!("staff.departments.done.{key}"), &[])),
    });
    let status = if failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_page_as(
        req,
        hb,
        "staff/departments",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        status,
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageDepartments)?;
    let done = query.done.as_deref().filter(|d| DONE.contains(d));
    render(&req, &state, &hb, Forms::default(), done).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<NameForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageDepartments)?;
    check_csrf(&req, &form.csrf)?;
    let mut forms = Forms::default();
    forms.create.keep("name", &form.name);
    let Some(name) = forms.create.check("name", parse_name(&form.name)) else {
        return render(&req, &state, &hb, forms, None).await;
    };
    let (actor, ip) = (staff.id(), crate::web::proxy::client_ip(&req));
    let created = state
        .db(move |conn| {
            let result = conn.transaction(|conn| {
                let id: i32 = diesel::insert_into(d::table)
                    .values(d::name.eq(&name))
                    .returning(d::id)
                    .get_result(conn)?;
                crate::audit::staff_action(
                    conn,
                    ip.as_deref(),
                    actor,
                    "staff.create_department",
                    Some(("department", id.to_string())),
                    json!({ "name": name }),
                )
            });
            match result {
                Ok(()) => Ok(true),
                Err(Error::Database(e)) if is_unique_violation(&e) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .await?;
    if !created {
        forms.create.refuse("name", Refusal::new(TAKEN));
        return render(&req, &state, &hb, forms, None).await;
    }
    Ok(see_other("/staff/departments?done=created"))
}

pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageDepartments)?;
    check_csrf(&req, &form.csrf)?;
    let id: i32 = path.parse().map_err(|_| Error::NotFound)?;
    let mut forms = Forms {
        rename_id: Some(id),
        ..Forms::default()
    };
    forms.rename.keep("name", &form.name);
    let Some(name) = forms.rename.check("name", parse_name(&form.name)) else {
        return render(&req, &state, &hb, forms, None).await;
    };
    let (actor, ip) = (staff.id(), crate::web::proxy::client_ip(&req));
    let outcome = state
        .db(move |conn| {
            let result = conn.transaction(|conn| {
                let old: String = d::table
                    .find(id)
                    .select(d::name)
                    .for_update()
                    .first(conn)
                    .optional()?
                    .ok_or(Error::NotFound)?;
                diesel::update(d::table.find(id))
                    .set(d::name.eq(&name))
                    .execute(conn)?;
                crate::audit::staff_action(
                    conn,
                    ip.as_deref(),
                    actor,
                    "staff.rename_department",
                    Some(("department", id.to_string())),
                    json!({ "from": old, "to": name }),
                )
            });
            match result {
                Ok(()) => Ok(Ok(())),
                Err(Error::Database(e)) if is_unique_violation(&e) => Ok(Err(())),
                Err(e) => Err(e),
            }
        })
        .await?;
    if outcome.is_err() {
        forms.rename.refuse("name", Refusal::new(TAKEN));
        return render(&req, &state, &hb, forms, None).await;
    }
    Ok(see_other("/staff/departments?done=renamed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_trimmed() {
        assert_eq!(parse_name("  市民活動推進課 ").unwrap(), "市民活動推進課");
        const WHAT: &str = "label.department_name";
        assert_eq!(parse_name("  ").unwrap_err(), Refusal::required(WHAT));
        assert_eq!(
            parse_name(&"課".repeat(101)).unwrap_err(),
            Refusal::too_long(WHAT, 100)
        );
        assert_eq!(
            parse_name("課\u{0}").unwrap_err(),
            Refusal::bad_characters(WHAT)
        );
        assert!(parse_name("一行目\n二行目").is_err());
    }

    #[test]
    fn every_confirmation_and_refusal_has_its_text() {
        crate::web::i18n::assert_keys("staff.departments.done.", DONE);
        crate::web::i18n::assert_english([
            parse_name("").unwrap_err(),
            parse_name(&"あ".repeat(101)).unwrap_err(),
            Refusal::new(TAKEN),
        ]);
    }
}
