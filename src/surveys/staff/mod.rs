//! Staff pages of surveys (アンケート), for a department's reviewers and admins: the list; the
//! survey form (`form`); the year's satisfaction survey made from the plan (`satisfaction`); the builder of sections and questions (`builder`); and the work on a
//! survey: preview, test and paper answers, publication, closing, results, one-time codes and
//! the moderation of free text (`work`). Every record is checked against
//! `Action::RunSurveys` for its department.

mod builder;
mod form;
mod satisfaction;
mod work;

use super::model::{self, Survey};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::error::{Error, Result};
use crate::web::i18n::{t, Lang};
use crate::web::present::date_time;
use crate::web::staff_crumbs;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// The staff routes of surveys.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/surveys", |r| r.to(list)),
    get("/staff/surveys/new", |r| r.to(form::new_form)),
    post("/staff/surveys", |r| r.to(form::create)),
    get("/staff/surveys/satisfaction/new", |r| {
        r.to(satisfaction::new_form)
    }),
    post("/staff/surveys/satisfaction/new", |r| {
        r.to(satisfaction::create)
    }),
    get("/staff/surveys/{id}", |r| r.to(builder::show)),
    get("/staff/surveys/{id}/edit", |r| r.to(form::edit_form)),
    post("/staff/surveys/{id}/edit", |r| r.to(form::update)),
    post("/staff/surveys/{id}/sections", |r| {
        r.to(builder::add_section)
    }),
    post("/staff/surveys/{id}/questions", |r| {
        r.to(builder::add_question)
    }),
    get("/staff/surveys/{id}/questions/{question}", |r| {
        r.to(builder::question_form)
    }),
    post("/staff/surveys/{id}/questions/{question}", |r| {
        r.to(builder::update_question)
    }),
    post("/staff/surveys/{id}/questions/{question}/move", |r| {
        r.to(builder::move_question)
    }),
    post("/staff/surveys/{id}/questions/{question}/delete", |r| {
        r.to(builder::delete_question)
    }),
    get("/staff/surveys/{id}/preview", |r| r.to(work::preview)),
    get("/staff/surveys/{id}/enter", |r| r.to(work::enter_form)),
    post("/staff/surveys/{id}/enter", |r| r.to(work::enter)),
    post("/staff/surveys/{id}/publish", |r| r.to(work::publish)),
    post("/staff/surveys/{id}/close", |r| r.to(work::close)),
    post("/staff/surveys/{id}/results", |r| {
        r.to(work::publish_results)
    }),
    post("/staff/surveys/{id}/codes", |r| r.to(work::codes)),
    get("/staff/surveys/{id}/texts", |r| r.to(work::texts)),
    post("/staff/surveys/{id}/texts/{answer}", |r| {
        r.to(work::moderate)
    }),
];

/// A survey's line in the list and the head of its pages.
fn summary_json(lang: Lang, s: &Survey, responses: i64, now: DateTime<Utc>) -> Value {
    let state = s.state(now);
    json!({
        "id": s.id,
        "title": s.title,
        "department": s.department,
        "state": state.as_str(),
        "state_label": t(lang, state.label()),
        "kind_label": t(lang, s.kind.label()),
        "access": s.access.as_str(),
        "access_label": t(lang, s.access.label()),
        "results_mode_label": t(lang, s.results_mode.label()),
        "results_published": s.results_published_at.is_some(),
        "opens": date_time(lang, s.window.opens_at),
        "closes": date_time(lang, s.window.closes_at),
        "responses": responses,
        "staff_href": format!("/staff/surveys/{}", s.id),
    })
}

/// `/staff/surveys`: the surveys of the departments the staff member runs (admins: all), the
/// latest to open first, with how many answered.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let filter = model::Filter {
        drafts: true,
        ..model::Filter::default()
    };
    let (mut surveys, counts) = state
        .db(move |conn| {
            let surveys = model::list(conn, &filter, now)?;
            let ids: Vec<i32> = surveys.iter().map(|s| s.id).collect();
            Ok((surveys, super::build::submitted_counts(conn, &ids)?))
        })
        .await?;
    surveys.retain(|s| {
        staff.may(Action::RunSurveys {
            department: s.department_id,
        })
    });
    let items: Vec<Value> = surveys
        .iter()
        .map(|s| summary_json(lang, s, counts.get(&s.id).copied().unwrap_or_default(), now))
        .collect();
    let title = t(lang, "staff.surveys.title");
    crate::web::render_page_as(
        &req,
        &hb,
        "surveys/staff/list",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &json!({ "surveys": items, "may_create": staff.may_somewhere(|department| Action::RunSurveys { department }) }),
        StatusCode::OK,
    )
}

/// 403 unless the staff member runs some department's surveys: the new form.
fn require_some_department(staff: &Staff) -> Result<()> {
    staff.require_somewhere(|department| Action::RunSurveys { department })
}

/// The survey with its questions, once its department's staff (or an admin) is known to be
/// asking.
async fn authorise(state: &AppState, staff: &Staff, id: i32) -> Result<model::Full> {
    let full = state
        .db(move |conn| model::load(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    staff.require(Action::RunSurveys {
        department: full.survey.department_id,
    })?;
    Ok(full)
}

/// The breadcrumbs of a survey's staff pages: the list, then the survey (linked when the page
/// is one below it).
fn crumbs(lang: Lang, survey: Option<(&str, i32)>, page: Option<&str>) -> Vec<crate::web::Crumb> {
    let list = t(lang, "staff.surveys.title");
    let mut trail: Vec<(&str, Option<String>)> = vec![(&list, Some("/staff/surveys".into()))];
    if let Some((title, id)) = survey {
        trail.push((title, page.map(|_| format!("/staff/surveys/{id}"))));
    }
    if let Some(page) = page {
        trail.push((page, None));
    }
    staff_crumbs(lang, &trail)
}
