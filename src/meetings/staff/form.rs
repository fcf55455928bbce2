//! The meeting form: a new meeting (saved as a draft) or one being edited, with the version it
//! was read at; its publication and its cancellation with a reason.

use super::{authorise, crumbs, require_some_department, run};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::meetings::changes::{self, MAX_REASON};
use crate::meetings::fields::{local_input, Posted};
use crate::meetings::model::Meeting;
use crate::meetings::registrations::Refused;
use crate::meetings::rules::Kind;
use crate::web::forms::FormPage;
use crate::web::i18n::{t, Lang};
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// What the form offers to choose from: departments the staff member runs, the plan's
/// measures, consultations.
struct Choices {
    departments: Vec<(i32, String)>,
    measures: Vec<(String, String)>,
    consultations: Vec<(i32, String)>,
}

async fn choices(req: &HttpRequest, state: &AppState, staff: &Staff) -> Result<Choices> {
    let plan = crate::plan::cache::of(req);
    let now = state.clock.now();
    let mut choices = state
        .db(move |conn| {
            Ok(Choices {
                departments: crate::consultations::model::drafts::departments(conn)?,
                measures: plan
                    .snapshot(conn)?
                    .detailed_measures()
                    .into_iter()
                    .map(|(_, code, title)| (code.to_string(), title))
                    .collect(),
                consultations: changes::consultations(conn, now)?,
            })
        })
        .await?;
    choices
        .departments
        .retain(|(id, _)| staff.may(Action::RunMeetings { department: *id }));
    Ok(choices)
}

/// The form page: `editing` the meeting's id and title, or a new one.
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
    let choices = choices(req, state, staff).await?;
    let chosen = |field: &str, id: &str| posted.value(field).trim() == id;
    let title = t(
        lang,
        if editing.is_some() {
            "staff.meetings.edit"
        } else {
            "staff.meetings.new"
        },
    );
    let action = editing.map_or("/staff/meetings".to_owned(), |(id, _)| {
        format!("/staff/meetings/{id}/edit")
    });
    crate::web::render_page_as(
        req,
        hb,
        "staff/meetings/form",
        &title,
        &crumbs(lang, editing.map(|(id, t)| (t, id)), Some(&title)),
        &json!({
            "form": form,
            "action": action,
            "editing": editing.is_some(),
            "kinds": Kind::ALL.iter().map(|k| json!({ "code": k.code(), "label": t(lang, k.label()), "selected": chosen("kind", k.code()) })).collect::<Vec<_>>(),
            "departments": choices.departments.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": chosen("department", &id.to_string()) })).collect::<Vec<_>>(),
            "measures": choices.measures.iter().map(|(code, title)| json!({ "code": code, "title": title, "checked": posted.measures.contains(code) })).collect::<Vec<_>>(),
            "consultations": choices.consultations.iter().map(|(id, title)| json!({ "id": id, "title": title, "selected": chosen("consultation", &id.to_string()) })).collect::<Vec<_>>(),
        }),
        status,
    )
}

/// `/staff/meetings/new`.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    require_some_department(&staff)?;
    let mut page = FormPage::default();
    // A reviewer of one department: that one, chosen already.
    let mine: Vec<i32> = staff.grants.iter().filter_map(|g| g.department).collect();
    let department = match mine.as_slice() {
        [one] if staff.may(Action::RunMeetings { department: *one }) => one.to_string(),
        _ => String::new(),
    };
    let posted = Posted::from_pairs(vec![
        ("kind".into(), "dialogue".into()),
        ("department".into(), department),
    ]);
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

