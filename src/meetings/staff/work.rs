//! A meeting's staff page: its state and notices, publication and cancellation, the
//! registrations with every registrant's name and contact (staff only), the form for a
//! registration taken by phone, at the counter, by email or fax, and after the meeting the
//! record (`super::after`). Every form posted to it comes back here: on to the page when
//! done, or the page again (400) with what was typed and what to fix beside the form.

use super::{authorise, crumbs, run, summary_json};
use crate::auth::staff::Staff;
use crate::error::Result;
use crate::meetings::model::{self, Topic};
use crate::meetings::record::{self, Entry};
use crate::meetings::registrations::{
    self, Cancel, Channel, NewRegistration, Person, Refused, Registrant, Status,
};
use crate::meetings::rules::State;
use crate::web::forms::FormPage;
use crate::web::i18n::{t, translate, Lang};
use crate::web::present::date;
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// The page's forms, by name, as the template reads them (`forms.register.values.name`).
const FORMS: [&str; 9] = [
    "publish",
    "cancel",
    "register",
    "registration",
    "attendance",
    "minutes",
    "upload",
    "proposal",
    "draft",
];

/// The staff page of meeting `id`, with `page` (what was typed and what to fix) in `form`.
pub(super) async fn page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    form: Option<(&str, &FormPage)>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let meeting = authorise(state, staff, id).await?;
    let (notices, roster, topics, born, seats, files) = state
        .db(move |conn| {
            Ok((
                model::notices(conn, id)?,
                record::roster(conn, id)?,
                model::topics(conn, id)?,
                record::born(conn, id)?,
                model::seats(conn, &[id])?.remove(&id).unwrap_or_default(),
                crate::meetings::files::list(conn, id)?,
            ))
        })
        .await?;
    let lang = Lang::of(req);
    let now = state.clock.now();
    let current = meeting.state(now);
    // A change refused as a whole (say, attendance before the meeting), said at the top of the
    // page: its form may not be on the page.
    let refusal = form.and_then(|(_, page)| {
        serde_json::to_value(page)
            .ok()?
            .get("errors")?
            .get("form")
            .cloned()
    });
    let mut forms = serde_json::Map::new();
    for name in FORMS {
        forms.insert(name.to_owned(), json!(crate::web::forms::EMPTY_FORM));
    }
    if let Some((name, page)) = form {
        forms.insert(name.to_owned(), json!(page));
    }
    // The record's forms start from what was saved.
    let mut minutes = FormPage::default();
    let minutes_form = match form {
        Some(("minutes", page)) => json!(page),
        _ => {
            minutes.keep(
                "summary",
                meeting.minutes_summary.as_deref().unwrap_or_default(),
            );
            json!(minutes)
        }
    };
    let topic_rows = topic_rows(&topics, form);
    let mut summary = summary_json(lang, &meeting, now);
    summary["seats"] = json!(seats);
    let context = json!({
        "meeting": summary,
        "told": req.query_string().contains("told=1"),
        "refusal": refusal,
        "draft": current == State::Draft,
        "changeable": current.is_changeable(),
        "cancellable": current == State::Upcoming,
        "takes_registrations": matches!(current, State::Upcoming | State::Ongoing),
        "takes_record": current.takes_record(),
        "venue": meeting.venue().unwrap_or_default(),
        "access_notes": meeting.access_notes,
        "online_url": meeting.online_url,
        "offers": offers(lang, &meeting),
        "accessibility_notes": meeting.accessibility_notes,
        "description": meeting.description,
        "measures": meeting.measures,
        "notices": notices.iter().map(|n| json!({ "kind": n.kind, "body": n.body, "posted": date(lang, n.posted_at) })).collect::<Vec<_>>(),
        "registrations": roster.iter().map(|e| entry_json(lang, e)).collect::<Vec<_>>(),
        // After a change registrants were emailed of: those without an address, to phone.
        "to_call": roster.iter().filter(|e| e.status != Status::Cancelled && e.email.is_none()).map(|e| json!({ "name": e.name, "phone": e.phone })).collect::<Vec<_>>(),
        "live": roster.iter().filter(|e| e.status != Status::Cancelled).map(|e| json!({ "id": e.id, "name": e.name, "checked": e.attended == Some(true) })).collect::<Vec<_>>(),
        "channels": Channel::ALL.into_iter().filter(|c| *c != Channel::Web).map(|c| json!({ "code": c.code(), "label": t(lang, c.label()) })).collect::<Vec<_>>(),
        "attendance": meeting.attendance,
        "minutes_published": meeting.minutes_published_at.map(|at| date(lang, at)),
        "minutes_form": minutes_form,
        "topic_count": topic_rows.len(),
        "topics": topic_rows,
        "saved_topics": topics.iter().map(|t| json!({ "number": t.number, "topic": t.topic })).collect::<Vec<_>>(),
        "born": born.iter().map(|b| json!({ "href": if b.public { format!("/proposals/{}", b.id) } else { format!("/proposals/{}/edit", b.id) }, "title": b.title, "draft": !b.public })).collect::<Vec<_>>(),
        "attachments": files_json(lang, id, &files, form),
        "forms": forms,
    });
    crate::web::render_page_as(
        req,
        hb,
        "staff/meetings/show",
        &meeting.title,
        &crumbs(lang, Some((&meeting.title, id)), None),
        &context,
        status,
    )
}

