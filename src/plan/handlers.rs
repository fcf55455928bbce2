//! Pages and API of the plan: parse, read, render.

use super::cache;
use super::model::MeasureCode;
use super::sections::{self, MeasureParts};
use super::{api, views};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::i18n::{translate, Lang};
use crate::web::AppState;
use crate::web::Templates;
use crate::web::{json, render_page, render_page_as, Crumb};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use handlebars::Handlebars;
use serde_json::json as context;

fn parse_code(raw: &str) -> Result<MeasureCode> {
    Ok(raw.parse()?)
}

/// A chapter's or plan's number in the address; `what` is its name's i18n key (`label.chapter`).
fn parse_number(raw: &str, what: &'static str) -> Result<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|n| (1..=99).contains(n))
        .ok_or_else(|| {
            Refusal::new("msg.number_in_address")
                .label("what", what)
                .with("raw", raw)
                .into()
        })
}

fn home_crumb(lang: Lang) -> Crumb {
    Crumb {
        label: translate(lang, "crumb.home", &[]),
        href: Some("/".into()),
    }
}

fn chapter_label(lang: Lang, number: i32, title: Option<&str>) -> String {
    let label = translate(lang, "crumb.chapter", &[("number", number.to_string())]);
    match title {
        Some(title) => format!("{label} {title}"),
        None => label,
    }
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
) -> Result<HttpResponse> {
    let plan = cache::read(&req, &state).await?;
    let lang = Lang::of(&req);
    let chapters: Vec<_> = plan
        .overview()
        .iter()
        .filter(|c| c.chapter.detailed && !c.measures.is_empty())
        .map(|c| views::chapter(lang, c))
        .collect();
    let plans: Vec<_> = plan.plans().iter().map(views::plan_ref).collect();
    let title = translate(lang, "home.title", &[]);
    render_page(
        &req,
        &hb,
        "plan/home",
        &title,
        &[],
        &context!({ "chapters": chapters, "plans": plans }),
    )
}

