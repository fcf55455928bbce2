//! The `kyodo` binary as a new user runs it.

use crate::support::{run, Cluster};
use diesel::prelude::*;
use std::io::{BufRead, BufReader};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const TESTS: &[(&str, fn())] = &[
    (
        "cli::help_explains_commands_and_settings",
        help_explains_commands_and_settings,
    ),
    (
        "cli::serve_with_nothing_configured_starts_its_own_postgresql",
        serve_with_nothing_configured_starts_its_own_postgresql,
    ),
    (
        "cli::ctrl_c_finishes_the_requests_in_flight",
        ctrl_c_finishes_the_requests_in_flight,
    ),
    (
        "cli::a_cluster_left_by_kill_9_is_stopped_by_the_next_serve",
        a_cluster_left_by_kill_9_is_stopped_by_the_next_serve,
    ),
    (
        "cli::migrate_and_seed_use_database_url",
        migrate_and_seed_use_database_url,
    ),
    (
        "cli::demo_fills_an_empty_database_once",
        demo_fills_an_empty_database_once,
    ),
];

pub fn kyodo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyodo"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("KYODO_LISTEN")
        .env_remove("KYODO_DATA_DIR");
    command
}

/// Starts `kyodo serve` on a free port; returns it with the address it prints.
pub fn serve(command: &mut Command) -> (Child, String) {
    let mut child = command
        .env("KYODO_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(str::to_owned)
        })
        .expect("serve prints its address");
    (child, address)
}

pub fn signal(child: &Child, signal: i32) {
    // SAFETY: kill(2) of a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
}

fn help_explains_commands_and_settings() {
    let output = kyodo().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "serve",
        "migrate",
        "seed",
        "KYODO_LISTEN",
        "DATABASE_URL",
        "KYODO_DATA_DIR",
        "RUST_LOG",
    ] {
        assert!(
            help.contains(expected),
            "--help mentions {expected}:\n{help}"
        );
    }
}

