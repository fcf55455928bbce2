//! Organisation pages: the public list, each organisation's page, creation, invitations,
//! joining, leaving and handing over the representative role. Handlers parse, authorise per
//! record (in `model`, inside the transaction), and render.

use super::fields::{Contact, Description, Kind, Name};
use super::model::{self, Accepted, Inviter, Member, NewOrganisation, Organisation, Role};
use crate::auth::accounts::Origin;
use crate::auth::fields::Email;
use crate::web::i18n::t;
use crate::web::see_other;
use crate::web::Templates;

use crate::auth::rate_limit;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::forms::{CsrfOnly, TokenQuery};
use crate::web::i18n::Lang;
use crate::web::proxy::client_ip;
use crate::web::visitor::{check_csrf, Verified};
use crate::web::AppState;
use crate::web::{render_page, render_page_as, Crumb};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

fn home(lang: Lang) -> Crumb {
    Crumb {
        label: t(lang, "crumb.home"),
        href: Some("/".into()),
    }
}

fn list_crumb(lang: Lang) -> Crumb {
    Crumb {
        label: t(lang, "orgs.list.title"),
        href: Some("/organisations".into()),
    }
}

fn here(label: &str) -> Crumb {
    Crumb {
        label: label.to_owned(),
        href: None,
    }
}

/// An organisation with its kind's label, as every template receives it.
#[derive(Serialize)]
struct OrgView<'a> {
    #[serde(flatten)]
    org: &'a Organisation,
    kind_label: String,
    verified: bool,
    href: String,
}

fn view(lang: Lang, org: &Organisation) -> OrgView<'_> {
    OrgView {
        org,
        kind_label: t(lang, &org.kind().label_key()),
        verified: org.verified(),
        href: format!("/organisations/{}", org.id),
    }
}

/// The kinds for the form's select, with the chosen one marked.
fn kind_options(lang: Lang, chosen: &str) -> Vec<serde_json::Value> {
    Kind::ALL
        .iter()
        .map(|k| json!({ "code": k.code(), "label": t(lang, &k.label_key()), "selected": k.code() == chosen }))
        .collect()
}

/// A short page that says what happened and what to do next.
fn notice(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    key: &str,
    status: StatusCode,
    link: Option<(&str, String)>,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let title = t(lang, &format!("{key}.title"));
    let body = json!({
        "heading": title,
        "message": t(lang, &format!("{key}.message")),
        "link": link.map(|(href, label)| json!({ "href": href, "label": label })),
    });
    let response = render_page_as(
        req,
        hb,
        "orgs/notice",
        &title,
        &[home(lang), list_crumb(lang), here(&title)],
        &body,
        status,
    )?;
    Ok(response)
}

/// `/organisations`: verified organisations, for everyone.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
) -> Result<HttpResponse> {
    let orgs = state.db(model::list_verified).await?;
    let lang = Lang::of(&req);
    let title = t(lang, "orgs.list.title");
    let items: Vec<_> = orgs.iter().map(|o| view(lang, o)).collect();
    render_page(
        &req,
        &hb,
        "orgs/list",
        &title,
        &[home(lang), here(&title)],
        &json!({ "organisations": items }),
    )
}

/// `/organisations/mine`: the viewer's organisations and their role in each.
pub async fn mine(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: crate::web::visitor::Viewer,
) -> Result<HttpResponse> {
    let id = viewer.id;
    let orgs = state.db(move |conn| model::mine(conn, id)).await?;
    let lang = Lang::of(&req);
    let title = t(lang, "orgs.mine.title");
    let items: Vec<_> = orgs
        .iter()
        .map(|(o, role)| json!({ "org": view(lang, o), "role_label": t(lang, &format!("orgs.role.{}", role.code())) }))
        .collect();
    render_page(
        &req,
        &hb,
        "orgs/mine",
        &title,
        &[home(lang), list_crumb(lang), here(&title)],
        &json!({ "organisations": items }),
    )
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact: String,
}

fn new_form_page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    form: &FormPage,
    kind: &str,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let title = t(lang, "orgs.new.title");
    let context = json!({ "form": form, "kinds": kind_options(lang, kind) });
    let response = render_page_as(
        req,
        hb,
        "orgs/new",
        &title,
        &[home(lang), list_crumb(lang), here(&title)],
        &context,
        if form.has_errors() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
    )?;
    Ok(response)
}

