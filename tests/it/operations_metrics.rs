//! What the city's IT department runs Kyodo with: Prometheus metrics read by Prometheus' own
//! parser, JSON logs carrying the request id a resident can quote, and upgrades that never
//! migrate a configured server behind the operator's back.

use crate::cli::{kyodo, serve, signal};
use crate::support::mail::TempDir;
use crate::support::people::resident;
use crate::support::{run, Cluster, TestApp};
use diesel::{Connection, PgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TESTS: &[(&str, fn())] = &[
    (
        "operations_metrics::metrics_are_refused_without_the_token_and_name_route_patterns",
        metrics_are_refused_without_the_token_and_name_route_patterns,
    ),
    (
        "operations_metrics::a_separate_metrics_address_and_json_logs_with_the_request_id",
        a_separate_metrics_address_and_json_logs_with_the_request_id,
    ),
    (
        "operations_metrics::serve_refuses_an_old_schema_until_kyodo_migrate",
        serve_refuses_an_old_schema_until_kyodo_migrate,
    ),
];

const TOKEN: &str = "scrape-token-1";

/// One sample as Prometheus' Python client reads it.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: serde_json::Map<String, Value>,
    value: f64,
}

/// Parses the text format with `prometheus_client.parser` (a parser nobody here wrote) and
/// returns every sample of every family, with the family's type as `<family>:type`.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    const SCRIPT: &str = "
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    out.append({'name': family.name + ':type', 'labels': {'type': family.type}, 'value': 0})
    for s in family.samples:
        out.append({'name': s.name, 'labels': s.labels, 'value': s.value})
print(json.dumps(out))
";
    let mut python = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (./test.sh installs prometheus_client)");
    python
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "prometheus_client parses /metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let samples: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    samples
        .into_iter()
        .map(|s| Sample {
            name: s["name"].as_str().unwrap().to_owned(),
            labels: s["labels"].as_object().unwrap().clone(),
            value: s["value"].as_f64().unwrap(),
        })
        .collect()
}

/// The samples named `name` whose labels include every pair of `labels`.
fn find<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k) == Some(&Value::from(*v)))
        })
        .collect()
}

fn family_type(samples: &[Sample], family: &str) -> String {
    find(samples, &format!("{family}:type"), &[])
        .first()
        .and_then(|s| s.labels["type"].as_str())
        .unwrap_or_else(|| panic!("{family} is in /metrics"))
        .to_owned()
}

