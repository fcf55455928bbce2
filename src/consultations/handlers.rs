//! Public consultation pages: the list, a consultation with its sections and (while open) the
//! form for an opinion, the receipt, and the published result. Handlers parse, ask `model`,
//! render; the state always comes from `state.clock`.

use super::fields::{self, Channel, MAX_BODY};
use super::model::opinions::Opinion;
use super::model::{self, Consultation, Detail, Notice};
use super::period::{start_of_day, State};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::forms::TokenQuery;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::notice;
use crate::web::present::date;
use crate::web::present::paragraphs;
use crate::web::proxy::client_ip;
use crate::web::visitor::{check_csrf, Verified, Viewer};
use crate::web::AppState;
use crate::web::Templates;
use crate::web::{render_page, render_page_as, Crumb};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::{json, Value};

/// Published opinions per page of the result.
pub const OPINIONS_PER_PAGE: i64 = 50;

/// Home › 意見公募 › the consultation a page belongs to, if any › the page.
fn crumbs(lang: Lang, within: Option<&Consultation>, here: &str) -> Vec<Crumb> {
    let href = within.map(|c| format!("/consultations/{}", c.id));
    crate::web::section_crumbs(
        lang,
        ("consultations.list.title", "/consultations"),
        href.as_deref().zip(within.map(|c| c.title.clone())),
        here,
    )
}

pub(super) fn state_label(lang: Lang, state: State) -> String {
    t(lang, &format!("consultations.state.{}", state.as_str()))
}

pub(super) fn summary_json(lang: Lang, c: &Consultation, now: DateTime<Utc>) -> Value {
    let state = c.state(now);
    json!({
        "id": c.id,
        "href": format!("/consultations/{}", c.id),
        "title": c.title,
        "department": c.department,
        "state": state.as_str(),
        "state_label": state_label(lang, state),
        "opens": date(lang, c.period.opens_at()),
        "closes": date(lang, c.period.last_day_at()),
        "days": c.period.days(),
        "short_period_reason": c.short_period_reason,
        "published": c.result_published_at.is_some() && state == State::ResultPublished,
        "result_href": format!("/consultations/{}/result", c.id),
    })
}

/// `/consultations`: every consultation, newest first.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let rows = state.db(move |conn| model::public_list(conn, now)).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|(c, n)| {
            let mut v = summary_json(lang, c, now);
            v["comment_count"] = json!(n);
            v
        })
        .collect();
    let title = t(lang, "consultations.list.title");
    let trail = vec![
        Crumb {
            label: t(lang, "crumb.home"),
            href: Some("/".into()),
        },
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    render_page(
        &req,
        &hb,
        "consultations/list",
        &title,
        &trail,
        &json!({
            "consultations": items,
            "feed_href": "/consultations/feed.atom",
            "feed_title": t(lang, "consultations.feed.title"),
        }),
    )
}

/// What the opinion form sent (on line, or typed in by staff with more fields around it).
#[derive(Debug, Default, Deserialize)]
pub struct Posted {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) section: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) address: String,
    #[serde(default)]
    pub(super) organisation: String,
}

impl Posted {
    pub(super) fn keep(&self, page: &mut FormPage) {
        page.keep("section", &self.section)
            .keep("body", &self.body)
            .keep("name", &self.name)
            .keep("address", &self.address)
            .keep("organisation", &self.organisation);
    }
}

/// The submitter's name, address and organisation under the city's rule: with
/// `identity_required`, an address and either a name or an organisation.
pub(super) fn identity(
    page: &mut FormPage,
    required: bool,
    name: &str,
    address: &str,
    organisation: &str,
) -> Option<(Option<String>, Option<String>, Option<String>)> {
    let organisation = page.check(
        "organisation",
        fields::text(organisation, "label.org_name", 200, false),
    )?;
    let name = page.check(
        "name",
        fields::text(
            name,
            "label.real_name",
            200,
            required && organisation.is_none(),
        ),
    );
    let address = page.check(
        "address",
        fields::text(address, "label.address", 400, required),
    );
    Some((name?, address?, organisation))
}

/// The section chosen (empty: the whole draft).
pub(super) fn section(page: &mut FormPage, raw: &str) -> Option<Option<i32>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(None);
    }
    page.check(
        "section",
        raw.parse::<i32>()
            .map(Some)
            .map_err(|_| Refusal::new("msg.opinion_section")),
    )
}

/// A consultation the public may see: a draft is a 404 like one that does not exist.
pub(super) async fn load(state: &AppState, id: i32) -> Result<Detail> {
    let d = state
        .db(move |conn| model::detail(conn, id))
        .await?
        .ok_or(Error::NotFound)?;
    if !d.consultation.state(state.clock.now()).is_public() {
        return Err(Error::NotFound);
    }
    Ok(d)
}

