//! Work on a survey: its preview as respondents see it, staff's test answers on a draft and
//! the paper (phone, counter …) answers they type in, publication (test answers deleted),
//! closing early, publishing results, one-time codes for paper invitations (shown once, as a
//! printable list or a CSV) and the moderation of free-text answers.

use super::builder::change;
use super::{authorise, crumbs};
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::surveys::build;
use crate::surveys::model::Full;
use crate::surveys::respond::{self, Submit};
use crate::surveys::rules::{Access, Channel, QuestionKind, State, Submitted, SurveyKind};
use crate::surveys::satisfaction;
use crate::web::csv::{self, Encoding};
use crate::web::forms::FormPage;
use crate::web::i18n::{t, Lang};
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::Connection;
use serde::Deserialize;
use serde_json::{json, Value};

/// The most codes printed at once.
pub const MAX_CODES: usize = 5000;

/// The survey's questions as a respondent sees them, with what was typed and what to fix.
fn questions_json(full: &Full, typed: &Submitted, errors: &[(i32, Refusal)]) -> Vec<Value> {
    full.questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let id = q.id();
            let given = |row: Option<i32>| typed.values(id, row).to_vec();
            let choices = |row: Option<i32>| {
                let given = given(row);
                q.choices
                    .iter()
                    .map(|c| json!({ "id": c.id, "label": c.label, "checked": given.contains(&c.id.to_string()) }))
                    .collect::<Vec<_>>()
            };
            let kind = q.kind();
            let condition = q.shape.condition.and_then(|c| {
                let on = full.question(c.question)?;
                let choice = on.choices.iter().find(|x| x.id == c.choice)?;
                Some(format!("{}：{}", on.text, choice.label))
            });
            json!({
                "id": id,
                "number": i + 1,
                "field": Submitted::field(id, None),
                "text": q.text,
                "help": q.help,
                "required": q.shape.required,
                "condition": condition,
                "wording_note": q.wording_note,
                "radio": matches!(kind, QuestionKind::Single | QuestionKind::Scale5),
                "checkbox": kind == QuestionKind::Multiple,
                "number_input": kind == QuestionKind::Number,
                "short_text": kind == QuestionKind::ShortText,
                "long_text": kind == QuestionKind::LongText,
                "matrix": kind == QuestionKind::Matrix,
                "max": kind.max_text(),
                "choices": choices(None),
                "columns": q.choices.iter().map(|c| &c.label).collect::<Vec<_>>(),
                "rows": q.rows.iter().map(|r| json!({ "id": r.id, "label": r.label, "field": Submitted::field(id, Some(r.id)), "choices": choices(Some(r.id)) })).collect::<Vec<_>>(),
                "value": given(None).join("\n"),
                "error": errors.iter().find(|(q, _)| *q == id).map(|(_, r)| r),
            })
        })
        .collect()
}

/// `/staff/surveys/{id}/preview`: the survey as respondents will see it, read only.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    let lang = Lang::of(&req);
    let title = t(lang, "staff.surveys.preview");
    crate::web::render_page_as(
        &req,
        &hb,
        "surveys/staff/preview",
        &title,
        &crumbs(
            lang,
            Some((&full.survey.title, full.survey.id)),
            Some(&title),
        ),
        &json!({
            "title": full.survey.title,
            "description": full.survey.description,
            "questions": questions_json(&full, &Submitted::default(), &[]),
        }),
        StatusCode::OK,
    )
}

/// Whether answers are typed as a test (a draft) or from paper (open or closed); refused
/// before it opens.
fn entering(full: &Full, now: chrono::DateTime<chrono::Utc>) -> Result<bool> {
    match full.survey.state(now) {
        State::Draft => Ok(true),
        State::Open | State::Closed => Ok(false),
        State::Scheduled => Err(Error::Refused(Refusal::new("msg.survey_not_open"))),
    }
}

