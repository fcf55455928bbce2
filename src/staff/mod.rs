//! The staff area (`/staff`): a dashboard, people and roles, departments, organisation
//! verification, KPI actual values, the audit log and the email outbox.
//!
//! Authorisation happens in one place: every handler takes [`Staff`] (a signed-in person and
//! their roles, loaded with one query) and calls [`Staff::require`] with its [`Action`] first;
//! [`roles::allows`] decides. Every staff route is a row of [`STAFF_ROUTES`], the only way
//! [`routes`] registers one, and the integration tests walk that table for every kind of
//! visitor, so a route without a guard or without a row fails them.

pub mod admin;
pub mod audit_log;
pub mod departments;
pub mod kpis;
pub mod moderation;
pub mod organisations;
pub mod outbox;
pub mod people;
pub mod proposals;
pub mod roles;

use crate::audit::{self, Entry};
use crate::db::schema::staff_roles as sr;
use crate::error::{Error, Result};
use crate::web::i18n::{translate, Lang};
use crate::web::proxy::client_ip;
use crate::web::visitor::Viewer;
use crate::web::AppState;
use crate::web::Crumb;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use handlebars::Handlebars;
pub use roles::{allows, Action, Grant, Role};
use serde::Serialize;
use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

pub type Templates = web::Data<Handlebars<'static>>;

/// Rows per page in the staff lists.
pub const PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A staff route: a path pattern as actix writes it and the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffRoute {
    pub path: &'static str,
    pub method: Method,
}

const fn get(path: &'static str) -> StaffRoute {
    StaffRoute {
        path,
        method: Method::Get,
    }
}

const fn post(path: &'static str) -> StaffRoute {
    StaffRoute {
        path,
        method: Method::Post,
    }
}

/// Every staff route. [`routes`] registers exactly these; the authorisation matrix test checks
/// each of them for every kind of visitor and fails on a row it does not know.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff"),
    get("/staff/people"),
    get("/staff/people/{id}"),
    post("/staff/people/{id}/roles"),
    post("/staff/people/{id}/roles/revoke"),
    get("/staff/departments"),
    post("/staff/departments"),
    post("/staff/departments/{id}"),
    get("/staff/organisations"),
    post("/staff/organisations/{id}/verify"),
    get("/staff/kpis"),
    get("/staff/kpis/{code}"),
    post("/staff/kpis/{code}"),
    get("/staff/audit"),
    get("/staff/outbox"),
    post("/staff/outbox/{id}/retry"),
    get("/staff/proposals.csv"),
    get("/staff/proposals"),
    get("/staff/proposals/{id}"),
    post("/staff/proposals/{id}/assign"),
    post("/staff/proposals/{id}/transition"),
    post("/staff/proposals/{id}/notes"),
    post("/staff/proposals/{id}/responses"),
    get("/staff/measures"),
    post("/staff/measures"),
    get("/staff/moderation"),
    post("/staff/moderation/{id}/hide"),
    post("/staff/moderation/{id}/restore"),
    post("/staff/moderation/{id}/approve"),
    post("/staff/moderation/{id}/dismiss"),
    post("/staff/moderation/premoderation"),
    get("/staff/consultations"),
    get("/staff/consultations/new"),
    post("/staff/consultations"),
    get("/staff/consultations/{id}"),
    get("/staff/consultations/{id}/edit"),
    post("/staff/consultations/{id}/edit"),
    post("/staff/consultations/{id}/comments"),
    post("/staff/consultations/{id}/items"),
    post("/staff/consultations/{id}/exclude"),
    post("/staff/consultations/{id}/publish"),
    get("/staff/consultations/{id}/preview"),
    post("/staff/consultations/{id}/announce"),
    post("/staff/consultations/{id}/correct"),
    post("/staff/consultations/{id}/extend"),
    post("/staff/consultations/{id}/withdraw"),
];

