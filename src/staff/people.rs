//! `/staff/people`: accounts with their roles, searchable and paginated; one person's page
//! grants and revokes roles (reviewer and moderator per department, admin for the city).

use crate::auth::roles::Action;
use crate::auth::roles::Role;
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::staff::store::{self, Grant, GrantRefused, Person, RevokeRefused};
use crate::web::forms::FormPage;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::page_number;
use crate::web::paging::Pager;
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

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
    #[serde(flatten)]
    person: Person,
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

/// The roles by account, labelled in the reader's language.
fn role_views(lang: Lang, grants: Vec<Grant>) -> HashMap<Uuid, Vec<RoleView>> {
    let mut map: HashMap<Uuid, Vec<RoleView>> = HashMap::new();
    for grant in grants {
        let label = role_label(lang, &grant.role, grant.department.as_deref());
        map.entry(grant.account).or_default().push(RoleView {
            id: grant.id,
            role: grant.role,
            label,
            department: grant.department,
        });
    }
    map
}

/// The search box, kept as typed, with its refusal if the term is too long.
fn search_form(term: &str) -> FormPage {
    let mut form = FormPage::default();
    form.keep("q", term);
    if term.chars().count() > SEARCH_MAX || term.chars().any(char::is_control) {
        form.refuse(
            "q",
            Refusal::new("staff.people.search_too_long").with("max", SEARCH_MAX),
        );
    }
    form
}

/// A page of people with their roles: two queries.
fn people_rows(
    conn: &mut PgConnection,
    lang: Lang,
    search: &str,
    number: i64,
) -> Result<(Vec<PersonRow>, bool)> {
    let (found, more) = store::people(conn, search, number)?;
    let ids: Vec<Uuid> = found.iter().map(|p| p.id).collect();
    let mut roles = role_views(lang, store::roles_of(conn, &ids)?);
    let rows = found
        .into_iter()
        .map(|person| PersonRow {
            roles: roles.remove(&person.id).unwrap_or_default(),
            person,
        })
        .collect();
    Ok((rows, more))
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
    let form = search_form(&term);
    let valid = !form.has_errors();
    let search = term.clone();
    let (rows, more) = state
        .db(move |conn| match valid {
            true => people_rows(conn, lang, &search, number),
            false => Ok((Vec::new(), false)),
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
            let person = store::person(conn, id)?;
            let roles = role_views(lang, store::roles_of(conn, &[id])?)
                .remove(&id)
                .unwrap_or_default();
            Ok((person, roles, store::departments(conn)?))
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

impl GrantForm {
    /// The form kept as typed, and the role (with its department, for per-department roles)
    /// if both are given.
    fn check(&self) -> (FormPage, Option<(Role, Option<i32>)>) {
        let mut page = FormPage::default();
        page.keep("role", &self.role)
            .keep("department", &self.department);
        let role = page.check(
            "role",
            Role::parse(&self.role).ok_or_else(|| Refusal::new("staff.person.role_required")),
        );
        let department = match role {
            Some(r) if r.per_department() => page.check(
                "department",
                self.department
                    .trim()
                    .parse::<i32>()
                    .map(Some)
                    .map_err(|_| Refusal::new("staff.person.department_required")),
            ),
            _ => Some(None),
        };
        let grant = role.zip(department);
        (page, grant)
    }
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
    let (mut page, grant) = form.check();
    let Some((role, department)) = grant else {
        return person_page(&req, &state, &hb, id, page, None).await;
    };
    let (actor, ip) = (staff.id(), crate::web::proxy::client_ip(&req));
    let outcome = state
        .db(move |conn| store::grant_role(conn, ip.as_deref(), actor, id, role, department))
        .await?;
    if let Err(refused) = outcome {
        let (field, key) = match refused {
            GrantRefused::Unverified => ("role", "staff.person.unverified"),
            GrantRefused::NoSuchDepartment => ("department", "staff.person.department_required"),
        };
        page.refuse(field, Refusal::new(key));
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
    let Ok(grant) = form.grant.trim().parse::<i32>() else {
        return Err(Refusal::new("staff.person.no_such_role").into());
    };
    let (actor, ip) = (staff.id(), crate::web::proxy::client_ip(&req));
    let outcome = state
        .db(move |conn| store::revoke_role(conn, ip.as_deref(), actor, id, grant))
        .await?;
    if let Err(refused) = outcome {
        let key = match refused {
            RevokeRefused::NoSuchRole => "staff.person.no_such_role",
            RevokeRefused::OwnAdmin => "staff.person.own_admin",
        };
        let mut page = FormPage::default();
        page.refuse("revoke", Refusal::new(key));
        return person_page(&req, &state, &hb, id, page, None).await;
    }
    Ok(see_other(&format!("/staff/people/{id}?done=revoked")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_confirmation_has_its_text() {
        crate::web::i18n::assert_keys("staff.person.done.", DONE);
    }
}
