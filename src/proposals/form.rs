//! The proposal form (new and edit): what was posted, parsed into `Content` with every
//! message kept beside its field, and the page that shows it again.

use super::changes::{Content, Rejected, CONFLICT};
use super::fields::{Budget, LongText, Measures, Summary, Title};
use super::model::Proposal;
use super::views::{crumbs, state_label};
use super::workflow::State;
use crate::attachments::handlers::item_json;
use crate::attachments::sniff::{MAX_LABEL, MAX_PER_OWNER};
use crate::attachments::{self, Owner};
use crate::error::Result;
use crate::plan::model::MeasureCode;
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::render_page_as;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde_json::{json, Value};
use uuid::Uuid;

/// The form as posted; checkboxes repeat `measures`, so it is read as pairs.
#[derive(Debug, Default)]
pub(super) struct Posted {
    pub(super) csrf: String,
    pub(super) title: String,
    pub(super) summary: String,
    pub(super) measures: Vec<String>,
    pub(super) measure_other: String,
    pub(super) organisation: String,
    pub(super) local_issue: String,
    pub(super) activity_plan: String,
    pub(super) expected_effect: String,
    pub(super) partners: String,
    pub(super) period: String,
    pub(super) budget: String,
    pub(super) version: String,
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
    pub(super) fn from_pairs(pairs: Vec<(String, String)>) -> Posted {
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

    pub(super) fn from_proposal(p: &Proposal, detailed: &[MeasureCode]) -> Posted {
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
    pub(super) fn kept(&self) -> FormPage {
        let mut page = FormPage::default();
        for field in TEXT_FIELDS {
            page.keep(field, self.value(field));
        }
        page
    }

    /// Every field parsed, messages recorded on `page`; `None` if anything needs fixing.
    pub(super) fn parse(&self, page: &mut FormPage) -> Option<Content> {
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
                    .map_err(|_| Refusal::new("msg.organisation_choice")),
            },
        );
        let mut long =
            |field: &str, what| page.check(field, LongText::parse(self.value(field), what));
        let local_issue = long("local_issue", "label.local_issue");
        let activity_plan = long("activity_plan", "label.activity_plan");
        let expected_effect = long("expected_effect", "label.expected_effect");
        let partners = long("partners", "label.partners");
        let period = long("period", "label.period");
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
pub(super) struct FormData {
    measures: Vec<(i32, MeasureCode, String)>,
    organisations: Vec<(Uuid, String)>,
    /// Similar public proposals (only when editing a saved draft).
    pub(super) similar: Vec<Value>,
    /// The saved proposal's attachments (only when editing one).
    attachments: Vec<attachments::model::Attachment>,
    /// Why the file just uploaded was not attached.
    pub(super) upload_message: Option<Refusal>,
}

/// Up to five similar public proposals, for the edit and preview pages.
pub(super) async fn similar_json(
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

pub(super) async fn form_data(
    req: &HttpRequest,
    state: &AppState,
    account: Uuid,
    editing: Option<Uuid>,
) -> Result<FormData> {
    let plan = crate::plan::cache::of(req);
    state
        .db(move |conn| {
            Ok(FormData {
                measures: plan.snapshot(conn)?.detailed_measures(),
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

/// Where the form posts and what it edits.
pub(super) struct Target {
    action: String,
    id: Option<Uuid>,
    title: Option<String>,
}

impl Target {
    /// `/proposals/new`: a new draft.
    pub(super) fn new_draft() -> Target {
        Target {
            action: "/proposals/new".into(),
            id: None,
            title: None,
        }
    }

    /// `/proposals/{id}/edit`, for the proposal of this title.
    pub(super) fn edit(id: Uuid, title: String) -> Target {
        Target {
            action: format!("/proposals/{id}/edit"),
            id: Some(id),
            title: Some(title),
        }
    }
}

/// The form as the author filled it in: where it posts, what was typed, and the messages.
pub(super) struct Filled {
    pub(super) target: Target,
    pub(super) posted: Posted,
    pub(super) page: FormPage,
}

/// The detailed measures as checkboxes, grouped by chapter, those posted ticked.
fn measure_groups(lang: Lang, data: &FormData, posted: &Posted) -> Vec<Value> {
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
    groups
}

/// The form page: what was filled in, with its messages, and `status`.
pub(super) fn form_page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    filled: &Filled,
    data: &FormData,
    status: StatusCode,
) -> Result<HttpResponse> {
    let Filled {
        target,
        posted,
        page,
    } = filled;
    let lang = Lang::of(req);
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
            "groups": measure_groups(lang, data, posted),
            "organisations": organisations,
            "similar": data.similar,
            "attachments": target.id.map(|id| manage_json(lang, id, data)),
        }),
        status,
    )?;
    Ok(response)
}

/// A refused change: the form again with the message beside its field (or at the top).
pub(super) async fn refused(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    state: &AppState,
    account: Uuid,
    mut filled: Filled,
    rejected: Rejected,
) -> Result<HttpResponse> {
    let status = match rejected {
        Rejected::Field { field, message } => {
            filled.page.refuse(field, message);
            StatusCode::BAD_REQUEST
        }
        Rejected::Conflict => {
            filled.page.refuse("form", Refusal::new(CONFLICT));
            StatusCode::CONFLICT
        }
        Rejected::Other(e) => return Err(e),
    };
    let data = form_data(req, state, account, filled.target.id).await?;
    form_page(req, hb, &filled, &data, status)
}
