//! The bad-input corpus (issue 10): what outside clients and fault tests sent. Every input
//! answers 4xx with a Japanese message (problem details under /api/), never 5xx: U+0000 in
//! every query and form, cursors out of range or garbage on every list, missing fields and
//! unreadable queries, oversized bodies, wrong methods (405 + `Allow`), HEAD on GET routes,
//! and bytes that never make an HTTP request.

use crate::support::db::count;
use crate::support::proposals::submitted;
use crate::support::{run, TestApp};
use kyodo::auth::staff::Method as StaffMethod;
use std::io::{Read, Write};

pub const TESTS: &[(&str, fn())] = &[
    (
        "bad_input::nul_in_every_query_and_form_is_refused",
        nul_in_every_query_and_form_is_refused,
    ),
    (
        "bad_input::cursors_out_of_range_or_garbage_are_refused",
        cursors_out_of_range_or_garbage_are_refused,
    ),
    (
        "bad_input::missing_fields_and_unreadable_queries_are_named",
        missing_fields_and_unreadable_queries_are_named,
    ),
    (
        "bad_input::oversized_bodies_are_413",
        oversized_bodies_are_413,
    ),
    (
        "bad_input::wrong_methods_are_405_with_allow",
        wrong_methods_are_405_with_allow,
    ),
    (
        "bad_input::head_answers_like_get_without_a_body",
        head_answers_like_get_without_a_body,
    ),
    (
        "bad_input::bytes_that_are_no_request_are_refused",
        bytes_that_are_no_request_are_refused,
    ),
];

const ID: &str = "00000000-0000-4000-8000-000000000000";

/// Every GET page and API route outside the staff area, with its path filled in.
fn get_routes() -> Vec<String> {
    [
        "/",
        "/chapters/5",
        "/measures/5-1",
        "/plans",
        "/plans/1",
        "/api/v1/measures",
        "/api/v1/measures/5-1",
        "/api/v1/plans",
        "/api/v1/plans/1",
        "/api/v1/openapi.json",
        "/api/v1/proposals",
        "/api/v1/proposals/{id}",
        "/api/v1/consultations",
        "/api/v1/consultations/1",
        "/api/v1/consultations/1/result",
        "/signup",
        "/verify",
        "/login",
        "/logout",
        "/password/forgot",
        "/password/reset",
        "/account",
        "/account/notifications",
        "/account/email/confirm",
        "/unsubscribe",
        "/organisations",
        "/organisations/new",
        "/organisations/mine",
        "/organisations/join",
        "/organisations/{id}",
        "/organisations/{id}/invite",
        "/proposals",
        "/proposals/feed.atom",
        "/proposals/new",
        "/proposals/mine",
        "/proposals/{id}",
        "/proposals/{id}/edit",
        "/proposals/{id}/preview",
        "/attachments/{id}/a.pdf",
        "/consultations",
        "/consultations/feed.atom",
        "/consultations/unsubscribe",
        "/consultations/1",
        "/consultations/1/receipts/1",
        "/consultations/1/result",
        "/consultations/1/result.csv",
        "/meetings.ics",
        "/meetings.atom",
        "/meetings/1.ics",
        "/meetings",
        "/meetings/1",
        "/meetings/cancel",
        "/meetings/unsubscribe",
        "/surveys",
        "/surveys/1",
        "/surveys/1/results",
        "/surveys/1/results.csv",
        "/api/v1/surveys",
        "/api/v1/surveys/1",
        "/api/v1/surveys/1/results",
        "/lang/en",
        "/healthz",
        "/readyz",
    ]
    .into_iter()
    .map(|path| path.replace("{id}", ID))
    .chain(staff_routes(StaffMethod::Get))
    .collect()
}

