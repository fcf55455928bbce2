//! `/staff/answer-templates`: a department's answer templates, listed with the form for a new
//! one; each opens in its own form to change or delete it. Reviewers see their departments',
//! admins every one.

use super::{fill, NewTemplate, Purpose, Template, Writer};
use crate::auth::roles::{Action, Grant};
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::{CsrfOnly, FormPage};
use crate::web::i18n::{t, Lang};
use crate::web::visitor::check_csrf;
use crate::web::{render_page_as, see_other, staff_crumbs, AppState, Templates};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

const LIST: &str = "/staff/answer-templates";
const TITLE_MAX: usize = 200;
const BODY_MAX: usize = 4000;

/// The confirmations `?done=` may ask for (`staff.answer_templates.done.*`).
pub const DONE: [&str; 3] = ["created", "updated", "deleted"];

/// The departments whose templates `grants` manage, by name.
fn managed_departments(conn: &mut PgConnection, grants: &[Grant]) -> Result<Vec<(i32, String)>> {
    use crate::db::schema::departments as d;
    let all: Vec<(i32, String)> = d::table
        .order(d::name)
        .select((d::id, d::name))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(id, _)| super::manages(grants, *id))
        .collect())
}

/// Anyone who manages at least one department's templates.
fn require(staff: &Staff, departments: &[(i32, String)]) -> Result<()> {
    staff.require(Action::ViewStaffArea)?;
    if departments.is_empty() {
        return Err(Error::forbidden(Refusal::new("msg.template_refused")));
    }
    Ok(())
}

/// What the template form sends.
#[derive(Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

impl TemplateForm {
    /// What was typed, kept in `page`; the template, if nothing is to be fixed.
    fn parse(&self, page: &mut FormPage) -> Option<NewTemplate> {
        page.keep("department", &self.department)
            .keep("purpose", &self.purpose)
            .keep("title", &self.title)
            .keep("body", &self.body);
        let department = page.check(
            "department",
            self.department
                .trim()
                .parse::<i32>()
                .map_err(|_| Refusal::required("staff.answer_templates.department")),
        );
        let purpose = page.check(
            "purpose",
            Purpose::parse(self.purpose.trim())
                .ok_or_else(|| Refusal::required("staff.answer_templates.purpose")),
        );
        let title = page.check(
            "title",
            text(&self.title, "staff.answer_templates.field_title", TITLE_MAX),
        );
        let body = page.check(
            "body",
            text(&self.body, "staff.answer_templates.body", BODY_MAX)
                .and_then(|b| fill::check(&b).map(|()| b)),
        );
        Some(NewTemplate {
            department: department?,
            purpose: purpose?,
            title: title?,
            body: body?,
        })
    }
}

/// A required text: trimmed, at most `max` characters.
fn text(raw: &str, what: &'static str, max: usize) -> Result<String, Refusal> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Refusal::required(what));
    }
    if value.chars().count() > max {
        return Err(Refusal::too_long(what, max));
    }
    Ok(value.to_owned())
}

fn purposes_json(lang: Lang, chosen: &str) -> Vec<serde_json::Value> {
    Purpose::ALL
        .into_iter()
        .map(|p| json!({ "code": p.code(), "label": t(lang, &format!("staff.answer_templates.purpose_{}", p.code())), "checked": p.code() == chosen }))
        .collect()
}

fn departments_json(departments: &[(i32, String)], chosen: &str) -> Vec<serde_json::Value> {
    departments
        .iter()
        .map(|(id, name)| json!({ "id": id, "name": name, "selected": id.to_string() == chosen }))
        .collect()
}

fn template_json(lang: Lang, template: &Template) -> serde_json::Value {
    json!({
        "href": format!("{LIST}/{}", template.id),
        "title": template.title,
        "department": template.department,
        "purpose": t(lang, &format!("staff.answer_templates.purpose_{}", template.purpose.code())),
        "body": template.body,
    })
}

