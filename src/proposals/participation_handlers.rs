//! The participation part of a proposal's page: support and follow buttons, and the shared
//! comment section of [`crate::comments`] (text kept and a Japanese message on every error).

use super::model::Proposal;
use super::participation::{self, Standing};
use crate::comments::form::{back, post_form, PostedComment};
use crate::comments::hosts::show_again;
use crate::comments::view::CommentForm;
use crate::comments::{self, view, Cursor, Page, Subject};
use crate::error::Result;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::visitor::{check_csrf, Verified, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::PgConnection;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// What the page needs besides the proposal.
pub struct Participation {
    standing: Standing,
    comments: Page,
    organisations: Vec<(Uuid, String)>,
}

/// At most three queries (the counts, a page of comments with their replies, the viewer's
/// organisations), however many comments there are.
pub fn load(
    conn: &mut PgConnection,
    proposal: &Proposal,
    viewer: Option<Uuid>,
    after: Option<Cursor>,
) -> Result<Participation> {
    let public = proposal.is_public();
    let subject = Subject::Proposal(proposal.id);
    Ok(Participation {
        standing: participation::standing(conn, proposal.id, viewer)?,
        comments: if public {
            comments::page(conn, &subject, viewer, after)?
        } else {
            Page::default()
        },
        organisations: match viewer {
            Some(account) if public => crate::orgs::model::organisations_of(conn, account)?,
            _ => Vec::new(),
        },
    })
}

impl Participation {
    pub fn json(
        &self,
        lang: Lang,
        proposal: &Proposal,
        viewer: Option<&Viewer>,
        form: &CommentForm,
    ) -> Value {
        if !proposal.is_public() {
            return Value::Null;
        }
        let base = format!("/proposals/{}", proposal.id);
        let s = &self.standing;
        let mut section = view::json(
            lang,
            &view::Section {
                path: base.clone(),
                page: &self.comments,
                viewer,
                organisations: &self.organisations,
                form,
                premoderated: s.premoderated,
            },
        );
        section["count_label"] = json!(translate(
            lang,
            "comments.count",
            &[("count", s.comments.to_string())]
        ));
        json!({
            "supports": s.supports,
            "supports_label": translate(lang, "participation.supports", &[("count", s.supports.to_string())]),
            "supported": s.supported,
            "followed": s.followed,
            "signed_in": viewer.is_some(),
            "verified": viewer.is_some_and(Viewer::verified),
            "login_href": format!("/login?next={base}"),
            "support_action": format!("{base}/{}", if s.supported { "unsupport" } else { "support" }),
            "support_label": t(lang, if s.supported { "participation.unsupport" } else { "participation.support" }),
            "follow_action": format!("{base}/{}", if s.followed { "unfollow" } else { "follow" }),
            "follow_label": t(lang, if s.followed { "participation.unfollow" } else { "participation.follow" }),
            "comments": section,
        })
    }
}

/// A button's form: only the token.
#[derive(Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

/// The buttons of a public proposal: support or follow it, or take that back.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Button {
    Support,
    Unsupport,
    Follow,
    Unfollow,
}

/// POST `/proposals/{id}/{button}`; pressing twice changes nothing.
pub async fn press(
    req: HttpRequest,
    state: web::Data<AppState>,
    Verified(viewer): Verified,
    path: web::Path<(Uuid, Button)>,
    form: web::Form<ButtonForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (id, button) = path.into_inner();
    let account = viewer.id;
    state
        .db(move |conn| match button {
            Button::Support => participation::set_support(conn, account, id, true),
            Button::Unsupport => participation::set_support(conn, account, id, false),
            Button::Follow => participation::set_follow(conn, account, id, true),
            Button::Unfollow => participation::set_follow(conn, account, id, false),
        })
        .await?;
    Ok(back(&format!("/proposals/{id}"), "participation"))
}

/// POST `/proposals/{id}/comments`: a comment or a reply; the page again with the message and
/// the text kept when it is refused.
pub async fn comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    id: web::Path<Uuid>,
    posted: web::Form<PostedComment>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let written = post_form(
        &req,
        &state,
        &viewer,
        &posted,
        format!("/proposals/{id}"),
        move |conn, public_url, new| participation::post_on_proposal(conn, public_url, id, new),
    )
    .await?;
    match written {
        Ok(done) => Ok(done),
        Err(form) => show_again(&req, &state, &hb, Subject::Proposal(id), form).await,
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/proposals/{id}/{button:(un)?(support|follow)}",
        web::post().to(press),
    )
    .route("/proposals/{id}/comments", web::post().to(comment));
}
