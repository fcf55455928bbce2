//! `/staff/people`: accounts with their roles, searchable and paginated; one person's page
//! grants and revokes roles (reviewer and moderator per department, admin for the city).

use crate::auth::roles::Action;
use crate::auth::roles::Role;
use crate::auth::staff::Staff;
use crate::db::schema::{accounts as a, departments as d, staff_roles as sr};
use crate::error::{Error, Result};
use crate::web::forms::FormPage;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::page_number;
use crate::web::paging::Pager;
use crate::web::paging::PER_PAGE;
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// id, display name, email, verified at.
type AccountRow = (Uuid, String, Option<String>, Option<DateTime<Utc>>);

/// The longest search term accepted.
pub const SEARCH_MAX: usize = 100;

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<String>,
}

#[derive(Serialize)]
struct RoleView {
    id: i32,
    role: String,
    label: String,
    department: Option<String>,
}

#[derive(Serialize)]
struct PersonRow {
    id: Uuid,
    display_name: String,
    email: String,
    verified: bool,
    roles: Vec<RoleView>,
}

fn role_label(lang: Lang, role: &str, department: Option<&str>) -> String {
    let name = translate(lang, &format!("staff.role.{role}"), &[]);
    match department {
        Some(dept) => translate(
            lang,
            "staff.role.in_department",
            &[("role", name), ("department", dept.to_owned())],
        ),
        None => name,
    }
}

/// Roles of these accounts with department names: one query.
fn roles_of(
    conn: &mut PgConnection,
    lang: Lang,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<RoleView>>> {
    let rows: Vec<(i32, Uuid, String, Option<String>)> = sr::table
        .left_join(d::table)
        .filter(sr::account_id.eq_any(ids))
        .order((sr::role, d::name, sr::id))
        .select((sr::id, sr::account_id, sr::role, d::name.nullable()))
        .load(conn)?;
    let mut map: HashMap<Uuid, Vec<RoleView>> = HashMap::new();
    for (id, account, role, department) in rows {
        let label = role_label(lang, &role, department.as_deref());
        map.entry(account).or_default().push(RoleView {
            id,
            role,
            label,
            department,
        });
    }
    Ok(map)
}

/// `%`, `_` and `\` typed by the person match themselves.
fn like_pattern(term: &str) -> String {
    let escaped: String = term
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ManagePeople)?;
    let lang = Lang::of(&req);
    let query = query.into_inner();
    let term = query.q.unwrap_or_default().trim().to_owned();
    let number = page_number(query.page.as_deref());
    let mut form = FormPage::default();
    form.keep("q", &term);
    if term.chars().count() > SEARCH_MAX || term.chars().any(char::is_control) {
        form.fail(
            "q",
            &translate(
                lang,
                "staff.people.search_too_long",
                &[("max", SEARCH_MAX.to_string())],
            ),
        );
    }
    let valid = !form.has_errors();
    let search = term.clone();
    let (rows, more) = state
        .db(move |conn| {
            if !valid {
                return Ok((Vec::new(), false));
            }
            let mut q = a::table
                .filter(a::deleted_at.is_null())
                .select((a::id, a::display_name, a::email, a::email_verified_at))
                .order((a::created_at.desc(), a::id))
                .offset((number - 1) * PER_PAGE)
                .limit(PER_PAGE + 1)
                .into_boxed();
            if !search.is_empty() {
                let pattern = like_pattern(&search);
                q = q.filter(
                    a::email
                        .ilike(pattern.clone())
                        .or(a::display_name.ilike(pattern)),
                );
            }
            let mut found: Vec<AccountRow> = q.load(conn)?;
            let more = found.len() as i64 > PER_PAGE;
            found.truncate(PER_PAGE as usize);
            let ids: Vec<Uuid> = found.iter().map(|r| r.0).collect();
            let mut roles = roles_of(conn, lang, &ids)?;
            let rows: Vec<PersonRow> = found
                .into_iter()
                .map(|(id, display_name, email, verified_at)| PersonRow {
                    id,
                    display_name,
                    email: email.unwrap_or_default(),
                    verified: verified_at.is_some(),
                    roles: roles.remove(&id).unwrap_or_default(),
                })
                .collect();
            Ok((rows, more))
        })
        .await?;
    let pager = Pager::new("/staff/people", &[("q", term.clone())], number, more);
    let title = translate(lang, "staff.people.title", &[]);
    let context =
        json!({ "people": rows, "pager": pager, "form": form, "searched": !term.is_empty() });
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_page_as(
        &req,
        &hb,
        "staff/people",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        status,
    )
}

fn account_id(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::NotFound)
}

#[derive(Serialize)]
struct Person {
    id: Uuid,
    display_name: String,
    email: String,
    verified: bool,
}

