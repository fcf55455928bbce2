//! The participation part of a proposal's page: support and follow buttons, the comments with
//! their replies, and the comment form (text kept and a Japanese message on every error).

use super::handlers::{author_json, date, show_page};
use super::model::{self, Proposal};
use super::participation::{self, Comment, CommentRefused, NewComment, Standing};
use crate::app::AppState;
use crate::auth::handlers::client_ip;
use crate::auth::session::{check_csrf, Verified, Viewer};
use crate::error::{Error, Result};
use crate::web::i18n::{translate, Lang};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::PgConnection;
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

type Templates = web::Data<Handlebars<'static>>;

fn t(lang: Lang, key: &str) -> String {
    translate(lang, key, &[])
}

/// The comment form as posted, to show again after an error.
#[derive(Debug, Default, Clone)]
pub struct CommentForm {
    pub body: String,
    pub parent: Option<Uuid>,
    pub organisation: String,
    pub error: Option<String>,
}

/// What the page needs besides the proposal.
pub struct Participation {
    standing: Standing,
    comments: Vec<Comment>,
    organisations: Vec<(Uuid, String)>,
}

/// Three queries (the counts, the comments, the viewer's organisations), whatever the data.
pub fn load(
    conn: &mut PgConnection,
    proposal: &Proposal,
    viewer: Option<Uuid>,
) -> Result<Participation> {
    let public = proposal.state.is_public();
    Ok(Participation {
        standing: participation::standing(conn, proposal.id, viewer)?,
        comments: if public {
            participation::comments(conn, participation::PROPOSAL, &proposal.id.to_string())?
        } else {
            Vec::new()
        },
        organisations: match viewer {
            Some(account) if public => model::organisations_of(conn, account)?,
            _ => Vec::new(),
        },
    })
}

fn comment_json(lang: Lang, c: &Comment) -> Value {
    json!({
        "id": c.id.to_string(),
        "anchor": format!("comment-{}", c.id),
        "author": author_json(lang, &c.author_name),
        "organisation": c.organisation.as_ref().map(|(id, name, verified)| json!({
            "name": name,
            "href": format!("/organisations/{id}"),
            "verified": verified,
            "badge": t(lang, if *verified { "proposals.org.verified" } else { "proposals.org.unverified" }),
        })),
        "date": date(lang, c.created_at),
        "datetime": c.created_at.to_rfc3339(),
        // Escaped, then linkified: the only comment text that reaches the page.
        "body_html": if c.hidden.is_some() { String::new() } else { participation::body_html(&c.body) },
        "hidden": c.hidden.as_ref().map(|reason| translate(lang, "comments.hidden", &[("reason", reason.clone())])),
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
        if !proposal.state.is_public() {
            return Value::Null;
        }
        let mut top: Vec<Value> = Vec::new();
        let mut index: std::collections::HashMap<Uuid, usize> = Default::default();
        for c in self.comments.iter().filter(|c| c.parent_id.is_none()) {
            let mut value = comment_json(lang, c);
            let replying = form.parent == Some(c.id);
            value["replies"] = json!([]);
            value["reply_form"] = json!({
                "id": format!("reply-{}", c.id),
                "parent": c.id.to_string(),
                "value": if replying { form.body.as_str() } else { "" },
                "error": if replying { form.error.clone() } else { None },
                "open": replying,
            });
            index.insert(c.id, top.len());
            top.push(value);
        }
        for c in self.comments.iter() {
            if let Some(i) = c.parent_id.and_then(|p| index.get(&p)) {
                if let Some(Value::Array(replies)) = top[*i].get_mut("replies") {
                    replies.push(comment_json(lang, c));
                }
            }
        }
        // A reply to a reply has no form of its own: its message shows at the main form.
        let at_main = form.parent.is_none_or(|p| !index.contains_key(&p));
        let base = format!("/proposals/{}", proposal.id);
        let s = &self.standing;
        json!({
            "supports": s.supports,
            "supports_label": translate(lang, "participation.supports", &[("count", s.supports.to_string())]),
            "comments_label": translate(lang, "comments.count", &[("count", s.comments.to_string())]),
            "supported": s.supported,
            "followed": s.followed,
            "signed_in": viewer.is_some(),
            "verified": viewer.is_some_and(Viewer::verified),
            "login_href": format!("/login?next={base}"),
            "support_action": format!("{base}/{}", if s.supported { "unsupport" } else { "support" }),
            "support_label": t(lang, if s.supported { "participation.unsupport" } else { "participation.support" }),
            "follow_action": format!("{base}/{}", if s.followed { "unfollow" } else { "follow" }),
            "follow_label": t(lang, if s.followed { "participation.unfollow" } else { "participation.follow" }),
            "comment_action": format!("{base}/comments"),
            "comments": top,
            "form": {
                "value": if at_main { form.body.as_str() } else { "" },
                "error": if at_main { form.error.clone() } else { None },
                "organisations": self.organisations.iter().map(|(id, name)| json!({
                    "id": id.to_string(), "name": name, "selected": form.organisation == id.to_string(),
                })).collect::<Vec<_>>(),
            },
        })
    }
}

/// A button's form: only the token.
#[derive(Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

fn back(id: Uuid, anchor: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", format!("/proposals/{id}#{anchor}")))
        .finish()
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
    Ok(back(id, "participation"))
}

/// The comment form as posted.
#[derive(Deserialize)]
pub struct PostedComment {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    organisation: String,
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
    let posted = posted.into_inner();
    check_csrf(&req, &posted.csrf)?;
    let mut form = CommentForm {
        body: posted.body.clone(),
        parent: None,
        organisation: posted.organisation.trim().to_owned(),
        error: None,
    };
    let bad_form = || {
        Error::BadRequest(
            "フォームの内容を読み取れませんでした。ページを読み込み直してください。".into(),
        )
    };
    form.parent = match posted.parent.trim() {
        "" => None,
        raw => Some(raw.parse().map_err(|_| bad_form())?),
    };
    let organisation: Option<Uuid> = match form.organisation.as_str() {
        "" => None,
        raw => Some(raw.parse().map_err(|_| bad_form())?),
    };
    let body = match participation::parse_body(&posted.body) {
        Ok(body) => body,
        Err(message) => {
            form.error = Some(message);
            return show_page(&req, &state, &hb, id, &form, StatusCode::BAD_REQUEST).await;
        }
    };
    let ip = client_ip(&req);
    let public_url = state.public_url.clone();
    let author = viewer.id;
    let parent = form.parent;
    let done = state
        .db(move |conn| {
            Ok(participation::post_on_proposal(
                conn,
                &public_url,
                id,
                &NewComment {
                    author,
                    organisation,
                    parent,
                    body: &body,
                    ip: ip.as_deref(),
                },
            ))
        })
        .await?;
    match done {
        Ok(comment) => Ok(back(id, &format!("comment-{comment}"))),
        Err(CommentRefused::Message(message)) => {
            form.error = Some(message);
            show_page(&req, &state, &hb, id, &form, StatusCode::BAD_REQUEST).await
        }
        Err(CommentRefused::Other(e)) => Err(e),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/proposals/{id}/{button:(un)?(support|follow)}",
        web::post().to(press),
    )
    .route("/proposals/{id}/comments", web::post().to(comment));
}
