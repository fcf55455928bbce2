//! 「満足度調査を作成」: the year's satisfaction survey (市民意識調査) made from the plan, as a
//! draft of the department whose reviewers run it; one per 年度.

use super::{crumbs, require_some_department};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::surveys::fields::{self, Posted, SATISFACTION_FIELDS};
use crate::surveys::rules::Access;
use crate::surveys::satisfaction;
use crate::web::forms::FormPage;
use crate::web::i18n::{t, Lang};
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// The form, as typed.
async fn form_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    (form, posted): (&FormPage, &Posted),
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let mut departments = state
        .db(crate::consultations::model::drafts::departments)
        .await?;
    departments.retain(|(id, _)| staff.may(Action::RunSurveys { department: *id }));
    let chosen = |field: &str, code: &str| posted.value(field).trim() == code;
    // Never anonymous: one answer per sampled resident or account.
    let accesses: Vec<_> = [Access::Code, Access::Account]
        .iter()
        .map(|a| json!({ "code": a.as_str(), "label": t(lang, a.label()), "checked": chosen("access", a.as_str()) }))
        .collect();
    let title = t(lang, "staff.surveys.satisfaction_new");
    crate::web::render_page_as(
        req,
        hb,
        "surveys/staff/satisfaction",
        &title,
        &crumbs(lang, None, Some(&title)),
        &json!({
            "form": form,
            "departments": departments.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": chosen("department", &id.to_string()) })).collect::<Vec<_>>(),
            "accesses": accesses,
        }),
        status,
    )
}

/// `/staff/surveys/satisfaction/new`: answered by code (the sampled residents) unless changed.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    require_some_department(&staff)?;
    let posted = Posted::from_pairs(
        vec![("access".into(), Access::Code.as_str().into())],
        &SATISFACTION_FIELDS,
    );
    let mut page = FormPage::default();
    posted.keep(&mut page);
    form_page(&req, &hb, &state, &staff, (&page, &posted), StatusCode::OK).await
}

/// `POST /staff/surveys/satisfaction/new`: the draft made from the plan, then its page.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    require_some_department(&staff)?;
    let posted = Posted::from_pairs(form.into_inner(), &SATISFACTION_FIELDS);
    check_csrf(&req, &posted.csrf)?;
    let mut page = FormPage::default();
    let Some(new) = fields::satisfaction(&posted, &mut page) else {
        return form_page(
            &req,
            &hb,
            &state,
            &staff,
            (&page, &posted),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    staff.require(Action::RunSurveys {
        department: new.department_id,
    })?;
    let (plan, by) = (crate::plan::cache::of(&req), staff.id());
    match state
        .db(move |conn| {
            let snapshot = plan.snapshot(conn)?;
            satisfaction::create(conn, &snapshot, &new, by)
        })
        .await
    {
        Ok(id) => Ok(see_other(&format!("/staff/surveys/{id}"))),
        Err(Error::Refused(refusal)) => {
            page.refuse("fiscal_year", refusal);
            form_page(
                &req,
                &hb,
                &state,
                &staff,
                (&page, &posted),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