/// The notices (お知らせ) of a consultation, as its page lists them: date, what, and the text.
pub(super) fn notices_json(lang: Lang, notices: &[Notice]) -> Vec<Value> {
    notices
        .iter()
        .map(|n| {
            let extended = n.extended.map(|(before, after)| {
                translate(
                    lang,
                    "consultations.notice.extended",
                    &[
                        ("before", date(lang, start_of_day(before))),
                        ("after", date(lang, start_of_day(after))),
                    ],
                )
            });
            json!({
                "date": date(lang, n.at),
                "kind": n.kind.code(),
                "label": t(lang, &format!("consultations.notice.{}", n.kind.code())),
                "extended": extended,
                "body": paragraphs(&n.body),
            })
        })
        .collect()
}

fn detail_json(
    lang: Lang,
    d: &Detail,
    now: DateTime<Utc>,
    form: &FormPage,
    section: &str,
) -> Value {
    let c = &d.consultation;
    let mut v = summary_json(lang, c, now);
    v["summary"] = json!(paragraphs(&c.summary));
    v["comment_count"] = json!(d.comment_count);
    v["measures"] = json!(d
        .measures
        .iter()
        .map(|(code, title)| json!({ "code": code, "title": title, "href": format!("/measures/{code}") }))
        .collect::<Vec<_>>());
    v["sections"] = json!(d
        .sections
        .iter()
        .map(|s| json!({ "id": s.id, "number": s.number, "heading": s.heading, "paragraphs": paragraphs(&s.body) }))
        .collect::<Vec<_>>());
    v["section_options"] = json!(d
        .sections
        .iter()
        .map(|s| json!({ "id": s.id, "label": format!("{}. {}", s.number, s.heading), "selected": s.id.to_string() == section }))
        .collect::<Vec<_>>());
    v["attachments"] = json!(d
        .documents
        .iter()
        .map(crate::attachments::handlers::item_json)
        .collect::<Vec<_>>());
    v["notices"] = json!(notices_json(lang, &d.notices));
    v["withdrawal"] = json!(c
        .withdrawn_at
        .zip(
            d.notices
                .iter()
                .rev()
                .find(|n| n.kind == model::NoticeKind::Withdrawal)
        )
        .map(|(at, notice)| translate(
            lang,
            "consultations.withdrawn",
            &[("date", date(lang, at)), ("reason", notice.body.clone())]
        )));
    v["form"] = json!(form);
    v["identity_required"] = json!(c.identity_required);
    v["open"] = json!(c.state(now) == State::Open);
    v["closed_message"] = json!(t(
        lang,
        &format!("consultations.form.closed_{}", c.state(now).as_str())
    ));
    v["max_body"] = json!(MAX_BODY);
    v
}

/// How the consultation's page is shown: the opinion form (as typed, about `section`), the
/// status, and on the staff's preview of a draft, the note saying so on top.
pub(super) struct Shown<'a> {
    pub form: &'a FormPage,
    pub section: &'a str,
    pub status: StatusCode,
    pub preview: Option<String>,
}

impl Shown<'_> {
    /// The page as anyone first opens it.
    pub fn fresh(preview: Option<String>) -> Shown<'static> {
        Shown {
            form: &crate::web::forms::EMPTY_FORM,
            section: "",
            status: StatusCode::OK,
            preview,
        }
    }
}

/// The consultation's page.
pub(super) fn page(
    req: &HttpRequest,
    hb: &Handlebars<'_>,
    d: &Detail,
    now: DateTime<Utc>,
    shown: Shown<'_>,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let viewer = crate::web::visitor::viewer(req);
    let mut context = detail_json(lang, d, now, shown.form, shown.section);
    context["preview"] = json!(shown.preview);
    context["can_submit"] = json!(viewer.as_ref().is_some_and(|v| v.verified()));
    context["login_href"] = json!(format!("/login?next=/consultations/{}", d.consultation.id));
    context["default_name"] = json!(viewer.map(|v| v.display_name));
    let response = render_page_as(
        req,
        hb,
        "consultations/page",
        &d.consultation.title,
        &crumbs(lang, None, &d.consultation.title),
        &context,
        shown.status,
    )?;
    Ok(response)
}

/// `/consultations/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let d = load(&state, id.into_inner()).await?;
    page(&req, &hb, &d, state.clock.now(), Shown::fresh(None))
}

