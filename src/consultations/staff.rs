//! Staff pages of consultations: the list, a new consultation (admins), and a consultation's
//! work page (its department's reviewers): every opinion with the submitter's details, typing in
//! an opinion that came on paper, by post, fax, email or at the counter, the result table
//! (意見の要旨 / 市の考え方 / 修正の有無), exclusions with their reason, and publication. Admins
//! preview and announce a draft (公示), and correct (正誤), extend or withdraw (中止) an
//! announced one, each with its public notice (`lifecycle`).

use super::fields::{self, Channel, MAX_BODY};
use super::handlers::{identity, notices_json, section, state_label, summary_json, Posted};
use super::lifecycle::{self, Change, Correction};
use super::model::drafts::NewConsultation;
use super::model::opinions::Opinion;
use super::model::result::NewItem;
use super::model::{self, Refused, SectionRow};
use super::period::{day_of, parse_day, start_of_day, State};
use crate::attachments::handlers::item_json;
use crate::attachments::sniff::{MAX_LABEL, MAX_PER_OWNER};
use crate::attachments::{self, OwnerKind};
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::db::schema::departments;
use crate::error::{Error, Result};
use crate::web::forms::CsrfOnly;
use crate::web::forms::FormPage;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::present::date;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

/// The staff routes of consultations.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/consultations", |r| r.to(list)),
    get("/staff/consultations/new", |r| r.to(new_form)),
    post("/staff/consultations", |r| r.to(create)),
    get("/staff/consultations/{id}", |r| r.to(show)),
    get("/staff/consultations/{id}/edit", |r| r.to(edit_form)),
    post("/staff/consultations/{id}/edit", |r| r.to(update)),
    post("/staff/consultations/{id}/comments", |r| r.to(enter)),
    post("/staff/consultations/{id}/items", |r| r.to(add_item)),
    post("/staff/consultations/{id}/exclude", |r| r.to(exclude)),
    post("/staff/consultations/{id}/publish", |r| r.to(publish)),
    get("/staff/consultations/{id}/preview", |r| r.to(preview)),
    post("/staff/consultations/{id}/announce", |r| r.to(announce)),
    post("/staff/consultations/{id}/correct", |r| r.to(correct)),
    post("/staff/consultations/{id}/extend", |r| r.to(extend)),
    post("/staff/consultations/{id}/withdraw", |r| r.to(withdraw)),
];

/// `/staff/consultations`: every consultation, for anyone holding a role.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let rows = state.db(model::list).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|(c, n)| {
            let mut v = summary_json(lang, c, now);
            v["staff_href"] = json!(format!("/staff/consultations/{}", c.id));
            v["comment_count"] = json!(n);
            v["may_work"] = json!(staff.may(Action::WorkConsultation {
                department: c.department_id
            }));
            v
        })
        .collect();
    let title = t(lang, "staff.consultations.title");
    crate::web::render_page_as(
        &req,
        &hb,
        "staff/consultations",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &json!({ "consultations": items, "may_create": staff.may(Action::CreateConsultations) }),
        StatusCode::OK,
    )
}

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
        let title = page.check("title", fields::text(&self.title, "件名", 200, true));
        let summary = page.check("summary", fields::text(&self.summary, "概要", 4000, true));
        let department = page.check(
            "department",
            self.department
                .trim()
                .parse::<i32>()
                .map_err(|_| "担当課を選んでください。".to_owned()),
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
                .collect::<Result<Vec<_>, String>>(),
        );
        let sections = page.check("sections", fields::sections(&self.sections));
        let period =
            match fields::period(&self.opens_on, &self.closes_on, &self.short_period_reason) {
                Ok(p) => Some(p),
                Err((field, message)) => {
                    page.fail(field, &message);
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
    let list: Vec<(i32, String)> = state
        .db(|conn| {
            Ok(departments::table
                .order(departments::name)
                .select((departments::id, departments::name))
                .load(conn)?)
        })
        .await?;
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
        Err((field, message)) => {
            page.fail(field, &message);
            new_page(&req, &hb, &state, &page, None, StatusCode::BAD_REQUEST).await
        }
    }
}

