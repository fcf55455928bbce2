//! The survey form: a new survey (saved as a draft) or one being edited, with the version it
//! was read at so two editors cannot overwrite each other.

use super::{authorise, crumbs, require_some_department};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::meetings::fields::local_input;
use crate::surveys::build;
use crate::surveys::fields::{self, Posted, SURVEY_FIELDS};
use crate::surveys::model::Survey;
use crate::surveys::rules::{Access, ResultsMode};
use crate::web::forms::FormPage;
use crate::web::i18n::{t, Lang};
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// The form page: `editing` the survey's id and title, or a new one.
async fn form_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    (form, posted): (&FormPage, &Posted),
    editing: Option<(i32, &str)>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let mut departments = state
        .db(crate::consultations::model::drafts::departments)
        .await?;
    departments.retain(|(id, _)| staff.may(Action::RunSurveys { department: *id }));
    let chosen = |field: &str, code: &str| posted.value(field).trim() == code;
    let title = t(
        lang,
        if editing.is_some() {
            "staff.surveys.edit"
        } else {
            "staff.surveys.new"
        },
    );
    let action = editing.map_or("/staff/surveys".to_owned(), |(id, _)| {
        format!("/staff/surveys/{id}/edit")
    });
    crate::web::render_page_as(
        req,
        hb,
        "surveys/staff/form",
        &title,
        &crumbs(lang, editing.map(|(id, t)| (t, id)), Some(&title)),
        &json!({
            "form": form,
            "action": action,
            "editing": editing.is_some(),
            "departments": departments.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": chosen("department", &id.to_string()) })).collect::<Vec<_>>(),
            "accesses": Access::ALL.iter().map(|a| json!({ "code": a.as_str(), "label": t(lang, a.label()), "checked": chosen("access", a.as_str()) })).collect::<Vec<_>>(),
            "results_modes": ResultsMode::ALL.iter().map(|m| json!({ "code": m.as_str(), "label": t(lang, m.label()), "checked": chosen("results_mode", m.as_str()) })).collect::<Vec<_>>(),
        }),
        status,
    )
}

fn posted(pairs: Vec<(String, String)>) -> Posted {
    Posted::from_pairs(pairs, &SURVEY_FIELDS)
}

/// `/staff/surveys/new`.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    require_some_department(&staff)?;
    // A reviewer of one department: that one, chosen already.
    let mine: Vec<i32> = staff.grants.iter().filter_map(|g| g.department).collect();
    let department = match mine.as_slice() {
        [one] if staff.may(Action::RunSurveys { department: *one }) => one.to_string(),
        _ => String::new(),
    };
    let posted = posted(vec![
        ("department".into(), department),
        ("access".into(), Access::Account.as_str().into()),
        (
            "results_mode".into(),
            ResultsMode::OnPublish.as_str().into(),
        ),
    ]);
    let mut page = FormPage::default();
    posted.keep(&mut page);
    form_page(
        &req,
        &hb,
        &state,
        &staff,
        (&page, &posted),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/surveys`: saved as a draft.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    require_some_department(&staff)?;
    let posted = posted(form.into_inner());
    check_csrf(&req, &posted.csrf)?;
    let mut page = FormPage::default();
    let Some(input) = fields::survey(&posted, &mut page) else {
        return form_page(
            &req,
            &hb,
            &state,
            &staff,
            (&page, &posted),
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    staff.require(Action::RunSurveys {
        department: input.department_id,
    })?;
    let (by, now) = (staff.id(), state.clock.now());
    let id = state
        .db(move |conn| build::create(conn, &input, by, now))
        .await?;
    Ok(see_other(&format!("/staff/surveys/{id}")))
}

/// The form's values for a saved survey.
fn posted_of(s: &Survey) -> Posted {
    posted(
        [
            ("title", s.title.clone()),
            ("description", s.description.clone()),
            ("department", s.department_id.to_string()),
            ("access", s.access.as_str().to_owned()),
            ("opens_at", local_input(s.window.opens_at)),
            ("closes_at", local_input(s.window.closes_at)),
            ("results_mode", s.results_mode.as_str().to_owned()),
            ("version", s.version.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

/// `/staff/surveys/{id}/edit`: the form with the survey as it is.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    let s = &full.survey;
    let posted = posted_of(s);
    let mut page = FormPage::default();
    posted.keep(&mut page);
    form_page(
        &req,
        &hb,
        &state,
        &staff,
        (&page, &posted),
        Some((s.id, &s.title)),
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/surveys/{id}/edit`: saved if nobody saved it since the form was read.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    let id = full.survey.id;
    let posted = posted(form.into_inner());
    check_csrf(&req, &posted.csrf)?;
    let editing = Some((id, full.survey.title.as_str()));
    let mut page = FormPage::default();
    let input = fields::survey(&posted, &mut page);
    let version = page.check(
        "form",
        posted
            .value("version")
            .trim()
            .parse::<i32>()
            .map_err(|_| crate::refusal::Refusal::new("msg.survey_conflict")),
    );
    let (Some(input), Some(version)) = (input, version) else {
        return form_page(
            &req,
            &hb,
            &state,
            &staff,
            (&page, &posted),
            editing,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    // Moving it to another department: the staff member must run that one's too.
    staff.require(Action::RunSurveys {
        department: input.department_id,
    })?;
    let now = state.clock.now();
    match state
        .db(move |conn| build::update(conn, id, version, &input, now))
        .await
    {
        Ok(()) => Ok(see_other(&format!("/staff/surveys/{id}"))),
        Err(Error::Refused(refusal)) => {
            page.refuse("form", refusal);
            form_page(
                &req,
                &hb,
                &state,
                &staff,
                (&page, &posted),
                editing,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