fn handler(route: &StaffRoute) -> actix_web::Route {
    let r = match route.method {
        Method::Get => web::get(),
        Method::Post => web::post(),
    };
    match (route.path, route.method) {
        ("/staff", Method::Get) => r.to(dashboard),
        ("/staff/people", Method::Get) => r.to(people::list),
        ("/staff/people/{id}", Method::Get) => r.to(people::show),
        ("/staff/people/{id}/roles", Method::Post) => r.to(people::grant),
        ("/staff/people/{id}/roles/revoke", Method::Post) => r.to(people::revoke),
        ("/staff/departments", Method::Get) => r.to(departments::list),
        ("/staff/departments", Method::Post) => r.to(departments::create),
        ("/staff/departments/{id}", Method::Post) => r.to(departments::rename),
        ("/staff/organisations", Method::Get) => r.to(organisations::list),
        ("/staff/organisations/{id}/verify", Method::Post) => r.to(organisations::verify),
        ("/staff/kpis", Method::Get) => r.to(kpis::list),
        ("/staff/kpis/{code}", Method::Get) => r.to(kpis::show),
        ("/staff/kpis/{code}", Method::Post) => r.to(kpis::record),
        ("/staff/audit", Method::Get) => r.to(audit_log::list),
        ("/staff/outbox", Method::Get) => r.to(outbox::list),
        ("/staff/outbox/{id}/retry", Method::Post) => r.to(outbox::retry),
        ("/staff/proposals.csv", Method::Get) => r.to(crate::proposals::export::csv),
        ("/staff/proposals", Method::Get) => r.to(proposals::queue),
        ("/staff/proposals/{id}", Method::Get) => r.to(proposals::show),
        ("/staff/proposals/{id}/assign", Method::Post) => r.to(proposals::assign),
        ("/staff/proposals/{id}/transition", Method::Post) => r.to(proposals::transition),
        ("/staff/proposals/{id}/notes", Method::Post) => r.to(proposals::note),
        ("/staff/proposals/{id}/responses", Method::Post) => r.to(proposals::respond),
        ("/staff/measures", Method::Get) => r.to(proposals::measures),
        ("/staff/measures", Method::Post) => r.to(proposals::set_measure),
        ("/staff/moderation", Method::Get) => r.to(moderation::queue),
        ("/staff/moderation/{id}/hide", Method::Post) => r.to(moderation::hide),
        ("/staff/moderation/{id}/restore", Method::Post) => r.to(moderation::restore),
        ("/staff/moderation/{id}/approve", Method::Post) => r.to(moderation::approve),
        ("/staff/moderation/{id}/dismiss", Method::Post) => r.to(moderation::dismiss),
        ("/staff/moderation/premoderation", Method::Post) => r.to(moderation::premoderation),
        ("/staff/consultations", Method::Get) => r.to(crate::consultations::staff::list),
        ("/staff/consultations/new", Method::Get) => r.to(crate::consultations::staff::new_form),
        ("/staff/consultations", Method::Post) => r.to(crate::consultations::staff::create),
        ("/staff/consultations/{id}", Method::Get) => r.to(crate::consultations::staff::show),
        ("/staff/consultations/{id}/edit", Method::Get) => {
            r.to(crate::consultations::staff::edit_form)
        }
        ("/staff/consultations/{id}/edit", Method::Post) => {
            r.to(crate::consultations::staff::update)
        }
        ("/staff/consultations/{id}/comments", Method::Post) => {
            r.to(crate::consultations::staff::enter)
        }
        ("/staff/consultations/{id}/items", Method::Post) => {
            r.to(crate::consultations::staff::add_item)
        }
        ("/staff/consultations/{id}/exclude", Method::Post) => {
            r.to(crate::consultations::staff::exclude)
        }
        ("/staff/consultations/{id}/publish", Method::Post) => {
            r.to(crate::consultations::staff::publish)
        }
        ("/staff/consultations/{id}/preview", Method::Get) => {
            r.to(crate::consultations::staff::preview)
        }
        ("/staff/consultations/{id}/announce", Method::Post) => {
            r.to(crate::consultations::staff::announce)
        }
        ("/staff/consultations/{id}/correct", Method::Post) => {
            r.to(crate::consultations::staff::correct)
        }
        ("/staff/consultations/{id}/extend", Method::Post) => {
            r.to(crate::consultations::staff::extend)
        }
        ("/staff/consultations/{id}/withdraw", Method::Post) => {
            r.to(crate::consultations::staff::withdraw)
        }
        (path, method) => panic!("staff route {method:?} {path} has no handler"),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    for route in STAFF_ROUTES {
        cfg.route(route.path, handler(route));
    }
}

/// A signed-in staff member: who they are and the roles they hold. Anonymous visitors are sent
/// to sign in (the `Viewer` extractor); a person without a role gets 403 from [`Staff::require`].
#[derive(Debug, Clone)]
pub struct Staff {
    pub viewer: Viewer,
    pub grants: Vec<Grant>,
}

impl Staff {
    pub fn may(&self, action: Action) -> bool {
        allows(&self.grants, action)
    }

    /// `Error::Forbidden` with a Japanese message unless the roles allow `action`.
    pub fn require(&self, action: Action) -> Result<()> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Error::Forbidden(roles::refusal(action)))
        }
    }

    pub fn id(&self) -> Uuid {
        self.viewer.id
    }
}