/// The answer form: a test answer, or a paper one with its channel.
#[allow(clippy::too_many_arguments)]
async fn enter_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    full: &Full,
    (typed, channel, errors): (&Submitted, &str, &[(i32, Refusal)]),
    form: &FormPage,
    receipt: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let test = entering(full, state.clock.now())?;
    let title = t(
        lang,
        if test {
            "staff.surveys.test"
        } else {
            "staff.surveys.paper"
        },
    );
    crate::web::render_page_as(
        req,
        hb,
        "surveys/staff/enter",
        &title,
        &crumbs(
            lang,
            Some((&full.survey.title, full.survey.id)),
            Some(&title),
        ),
        &json!({
            "action": format!("/staff/surveys/{}/enter", full.survey.id),
            "test": test,
            "form": form,
            "receipt": receipt,
            "channels": Channel::ALL.iter().filter(|c| **c != Channel::Web).map(|c| json!({ "code": c.as_str(), "label": t(lang, c.label()), "selected": c.as_str() == channel })).collect::<Vec<_>>(),
            "questions": questions_json(full, typed, errors),
        }),
        status,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct EnteredQuery {
    receipt: Option<String>,
}

/// `/staff/surveys/{id}/enter`: a blank answer form (after one was saved, its 受付番号).
pub async fn enter_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    query: web::Query<EnteredQuery>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    // Only a receipt as the store makes them is echoed.
    let receipt = query
        .receipt
        .as_deref()
        .filter(|r| r.len() <= 20 && r.bytes().all(|b| b.is_ascii_alphanumeric()));
    enter_page(
        &req,
        &hb,
        &state,
        &full,
        (&Submitted::default(), Channel::Paper.as_str(), &[]),
        &FormPage::default(),
        receipt,
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/surveys/{id}/enter`: a test answer on a draft, or a paper answer with its
/// channel and who typed it.
pub async fn enter(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    let pairs = form.into_inner();
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    check_csrf(&req, &value("csrf"))?;
    let channel_raw = value("channel");
    let typed = Submitted::from_pairs(pairs);
    let now = state.clock.now();
    let test = entering(&full, now)?;
    let mut page = FormPage::default();
    page.keep("channel", &channel_raw);
    let channel = if test {
        Some(Channel::Web)
    } else {
        page.check(
            "channel",
            Channel::parse(&channel_raw).and_then(|c| {
                if c == Channel::Web {
                    Err(Refusal::new("msg.survey_value_unknown").with("value", c.as_str()))
                } else {
                    Ok(c)
                }
            }),
        )
    };
    let Some(channel) = channel else {
        return enter_page(
            &req,
            &hb,
            &state,
            &full,
            (&typed, &channel_raw, &[]),
            &page,
            None,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let (saving, form, by) = (full.clone(), typed.clone(), staff.id());
    let done = state
        .db(move |conn| {
            if test {
                respond::submit_test(conn, &saving, by, &form, now)
            } else {
                respond::enter(conn, &saving, by, channel, &form, now)
            }
        })
        .await?;
    match done {
        Submit::Done(receipt) => Ok(see_other(&format!(
            "/staff/surveys/{}/enter?receipt={}",
            full.survey.id, receipt.receipt
        ))),
        Submit::Fix(errors) => {
            page.refuse("form", Refusal::new("msg.survey_fix_answers"));
            enter_page(
                &req,
                &hb,
                &state,
                &full,
                (&typed, &channel_raw, &errors),
                &page,
                None,
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

/// `POST /staff/surveys/{id}/publish`: opens per its window; the test answers are deleted.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<crate::web::forms::CsrfOnly>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let now = state.clock.now();
    change(&req, &hb, &state, full, move |conn, full| {
        build::publish(conn, full, now)
    })
    .await
}

/// `POST /staff/surveys/{id}/close`: closes an open survey now.
pub async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<crate::web::forms::CsrfOnly>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let now = state.clock.now();
    change(&req, &hb, &state, full, move |conn, full| {
        build::close(conn, &full.survey, now)
    })
    .await
}

/// `POST /staff/surveys/{id}/results`: the results become public; a satisfaction survey's
/// also become each measure's satisfaction for its 年度, in the same transaction, and the plan
/// cache hears of it.
pub async fn publish_results(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<crate::web::forms::CsrfOnly>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let now = state.clock.now();
    let measured = full.survey.kind == SurveyKind::Satisfaction;
    let response = change(&req, &hb, &state, full, move |conn, full| {
        conn.transaction(|conn| {
            build::publish_results(conn, &full.survey, now)?;
            if measured {
                satisfaction::record_satisfaction(conn, full.survey.id)?;
            }
            Ok(())
        })
    })
    .await?;
    if measured && response.status() == StatusCode::SEE_OTHER {
        crate::plan::cache::of(&req).changed();
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct CodesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    format: String,
}

/// How many codes to print: 1 to [`MAX_CODES`], full-width digits too.
fn code_count(raw: &str) -> std::result::Result<usize, Refusal> {
    let ascii: String = raw
        .trim()
        .chars()
        .map(crate::web::forms::ascii_digit)
        .collect();
    ascii
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_CODES).contains(n))
        .ok_or_else(|| Refusal::new("msg.survey_code_count").with("max", MAX_CODES))
}

/// `POST /staff/surveys/{id}/codes`: `count` new one-time codes, shown this once: a printable
/// list, or a CSV for the invitations' mail merge.
pub async fn codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CodesForm>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let refused = |refusal: Refusal| {
        let mut page = FormPage::default();
        page.keep("count", &form.count);
        page.refuse("count", refusal);
        page
    };
    if full.survey.access != Access::Code {
        let page = refused(Refusal::new("msg.survey_codes_access"));
        return super::builder::page(
            &req,
            &hb,
            &state,
            &full,
            Some(("codes", &page, &Default::default())),
            StatusCode::CONFLICT,
        )
        .await;
    }
    let n = match code_count(&form.count) {
        Ok(n) => n,
        Err(refusal) => {
            let page = refused(refusal);
            return super::builder::page(
                &req,
                &hb,
                &state,
                &full,
                Some(("codes", &page, &Default::default())),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let id = full.survey.id;
    let printed = state
        .db(move |conn| respond::new_codes(conn, id, n))
        .await?;
    let lang = Lang::of(&req);
    if form.format == "csv" {
        let header = [t(lang, "staff.surveys.code")];
        let rows = std::iter::once(header.to_vec()).chain(printed.into_iter().map(|c| vec![c]));
        return Ok(HttpResponse::Ok()
            .content_type(format!("text/csv; charset={}", Encoding::Utf8Bom.charset()))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"survey-{id}-codes.csv\""),
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(csv::encode(&csv::text(rows), Encoding::Utf8Bom)));
    }
    let title = t(lang, "staff.surveys.codes");
    let mut page = crate::web::render_page_as(
        &req,
        &hb,
        "surveys/staff/codes",
        &title,
        &crumbs(lang, Some((&full.survey.title, id)), Some(&title)),
        &json!({ "title": full.survey.title, "codes": printed }),
        StatusCode::OK,
    )?;
    page.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(page)
}

/// `/staff/surveys/{id}/texts`: the free-text answers, those waiting first, to show or hide.
pub async fn texts(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    let id = full.survey.id;
    let lang = Lang::of(&req);
    let texts = state.db(move |conn| build::free_texts(conn, id)).await?;
    let items: Vec<Value> = texts
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "question": full.question(a.question).map(|q| q.text.as_str()),
                "text": a.text,
                "shown": a.state == "shown",
                "state_label": t(lang, &format!("staff.surveys.text_state.{}", a.state)),
                "action": format!("/staff/surveys/{id}/texts/{}", a.id),
            })
        })
        .collect();
    let title = t(lang, "staff.surveys.texts");
    crate::web::render_page_as(
        &req,
        &hb,
        "surveys/staff/texts",
        &title,
        &crumbs(lang, Some((&full.survey.title, id)), Some(&title)),
        &json!({ "texts": items }),
        StatusCode::OK,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ModerateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    state: String,
}

/// `POST /staff/surveys/{id}/texts/{answer}`: shown (public with the results) or hidden.
pub async fn moderate(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(i32, i32)>,
    form: web::Form<ModerateForm>,
) -> Result<HttpResponse> {
    let (id, answer) = path.into_inner();
    let full = authorise(&state, &staff, id).await?;
    check_csrf(&req, &form.csrf)?;
    let shown = match form.state.as_str() {
        "shown" => true,
        "hidden" => false,
        other => {
            return Err(Error::Refused(
                Refusal::new("msg.survey_value_unknown").with("value", other),
            ))
        }
    };
    let id = full.survey.id;
    state
        .db(move |conn| build::moderate(conn, id, answer, shown))
        .await?;
    Ok(see_other(&format!(
        "/staff/surveys/{id}/texts#answer-{answer}"
    )))
}
