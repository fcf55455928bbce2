//! The public meeting pages: the list (upcoming and past, by measure, kind and month), a
//! meeting's page (notices on top, where and when, seats, the registration form, and after
//! the meeting its record), registering and cancelling for a signed-in account; and the
//! routes of every public meeting page (the emailed links' pages are in `links`).
//! Registrants are only ever counted here: no page names them.

use super::listing::{self, ListQuery};
use super::model::{self, Meeting, Notice, Seats};
use super::page::{self, Loaded};
use super::registrations::{self, Cancel, Channel, NewRegistration, Registrant, Status};
use super::rules::{free_seats, Kind, Registration as Window, State};
use crate::error::Result;
use crate::refusal::Refusal;
use crate::wareki::datetime_attr;
use crate::web::forms::{CsrfOnly, FormPage};
use crate::web::i18n::{t, translate, Lang};
use crate::web::present::{date, paragraphs};
use crate::web::proxy::client_ip;
use crate::web::visitor::{check_csrf, viewer, Viewer};
use crate::web::{render_page_as, see_other, AppState, Templates};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Home › 意見を聴く場 › `here`.
pub(super) fn crumbs(lang: Lang, here: &str) -> Vec<crate::web::Crumb> {
    crate::web::section_crumbs(lang, ("meetings.list.title", "/meetings"), None, here)
}

fn state_label(lang: Lang, state: State) -> String {
    t(lang, &format!("meeting.state.{}", state.as_str()))
}

/// Where: the venue's name, オンライン, or both.
fn place(lang: Lang, m: &Meeting) -> String {
    let online = m.is_online().then(|| t(lang, "meetings.online"));
    [m.venue_name.clone(), online]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ／ ")
}

/// The accessibility offered (手話通訳, 託児, 車椅子), as words.
fn access(lang: Lang, m: &Meeting) -> Vec<String> {
    [
        (m.sign_language, "meetings.access.sign_language"),
        (m.childcare, "meetings.access.childcare"),
        (m.wheelchair, "meetings.access.wheelchair"),
    ]
    .into_iter()
    .filter(|(offered, _)| *offered)
    .map(|(_, key)| t(lang, key))
    .collect()
}

/// Seats as a person deciding whether to register needs them: left, full (the waiting list
/// while registration is open), no limit; after the meeting, its attendance.
fn seats_text(lang: Lang, m: &Meeting, seats: Seats, now: DateTime<Utc>) -> Option<String> {
    let count = |key: &str, params: &[(&str, String)]| Some(translate(lang, key, params));
    match m.state(now) {
        State::Held => m
            .attendance
            .and_then(|n| count("meetings.attendance", &[("count", n.to_string())])),
        State::Upcoming => match m.capacity {
            None => count("meetings.seats.unlimited", &[]),
            Some(capacity) => match free_seats(Some(capacity), seats.confirmed) {
                0 if m.schedule.registration(now) == Window::Open => count(
                    "meetings.seats.full",
                    &[("waiting", seats.waiting.to_string())],
                ),
                0 => count("meetings.seats.full_closed", &[]),
                left => count(
                    "meetings.seats.left",
                    &[
                        ("left", left.to_string()),
                        ("capacity", capacity.to_string()),
                    ],
                ),
            },
        },
        _ => None,
    }
}

fn measures_json(codes: &[String], titles: &HashMap<String, String>) -> Vec<Value> {
    codes
        .iter()
        .map(|code| {
            json!({
                "code": code,
                "title": titles.get(code),
                "href": format!("/measures/{code}"),
            })
        })
        .collect()
}