/// Every form (POST) outside the staff area, then every staff form.
fn post_routes() -> Vec<String> {
    [
        "/signup",
        "/login",
        "/logout",
        "/password/forgot",
        "/password/reset",
        "/account/profile",
        "/account/email",
        "/account/password",
        "/account/notifications",
        "/account/notifications/read",
        "/account/notifications/1/read",
        "/account/verification",
        "/account/sessions/end",
        "/account/delete",
        "/unsubscribe",
        "/organisations/new",
        "/organisations/join",
        "/organisations/{id}/invite",
        "/organisations/{id}/leave",
        "/organisations/{id}/transfer",
        "/proposals/new",
        "/proposals/{id}/edit",
        "/proposals/{id}/submit",
        "/proposals/{id}/resubmit",
        "/proposals/{id}/withdraw",
        "/proposals/{id}/support",
        "/proposals/{id}/follow",
        "/proposals/{id}/comments",
        "/measures/5-1/comments",
        "/measures/5-1/follow",
        "/measures/5-1/unfollow",
        "/comments/{id}/report",
        "/consultations/unsubscribe",
        "/consultations/1/comments",
        "/meetings/1/register",
        "/meetings/1/cancel",
        "/meetings/cancel",
        "/meetings/unsubscribe",
        "/surveys/1",
        "/surveys/1/code",
    ]
    .into_iter()
    .map(|path| path.replace("{id}", ID))
    .chain(staff_routes(StaffMethod::Post))
    .collect()
}

fn staff_routes(method: StaffMethod) -> impl Iterator<Item = String> {
    kyodo::app::staff_routes()
        .filter(move |route| route.method == method)
        .map(|route| {
            route
                .path
                .replace("{id}", "1")
                .replace("{code}", "5-1")
                .replace("{question}", "1")
                .replace("{answer}", "1")
                .replace("{batch}", "1")
        })
}

/// Hiragana, katakana or kanji: a message a person here can read.
fn japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// Asserts a refusal a person (or, under /api/, a program) can act on; returns the body.
async fn refused(response: reqwest::Response, what: &str) -> String {
    let status = response.status();
    assert!(status.is_client_error(), "{what}: {status}");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    if what.contains("/api/") {
        assert_eq!(content_type, "application/problem+json", "{what}");
    }
    let body = response.text().await.unwrap();
    assert!(japanese(&body), "{what}: a Japanese message in {body}");
    body
}

async fn post_form(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

const NUL_SAID: &str = "NUL 文字";

fn nul_in_every_query_and_form_is_refused() {
    run(async {
        let app = TestApp::start().await;
        // The inputs the report named.
        for path in [
            "/proposals?q=%00",
            "/api/v1/proposals?q=a%00b",
            "/proposals?measure=5-1%00",
            "/measures/5-1?after=%00",
            "/login?next=/%00",
            "/measures/%00",
        ] {
            let body = refused(app.get(path).await, path).await;
            assert!(body.contains(NUL_SAID), "{path}: {body}");
        }
        // Every query and form, however the rest of it looks.
        for path in get_routes() {
            let what = format!("GET {path}?q=a%00b");
            let body = refused(app.get(&format!("{path}?q=a%00b")).await, &what).await;
            assert!(body.contains(NUL_SAID), "{what}: {body}");
        }
        for path in post_routes() {
            for body in ["csrf=x&body=a%00b", "csrf=x&reason=\0"] {
                let what = format!("POST {path} {body:?}");
                let text = refused(post_form(&app, &path, body).await, &what).await;
                assert!(text.contains(NUL_SAID), "{what}: {text}");
                // Sent from no page of ours (no matching token): its text is not shown.
                assert!(!text.contains("入力した内容"), "{what}: {text}");
            }
        }
        // A signed-in resident's comment and report, as a browser sends them; nothing saved.
        let (hanako, proposal) = submitted(&app).await;
        let response = hanako
            .submit(
                "/measures/5-1",
                "/measures/5-1/comments",
                &[("body", "花壇の\0手入れ")],
            )
            .await;
        let page = refused(response, "a comment with U+0000").await;
        assert!(page.contains(NUL_SAID));
        assert!(
            page.contains("花壇の手入れ"),
            "what was typed is shown back"
        );
        let response = hanako
            .submit(
                &format!("/proposals/{proposal}"),
                &format!("/proposals/{proposal}/comments"),
                &[("body", "\0")],
            )
            .await;
        refused(response, "a proposal comment with U+0000").await;
        assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 0);
    })
}