pub async fn new_form(req: HttpRequest, hb: Templates, _viewer: Verified) -> Result<HttpResponse> {
    new_form_page(&req, &hb, &FormPage::default(), "")
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Verified,
    form: web::Form<OrgForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let mut page = FormPage::default();
    page.keep("name", &form.name)
        .keep("description", &form.description)
        .keep("contact", &form.contact);
    let name = page.check("name", Name::parse(&form.name));
    let kind = page.check("kind", Kind::parse(&form.kind));
    let description = page.check("description", Description::parse(&form.description));
    let contact = page.check("contact", Contact::parse(&form.contact));
    let (Some(name), Some(kind), Some(description), Some(contact)) =
        (name, kind, description, contact)
    else {
        return new_form_page(&req, &hb, &page, &form.kind);
    };
    let new = NewOrganisation {
        name,
        kind,
        description,
        contact,
    };
    let (actor, ip) = (viewer.0.id, client_ip(&req));
    let id = state
        .db(move |conn| model::create(conn, actor, &new, ip.as_deref()))
        .await?;
    Ok(see_other(&format!("/organisations/{id}?done=created")))
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub const DONE: [&str; 5] = [
    "created",
    "invited",
    "joined",
    "transferred",
    "already_member",
];

/// What the organisation's page shows, loaded in one go.
struct Loaded {
    org: Organisation,
    members: Vec<Member>,
    role: Option<Role>,
}

/// The organisation, if `viewer` may see it: verified ones are public; an unverified one only
/// to its members and staff admins (for anyone else it does not exist).
fn visible(conn: &mut diesel::PgConnection, id: Uuid, viewer: Option<Uuid>) -> Result<Loaded> {
    let org = model::find(conn, id)?.ok_or(Error::NotFound)?;
    let role = match viewer {
        Some(v) => model::role_of(conn, id, v)?,
        None => None,
    };
    if !org.verified()
        && role.is_none()
        && !matches!(viewer, Some(v) if model::is_verifier(conn, v)?)
    {
        return Err(Error::NotFound);
    }
    let members = model::members(conn, id)?;
    Ok(Loaded { org, members, role })
}

async fn org_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Handlebars<'_>,
    id: Uuid,
    done: Option<&str>,
) -> Result<HttpResponse> {
    let viewer = crate::web::visitor::viewer(req).map(|v| v.id);
    let loaded = state.db(move |conn| visible(conn, id, viewer)).await?;
    let lang = Lang::of(req);
    let org = view(lang, &loaded.org);
    let members: Vec<_> = loaded
        .members
        .iter()
        .map(|m| {
            json!({
                "account_id": m.account_id,
                "display_name": m.display_name,
                "representative": m.role == Role::Representative,
                "is_viewer": Some(m.account_id) == viewer,
            })
        })
        .collect();
    let others: Vec<_> = loaded
        .members
        .iter()
        .filter(|m| m.role == Role::Member)
        .map(|m| json!({ "account_id": m.account_id, "display_name": m.display_name }))
        .collect();
    let representative = loaded.role == Some(Role::Representative);
    let context = json!({
        "org": org,
        "members": members,
        "member": loaded.role.is_some(),
        "representative": representative,
        "others": others,
        "description_lines": loaded.org.description.lines().collect::<Vec<_>>(),
        "done": done.map(|d| t(lang, &format!("orgs.done.{d}"))),
    });
    let title = loaded.org.name.clone();
    render_page(
        req,
        hb,
        "orgs/show",
        &title,
        &[home(lang), list_crumb(lang), here(&title)],
        &context,
    )
}

/// `/organisations/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    path: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    let done = query.done.as_deref().filter(|d| DONE.contains(d));
    org_page(&req, &state, &hb, path.into_inner(), done).await
}

/// `/organisations/{id}/invite`: the representative's invitation form.
pub async fn invite_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Verified,
    path: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (id, account) = (path.into_inner(), viewer.0.id);
    representative_only(&state, id, account).await?;
    invite_page(&req, &hb, &state, id, &FormPage::default()).await
}

async fn invite_page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    state: &AppState,
    id: Uuid,
    form: &FormPage,
) -> Result<HttpResponse> {
    let org = state
        .db(move |conn| model::find(conn, id)?.ok_or(Error::NotFound))
        .await?;
    let lang = Lang::of(req);
    let title = t(lang, "orgs.invite.title");
    let org_crumb = Crumb {
        label: org.name.clone(),
        href: Some(format!("/organisations/{id}")),
    };
    let context = json!({ "org": view(lang, &org), "form": form });
    let response = render_page_as(
        req,
        hb,
        "orgs/invite",
        &title,
        &[home(lang), list_crumb(lang), org_crumb, here(&title)],
        &context,
        if form.has_errors() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
    )?;
    Ok(response)
}