/// A meeting as the list and the top of its page show it.
fn summary_json(
    lang: Lang,
    m: &Meeting,
    seats: Seats,
    titles: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Value {
    let state = m.state(now);
    json!({
        "id": m.id,
        "href": format!("/meetings/{}", m.id),
        "title": m.title,
        "kind": m.kind.code(),
        "kind_label": t(lang, m.kind.label()),
        "state": state.as_str(),
        "state_label": state_label(lang, state),
        "when": model::when(lang, m.schedule.starts_at, m.schedule.ends_at),
        "starts_attr": datetime_attr(&m.schedule.starts_at),
        "place": place(lang, m),
        "seats": seats_text(lang, m, seats, now),
        "measures": measures_json(&m.measures, titles),
        "access": access(lang, m),
        "department": m.department,
    })
}

/// `/meetings`: upcoming and past meetings, filtered. A bad filter value is said beside its
/// field (400) while the others still apply.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let plan = crate::plan::cache::of(&req);
    let query = query.into_inner();
    let (meetings, seats, titles, form, filter) = state
        .db(move |conn| {
            let titles = page::measure_titles(conn, &plan)?;
            let mut form = FormPage::default();
            let filter = listing::parse(&query, |code| titles.contains_key(&code), &mut form);
            let meetings = model::list(conn, &filter, now)?;
            let ids: Vec<i32> = meetings.iter().map(|m| m.id).collect();
            Ok((meetings, model::seats(conn, &ids)?, titles, form, filter))
        })
        .await?;
    // The filter's choice of measures in the plan's order; the rows' titles by code.
    let measure_options: Vec<(String, String)> = {
        let mut codes: Vec<_> = titles.into_iter().collect();
        codes.sort_by_key(|(code, _)| (code.chapter, code.number));
        codes
            .into_iter()
            .map(|(code, title)| (code.to_string(), title))
            .collect()
    };
    let titles: HashMap<String, String> = measure_options.iter().cloned().collect();
    let rows = |meetings: &[Meeting]| -> Vec<Value> {
        meetings
            .iter()
            .map(|m| {
                let seats = seats.get(&m.id).copied().unwrap_or_default();
                summary_json(lang, m, seats, &titles, now)
            })
            .collect()
    };
    let (upcoming, past) = listing::split(meetings, now);
    // A refused value is no option: the valid filter is what stays chosen.
    let measure = filter.measure.clone().unwrap_or_default();
    let kind = filter.kind.map(Kind::code).unwrap_or_default();
    let title = t(lang, "meetings.list.title");
    let status = if form.has_errors() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_page_as(
        &req,
        &hb,
        "meetings/list",
        &title,
        &crate::web::home_crumbs(lang, &title),
        &json!({
            "upcoming": rows(&upcoming),
            "past": rows(&past),
            "filtered": filter != model::Filter::default() || form.has_errors(),
            "form": form,
            "measure_options": measure_options.iter().map(|(code, title)| json!({
                "code": code, "title": title, "selected": *code == measure,
            })).collect::<Vec<_>>(),
            "kind_options": Kind::ALL.into_iter().map(|k| json!({
                "code": k.code(), "label": t(lang, k.label()), "selected": k.code() == kind,
            })).collect::<Vec<_>>(),
            "feed_href": "/meetings.atom",
            "feed_title": t(lang, "meeting.calendar.title"),
        }),
        status,
    )
}

/// How the page is shown: the registration form as typed (with its messages), the
/// confirmation of what was just done, the status.
pub(super) struct Shown<'a> {
    pub form: &'a FormPage,
    /// The organisation chosen in the form, as posted.
    pub organisation: &'a str,
    pub done: Option<&'a str>,
    pub status: StatusCode,
}

/// The confirmations `?done=` may ask for (`meetings.done.*`).
pub const DONE: [&str; 4] = ["seat", "waiting", "already", "cancelled"];

fn notices_json(lang: Lang, notices: &[Notice]) -> Vec<Value> {
    notices
        .iter()
        .map(|n| {
            json!({
                "date": date(lang, n.posted_at),
                "label": t(lang, &format!("meetings.notice.{}", n.kind)),
                "body": paragraphs(&n.body),
            })
        })
        .collect()
}

/// The registration window, its state, and what the form says instead when closed.
fn window_json(lang: Lang, m: &Meeting, now: DateTime<Utc>) -> Value {
    let s = &m.schedule;
    let (opens, closes) = (s.registration_opens(), s.registration_closes());
    let window = s.registration(now);
    let (state, label) = match window {
        Window::Open => ("open", t(lang, "meetings.window.open")),
        Window::NotYet(_) => ("not_yet", t(lang, "meetings.window.not_yet")),
        Window::Closed => ("closed", t(lang, "meetings.window.closed")),
    };
    json!({
        "period": opens.filter(|o| *o < closes).map(|o| model::when(lang, o, closes)),
        "state": state,
        "label": label,
        "open": window == Window::Open,
        "refusal": window.refusal(),
    })
}