/// The meeting's files (資料, 実施報告) with their remove buttons, and the upload form with
/// why a file was refused (`templates/attachments/_manage.hbs`).
fn files_json(
    lang: Lang,
    id: i32,
    files: &[crate::attachments::model::Attachment],
    form: Option<(&str, &FormPage)>,
) -> Value {
    let message = match form {
        Some(("upload", page)) => serde_json::to_value(page)
            .ok()
            .and_then(|p| p.get("errors")?.get("file").cloned()),
        _ => None,
    };
    json!({
        "items": files.iter().map(|a| {
            let mut item = crate::attachments::handlers::item_json(a);
            item["remove_action"] = json!(format!("/staff/meetings/{id}/attachments/{}/remove", a.id));
            item
        }).collect::<Vec<_>>(),
        "action": format!("/staff/meetings/{id}/attachments"),
        "message": message,
        "hint": translate(lang, "staff.meetings.files_hint", &[
            ("max", crate::attachments::sniff::MAX_LABEL.to_owned()),
            ("count", crate::attachments::sniff::MAX_PER_OWNER.to_string()),
        ]),
    })
}

/// 手話通訳 / 託児 / 車椅子, those offered.
fn offers(lang: Lang, m: &model::Meeting) -> Vec<String> {
    [
        (m.sign_language, "staff.meetings.field.sign_language"),
        (m.childcare, "staff.meetings.field.childcare"),
        (m.wheelchair, "staff.meetings.field.wheelchair"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, key)| t(lang, key))
    .collect()
}

fn entry_json(lang: Lang, e: &Entry) -> Value {
    let status = match (e.status, e.position) {
        (Status::Waiting, Some(position)) => translate(
            lang,
            "staff.meetings.waiting_position",
            &[("position", position.to_string())],
        ),
        (status, _) => t(lang, &format!("staff.meetings.status.{}", status.code())),
    };
    json!({
        "id": e.id,
        "name": e.name,
        "organisation": e.organisation,
        "channel": t(lang, e.channel.label()),
        "phone": e.phone,
        "email": e.email,
        "needs": e.needs,
        "status": status,
        "live": e.status != Status::Cancelled,
        "registered": date(lang, e.registered_at),
        "attended": e.attended,
    })
}

/// The minutes' topic rows: as typed when refused, else those saved and two empty ones.
fn topic_rows(saved: &[Topic], form: Option<(&str, &FormPage)>) -> Vec<Value> {
    let typed = match form {
        Some(("minutes", page)) => serde_json::to_value(page).ok(),
        _ => None,
    };
    let rows = match &typed {
        Some(page) => page["values"]["topics"]
            .as_str()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
            .max(1),
        None => saved.len() + 2,
    };
    (1..=rows)
        .map(|n| match &typed {
            Some(page) => {
                let field = |name: &str| format!("{name}-{n}");
                json!({
                    "n": n,
                    "topic_name": field("topic"),
                    "said_name": field("said"),
                    "response_name": field("response"),
                    "topic": page["values"][field("topic")],
                    "said": page["values"][field("said")],
                    "response": page["values"][field("response")],
                    "topic_error": page["errors"][field("topic")],
                    "said_error": page["errors"][field("said")],
                    "response_error": page["errors"][field("response")],
                })
            }
            None => {
                let t = saved.get(n - 1);
                json!({
                    "n": n,
                    "topic_name": format!("topic-{n}"),
                    "said_name": format!("said-{n}"),
                    "response_name": format!("response-{n}"),
                    "topic": t.map(|t| &t.topic),
                    "said": t.map(|t| &t.said),
                    "response": t.and_then(|t| t.response.as_ref()),
                })
            }
        })
        .collect()
}

