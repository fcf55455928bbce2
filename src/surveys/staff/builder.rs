//! The builder (設問の作成): a survey's page with its sections and questions in order, the form
//! that adds a question, each question's own form, moving and deleting. Once a real answer
//! arrived only wording may change (`rules::Freeze`), and the form asks for a note.

use super::{authorise, crumbs, summary_json};
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::surveys::build::{self, Direction};
use crate::surveys::fields::{self, Posted, QUESTION_FIELDS, WORDING_NOTE};
use crate::surveys::model::{self, Full};
use crate::surveys::rules::{Freeze, QuestionKind, State, SCALE5};
use crate::web::forms::FormPage;
use crate::web::i18n::{t, Lang};
use crate::web::see_other;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// What the question form offers: kinds, sections, the earlier choices a question may be
/// shown on (before position `at`).
fn question_options(lang: Lang, full: &Full, at: usize, posted: &Posted) -> Value {
    let chosen = |field: &str, v: &str| posted.value(field).trim() == v;
    let conditions: Vec<Value> = full.questions[..at.min(full.questions.len())]
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind().may_be_condition())
        .flat_map(|(i, q)| {
            q.choices.iter().map(move |c| {
                (
                    c.id,
                    format!("{}. {}：{}", i + 1, q.text, c.label),
                )
            })
        })
        .map(|(id, label)| json!({ "id": id, "label": label, "selected": chosen("condition", &id.to_string()) }))
        .collect();
    json!({
        "kinds": QuestionKind::ALL.iter().map(|k| json!({ "code": k.as_str(), "label": t(lang, k.label()), "selected": chosen("kind", k.as_str()) })).collect::<Vec<_>>(),
        "sections": full.sections.iter().map(|s| json!({ "id": s.id, "title": s.title, "selected": chosen("section", &s.id.to_string()) })).collect::<Vec<_>>(),
        "conditions": conditions,
    })
}

/// A question as the builder lists it.
fn question_json(lang: Lang, full: &Full, at: usize) -> Value {
    let q = &full.questions[at];
    let condition = q.shape.condition.and_then(|c| {
        let on = full.question(c.question)?;
        let choice = on.choices.iter().find(|x| x.id == c.choice)?;
        Some(format!("{}：{}", on.text, choice.label))
    });
    json!({
        "id": q.id(),
        "number": at + 1,
        "text": q.text,
        "help": q.help,
        "kind_label": t(lang, q.kind().label()),
        "required": q.shape.required,
        "choices": q.choices.iter().map(|c| &c.label).collect::<Vec<_>>(),
        "rows": q.rows.iter().map(|c| &c.label).collect::<Vec<_>>(),
        "max_choices": q.shape.max_choices,
        "min_value": q.shape.min_value,
        "max_value": q.shape.max_value,
        "condition": condition,
        "section": q.section_id.and_then(|id| full.sections.iter().find(|s| s.id == id)).map(|s| &s.title),
        "wording_note": q.wording_note,
        "first": at == 0,
        "last": at + 1 == full.questions.len(),
    })
}

/// The survey's builder page, with the add-question (or section) form as typed when refused.
pub(super) async fn page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    full: &Full,
    refused: Option<(&str, &FormPage, &Posted)>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let now = state.clock.now();
    let id = full.survey.id;
    let (responses, tests) = state
        .db(move |conn| {
            Ok((
                model::submitted(conn, id)?,
                crate::surveys::respond::tests(conn, id)?,
            ))
        })
        .await?;
    let frozen = Freeze::of(responses) == Freeze::WordingOnly;
    let s = &full.survey;
    let survey_state = s.state(now);
    let empty = (FormPage::default(), Posted::default());
    let form_of = |which: &str| match refused {
        Some((w, form, posted)) if w == which => (form, posted),
        _ => (&empty.0, &empty.1),
    };
    let (question_form, question_posted) = form_of("question");
    let (section_form, _) = form_of("section");
    let (action_form, _) = form_of("action");
    let (codes_form, _) = form_of("codes");
    crate::web::render_page_as(
        req,
        hb,
        "surveys/staff/show",
        &s.title,
        &crumbs(lang, Some((&s.title, id)), None),
        &json!({
            "survey": summary_json(lang, s, responses, now),
            "description": s.description,
            "tests": tests,
            "frozen": frozen,
            "is_draft": survey_state == State::Draft,
            "may_close": survey_state == State::Open,
            "may_enter": matches!(survey_state, State::Open | State::Closed),
            "may_publish_results": survey_state != State::Draft && s.results_published_at.is_none(),
            "codes": s.access == crate::surveys::rules::Access::Code,
            "sections": full.sections,
            "questions": (0..full.questions.len()).map(|i| question_json(lang, full, i)).collect::<Vec<_>>(),
            "question_form": question_form,
            "question_action": format!("/staff/surveys/{id}/questions"),
            "options": question_options(lang, full, full.questions.len(), question_posted),
            "section_form": section_form,
            "action_form": action_form,
            "codes_form": codes_form,
        }),
        status,
    )
}