fn page_json(lang: Lang, d: &Loaded, now: DateTime<Utc>) -> Value {
    let m = &d.meeting;
    let state = m.state(now);
    let mut v = summary_json(lang, m, d.seats, &d.titles, now);
    let seated = d
        .mine
        .as_ref()
        .is_some_and(|r| r.status == Status::Confirmed);
    v["description"] = json!(paragraphs(&m.description));
    v["venue_name"] = json!(m.venue_name);
    v["venue_address"] = json!(m.venue_address);
    v["access_notes"] = json!(m.access_notes.as_deref().map(paragraphs));
    v["online"] = json!(m.is_online());
    // The URL only to a person with a seat, and to the staff who run the meeting.
    v["online_url"] = json!(m.online_url.as_ref().filter(|_| seated || d.staff));
    v["capacity"] = json!(m.capacity);
    v["seats_full"] = json!(m
        .capacity
        .is_some_and(|c| free_seats(Some(c), d.seats.confirmed) == 0));
    v["accessibility_notes"] = json!(m.accessibility_notes.as_deref().map(paragraphs));
    v["notices"] = json!(notices_json(lang, &d.notices));
    v["cancelled"] = json!(state == State::Cancelled);
    v["upcoming"] = json!(state == State::Upcoming);
    v["window"] = window_json(lang, m, now);
    v["record"] = json!(state == State::Held || d.minutes || !d.born.is_empty());
    v["attendance"] = json!(m
        .attendance
        .filter(|_| state == State::Held)
        .map(|n| translate(lang, "meetings.attendance", &[("count", n.to_string())])));
    v["minutes"] = json!(d.minutes.then(|| json!({
        "summary": m.minutes_summary.as_deref().map(paragraphs),
        "topics": d.topics.iter().map(|topic| json!({
            "number": topic.number,
            "topic": topic.topic,
            "said": paragraphs(&topic.said),
            "response": topic.response.as_deref().map(paragraphs),
        })).collect::<Vec<_>>(),
        "files": d.files.iter().map(crate::attachments::handlers::item_json).collect::<Vec<_>>(),
    })));
    v["born"] = json!(d
        .born
        .iter()
        .map(|b| json!({
            "href": format!("/proposals/{}", b.id),
            "title": b.title,
            "state_label": b
                .state
                .parse::<crate::proposals::workflow::State>()
                .map(|s| t(lang, s.label_key()))
                .unwrap_or_default(),
        }))
        .collect::<Vec<_>>());
    v["mine"] = json!(d.mine.as_ref().map(|r| json!({
        "seated": r.status == Status::Confirmed,
        "status": match (r.status, r.position) {
            (Status::Waiting, Some(position)) => translate(lang, "meetings.mine.waiting", &[("position", position.to_string())]),
            _ => t(lang, "meetings.mine.confirmed"),
        },
        "organisation": r.organisation,
        "needs": r.needs,
        "cancellable": state == State::Upcoming,
    })));
    v
}