/// The sections as the forms take them: each a `## heading` line, then its body.
fn sections_text(sections: &[SectionRow]) -> String {
    sections
        .iter()
        .map(|s| format!("## {}\n{}", s.heading, s.body))
        .collect::<Vec<_>>()
        .join("\n")
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
        return Err(Error::BadRequest(model::drafts::NOT_A_DRAFT.into()));
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
        Err((field, message)) => {
            page.fail(field, &message);
            new_page(&req, &hb, &state, &page, Some(id), StatusCode::BAD_REQUEST).await
        }
    }
}

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
    upload: Option<String>,
    scan: Option<String>,
}

/// The forms of the work page that post a change.
#[derive(Clone, Copy)]
enum WorkForm {
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
struct WorkPage<'a> {
    req: &'a HttpRequest,
    hb: &'a Templates,
    state: &'a AppState,
    staff: &'a Staff,
    id: i32,
}

impl<'a> WorkPage<'a> {
    /// The page of a form posted to consultation `id`, once its department's staff (or an
    /// admin) is known to be posting it with their CSRF token; and the consultation.
    async fn posted(
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

    /// The page again (400), what was typed kept in the form it came from.
    async fn refused(&self, form: WorkForm, page: FormPage) -> Result<HttpResponse> {
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
    async fn run<T: Send + 'static>(
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
    async fn apply<T: Send + 'static>(
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
            Err(Refused { field, message }) => {
                page.fail(field, &message);
                self.refused(form, page).await
            }
        }
    }
}

