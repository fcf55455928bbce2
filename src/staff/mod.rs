//! The staff area (`/staff`) itself: a dashboard, people and roles, departments, organisation
//! verification, the audit log and the email outbox. Other domains own their staff pages
//! (proposal review, moderation, KPI actual values, consultations); `auth::staff` holds the
//! `Staff` extractor and the route table type they all use.

pub mod admin;
pub mod answers;
pub mod audit_log;
pub mod departments;
pub mod figures;
pub mod organisations;
pub mod outbox;
pub mod people;
pub mod store;

use crate::auth::roles::{Action, Role};
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::error::Result;
use crate::web::i18n::{translate, Lang};
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

/// The staff area's own routes: dashboard, people and roles, departments, organisations, the figures, the audit log and the outbox.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff", |r| r.to(dashboard)),
    get("/staff/people", |r| r.to(people::list)),
    get("/staff/people/{id}", |r| r.to(people::show)),
    post("/staff/people/{id}/roles", |r| r.to(people::grant)),
    post("/staff/people/{id}/roles/revoke", |r| r.to(people::revoke)),
    get("/staff/departments", |r| r.to(departments::list)),
    post("/staff/departments", |r| r.to(departments::create)),
    post("/staff/departments/{id}", |r| r.to(departments::rename)),
    get("/staff/organisations", |r| r.to(organisations::list)),
    post("/staff/organisations/{id}/verify", |r| {
        r.to(organisations::verify)
    }),
    get("/staff/audit", |r| r.to(audit_log::list)),
    get("/staff/outbox", |r| r.to(outbox::list)),
    get("/staff/figures", |r| r.to(figures::page)),
    post("/staff/outbox/{id}/retry", |r| r.to(outbox::retry)),
];

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
            Ok(crate::db::prepared(diesel::sql_query(
                "SELECT (SELECT count(*) FROM accounts WHERE deleted_at IS NULL) AS people,
                        (SELECT count(*) FROM organisations WHERE verified_at IS NULL) AS unverified_organisations,
                        (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NOT NULL) AS emails_failed,
                        (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS emails_pending",
            ))
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
        (
            "/staff/drafts",
            "drafts",
            Action::ReviewProposals { department: -1 },
        ),
        (
            "/staff/answer-templates",
            "answer_templates",
            Action::ReviewProposals { department: -1 },
        ),
        ("/staff/measures", "measures", Action::ManageDepartments),
        (
            "/staff/consultations",
            "consultations",
            Action::ViewStaffArea,
        ),
        ("/staff/meetings", "meetings", Action::ViewStaffArea),
        ("/staff/surveys", "surveys", Action::ViewStaffArea),
        (
            "/staff/moderation",
            "moderation",
            Action::ModerateComments { department: -1 },
        ),
        ("/staff/figures", "figures", Action::ViewStaffArea),
        ("/staff/audit", "audit", Action::ReadAudit),
        ("/staff/outbox", "outbox", Action::ManageOutbox),
    ];
    let sections: Vec<Section> = all
        .into_iter()
        .filter(|(href, _, action)| {
            staff.may(*action)
                || (matches!(
                    *href,
                    "/staff/proposals" | "/staff/drafts" | "/staff/answer-templates"
                ) && crate::proposals::review::reviewed_departments(&staff.grants)
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
    crate::web::render_page_as(
        &req,
        &hb,
        "staff/dashboard",
        &title,
        &crate::web::staff_crumbs(lang, &[]),
        &context,
        StatusCode::OK,
    )
}