/// The meeting's page.
pub(super) async fn show_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &handlebars::Handlebars<'_>,
    id: i32,
    shown: Shown<'_>,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let now = state.clock.now();
    let who = viewer(req);
    let plan = crate::plan::cache::of(req);
    let d = {
        let who = who.clone();
        state
            .db(move |conn| page::load(conn, id, who.as_ref(), &plan, now))
            .await?
    };
    let mut context = page_json(lang, &d, now);
    context["form"] = json!(shown.form);
    context["organisations"] = json!(d
        .organisations
        .iter()
        .map(|(id, name)| json!({ "id": id.to_string(), "name": name, "selected": id.to_string() == shown.organisation }))
        .collect::<Vec<_>>());
    context["signed_in"] = json!(who.is_some());
    context["verified"] = json!(who.as_ref().is_some_and(Viewer::verified));
    context["login_href"] = json!(format!("/login?next=/meetings/{id}"));
    context["done"] = json!(shown
        .done
        .filter(|d| DONE.contains(d))
        .map(|d| t(lang, &format!("meetings.done.{d}"))));
    render_page_as(
        req,
        hb,
        "meetings/page",
        &d.meeting.title,
        &crumbs(lang, &d.meeting.title),
        &context,
        shown.status,
    )
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `/meetings/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    let shown = Shown {
        form: &crate::web::forms::EMPTY_FORM,
        organisation: "",
        done: query.done.as_deref(),
        status: StatusCode::OK,
    };
    show_page(&req, &state, &hb, id.into_inner(), shown).await
}

/// The registration form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct Posted {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    needs: String,
}

/// `POST /meetings/{id}/register`: a seat or the waiting list for the signed-in, verified
/// account; on to the page saying which. Refused (not signed in, unverified, the window
/// closed …): the page again with the message and what was typed.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
    posted: web::Form<Posted>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let posted = posted.into_inner();
    check_csrf(&req, &posted.csrf)?;
    let mut form = FormPage::default();
    form.keep("organisation", &posted.organisation)
        .keep("needs", &posted.needs);
    let account = match viewer(&req) {
        None => form.check("form", Err(Refusal::new("msg.meeting_login"))),
        Some(v) if !v.verified() => form.check("form", Err(Refusal::new("msg.email_unverified"))),
        Some(v) => Some(v.id),
    };
    let needs = form.check("needs", registrations::parse_needs(&posted.needs));
    let organisation = form.check(
        "organisation",
        match posted.organisation.trim() {
            "" => Ok(None),
            raw => raw
                .parse::<Uuid>()
                .map(Some)
                .map_err(|_| Refusal::new("msg.meeting_organisation")),
        },
    );
    let (Some(account), Some(needs), Some(organisation)) = (account, needs, organisation) else {
        let status = if form.has_errors() && account.is_none() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        let shown = Shown {
            form: &form,
            organisation: &posted.organisation,
            done: None,
            status,
        };
        return show_page(&req, &state, &hb, id, shown).await;
    };
    let new = NewRegistration {
        registrant: Registrant::Account {
            account,
            organisation,
        },
        channel: Channel::Web,
        needs,
        entered_by: None,
    };
    let (now, ip, public_url) = (state.clock.now(), client_ip(&req), state.public_url.clone());
    let outcome = state
        .db(move |conn| registrations::register(conn, id, &new, now, ip.as_deref(), &public_url))
        .await?;
    match outcome {
        Ok(done) => {
            let done = match (done.already, done.registration.status) {
                (true, _) => "already",
                (false, Status::Waiting) => "waiting",
                (false, _) => "seat",
            };
            // To the page, so that reloading it never registers twice.
            Ok(see_other(&format!(
                "/meetings/{id}?done={done}#registration"
            )))
        }
        Err(refused) => {
            // The window is the whole form's matter; an organisation, its field's.
            let field = match refused.field {
                "organisation" => "organisation",
                _ => "form",
            };
            form.refuse(field, refused.refusal);
            let shown = Shown {
                form: &form,
                organisation: &posted.organisation,
                done: None,
                status: StatusCode::CONFLICT,
            };
            show_page(&req, &state, &hb, id, shown).await
        }
    }
}

/// `POST /meetings/{id}/cancel`: the account cancels its own registration (a seat goes to the
/// first waiting person, who is emailed).
pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    viewer: Viewer,
    id: web::Path<i32>,
    posted: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    check_csrf(&req, &posted.csrf)?;
    let id = id.into_inner();
    let (now, ip, public_url) = (state.clock.now(), client_ip(&req), state.public_url.clone());
    let which = Cancel::Account {
        meeting: id,
        account: viewer.id,
    };
    let outcome = state
        .db(move |conn| registrations::cancel(conn, which, now, ip.as_deref(), &public_url))
        .await?;
    let refusal = match outcome {
        Ok(Some(_)) => {
            return Ok(see_other(&format!(
                "/meetings/{id}?done=cancelled#registration"
            )))
        }
        Ok(None) => Refusal::new("msg.meeting_nothing_to_cancel"),
        Err(refused) => refused.refusal,
    };
    let mut form = FormPage::default();
    form.refuse("form", refusal);
    let shown = Shown {
        form: &form,
        organisation: "",
        done: None,
        status: StatusCode::CONFLICT,
    };
    show_page(&req, &state, &hb, id, shown).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    use super::links;
    cfg.route("/meetings", web::get().to(list))
        .route("/meetings/cancel", web::get().to(links::cancel_form))
        .route("/meetings/cancel", web::post().to(links::cancel))
        .route(
            "/meetings/unsubscribe",
            web::get().to(links::unsubscribe_form),
        )
        .route("/meetings/unsubscribe", web::post().to(links::unsubscribe))
        // Digits only: `/meetings/{id}.ics` and the feeds are other routes.
        .route("/meetings/{id:\\d+}", web::get().to(show))
        .route("/meetings/{id:\\d+}/register", web::post().to(register))
        .route("/meetings/{id:\\d+}/cancel", web::post().to(cancel));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_confirmation_and_notice_has_its_texts() {
        crate::web::i18n::assert_keys("meetings.done.", DONE);
        crate::web::i18n::assert_keys("meetings.notice.", ["changed", "cancelled"]);
        crate::web::i18n::assert_english([
            Refusal::new("msg.meeting_login"),
            Refusal::new("msg.meeting_nothing_to_cancel"),
        ]);
    }
}
