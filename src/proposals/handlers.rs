//! Proposal pages: the form (new and edit, with what was typed kept on every error), the
//! preview, the proposer's transitions (submit, resubmit, withdraw), the public list and page,
//! and "my proposals". Handlers parse, call `model` (which authorises per record inside its
//! transaction), and render.

use super::fields::{Budget, LongText, Measures, Summary, Title};
use super::listing::{self, Cursor, SearchText, Sort};
use super::model::{self, Content, Filter, Listed, Proposal, Rejected, Step, CONFLICT_MESSAGE};
use super::workflow::{self, Action, Actor, State};
use crate::attachments::handlers::item_json;
use crate::attachments::sniff::{MAX_LABEL, MAX_PER_OWNER};
use crate::attachments::{self, Owner};
use crate::auth::fields::shown_name;
use crate::comments::view::CommentForm;
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::web::forms::FormPage;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::present::{date, grouped, paragraphs};
use crate::web::proxy::client_ip;
use crate::web::see_other;
use crate::web::visitor::{check_csrf, Verified, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use crate::web::{render_page, render_page_as, Crumb};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::DateTime;
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

fn crumbs(lang: Lang, middle: Option<(&str, String)>, here: &str) -> Vec<Crumb> {
    crate::web::section_crumbs(lang, ("proposals.list.title", "/proposals"), middle, here)
}

pub(super) fn state_label(lang: Lang, state: State) -> String {
    t(lang, &format!("proposals.state.{}", state.as_str()))
}

pub(super) fn org_json(lang: Lang, org: &model::OrgRef) -> Value {
    json!({
        "name": org.name,
        "href": format!("/organisations/{}", org.id),
        "verified": org.verified,
        "badge": t(lang, if org.verified { "proposals.org.verified" } else { "proposals.org.unverified" }),
    })
}

fn listed_json(lang: Lang, p: &Listed) -> Value {
    json!({
        "href": format!("/proposals/{}", p.id),
        "title": p.title,
        "summary": p.summary,
        "state": p.state.as_str(),
        "state_label": state_label(lang, p.state),
        "author": shown_name(lang, &p.author_name),
        "organisation": p.organisation.as_ref().map(|o| org_json(lang, o)),
        "date": date(lang, p.created_at),
        "measures": p.measures.iter().map(|c| json!({ "code": c.to_string(), "href": format!("/measures/{c}") })).collect::<Vec<_>>(),
    })
}

fn proposal_json(lang: Lang, p: &Proposal, timeline: &[Step]) -> Value {
    let section = |key: &str, text: &str| json!({ "heading": t(lang, &format!("proposals.field.{key}")), "paragraphs": paragraphs(text) });
    let sections: Vec<Value> = [
        ("local_issue", &p.local_issue),
        ("activity_plan", &p.activity_plan),
        ("expected_effect", &p.expected_effect),
        ("partners", &p.partners),
        ("period", &p.period),
    ]
    .into_iter()
    .filter(|(_, text)| !text.trim().is_empty())
    .map(|(key, text)| section(key, text))
    .collect();
    json!({
        "id": p.id.to_string(),
        "href": format!("/proposals/{}", p.id),
        "title": p.title,
        "summary": paragraphs(&p.summary),
        "state": p.state.as_str(),
        "state_label": state_label(lang, p.state),
        "author": shown_name(lang, &p.author_name),
        "organisation": p.organisation.as_ref().map(|o| org_json(lang, o)),
        "created": date(lang, p.created_at),
        "budget": p.budget_yen.map(|y| translate(lang, "proposals.yen", &[("amount", grouped(y))])),
        "sections": sections,
        "version": p.version,
        "measures": p.measures.iter().map(|(code, title)| json!({
            "code": code.to_string(), "title": title, "href": format!("/measures/{code}"),
        })).collect::<Vec<_>>(),
        "timeline": timeline.iter().map(|s| json!({
            "label": state_label(lang, s.to),
            "action": t(lang, &format!("proposals.action.{}", s.action)),
            "date": date(lang, s.at),
            "datetime": crate::wareki::datetime_attr(&s.at),
            "reason": s.reason,
        })).collect::<Vec<_>>(),
    })
}

/// Public responses of the city join the timeline, in the order they happened.
fn with_responses(lang: Lang, proposal: &mut Value, responses: &[super::review::Response]) {
    if let Some(Value::Array(timeline)) = proposal.get_mut("timeline") {
        for r in responses {
            timeline.push(json!({
                "label": t(lang, "proposals.timeline.response"),
                "action": r.department.clone().unwrap_or_default(),
                "date": date(lang, r.at),
                "datetime": crate::wareki::datetime_attr(&r.at),
                "reason": r.body,
            }));
        }
        // A stable sort: transitions and responses of the same instant keep their order.
        timeline.sort_by_key(|step| {
            step["datetime"]
                .as_str()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        });
    }
}

/// The buttons the author sees: what the workflow allows them now.
fn actions_json(lang: Lang, p: &Proposal, viewer: Option<&Viewer>) -> Vec<Value> {
    if viewer.map(|v| v.id) != Some(p.author_id) {
        return Vec::new();
    }
    workflow::available(p.state, Actor::Proposer)
        .into_iter()
        .map(|a| {
            json!({
                "action": format!("/proposals/{}/{}", p.id, a.as_str()),
                "label": t(lang, &format!("proposals.button.{}", a.as_str())),
                "secondary": a == Action::Withdraw,
            })
        })
        .collect()
}

// ---------- the form ----------

/// The form as posted; checkboxes repeat `measures`, so it is read as pairs.
#[derive(Debug, Default)]
struct Posted {
    csrf: String,
    title: String,
    summary: String,
    measures: Vec<String>,
    measure_other: String,
    organisation: String,
    local_issue: String,
    activity_plan: String,
    expected_effect: String,
    partners: String,
    period: String,
    budget: String,
    version: String,
}

const TEXT_FIELDS: [&str; 9] = [
    "title",
    "summary",
    "measure_other",
    "local_issue",
    "activity_plan",
    "expected_effect",
    "partners",
    "period",
    "budget",
];

impl Posted {
    fn from_pairs(pairs: Vec<(String, String)>) -> Posted {
        let mut posted = Posted::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "csrf" => &mut posted.csrf,
                "title" => &mut posted.title,
                "summary" => &mut posted.summary,
                "measure_other" => &mut posted.measure_other,
                "organisation" => &mut posted.organisation,
                "local_issue" => &mut posted.local_issue,
                "activity_plan" => &mut posted.activity_plan,
                "expected_effect" => &mut posted.expected_effect,
                "partners" => &mut posted.partners,
                "period" => &mut posted.period,
                "budget" => &mut posted.budget,
                "version" => &mut posted.version,
                "measures" => {
                    if posted.measures.len() < 50 {
                        posted.measures.push(value);
                    }
                    continue;
                }
                _ => continue,
            };
            *slot = value;
        }
        posted
    }

    fn value(&self, field: &str) -> &str {
        match field {
            "title" => &self.title,
            "summary" => &self.summary,
            "measure_other" => &self.measure_other,
            "local_issue" => &self.local_issue,
            "activity_plan" => &self.activity_plan,
            "expected_effect" => &self.expected_effect,
            "partners" => &self.partners,
            "period" => &self.period,
            "budget" => &self.budget,
            _ => "",
        }
    }

    fn from_proposal(p: &Proposal, detailed: &[MeasureCode]) -> Posted {
        let (chosen, other): (Vec<MeasureCode>, Vec<MeasureCode>) = p
            .measures
            .iter()
            .map(|(c, _)| *c)
            .partition(|c| detailed.contains(c));
        Posted {
            title: p.title.clone(),
            summary: p.summary.clone(),
            measures: chosen.iter().map(ToString::to_string).collect(),
            measure_other: other
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            organisation: p
                .organisation
                .as_ref()
                .map(|o| o.id.to_string())
                .unwrap_or_default(),
            local_issue: p.local_issue.clone(),
            activity_plan: p.activity_plan.clone(),
            expected_effect: p.expected_effect.clone(),
            partners: p.partners.clone(),
            period: p.period.clone(),
            budget: p.budget_yen.map(|y| y.to_string()).unwrap_or_default(),
            version: p.version.to_string(),
            csrf: String::new(),
        }
    }

    /// The form showing these values, no messages.
    fn kept(&self) -> FormPage {
        let mut page = FormPage::default();
        for field in TEXT_FIELDS {
            page.keep(field, self.value(field));
        }
        page
    }

    /// Every field parsed, messages recorded on `page`; `None` if anything needs fixing.
    fn parse(&self, page: &mut FormPage) -> Option<Content> {
        for field in TEXT_FIELDS {
            page.keep(field, self.value(field));
        }
        let title = page.check("title", Title::parse(&self.title));
        let summary = page.check("summary", Summary::parse(&self.summary));
        let measures = page.check(
            "measures",
            Measures::parse(&self.measures, &self.measure_other),
        );
        let organisation = page.check(
            "organisation",
            match self.organisation.trim() {
                "" => Ok(None),
                raw => raw
                    .parse::<Uuid>()
                    .map(Some)
                    .map_err(|_| "団体の選択が正しくありません。".to_owned()),
            },
        );
        let mut long =
            |field: &str, key: &str| page.check(field, LongText::parse(self.value(field), key));
        let local_issue = long("local_issue", "地域の課題");
        let activity_plan = long("activity_plan", "活動計画");
        let expected_effect = long("expected_effect", "期待される効果");
        let partners = long("partners", "連携する団体・協力者");
        let period = long("period", "実施期間");
        let budget = page.check("budget", Budget::parse(&self.budget));
        Some(Content {
            title: title?,
            summary: summary?,
            local_issue: local_issue?,
            activity_plan: activity_plan?,
            expected_effect: expected_effect?,
            partners: partners?,
            period: period?,
            budget: budget?,
            measures: measures?,
            organisation: organisation?,
        })
    }
}

