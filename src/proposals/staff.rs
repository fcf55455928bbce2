//! `/staff/proposals`: the review queue and a proposal's staff page (timeline, internal notes,
//! public responses, and the actions the workflow allows this person now), the actions'
//! POST routes, and `/staff/measures` where admins set the department responsible for a
//! measure. Authorisation per record: `review::actor_for` over the proposal's responsible
//! departments, checked again inside each action's transaction.

use crate::auth::roles::{Action, Grant};
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::error::{Error, Result};
use crate::proposals::changes::Rejected;
use crate::proposals::decisions;
use crate::proposals::model::{self, Proposal, Step};
use crate::proposals::queue::{self, QueueFilter, Queued};
use crate::proposals::review::{self, Op, StaffActor};
use crate::proposals::views::state_label;
use crate::proposals::workflow::{self, Action as Flow, Actor, State};
use crate::refusal::{Message, Refusal};
use crate::web::i18n::Lang;
use crate::web::i18n::{said, t};
use crate::web::paging::page_number;
use crate::web::paging::Pager;
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// The proposal review routes (and the staff CSV export).
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/proposals.csv", |r| {
        r.to(crate::proposals::export::csv)
    }),
    get("/staff/proposals", |r| r.to(queue)),
    get("/staff/proposals/{id}", |r| r.to(show)),
    post("/staff/proposals/{id}/assign", |r| r.to(assign)),
    post("/staff/proposals/{id}/transition", |r| r.to(transition)),
    post("/staff/proposals/{id}/notes", |r| r.to(note)),
    post("/staff/proposals/{id}/responses", |r| r.to(respond)),
    get("/staff/measures", |r| r.to(measures)),
    post("/staff/measures", |r| r.to(set_measure)),
];

fn date(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::wareki::jst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Deserialize)]
pub struct QueueQuery {
    department: Option<String>,
    measure: Option<String>,
    state: Option<String>,
    assignee: Option<String>,
    page: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The queue's filter as asked for, within `scope` (the departments the viewer reviews).
impl QueueQuery {
    fn filter(&self, viewer: Uuid, scope: Option<Vec<i32>>) -> Result<QueueFilter> {
        let bad = |what| Error::Refused(Refusal::new("msg.queue_filter").label("what", what));
        let department = nonempty(&self.department)
            .map(|d| {
                d.parse::<i32>()
                    .map_err(|_| bad("staff.proposals.department"))
            })
            .transpose()?;
        let measure = nonempty(&self.measure)
            .map(|m| {
                m.parse::<crate::plan::model::MeasureCode>()
                    .map(|c| c.to_string())
                    .map_err(|_| bad("staff.proposals.measure"))
            })
            .transpose()?;
        let state = nonempty(&self.state)
            .map(|s| s.parse::<State>().map_err(|_| bad("staff.proposals.state")))
            .transpose()?;
        let assignee = match nonempty(&self.assignee).as_deref() {
            None => None,
            Some("me") => Some(Some(viewer)),
            Some("none") => Some(None),
            Some(_) => return Err(bad("staff.proposals.assignee")),
        };
        Ok(QueueFilter {
            scope,
            department,
            measure,
            state,
            assignee,
            page: page_number(self.page.as_deref()),
        })
    }
}

/// The departments of the queue's filter: those in `scope` (all for `None`), by name.
fn departments_in(conn: &mut PgConnection, scope: Option<&[i32]>) -> Result<Vec<(i32, String)>> {
    use crate::db::schema::departments as d;
    let mut departments = d::table.order(d::name).into_boxed();
    if let Some(scope) = scope {
        departments = departments.filter(d::id.eq_any(scope.to_vec()));
    }
    Ok(departments.select((d::id, d::name)).load(conn)?)
}

/// `/staff/proposals`: the review queue of the departments the viewer reviews (all for admins).
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let scope = review::reviewed_departments(&staff.grants);
    if scope.as_ref().is_some_and(Vec::is_empty) {
        return Err(Error::forbidden(crate::auth::roles::refused(
            Action::ReviewProposals { department: 0 },
        )));
    }
    let filter = query.filter(staff.id(), scope)?;
    let (department, measure, wanted_state) =
        (filter.department, filter.measure.clone(), filter.state);
    let shown = filter.clone();
    let plan = crate::plan::cache::of(&req);
    let (rows, more, departments, measures) = state
        .db(move |conn| {
            let (rows, more) = queue::queue(conn, &filter)?;
            let departments = departments_in(conn, filter.scope.as_deref())?;
            let measures = plan.snapshot(conn)?.detailed_measures();
            Ok((rows, more, departments, measures))
        })
        .await?;
    let lang = Lang::of(&req);
    let items = queue_items(lang, state.clock.now(), &rows);
    let assignee_raw = nonempty(&query.assignee).unwrap_or_default();
    let params = queue_params(&shown, &assignee_raw);
    let pager = Pager::new("/staff/proposals", &params, shown.page, more);
    let title = t(lang, "staff.proposals.title");
    let context = json!({
        "items": items,
        "pager": pager,
        "departments": departments.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": Some(*id) == department })).collect::<Vec<_>>(),
        "measures": measures.iter().map(|(_, code, title)| { let code = code.to_string(); json!({ "selected": Some(&code) == measure.as_ref(), "code": code, "title": title }) }).collect::<Vec<_>>(),
        "states": State::ALL.into_iter().filter(|s| s.is_public()).map(|s| json!({ "code": s.as_str(), "label": state_label(lang, s), "selected": Some(s) == wanted_state })).collect::<Vec<_>>(),
        "assignee_me": assignee_raw == "me",
        "assignee_none": assignee_raw == "none",
    });
    render_page_as(
        &req,
        &hb,
        "staff/proposals",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        StatusCode::OK,
    )
}