/// `POST /staff/meetings`: saved as a draft.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    require_some_department(&staff)?;
    let posted = Posted::from_pairs(form.into_inner());
    check_csrf(&req, &posted.csrf)?;
    let mut page = FormPage::default();
    let Some(input) = posted.parse(&mut page) else {
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
    staff.require(Action::RunMeetings {
        department: input.department_id,
    })?;
    match run(&req, &state, &staff, move |conn, at, _| {
        changes::create(conn, &input, at)
    })
    .await?
    {
        Ok(id) => Ok(see_other(&format!("/staff/meetings/{id}"))),
        Err(Refused { field, refusal }) => {
            page.refuse(field, refusal);
            form_page(
                &req,
                &hb,
                &state,
                &staff,
                (&page, &posted),
                None,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

/// The form's values for a saved meeting.
fn posted_of(m: &Meeting) -> Posted {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut pairs: Vec<(String, String)> = [
        ("kind", m.kind.code().to_owned()),
        ("title", m.title.clone()),
        ("description", m.description.clone()),
        ("department", m.department_id.to_string()),
        (
            "consultation",
            m.consultation_id.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("starts_at", local_input(m.schedule.starts_at)),
        ("ends_at", local_input(m.schedule.ends_at)),
        ("venue_name", text(&m.venue_name)),
        ("venue_address", text(&m.venue_address)),
        ("access_notes", text(&m.access_notes)),
        ("online_url", text(&m.online_url)),
        (
            "capacity",
            m.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ),
        (
            "registration_opens_at",
            m.schedule
                .registration_opens_at
                .map(local_input)
                .unwrap_or_default(),
        ),
        (
            "registration_closes_at",
            m.schedule
                .registration_closes_at
                .map(local_input)
                .unwrap_or_default(),
        ),
        ("accessibility_notes", text(&m.accessibility_notes)),
        ("version", m.version.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for code in &m.measures {
        pairs.push(("measures".to_owned(), code.clone()));
    }
    for (field, on) in [
        ("sign_language", m.sign_language),
        ("childcare", m.childcare),
        ("wheelchair", m.wheelchair),
    ] {
        if on {
            pairs.push((field.to_owned(), "on".to_owned()));
        }
    }
    Posted::from_pairs(pairs)
}

/// `/staff/meetings/{id}/edit`: the form with the meeting as it is.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let meeting = authorise(&state, &staff, id.into_inner()).await?;
    if !meeting.state(state.clock.now()).is_changeable() {
        return Err(Error::Refused(crate::refusal::Refusal::new(
            "msg.meeting_not_changeable",
        )));
    }
    let posted = posted_of(&meeting);
    let mut page = FormPage::default();
    posted.keep(&mut page);
    form_page(
        &req,
        &hb,
        &state,
        &staff,
        (&page, &posted),
        Some((meeting.id, &meeting.title)),
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/meetings/{id}/edit`: saved if nobody saved it since the form was read.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let meeting = authorise(&state, &staff, id.into_inner()).await?;
    let id = meeting.id;
    let posted = Posted::from_pairs(form.into_inner());
    check_csrf(&req, &posted.csrf)?;
    let editing = Some((id, meeting.title.as_str()));
    let mut page = FormPage::default();
    let version = page.check(
        "form",
        posted
            .version
            .trim()
            .parse::<i32>()
            .map_err(|_| crate::refusal::Refusal::new("msg.meeting_conflict")),
    );
    let (Some(input), Some(version)) = (posted.parse(&mut page), version) else {
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
    staff.require(Action::RunMeetings {
        department: input.department_id,
    })?;
    match run(&req, &state, &staff, move |conn, at, public_url| {
        changes::update(conn, id, version, &input, at, public_url)
    })
    .await?
    {
        Ok(told) => Ok(see_other(&format!(
            "/staff/meetings/{id}{}",
            if told.is_empty() { "" } else { "?told=1" }
        ))),
        Err(Refused { field, refusal }) => {
            page.refuse(field, refusal);
            form_page(
                &req,
                &hb,
                &state,
                &staff,
                (&page, &posted),
                editing,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/meetings/{id}/publish`.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<crate::web::forms::CsrfOnly>,
) -> Result<HttpResponse> {
    let meeting = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let id = meeting.id;
    let done = run(&req, &state, &staff, move |conn, at, _| {
        changes::publish(conn, id, at)
    })
    .await?;
    super::work::after_change(
        &req,
        &hb,
        &state,
        &staff,
        id,
        "publish",
        FormPage::default(),
        done,
    )
    .await
}

/// `POST /staff/meetings/{id}/cancel`: 中止, with the reason registrants are emailed.
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse> {
    let meeting = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let id = meeting.id;
    let mut page = FormPage::default();
    page.keep("reason", &form.reason);
    let reason = page.check(
        "reason",
        crate::consultations::fields::text(
            &form.reason,
            "label.meeting_cancel_reason",
            MAX_REASON,
            true,
        ),
    );
    let Some(Some(reason)) = reason else {
        return super::work::refused(&req, &hb, &state, &staff, id, "cancel", page).await;
    };
    let done = run(&req, &state, &staff, move |conn, at, public_url| {
        changes::cancel(conn, id, &reason, at, public_url)
    })
    .await?;
    match done {
        Ok(()) => Ok(see_other(&format!("/staff/meetings/{id}?told=1"))),
        refused => {
            super::work::after_change(&req, &hb, &state, &staff, id, "cancel", page, refused).await
        }
    }
}