/// What the form needs besides what was typed: the measures to tick and the organisations.
struct FormData {
    measures: Vec<(i32, MeasureCode, String)>,
    organisations: Vec<(Uuid, String)>,
    /// Similar public proposals (only when editing a saved draft).
    similar: Vec<Value>,
    /// The saved proposal's attachments (only when editing one).
    attachments: Vec<attachments::model::Attachment>,
    /// Why the file just uploaded was not attached.
    upload_message: Option<String>,
}

/// Up to five similar public proposals, for the edit and preview pages.
async fn similar_json(
    state: &AppState,
    lang: Lang,
    title: &str,
    summary: &str,
    exclude: Uuid,
) -> Result<Vec<Value>> {
    let text = format!("{title} {summary}");
    let rows = state
        .db(move |conn| super::similar::similar(conn, &text, Some(exclude), super::similar::SHOWN))
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, title, state, _)| {
            let state: State = state.parse().ok()?;
            Some(json!({
                "href": format!("/proposals/{id}"),
                "title": title,
                "state_label": state_label(lang, state),
            }))
        })
        .collect())
}

async fn form_data(state: &AppState, account: Uuid, editing: Option<Uuid>) -> Result<FormData> {
    state
        .db(move |conn| {
            Ok(FormData {
                measures: model::detailed_measures(conn)?,
                organisations: crate::orgs::model::organisations_of(conn, account)?,
                similar: Vec::new(),
                attachments: match editing {
                    Some(id) => attachments::model::list(conn, &Owner::proposal(id))?,
                    None => Vec::new(),
                },
                upload_message: None,
            })
        })
        .await
}