fn metrics_are_refused_without_the_token_and_name_route_patterns() {
    run(async {
        let closed = TestApp::start().await;
        assert_eq!(
            closed.get("/metrics").await.status(),
            404,
            "without a token /metrics is not on the public address"
        );
        drop(closed);

        let app = TestApp::start_with(|state| state.metrics_token = Some(TOKEN.into())).await;
        assert_eq!(app.get("/metrics").await.status(), 401, "no token");
        let wrong = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth("scrape-token-2")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "a wrong token");
        assert!(wrong.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));

        for path in ["/measures/6-1", "/measures/5-1", "/measures/9-9"] {
            app.get(path).await;
        }
        // A wrong password on an existing account: a sign-in failure.
        let visitor = app.visitor();
        resident(&app, &visitor, "hanako@example.jp", "本庄花子").await;
        let stranger = app.visitor();
        let refused = stranger
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "hanako@example.jp"),
                    ("password", "not her password"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_ne!(refused.status(), 303, "a wrong password does not sign in");

        let scrape = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(scrape.status(), 200);
        assert!(scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let samples = parse_prometheus(&scrape.text().await.unwrap());

        let pattern = [("method", "GET"), ("route", "/measures/{code}")];
        let ok: f64 = find(
            &samples,
            "kyodo_http_requests_total",
            &[pattern[0], pattern[1], ("status", "200")],
        )
        .iter()
        .map(|s| s.value)
        .sum();
        assert!(
            ok >= 2.0,
            "two measures answered 200 under one pattern: {ok}"
        );
        let missing = find(
            &samples,
            "kyodo_http_requests_total",
            &[pattern[0], pattern[1], ("status", "404")],
        );
        assert!(!missing.is_empty(), "the unknown measure counts as a 404");
        assert!(
            samples.iter().all(|s| s
                .labels
                .get("route")
                .is_none_or(|route| !route.as_str().unwrap().contains("6-1"))),
            "no raw path is a label"
        );
        assert_eq!(
            family_type(&samples, "kyodo_http_request_duration_seconds"),
            "histogram"
        );
        let le_inf = find(
            &samples,
            "kyodo_http_request_duration_seconds_bucket",
            &[pattern[0], pattern[1], ("le", "+Inf")],
        );
        assert!(le_inf.iter().any(|s| s.value >= 3.0), "{le_inf:?}");

        for state in ["in_use", "idle"] {
            assert_eq!(
                find(&samples, "kyodo_db_pool_connections", &[("state", state)]).len(),
                1,
                "pool {state}"
            );
        }
        assert_eq!(
            find(&samples, "kyodo_db_pool_max_connections", &[])[0].value,
            16.0
        );
        assert_eq!(
            family_type(&samples, "kyodo_db_pool_wait_seconds"),
            "histogram"
        );
        // The sign-up wrote a verification email; nothing has failed in this database.
        let outbox = |state| find(&samples, "kyodo_outbox_emails", &[("state", state)])[0].value;
        assert!(outbox("pending") + outbox("sent") >= 1.0);
        assert_eq!(outbox("failed"), 0.0);
        assert!(find(&samples, "kyodo_sign_in_failures_total", &[])[0].value >= 1.0);
        let build = find(
            &samples,
            "kyodo_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
        );
        assert_eq!(build.len(), 1, "build info");
        assert_eq!(build[0].value, 1.0);
        assert!(!build[0].labels["commit"].as_str().unwrap().is_empty());
    })
}

/// `kyodo serve` with its metrics on their own address and JSON logs, writing its log to a
/// file; returns it with the site's and the metrics' addresses.
fn serve_observed(database_url: &str, log: &std::path::Path) -> (Child, String, String) {
    let mut child = kyodo()
        .env("DATABASE_URL", database_url)
        .env("KYODO_LISTEN", "127.0.0.1:0")
        .env("KYODO_METRICS_LISTEN", "127.0.0.1:0")
        .env("KYODO_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let (mut site, mut metrics) = (None, None);
    for line in BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        let address = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_owned);
        if line.starts_with("Metrics") {
            metrics = address;
        } else if address.is_some() {
            site = address;
            break;
        }
    }
    let site = site.expect("serve prints its address");
    let metrics = metrics.expect("serve prints the metrics' address first");
    (child, site.trim_end_matches('/').to_owned(), metrics)
}

