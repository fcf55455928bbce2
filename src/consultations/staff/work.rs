//! A consultation's work page (its department's reviewers, and admins): every opinion with the
//! submitter's details, the forms that change the consultation, and what they send back when
//! a form is refused.

use super::{authorise, sections_text};
use crate::attachments::handlers::item_json;
use crate::attachments::sniff::{MAX_LABEL, MAX_PER_OWNER};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::consultations::fields::{Channel, MAX_BODY};
use crate::consultations::handlers::{channel_label, notices_json, state_label, summary_json};
use crate::consultations::lifecycle::Change;
use crate::consultations::model::{self, Consultation, Detail, Refused};
use crate::consultations::period::{day_of, start_of_day, State};
use crate::error::Result;
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::i18n::{t, translate, Lang};
use crate::web::present::date;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};

/// The forms of the work page, with what was typed when one was refused.
#[derive(Default)]
struct Forms {
    paper: FormPage,
    item: FormPage,
    exclude: FormPage,
    publish: FormPage,
    announce: FormPage,
    correct: FormPage,
    extend: FormPage,
    withdraw: FormPage,
    /// Why a document (or, with `scan`, a scan) was refused.
    upload: Option<Refusal>,
    scan: Option<Refusal>,
    /// The answer template picked for the result item's city's view (`?template=`).
    template: Option<i32>,
}

/// The forms of the work page that post a change.
#[derive(Clone, Copy)]
pub(super) enum WorkForm {
    Paper,
    Item,
    Exclude,
    Publish,
    Announce,
    Correct,
    Extend,
    Withdraw,
}

impl Forms {
    /// A change refused as a whole (say, an extension after the close), said at the top of
    /// the page: its form may be gone from the page by now. Said by `{{msg refusal}}`.
    fn refusal(&self) -> Option<Value> {
        [&self.announce, &self.correct, &self.extend, &self.withdraw]
            .into_iter()
            .find_map(|form| {
                serde_json::to_value(form)
                    .ok()?
                    .get("errors")?
                    .get("form")
                    .cloned()
            })
    }

    /// The forms with `page` (what was typed and what to fix) in the one it came from.
    fn refused(form: WorkForm, page: FormPage) -> Self {
        let mut forms = Forms::default();
        *match form {
            WorkForm::Paper => &mut forms.paper,
            WorkForm::Item => &mut forms.item,
            WorkForm::Exclude => &mut forms.exclude,
            WorkForm::Publish => &mut forms.publish,
            WorkForm::Announce => &mut forms.announce,
            WorkForm::Correct => &mut forms.correct,
            WorkForm::Extend => &mut forms.extend,
            WorkForm::Withdraw => &mut forms.withdraw,
        } = page;
        forms
    }
}

/// A consultation's work page, for the request that posted one of its forms.
pub(super) struct WorkPage<'a> {
    req: &'a HttpRequest,
    hb: &'a Templates,
    state: &'a AppState,
    staff: &'a Staff,
    id: i32,
}

impl<'a> WorkPage<'a> {
    /// The page of a form posted to consultation `id`, once its department's staff (or an
    /// admin) is known to be posting it with their CSRF token; and the consultation.
    pub(super) async fn posted(
        req: &'a HttpRequest,
        hb: &'a Templates,
        state: &'a AppState,
        staff: &'a Staff,
        id: i32,
        csrf: &str,
    ) -> Result<(Self, model::Consultation)> {
        let consultation = authorise(state, staff, id).await?;
        check_csrf(req, csrf)?;
        let work = WorkPage {
            req,
            hb,
            state,
            staff,
            id,
        };
        Ok((work, consultation))
    }

    /// The page of a form that changes what the public is told of consultation `id` (公示, 正誤,
    /// 延長, 中止): admins only, with their CSRF token.
    pub(super) async fn managed(
        req: &'a HttpRequest,
        hb: &'a Templates,
        state: &'a AppState,
        staff: &'a Staff,
        id: i32,
        csrf: &str,
    ) -> Result<Self> {
        staff.require(Action::CreateConsultations)?;
        let (work, _) = Self::posted(req, hb, state, staff, id, csrf).await?;
        Ok(work)
    }

    /// The page again (400), what was typed kept in the form it came from.
    pub(super) async fn refused(&self, form: WorkForm, page: FormPage) -> Result<HttpResponse> {
        let forms = Forms::refused(form, page);
        work_page(
            self.req,
            self.hb,
            self.state,
            self.staff,
            self.id,
            &forms,
            StatusCode::BAD_REQUEST,
        )
        .await
    }

