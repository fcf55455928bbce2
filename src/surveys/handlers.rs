//! The public survey pages (アンケートに回答する): the list of published surveys, a survey's
//! page with its form, saving a draft to resume (一時保存), sending once per person, the code
//! entry of a sampled survey, and the receipt (受付番号). The form works without JavaScript:
//! every question is on the page, and answers to questions whose condition is not met are
//! dropped by the server (`public/js/surveys.js` only hides them).

use super::model::{self, Full, Survey};
use super::respond::{self, Receipt, Respondent, Submit};
use super::rules::{Access, QuestionKind, State, Submitted};
use crate::auth::rate_limit::{self, Limit};
use crate::error::{Error, Result};
use crate::refusal::{Message, Refusal};
use crate::wareki::datetime_attr;
use crate::web::forms::FormPage;
use crate::web::i18n::{t, translate, Lang};
use crate::web::present::{date, paragraphs};
use crate::web::proxy::{client_ip, https};
use crate::web::visitor::{check_csrf, viewer};
use crate::web::{render_page_as, AppState, Templates};
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Anonymous answers (drafts and sends) from one address: generous for a city office or a
/// school behind one address, yet a script clearing its cookie is stopped.
const ANONYMOUS_PER_ADDRESS: Limit = Limit {
    bucket: "survey_anonymous_address",
    max: 120,
    window_secs: 60 * 60,
};

/// Code entries from one address: a code is 59 bits, but guessing is still slowed.
const CODES_PER_ADDRESS: Limit = Limit {
    bucket: "survey_code_address",
    max: 30,
    window_secs: 15 * 60,
};

/// Home › アンケート › `here`.
fn crumbs(lang: Lang, here: &str) -> Vec<crate::web::Crumb> {
    crate::web::section_crumbs(lang, ("surveys.list.title", "/surveys"), None, here)
}

/// A published survey, or not found (a draft is the builder's).
async fn public_survey(state: &AppState, id: i32) -> Result<Full> {
    let now = state.clock.now();
    state
        .db(move |conn| model::load(conn, id))
        .await?
        .filter(|full| full.survey.state(now).is_public())
        .ok_or(Error::NotFound)
}

/// A survey as the list and the top of its page show it.
fn summary_json(lang: Lang, s: &Survey, now: DateTime<Utc>) -> Value {
    let state = s.state(now);
    json!({
        "id": s.id,
        "href": format!("/surveys/{}", s.id),
        "title": s.title,
        "department": s.department,
        "state": state.as_str(),
        "state_label": t(lang, state.label()),
        "window": crate::meetings::model::when(lang, s.window.opens_at, s.window.closes_at),
        "opens_attr": datetime_attr(&s.window.opens_at),
        "access_label": t(lang, s.access.label()),
        "results_href": s.results_public(now).then(|| format!("/surveys/{}/results", s.id)),
    })
}

/// `/surveys`: the published surveys, open ones first, then those to come, then the closed.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
) -> Result<HttpResponse> {
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let surveys = state
        .db(move |conn| model::list(conn, &model::Filter::default(), now))
        .await?;
    let of = |wanted: State| -> Vec<Value> {
        surveys
            .iter()
            .filter(|s| s.state(now) == wanted)
            .map(|s| summary_json(lang, s, now))
            .collect()
    };
    let title = t(lang, "surveys.list.title");
    render_page_as(
        &req,
        &hb,
        "surveys/list",
        &title,
        &crate::web::home_crumbs(lang, &title),
        &json!({
            "open": of(State::Open),
            "scheduled": of(State::Scheduled),
            "closed": of(State::Closed),
        }),
        StatusCode::OK,
    )
}

/// The condition of a question, as a respondent reads it: （問2で「はい」と答えた方）.
fn condition_text(lang: Lang, full: &Full, question: &model::Question) -> Option<Value> {
    let c = question.shape.condition?;
    let number = full.questions.iter().position(|q| q.id() == c.question)? + 1;
    let on = full.question(c.question)?;
    let choice = on.choices.iter().find(|ch| ch.id == c.choice)?;
    Some(json!({
        "question": c.question,
        "choice": c.choice,
        "text": translate(
            lang,
            "surveys.condition",
            &[("number", number.to_string()), ("choice", choice.label.clone())],
        ),
    }))
}