/// `POST /consultations/{id}/comments`: an opinion; the receipt, or the page again with the
/// text kept and the message beside its field.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    Verified(viewer): Verified,
    id: web::Path<i32>,
    form: web::Form<Posted>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let posted = form.into_inner();
    check_csrf(&req, &posted.csrf)?;
    let d = load(&state, id).await?;
    let now = state.clock.now();
    let mut form = FormPage::default();
    posted.keep(&mut form);
    let body = form.check(
        "body",
        fields::text(&posted.body, "label.opinion", MAX_BODY, true),
    );
    let section = section(&mut form, &posted.section);
    let who = identity(
        &mut form,
        d.consultation.identity_required,
        &posted.name,
        &posted.address,
        &posted.organisation,
    );
    let (Some(Some(body)), Some(section), Some((name, address, organisation))) =
        (body, section, who)
    else {
        let shown = Shown {
            form: &form,
            section: &posted.section,
            status: StatusCode::BAD_REQUEST,
            preview: None,
        };
        return page(&req, &hb, &d, now, shown);
    };
    let opinion = Opinion {
        channel: Channel::Web,
        received_at: now,
        section,
        body,
        account: Some(viewer.id),
        organisation_name: organisation,
        submitter_name: name,
        submitter_address: address,
        submitter_email: Some(viewer.email.clone()),
        entered_by: None,
    };
    let ip = client_ip(&req);
    let public_url = state.public_url.clone();
    let outcome = state
        .db(move |conn| {
            model::opinions::submit(conn, id, &opinion, now, ip.as_deref(), &public_url)
        })
        .await?;
    match outcome {
        // To a page of its own, so reloading it never sends the opinion twice.
        Ok(receipt) => Ok(HttpResponse::SeeOther()
            .insert_header((
                "location",
                format!("/consultations/{id}/receipts/{receipt}"),
            ))
            .finish()),
        Err(refused) => {
            form.refuse(refused.field, refused.refusal);
            let status = if refused.field == "body" {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            let shown = Shown {
                form: &form,
                section: &posted.section,
                status,
                preview: None,
            };
            page(&req, &hb, &d, now, shown)
        }
    }
}