/// `/staff/surveys/{id}`: the survey, its questions and what may be done with it.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    page(&req, &hb, &state, &full, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct SectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

/// `POST /staff/surveys/{id}/sections`: a section (区分) at the end.
pub async fn add_section(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<SectionForm>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let mut page_form = FormPage::default();
    page_form
        .keep("title", &form.title)
        .keep("description", &form.description);
    use crate::consultations::fields::text;
    let title = page_form.check(
        "title",
        text(&form.title, "label.survey_section_title", 200, true),
    );
    let description = page_form.check(
        "description",
        text(
            &form.description,
            "label.survey_section_description",
            4000,
            false,
        ),
    );
    let (Some(Some(title)), Some(description)) = (title, description) else {
        return page(
            &req,
            &hb,
            &state,
            &full,
            Some(("section", &page_form, &Posted::default())),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let (id, now) = (full.survey.id, state.clock.now());
    state
        .db(move |conn| build::add_section(conn, id, &title, &description.unwrap_or_default(), now))
        .await?;
    Ok(see_other(&format!("/staff/surveys/{id}")))
}

/// The scale's five labels in the page's language: what a new scale or matrix starts with.
fn scale(lang: Lang) -> [String; 5] {
    SCALE5.map(|key| t(lang, key))
}

/// `POST /staff/surveys/{id}/questions`: a question at the end.
pub async fn add_question(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let full = authorise(&state, &staff, id.into_inner()).await?;
    let posted = Posted::from_pairs(form.into_inner(), &QUESTION_FIELDS);
    check_csrf(&req, &posted.csrf)?;
    let mut form = FormPage::default();
    let Some(input) = fields::question(&posted, &scale(Lang::of(&req)), &mut form) else {
        return page(
            &req,
            &hb,
            &state,
            &full,
            Some(("question", &form, &posted)),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let now = state.clock.now();
    let saving = full.clone();
    match state
        .db(move |conn| build::add_question(conn, &saving, &input, now))
        .await
    {
        Ok(question) => Ok(see_other(&format!(
            "/staff/surveys/{}#question-{question}",
            full.survey.id
        ))),
        Err(Error::Refused(refusal)) => {
            form.refuse("form", refusal);
            page(
                &req,
                &hb,
                &state,
                &full,
                Some(("question", &form, &posted)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The question form's values for a saved question.
fn posted_of(full: &Full, at: usize) -> Posted {
    let q = &full.questions[at];
    let number = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    let labels = |cs: &[model::Choice]| {
        cs.iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let pairs = [
        ("kind", q.kind().as_str().to_owned()),
        ("text", q.text.clone()),
        ("help", q.help.clone()),
        (
            "required",
            if q.shape.required { "on" } else { "" }.to_owned(),
        ),
        ("section", number(q.section_id)),
        ("choices", labels(&q.choices)),
        ("rows", labels(&q.rows)),
        ("max_choices", number(q.shape.max_choices)),
        ("min_value", number(q.shape.min_value)),
        ("max_value", number(q.shape.max_value)),
        ("condition", number(q.shape.condition.map(|c| c.choice))),
    ];
    Posted::from_pairs(
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        &QUESTION_FIELDS,
    )
}

/// A question's form page: as saved, or as typed when refused.
async fn question_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    full: &Full,
    at: usize,
    (form, posted): (&FormPage, &Posted),
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let id = full.survey.id;
    let frozen = state.db(move |conn| build::freeze(conn, id)).await? == Freeze::WordingOnly;
    let q = &full.questions[at];
    let title = t(lang, "staff.surveys.question_edit");
    crate::web::render_page_as(
        req,
        hb,
        "surveys/staff/question",
        &title,
        &crumbs(lang, Some((&full.survey.title, id)), Some(&title)),
        &json!({
            "survey_id": id,
            "question": question_json(lang, full, at),
            "action": format!("/staff/surveys/{id}/questions/{}", q.id()),
            "form": form,
            "options": question_options(lang, full, at, posted),
            "frozen": frozen,
        }),
        status,
    )
}

/// The survey and the position of its question `question` (404 when not its own).
async fn question_of(
    state: &AppState,
    staff: &Staff,
    (id, question): (i32, i32),
) -> Result<(Full, usize)> {
    let full = authorise(state, staff, id).await?;
    let at = full
        .questions
        .iter()
        .position(|q| q.id() == question)
        .ok_or(Error::NotFound)?;
    Ok((full, at))
}

/// `/staff/surveys/{id}/questions/{question}`: the question's form.
pub async fn question_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse> {
    let (full, at) = question_of(&state, &staff, path.into_inner()).await?;
    let posted = posted_of(&full, at);
    let mut form = FormPage::default();
    posted.keep(&mut form);
    question_page(
        &req,
        &hb,
        &state,
        &full,
        at,
        (&form, &posted),
        StatusCode::OK,
    )
    .await
}

/// `POST /staff/surveys/{id}/questions/{question}`: saved; once answers arrived, only its
/// wording, with a note.
pub async fn update_question(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i32)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let (full, at) = question_of(&state, &staff, path.into_inner()).await?;
    let mut fields_of = QUESTION_FIELDS.to_vec();
    fields_of.push(WORDING_NOTE);
    let posted = Posted::from_pairs(form.into_inner(), &fields_of);
    check_csrf(&req, &posted.csrf)?;
    let mut form = FormPage::default();
    let Some(input) = fields::question(&posted, &scale(Lang::of(&req)), &mut form) else {
        return question_page(
            &req,
            &hb,
            &state,
            &full,
            at,
            (&form, &posted),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let (now, question, id) = (state.clock.now(), full.questions[at].id(), full.survey.id);
    let saving = full.clone();
    match state
        .db(move |conn| build::update_question(conn, &saving, question, &input, now))
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/staff/surveys/{id}#question-{question}"
        ))),
        Err(Error::Refused(refusal)) => {
            let field = if refusal.key() == "msg.survey_wording_note_needed" {
                WORDING_NOTE
            } else {
                "form"
            };
            form.refuse(field, refusal);
            question_page(
                &req,
                &hb,
                &state,
                &full,
                at,
                (&form, &posted),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    direction: String,
}

/// A refused change on the survey's page, said above its actions.
async fn refused_action(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    full: &Full,
    refusal: crate::refusal::Refusal,
) -> Result<HttpResponse> {
    let mut form = FormPage::default();
    form.refuse("form", refusal);
    page(
        req,
        hb,
        state,
        full,
        Some(("action", &form, &Posted::default())),
        StatusCode::CONFLICT,
    )
    .await
}

/// Runs a builder change; its refusal shown on the survey's page.
pub(super) async fn change(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    full: Full,
    run: impl FnOnce(&mut diesel::PgConnection, &Full) -> Result<()> + Send + 'static,
) -> Result<HttpResponse> {
    let id = full.survey.id;
    let saving = full.clone();
    match state.db(move |conn| run(conn, &saving)).await {
        Ok(()) => Ok(see_other(&format!("/staff/surveys/{id}"))),
        Err(Error::Refused(refusal)) => refused_action(req, hb, state, &full, refusal).await,
        Err(e) => Err(e),
    }
}

/// `POST /staff/surveys/{id}/questions/{question}/move`: up or down one place.
pub async fn move_question(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i32)>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse> {
    let (full, at) = question_of(&state, &staff, path.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let direction = Direction::parse(&form.direction).map_err(Error::Refused)?;
    let (question, now) = (full.questions[at].id(), state.clock.now());
    change(&req, &hb, &state, full, move |conn, full| {
        build::move_question(conn, full, question, direction, now)
    })
    .await
}

/// `POST /staff/surveys/{id}/questions/{question}/delete`.
pub async fn delete_question(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i32)>,
    form: web::Form<crate::web::forms::CsrfOnly>,
) -> Result<HttpResponse> {
    let (full, at) = question_of(&state, &staff, path.into_inner()).await?;
    check_csrf(&req, &form.csrf)?;
    let (question, now) = (full.questions[at].id(), state.clock.now());
    change(&req, &hb, &state, full, move |conn, full| {
        build::delete_question(conn, full.survey.id, question, now)
    })
    .await
}