/// The rows of the queue, with their age in days at `now`.
fn queue_items(lang: Lang, now: DateTime<Utc>, rows: &[Queued]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            json!({
                "href": format!("/staff/proposals/{}", r.id),
                "title": r.title,
                "state": state_label(lang, r.state),
                "submitted": date(r.submitted_at),
                "age": (now - r.submitted_at).num_days().max(0),
                "assignee": r.assignee,
                "measures": r.measures.join("、"),
            })
        })
        .collect()
}

/// The query parameters of the queue's filter, for its pager.
fn queue_params(filter: &QueueFilter, assignee: &str) -> [(&'static str, String); 4] {
    [
        (
            "department",
            filter.department.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("measure", filter.measure.clone().unwrap_or_default()),
        (
            "state",
            filter
                .state
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("assignee", assignee.to_owned()),
    ]
}

/// What the staff page of a proposal shows, as the person who opens it may see it.
struct StaffView {
    proposal: Proposal,
    timeline: Vec<Step>,
    responses: Vec<review::Response>,
    notes: Vec<review::Note>,
    assignee: Option<(Uuid, String)>,
    candidates: Vec<(Uuid, String)>,
    actor: Actor,
    /// The decision kept as a draft, if any.
    draft: Option<decisions::Draft>,
    /// The answer templates offered, and the text of the one picked (placeholders filled).
    templates: Vec<crate::answers::Template>,
    picked: Option<(i32, String)>,
    /// The proposer's contact, for a proposal received on paper.
    paper: Option<crate::proposals::import_store::Contact>,
}

impl StaffView {
    /// The page's context, with the banner's message or confirmation.
    fn json(&self, lang: Lang, banner: &Banner<'_>) -> Value {
        let StaffView {
            proposal,
            timeline,
            responses,
            notes,
            assignee,
            candidates,
            actor,
            draft,
            templates,
            picked,
            paper,
        } = self;
        let filled = picked.as_ref().map(|(_, text)| text.as_str());
        let mut actions = actions_json(lang, proposal.state, *actor);
        for action in &mut actions {
            if action["required"] == true {
                action["value"] = json!(filled);
            }
        }
        json!({
            "id": proposal.id.to_string(),
            "title": proposal.title,
            "summary": proposal.summary,
            "state": state_label(lang, proposal.state),
            "version": proposal.version,
            "author": proposal.author_name,
            "public_href": format!("/proposals/{}", proposal.id),
            "measures": proposal.measures.iter().map(|(c, title)| json!({ "code": c.to_string(), "title": title })).collect::<Vec<_>>(),
            "timeline": timeline.iter().map(|s| json!({
                "date": date(s.at),
                "label": state_label(lang, s.to),
                "action": t(lang, &format!("proposals.action.{}", s.action)),
                "role": s.actor_role,
                "reason": s.reason,
            })).collect::<Vec<_>>(),
            "responses": responses.iter().map(|r| json!({ "date": date(r.at), "department": r.department, "body": r.body })).collect::<Vec<_>>(),
            "notes": notes.iter().map(|n| json!({ "date": date(n.at), "author": n.author, "body": n.body })).collect::<Vec<_>>(),
            "assignee": assignee.as_ref().map(|(_, name)| name),
            "candidates": candidates.iter().map(|(cid, name)| json!({ "id": cid.to_string(), "name": name, "selected": assignee.as_ref().map(|a| a.0) == Some(*cid) })).collect::<Vec<_>>(),
            "actions": actions,
            "message": banner.message.as_ref().map(|m| said(lang, m)),
            "done": banner.done.map(|d| t(lang, &format!("staff.proposal.done.{d}"))),
            "templates": crate::answers::options_json(templates, picked.as_ref().map(|p| p.0)),
            "draft": draft_json(lang, draft.as_ref(), filled),
            "paper": paper,
        })
    }
}

/// The draft decision's form: the decisions to choose from, and its text (a picked template's,
/// else the draft's).
fn draft_json(lang: Lang, draft: Option<&decisions::Draft>, filled: Option<&str>) -> Value {
    json!({
        "saved": draft.is_some(),
        "reason": filled.or(draft.map(|d| d.reason.as_str())),
        "choices": decisions::DECISIONS.iter().map(|a| json!({
            "action": a.as_str(),
            "label": t(lang, &format!("proposals.button.{}", a.as_str())),
            "checked": draft.map(|d| d.action) == Some(*a),
        })).collect::<Vec<_>>(),
    })
}

/// The staff page's proposal, if `grants` review it (an admin, or a reviewer of a responsible
/// department), with the text of answer template `template` if one was picked.
fn staff_view(
    conn: &mut PgConnection,
    id: Uuid,
    grants: &[Grant],
    template: Option<i32>,
) -> Result<StaffView> {
    let (proposal, timeline) = model::find(conn, id, None)?;
    let responsible = model::responsible_departments(conn, id)?;
    let actor = review::actor_for(grants, &responsible);
    if actor == Actor::Other {
        return Err(Error::forbidden(Refusal::new("msg.proposal_review_closed")));
    }
    let purpose = crate::answers::Purpose::Decision;
    let templates = crate::answers::offered(conn, grants, purpose, &responsible)?;
    let paper = crate::proposals::import_store::contact(conn, id)?;
    let picked = match template {
        Some(t) => {
            let measure = proposal
                .measures
                .first()
                .map(|(code, title)| format!("{code} {title}"));
            // A letter to a paper proposer names them, not their shown name.
            let name = paper.as_ref().and_then(|p| p.real_name.as_deref());
            let values = crate::answers::fill::Values {
                name: Some(name.unwrap_or(&proposal.author_name)),
                title: Some(&proposal.title),
                measure: measure.as_deref(),
            };
            let text = crate::answers::picked(conn, grants, purpose, &responsible, t, &values)?;
            Some((t, text))
        }
        None => None,
    };
    Ok(StaffView {
        draft: decisions::draft(conn, id)?,
        templates,
        picked,
        proposal,
        timeline,
        responses: review::responses(conn, id)?,
        notes: review::notes(conn, id)?,
        assignee: review::assignee(conn, id)?,
        candidates: review::candidates(conn, &responsible)?,
        actor,
        paper,
    })
}

/// The workflow's actions this person may take now, each with its reason field.
fn actions_json(lang: Lang, state: State, actor: Actor) -> Vec<Value> {
    workflow::available(state, actor)
        .into_iter()
        .map(|a| {
            let progress = matches!(a, Flow::StartWork | Flow::Complete);
            json!({
                "action": a.as_str(),
                "label": t(lang, &format!("proposals.button.{}", a.as_str())),
                "reason": a.needs_reason() || progress,
                "required": a.needs_reason(),
                "reason_label": t(lang, if progress { "staff.proposal.progress" } else { "staff.proposal.reason" }),
                "field_id": format!("reason-{}", a.as_str()),
            })
        })
        .collect()
}

/// What the staff page of a proposal says at its top, with its status: why an action was
/// refused (a conflict or a refused input), or which action was done.
struct Banner<'a> {
    message: Option<Message>,
    done: Option<&'a str>,
    status: StatusCode,
    /// The answer template picked (`?template=`), whose text fills the decision's fields.
    template: Option<i32>,
}

/// The staff page of a proposal, with its banner.
async fn render(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    staff: &Staff,
    id: Uuid,
    banner: Banner<'_>,
) -> Result<HttpResponse> {
    let grants = staff.grants.clone();
    let template = banner.template;
    let view = state
        .db(move |conn| staff_view(conn, id, &grants, template))
        .await?;
    let lang = Lang::of(req);
    let context = view.json(lang, &banner);
    let title = view.proposal.title.clone();
    let queue_title = t(lang, "staff.proposals.title");
    render_page_as(
        req,
        hb,
        "staff/proposal",
        &title,
        &staff_crumbs(
            lang,
            &[
                (&queue_title, Some("/staff/proposals".into())),
                (&title, None),
            ],
        ),
        &context,
        banner.status,
    )
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    template: Option<String>,
}

pub const DONE: [&str; 5] = ["assigned", "transition", "note", "response", "draft"];

/// `/staff/proposals/{id}`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let done = query.done.as_deref().filter(|d| DONE.contains(d));
    let template = match query.template.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<i32>()
                .map_err(|_| Refusal::new("msg.template_not_offered"))?,
        ),
    };
    let banner = Banner {
        message: None,
        done,
        status: StatusCode::OK,
        template,
    };
    render(&req, &state, &hb, &staff, id.into_inner(), banner).await
}

