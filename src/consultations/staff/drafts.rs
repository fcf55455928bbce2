//! A new consultation and its draft (公示前): the form to create and edit it, the preview of
//! its public page, and its announcement (公示). Admins only, but for the preview.

use super::work::{WorkForm, WorkPage};
use super::{authorise, sections_text};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::consultations::fields;
use crate::consultations::handlers::{self, Shown};
use crate::consultations::lifecycle;
use crate::consultations::model::drafts::NewConsultation;
use crate::consultations::model::{self, Refused};
use crate::consultations::period::{day_of, State};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::{CsrfOnly, FormPage};
use crate::web::i18n::{t, Lang};
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// What the new-consultation form sends.
#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    sections: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    short_period_reason: String,
    /// A checkbox: present when on-line opinions may come without name and address.
    identity_optional: Option<String>,
}

impl NewForm {
    fn keep(&self, page: &mut FormPage) {
        for (field, value) in [
            ("title", &self.title),
            ("department", &self.department),
            ("measures", &self.measures),
            ("summary", &self.summary),
            ("sections", &self.sections),
            ("opens_on", &self.opens_on),
            ("closes_on", &self.closes_on),
            ("short_period_reason", &self.short_period_reason),
        ] {
            page.keep(field, value);
        }
        if self.identity_optional.is_some() {
            page.keep("identity_optional", "on");
        }
    }

    fn parse(&self, page: &mut FormPage) -> Option<NewConsultation> {
        let title = page.check(
            "title",
            fields::text(&self.title, "label.consultation_title", 200, true),
        );
        let summary = page.check(
            "summary",
            fields::text(&self.summary, "label.summary", 4000, true),
        );
        let department = page.check(
            "department",
            self.department
                .trim()
                .parse::<i32>()
                .map_err(|_| Refusal::new("msg.department_choose")),
        );
        let measures = page.check(
            "measures",
            self.measures
                .split([' ', ',', '、', '，', '\u{3000}'])
                .filter(|c| !c.trim().is_empty())
                .map(|c| {
                    c.trim()
                        .parse::<crate::plan::model::MeasureCode>()
                        .map(|m| m.to_string())
                })
                .collect::<Result<Vec<_>, crate::refusal::Refusal>>(),
        );
        let sections = page.check("sections", fields::sections(&self.sections));
        let period =
            match fields::period(&self.opens_on, &self.closes_on, &self.short_period_reason) {
                Ok(p) => Some(p),
                Err(Refused { field, refusal }) => {
                    page.refuse(field, refusal);
                    None
                }
            };
        let (period, short_period_reason) = period?;
        Some(NewConsultation {
            title: title??,
            department_id: department?,
            summary: summary??,
            period,
            short_period_reason,
            identity_required: self.identity_optional.is_none(),
            measures: measures?,
            sections: sections?,
        })
    }
}