    /// Runs `change` on the database as this staff member, now, from their address, with the
    /// public address the emails link to.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        change: impl FnOnce(&mut PgConnection, Change, &str) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (now, actor, ip) = (
            self.state.clock.now(),
            self.staff.id(),
            crate::web::proxy::client_ip(self.req),
        );
        let public_url = self.state.public_url.clone();
        self.state
            .db(move |conn| {
                let at = Change {
                    now,
                    actor,
                    ip: ip.as_deref(),
                };
                change(conn, at, &public_url)
            })
            .await
    }

    /// Runs `change` (as `run`), then on to the page's `anchor`, or back to `form` saying why
    /// the database refused it.
    pub(super) async fn apply<T: Send + 'static>(
        &self,
        form: WorkForm,
        mut page: FormPage,
        anchor: &str,
        change: impl FnOnce(&mut PgConnection, Change, &str) -> Result<std::result::Result<T, Refused>>
            + Send
            + 'static,
    ) -> Result<HttpResponse> {
        match self.run(change).await? {
            Ok(_) => Ok(see_other(&format!(
                "/staff/consultations/{}{anchor}",
                self.id
            ))),
            Err(Refused { field, refusal }) => {
                page.refuse(field, refusal);
                self.refused(form, page).await
            }
        }
    }
}

/// The work page again after a refused upload, saying why beside the form it came from.
pub(in crate::consultations) async fn refused_upload(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    scan: bool,
    refusal: &crate::attachments::sniff::Refusal,
) -> Result<HttpResponse> {
    let message = refusal.refusal();
    let forms = if scan {
        Forms {
            scan: Some(message),
            ..Forms::default()
        }
    } else {
        Forms {
            upload: Some(message),
            ..Forms::default()
        }
    };
    work_page(req, hb, state, staff, id, &forms, refusal.status()).await
}

/// The work page with `forms` as they are (fresh, or one refused).
async fn work_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    forms: &Forms,
    status: StatusCode,
) -> Result<HttpResponse> {
    let (grants, template) = (staff.grants.clone(), forms.template);
    let (work, templates, filled) = state
        .db(move |conn| {
            let work = model::work(conn, id)?;
            let department = [work.detail.consultation.department_id];
            let purpose = crate::answers::Purpose::Result;
            let templates = crate::answers::offered(conn, &grants, purpose, &department)?;
            let filled = match template {
                Some(t) => {
                    let d = &work.detail;
                    let measure = d
                        .measures
                        .first()
                        .map(|(code, title)| format!("{code} {title}"));
                    let values = crate::answers::fill::Values {
                        name: None,
                        title: Some(&d.consultation.title),
                        measure: measure.as_deref(),
                    };
                    Some(crate::answers::picked(
                        conn,
                        &grants,
                        purpose,
                        &department,
                        t,
                        &values,
                    )?)
                }
                None => None,
            };
            Ok((work, templates, filled))
        })
        .await?;
    let c = &work.detail.consultation;
    staff.require(Action::WorkConsultation {
        department: c.department_id,
    })?;
    let lang = Lang::of(req);
    let mut context = context(lang, state.clock.now(), staff, &work, forms);
    context["templates"] = json!(crate::answers::options_json(&templates, template));
    if let Some(text) = filled {
        let mut item = FormPage::default();
        item.keep("response", &text);
        context["item_form"] = json!(item);
    }
    crate::web::render_page_as(
        req,
        hb,
        "staff/consultation",
        &c.title,
        &staff_crumbs(
            lang,
            &[
                (
                    &t(lang, "staff.consultations.title"),
                    Some("/staff/consultations".into()),
                ),
                (&c.title, None),
            ],
        ),
        &context,
        status,
    )
}