/// The fields every action form posts.
#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    assignee: String,
}

/// An action form posted on a proposal: its fields, how they make the operation, and the
/// confirmation shown once it is done.
struct Posted<F> {
    id: Uuid,
    form: ActForm,
    make: F,
    done: &'static str,
}

async fn perform(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    posted: Posted<impl FnOnce(&ActForm) -> Result<Op, Refusal>>,
) -> Result<HttpResponse> {
    let Posted {
        id,
        form,
        make,
        done,
    } = posted;
    staff.require(Action::ViewStaffArea)?;
    check_csrf(&req, &form.csrf)?;
    let refused = |message: Message, status| {
        let (req, state, hb, staff) = (&req, &state, &hb, &staff);
        let banner = Banner {
            message: Some(message),
            done: None,
            status,
            template: None,
        };
        async move { render(req, state, hb, staff, id, banner).await }
    };
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return refused(
            Refusal::new("msg.form_unreadable").into(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let op = match make(&form) {
        Ok(op) => op,
        Err(refusal) => return refused(refusal.into(), StatusCode::BAD_REQUEST).await,
    };
    let (actor, grants, ip, public_url) = (
        staff.id(),
        staff.grants.clone(),
        crate::web::proxy::client_ip(&req),
        state.public_url.clone(),
    );
    let outcome = state
        .db(move |conn| {
            let who = StaffActor {
                id: actor,
                grants: &grants,
                ip: ip.as_deref(),
                public_url: &public_url,
            };
            Ok(review::act(conn, &who, id, version, op))
        })
        .await?;
    match outcome {
        Ok(_) => Ok(see_other(&format!("/staff/proposals/{id}?done={done}"))),
        Err(Rejected::Conflict) => {
            refused(Refusal::new(review::CONFLICT).into(), StatusCode::CONFLICT).await
        }
        Err(Rejected::Other(Error::Refused(refusal)))
        | Err(Rejected::Field {
            message: refusal, ..
        }) => refused(refusal.into(), StatusCode::BAD_REQUEST).await,
        Err(Rejected::Other(e)) => Err(e),
    }
}

/// POST `/staff/proposals/{id}/assign`
pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<Uuid>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse> {
    let make = |f: &ActForm| {
        f.assignee
            .trim()
            .parse::<Uuid>()
            .map(Op::Assign)
            .map_err(|_| Refusal::new("msg.proposal_assignee_choice"))
    };
    let posted = Posted {
        id: id.into_inner(),
        form: form.into_inner(),
        make,
        done: "assigned",
    };
    perform(req, state, hb, staff, posted).await
}

/// POST `/staff/proposals/{id}/transition`: a workflow action (`action`), with `reason`.
pub async fn transition(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<Uuid>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse> {
    let make = |f: &ActForm| {
        let action: Flow = f.action.trim().parse()?;
        let reason = f.reason.trim();
        if reason.chars().count() > review::BODY_MAX {
            return Err(Refusal::too_long("label.reason", review::BODY_MAX));
        }
        Ok(Op::Transition {
            action,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        })
    };
    let posted = Posted {
        id: id.into_inner(),
        form: form.into_inner(),
        make,
        done: "transition",
    };
    perform(req, state, hb, staff, posted).await
}

/// POST `/staff/proposals/{id}/notes`: an internal note.
pub async fn note(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<Uuid>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse> {
    let make = |f: &ActForm| review::parse_body(&f.body, "staff.proposal.note").map(Op::Note);
    let posted = Posted {
        id: id.into_inner(),
        form: form.into_inner(),
        make,
        done: "note",
    };
    perform(req, state, hb, staff, posted).await
}

/// POST `/staff/proposals/{id}/responses`: a public response.
pub async fn respond(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<Uuid>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse> {
    let make =
        |f: &ActForm| review::parse_body(&f.body, "staff.proposal.response").map(Op::Respond);
    let posted = Posted {
        id: id.into_inner(),
        form: form.into_inner(),
        make,
        done: "response",
    };
    perform(req, state, hb, staff, posted).await
}

/// POST `/staff/proposals/{id}/draft`: keeps a decision and its reason as a draft (nothing
/// published, nobody told), to publish later from `/staff/drafts`.
pub async fn save_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<Uuid>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    check_csrf(&req, &form.csrf)?;
    let id = id.into_inner();
    let parsed = form
        .action
        .trim()
        .parse::<Flow>()
        .ok()
        .filter(|a| decisions::DECISIONS.contains(a))
        .ok_or_else(|| Refusal::new("msg.decision_draft_action"))
        .and_then(|action| {
            let reason = form.reason.trim();
            if reason.chars().count() > review::BODY_MAX {
                return Err(Refusal::too_long("label.reason", review::BODY_MAX));
            }
            Ok(decisions::Draft {
                action,
                reason: reason.to_owned(),
            })
        });
    let draft = match parsed {
        Ok(draft) => draft,
        Err(refusal) => {
            let banner = Banner {
                message: Some(refusal.into()),
                done: None,
                status: StatusCode::BAD_REQUEST,
                template: None,
            };
            return render(&req, &state, &hb, &staff, id, banner).await;
        }
    };
    let (actor, grants, ip, public_url) = (
        staff.id(),
        staff.grants.clone(),
        crate::web::proxy::client_ip(&req),
        state.public_url.clone(),
    );
    state
        .db(move |conn| {
            let who = StaffActor {
                id: actor,
                grants: &grants,
                ip: ip.as_deref(),
                public_url: &public_url,
            };
            decisions::save(conn, &who, id, &draft)
        })
        .await?;
    Ok(see_other(&format!("/staff/proposals/{id}?done=draft")))
}

/// `/staff/measures`: which department is responsible for each measure (admins).
pub async fn measures(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageDepartments)?;
    let (rows, departments) = state
        .db(|conn| {
            use crate::db::schema::departments as d;
            let departments: Vec<(i32, String)> = d::table
                .order(d::name)
                .select((d::id, d::name))
                .load(conn)?;
            Ok((review::measure_departments(conn)?, departments))
        })
        .await?;
    let lang = Lang::of(&req);
    let title = t(lang, "staff.measures.title");
    let context = json!({
        "measures": rows.iter().map(|(code, title, current)| json!({
            "code": code,
            "title": title,
            "field_id": format!("measure-{code}"),
            "options": departments.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": Some(*id) == *current })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "done": query.done.as_deref().filter(|d| *d == "saved").map(|_| t(lang, "staff.measures.saved")),
    });
    render_page_as(
        &req,
        &hb,
        "staff/measures",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct MeasureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    department: String,
}

/// POST `/staff/measures`: sets (or clears) a measure's responsible department.
pub async fn set_measure(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<MeasureForm>,
) -> Result<HttpResponse> {
    staff.require(Action::ManageDepartments)?;
    check_csrf(&req, &form.csrf)?;
    let code = form.measure.trim().to_owned();
    let department = match form.department.trim() {
        "" => None,
        raw => Some(
            raw.parse::<i32>()
                .map_err(|_| Refusal::new("msg.measure_department_choice"))?,
        ),
    };
    let (actor, ip) = (staff.id(), crate::web::proxy::client_ip(&req));
    state
        .db(move |conn| {
            review::set_measure_department(conn, actor, ip.as_deref(), &code, department)
        })
        .await?;
    Ok(see_other("/staff/measures?done=saved"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_confirmation_has_its_text() {
        crate::web::i18n::assert_keys("staff.proposal.done.", super::DONE);
    }
}
