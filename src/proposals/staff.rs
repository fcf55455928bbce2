//! `/staff/proposals`: the review queue and a proposal's staff page (timeline, internal notes,
//! public responses, and the actions the workflow allows this person now), the actions'
//! POST routes, and `/staff/measures` where admins set the department responsible for a
//! measure. Authorisation per record: `review::actor_for` over the proposal's responsible
//! departments, checked again inside each action's transaction.

use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::error::{Error, Result};
use crate::proposals::changes::Rejected;
use crate::proposals::model;
use crate::proposals::review::{self, Op, QueueFilter, StaffActor};
use crate::proposals::workflow::{self, Action as Flow, Actor, State};
use crate::web::i18n::t;
use crate::web::i18n::Lang;
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

fn state_label(lang: Lang, state: State) -> String {
    t(lang, &format!("proposals.state.{}", state.as_str()))
}

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
        return Err(Error::Forbidden(crate::auth::roles::refusal(
            Action::ReviewProposals { department: 0 },
        )));
    }
    let bad = |what: &str| Error::BadRequest(format!("絞り込みの{what}の指定が正しくありません。"));
    let department = nonempty(&query.department)
        .map(|d| d.parse::<i32>().map_err(|_| bad("担当課")))
        .transpose()?;
    let measure = nonempty(&query.measure)
        .map(|m| {
            m.parse::<crate::plan::model::MeasureCode>()
                .map(|c| c.to_string())
                .map_err(|_| bad("施策"))
        })
        .transpose()?;
    let wanted_state = nonempty(&query.state)
        .map(|s| s.parse::<State>().map_err(|_| bad("状態")))
        .transpose()?;
    let assignee = match nonempty(&query.assignee).as_deref() {
        None => None,
        Some("me") => Some(Some(staff.id())),
        Some("none") => Some(None),
        Some(_) => return Err(bad("担当者")),
    };
    let page_no = page_number(query.page.as_deref());
    let filter = QueueFilter {
        scope: scope.clone(),
        department,
        measure: measure.clone(),
        state: wanted_state,
        assignee,
        page: page_no,
    };
    let (rows, more, departments, measures) = state
        .db(move |conn| {
            use crate::db::schema::departments as d;
            let (rows, more) = review::queue(conn, &filter)?;
            let mut departments = d::table.order(d::name).into_boxed();
            if let Some(scope) = &filter.scope {
                departments = departments.filter(d::id.eq_any(scope.clone()));
            }
            let departments: Vec<(i32, String)> =
                departments.select((d::id, d::name)).load(conn)?;
            Ok((rows, more, departments, model::detailed_measures(conn)?))
        })
        .await?;
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let items: Vec<Value> = rows
        .iter()
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
        .collect();
    let assignee_raw = nonempty(&query.assignee).unwrap_or_default();
    let params = [
        (
            "department",
            department.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("measure", measure.clone().unwrap_or_default()),
        (
            "state",
            wanted_state
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("assignee", assignee_raw.clone()),
    ];
    let pager = Pager::new("/staff/proposals", &params, page_no, more);
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

/// The staff page of a proposal, with `message` at the top (a conflict or a refused input).
#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    staff: &Staff,
    id: Uuid,
    message: Option<String>,
    done: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let grants = staff.grants.clone();
    let (proposal, timeline, responses, notes, assignee, candidates, actor) = state
        .db(move |conn| {
            let (proposal, timeline) = model::find(conn, id, None)?;
            let responsible = review::responsible_departments(conn, id)?;
            let actor = review::actor_for(&grants, &responsible);
            if actor == Actor::Other {
                return Err(Error::Forbidden(
                    "この提案を審査する権限がありません。提案の施策を担当する課の審査担当者だけが開けます。"
                        .into(),
                ));
            }
            Ok((
                proposal,
                timeline,
                review::responses(conn, id)?,
                review::notes(conn, id)?,
                review::assignee(conn, id)?,
                review::candidates(conn, &responsible)?,
                actor,
            ))
        })
        .await?;
    let lang = Lang::of(req);
    let actions: Vec<Value> = workflow::available(proposal.state, actor)
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
        .collect();
    let context = json!({
        "id": id.to_string(),
        "title": proposal.title,
        "summary": proposal.summary,
        "state": state_label(lang, proposal.state),
        "version": proposal.version,
        "author": proposal.author_name,
        "public_href": format!("/proposals/{id}"),
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
        "message": message,
        "done": done.map(|d| t(lang, &format!("staff.proposal.done.{d}"))),
    });
    let title = proposal.title.clone();
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
        status,
    )
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub const DONE: [&str; 4] = ["assigned", "transition", "note", "response"];

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
    render(
        &req,
        &state,
        &hb,
        &staff,
        id.into_inner(),
        None,
        done,
        StatusCode::OK,
    )
    .await
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

#[allow(clippy::too_many_arguments)]
async fn perform(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: Uuid,
    form: ActForm,
    make: impl FnOnce(&ActForm) -> Result<Op, String>,
    done: &'static str,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    check_csrf(&req, &form.csrf)?;
    let refused = |message: String, status| {
        let (req, state, hb, staff) = (&req, &state, &hb, &staff);
        async move { render(req, state, hb, staff, id, Some(message), None, status).await }
    };
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return refused(
            "フォームの内容を読み取れませんでした。ページを読み込み直してください。".into(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let op = match make(&form) {
        Ok(op) => op,
        Err(message) => return refused(message, StatusCode::BAD_REQUEST).await,
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
            refused(review::CONFLICT_MESSAGE.into(), StatusCode::CONFLICT).await
        }
        Err(Rejected::Other(Error::BadRequest(message))) | Err(Rejected::Field { message, .. }) => {
            refused(message, StatusCode::BAD_REQUEST).await
        }
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
            .map_err(|_| "担当者を選んでください。".to_owned())
    };
    perform(
        req,
        state,
        hb,
        staff,
        id.into_inner(),
        form.into_inner(),
        make,
        "assigned",
    )
    .await
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
            return Err(format!(
                "理由は{}文字以内で入力してください。",
                review::BODY_MAX
            ));
        }
        Ok(Op::Transition {
            action,
            reason: (!reason.is_empty()).then(|| reason.to_owned()),
        })
    };
    perform(
        req,
        state,
        hb,
        staff,
        id.into_inner(),
        form.into_inner(),
        make,
        "transition",
    )
    .await
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
    let make = |f: &ActForm| review::parse_body(&f.body, "内部メモ").map(Op::Note);
    perform(
        req,
        state,
        hb,
        staff,
        id.into_inner(),
        form.into_inner(),
        make,
        "note",
    )
    .await
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
    let make = |f: &ActForm| review::parse_body(&f.body, "公開の回答").map(Op::Respond);
    perform(
        req,
        state,
        hb,
        staff,
        id.into_inner(),
        form.into_inner(),
        make,
        "response",
    )
    .await
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
                .map_err(|_| Error::BadRequest("担当課の選択が正しくありません。".into()))?,
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