fn person(conn: &mut PgConnection, id: Uuid) -> Result<Person> {
    let (display_name, email, verified_at): (String, Option<String>, Option<DateTime<Utc>>) =
        a::table
            .find(id)
            .filter(a::deleted_at.is_null())
            .select((a::display_name, a::email, a::email_verified_at))
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?;
    Ok(Person {
        id,
        display_name,
        email: email.unwrap_or_default(),
        verified: verified_at.is_some(),
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The confirmations `?done=` may ask for (`staff.person.done.*`).
pub const DONE: [&str; 2] = ["granted", "revoked"];

async fn person_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    id: Uuid,
    form: FormPage,
    done: Option<&str>,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let (person, roles, departments) = state
        .db(move |conn| {
            let person = person(conn, id)?;
            let roles = roles_of(conn, lang, &[id])?.remove(&id).unwrap_or_default();
            let departments: Vec<(i32, String)> = d::table
                .order(d::name)
                .select((d::id, d::name))
                .load(conn)?;
            Ok((person, roles, departments))
        })
        .await?;
    let departments: Vec<_> = departments
        .into_iter()
        .map(|(id, name)| json!({ "id": id.to_string(), "name": name }))
        .collect();
    let role_options: Vec<_> = Role::ALL.iter().map(|r| json!({ "code": r.code(), "label": translate(lang, &format!("staff.role.{}", r.code()), &[]) })).collect();
    let title = translate(
        lang,
        "staff.person.title",
        &[("name", person.display_name.clone())],
    );
    let people = translate(lang, "staff.people.title", &[]);
    let status = if form.has_errors() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let context = json!({
        "person": person,
        "roles": roles,
        "departments": departments,
        "role_options": role_options,
        "form": form,
        "done": done.map(|key| translate(lang, &format!("staff.person.done.{key}"), &[])),
    });
    render_page_as(
        req,
        hb,
        "staff/person",
        &title,
        &staff_crumbs(
            lang,
            &[(&people, Some("/staff/people".into())), (&title, None)],
        ),
        &context,
        status,
    )
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ManagePeople)?;
    let id = account_id(&path)?;
    let done = query.done.as_deref().filter(|d| DONE.contains(d));
    person_page(&req, &state, &hb, id, FormPage::default(), done).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    department: String,
}

pub async fn grant(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ManagePeople)?;
    check_csrf(&req, &form.csrf)?;
    let id = account_id(&path)?;
    let lang = Lang::of(&req);
    let form = form.into_inner();
    let mut page = FormPage::default();
    page.keep("role", &form.role)
        .keep("department", &form.department);
    let role = page.check(
        "role",
        Role::parse(&form.role).ok_or_else(|| translate(lang, "staff.person.role_required", &[])),
    );
    let department = match role {
        Some(r) if r.per_department() => page.check(
            "department",
            form.department
                .trim()
                .parse::<i32>()
                .map(Some)
                .map_err(|_| translate(lang, "staff.person.department_required", &[])),
        ),
        _ => Some(None),
    };
    let (Some(role), Some(department)) = (role, department) else {
        return person_page(&req, &state, &hb, id, page, None).await;
    };
    let actor = staff.id();
    let ip = crate::web::proxy::client_ip(&req);
    let outcome = state
        .db(move |conn| {
            conn.transaction(|conn| {
                let target = person(conn, id)?;
                if !target.verified {
                    return Ok(Err(("role", "staff.person.unverified")));
                }
                let department_name: Option<String> = match department {
                    Some(dept) => match d::table.find(dept).select(d::name).first::<String>(conn).optional()? {
                        Some(name) => Some(name),
                        None => return Ok(Err(("department", "staff.person.department_required"))),
                    },
                    None => None,
                };
                let inserted = diesel::insert_into(sr::table)
                    .values((sr::account_id.eq(id), sr::role.eq(role.code()), sr::department_id.eq(department)))
                    .on_conflict_do_nothing()
                    .execute(conn)?;
                if inserted == 1 {
                    crate::audit::staff_action(
                        conn,
                        ip.as_deref(),
                        actor,
                        "staff.grant_role",
                        Some(("account", id.to_string())),
                        json!({ "role": role.code(), "department_id": department, "department": department_name, "email": target.email }),
                    )?;
                }
                Ok(Ok(()))
            })
        })
        .await?;
    if let Err((field, key)) = outcome {
        page.fail(field, &translate(lang, key, &[]));
        return person_page(&req, &state, &hb, id, page, None).await;
    }
    Ok(see_other(&format!("/staff/people/{id}?done=granted")))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    grant: String,
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ManagePeople)?;
    check_csrf(&req, &form.csrf)?;
    let id = account_id(&path)?;
    let lang = Lang::of(&req);
    let Ok(grant) = form.grant.trim().parse::<i32>() else {
        return Err(Error::BadRequest(translate(
            lang,
            "staff.person.no_such_role",
            &[],
        )));
    };
    let actor = staff.id();
    let ip = crate::web::proxy::client_ip(&req);
    let outcome = state
        .db(move |conn| {
            conn.transaction(|conn| {
                let found: Option<(String, Option<i32>)> =
                    sr::table.find(grant).filter(sr::account_id.eq(id)).select((sr::role, sr::department_id)).first(conn).optional()?;
                let Some((role, department)) = found else { return Ok(Err("staff.person.no_such_role")) };
                // Nobody locks themselves out: another admin removes an admin's role.
                if id == actor && role == Role::Admin.code() {
                    return Ok(Err("staff.person.own_admin"));
                }
                diesel::delete(sr::table.find(grant)).execute(conn)?;
                let department_name: Option<String> = match department {
                    Some(dept) => d::table.find(dept).select(d::name).first(conn).optional()?,
                    None => None,
                };
                crate::audit::staff_action(
                    conn,
                    ip.as_deref(),
                    actor,
                    "staff.revoke_role",
                    Some(("account", id.to_string())),
                    json!({ "role": role, "department_id": department, "department": department_name }),
                )?;
                Ok(Ok(()))
            })
        })
        .await?;
    if let Err(key) = outcome {
        let mut page = FormPage::default();
        page.fail("revoke", &translate(lang, key, &[]));
        return person_page(&req, &state, &hb, id, page, None).await;
    }
    Ok(see_other(&format!("/staff/people/{id}?done=revoked")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_match_literally() {
        assert_eq!(like_pattern("taro"), "%taro%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn every_confirmation_has_its_text() {
        crate::web::i18n::assert_keys("staff.person.done.", DONE);
    }
}
