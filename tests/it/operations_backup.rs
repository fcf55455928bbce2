//! `kyodo backup` and `kyodo restore` as the city's IT department runs them, and the
//! docker-compose file they deploy with.

use crate::support::Cluster;
use diesel::prelude::*;
use kyodo::db::LocalPostgres;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const TESTS: &[(&str, fn())] = &[
    (
        "operations_backup::a_restore_gives_back_every_table_and_file",
        a_restore_gives_back_every_table_and_file,
    ),
    (
        "operations_backup::docker_compose_runs_postgresql_the_app_and_mailpit",
        docker_compose_runs_postgresql_the_app_and_mailpit,
    ),
];

fn kyodo(args: &[&str], database_url: Option<&str>, data_dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyodo"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("KYODO_DATA_DIR", data_dir);
    if let Some(url) = database_url {
        // A configured server is migrated only when asked: the demo that fills it first asks.
        command
            .env("DATABASE_URL", url)
            .env("KYODO_MIGRATE", "auto");
    }
    command.output().unwrap()
}

fn ok(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn refused(output: Output, what: &str) -> String {
    assert!(!output.status.success(), "{what} is refused");
    String::from_utf8(output.stderr).unwrap()
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Fingerprint {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    md5: Option<String>,
}

/// Every table of the database: its row count and the md5 of its rows in order.
fn fingerprints(url: &str) -> BTreeMap<String, Fingerprint> {
    let mut conn = PgConnection::establish(url).unwrap();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public'",
    )
    .load(&mut conn)
    .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let fingerprint = diesel::sql_query(format!(
                "SELECT count(*) AS rows, md5(string_agg(r::text, E'\\n' ORDER BY r::text)) AS md5
                 FROM \"{}\" r",
                t.name
            ))
            .get_result(&mut conn)
            .unwrap();
            (t.name, fingerprint)
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kyodo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn a_restore_gives_back_every_table_and_file() {
    // A site with demo data, an attachment and an email written to the mail folder.
    let source = Cluster::get().empty_database();
    let source_dir = scratch("backup-source");
    ok(kyodo(&["demo"], Some(&source.url), &source_dir), "demo");
    let mut conn = PgConnection::establish(&source.url).unwrap();
    diesel::sql_query(
        "INSERT INTO attachments (id, owner_type, owner_id, filename, content_type, byte_size,
                                  sha256, data, uploaded_by)
         SELECT gen_random_uuid(), 'proposal', p.id::text, '資料.png', 'image/png', 4,
                repeat('a', 64), '\\x89504e47'::bytea, p.author_id
         FROM proposals p LIMIT 1",
    )
    .execute(&mut conn)
    .unwrap();
    std::fs::create_dir_all(source_dir.join("mail")).unwrap();
    let email = "Subject: =?utf-8?b?5oSP6KaL?=\r\n\r\n本庄市\r\n";
    std::fs::write(source_dir.join("mail/0001.eml"), email).unwrap();
    let before = fingerprints(&source.url);
    assert!(before["comments"].rows > 0 && before["attachments"].rows == 1);

    let backups = scratch("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let file = backups.join("kyodo.kyodo-backup");
    let file_arg = file.to_str().unwrap();
    let said = ok(
        kyodo(&["backup", file_arg], Some(&source.url), &source_dir),
        "backup",
    );
    assert!(
        said.contains("database with attachments, 1 files"),
        "{said}"
    );
    let listing = Command::new("tar").arg("-tf").arg(&file).output().unwrap();
    let listing = String::from_utf8(listing.stdout).unwrap();
    assert_eq!(
        listing.lines().collect::<Vec<_>>(),
        ["manifest.json", "database.dump", "mail/0001.eml"]
    );

    // Into an empty data folder: a new private cluster gets every row, the folder every file.
    let target = scratch("restored");
    ok(kyodo(&["restore", file_arg], None, &target), "restore");
    let restored = LocalPostgres::start(&target.join("postgres")).unwrap();
    let after = fingerprints(&restored.url("kyodo"));
    restored.stop().unwrap();
    assert_eq!(before.len(), after.len(), "the same tables");
    for (table, fingerprint) in &before {
        assert_eq!(Some(fingerprint), after.get(table), "table {table}");
    }
    assert_eq!(
        std::fs::read_to_string(target.join("mail/0001.eml")).unwrap(),
        email
    );
    assert!(!target.join(".restore").exists(), "no working files left");

    // Never over something: a data folder with anything in it, a database with tables.
    let message = refused(kyodo(&["restore", file_arg], None, &target), "restore");
    assert!(
        message.contains("is not empty") && message.contains("only restores into an empty"),
        "{message}"
    );
    let empty_dir = scratch("restore-over-database");
    let message = refused(
        kyodo(&["restore", file_arg], Some(&source.url), &empty_dir),
        "restore over a database with tables",
    );
    assert!(message.contains("empty database"), "{message}");
    assert_eq!(fingerprints(&source.url), before, "nothing changed");

    for dir in [source_dir, backups, target, empty_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `docker compose config` as JSON, from the compose plugin or Debian's docker-compose
/// (./test.sh installs it; there is no engine here to run `docker compose up`).
fn compose_config() -> serde_json::Value {
    let root = env!("CARGO_MANIFEST_DIR");
    let plugin = Command::new("docker")
        .args(["compose", "config"])
        .current_dir(root)
        .output();
    let output = match plugin {
        Ok(output) if output.status.success() => output,
        _ => Command::new("docker-compose")
            .arg("config")
            .current_dir(root)
            .output()
            .expect("docker compose or docker-compose (./test.sh installs it)"),
    };
    let yaml = ok(output, "docker compose config");
    let mut python = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut python.stdin.take().unwrap(), yaml.as_bytes()).unwrap();
    let json = ok(python.wait_with_output().unwrap(), "yaml to json");
    serde_json::from_str(&json).unwrap()
}

fn docker_compose_runs_postgresql_the_app_and_mailpit() {
    let config = compose_config();
    let services = &config["services"];
    let names: Vec<&String> = services.as_object().unwrap().keys().collect();
    assert_eq!(names, ["app", "db", "mailpit", "migrate"]);
    for name in ["app", "db", "mailpit"] {
        assert!(
            services[name]["healthcheck"]["test"].is_array(),
            "{name} has a health check"
        );
    }
    let app = &services["app"];
    assert_eq!(app["environment"]["SMTP_URL"], "smtp://mailpit:1025");
    assert!(app["environment"]["DATABASE_URL"]
        .as_str()
        .unwrap()
        .contains("@db:5432/kyodo"));
    for dependency in ["db", "mailpit"] {
        assert_eq!(
            app["depends_on"][dependency]["condition"], "service_healthy",
            "the app waits for {dependency}"
        );
    }
    // A configured server is migrated explicitly, before the app starts (it refuses an older
    // schema).
    let migrate = &services["migrate"];
    assert_eq!(migrate["command"], serde_json::json!(["kyodo", "migrate"]));
    assert_eq!(
        app["depends_on"]["migrate"]["condition"],
        "service_completed_successfully"
    );
    assert_eq!(
        migrate["environment"]["DATABASE_URL"],
        app["environment"]["DATABASE_URL"]
    );
    let published = |service: &str| -> Vec<String> {
        services[service]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["published"].to_string().trim_matches('"').to_owned())
            .collect()
    };
    assert_eq!(published("app"), ["8080"]);
    assert_eq!(published("mailpit"), ["8025"], "Mailpit's web view");
    // "db-data:/var/lib/postgresql/data:rw" (docker-compose) or {source, target} (plugin).
    let volumes = |service: &str| services[service]["volumes"].to_string();
    for (service, volume, path) in [
        ("db", "db-data", "/var/lib/postgresql/data"),
        ("app", "app-data", "/var/lib/kyodo"),
    ] {
        assert!(
            volumes(service).contains(volume) && volumes(service).contains(path),
            "{service} keeps its data in the volume {volume}"
        );
        assert!(
            config["volumes"].get(volume).is_some(),
            "{volume} is declared"
        );
    }
}