fn serve_with_nothing_configured_starts_its_own_postgresql() {
    let data_dir = std::env::temp_dir().join(format!("kyodo-zero-setup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (mut child, address) = serve(kyodo().env("KYODO_DATA_DIR", &data_dir));
    run(async {
        let client = reqwest::Client::new();
        assert_eq!(
            client
                .get(format!("{address}readyz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let page = client
            .get(format!("{address}measures/6-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("2,927,767 件"));
        // A command run beside the server uses its cluster and leaves it running.
        let output = kyodo()
            .arg("seed")
            .env("KYODO_DATA_DIR", &data_dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            client
                .get(format!("{address}readyz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    });
    // SIGTERM stops the server and the cluster it started.
    signal(&child, libc::SIGTERM);
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
    let cluster = data_dir.join("postgres");
    assert!(
        cluster.join("PG_VERSION").exists(),
        "the cluster lives in the data folder"
    );
    assert!(
        !cluster.join("postmaster.pid").exists(),
        "PostgreSQL was stopped"
    );

    // A second run reuses the cluster: `seed` starts it, finds nothing to change, stops it.
    let output = kyodo()
        .arg("seed")
        .env("KYODO_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("rows_changed=0"), "{log}");
    assert!(!log.contains("initialised"), "no second initdb: {log}");
    assert!(!cluster.join("postmaster.pid").exists());
    let _ = std::fs::remove_dir_all(&data_dir);
}

fn migrate_and_seed_use_database_url() {
    let database = Cluster::get().empty_database();
    let url = database.url.clone();
    let measures = |url: &str| -> i64 {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM measures)",
        ))
        .get_result(&mut PgConnection::establish(url).unwrap())
        .unwrap()
    };
    let run = |command: &str| {
        let output = kyodo()
            .arg(command)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "kyodo {command}: {log}");
    };
    run("migrate");
    assert_eq!(measures(&url), 0, "migrate creates the schema only");
    run("seed");
    assert_eq!(measures(&url), 33);
}

fn demo_fills_an_empty_database_once() {
    let database = Cluster::get().empty_database();
    let url = database.url.clone();
    let demo = || {
        kyodo()
            .arg("demo")
            .env("DATABASE_URL", &url)
            // An empty configured server: migrating at start is asked for (the default is off).
            .env("KYODO_MIGRATE", "auto")
            .output()
            .unwrap()
    };
    let output = demo();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(kyodo::demo::ADMIN_PASSWORD), "{stdout}");
    assert!(stdout.contains(kyodo::demo::RESIDENT_EMAIL), "{stdout}");
    let count = |sql: &str| -> i64 {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "({sql})"
        )))
        .get_result(&mut PgConnection::establish(&url).unwrap())
        .unwrap()
    };
    let states = count("SELECT count(DISTINCT state) FROM proposals");
    assert!(states >= 8, "proposals in {states} states");
    let transitions = count("SELECT count(*) FROM proposal_transitions");
    let audit = count("SELECT count(*) FROM audit_log");
    assert!(transitions >= 20, "timelines: {transitions}");
    assert_eq!(
        count("SELECT count(*) FROM organisations WHERE verified_at IS NOT NULL"),
        3
    );
    assert!(count("SELECT count(*) FROM accounts WHERE email_verified_at IS NOT NULL") >= 9);

    // The public list shows them, the draft excepted.
    let listed = {
        let mut conn = PgConnection::establish(&url).unwrap();
        kyodo::proposals::model::list(&mut conn, &Default::default())
            .unwrap()
            .0
    };
    assert!(listed.len() >= 8, "{} listed", listed.len());
    assert!(listed
        .iter()
        .any(|p| p.title == "空き店舗を活用した子ども食堂"));
    assert!(listed.iter().all(|p| p.state.is_public()));

    // A second run refuses and changes nothing.
    let again = demo();
    assert!(!again.status.success());
    let log = String::from_utf8_lossy(&again.stderr);
    assert!(log.contains("only fills an empty database"), "{log}");
    assert_eq!(
        count("SELECT count(*) FROM proposal_transitions"),
        transitions
    );
    assert_eq!(count("SELECT count(*) FROM audit_log"), audit);
}

/// Ctrl+C (SIGINT) stops as SIGTERM does: no new connections, but a request already being
/// received is answered before the process exits.
fn ctrl_c_finishes_the_requests_in_flight() {
    let database = Cluster::get().fresh_database();
    let (mut child, address) = serve(kyodo().env("DATABASE_URL", &database.url));
    let mut stream =
        std::net::TcpStream::connect(address.trim_start_matches("http://").trim_end_matches('/'))
            .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let body = "email=hanako%40example.jp&password=x";
    write!(
        stream,
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(500));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 403"),
        "the request in flight is answered (no CSRF token: 403): {answer:?}"
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exits cleanly on Ctrl+C: {status}");
}

/// `kyodo serve` killed with -9 leaves its PostgreSQL running; the next `kyodo serve` on the
/// same folder adopts it and, owning the cluster, stops it on exit.
fn a_cluster_left_by_kill_9_is_stopped_by_the_next_serve() {
    let data_dir = std::env::temp_dir().join(format!("kyodo-kill-9-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let pid_file = data_dir.join("postgres").join("postmaster.pid");
    let (mut first, _) = serve(kyodo().env("KYODO_DATA_DIR", &data_dir));
    signal(&first, libc::SIGKILL);
    first.wait().unwrap();
    assert!(pid_file.exists(), "PostgreSQL survives the kill");

    let (mut second, address) = serve(kyodo().env("KYODO_DATA_DIR", &data_dir));
    run(async {
        let ready = reqwest::get(format!("{address}readyz")).await.unwrap();
        assert_eq!(ready.status(), 200, "the surviving cluster is used");
    });
    signal(&second, libc::SIGTERM);
    assert!(second.wait().unwrap().success());
    assert!(!pid_file.exists(), "the adopted cluster is stopped on exit");
    let _ = std::fs::remove_dir_all(&data_dir);
}