pub async fn chapter(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    number: web::Path<String>,
) -> Result<HttpResponse> {
    let number = parse_number(&number, "label.chapter")?;
    if number == 7 {
        // Chapter 7 is the cross-measure plans.
        return Ok(HttpResponse::MovedPermanently()
            .insert_header(("location", "/plans"))
            .finish());
    }
    let plan = cache::read(&req, &state).await?;
    let chapter = plan.chapter(number)?;
    let lang = Lang::of(&req);
    let title = chapter_label(lang, number, chapter.chapter.title.as_deref());
    let crumbs = [
        home_crumb(lang),
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    render_page(
        &req,
        &hb,
        "plan/chapter",
        &title,
        &crumbs,
        &context!({ "chapter": views::chapter(lang, &chapter) }),
    )
}

pub async fn measure(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    code: web::Path<String>,
) -> Result<HttpResponse> {
    measure_page(&req, &state, &hb, &code, StatusCode::OK).await
}

/// The parts other domains add to a measure (registered by `app`).
fn parts(req: &HttpRequest) -> MeasureParts {
    req.app_data::<web::Data<MeasureParts>>()
        .map(|parts| *parts.get_ref())
        .unwrap_or_default()
}

/// A measure's page with the sections other domains supply; a section reads what it keeps
/// after a refusal (a comment's text) from the request.
pub async fn measure_page(
    req: &HttpRequest,
    state: &AppState,
    hb: &Handlebars<'_>,
    code: &str,
    status: StatusCode,
) -> Result<HttpResponse> {
    let parts = parts(req);
    let loaders = parts
        .sections
        .iter()
        .map(|s| Ok((s.key, (s.prepare)(req)?)))
        .collect::<Result<Vec<_>>>()?;
    let code = parse_code(code)?;
    let now = state.clock.now();
    let cache = cache::of(req);
    let (plan, figures, sections) = state
        .db(move |conn| {
            let plan = cache.snapshot(conn)?;
            let kpis = plan.measure(code)?.kpis;
            let figures = sections::live_figures(&parts, conn, kpis, now)?;
            let sections = loaders
                .into_iter()
                .map(|(key, load)| Ok((key, load(conn, code)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok((plan, figures, sections))
        })
        .await?;
    let detail = plan.measure(code)?;
    let lang = Lang::of(req);
    let mut view = views::measure(lang, &detail);
    for (kpi, shown) in detail.kpis.iter().zip(view.kpis.iter_mut()) {
        for figure in sections::beside(&figures, kpi) {
            views::set_live(lang, figure, shown);
        }
    }
    let title = format!("{} {}", view.code, view.title);
    let crumbs = [
        home_crumb(lang),
        Crumb {
            label: chapter_label(lang, view.chapter.number, view.chapter.title.as_deref()),
            href: Some(view.chapter.href.clone()),
        },
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    let mut page = context!({ "measure": view, "api_href": format!("/api/v1/measures/{code}") });
    for (key, section) in sections {
        page[key] = section;
    }
    render_page_as(req, hb, "plan/measure", &title, &crumbs, &page, status)
}

pub async fn plans(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
) -> Result<HttpResponse> {
    let plan = cache::read(&req, &state).await?;
    let (chapter, titles) = (plan.plans_chapter()?, plan.measure_titles());
    let lang = Lang::of(&req);
    let title = chapter.title.clone().unwrap_or_default();
    let crumbs = [
        home_crumb(lang),
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    let plans: Vec<_> = plan
        .plans()
        .iter()
        .map(|p| views::plan(p, &titles))
        .collect();
    let page = context!({
        "chapter": { "title": chapter.title, "sections": chapter.sections },
        "plans": plans,
    });
    render_page(&req, &hb, "plan/plans", &title, &crumbs, &page)
}

pub async fn plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    number: web::Path<String>,
) -> Result<HttpResponse> {
    let number = parse_number(&number, "label.plan")?;
    let snapshot = cache::read(&req, &state).await?;
    let (plans, titles) = (snapshot.plans(), snapshot.measure_titles());
    let index = plans
        .iter()
        .position(|p| p.number == number)
        .ok_or(Error::NotFound)?;
    let lang = Lang::of(&req);
    let view = views::plan(&plans[index], &titles);
    let title = view.reference.name.clone();
    let crumbs = [
        home_crumb(lang),
        Crumb {
            label: translate(lang, "crumb.plans", &[]),
            href: Some("/plans".into()),
        },
        Crumb {
            label: title.clone(),
            href: None,
        },
    ];
    let prev = index.checked_sub(1).map(|i| views::plan_ref(&plans[i]));
    let next = plans.get(index + 1).map(views::plan_ref);
    render_page(
        &req,
        &hb,
        "plan/plan",
        &title,
        &crumbs,
        &context!({ "plan": view, "prev": prev, "next": next }),
    )
}

/// All 33 measures: detailed and cited.
#[utoipa::path(get, path = "/api/v1/measures", tag = "plan", operation_id = "list_measures",
    responses((status = 200, description = "Every measure of the plan", body = api::MeasureList)))]
pub async fn api_measures(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let plan = cache::read(&req, &state).await?;
    json(
        &req,
        &api::MeasureList {
            measures: plan.measures().iter().map(api::measure_summary).collect(),
        },
    )
}

/// One measure with its goals, KPIs (with actual values and progress), sub-measures and plans.
#[utoipa::path(get, path = "/api/v1/measures/{code}", tag = "plan", operation_id = "get_measure",
    params(("code" = String, Path, description = "Measure code: chapter, hyphen, number", example = "6-1",
        pattern = r"^[1-9]-[1-9][0-9]?$")),
    responses(
        (status = 200, description = "The measure", body = api::MeasureJson),
        (status = 400, description = "Malformed code", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such measure", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn api_measure(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse> {
    let code = parse_code(&code)?;
    let now = state.clock.now();
    let parts = parts(&req);
    let cache = cache::of(&req);
    let (plan, figures) = state
        .db(move |conn| {
            let plan = cache.snapshot(conn)?;
            let figures = sections::live_figures(&parts, conn, plan.measure(code)?.kpis, now)?;
            Ok((plan, figures))
        })
        .await?;
    let detail = plan.measure(code)?;
    let mut body = api::measure(&detail);
    for (kpi, shown) in detail.kpis.iter().zip(body.kpis.iter_mut()) {
        for figure in sections::beside(&figures, kpi) {
            sections::set_json(figure, shown);
        }
    }
    json(&req, &body)
}

/// The five cross-measure plans (政策連携プラン).
#[utoipa::path(get, path = "/api/v1/plans", tag = "plan", operation_id = "list_plans",
    responses((status = 200, description = "The plans", body = api::PlanList)))]
pub async fn api_plans(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let plan = cache::read(&req, &state).await?;
    json(
        &req,
        &api::PlanList {
            plans: plan.plans().to_vec(),
        },
    )
}

/// One cross-measure plan.
#[utoipa::path(get, path = "/api/v1/plans/{number}", tag = "plan", operation_id = "get_plan",
    params(("number" = i32, Path, minimum = 1, maximum = 99, description = "Plan number", example = 1)),
    responses(
        (status = 200, description = "The plan", body = super::model::Plan),
        (status = 400, description = "Malformed number", body = crate::web::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan", body = crate::web::Problem, content_type = "application/problem+json"),
    ))]
pub async fn api_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> Result<HttpResponse> {
    let number = parse_number(&number, "label.plan")?;
    let snapshot = cache::read(&req, &state).await?;
    let plan = snapshot
        .plans()
        .iter()
        .find(|p| p.number == number)
        .ok_or(Error::NotFound)?;
    json(&req, plan)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/chapters/{number}", web::get().to(chapter))
        .route("/measures/{code}", web::get().to(measure))
        .route("/plans", web::get().to(plans))
        .route("/plans/{number}", web::get().to(plan))
        .route("/api/v1/measures", web::get().to(api_measures))
        .route("/api/v1/measures/{code}", web::get().to(api_measure))
        .route("/api/v1/plans", web::get().to(api_plans))
        .route("/api/v1/plans/{number}", web::get().to(api_plan));
}