/// The roles of an account, in one query. An unverified or deleted account holds none.
pub fn grants_of(conn: &mut PgConnection, account: Uuid) -> Result<Vec<Grant>> {
    use crate::db::schema::accounts as a;
    let rows: Vec<(String, Option<i32>)> = sr::table
        .inner_join(a::table)
        .filter(sr::account_id.eq(account))
        .filter(a::email_verified_at.is_not_null())
        .filter(a::deleted_at.is_null())
        .select((sr::role, sr::department_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, department)| Role::parse(&role).map(|role| Grant { role, department }))
        .collect())
}

/// Whether an account holds any staff role (the account page links to `/staff` then).
pub fn has_any_role(conn: &mut PgConnection, account: Uuid) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        sr::table.filter(sr::account_id.eq(account)),
    ))
    .get_result(conn)?)
}

impl FromRequest for Staff {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Staff>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = Viewer::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let viewer = viewer.await?;
            let state = state.ok_or_else(|| Error::Internal("no application state".into()))?;
            let id = viewer.id;
            let grants = if viewer.verified() {
                state.db(move |conn| grants_of(conn, id)).await?
            } else {
                Vec::new()
            };
            Ok(Staff { viewer, grants })
        })
    }
}

/// Records what a staff member did, with their address.
pub fn audit(
    conn: &mut PgConnection,
    req_ip: Option<&str>,
    actor: Uuid,
    action: &str,
    record: Option<(&str, String)>,
    details: serde_json::Value,
) -> Result<()> {
    audit::record(
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

/// The requester's address for the audit log.
pub fn ip(req: &HttpRequest) -> Option<String> {
    client_ip(req)
}

/// Breadcrumbs: home › 職員ページ › … › this page.
pub fn crumbs(lang: Lang, trail: &[(&str, Option<String>)]) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb {
        label: translate(lang, "crumb.home", &[]),
        href: Some("/".into()),
    }];
    if !trail.is_empty() {
        crumbs.push(Crumb {
            label: translate(lang, "staff.title", &[]),
            href: Some("/staff".into()),
        });
    }
    crumbs.extend(trail.iter().map(|(label, href)| Crumb {
        label: (*label).to_owned(),
        href: href.clone(),
    }));
    if trail.is_empty() {
        crumbs.push(Crumb {
            label: translate(lang, "staff.title", &[]),
            href: None,
        });
    }
    crumbs
}

/// Renders a staff page; `status` lets a form with errors answer 400.
pub use crate::web::render_page_as as page;

/// A 303 to `location` after a successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", location.to_owned()))
        .finish()
}

/// `?page=` as a number from 1; anything else is the first page.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1)
}

/// Links to the previous and next pages of a list, keeping the other query parameters.
#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `more` tells whether a row beyond this page exists (load `PER_PAGE + 1` rows).
    pub fn new(path: &str, params: &[(&str, String)], page: i64, more: bool) -> Pager {
        let href = |n: i64| {
            let mut query: Vec<String> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        percent_encoding::utf8_percent_encode(
                            v,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                })
                .collect();
            if n > 1 {
                query.push(format!("page={n}"));
            }
            if query.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", query.join("&"))
            }
        };
        Pager {
            page,
            prev: (page > 1).then(|| href(page - 1)),
            next: more.then(|| href(page + 1)),
        }
    }
}