/// Unknown organisation → 404; not its representative → 403.
async fn representative_only(state: &AppState, id: Uuid, account: Uuid) -> Result<()> {
    state
        .db(move |conn| {
            model::find(conn, id)?.ok_or(Error::NotFound)?;
            match model::role_of(conn, id, account)? {
                Some(Role::Representative) => Ok(()),
                _ => Err(Error::forbidden(Refusal::new(
                    model::ONLY_THE_REPRESENTATIVE_INVITES,
                ))),
            }
        })
        .await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Verified,
    path: web::Path<Uuid>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let id = path.into_inner();
    let viewer = viewer.0;
    representative_only(&state, id, viewer.id).await?;
    let mut page = FormPage::default();
    page.keep("email", &form.email);
    let Some(email) = page.check("email", Email::parse(&form.email)) else {
        return invite_page(&req, &hb, &state, id, &page).await;
    };
    let origin: Origin = Origin::of(&req, &state);
    let lang = Lang::of(&req);
    state
        .db(move |conn| {
            rate_limit::hit(conn, rate_limit::EMAILS_PER_RECIPIENT, email.as_str())?;
            let inviter = Inviter {
                id: viewer.id,
                display_name: &viewer.display_name,
                lang,
            };
            model::invite(conn, &origin, &inviter, id, &email)
        })
        .await?;
    Ok(see_other(&format!("/organisations/{id}?done=invited")))
}

/// `/organisations/join?token=…`: the link in the invitation email. Shows what the invitee is
/// joining and a button; joining is a POST.
pub async fn join_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    _viewer: Verified,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let (probe, now) = (token.clone(), state.clock.now());
    let Some(invitation) = state
        .db(move |conn| model::invitation(conn, &probe, now))
        .await?
    else {
        return notice(
            &req,
            &hb,
            "orgs.link_invalid",
            StatusCode::BAD_REQUEST,
            None,
        );
    };
    let lang = Lang::of(&req);
    let title = t(lang, "orgs.join.title");
    let context = json!({ "org": view(lang, &invitation.organisation), "token": token });
    render_page(
        &req,
        &hb,
        "orgs/join",
        &title,
        &[home(lang), list_crumb(lang), here(&title)],
        &context,
    )
}

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
}

pub async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Verified,
    form: web::Form<JoinForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let form = form.into_inner();
    let viewer = viewer.0;
    let origin = Origin::of(&req, &state);
    let outcome = state
        .db(move |conn| model::accept(conn, &form.token, viewer.id, &viewer.email, &origin))
        .await?;
    match outcome {
        Accepted::Joined(id) => Ok(see_other(&format!("/organisations/{id}?done=joined"))),
        Accepted::AlreadyMember(id) => Ok(see_other(&format!(
            "/organisations/{id}?done=already_member"
        ))),
        Accepted::Invalid => notice(
            &req,
            &hb,
            "orgs.link_invalid",
            StatusCode::BAD_REQUEST,
            None,
        ),
    }
}

/// A member leaves; the representative is told to hand the role over first.
pub async fn leave(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: crate::web::visitor::Viewer,
    path: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let (id, account, ip) = (path.into_inner(), viewer.id, client_ip(&req));
    state
        .db(move |conn| model::leave(conn, id, account, ip.as_deref()))
        .await?;
    let lang = Lang::of(&req);
    notice(
        &req,
        &hb,
        "orgs.left",
        StatusCode::OK,
        Some(("/organisations/mine", t(lang, "orgs.mine.title"))),
    )
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
}

/// The representative hands the role to another member.
pub async fn transfer(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: crate::web::visitor::Viewer,
    path: web::Path<Uuid>,
    form: web::Form<TransferForm>,
) -> Result<HttpResponse> {
    check_csrf(&req, &form.csrf)?;
    let id = path.into_inner();
    let to =
        Uuid::parse_str(form.to.trim()).map_err(|_| Refusal::new(model::TRANSFER_TO_A_MEMBER))?;
    let (actor, ip) = (viewer.id, client_ip(&req));
    state
        .db(move |conn| model::transfer(conn, id, actor, to, ip.as_deref()))
        .await?;
    Ok(see_other(&format!("/organisations/{id}?done=transferred")))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations", web::get().to(list))
        .route("/organisations/new", web::get().to(new_form))
        .route("/organisations/new", web::post().to(create))
        .route("/organisations/mine", web::get().to(mine))
        .route("/organisations/join", web::get().to(join_form))
        .route("/organisations/join", web::post().to(join))
        .route("/organisations/{id}", web::get().to(show))
        .route("/organisations/{id}/invite", web::get().to(invite_form))
        .route("/organisations/{id}/invite", web::post().to(invite))
        .route("/organisations/{id}/leave", web::post().to(leave))
        .route("/organisations/{id}/transfer", web::post().to(transfer));
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_confirmation_has_its_text() {
        crate::web::i18n::assert_keys("orgs.done.", super::DONE);
    }
}