/// `/staff/meetings/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    page(
        &req,
        &hb,
        &state,
        &staff,
        id.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The page again (400) with `page` in form `name`.
pub(super) async fn refused(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    name: &str,
    page: FormPage,
) -> Result<HttpResponse> {
    self::page(
        req,
        hb,
        state,
        staff,
        id,
        Some((name, &page)),
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// On to the page (at the form's section) when `done`, or back to form `name` saying why the
/// database refused it.
#[allow(clippy::too_many_arguments)]
pub(super) async fn after_change<T>(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    staff: &Staff,
    id: i32,
    name: &str,
    mut page: FormPage,
    done: std::result::Result<T, Refused>,
) -> Result<HttpResponse> {
    match done {
        Ok(_) => Ok(see_other(&format!("/staff/meetings/{id}#{name}"))),
        Err(Refused { field, refusal }) => {
            page.refuse(field, refusal);
            refused(req, hb, state, staff, id, name, page).await
        }
    }
}

/// What the registration form sends: how it came, who, and what they need.
#[derive(Debug, Default, Deserialize)]
pub struct EnterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    needs: String,
}

/// `POST /staff/meetings/{id}/registrations`: a registration taken by phone, at the counter,
/// by email or fax, for a person without an account.
pub async fn enter(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<EnterForm>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    let f = form.into_inner();
    check_csrf(&req, &f.csrf)?;
    let mut page = FormPage::default();
    page.keep("channel", &f.channel)
        .keep("name", &f.name)
        .keep("phone", &f.phone)
        .keep("email", &f.email)
        .keep("needs", &f.needs);
    let channel = page.check("channel", Channel::parse_offline(&f.channel));
    let person = match Person::parse(&f.name, &f.phone, &f.email) {
        Ok(person) => Some(person),
        Err(refused) => {
            for Refused { field, refusal } in refused {
                page.refuse(field, refusal);
            }
            None
        }
    };
    let needs = page.check("needs", registrations::parse_needs(&f.needs));
    let (Some(channel), Some(person), Some(needs)) = (channel, person, needs) else {
        return refused(&req, &hb, &state, &staff, id, "register", page).await;
    };
    let entered_by = staff.id();
    let done = run(&req, &state, &staff, move |conn, at, public_url| {
        let new = NewRegistration {
            registrant: Registrant::Person(person),
            channel,
            needs,
            entered_by: Some(entered_by),
        };
        registrations::register(conn, id, &new, at.now, at.ip, public_url)
    })
    .await?;
    after_change(&req, &hb, &state, &staff, id, "register", page, done).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelRegistrationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    registration: String,
}

/// `POST /staff/meetings/{id}/registrations/cancel`: staff cancel one registration (a call
/// saying they cannot come); the waiting list moves up.
pub async fn cancel_registration(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CancelRegistrationForm>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    check_csrf(&req, &form.csrf)?;
    let registration: i32 = form
        .registration
        .trim()
        .parse()
        .map_err(|_| crate::error::Error::NotFound)?;
    let who = staff.id();
    let done = run(&req, &state, &staff, move |conn, at, public_url| {
        registrations::cancel(
            conn,
            Cancel::Staff {
                meeting: id,
                registration,
                staff: who,
            },
            at.now,
            at.ip,
            public_url,
        )
    })
    .await?;
    match done {
        // None: cancelled already (a second click), nothing to do.
        Ok(_) => Ok(see_other(&format!("/staff/meetings/{id}#registrations"))),
        Err(Refused { field, refusal }) => {
            let mut page = FormPage::default();
            page.refuse(field, refusal);
            refused(&req, &hb, &state, &staff, id, "registration", page).await
        }
    }
}