/// The list page with its form for a new template (`form`: what was typed, if refused).
async fn render_list(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    staff: &Staff,
    form: FormPage,
    done: Option<&str>,
) -> Result<HttpResponse> {
    let grants = staff.grants.clone();
    let (departments, templates) = state
        .db(move |conn| {
            Ok((
                managed_departments(conn, &grants)?,
                super::list(conn, &grants)?,
            ))
        })
        .await?;
    require(staff, &departments)?;
    let lang = Lang::of(req);
    let values = serde_json::to_value(&form).map_err(|e| Error::Internal(e.to_string()))?;
    let chosen = |f: &str| values["values"][f].as_str().unwrap_or_default().to_owned();
    let title = t(lang, "staff.answer_templates.title");
    let status = if form.has_errors() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let context = json!({
        "templates": templates.iter().map(|tpl| template_json(lang, tpl)).collect::<Vec<_>>(),
        "departments": departments_json(&departments, &chosen("department")),
        "purposes": purposes_json(lang, &chosen("purpose")),
        "form": form,
        "done": done.filter(|d| DONE.contains(d)).map(|d| t(lang, &format!("staff.answer_templates.done.{d}"))),
    });
    render_page_as(
        req,
        hb,
        "staff/answer_templates",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        status,
    )
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /staff/answer-templates`
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    let done = query.done.clone();
    render_list(
        &req,
        &state,
        &hb,
        &staff,
        FormPage::default(),
        done.as_deref(),
    )
    .await
}

/// `POST /staff/answer-templates`: a new template.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    form: web::Form<TemplateForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    check_csrf(&req, &form.csrf)?;
    let mut page = FormPage::default();
    let Some(new) = form.parse(&mut page) else {
        return render_list(&req, &state, &hb, &staff, page, None).await;
    };
    let (grants, ip, me) = (
        staff.grants.clone(),
        crate::web::proxy::client_ip(&req),
        staff.id(),
    );
    state
        .db(move |conn| {
            let who = Writer {
                id: me,
                grants: &grants,
                ip: ip.as_deref(),
            };
            super::create(conn, &who, &new)
        })
        .await?;
    Ok(see_other(&format!("{LIST}?done=created")))
}

/// The form of one template (`form`: what was typed, if refused).
async fn render_edit(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    staff: &Staff,
    id: i32,
    form: Option<FormPage>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let grants = staff.grants.clone();
    let (departments, template) = state
        .db(move |conn| {
            Ok((
                managed_departments(conn, &grants)?,
                super::find(conn, &grants, id)?,
            ))
        })
        .await?;
    let lang = Lang::of(req);
    let status = if form.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let form = form.unwrap_or_else(|| {
        let mut page = FormPage::default();
        page.keep("department", &template.department_id.to_string())
            .keep("purpose", template.purpose.code())
            .keep("title", &template.title)
            .keep("body", &template.body);
        page
    });
    let values = serde_json::to_value(&form).map_err(|e| Error::Internal(e.to_string()))?;
    let chosen = |f: &str| values["values"][f].as_str().unwrap_or_default().to_owned();
    let list_title = t(lang, "staff.answer_templates.title");
    let context = json!({
        "id": id,
        "departments": departments_json(&departments, &chosen("department")),
        "purposes": purposes_json(lang, &chosen("purpose")),
        "form": form,
    });
    render_page_as(
        req,
        hb,
        "staff/answer_template",
        &template.title,
        &staff_crumbs(
            lang,
            &[(&list_title, Some(LIST.into())), (&template.title, None)],
        ),
        &context,
        status,
    )
}

/// `GET /staff/answer-templates/{id}`
pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    render_edit(&req, &state, &hb, &staff, id.into_inner(), None).await
}

/// `POST /staff/answer-templates/{id}`: changes a template.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<TemplateForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    check_csrf(&req, &form.csrf)?;
    let id = id.into_inner();
    let mut page = FormPage::default();
    let Some(new) = form.parse(&mut page) else {
        return render_edit(&req, &state, &hb, &staff, id, Some(page)).await;
    };
    let (grants, ip, me) = (
        staff.grants.clone(),
        crate::web::proxy::client_ip(&req),
        staff.id(),
    );
    state
        .db(move |conn| {
            let who = Writer {
                id: me,
                grants: &grants,
                ip: ip.as_deref(),
            };
            super::update(conn, &who, id, &new)
        })
        .await?;
    Ok(see_other(&format!("{LIST}?done=updated")))
}

/// `POST /staff/answer-templates/{id}/delete`
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    check_csrf(&req, &form.csrf)?;
    let id = id.into_inner();
    let (grants, ip, me) = (
        staff.grants.clone(),
        crate::web::proxy::client_ip(&req),
        staff.id(),
    );
    state
        .db(move |conn| {
            let who = Writer {
                id: me,
                grants: &grants,
                ip: ip.as_deref(),
            };
            super::delete(conn, &who, id)
        })
        .await?;
    Ok(see_other(&format!("{LIST}?done=deleted")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_confirmation_has_its_text() {
        crate::web::i18n::assert_keys("staff.answer_templates.done.", DONE);
    }

    #[test]
    fn the_form_refuses_unknown_placeholders_and_keeps_what_was_typed() {
        let form = TemplateForm {
            department: "1".into(),
            purpose: "decision".into(),
            title: "採択の定型文".into(),
            body: "{名前}様".into(),
            ..TemplateForm::default()
        };
        let mut page = FormPage::default();
        assert!(form.parse(&mut page).is_none());
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["values"]["body"], "{名前}様");
        assert_eq!(
            json["errors"]["body"]["refusal"],
            "msg.template_unknown_placeholder"
        );
        let mut page = FormPage::default();
        let ok = TemplateForm {
            body: "{氏名}様".into(),
            ..form
        };
        let new = ok.parse(&mut page).unwrap();
        assert_eq!((new.department, new.purpose), (1, Purpose::Decision));
        let mut page = FormPage::default();
        assert!(TemplateForm::default().parse(&mut page).is_none());
        assert!(page.has_errors());
    }
}
