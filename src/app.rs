//! The application: shared state, middleware and the routes of every domain. Tests start it
//! exactly as `kyodo serve` does.

use crate::error::{Error, Result};
use crate::plan::cache::PlanCache;
use crate::refusal::Refusal;
use crate::web::{AppState, Problem};
use crate::{auth, plan, web as kweb};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpRequest, HttpResponse, HttpServer};
use diesel::prelude::*;
use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kyodo (協働) open data API", version = "1",
        description = "Honjo City's comprehensive plan (総合振興計画 後期基本計画, chapters 5–7) as open data."),
    paths(
        plan::handlers::api_measures,
        plan::handlers::api_measure,
        plan::handlers::api_plans,
        plan::handlers::api_plan,
        crate::proposals::api::list,
        crate::proposals::api::show,
        crate::consultations::api::list,
        crate::consultations::api::show,
        crate::consultations::api::result,
        crate::meetings::api::list,
        crate::meetings::api::show,
        crate::surveys::api::list,
        crate::surveys::api::show,
        crate::surveys::api::results,
        healthz,
        readyz,
    ),
    // Types met only in parameters (ProposalSort) are not collected from the paths: list them.
    components(schemas(Problem, crate::proposals::listing::Sort, crate::proposals::api::ProposalList, crate::proposals::api::ProposalJson,
        crate::consultations::api::ConsultationList, crate::consultations::api::ConsultationDetail,
        crate::consultations::api::ConsultationJson, crate::consultations::api::SectionJson,
        crate::consultations::api::NoticeJson,
        crate::consultations::api::ResultJson, crate::consultations::api::ResultItemJson,
        crate::meetings::api::When, crate::meetings::api::MeetingList, crate::meetings::api::MeetingDetail,
        crate::surveys::api::SurveyList, crate::surveys::api::SurveyDetail, crate::surveys::api::SurveyResultsJson)),
    tags((name = "plan", description = "Chapters, measures, KPIs and cross-measure plans"),
         (name = "proposals", description = "Public citizen proposals (市民提案) and their timelines"),
         (name = "consultations", description = "Public-comment consultations (意見公募) and their published results"),
         (name = "meetings", description = "Meetings and workshops (意見を聴く場), their seats and published minutes"),
         (name = "surveys", description = "Surveys (アンケート), their questions and published results"),
         (name = "operations", description = "Probes for orchestrators")),
)]
pub struct ApiDoc;

async fn openapi(req: HttpRequest) -> Result<HttpResponse> {
    kweb::json(&req, &ApiDoc::openapi())
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "Up", body = String, content_type = "text/plain", example = "ok")))]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready", body = String, content_type = "text/plain", example = "ready"),
        (status = 503, description = "Database unavailable"),
    ))]
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse> {
    state
        .db(|conn| {
            crate::db::prepared(diesel::sql_query("SELECT 1"))
                .execute(conn)
                .map_err(|e| Error::Unavailable(e.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ready"))
}

/// The Prometheus metrics, to a scraper with the token when one is configured.
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    if !kweb::metrics::authorised(&req, state.metrics_token.as_deref()) {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((
                actix_web::http::header::WWW_AUTHENTICATE,
                "Bearer realm=\"kyodo-metrics\"",
            ))
            .finish());
    }
    let outbox = state.db(crate::notify::outbox::counts).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(kweb::metrics::render(&state.pool, outbox)))
}

/// Extractor failures (a malformed query string or path) are the user's to fix: 400.
fn bad_input(refusal: Refusal) -> actix_web::Error {
    Error::Refused(refusal).into()
}

/// The refusals of one kind of input (a query string, a form): a field missing, given twice,
/// unreadable, or a value serde does not name.
struct FieldRefusals {
    what: &'static str,
    missing: &'static str,
    duplicate: &'static str,
    unreadable: &'static str,
    value: &'static str,
}

/// A query string's fields: 「URL のパラメータ「q」が重複しています。」
const QUERY_FIELDS: FieldRefusals = FieldRefusals {
    what: "label.url_parameter",
    missing: "msg.field_missing",
    duplicate: "msg.field_duplicate",
    unreadable: "msg.field_unreadable",
    value: "msg.value_unreadable",
};

/// A form's fields, with 「ページを読み込み直して、もう一度お試しください。」 after.
const FORM_FIELDS: FieldRefusals = FieldRefusals {
    what: "label.form_field",
    missing: "msg.field_missing_reload",
    duplicate: "msg.field_duplicate_reload",
    unreadable: "msg.field_unreadable_reload",
    value: "msg.value_unreadable_reload",
};

/// What went wrong with a query string or form, naming the field that serde's (English)
/// message names between backquotes, e.g. "missing field `body`".
fn field_refusal(kind: &FieldRefusals, serde_message: &str) -> Refusal {
    let field = serde_message
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field);
    let key = match field {
        Some(_) if serde_message.starts_with("missing field") => kind.missing,
        Some(_) if serde_message.starts_with("duplicate field") => kind.duplicate,
        Some(_) => kind.unreadable,
        None => kind.value,
    };
    let refusal = Refusal::new(key).label("what", kind.what);
    match field {
        Some(field) => refusal.with("field", field),
        None => refusal,
    }
}

