//! The public proposal pages: the list, a proposal's page (with its participation section),
//! "my proposals", and the short list on a measure's page; and the routes of every proposal
//! page (the author's are in `author`).

use super::author;
use super::listing::{self, Cursor, SearchText, Sort};
use super::model::{self, Filter, Listed};
use super::views::{actions_json, crumbs, listed_json, proposal_json, state_label, with_responses};
use super::workflow::State;
use crate::attachments::handlers::item_json;
use crate::attachments::{self, Owner};
use crate::comments::view::CommentForm;
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::refusal::Refusal;
use crate::web::i18n::t;
use crate::web::i18n::Lang;
use crate::web::visitor::Viewer;
use crate::web::AppState;
use crate::web::Templates;
use crate::web::{render_page, render_page_as, Crumb};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

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
        Some(raw) => Some(raw.parse::<MeasureCode>()?),
    };
    let state = match nonempty(&query.state) {
        None => None,
        Some(raw) => {
            let state: State = raw.parse()?;
            if !state.is_public() {
                return Err(Refusal::new("msg.proposal_draft_filter").into());
            }
            Some(state)
        }
    };
    let organisation = nonempty(&query.organisation)
        .map(|raw| {
            raw.parse::<Uuid>()
                .map_err(|_| Error::Refused(Refusal::new("msg.proposal_organisation_filter")))
        })
        .transpose()?;
    let text = SearchText::parse(query.q.as_deref().unwrap_or_default())?;
    let sort = nonempty(&query.sort)
        .map(|raw| Sort::parse(&raw))
        .transpose()?
        .unwrap_or_default();
    let before = nonempty(&query.before)
        .map(|raw| Cursor::parse(&raw, sort))
        .transpose()?;
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
    let plan = crate::plan::cache::of(&req);
    let (rows, more, measures, organisations) = state
        .db({
            let filter = filter.clone();
            move |conn| {
                let (rows, more) = model::list(conn, &filter)?;
                Ok((
                    rows,
                    more,
                    plan.snapshot(conn)?.detailed_measures(),
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
    let mut context = json!({
        "proposals": rows.iter().map(|p| listed_json(lang, p)).collect::<Vec<_>>(),
        "paged": next.is_some() || first.is_some(),
        "next": next,
        "first": first,
        "feed_href": "/proposals/feed.atom",
        "feed_title": t(lang, "proposals.feed.title"),
    });
    if let (Some(context), Value::Object(form)) = (
        context.as_object_mut(),
        filter_form(lang, &filter, &measures, &organisations),
    ) {
        context.extend(form);
    }
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
        &context,
    )
}

/// The list's filter form: every choice, those of `filter` selected.
fn filter_form(
    lang: Lang,
    filter: &Filter,
    measures: &[(i32, MeasureCode, String)],
    organisations: &[(Uuid, String)],
) -> Value {
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
    json!({
        "measure_options": measure_options,
        "state_options": state_options,
        "organisation_options": organisation_options,
        "sort_options": sort_options,
        "q": filter.text.as_ref().map(SearchText::as_str),
        "filtered": !filter.params().is_empty(),
    })
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
        .route("/proposals/new", web::get().to(author::new_form))
        .route("/proposals/new", web::post().to(author::create))
        .route("/proposals/mine", web::get().to(mine))
        .route("/proposals/{id}", web::get().to(show))
        .route("/proposals/{id}/edit", web::get().to(author::edit_form))
        .route("/proposals/{id}/edit", web::post().to(author::update))
        .route(
            "/proposals/{id}/attachments",
            web::post().to(author::attach),
        )
        .route(
            "/proposals/{id}/attachments/{attachment}/remove",
            web::post().to(author::detach),
        )
        .route("/proposals/{id}/preview", web::get().to(author::preview))
        .route(
            "/proposals/{id}/{action:submit|resubmit|withdraw}",
            web::post().to(author::act),
        );
}