/// The attachments of the edit page: the files with their remove buttons, and the upload form
/// (a form of its own: files are sent as multipart, the text as a plain form).
fn manage_json(lang: Lang, id: Uuid, data: &FormData) -> Value {
    json!({
        "items": data.attachments.iter().map(|a| {
            let mut item = item_json(a);
            item["remove_action"] = json!(format!("/proposals/{id}/attachments/{}/remove", a.id));
            item
        }).collect::<Vec<_>>(),
        "action": format!("/proposals/{id}/attachments"),
        "message": data.upload_message,
        "hint": translate(lang, "attachments.hint", &[("max", MAX_LABEL.to_owned()), ("count", MAX_PER_OWNER.to_string())]),
    })
}

/// The files of a proposal for its page and preview.
async fn attachments_json(state: &AppState, id: Uuid) -> Result<Vec<Value>> {
    let files = state
        .db(move |conn| attachments::model::list(conn, &Owner::proposal(id)))
        .await?;
    Ok(files.iter().map(item_json).collect())
}

/// Where the form posts and what it edits.
struct Target {
    action: String,
    id: Option<Uuid>,
    title: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    target: &Target,
    data: &FormData,
    posted: &Posted,
    page: &FormPage,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let mut groups: Vec<Value> = Vec::new();
    let mut current: Option<i32> = None;
    for (chapter, code, title) in &data.measures {
        if current != Some(*chapter) {
            groups.push(json!({
                "legend": translate(lang, "crumb.chapter", &[("number", chapter.to_string())]),
                "measures": [],
            }));
            current = Some(*chapter);
        }
        let code = code.to_string();
        if let Some(Value::Array(list)) = groups.last_mut().and_then(|g| g.get_mut("measures")) {
            list.push(json!({
                "code": code,
                "id": format!("measure-{code}"),
                "title": title,
                "checked": posted.measures.contains(&code),
            }));
        }
    }
    let organisations: Vec<Value> = data
        .organisations
        .iter()
        .map(|(id, name)| {
            json!({ "id": id.to_string(), "name": name, "selected": posted.organisation == id.to_string() })
        })
        .collect();
    let (page_title, middle) = match (&target.id, &target.title) {
        (Some(id), Some(title)) => (
            t(lang, "proposals.edit.title"),
            Some((format!("/proposals/{id}"), title.clone())),
        ),
        _ => (t(lang, "proposals.new.title"), None),
    };
    let trail = crumbs(
        lang,
        middle.as_ref().map(|(h, l)| (h.as_str(), l.clone())),
        &page_title,
    );
    let response = render_page_as(
        req,
        hb,
        "proposals/form",
        &page_title,
        &trail,
        &json!({
            "form": page,
            "action": target.action,
            "editing": target.id.is_some(),
            "version": posted.version,
            "groups": groups,
            "organisations": organisations,
            "similar": data.similar,
            "attachments": target.id.map(|id| manage_json(lang, id, data)),
        }),
        status,
    )?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct NewQuery {
    measure: Option<String>,
}

/// `/proposals/new`, or `/proposals/new?measure=5-1` from a measure's page: that measure ticked
/// (an unknown code ticks nothing, as only listed measures have a box).
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse> {
    let data = form_data(&state, viewer.id, None).await?;
    let target = Target {
        action: "/proposals/new".into(),
        id: None,
        title: None,
    };
    let posted = Posted {
        measures: query.into_inner().measure.into_iter().collect(),
        ..Posted::default()
    };
    form_page(
        &req,
        &hb,
        &target,
        &data,
        &posted,
        &FormPage::default(),
        StatusCode::OK,
    )
}

/// A refused change: the form again with the message beside its field (or at the top).
#[allow(clippy::too_many_arguments)]
async fn refused(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    state: &AppState,
    account: Uuid,
    target: &Target,
    posted: &Posted,
    mut page: FormPage,
    rejected: Rejected,
) -> Result<HttpResponse> {
    let status = match rejected {
        Rejected::Field { field, message } => {
            page.fail(field, &message);
            StatusCode::BAD_REQUEST
        }
        Rejected::Conflict => {
            page.fail("form", CONFLICT_MESSAGE);
            StatusCode::CONFLICT
        }
        Rejected::Other(e) => return Err(e),
    };
    let data = form_data(state, account, target.id).await?;
    form_page(req, hb, target, &data, posted, &page, status)
}

/// POST `/proposals/new`: saves a draft and shows its preview.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let posted = Posted::from_pairs(form.into_inner());
    check_csrf(&req, &posted.csrf)?;
    let target = Target {
        action: "/proposals/new".into(),
        id: None,
        title: None,
    };
    let mut page = FormPage::default();
    let Some(content) = posted.parse(&mut page) else {
        let data = form_data(&state, viewer.id, None).await?;
        return form_page(
            &req,
            &hb,
            &target,
            &data,
            &posted,
            &page,
            StatusCode::BAD_REQUEST,
        );
    };
    let ip = client_ip(&req);
    let author = viewer.id;
    let done = state
        .db(move |conn| Ok(model::create(conn, author, ip.as_deref(), &content)))
        .await?;
    match done {
        Ok(id) => Ok(see_other(&format!("/proposals/{id}/preview"))),
        Err(rejected) => {
            refused(
                &req, &hb, &state, viewer.id, &target, &posted, page, rejected,
            )
            .await
        }
    }
}