/// The consultation form: a new one (`editing` none) or a scheduled one being edited.
async fn new_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    form: &FormPage,
    editing: Option<i32>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let list = state.db(model::drafts::departments).await?;
    let chosen = serde_json::to_value(form)
        .ok()
        .and_then(|v| v["values"]["department"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let title = t(
        lang,
        if editing.is_some() {
            "staff.consultations.edit"
        } else {
            "staff.consultations.new"
        },
    );
    let action = editing.map_or("/staff/consultations".to_owned(), |id| {
        format!("/staff/consultations/{id}/edit")
    });
    crate::web::render_page_as(
        req,
        hb,
        "staff/consultation_new",
        &title,
        &staff_crumbs(
            lang,
            &[
                (
                    &t(lang, "staff.consultations.title"),
                    Some("/staff/consultations".into()),
                ),
                (&title, None),
            ],
        ),
        &json!({
            "form": form,
            "action": action,
            "editing": editing.is_some(),
            "departments": list.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": id.to_string() == chosen })).collect::<Vec<_>>(),
        }),
        status,
    )
}

/// `/staff/consultations/new`.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::CreateConsultations)?;
    new_page(
        &req,
        &hb,
        &state,
        &FormPage::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/consultations`.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<NewForm>,
) -> Result<HttpResponse> {
    staff.require(Action::CreateConsultations)?;
    let posted = form.into_inner();
    check_csrf(&req, &posted.csrf)?;
    let mut page = FormPage::default();
    posted.keep(&mut page);
    let Some(new) = posted.parse(&mut page) else {
        return new_page(&req, &hb, &state, &page, None, StatusCode::BAD_REQUEST).await;
    };
    let (now, actor, ip) = (
        state.clock.now(),
        staff.id(),
        crate::web::proxy::client_ip(&req),
    );
    match state
        .db(move |conn| model::drafts::create(conn, &new, now, actor, ip.as_deref()))
        .await?
    {
        Ok(id) => Ok(see_other(&format!("/staff/consultations/{id}"))),
        Err(Refused { field, refusal }) => {
            page.refuse(field, refusal);
            new_page(&req, &hb, &state, &page, None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// `/staff/consultations/{id}/edit`: the form with the draft as it is.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    staff.require(Action::CreateConsultations)?;
    let id = id.into_inner();
    let d = state
        .db(move |conn| model::detail(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    let c = &d.consultation;
    if c.state(state.clock.now()) != State::Draft {
        return Err(model::drafts::not_a_draft().into());
    }
    let measures: Vec<&str> = d.measures.iter().map(|(code, _)| code.as_str()).collect();
    let mut page = FormPage::default();
    page.keep("title", &c.title)
        .keep("department", &c.department_id.to_string())
        .keep("measures", &measures.join(" "))
        .keep("summary", &c.summary)
        .keep("sections", &sections_text(&d.sections))
        .keep("opens_on", &c.period.opens_on().to_string())
        .keep("closes_on", &c.period.closes_on().to_string())
        .keep(
            "short_period_reason",
            c.short_period_reason.as_deref().unwrap_or_default(),
        );
    if !c.identity_required {
        page.keep("identity_optional", "on");
    }
    new_page(&req, &hb, &state, &page, Some(id), StatusCode::OK).await
}

/// `POST /staff/consultations/{id}/edit`.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<NewForm>,
) -> Result<HttpResponse> {
    staff.require(Action::CreateConsultations)?;
    let id = id.into_inner();
    let posted = form.into_inner();
    check_csrf(&req, &posted.csrf)?;
    let mut page = FormPage::default();
    posted.keep(&mut page);
    let Some(new) = posted.parse(&mut page) else {
        return new_page(&req, &hb, &state, &page, Some(id), StatusCode::BAD_REQUEST).await;
    };
    let (now, actor, ip) = (
        state.clock.now(),
        staff.id(),
        crate::web::proxy::client_ip(&req),
    );
    match state
        .db(move |conn| model::drafts::update(conn, id, &new, now, actor, ip.as_deref()))
        .await?
    {
        Ok(()) => Ok(see_other(&format!("/staff/consultations/{id}"))),
        Err(Refused { field, refusal }) => {
            page.refuse(field, refusal);
            new_page(&req, &hb, &state, &page, Some(id), StatusCode::BAD_REQUEST).await
        }
    }
}

/// `/staff/consultations/{id}/preview`: the public page exactly as it will show once announced
/// now (a first day already past moved to today), for the consultation's staff.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    authorise(&state, &staff, id).await?;
    let mut d = state
        .db(move |conn| model::detail(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    let now = state.clock.now();
    let lang = Lang::of(&req);
    let c = &mut d.consultation;
    let banner = if c.state(now) == State::Draft {
        if c.period.not_over(now).is_ok() {
            c.period = c.period.announced_on(day_of(now));
        }
        c.published_at = Some(now);
        t(lang, "staff.consultations.preview_draft")
    } else {
        t(lang, "staff.consultations.preview_public")
    };
    handlers::page(&req, &hb, &d, now, Shown::fresh(Some(banner)))
}

/// `POST /staff/consultations/{id}/announce`: 公示.
pub async fn announce(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let work = WorkPage::managed(&req, &hb, &state, &staff, id, &form.csrf).await?;
    work.apply(
        WorkForm::Announce,
        FormPage::default(),
        "",
        move |conn, at, _| lifecycle::announce(conn, id, at),
    )
    .await
}