/// What the work page's template is given.
fn context(
    lang: Lang,
    now: DateTime<Utc>,
    staff: &Staff,
    work: &model::Work,
    forms: &Forms,
) -> Value {
    let d = &work.detail;
    let c = &d.consultation;
    let id = c.id;
    let current = c.state(now);
    // The correction form starts from the text as it is.
    let mut fresh = FormPage::default();
    let correct = if forms.correct.is_untouched() {
        fresh
            .keep("title", &c.title)
            .keep("summary", &c.summary)
            .keep("sections", &sections_text(&d.sections));
        &fresh
    } else {
        &forms.correct
    };
    json!({
        "consultation": summary_json(lang, c, now),
        "refusal": forms.refusal(),
        "identity_required": c.identity_required,
        "closed": current.takes_result(),
        "draft": current == State::Draft,
        "withdrawn": current == State::Withdrawn,
        "amendable": current.is_amendable(),
        "may_manage": staff.may(Action::CreateConsultations),
        "preview_href": format!("/staff/consultations/{id}/preview"),
        "notices": notices_json(lang, &d.notices),
        "announce": forms.announce,
        "announce_hint": announce_hint(lang, c, now),
        "correct": correct,
        "extend": forms.extend,
        "withdraw": forms.withdraw,
        "sections": d.sections.iter().map(|s| json!({ "id": s.id, "label": format!("{}. {}", s.number, s.heading) })).collect::<Vec<_>>(),
        "channels": Channel::ALL.into_iter().filter(|ch| *ch != Channel::Web).map(|ch| json!({ "code": ch.code(), "label": channel_label(lang, ch) })).collect::<Vec<_>>(),
        "attachments": documents_json(lang, d, forms),
        "opinions": opinions_json(lang, work),
        "items": work.items.iter().map(|i| json!({
            "number": i.number,
            "summary": i.summary,
            "response": i.response,
            "changed": i.changed,
            "change": i.change,
            "draft": work.drafts.contains(&i.id),
        })).collect::<Vec<_>>(),
        "scan_message": forms.scan,
        "paper": forms.paper,
        "item_form": forms.item,
        "exclude": forms.exclude,
        "publish": forms.publish,
        "max_body": MAX_BODY,
        // Paper mostly arrives while the consultation is open: today, or its last day after.
        "received_default": day_of(now).min(c.period.closes_on()).to_string(),
        "state_label": state_label(lang, c.state(now)),
    })
}

/// Beside the announce button: announcing now moves a first day already past to today.
fn announce_hint(lang: Lang, c: &Consultation, now: DateTime<Utc>) -> String {
    let today = day_of(now);
    if c.period.opens_on() < today && c.period.not_over(now).is_ok() {
        translate(
            lang,
            "staff.consultations.announce_moves",
            &[
                ("opens", date(lang, c.period.opens_at())),
                ("today", date(lang, start_of_day(today))),
            ],
        )
    } else {
        t(lang, "staff.consultations.announce_hint")
    }
}

/// The documents (資料) with their remove buttons, and the upload form.
fn documents_json(lang: Lang, d: &Detail, forms: &Forms) -> Value {
    let id = d.consultation.id;
    json!({
        "items": d.documents.iter().map(|a| {
            let mut item = item_json(a);
            item["remove_action"] = json!(format!("/consultations/{id}/attachments/{}/remove", a.id));
            item
        }).collect::<Vec<_>>(),
        "action": format!("/consultations/{id}/attachments"),
        "message": forms.upload,
        "hint": translate(lang, "staff.consultations.documents_hint", &[("max", MAX_LABEL.to_owned()), ("count", MAX_PER_OWNER.to_string())]),
    })
}

/// Every opinion with who sent it, and the scans of a paper one.
fn opinions_json(lang: Lang, work: &model::Work) -> Vec<Value> {
    let id = work.detail.consultation.id;
    work.opinions.iter().map(|o| json!({
        "id": o.id,
        "paper": o.channel != Channel::Web.code(),
        "scans": work.scans.get(&o.id.to_string()).map(|files| files.iter().map(item_json).collect::<Vec<_>>()),
        "scan_action": format!("/consultations/{id}/opinions/{}/attachments", o.id),
        "receipt": o.receipt_number,
        "channel": Channel::parse(&o.channel).map(|ch| channel_label(lang, ch)),
        "received": date(lang, o.received_at),
        "section": o.section,
        "body": o.body,
        "organisation": o.organisation_name,
        "name": o.submitter_name,
        "address": o.submitter_address,
        "email": o.submitter_email,
        "item": o.item,
        "excluded_reason": o.excluded_reason,
    })).collect()
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    template: Option<String>,
}

/// `/staff/consultations/{id}`; with `?template=`, the result item's city's view filled with
/// that answer template's text, to edit before saving.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    authorise(&state, &staff, id).await?;
    let template = match query.template.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<i32>()
                .map_err(|_| Refusal::new("msg.template_not_offered"))?,
        ),
    };
    let forms = Forms {
        template,
        ..Forms::default()
    };
    work_page(&req, &hb, &state, &staff, id, &forms, StatusCode::OK).await
}