async fn load(
    state: &AppState,
    id: Uuid,
    viewer: Option<Uuid>,
) -> Result<(Proposal, Vec<Step>, Vec<MeasureCode>)> {
    state
        .db(move |conn| {
            let (proposal, timeline) = model::find(conn, id, viewer)?;
            let detailed = model::detailed_measures(conn)?
                .into_iter()
                .map(|(_, code, _)| code)
                .collect();
            Ok((proposal, timeline, detailed))
        })
        .await
}

/// The author's own proposal; a stranger gets 404 for a draft, 403 otherwise.
fn authors_only(proposal: &Proposal, viewer: &Viewer) -> Result<()> {
    if proposal.author_id != viewer.id {
        return Err(Error::Forbidden(
            "この提案を編集できるのは提案者だけです。".into(),
        ));
    }
    Ok(())
}

fn not_editable(state: State) -> Error {
    Error::BadRequest(format!(
        "この提案は現在「{}」のため、編集できません。",
        workflow::label(state)
    ))
}

/// `/proposals/{id}/edit`
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    edit_page(
        &req,
        &hb,
        &state,
        &viewer,
        id.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The edit page with the saved text, and `upload_message` beside the upload form.
async fn edit_page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    upload_message: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let (proposal, _, detailed) = load(state, id, Some(viewer.id)).await?;
    authors_only(&proposal, viewer)?;
    if !model::editable(proposal.state) {
        return Err(not_editable(proposal.state));
    }
    let mut data = form_data(state, viewer.id, Some(id)).await?;
    data.upload_message = upload_message;
    data.similar =
        similar_json(state, Lang::of(req), &proposal.title, &proposal.summary, id).await?;
    let target = Target {
        action: format!("/proposals/{id}/edit"),
        id: Some(id),
        title: Some(proposal.title.clone()),
    };
    let posted = Posted::from_proposal(&proposal, &detailed);
    form_page(req, hb, &target, &data, &posted, &posted.kept(), status)
}

