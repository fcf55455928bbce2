//! The author's pages: the form (new and edit, with what was typed kept on every error), the
//! attachments while the text may change, the preview, and the proposer's transitions (submit,
//! resubmit, withdraw). Handlers parse, call `changes` (which authorises per record inside its
//! transaction), and render.

use super::changes::{self, Move, Proposer, Rejected};
use super::form::{form_data, form_page, refused, similar_json, Filled, Posted, Target};
use super::model::{self, Proposal, Step};
use super::views::{actions_json, crumbs, proposal_json};
use super::workflow::Action;
use crate::attachments::handlers::item_json;
use crate::attachments::{self, Owner};
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::i18n::{t, Lang};
use crate::web::proxy::client_ip;
use crate::web::render_page;
use crate::web::see_other;
use crate::web::visitor::{check_csrf, Verified, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// Unreadable hidden fields: a page from before a change of the form, or a tampered one.
fn unreadable() -> Refusal {
    Refusal::new("msg.form_unreadable")
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
    let data = form_data(&req, &state, viewer.id, None).await?;
    let filled = Filled {
        target: Target::new_draft(),
        posted: Posted {
            measures: query.into_inner().measure.into_iter().collect(),
            ..Posted::default()
        },
        page: FormPage::default(),
    };
    form_page(&req, &hb, &filled, &data, StatusCode::OK)
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
    let mut filled = Filled {
        target: Target::new_draft(),
        posted,
        page: FormPage::default(),
    };
    let Some(content) = filled.posted.parse(&mut filled.page) else {
        let data = form_data(&req, &state, viewer.id, None).await?;
        return form_page(&req, &hb, &filled, &data, StatusCode::BAD_REQUEST);
    };
    let ip = client_ip(&req);
    let author = viewer.id;
    let now = state.clock.now();
    let done = state
        .db(move |conn| {
            // A blocked account (投稿停止) is told until when, its text kept.
            if let Some(message) = crate::comments::blocks::refusal(conn, author, now)? {
                return Ok(Err(Rejected::Field {
                    field: "form",
                    message,
                }));
            }
            Ok(changes::create(conn, author, ip.as_deref(), &content))
        })
        .await?;
    match done {
        Ok(id) => Ok(see_other(&format!("/proposals/{id}/preview"))),
        Err(rejected) => refused(&req, &hb, &state, viewer.id, filled, rejected).await,
    }
}

async fn load(
    req: &HttpRequest,
    state: &AppState,
    id: Uuid,
    viewer: Option<Uuid>,
) -> Result<(Proposal, Vec<Step>, Vec<MeasureCode>)> {
    let plan = crate::plan::cache::of(req);
    state
        .db(move |conn| {
            let (proposal, timeline) = model::find(conn, id, viewer)?;
            let detailed = plan
                .snapshot(conn)?
                .detailed_measures()
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
        return Err(Error::forbidden(Refusal::new("msg.proposal_author_only")));
    }
    Ok(())
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
    upload_message: Option<Refusal>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let (proposal, _, detailed) = load(req, state, id, Some(viewer.id)).await?;
    authors_only(&proposal, viewer)?;
    if !model::editable(proposal.state) {
        return Err(model::not_editable(proposal.state));
    }
    let mut data = form_data(req, state, viewer.id, Some(id)).await?;
    data.upload_message = upload_message;
    data.similar =
        similar_json(state, Lang::of(req), &proposal.title, &proposal.summary, id).await?;
    let posted = Posted::from_proposal(&proposal, &detailed);
    let filled = Filled {
        target: Target::edit(id, proposal.title.clone()),
        page: posted.kept(),
        posted,
    };
    form_page(req, hb, &filled, &data, status)
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
                Some(refusal.refusal()),
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
    let mut filled = Filled {
        target: Target::edit(id, posted.title.clone()),
        posted,
        page: FormPage::default(),
    };
    let version = filled.page.check(
        "form",
        filled
            .posted
            .version
            .trim()
            .parse::<i32>()
            .map_err(|_| unreadable()),
    );
    let content = filled.posted.parse(&mut filled.page);
    let (Some(version), Some(content)) = (version, content) else {
        let data = form_data(&req, &state, viewer.id, Some(id)).await?;
        return form_page(&req, &hb, &filled, &data, StatusCode::BAD_REQUEST);
    };
    let ip = client_ip(&req);
    let actor = viewer.id;
    let done = state
        .db(move |conn| {
            Ok(changes::update(
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
        Err(rejected) => refused(&req, &hb, &state, viewer.id, filled, rejected).await,
    }
}

/// The files of a proposal for its preview.
async fn attachments_json(state: &AppState, id: Uuid) -> Result<Vec<Value>> {
    let files = state
        .db(move |conn| attachments::model::list(conn, &Owner::proposal(id)))
        .await?;
    Ok(files.iter().map(item_json).collect())
}

/// `/proposals/{id}/preview`: the proposal as it will be published, with the author's buttons.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (proposal, timeline, _) = load(&req, &state, id.into_inner(), Some(viewer.id)).await?;
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

/// A button's form: the token, and the version the page showed.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    version: Option<String>,
}

impl ActionForm {
    /// The version the page showed, if the form carried one.
    fn version(&self) -> Result<Option<i32>> {
        match self.version.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => Ok(Some(raw.parse::<i32>().map_err(|_| unreadable())?)),
        }
    }
}

/// The proposer's buttons on a proposal.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposerAction {
    Submit,
    Resubmit,
    Withdraw,
}

impl From<ProposerAction> for Action {
    fn from(action: ProposerAction) -> Action {
        match action {
            ProposerAction::Submit => Action::Submit,
            ProposerAction::Resubmit => Action::Resubmit,
            ProposerAction::Withdraw => Action::Withdraw,
        }
    }
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
    let action = Action::from(action);
    check_csrf(&req, &form.csrf)?;
    if !viewer.verified() {
        return Err(Error::forbidden(Refusal::new("msg.proposal_unverified")));
    }
    let version = form.version()?;
    let ip = client_ip(&req);
    let actor = viewer.id;
    let public_url = state.public_url.clone();
    let now = state.clock.now();
    let done = state
        .db(move |conn| {
            if action != Action::Withdraw {
                if let Some(refusal) = crate::comments::blocks::refusal(conn, actor, now)? {
                    return Err(Error::forbidden(refusal));
                }
            }
            let proposer = Proposer {
                id: actor,
                ip: ip.as_deref(),
                public_url: &public_url,
            };
            let step = Move {
                action,
                version,
                reason: None,
            };
            Ok(changes::transition(conn, &proposer, id, step))
        })
        .await?;
    match done {
        Ok(_) => Ok(see_other(&format!("/proposals/{id}"))),
        Err(Rejected::Conflict) => Err(Refusal::new(changes::CONFLICT).into()),
        Err(Rejected::Field { message, .. }) => Err(message.into()),
        Err(Rejected::Other(e)) => Err(e),
    }
}