/// The work page again after a refused upload, saying why beside the form it came from.
pub(super) async fn refused_upload(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    scan: bool,
    refusal: &crate::attachments::sniff::Refusal,
) -> Result<HttpResponse> {
    let message = refusal.message();
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

async fn work_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    forms: &Forms,
    status: StatusCode,
) -> Result<HttpResponse> {
    let (d, opinions, items, scans) = state
        .db(move |conn| {
            let d = model::detail(conn, id)?.ok_or(Error::NotFound)?;
            let opinions = model::opinions::staff_opinions(conn, id)?;
            // The scans of paper opinions (web ones have none).
            let paper: Vec<String> = opinions
                .iter()
                .filter(|o| o.channel != Channel::Web.code())
                .map(|o| o.id.to_string())
                .collect();
            let scans =
                attachments::model::list_by_owner(conn, OwnerKind::ConsultationComment, &paper)?;
            Ok((d, opinions, model::result::items(conn, id)?, scans))
        })
        .await?;
    staff.require(Action::WorkConsultation {
        department: d.consultation.department_id,
    })?;
    let lang = Lang::of(req);
    let now = state.clock.now();
    let c = &d.consultation;
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
    let today = day_of(now);
    let announce_hint = if c.period.opens_on() < today && c.period.not_over(now).is_ok() {
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
    };
    // A change refused as a whole (say, an extension after the close) is said at the top: its
    // form may be gone from the page by now.
    let refusal = [
        &forms.announce,
        &forms.correct,
        &forms.extend,
        &forms.withdraw,
    ]
    .into_iter()
    .find_map(|form| {
        serde_json::to_value(form).ok()?["errors"]["form"]
            .as_str()
            .map(str::to_owned)
    });
    let context = json!({
        "consultation": summary_json(lang, c, now),
        "refusal": refusal,
        "identity_required": c.identity_required,
        "closed": current.takes_result(),
        "draft": current == State::Draft,
        "withdrawn": current == State::Withdrawn,
        "amendable": current.is_amendable(),
        "may_manage": staff.may(Action::CreateConsultations),
        "preview_href": format!("/staff/consultations/{id}/preview"),
        "notices": notices_json(lang, &d.notices),
        "announce": forms.announce,
        "announce_hint": announce_hint,
        "correct": correct,
        "extend": forms.extend,
        "withdraw": forms.withdraw,
        "sections": d.sections.iter().map(|s| json!({ "id": s.id, "label": format!("{}. {}", s.number, s.heading) })).collect::<Vec<_>>(),
        "channels": Channel::ALL.into_iter().filter(|ch| *ch != Channel::Web).map(|ch| json!({ "code": ch.code(), "label": super::handlers::channel_label(lang, ch) })).collect::<Vec<_>>(),
        "attachments": {
            "items": d.documents.iter().map(|a| {
                let mut item = item_json(a);
                item["remove_action"] = json!(format!("/consultations/{id}/attachments/{}/remove", a.id));
                item
            }).collect::<Vec<_>>(),
            "action": format!("/consultations/{id}/attachments"),
            "message": forms.upload,
            "hint": translate(lang, "staff.consultations.documents_hint", &[("max", MAX_LABEL.to_owned()), ("count", MAX_PER_OWNER.to_string())]),
        },
        "opinions": opinions.iter().map(|o| json!({
            "id": o.id,
            "paper": o.channel != Channel::Web.code(),
            "scans": scans.get(&o.id.to_string()).map(|files| files.iter().map(item_json).collect::<Vec<_>>()),
            "scan_action": format!("/consultations/{id}/opinions/{}/attachments", o.id),
            "receipt": o.receipt_number,
            "channel": Channel::parse(&o.channel).map(|ch| super::handlers::channel_label(lang, ch)),
            "received": date(lang, o.received_at),
            "section": o.section,
            "body": o.body,
            "organisation": o.organisation_name,
            "name": o.submitter_name,
            "address": o.submitter_address,
            "email": o.submitter_email,
            "item": o.item,
            "excluded_reason": o.excluded_reason,
        })).collect::<Vec<_>>(),
        "items": items,
        "scan_message": forms.scan,
        "paper": forms.paper,
        "item_form": forms.item,
        "exclude": forms.exclude,
        "publish": forms.publish,
        "max_body": MAX_BODY,
        // Paper mostly arrives while the consultation is open: today, or its last day after.
        "received_default": day_of(now).min(c.period.closes_on()).to_string(),
        "state_label": state_label(lang, c.state(now)),
    });
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

/// The consultation, once its department's staff (or an admin) is known to be asking: the
/// check before any change.
async fn authorise(state: &AppState, staff: &Staff, id: i32) -> Result<model::Consultation> {
    let c = state
        .db(move |conn| model::find(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    staff.require(Action::WorkConsultation {
        department: c.department_id,
    })?;
    Ok(c)
}

/// `/staff/consultations/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    authorise(&state, &staff, id).await?;
    work_page(
        &req,
        &hb,
        &state,
        &staff,
        id,
        &Forms::default(),
        StatusCode::OK,
    )
    .await
}

/// What the paper-opinion form sends: the on-line form's fields, how and when it came, and
/// the address to send the receipt and the result to.
#[derive(Debug, Default, Deserialize)]
pub struct PaperForm {
    #[serde(flatten)]
    opinion: Posted,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    email: String,
}

/// `POST /staff/consultations/{id}/comments`: an opinion that came on paper (or by post, fax,
/// email, at the counter), typed in with the day it was received.
pub async fn enter(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<PaperForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let PaperForm {
        opinion: p,
        channel,
        received_on,
        email,
    } = form.into_inner();
    let (work, consultation) = WorkPage::posted(&req, &hb, &state, &staff, id, &p.csrf).await?;
    let mut page = FormPage::default();
    p.keep(&mut page);
    page.keep("channel", &channel)
        .keep("received_on", &received_on)
        .keep("email", &email);
    let channel = page.check("channel", Channel::parse_offline(&channel));
    let received = page.check("received_on", parse_day(&received_on, "受付日"));
    let body = page.check("body", fields::text(&p.body, "意見", MAX_BODY, true));
    let sec = section(&mut page, &p.section);
    let who = identity(
        &mut page,
        consultation.identity_required,
        &p.name,
        &p.address,
        &p.organisation,
    );
    let email = page.check(
        "email",
        fields::text(&email, "メールアドレス", 254, false).and_then(|e| match e {
            Some(e) if e.parse::<lettre::Address>().is_err() => {
                Err("メールアドレスの形式が正しくありません。".to_owned())
            }
            e => Ok(e),
        }),
    );
    let (
        Some(channel),
        Some(received),
        Some(Some(body)),
        Some(sec),
        Some((name, address, org)),
        Some(email),
    ) = (channel, received, body, sec, who, email)
    else {
        return work.refused(WorkForm::Paper, page).await;
    };
    work.apply(
        WorkForm::Paper,
        page,
        "#opinions",
        move |conn, at, public_url| {
            let opinion = Opinion {
                channel,
                // The day it was received: noon in Tokyo, so that the day itself is what counts.
                received_at: (start_of_day(received) + Duration::hours(12)).min(at.now),
                section: sec,
                body,
                account: None,
                organisation_name: org,
                submitter_name: name,
                submitter_address: address,
                submitter_email: email,
                entered_by: Some(at.actor),
            };
            model::opinions::submit(conn, id, &opinion, at.now, at.ip, public_url)
        },
    )
    .await
}

/// What the result-item form sends.
#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    changed: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    receipts: String,
}

/// `POST /staff/consultations/{id}/items`: a row of the result table and the opinions it
/// answers (by receipt number).
pub async fn add_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (work, _) = WorkPage::posted(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    for (field, value) in [
        ("summary", &f.summary),
        ("response", &f.response),
        ("changed", &f.changed),
        ("change", &f.change),
        ("receipts", &f.receipts),
    ] {
        page.keep(field, value);
    }
    let summary = page.check(
        "summary",
        fields::text(&f.summary, "意見の要旨", 4000, true),
    );
    let response = page.check(
        "response",
        fields::text(&f.response, "市の考え方", 4000, true),
    );
    let changed = page.check(
        "changed",
        match f.changed.as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err("修正の有無を選んでください。".to_owned()),
        },
    );
    let change = page.check(
        "change",
        fields::text(&f.change, "修正の内容", 4000, changed == Some(true)),
    );
    let receipts: Vec<String> = f
        .receipts
        .split([' ', ',', '、', '\n', '\r', '\u{3000}'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    let (Some(Some(summary)), Some(Some(response)), Some(changed), Some(change)) =
        (summary, response, changed, change)
    else {
        return work.refused(WorkForm::Item, page).await;
    };
    let item = NewItem {
        summary,
        response,
        changed,
        change: if changed { change } else { None },
        receipts,
    };
    work.apply(WorkForm::Item, page, "#result", move |conn, at, _| {
        model::result::add_item(conn, id, &item, at.now, at.actor, at.ip)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ExcludeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/consultations/{id}/exclude`: keeps an opinion out of the published result,
/// with the reason (e.g. it harms a third party).
pub async fn exclude(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ExcludeForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (work, _) = WorkPage::posted(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    page.keep("receipt", &f.receipt).keep("reason", &f.reason);
    let receipt = page.check("receipt", fields::text(&f.receipt, "受付番号", 40, true));
    let reason = page.check(
        "reason",
        fields::text(&f.reason, "公表しない理由", 1000, true),
    );
    let (Some(Some(receipt)), Some(Some(reason))) = (receipt, reason) else {
        return work.refused(WorkForm::Exclude, page).await;
    };
    work.apply(WorkForm::Exclude, page, "#opinions", move |conn, at, _| {
        model::result::exclude(conn, id, &receipt, &reason, at.now, at.actor, at.ip)
    })
    .await
}

/// `POST /staff/consultations/{id}/publish`.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let (work, _) = WorkPage::posted(&req, &hb, &state, &staff, id, &form.csrf).await?;
    let outcome = work
        .run(move |conn, at, public_url| {
            model::result::publish(conn, id, at.now, at.actor, at.ip, public_url)
        })
        .await?;
    match outcome {
        // The published result, as the public sees it.
        Ok(()) => Ok(see_other(&format!("/consultations/{id}/result"))),
        Err(Refused { field, message }) => {
            let mut page = FormPage::default();
            page.fail(field, &message);
            work.refused(WorkForm::Publish, page).await
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
    super::handlers::page(
        &req,
        &hb,
        &d,
        now,
        super::handlers::Shown::fresh(Some(banner)),
    )
}

/// The work page of a consultation, for a change to what the public is told of it (公示, 正誤,
/// 延長, 中止): admins only, with their CSRF token.
async fn manage<'a>(
    req: &'a HttpRequest,
    hb: &'a Templates,
    state: &'a AppState,
    staff: &'a Staff,
    id: i32,
    csrf: &str,
) -> Result<WorkPage<'a>> {
    staff.require(Action::CreateConsultations)?;
    let (work, _) = WorkPage::posted(req, hb, state, staff, id, csrf).await?;
    Ok(work)
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
    let work = manage(&req, &hb, &state, &staff, id, &form.csrf).await?;
    work.apply(
        WorkForm::Announce,
        FormPage::default(),
        "",
        move |conn, at, _| lifecycle::announce(conn, id, at),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CorrectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    sections: String,
    #[serde(default)]
    note: String,
}

/// `POST /staff/consultations/{id}/correct`: 正誤, with the note of what was corrected.
pub async fn correct(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CorrectForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let work = manage(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    for (field, value) in [
        ("title", &f.title),
        ("summary", &f.summary),
        ("sections", &f.sections),
        ("note", &f.note),
    ] {
        page.keep(field, value);
    }
    let title = page.check("title", fields::text(&f.title, "件名", 200, true));
    let summary = page.check("summary", fields::text(&f.summary, "概要", 4000, true));
    let sections = page.check("sections", fields::sections(&f.sections));
    let note = page.check(
        "note",
        fields::text(&f.note, "訂正した内容", NOTICE_MAX, true),
    );
    let (Some(Some(title)), Some(Some(summary)), Some(sections), Some(Some(note))) =
        (title, summary, sections, note)
    else {
        return work.refused(WorkForm::Correct, page).await;
    };
    let correction = Correction {
        title,
        summary,
        sections,
        note,
    };
    work.apply(WorkForm::Correct, page, "", move |conn, at, public_url| {
        lifecycle::correct(conn, id, &correction, at, public_url)
    })
    .await
}

/// The longest notice text (what was corrected, the reason), as the table allows.
const NOTICE_MAX: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/consultations/{id}/extend`: a later last day, with the reason.
pub async fn extend(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ExtendForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let work = manage(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    page.keep("closes_on", &f.closes_on)
        .keep("reason", &f.reason);
    let closes_on = page.check("closes_on", parse_day(&f.closes_on, "新しい締切日"));
    let reason = page.check(
        "reason",
        fields::text(&f.reason, "延長の理由", NOTICE_MAX, true),
    );
    let (Some(closes_on), Some(Some(reason))) = (closes_on, reason) else {
        return work.refused(WorkForm::Extend, page).await;
    };
    work.apply(WorkForm::Extend, page, "", move |conn, at, public_url| {
        lifecycle::extend(conn, id, closes_on, &reason, at, public_url)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/consultations/{id}/withdraw`: 中止, with the reason.
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let work = manage(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    page.keep("reason", &f.reason);
    let Some(Some(reason)) = page.check(
        "reason",
        fields::text(&f.reason, "中止の理由", NOTICE_MAX, true),
    ) else {
        return work.refused(WorkForm::Withdraw, page).await;
    };
    work.apply(WorkForm::Withdraw, page, "", move |conn, at, public_url| {
        lifecycle::withdraw(conn, id, &reason, at, public_url)
    })
    .await
}