/// A form field that only needs the CSRF token.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

#[derive(Serialize)]
struct Section {
    href: &'static str,
    label: String,
    help: String,
}

#[derive(QueryableByName, Serialize)]
struct Counts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    people: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    unverified_organisations: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    emails_failed: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    emails_pending: i64,
}

/// `/staff`: counts and the sections this person may use.
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let counts: Counts = state
        .db(|conn| {
            Ok(diesel::sql_query(
                "SELECT (SELECT count(*) FROM accounts WHERE deleted_at IS NULL) AS people,
                        (SELECT count(*) FROM organisations WHERE verified_at IS NULL) AS unverified_organisations,
                        (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NOT NULL) AS emails_failed,
                        (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS emails_pending",
            )
            .get_result(conn)?)
        })
        .await?;
    let lang = Lang::of(&req);
    let all = [
        ("/staff/people", "people", Action::ManagePeople),
        (
            "/staff/departments",
            "departments",
            Action::ManageDepartments,
        ),
        (
            "/staff/organisations",
            "organisations",
            Action::VerifyOrganisations,
        ),
        (
            "/staff/kpis",
            "kpis",
            Action::RecordKpiActuals { department: None },
        ),
        (
            "/staff/proposals",
            "proposals",
            Action::ReviewProposals { department: -1 },
        ),
        ("/staff/measures", "measures", Action::ManageDepartments),
        (
            "/staff/consultations",
            "consultations",
            Action::ViewStaffArea,
        ),
        (
            "/staff/moderation",
            "moderation",
            Action::ModerateComments { department: -1 },
        ),
        ("/staff/audit", "audit", Action::ReadAudit),
        ("/staff/outbox", "outbox", Action::ManageOutbox),
    ];
    let sections: Vec<Section> = all
        .into_iter()
        .filter(|(href, _, action)| {
            staff.may(*action)
                || (*href == "/staff/proposals"
                    && crate::proposals::review::reviewed_departments(&staff.grants)
                        .is_some_and(|d| !d.is_empty()))
                || (*href == "/staff/moderation"
                    && crate::comments::rules::moderated_departments(&staff.grants)
                        .is_some_and(|d| !d.is_empty()))
        })
        .map(|(href, key, _)| Section {
            href,
            label: translate(lang, &format!("staff.{key}.title"), &[]),
            help: translate(lang, &format!("staff.{key}.help"), &[]),
        })
        .collect();
    let roles: Vec<&'static str> = {
        let mut roles: Vec<Role> = staff.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles.into_iter().map(Role::code).collect()
    };
    let title = translate(lang, "staff.title", &[]);
    let context = json!({
        "counts": counts,
        "sections": sections,
        "roles": roles,
        "admin": staff.may(Action::ManagePeople),
    });
    page(
        &req,
        &hb,
        "staff/dashboard",
        &title,
        &crumbs(lang, &[]),
        &context,
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_handler_and_appears_once() {
        for (i, route) in STAFF_ROUTES.iter().enumerate() {
            assert!(
                route.path == "/staff" || route.path.starts_with("/staff/"),
                "{route:?}"
            );
            assert!(!STAFF_ROUTES[..i].contains(route), "{route:?} twice");
            let _ = handler(route);
        }
    }

    #[test]
    fn pagers_keep_the_query() {
        let p = Pager::new(
            "/staff/people",
            &[("q", "山田 太郎".into()), ("x", String::new())],
            2,
            true,
        );
        assert_eq!(
            p.prev.as_deref(),
            Some("/staff/people?q=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E")
        );
        assert_eq!(
            p.next.as_deref(),
            Some("/staff/people?q=%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E&page=3")
        );
        let p = Pager::new("/staff/audit", &[], 1, false);
        assert_eq!((p.prev, p.next), (None, None));
        assert_eq!(
            Pager::new("/staff/audit", &[], 2, false).prev.as_deref(),
            Some("/staff/audit")
        );
    }

    #[test]
    fn page_numbers_are_lenient() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("3")), 3);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("-2")), 1);
        assert_eq!(page_number(Some("abc")), 1);
        assert_eq!(page_number(Some("99999999999")), 1);
    }
}