fn cursors_out_of_range_or_garbage_are_refused() {
    run(async {
        let app = TestApp::start().await;
        let (_, proposal) = submitted(&app).await;
        let far = "-1000000000000000000";
        let mut paths = Vec::new();
        for list in ["/proposals", "/api/v1/proposals"] {
            for query in [
                format!("before={far}_{ID}"),
                format!("sort=supported&before=1_{far}_{ID}"),
                format!("sort=decided&before=400000000000000000_{ID}"),
                format!("before={}_{ID}", i64::MAX),
                "before=garbage".to_owned(),
                format!("sort=supported&before=-1_0_{ID}"),
            ] {
                paths.push(format!("{list}?{query}"));
            }
        }
        for page in ["/measures/5-1".to_owned(), format!("/proposals/{proposal}")] {
            for after in [
                format!("{far}.{ID}"),
                "garbage".to_owned(),
                format!("1.{ID}x"),
            ] {
                paths.push(format!("{page}?after={after}"));
            }
        }
        for path in paths {
            let response = app.get(&path).await;
            assert_eq!(response.status(), 400, "{path}");
            let body = refused(response, &path).await;
            assert!(
                body.contains("（before）") || body.contains("（after）"),
                "{path} names its parameter: {body}"
            );
        }
    })
}