/// POST `/proposals/{id}/attachments` (multipart: `csrf`, then `file`): attaches a PDF or an
/// image while the author may edit. A refused file is said on the edit page (400, or 413 for
/// one too large) and nothing changes; the text was saved by its own form.
pub async fn attach(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let stored = match attachments::upload::read(&req, payload).await? {
        Ok(file) => {
            let ip = client_ip(&req);
            let actor = viewer.id;
            state
                .db(move |conn| {
                    let owner = Owner::proposal(id);
                    attachments::model::attach(
                        conn,
                        &owner,
                        super::files::POLICY,
                        actor,
                        ip.as_deref(),
                        &file,
                    )
                })
                .await?
        }
        Err(refusal) => Err(refusal),
    };
    match stored {
        Ok(_) => Ok(see_other(&format!("/proposals/{id}/edit#attachments"))),
        Err(refusal) => {
            edit_page(
                &req,
                &hb,
                &state,
                &viewer,
                id,
                Some(refusal.message()),
                refusal.status(),
            )
            .await
        }
    }
}

/// POST `/proposals/{id}/attachments/{attachment}/remove`
pub async fn detach(
    req: HttpRequest,
    state: web::Data<AppState>,
    Verified(viewer): Verified,
    path: web::Path<(Uuid, Uuid)>,
    form: web::Form<crate::web::forms::CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (id, attachment) = path.into_inner();
    let ip = client_ip(&req);
    let actor = viewer.id;
    state
        .db(move |conn| {
            let owner = Owner::proposal(id);
            attachments::model::detach(
                conn,
                &owner,
                super::files::POLICY,
                attachment,
                actor,
                ip.as_deref(),
            )
        })
        .await?;
    Ok(see_other(&format!("/proposals/{id}/edit#attachments")))
}