fn form_error(e: actix_web::error::UrlencodedError) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    match e {
        E::Overflow { .. } => Error::PayloadTooLarge.into(),
        E::Parse(e) => bad_input(field_refusal(&FORM_FIELDS, &e.to_string())),
        E::ContentType => bad_input(Refusal::new("msg.form_content_type")),
        e => {
            tracing::debug!(error = %e, "unreadable form");
            bad_input(Refusal::new("msg.form_unreadable_retry"))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|e, _| {
        let actix_web::error::QueryPayloadError::Deserialize(e) = e else {
            return bad_input(Refusal::new("msg.query_unreadable"));
        };
        bad_input(field_refusal(&QUERY_FIELDS, &e.to_string()))
    }))
    .app_data(
        web::PathConfig::default()
            .error_handler(|_, _| bad_input(Refusal::new("msg.path_invalid"))),
    )
    .app_data(
        web::FormConfig::default()
            .limit(kweb::inputs::FORM_LIMIT)
            .error_handler(|e, _| form_error(e)),
    )
    .configure(registrations)
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .route("/api/v1/openapi.json", web::get().to(openapi))
    .route("/static/{path:.*}", web::get().to(kweb::static_file))
    .route(
        "/favicon.ico",
        web::get().to(|| async {
            HttpResponse::MovedPermanently()
                .insert_header(("location", "/static/favicon.svg"))
                .finish()
        }),
    )
    .route("/lang/{code}", web::get().to(kweb::switch_lang))
    .configure(plan::handlers::routes)
    .configure(auth::handlers::routes)
    .configure(auth::account::routes)
    .configure(auth::inbox::routes)
    .configure(crate::orgs::routes)
    .configure(|cfg| crate::auth::staff::register(cfg, staff_routes()))
    .configure(crate::attachments::routes)
    .configure(crate::proposals::routes)
    .configure(crate::consultations::handlers::routes)
    .configure(crate::comments::routes)
    .configure(crate::meetings::routes)
    .configure(crate::surveys::routes)
    // Last: every path reaching it matched no route. Actix's 405 for a resource without routes
    // carries the methods of the routes whose path matched (`web::inputs` makes it a 405 page,
    // or a 404 when there were none), so a wrong method is never taken for a missing page.
    .service(web::resource("/{anything:.*}"));
}

/// What lower domains show of higher ones, so they never import them: the measure page's
/// sections and live counts, the pages that host comments, the owners of attachments.
fn registrations(cfg: &mut web::ServiceConfig) {
    use crate::{attachments, comments, consultations, meetings, proposals};
    cfg.app_data(web::Data::new(plan::sections::MeasureParts {
        counters: &[proposals::live::COUNTER, meetings::live::COUNTER],
        sections: &[
            proposals::on_measure::SECTION,
            meetings::on_measure::SECTION,
            comments::measure::SECTION,
        ],
    }))
    .app_data(web::Data::new(comments::hosts::Hosts {
        proposal: |req, state, hb, id, status| {
            Box::pin(proposals::handlers::show_page(req, state, hb, id, status))
        },
        measure: |req, state, hb, code, status| {
            Box::pin(
                async move { plan::handlers::measure_page(req, state, hb, &code, status).await },
            )
        },
    }))
    .app_data(web::Data::new(attachments::access::Policies {
        proposal: proposals::files::POLICY,
        consultation: consultations::files::POLICY,
        meeting: meetings::files::POLICY,
    }));
}

/// Every staff route, from the tables of the domains that own them.
pub fn staff_routes() -> impl Iterator<Item = &'static crate::auth::staff::StaffRoute> {
    [
        crate::staff::STAFF_ROUTES,
        crate::staff::answers::STAFF_ROUTES,
        crate::plan::actuals::STAFF_ROUTES,
        crate::proposals::import_pages::STAFF_ROUTES,
        crate::proposals::staff::STAFF_ROUTES,
        crate::comments::moderation::STAFF_ROUTES,
        crate::consultations::staff::STAFF_ROUTES,
        crate::consultations::staff::imports::STAFF_ROUTES,
        crate::meetings::staff::STAFF_ROUTES,
        crate::surveys::staff::STAFF_ROUTES,
    ]
    .into_iter()
    .flatten()
}

