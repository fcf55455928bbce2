//! Prometheus metrics (`/metrics`): what the city's IT department watches beside its other
//! systems. Recorded with the `metrics` facade anywhere in the code, kept by one process-wide
//! recorder, and rendered in the Prometheus text format. Every name is a constant here, so the
//! Grafana dashboard (docs/grafana-kyodo.json) and docs/OPERATIONS.md read exactly these.

use crate::db::Pool;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{http::header, HttpRequest};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Requests by method, route pattern (never the raw path: one series per route) and status.
pub const HTTP_REQUESTS: &str = "kyodo_http_requests_total";
/// How long requests took, by method and route pattern.
pub const HTTP_DURATION: &str = "kyodo_http_request_duration_seconds";
/// The pool's connections by state (`in_use`, `idle`), and its maximum.
pub const POOL_CONNECTIONS: &str = "kyodo_db_pool_connections";
pub const POOL_MAX: &str = "kyodo_db_pool_max_connections";
/// Emails in the outbox by state (`pending`, `failed`, `sent`).
pub const OUTBOX_EMAILS: &str = "kyodo_outbox_emails";
/// Sign-ins refused for a wrong email or password.
pub const SIGN_IN_FAILURES: &str = "kyodo_sign_in_failures_total";
/// Requests refused by a rate limit, by limit (`sign_in_account`, `sign_up_address` …).
pub const RATE_LIMIT_REFUSALS: &str = "kyodo_rate_limit_refusals_total";
/// Always 1, labelled with the version and the git commit the binary was built from.
pub const BUILD_INFO: &str = "kyodo_build_info";

/// The label of requests no route pattern matched.
const UNMATCHED: &str = "unmatched";
/// From a fast page (a few ms) to a request that waited for everything (the 3 s check-out).
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// How often the recorder folds recent histogram samples in, scraped or not.
const UPKEEP: Duration = Duration::from_secs(5);

/// The process-wide recorder, installed on first use.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .unwrap_or_else(|e| {
                // Another recorder was installed first (never in Kyodo): keep ours unshared
                // rather than stop serving; its series then stay empty.
                tracing::warn!(error = %e, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            });
        describe();
        let upkeep = handle.clone();
        // A detached thread for the life of the process, like the recorder it serves.
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP);
                upkeep.run_upkeep();
            });
        handle
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by method, route pattern and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by route pattern"
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        "database pool connections by state (in_use, idle)"
    );
    describe_gauge!(POOL_MAX, "most connections the database pool opens");
    describe_histogram!(
        crate::db::POOL_WAIT_SECONDS,
        Unit::Seconds,
        "time waited for a database connection from the pool"
    );
    describe_gauge!(
        OUTBOX_EMAILS,
        "emails in the outbox by state (pending, failed, sent)"
    );
    describe_counter!(
        SIGN_IN_FAILURES,
        "sign-ins refused for a wrong email or password"
    );
    describe_counter!(
        RATE_LIMIT_REFUSALS,
        "requests refused by a rate limit, by limit"
    );
    describe_gauge!(
        BUILD_INFO,
        "the running version and the git commit it was built from"
    );
    metrics::gauge!(
        BUILD_INFO,
        "version" => env!("CARGO_PKG_VERSION"),
        "commit" => option_env!("KYODO_GIT_COMMIT").unwrap_or("unknown"),
    )
    .set(1.0);
    // Shown as 0 from the start, so a rate over it works before the first failure.
    metrics::counter!(SIGN_IN_FAILURES).absolute(0);
}

/// Counts every request and its latency under its route pattern.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    recorder();
    let started = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED.to_owned());
    let status = res.status().as_u16().to_string();
    metrics::histogram!(HTTP_DURATION, "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status)
        .increment(1);
    Ok(res)
}

/// Whether the request may read the metrics: any, when no token is configured (the separate
/// listen address only); else only with `Authorization: Bearer <token>`.
pub fn authorised(req: &HttpRequest, token: Option<&str>) -> bool {
    let Some(token) = token else {
        return true;
    };
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| crate::tokens::same(given.trim(), token))
}