/// POST `/proposals/{id}/edit`: saves the changes if nobody changed the proposal meanwhile.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    id: web::Path<Uuid>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let posted = Posted::from_pairs(form.into_inner());
    check_csrf(&req, &posted.csrf)?;
    let target = Target {
        action: format!("/proposals/{id}/edit"),
        id: Some(id),
        title: Some(posted.title.clone()),
    };
    let mut page = FormPage::default();
    let version = page.check(
        "form",
        posted.version.trim().parse::<i32>().map_err(|_| {
            "フォームの内容を読み取れませんでした。ページを読み込み直してください。".to_owned()
        }),
    );
    let content = posted.parse(&mut page);
    let (Some(version), Some(content)) = (version, content) else {
        let data = form_data(&state, viewer.id, Some(id)).await?;
        return form_page(
            &req,
            &hb,
            &target,
            &data,
            &posted,
            &page,
            StatusCode::BAD_REQUEST,
        );
    };
    let ip = client_ip(&req);
    let actor = viewer.id;
    let done = state
        .db(move |conn| {
            Ok(model::update(
                conn,
                actor,
                ip.as_deref(),
                id,
                version,
                &content,
            ))
        })
        .await?;
    match done {
        Ok(()) => Ok(see_other(&format!("/proposals/{id}/preview"))),
        Err(rejected) => {
            refused(
                &req, &hb, &state, viewer.id, &target, &posted, page, rejected,
            )
            .await
        }
    }
}

/// `/proposals/{id}/preview`: the proposal as it will be published, with the author's buttons.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (proposal, timeline, _) = load(&state, id.into_inner(), Some(viewer.id)).await?;
    if proposal.author_id != viewer.id {
        return Err(Error::NotFound);
    }
    let lang = Lang::of(&req);
    let similar = similar_json(
        &state,
        lang,
        &proposal.title,
        &proposal.summary,
        proposal.id,
    )
    .await?;
    let mut proposal_value = proposal_json(lang, &proposal, &timeline);
    proposal_value["attachments"] = Value::from(attachments_json(&state, proposal.id).await?);
    let title = t(lang, "proposals.preview.title");
    render_page(
        &req,
        &hb,
        "proposals/preview",
        &title,
        &crumbs(
            lang,
            Some((
                &format!("/proposals/{}", proposal.id),
                proposal.title.clone(),
            )),
            &title,
        ),
        &json!({
            "proposal": proposal_value,
            "actions": actions_json(lang, &proposal, Some(&viewer)),
            "editable": model::editable(proposal.state),
            "similar": similar,
        }),
    )
}

/// `/proposals/{id}`: public unless a draft (then only its author sees it).
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    show_page(&req, &state, &hb, id.into_inner(), StatusCode::OK).await
}

/// The proposal's page, with the comment form the request keeps after a refusal
/// ([`crate::comments::hosts`]).
pub async fn show_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Handlebars<'_>,
    id: Uuid,
    status: StatusCode,
) -> Result<HttpResponse> {
    let form = &CommentForm::of(req)?;
    let viewer = crate::web::visitor::viewer(req);
    let after = form.after;
    let (proposal, timeline, responses, participation, files) = state
        .db({
            let viewer = viewer.as_ref().map(|v| v.id);
            move |conn| {
                let (proposal, timeline) = model::find(conn, id, viewer)?;
                let participation =
                    super::participation_handlers::load(conn, &proposal, viewer, after)?;
                Ok((
                    proposal,
                    timeline,
                    super::review::responses(conn, id)?,
                    participation,
                    attachments::model::list(conn, &Owner::proposal(id))?,
                ))
            }
        })
        .await?;
    let lang = Lang::of(req);
    let mine = viewer.as_ref().map(|v| v.id) == Some(proposal.author_id);
    let mut proposal_value = proposal_json(lang, &proposal, &timeline);
    with_responses(lang, &mut proposal_value, &responses);
    // Whoever may see the page (the public once submitted, the author before) sees its files.
    proposal_value["attachments"] = files.iter().map(item_json).collect();
    let response = render_page_as(
        req,
        hb,
        "proposals/page",
        &proposal.title,
        &crumbs(lang, None, &proposal.title),
        &json!({
            "proposal": proposal_value,
            "actions": actions_json(lang, &proposal, viewer.as_ref()),
            "editable": mine && model::editable(proposal.state),
            "draft": proposal.state == State::Draft,
            "participation": participation.json(lang, &proposal, viewer.as_ref(), form),
        }),
        status,
    )?;
    Ok(response)
}