fn missing_fields_and_unreadable_queries_are_named() {
    run(async {
        let app = TestApp::start().await;
        for (path, body, field) in [
            ("/login", "csrf=x", "「email」がありません"),
            (
                "/login",
                "csrf=x&email=a%40example.jp",
                "「password」がありません",
            ),
            (
                "/signup",
                "email=a%40example.jp",
                "「display_name」がありません",
            ),
            ("/password/forgot", "", "「email」がありません"),
            ("/password/reset", "password=x", "「token」がありません"),
        ] {
            let what = format!("POST {path} {body:?}");
            let response = post_form(&app, path, body).await;
            assert_eq!(response.status(), 400, "{what}");
            let text = refused(response, &what).await;
            assert!(text.contains(field), "{what}: {text}");
            assert!(!text.contains("missing field"), "no English: {text}");
        }
        // A form that is no form.
        let response = app
            .client
            .post(app.url("/login"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let text = refused(response, "JSON to a form").await;
        assert!(text.contains("Content-Type"), "{text}");
        for (path, field) in [
            ("/proposals?q=a&q=b", "「q」が重複しています"),
            (
                "/api/v1/proposals?sort=newest&sort=supported",
                "「sort」が重複しています",
            ),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 400, "{path}");
            let text = refused(response, path).await;
            assert!(text.contains(field), "{path}: {text}");
            assert!(!text.contains("duplicate field"), "no English: {text}");
        }
        // A path that is not UTF-8 once decoded.
        refused(app.get("/measures/%FF").await, "/measures/%FF").await;
    })
}

fn oversized_bodies_are_413() {
    run(async {
        let app = TestApp::start().await;
        let big = format!("csrf=x&body={}", "a".repeat(70 * 1024));
        for path in ["/login", "/measures/5-1/comments", "/staff/departments"] {
            let response = post_form(&app, path, &big).await;
            assert_eq!(response.status(), 413, "{path}");
            let text = refused(response, path).await;
            assert!(text.contains("大きすぎます"), "{text}");
        }
        // Without a length given beforehand (chunked), the limit holds as the body arrives.
        let mut chunked = b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for _ in 0..70 {
            chunked.extend_from_slice(b"400\r\n");
            chunked.extend_from_slice(&[b'a'; 1024]);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let (line, body) = raw(&app, &chunked).await;
        assert!(line.starts_with("HTTP/1.1 413"), "{line}");
        assert!(japanese(&String::from_utf8_lossy(&body)));
    })
}

fn wrong_methods_are_405_with_allow() {
    run(async {
        let app = TestApp::start().await;
        for (method, path, allow) in [
            ("POST", "/proposals", "GET, HEAD"),
            ("DELETE", "/proposals", "GET, HEAD"),
            ("PUT", "/login", "GET, HEAD, POST"),
            ("GET", "/comments/1/report", "POST"),
            ("GET", "/measures/5-1/comments", "POST"),
            ("POST", "/api/v1/measures", "GET, HEAD"),
            ("DELETE", "/api/v1/openapi.json", "GET, HEAD"),
            ("POST", "/static/css/kyodo.css", "GET, HEAD"),
            ("PATCH", "/staff/departments", "GET, HEAD, POST"),
        ] {
            let what = format!("{method} {path}");
            let response = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 405, "{what}");
            assert_eq!(response.headers()["allow"], allow, "{what}");
            refused(response, &what).await;
        }
        // The probes answer programs: text, or JSON when asked, never a page.
        let response = app.client.post(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "GET, HEAD");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let text = refused(response, "POST /healthz").await;
        assert!(!text.contains("<html"), "{text}");
        let response = app
            .client
            .delete(app.url("/readyz"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        refused(response, "DELETE /readyz").await;
        // An address that does not exist stays a 404, with any method.
        for method in ["GET", "POST", "DELETE"] {
            let response = app
                .client
                .request(method.parse().unwrap(), app.url("/no/such/page"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{method}");
            assert!(response.headers().get("allow").is_none());
        }
    })
}

fn head_answers_like_get_without_a_body() {
    run(async {
        let app = TestApp::start().await;
        let (_, proposal) = submitted(&app).await;
        // A visitor who has their CSRF cookie already: pages then come out the same twice.
        let visitor = app.visitor();
        visitor.page("/").await;
        for path in [
            "/".to_owned(),
            "/measures/5-1".to_owned(),
            "/proposals".to_owned(),
            format!("/proposals/{proposal}"),
            "/proposals/feed.atom".to_owned(),
            "/consultations".to_owned(),
            "/login".to_owned(),
            "/api/v1/measures".to_owned(),
            "/api/v1/openapi.json".to_owned(),
            format!("/api/v1/proposals/{proposal}"),
            "/static/css/kyodo.css".to_owned(),
            "/healthz".to_owned(),
            "/readyz".to_owned(),
            "/measures/9-9".to_owned(),
            "/proposals?before=garbage".to_owned(),
        ] {
            let get = visitor.get(&path).await;
            let head = visitor
                .client
                .head(visitor.url(&path))
                .send()
                .await
                .unwrap();
            assert_eq!(head.status(), get.status(), "HEAD {path}");
            for name in ["content-type", "content-length", "etag", "cache-control"] {
                assert_eq!(
                    head.headers().get(name),
                    get.headers().get(name),
                    "HEAD {path}: {name}"
                );
            }
            assert!(
                !get.text().await.unwrap().is_empty(),
                "GET {path} has a body"
            );
            assert_eq!(head.text().await.unwrap(), "", "HEAD {path} has none");
        }
    })
}

/// Sends `request` as raw bytes and returns the status line and the body of the answer (on a
/// blocking thread: the app's server runs on this one).
async fn raw(app: &TestApp, request: &[u8]) -> (String, Vec<u8>) {
    let address = app.base.trim_start_matches("http://").to_owned();
    let request = request.to_vec();
    actix_web::rt::task::spawn_blocking(move || raw_blocking(&address, &request))
        .await
        .unwrap()
}

fn raw_blocking(address: &str, request: &[u8]) -> (String, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // The server may answer (and close) before it has read everything.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = match answer.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => answer[end + 4..].to_vec(),
        None => Vec::new(),
    };
    (status, body)
}

/// Actix answers these itself, before the app, with an empty body (see docs/OPERATIONS.md):
/// the status is all there is to check.
fn bytes_that_are_no_request_are_refused() {
    run(async {
        let app = TestApp::start().await;
        let long = format!(
            "GET /proposals?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(100 * 1024)
        );
        for (what, request, status) in [
            (
                "a raw 0xFF in the path",
                b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
                "400",
            ),
            ("a garbage request line", b"HELLO\r\n\r\n".to_vec(), "400"),
            // Not 414: actix-http has no status of its own for it.
            ("a 100 KiB URL", long.into_bytes(), "400"),
        ] {
            let (line, _) = raw(&app, &request).await;
            assert!(
                line.starts_with(&format!("HTTP/1.1 {status}")),
                "{what}: {line}"
            );
        }
        // Past the parser, the app answers: a raw byte that is no UTF-8 in a query.
        let (line, body) = raw(
            &app,
            b"GET /proposals?q=%FF%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(line.starts_with("HTTP/1.1 400"), "{line}");
        assert!(japanese(&String::from_utf8_lossy(&body)));
    })
}