/// The outbox's emails by state, read at each scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outbox {
    pub pending: i64,
    pub failed: i64,
    pub sent: i64,
}

/// The metrics in the Prometheus text format, with the gauges read now.
pub fn render(pool: &Pool, outbox: Outbox) -> String {
    let handle = recorder();
    let state = pool.state();
    let idle = f64::from(state.idle_connections);
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(state.connections) - idle);
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(idle);
    metrics::gauge!(POOL_MAX).set(f64::from(pool.max_size()));
    for (name, count) in [
        ("pending", outbox.pending),
        ("failed", outbox.failed),
        ("sent", outbox.sent),
    ] {
        metrics::gauge!(OUTBOX_EMAILS, "state" => name).set(count as f64);
    }
    handle.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const ALL: &[&str] = &[
        HTTP_REQUESTS,
        HTTP_DURATION,
        POOL_CONNECTIONS,
        POOL_MAX,
        crate::db::POOL_WAIT_SECONDS,
        OUTBOX_EMAILS,
        SIGN_IN_FAILURES,
        RATE_LIMIT_REFUSALS,
        BUILD_INFO,
    ];

    /// The names in a text, e.g. the dashboard's queries: `kyodo_` and what follows.
    fn names_in(text: &str) -> std::collections::BTreeSet<String> {
        text.match_indices("kyodo_")
            .map(|(at, _)| {
                text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .filter(|name| name.len() > "kyodo_".len())
            .collect()
    }

    #[test]
    fn the_dashboard_and_the_operations_guide_read_exactly_these_names() {
        let dashboard = names_in(include_str!("../../docs/grafana-kyodo.json"));
        let series = |name: &String| {
            let base = name.strip_suffix("_bucket").unwrap_or(name);
            ALL.contains(&base)
        };
        let unknown: Vec<_> = dashboard
            .iter()
            .filter(|name| !series(name) && name.as_str() != "kyodo_operations")
            .collect();
        assert!(
            unknown.is_empty(),
            "the dashboard reads no such series: {unknown:?}"
        );
        let guide = names_in(include_str!("../../docs/OPERATIONS.md"));
        for name in ALL {
            let shown = |names: &std::collections::BTreeSet<String>| {
                names
                    .iter()
                    .any(|n| n.strip_suffix("_bucket").unwrap_or(n) == *name)
            };
            assert!(shown(&dashboard), "{name} is on the dashboard");
            assert!(guide.contains(*name), "{name} is in docs/OPERATIONS.md");
        }
    }

    #[test]
    fn a_scrape_reads_the_pool_and_the_outbox_now() {
        // Built without connecting: nothing in use, nothing idle.
        let pool = crate::db::pool("postgres://127.0.0.1:1/none", Default::default());
        let outbox = Outbox {
            pending: 3,
            failed: 2,
            sent: 40,
        };
        let text = render(&pool, outbox);
        for line in [
            "kyodo_db_pool_connections{state=\"in_use\"} 0",
            "kyodo_db_pool_connections{state=\"idle\"} 0",
            "kyodo_db_pool_max_connections 16",
            "kyodo_outbox_emails{state=\"pending\"} 3",
            "kyodo_outbox_emails{state=\"failed\"} 2",
            "kyodo_outbox_emails{state=\"sent\"} 40",
            "# TYPE kyodo_sign_in_failures_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        let version = env!("CARGO_PKG_VERSION");
        let build = format!("kyodo_build_info{{version=\"{version}\",commit=\"");
        assert!(text.contains(&build), "{build} in\n{text}");
    }

    #[test]
    fn only_the_configured_bearer_token_reads_the_metrics() {
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request()
        };
        let none = TestRequest::default().to_http_request();
        assert!(authorised(&none, None), "the separate address, no token");
        assert!(!authorised(&none, Some("s3cret")));
        assert!(authorised(&with("Bearer s3cret"), Some("s3cret")));
        assert!(!authorised(&with("Bearer s3cret2"), Some("s3cret")));
        assert!(!authorised(&with("Basic s3cret"), Some("s3cret")));
        assert!(!authorised(&with("s3cret"), Some("s3cret")));
    }
}