/// What the number field says of its bounds.
fn range_hint(lang: Lang, q: &model::Question) -> Option<String> {
    let s = &q.shape;
    let n = |v: i32| v.to_string();
    match (s.min_value, s.max_value) {
        (Some(min), Some(max)) => Some(translate(
            lang,
            "surveys.range.between",
            &[("min", n(min)), ("max", n(max))],
        )),
        (Some(min), None) => Some(translate(
            lang,
            "surveys.range.at_least",
            &[("min", n(min))],
        )),
        (None, Some(max)) => Some(translate(lang, "surveys.range.at_most", &[("max", n(max))])),
        (None, None) => None,
    }
}

/// One question as the form shows it, with what was typed and its message.
fn question_json(
    lang: Lang,
    full: &Full,
    number: usize,
    q: &model::Question,
    form: &Submitted,
    error: Option<&Refusal>,
) -> Value {
    let id = q.id();
    let kind = q.kind();
    let typed = form.values(id, None);
    let choices: Vec<Value> = q
        .choices
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "label": c.label,
                "input_id": format!("q{id}-c{}", c.id),
                "checked": typed.iter().any(|v| v.trim() == c.id.to_string()),
            })
        })
        .collect();
    let columns: Vec<Value> = q
        .choices
        .iter()
        .map(|c| json!({ "label": c.label, "th_id": format!("q{id}-col{}", c.id) }))
        .collect();
    let rows: Vec<Value> = q
        .rows
        .iter()
        .map(|r| {
            let name = Submitted::field(id, Some(r.id));
            let chosen = form.values(id, Some(r.id));
            let th_id = format!("q{id}-r{}", r.id);
            json!({
                "label": r.label,
                "th_id": th_id,
                "cells": q.choices.iter().map(|c| json!({
                    "name": name,
                    "value": c.id,
                    "input_id": format!("q{id}-r{}-c{}", r.id, c.id),
                    "labelled_by": format!("{th_id} q{id}-col{}", c.id),
                    "checked": chosen.iter().any(|v| v.trim() == c.id.to_string()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let max_hint = (kind == QuestionKind::Multiple).then(|| match q.shape.max_choices {
        Some(max) => translate(lang, "surveys.max_choices", &[("max", max.to_string())]),
        None => t(lang, "surveys.any_choices"),
    });
    json!({
        "id": id,
        "number": number,
        "anchor": format!("question-{id}"),
        "name": Submitted::field(id, None),
        "text": q.text,
        "help": paragraphs(&q.help),
        "help_id": format!("q{id}-help"),
        "wording_note": q.wording_note,
        "required": q.shape.required,
        "input_type": match kind {
            QuestionKind::Multiple => "checkbox",
            _ => "radio",
        },
        "choice_list": matches!(kind, QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Scale5),
        "number_input": kind == QuestionKind::Number,
        "short_text": kind == QuestionKind::ShortText,
        "long_text": kind == QuestionKind::LongText,
        "matrix": kind == QuestionKind::Matrix,
        "maxlength": kind.max_text(),
        "choices": choices,
        "columns": columns,
        "rows": rows,
        "max_hint": max_hint,
        "range_hint": range_hint(lang, q),
        "value": typed.join("\n"),
        "condition": condition_text(lang, full, q),
        "error": error.cloned().map(Message::from),
        "error_id": format!("q{id}-error"),
    })
}

/// The questions in their sections (区分), each section a group; questions outside a section
/// first.
fn groups_json(lang: Lang, full: &Full, form: &Submitted, errors: &[(i32, Refusal)]) -> Value {
    let numbered: Vec<(Option<i32>, Value)> = full
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let error = errors.iter().find(|(id, _)| *id == q.id()).map(|(_, r)| r);
            (
                q.section_id,
                question_json(lang, full, i + 1, q, form, error),
            )
        })
        .collect();
    let of = |section: Option<i32>| -> Vec<Value> {
        numbered
            .iter()
            .filter(|(s, _)| *s == section)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let known: Vec<i32> = full.sections.iter().map(|s| s.id).collect();
    let loose: Vec<Value> = numbered
        .iter()
        .filter(|(s, _)| s.is_none_or(|s| !known.contains(&s)))
        .map(|(_, v)| v.clone())
        .collect();
    let mut groups = vec![json!({ "questions": loose })];
    groups.extend(full.sections.iter().map(|s| {
        json!({
            "title": s.title,
            "description": paragraphs(&s.description),
            "questions": of(Some(s.id)),
        })
    }));
    json!(groups)
}

/// What the survey page shows below the survey's outline.
enum Body<'a> {
    /// The form, with what was typed (or saved), per-question messages, a message for the
    /// whole form, a notice (saved), and the code of a code survey.
    Form {
        form: &'a Submitted,
        errors: &'a [(i32, Refusal)],
        message: Option<Refusal>,
        notice: Option<&'static str>,
        code: Option<&'a str>,
    },
    /// A code survey: the code first (as typed, with its message).
    CodeEntry(&'a FormPage),
    /// Sent already (回答済み), with the receipt if known.
    Answered(Option<String>),
    /// The survey takes no answers now (and nothing was typed), or an account survey to a
    /// person signed out.
    Closed,
}

/// The survey's page.
fn survey_page(
    req: &HttpRequest,
    hb: &handlebars::Handlebars<'_>,
    full: &Full,
    body: Body<'_>,
    now: DateTime<Utc>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let s = &full.survey;
    let id = s.id;
    let state = s.state(now);
    let mut v = summary_json(lang, s, now);
    v["description"] = json!(paragraphs(&s.description));
    v["open"] = json!(state == State::Open);
    v["login_href"] = json!(format!("/login?next=/surveys/{id}"));
    v["signed_out"] = json!(s.access == Access::Account && viewer(req).is_none());
    v["unverified"] =
        json!(s.access == Access::Account && viewer(req).is_some_and(|v| !v.verified()));
    v["anonymous"] = json!(s.access == Access::Anonymous);
    match body {
        Body::Form {
            form,
            errors,
            message,
            notice,
            code,
        } => {
            let summary: Vec<Value> = errors
                .iter()
                .filter_map(|(q, refusal)| {
                    let number = full.questions.iter().position(|x| x.id() == *q)? + 1;
                    Some(json!({
                        "href": format!("#question-{q}"),
                        "number": number,
                        "error": Message::from(refusal.clone()),
                    }))
                })
                .collect();
            v["form"] = json!({
                "groups": groups_json(lang, full, form, errors),
                "summary": summary,
                "message": message.map(Message::from),
                "notice": notice.map(|n| t(lang, n)),
                "code": code,
                "action": format!("/surveys/{id}"),
            });
        }
        Body::CodeEntry(form) => {
            v["code_entry"] = json!({ "form": form, "action": format!("/surveys/{id}/code") })
        }
        Body::Answered(receipt) => v["answered"] = json!({ "receipt": receipt }),
        Body::Closed => v["closed"] = json!(true),
    }
    render_page_as(
        req,
        hb,
        "surveys/page",
        &s.title,
        &crumbs(lang, &s.title),
        &v,
        status,
    )
}

/// The anonymous respondent's per-browser token, and the cookie to set when it is new.
fn browser_token(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match req.cookie(respond::COOKIE) {
        Some(c) if (20..=100).contains(&c.value().len()) => (c.value().to_owned(), None),
        _ => {
            let token = crate::tokens::new_secret();
            let cookie = Cookie::build(respond::COOKIE, token.clone())
                .path("/surveys")
                .http_only(true)
                .secure(https(req))
                .same_site(SameSite::Lax)
                .max_age(Duration::days(365))
                .finish();
            (token, Some(cookie))
        }
    }
}

fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse> {
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|e| Error::Internal(format!("survey cookie: {e}")))?;
    }
    Ok(response)
}

/// `/surveys/{id}`: the survey, and its form for whoever may answer now (their saved draft
/// filled in), or what stands in the way: the code to enter, signing in, the window.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let full = public_survey(&state, id).await?;
    let (who, cookie) = match full.survey.access {
        Access::Account => (viewer(&req).map(|v| Respondent::Account(v.id)), None),
        Access::Anonymous => {
            let (token, cookie) = browser_token(&req);
            (Some(Respondent::Browser(token)), cookie)
        }
        Access::Code => {
            let body = match full.survey.state(now) {
                State::Open => Body::CodeEntry(&crate::web::forms::EMPTY_FORM),
                _ => Body::Closed,
            };
            return survey_page(&req, &hb, &full, body, now, StatusCode::OK);
        }
    };
    let saved = match (&who, &cookie) {
        (Some(who), None) => {
            let who = who.clone();
            state.db(move |conn| respond::saved(conn, id, &who)).await?
        }
        _ => None,
    };
    let open = full.survey.state(now) == State::Open;
    let form = saved
        .as_ref()
        .map(|s| Submitted::from_answers(&s.answers))
        .unwrap_or_default();
    let body = match &saved {
        Some(s) if s.submitted => Body::Answered(s.receipt.clone()),
        _ if !open || who.is_none() => Body::Closed,
        _ => Body::Form {
            form: &form,
            errors: &[],
            message: None,
            notice: None,
            code: None,
        },
    };
    with_cookie(
        survey_page(&req, &hb, &full, body, now, StatusCode::OK)?,
        cookie,
    )
}

/// The field of a posted form, empty if absent.
fn posted<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// `POST /surveys/{id}/code`: the code printed on the invitation; usable → the form (with
/// the draft saved under it), else the code form again saying why.
pub async fn enter_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
    pairs: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    check_csrf(&req, posted(&pairs, "csrf"))?;
    let code = posted(&pairs, "code").trim().to_owned();
    let now = state.clock.now();
    let full = public_survey(&state, id).await?;
    if full.survey.access != Access::Code {
        return Err(Error::NotFound);
    }
    let ip = client_ip(&req).unwrap_or_default();
    let saved = {
        let code = code.clone();
        state
            .db(move |conn| {
                rate_limit::hit(conn, CODES_PER_ADDRESS, &ip)?;
                if respond::code_usable(conn, id, &code)? {
                    respond::saved(conn, id, &Respondent::Code(code)).map(Some)
                } else {
                    Ok(None)
                }
            })
            .await?
    };
    let Some(saved) = saved else {
        let mut form = FormPage::default();
        form.keep("code", &code);
        form.refuse("code", Refusal::new("msg.survey_code_invalid"));
        return survey_page(
            &req,
            &hb,
            &full,
            Body::CodeEntry(&form),
            now,
            StatusCode::BAD_REQUEST,
        );
    };
    let form = saved
        .map(|s| Submitted::from_answers(&s.answers))
        .unwrap_or_default();
    let refusal = full.survey.state(now).refuses_answers();
    let status = if refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let body = Body::Form {
        form: &form,
        errors: &[],
        message: refusal,
        notice: None,
        code: Some(&code),
    };
    survey_page(&req, &hb, &full, body, now, status)
}

/// `POST /surveys/{id}`: 「一時保存」 keeps the answers to resume; 「回答を送信する」 sends them
/// once, then the receipt. Refused (mistakes, the window, signed out, already sent): the form
/// again with everything typed, each message beside its question.
pub async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
    pairs: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let pairs = pairs.into_inner();
    check_csrf(&req, posted(&pairs, "csrf"))?;
    let save = posted(&pairs, "action") == "save";
    let code = posted(&pairs, "code").trim().to_owned();
    let form = Submitted::from_pairs(pairs.iter().cloned());
    let now = state.clock.now();
    let full = public_survey(&state, id).await?;
    let refused = |message: Refusal, status| {
        let body = Body::Form {
            form: &form,
            errors: &[],
            message: Some(message),
            notice: None,
            code: Some(code.as_str()).filter(|c| !c.is_empty()),
        };
        survey_page(&req, &hb, &full, body, now, status)
    };
    let (who, cookie) = match full.survey.access {
        // One answer per person: an account counts once its email is confirmed, as for
        // registering to a meeting.
        Access::Account => match viewer(&req) {
            Some(v) if v.verified() => (Respondent::Account(v.id), None),
            Some(_) => return refused(Refusal::new("msg.email_unverified"), StatusCode::FORBIDDEN),
            None => return refused(Refusal::new("msg.survey_login"), StatusCode::FORBIDDEN),
        },
        Access::Anonymous => {
            let (token, cookie) = browser_token(&req);
            (Respondent::Browser(token), cookie)
        }
        Access::Code if code.is_empty() => {
            return refused(
                Refusal::new("msg.survey_code_invalid"),
                StatusCode::BAD_REQUEST,
            )
        }
        Access::Code => (Respondent::Code(code.clone()), None),
    };
    let ip = client_ip(&req).unwrap_or_default();
    let outcome = {
        let (full, who, form) = (full.clone(), who.clone(), form.clone());
        state
            .db(move |conn| {
                if matches!(who, Respondent::Browser(_)) {
                    rate_limit::hit(conn, ANONYMOUS_PER_ADDRESS, &ip)?;
                }
                if save {
                    respond::save_draft(conn, &full, &who, &form, now).map(Outcome::Saved)
                } else {
                    respond::submit(conn, &full, &who, &form, now).map(Outcome::Sent)
                }
            })
            .await
    };
    let code = Some(code.as_str()).filter(|c| !c.is_empty());
    let response = match outcome {
        Ok(Outcome::Sent(Submit::Done(receipt))) => receipt_page(&req, &hb, &full, &receipt, now),
        Ok(Outcome::Saved(errors)) => {
            let body = Body::Form {
                form: &form,
                errors: &errors,
                message: None,
                notice: Some("surveys.saved"),
                code,
            };
            survey_page(&req, &hb, &full, body, now, StatusCode::OK)
        }
        Ok(Outcome::Sent(Submit::Fix(errors))) => {
            let body = Body::Form {
                form: &form,
                errors: &errors,
                message: None,
                notice: None,
                code,
            };
            survey_page(&req, &hb, &full, body, now, StatusCode::BAD_REQUEST)
        }
        Err(Error::Refused(r)) if r.key() == "msg.survey_already_answered" => {
            let receipt = {
                let who = who.clone();
                state
                    .db(move |conn| respond::saved(conn, id, &who))
                    .await?
                    .and_then(|s| s.receipt)
            };
            survey_page(
                &req,
                &hb,
                &full,
                Body::Answered(receipt),
                now,
                StatusCode::CONFLICT,
            )
        }
        Err(Error::Refused(r)) => refused(r, StatusCode::CONFLICT),
        Err(e) => Err(e),
    }?;
    with_cookie(response, cookie)
}

/// What a post did.
enum Outcome {
    Saved(Vec<(i32, Refusal)>),
    Sent(Submit),
}

/// The receipt (受付番号): the code, when, what happens next, and the results when public.
fn receipt_page(
    req: &HttpRequest,
    hb: &handlebars::Handlebars<'_>,
    full: &Full,
    receipt: &Receipt,
    now: DateTime<Utc>,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let s = &full.survey;
    let title = t(lang, "surveys.receipt.title");
    let mut v = summary_json(lang, s, now);
    v["receipt"] = json!(receipt.receipt);
    v["submitted_on"] = json!(date(lang, receipt.submitted_at));
    v["submitted_attr"] = json!(datetime_attr(&receipt.submitted_at));
    v["next"] = json!(t(
        lang,
        if s.results_public(now) {
            "surveys.receipt.next_live"
        } else {
            "surveys.receipt.next_later"
        }
    ));
    render_page_as(
        req,
        hb,
        "surveys/receipt",
        &title,
        &crate::web::section_crumbs(
            lang,
            ("surveys.list.title", "/surveys"),
            Some((&format!("/surveys/{}", s.id), s.title.clone())),
            &title,
        ),
        &v,
        StatusCode::OK,
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/surveys", web::get().to(list))
        .route("/surveys/{id:\\d+}", web::get().to(show))
        .route("/surveys/{id:\\d+}", web::post().to(answer))
        .route("/surveys/{id:\\d+}/code", web::post().to(enter_code));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_of_the_pages_has_its_keys() {
        crate::web::i18n::assert_keys(
            "surveys.",
            [
                "list.title",
                "condition",
                "range.between",
                "range.at_least",
                "range.at_most",
                "max_choices",
                "any_choices",
                "saved",
                "page.not_yet",
                "page.closed",
                "receipt.title",
                "receipt.next_live",
                "receipt.next_later",
            ],
        );
        crate::web::i18n::assert_english([Refusal::new("msg.survey_login")]);
    }
}