/// A button's form: the token, and the version the page showed.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    version: Option<String>,
}

/// The proposer's buttons on a proposal.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposerAction {
    Submit,
    Resubmit,
    Withdraw,
}

/// POST `/proposals/{id}/{action}`: the proposer submits, resubmits or withdraws, through the
/// workflow (which refuses what the state does not allow).
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<(Uuid, ProposerAction)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse> {
    let (id, action) = path.into_inner();
    let action = match action {
        ProposerAction::Submit => Action::Submit,
        ProposerAction::Resubmit => Action::Resubmit,
        ProposerAction::Withdraw => Action::Withdraw,
    };
    check_csrf(&req, &form.csrf)?;
    if !viewer.verified() {
        return Err(Error::Forbidden(
            "メールアドレスの確認が済んでいません。届いたメールのリンクから確認してください。"
                .into(),
        ));
    }
    let version = match form.version.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<i32>().map_err(|_| {
            Error::BadRequest(
                "フォームの内容を読み取れませんでした。ページを読み込み直してください。".into(),
            )
        })?),
    };
    let ip = client_ip(&req);
    let actor = viewer.id;
    let public_url = state.public_url.clone();
    let done = state
        .db(move |conn| {
            Ok(model::transition(
                conn,
                &public_url,
                actor,
                ip.as_deref(),
                id,
                action,
                version,
                None,
            ))
        })
        .await?;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{id}"))),
        Err(Rejected::Conflict) => Err(Error::BadRequest(CONFLICT_MESSAGE.into())),
        Err(Rejected::Field { message, .. }) => Err(Error::BadRequest(message)),
        Err(Rejected::Other(e)) => Err(e),
    }
}

// ---------- lists ----------

#[derive(Deserialize)]
pub struct ListQuery {
    pub(super) measure: Option<String>,
    pub(super) state: Option<String>,
    pub(super) organisation: Option<String>,
    pub(super) q: Option<String>,
    pub(super) sort: Option<String>,
    pub(super) before: Option<String>,
}

pub(super) fn parse_filter(query: &ListQuery) -> Result<Filter> {
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let measure = match nonempty(&query.measure) {
        None => None,
        Some(raw) => Some(raw.parse::<MeasureCode>().map_err(Error::BadRequest)?),
    };
    let state = match nonempty(&query.state) {
        None => None,
        Some(raw) => {
            let state: State = raw.parse().map_err(Error::BadRequest)?;
            if !state.is_public() {
                return Err(Error::BadRequest(
                    "下書きの提案は公開されていません。".into(),
                ));
            }
            Some(state)
        }
    };
    let organisation = nonempty(&query.organisation)
        .map(|raw| {
            raw.parse::<Uuid>().map_err(|_| {
                Error::BadRequest("団体の指定（organisation）が正しくありません。".into())
            })
        })
        .transpose()?;
    let text =
        SearchText::parse(query.q.as_deref().unwrap_or_default()).map_err(Error::BadRequest)?;
    let sort = nonempty(&query.sort)
        .map(|raw| Sort::parse(&raw))
        .transpose()
        .map_err(Error::BadRequest)?
        .unwrap_or_default();
    let before = nonempty(&query.before)
        .map(|raw| Cursor::parse(&raw, sort))
        .transpose()
        .map_err(Error::BadRequest)?;
    Ok(Filter {
        measure,
        state,
        organisation,
        text,
        sort,
        before,
    })
}

impl Filter {
    /// The query parameters that give this filter and order again (without the page).
    pub(super) fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(m) = self.measure {
            params.push(("measure", m.to_string()));
        }
        if let Some(s) = self.state {
            params.push(("state", s.as_str().to_owned()));
        }
        if let Some(o) = self.organisation {
            params.push(("organisation", o.to_string()));
        }
        if let Some(q) = &self.text {
            params.push(("q", q.as_str().to_owned()));
        }
        if self.sort != Sort::default() {
            params.push(("sort", self.sort.as_str().to_owned()));
        }
        params
    }

    /// The same filter's next page after `last`, at `path`.
    pub(super) fn next_href(&self, path: &str, last: &Listed) -> String {
        let mut params = self.params();
        params.push(("before", last.cursor(self.sort).encode(self.sort)));
        listing::href(path, &params)
    }
}