/// The running server, and beside it the thread that hears the plan's changes: it stops when
/// the server has stopped (this future ends) or is dropped.
pub struct Serving {
    server: Server,
    plan: web::Data<PlanCache>,
    listener: Arc<plan::cache::Listener>,
}

impl Serving {
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The plan the pages read, and what the app has heard of its changes.
    pub fn plan(&self) -> web::Data<PlanCache> {
        self.plan.clone()
    }

    /// The plan's listener, for whoever must stop it before the server has stopped (a test
    /// about to drop its database).
    pub fn listener(&self) -> Arc<plan::cache::Listener> {
        self.listener.clone()
    }
}

impl Future for Serving {
    type Output = std::io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let served = Pin::new(&mut self.server).poll(cx);
        if served.is_ready() {
            self.listener.stop();
        }
        served
    }
}

/// Starts serving `state` on `listener`; the returned server runs until its handle stops it.
pub fn server(state: AppState, listener: TcpListener) -> Result<Serving> {
    serve(web::Data::new(state), listener)
}

/// `server`, with the state shared with another server (the metrics' own address).
pub fn serve(state: web::Data<AppState>, listener: TcpListener) -> Result<Serving> {
    let trust_proxy = kweb::proxy::TrustProxy(state.trust_proxy);
    let plan = web::Data::new(PlanCache::default());
    let plan_listener = plan::cache::listen(plan.clone(), &state.database_url, state.plan_poll)?;
    // Never public without a token: only `KYODO_METRICS_TOKEN` puts /metrics beside the site.
    let public_metrics = state.metrics_token.is_some();
    let templates = web::Data::new(kweb::templates()?);
    let cache = plan.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(cache.clone())
            .app_data(trust_proxy)
            .app_data(templates.clone())
            .wrap(middleware::from_fn(auth::session::identify))
            .wrap(middleware::from_fn(kweb::inputs::check))
            .wrap(middleware::from_fn(kweb::errors::render_errors))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(kweb::metrics::record))
            .wrap(middleware::from_fn(kweb::request_id::tag))
            .configure(|cfg| {
                if public_metrics {
                    cfg.route("/metrics", web::get().to(metrics));
                }
            })
            .configure(configure)
    })
    .listen(listener)
    .map_err(|e| Error::Setup(format!("cannot listen: {e}")))?
    .shutdown_timeout(10)
    // Actix stops at once on Ctrl+C (SIGINT), losing requests in flight: `cli` listens for
    // both signals itself and always stops gracefully.
    .disable_signals()
    .run();
    Ok(Serving {
        server,
        plan,
        listener: Arc::new(plan_listener),
    })
}

/// The server of `KYODO_METRICS_LISTEN`: `/metrics` and nothing else, for a scraper on an
/// internal network (the token is asked here too when one is set).
pub fn metrics_server(state: web::Data<AppState>, listener: TcpListener) -> Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(middleware::from_fn(kweb::request_id::tag))
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .listen(listener)
    .map_err(|e| Error::Setup(format!("cannot listen for metrics: {e}")))?
    .disable_signals()
    .run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_japanese_naming_the_field() {
        let ja = |kind, serde_message| {
            crate::web::i18n::refusal(
                crate::web::i18n::Lang::Ja,
                &field_refusal(kind, serde_message),
            )
        };
        assert_eq!(
            ja(&FORM_FIELDS, "missing field `body`"),
            "フォームの項目「body」がありません。ページを読み込み直して、もう一度お試しください。"
        );
        assert_eq!(
            ja(&QUERY_FIELDS, "duplicate field `q`"),
            "URL のパラメータ「q」が重複しています。"
        );
        assert_eq!(
            ja(&QUERY_FIELDS, "invalid digit found in string"),
            "URL のパラメータの値を読み取れませんでした。形式を確かめてください。"
        );
    }

    #[test]
    fn every_refusal_has_english() {
        let mut refusals = vec![
            Refusal::new("msg.form_content_type"),
            Refusal::new("msg.form_unreadable_retry"),
            Refusal::new("msg.query_unreadable"),
            Refusal::new("msg.path_invalid"),
        ];
        for kind in [&QUERY_FIELDS, &FORM_FIELDS] {
            for serde_message in [
                "missing field `a`",
                "duplicate field `a`",
                "invalid type for `a`",
                "invalid digit found in string",
            ] {
                refusals.push(field_refusal(kind, serde_message));
            }
        }
        crate::web::i18n::assert_english(refusals);
    }
}