fn a_separate_metrics_address_and_json_logs_with_the_request_id() {
    let database = Cluster::get().fresh_database();
    let dir = TempDir::new("kyodo-json-logs");
    let log = dir.path().join("kyodo.log");
    let (mut child, site, metrics) = serve_observed(&database.url, &log);
    let (quoted, failed_id) = run_and_return(async {
        let client = reqwest::Client::new();
        let public = client.get(format!("{site}/metrics")).send().await.unwrap();
        assert_eq!(public.status(), 404, "not on the public address");
        let scrape = client.get(&metrics).send().await.unwrap();
        assert_eq!(
            scrape.status(),
            200,
            "the metrics' own address needs no token"
        );
        let samples = parse_prometheus(&scrape.text().await.unwrap());
        assert_eq!(find(&samples, "kyodo_build_info", &[]).len(), 1);

        // A proxy's id is kept; without one, a UUID is made.
        let page = client
            .get(format!("{site}/measures/6-1"))
            .header("x-request-id", "proxy-4f2a.9")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["x-request-id"], "proxy-4f2a.9");
        let forged = client
            .get(format!("{site}/healthz"))
            .header("x-request-id", "a b\tforged")
            .send()
            .await
            .unwrap();
        let made = forged.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(made).is_ok(), "a new id: {made}");

        // A server error: the page shows the id the logs know it by.
        let mut conn = PgConnection::establish(&database.url).unwrap();
        // A table gone (a failed manual change): cached plans cannot hide it, as a rename could.
        diesel::sql_query("DROP TABLE proposals CASCADE")
            .execute(&mut conn)
            .unwrap();
        let broken = client
            .get(format!("{site}/proposals"))
            .header("accept-language", "ja")
            .send()
            .await
            .unwrap();
        assert_eq!(broken.status(), 500);
        let id = broken.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = broken.text().await.unwrap();
        assert!(body.contains("受付番号"), "{body}");
        assert!(
            body.contains(&format!("<code class=\"request-id\">{id}</code>")),
            "{body}"
        );
        ("proxy-4f2a.9".to_owned(), id)
    });
    signal(&child, libc::SIGTERM);
    assert!(child.wait().unwrap().success());

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let of_request = |id: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|line| line["span"]["request_id"] == id)
            .collect()
    };
    let access = of_request(&quoted);
    assert!(
        access
            .iter()
            .any(|line| line["target"] == "kyodo::access" && line["fields"]["status"] == 200),
        "the access line carries the proxy's id: {text}"
    );
    let failure = of_request(&failed_id);
    assert!(
        failure.iter().any(|line| line["level"] == "ERROR"),
        "the error's cause is logged under the id shown on the page: {text}"
    );
    assert!(failure
        .iter()
        .any(|line| line["target"] == "kyodo::access" && line["fields"]["status"] == 500));
}

/// Runs `body` on the actix runtime and returns what it returns.
fn run_and_return<T: 'static>(body: impl std::future::Future<Output = T>) -> T {
    let out = std::cell::RefCell::new(None);
    run(async {
        *out.borrow_mut() = Some(body.await);
    });
    out.into_inner().unwrap()
}

/// Waits for `child` to exit by itself (it must refuse, not serve), or kills it and fails.
fn exits_by_itself(mut child: Child) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status, stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kyodo serve started on an old schema instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn serve_refuses_an_old_schema_until_kyodo_migrate() {
    let database = Cluster::get().empty_database();
    // The schema of the release before: every migration but the newest.
    {
        let mut conn = PgConnection::establish(&database.url).unwrap();
        let migrations = diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(
            &kyodo::db::MIGRATIONS,
        )
        .unwrap();
        let (_, older) = migrations.split_last().unwrap();
        diesel::migration::MigrationConnection::setup(&mut conn).unwrap();
        for migration in older {
            conn.run_migration(migration).unwrap();
        }
    }
    let refused = kyodo()
        .env("DATABASE_URL", &database.url)
        .env("KYODO_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (status, stderr) = exits_by_itself(refused);
    assert!(!status.success(), "serve refuses: {stderr}");
    assert!(
        stderr.contains("older than this kyodo") && stderr.contains("kyodo migrate"),
        "it says which command to run: {stderr}"
    );

    let migrated = kyodo()
        .arg("migrate")
        .env("DATABASE_URL", &database.url)
        .output()
        .unwrap();
    assert!(
        migrated.status.success(),
        "kyodo migrate: {}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let (mut child, address) = serve(kyodo().env("DATABASE_URL", &database.url));
    run(async {
        let ready = reqwest::get(format!("{address}readyz")).await.unwrap();
        assert_eq!(ready.status(), 200, "serve starts on the migrated schema");
        let page = reqwest::get(format!("{address}measures/6-1"))
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "and serves the plan it loaded");
    });
    signal(&child, libc::SIGTERM);
    assert!(child.wait().unwrap().success());
}