/// `/proposals`: public proposals, newest first, filtered by measure and state.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let filter = parse_filter(&query)?;
    let (rows, more, measures, organisations) = state
        .db({
            let filter = filter.clone();
            move |conn| {
                let (rows, more) = model::list(conn, &filter)?;
                Ok((
                    rows,
                    more,
                    model::detailed_measures(conn)?,
                    model::proposing_organisations(conn)?,
                ))
            }
        })
        .await?;
    let lang = Lang::of(&req);
    let title = t(lang, "proposals.list.title");
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| filter.next_href("/proposals", last));
    let first = filter
        .before
        .map(|_| listing::href("/proposals", &filter.params()));
    let chosen_measure = filter.measure.map(|m| m.to_string()).unwrap_or_default();
    let measure_options: Vec<Value> = measures
        .iter()
        .map(|(_, code, title)| {
            let code = code.to_string();
            json!({ "selected": code == chosen_measure, "code": code, "title": title })
        })
        .collect();
    let state_options: Vec<Value> = State::ALL
        .into_iter()
        .filter(|s| s.is_public())
        .map(|s| json!({ "code": s.as_str(), "label": state_label(lang, s), "selected": Some(s) == filter.state }))
        .collect();
    let organisation_options: Vec<Value> = organisations
        .iter()
        .map(|(id, name)| json!({ "id": id.to_string(), "name": name, "selected": Some(*id) == filter.organisation }))
        .collect();
    let sort_options: Vec<Value> = Sort::ALL
        .into_iter()
        .map(|s| json!({ "code": s.as_str(), "label": t(lang, &format!("proposals.sort.{}", s.as_str())), "selected": s == filter.sort }))
        .collect();
    render_page(
        &req,
        &hb,
        "proposals/list",
        &title,
        &[
            Crumb {
                label: t(lang, "crumb.home"),
                href: Some("/".into()),
            },
            Crumb {
                label: title.clone(),
                href: None,
            },
        ],
        &json!({
            "proposals": rows.iter().map(|p| listed_json(lang, p)).collect::<Vec<_>>(),
            "paged": next.is_some() || first.is_some(),
            "next": next,
            "first": first,
            "measure_options": measure_options,
            "state_options": state_options,
            "organisation_options": organisation_options,
            "sort_options": sort_options,
            "q": filter.text.as_ref().map(SearchText::as_str),
            "filtered": !filter.params().is_empty(),
            "feed_href": "/proposals/feed.atom",
            "feed_title": t(lang, "proposals.feed.title"),
        }),
    )
}

/// `/proposals/mine`: the viewer's proposals, drafts included.
pub async fn mine(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
) -> Result<HttpResponse> {
    let account = viewer.id;
    let rows = state.db(move |conn| model::mine(conn, account)).await?;
    let lang = Lang::of(&req);
    let title = t(lang, "proposals.mine.title");
    render_page(
        &req,
        &hb,
        "proposals/mine",
        &title,
        &crumbs(lang, None, &title),
        &json!({
            "proposals": rows.iter().map(|p| listed_json(lang, p)).collect::<Vec<_>>(),
            "verified": viewer.verified(),
        }),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals", web::get().to(list))
        .route("/proposals/new", web::get().to(new_form))
        .route("/proposals/new", web::post().to(create))
        .route("/proposals/mine", web::get().to(mine))
        .route("/proposals/{id}", web::get().to(show))
        .route("/proposals/{id}/edit", web::get().to(edit_form))
        .route("/proposals/{id}/edit", web::post().to(update))
        .route("/proposals/{id}/attachments", web::post().to(attach))
        .route(
            "/proposals/{id}/attachments/{attachment}/remove",
            web::post().to(detach),
        )
        .route("/proposals/{id}/preview", web::get().to(preview))
        .route(
            "/proposals/{id}/{action:submit|resubmit|withdraw}",
            web::post().to(act),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_is_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_500_000), "1,500,000");
        assert_eq!(grouped(-12345), "-12,345");
    }
}