/// `/consultations/{id}/receipts/{number}`: the receipt (受付) of an opinion, for the resident
/// who sent it; 404 for anyone else.
pub async fn receipt(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse> {
    let (id, number) = path.into_inner();
    let d = load(&state, id).await?;
    let account = viewer.id;
    let own = {
        let number = number.clone();
        state
            .db(move |conn| model::opinions::is_own_receipt(conn, id, &number, account))
            .await?
    };
    if !own {
        return Err(Error::NotFound);
    }
    let lang = Lang::of(&req);
    let title = t(lang, "consultations.receipt.title");
    render_page(
        &req,
        &hb,
        "consultations/receipt",
        &title,
        &crumbs(lang, Some(&d.consultation), &title),
        &json!({
            "receipt": number,
            "consultation": summary_json(lang, &d.consultation, state.clock.now()),
            "email": viewer.email,
        }),
    )
}

#[derive(Debug, Deserialize)]
pub struct After {
    after: Option<i32>,
}

/// A published consultation or 404: the result exists for nobody before it is published.
pub(super) async fn published(state: &AppState, id: i32) -> Result<Detail> {
    let d = load(state, id).await?;
    if d.consultation.state(state.clock.now()) != State::ResultPublished {
        return Err(Error::NotFound);
    }
    Ok(d)
}

pub(super) fn channel_label(lang: Lang, channel: Channel) -> String {
    t(lang, &format!("consultations.channel.{}", channel.code()))
}

/// `/consultations/{id}/result`: counts by channel, the table No. / 意見の要旨 / 市の考え方 /
/// 修正の有無, and the published opinions without names (keyset pages of 50).
pub async fn result(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
    query: web::Query<After>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let d = published(&state, id).await?;
    let after = query.after.unwrap_or(0);
    let (counts, items, opinions) = state
        .db(move |conn| {
            Ok((
                model::result::published_counts(conn, id)?,
                model::result::items(conn, id)?,
                model::opinions::public_opinions(conn, id, after, OPINIONS_PER_PAGE + 1)?,
            ))
        })
        .await?;
    let lang = Lang::of(&req);
    let more = opinions.len() as i64 > OPINIONS_PER_PAGE;
    let shown = &opinions[..opinions.len().min(OPINIONS_PER_PAGE as usize)];
    let next = more
        .then(|| {
            shown
                .last()
                .map(|o| format!("/consultations/{id}/result?after={}#opinions", o.id))
        })
        .flatten();
    let now = state.clock.now();
    let title = translate(
        lang,
        "consultations.result.title",
        &[("title", d.consultation.title.clone())],
    );
    let context = json!({
        "consultation": summary_json(lang, &d.consultation, now),
        "published_on": d.consultation.result_published_at.map(|at| date(lang, at)),
        "submitters": counts.submitters,
        "comments": counts.comments,
        "by_channel": counts.by_channel.iter().filter(|(_, n)| *n > 0).map(|(ch, n)| json!({ "label": channel_label(lang, *ch), "count": n })).collect::<Vec<_>>(),
        "items": items.iter().map(|i| json!({
            "number": i.number,
            "summary": paragraphs(&i.summary),
            "response": paragraphs(&i.response),
            "changed": i.changed,
            "change": i.change,
        })).collect::<Vec<_>>(),
        "opinions": shown.iter().map(|o| json!({
            "id": o.id,
            "item": o.item,
            "section": o.section,
            "paragraphs": paragraphs(&o.body),
        })).collect::<Vec<_>>(),
        "next": next,
        "first_page": (after > 0).then(|| format!("/consultations/{id}/result#opinions")),
        "csv": format!("/consultations/{id}/result.csv"),
    });
    render_page(
        &req,
        &hb,
        "consultations/result",
        &title,
        &crumbs(
            lang,
            Some(&d.consultation),
            &t(lang, "consultations.result.crumb"),
        ),
        &context,
    )
}

/// `GET /consultations/unsubscribe?token=`: a button (link scanners must not unsubscribe
/// anyone) for a submitter without an account.
pub async fn unsubscribe_form(
    req: HttpRequest,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let title = t(lang, "unsubscribe.title");
    render_page(
        &req,
        &hb,
        "consultations/unsubscribe",
        &title,
        &crumbs(lang, None, &title),
        &json!({ "token": query.token }),
    )
}

/// `POST /consultations/unsubscribe?token=`: the one-click unsubscribe of RFC 8058; the
/// address is forgotten.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse> {
    let token = query.into_inner().token;
    let done = state
        .db(move |conn| model::emails::unsubscribe(conn, &token))
        .await?;
    match done {
        true => notice(&req, &hb, "consultations.unsubscribed", StatusCode::OK),
        false => notice(&req, &hb, "auth.link_invalid", StatusCode::BAD_REQUEST),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    use super::{api, result as export};
    cfg.route("/consultations/feed.atom", web::get().to(export::feed))
        .route("/api/v1/consultations", web::get().to(api::list))
        .route("/api/v1/consultations/{id}", web::get().to(api::show))
        .route(
            "/api/v1/consultations/{id}/result",
            web::get().to(api::result),
        )
        .route(
            "/consultations/unsubscribe",
            web::get().to(unsubscribe_form),
        )
        .route("/consultations/unsubscribe", web::post().to(unsubscribe))
        .route("/consultations", web::get().to(list))
        .route("/consultations/{id}", web::get().to(show))
        .route("/consultations/{id}/comments", web::post().to(submit))
        .route(
            "/consultations/{id}/receipts/{number}",
            web::get().to(receipt),
        )
        .route(
            "/consultations/{id}/attachments",
            web::post().to(super::files::attach),
        )
        .route(
            "/consultations/{id}/attachments/{attachment}/remove",
            web::post().to(super::files::detach),
        )
        .route(
            "/consultations/{id}/opinions/{opinion}/attachments",
            web::post().to(super::files::attach_scan),
        )
        .route("/consultations/{id}/result", web::get().to(result))
        .route("/consultations/{id}/result.csv", web::get().to(export::csv));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_needs_an_address_and_a_name_or_an_organisation() {
        let mut page = FormPage::default();
        assert_eq!(
            identity(&mut page, true, "本庄 太郎", "本庄市1-1", ""),
            Some((Some("本庄 太郎".into()), Some("本庄市1-1".into()), None))
        );
        assert!(!page.has_errors());
        let mut page = FormPage::default();
        assert_eq!(
            identity(&mut page, true, "", "本庄市1-1", "駅北口自治会"),
            Some((None, Some("本庄市1-1".into()), Some("駅北口自治会".into())))
        );
        let mut page = FormPage::default();
        assert_eq!(identity(&mut page, true, "", "", ""), None);
        let errors = serde_json::to_value(&page).unwrap()["errors"].clone();
        let required = |label| serde_json::to_value(Refusal::required(label)).unwrap();
        assert_eq!(errors["name"], required("label.real_name"));
        assert_eq!(errors["address"], required("label.address"));
        let mut page = FormPage::default();
        assert_eq!(
            identity(&mut page, false, "", "", ""),
            Some((None, None, None))
        );
        let mut page = FormPage::default();
        assert_eq!(identity(&mut page, false, "", "", &"団".repeat(201)), None);
    }

    #[test]
    fn sections_are_optional_numbers() {
        let mut page = FormPage::default();
        assert_eq!(section(&mut page, " "), Some(None));
        assert_eq!(section(&mut page, "12"), Some(Some(12)));
        assert_eq!(section(&mut page, "x"), None);
        assert!(page.has_errors());
    }
}
