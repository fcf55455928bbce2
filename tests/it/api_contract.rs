//! The open-data API against its own OpenAPI document, as outside clients hold it to it: the
//! document is valid OpenAPI 3.1 (openapi-spec-validator: unique operation ids, resolvable
//! references …), and schemathesis (`pip install schemathesis`; `./test.sh` installs it) generates valid and
//! invalid requests for every operation and runs all its checks — no server error, only
//! documented statuses, content types and bodies that match the schemas, invalid input refused
//! and valid input accepted. The demo data gives it proposals in every state, consultations
//! open and published, and meetings held and coming to find. Only loopback is reached.

use crate::support::db::count;
use crate::support::surveys::{answered, results_public};
use crate::support::{run, TestApp};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

pub const TESTS: &[(&str, fn())] = &[
    (
        "api_contract::the_openapi_document_is_valid",
        the_openapi_document_is_valid,
    ),
    (
        "api_contract::state_filters_apply_and_refuse_what_the_document_refuses",
        state_filters_apply_and_refuse_what_the_document_refuses,
    ),
    (
        "api_contract::schemathesis_finds_no_failure_in_the_openapi_document",
        schemathesis_finds_no_failure_in_the_openapi_document,
    ),
];

const VALIDATE: &str = "import json, sys\n\
from openapi_spec_validator import validate\n\
validate(json.load(open(sys.argv[1], encoding='utf-8')))\n";

fn the_openapi_document_is_valid() {
    run(async {
        let app = TestApp::start().await;
        let document = app.page("/api/v1/openapi.json").await;
        drop(app);
        let file = std::env::temp_dir().join(format!("kyodo-openapi-{}.json", std::process::id()));
        std::fs::write(&file, &document).unwrap();
        let output = Command::new("python3")
            .args(["-c", VALIDATE])
            .arg(&file)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .expect("python3 runs");
        let _ = std::fs::remove_file(&file);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("ModuleNotFoundError"),
            "openapi-spec-validator is missing: `python3 -m pip install openapi-spec-validator`, \
             or run ./test.sh, which installs it\n{stderr}"
        );
        assert!(
            output.status.success(),
            "the OpenAPI document is not valid:\n{stderr}"
        );
    })
}

/// `?state=` filters both lists; a value the document does not list (`draft` among them), an
/// empty one or a padded one is a 400 problem, never ignored.
fn state_filters_apply_and_refuse_what_the_document_refuses() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        for (list, key, state) in [
            ("consultations", "consultations", "result_published"),
            ("consultations", "consultations", "open"),
            ("proposals", "proposals", "adopted"),
            ("proposals", "proposals", "submitted"),
        ] {
            let all = app.json(&format!("/api/v1/{list}")).await;
            let all = all[key].as_array().unwrap();
            let some = app.json(&format!("/api/v1/{list}?state={state}")).await;
            let some = some[key].as_array().unwrap();
            assert!(!some.is_empty(), "the demo has {list} in {state}");
            assert!(some.iter().all(|c| c["state"] == state), "{some:?}");
            let expected = all.iter().filter(|c| c["state"] == state).count();
            assert_eq!(some.len(), expected, "every {list} in {state}");
        }
        for path in [
            "/api/v1/consultations?state=draft",
            "/api/v1/consultations?state=",
            "/api/v1/consultations?state=%20open",
            "/api/v1/proposals?state=draft",
            "/api/v1/proposals?state=accepted",
            "/api/v1/proposals?state=",
            "/api/v1/proposals?organisation=",
            "/api/v1/proposals?measure=5-1%20",
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 400, "{path}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{path}"
            );
            let problem: serde_json::Value = response.json().await.unwrap();
            assert_eq!(problem["status"], 400, "{path}: {problem}");
        }
    })
}

/// A run of the fixed seed takes about 30 s on a quiet machine and passed 90 s with a release
/// build beside it; this bound only stops a hung run (a failure), it measures nothing.
const LIMIT: Duration = Duration::from_secs(600);

fn schemathesis_finds_no_failure_in_the_openapi_document() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        // A published survey whose results are public, unless the demo has one already.
        if count(
            &app,
            "SELECT count(*) AS n FROM surveys WHERE results_published_at IS NOT NULL",
        ) == 0
        {
            let survey = answered(&app).await;
            results_public(&app, survey.id);
        }
        // Hypothesis keeps its example database in the working folder: a fresh one each run.
        let work = std::env::temp_dir().join(format!("kyodo-schemathesis-{}", std::process::id()));
        std::fs::create_dir_all(&work).unwrap();
        // A warning (an unresolvable reference, an operation never answering 2xx …) fails too.
        let config = work.join("schemathesis.toml");
        std::fs::write(&config, "[warnings]\nfail-on = true\n").unwrap();
        let command = Command::new("schemathesis")
            .current_dir(&work)
            .arg("--config-file")
            .arg(&config)
            .args(["run", "--checks", "all", "--url", &app.base])
            .args([
                "--max-examples",
                "100",
                "--seed",
                "20261202",
                "--workers",
                "1",
            ])
            .arg(app.url("/api/v1/openapi.json"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        // No --max-time: that repeats fuzzing until the time is spent, so the cases would depend
        // on the machine's speed; a fixed seed and example count give the same run every time.
        let output = tokio::time::timeout(LIMIT, command).await;
        drop(app);
        let _ = std::fs::remove_dir_all(&work);
        let output = output
            .expect("schemathesis finishes in time")
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run schemathesis ({e}): install it with `python3 -m pip install \
                     schemathesis`, or run ./test.sh, which does"
                )
            });
        assert!(
            output.status.success(),
            "schemathesis found failures ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    })
}
