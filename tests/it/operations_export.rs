//! `kyodo export`: the city's records of proposals, comments, opinions and results, read back
//! as a records clerk's tools read them (Python's csv module, a JSON parser).

use crate::hardening_security::rows_by_python;
use crate::support::{run, TestApp};
use diesel::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const TESTS: &[(&str, fn())] = &[(
    "operations_export::exports_keep_personal_data_to_admins_and_audit_them",
    exports_keep_personal_data_to_admins_and_audit_them,
)];

const FILES: [&str; 4] = ["proposals", "comments", "opinions", "results"];
const HIDDEN_TEXT: &str = "090-1234-5678 に電話ください";
const ADDRESS: &str = "本庄市千代田3-5-3 非公開";
const SUBMITTER_EMAIL: &str = "kakushi@example.jp";

fn export(url: &str, out: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .arg("export")
        .arg("--out")
        .arg(out)
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .unwrap()
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Each CSV file's rows as Python's csv module reads them (heading first), checking the BOM.
fn read_csv(out: &Path) -> Vec<Vec<Vec<String>>> {
    FILES
        .iter()
        .map(|name| {
            let bytes = std::fs::read(out.join(format!("{name}.csv"))).unwrap();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}.csv has a BOM");
            rows_by_python(&bytes, "utf-8-sig")
        })
        .collect()
}

fn all_text(out: &Path) -> String {
    std::fs::read_dir(out)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect()
}

fn count(conn: &mut PgConnection, sql: &str) -> usize {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(sql))
        .get_result::<i64>(conn)
        .unwrap() as usize
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kyodo-export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn exports_keep_personal_data_to_admins_and_audit_them() {
    run(async {
        let app = TestApp::start().await;
        let url = app.database.url.clone();
        let mut conn = app.db();
        kyodo::demo::fill(&mut conn, &app.base).unwrap();
        // A moderator hid a comment that gave a phone number; an opinion on paper gave an
        // address and an email.
        diesel::sql_query(format!(
            "UPDATE comments SET body = '{HIDDEN_TEXT}', hidden_at = now(),
                 hidden_reason = '個人情報を含むため'
             WHERE id = (SELECT id FROM comments WHERE NOT pending ORDER BY created_at LIMIT 1)"
        ))
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(format!(
            "UPDATE consultation_comments SET submitter_address = '{ADDRESS}',
                 submitter_email = '{SUBMITTER_EMAIL}'
             WHERE id = (SELECT cc.id FROM consultation_comments cc
                         JOIN consultations c ON c.id = cc.consultation_id
                         WHERE c.result_published_at IS NOT NULL AND cc.excluded_at IS NULL
                         ORDER BY cc.id LIMIT 1)"
        ))
        .execute(&mut conn)
        .unwrap();
        let emails: Vec<Option<String>> = kyodo::db::schema::accounts::table
            .select(kyodo::db::schema::accounts::email)
            .load(&mut conn)
            .unwrap();

        // As the public pages show them.
        let public = scratch("public");
        let said = succeeded(&export(&url, &public, &[]));
        assert!(said.contains("proposals.csv:"), "{said}");
        let [proposals, comments, opinions, results] =
            <[_; 4]>::try_from(read_csv(&public)).unwrap();
        assert_eq!(&proposals[0][..3], ["ID", "件名", "状態"]);
        assert_eq!(
            proposals.len() - 1,
            count(
                &mut conn,
                "(SELECT count(*) FROM proposals WHERE submitted_at IS NOT NULL)"
            ),
            "every submitted proposal, no draft"
        );
        assert_eq!(
            comments.len() - 1,
            count(
                &mut conn,
                "(SELECT count(*) FROM comments WHERE NOT pending)"
            ),
        );
        let hidden = comments
            .iter()
            .find(|row| row.contains(&"個人情報を含むため".to_owned()))
            .expect("the hidden comment is listed with its reason");
        assert_eq!(hidden.last().unwrap(), "", "without its text");
        assert!(
            opinions.len() > 1 && results.len() > 1,
            "the published result"
        );
        assert_eq!(
            opinions[0],
            [
                "意見募集ID",
                "意見募集",
                "ID",
                "章・節",
                "結果の番号",
                "本文"
            ]
        );
        let text = all_text(&public);
        for secret in [HIDDEN_TEXT, ADDRESS, SUBMITTER_EMAIL] {
            assert!(!text.contains(secret), "{secret} is not in a public export");
        }
        for email in emails.iter().flatten() {
            assert!(
                !text.contains(email.as_str()),
                "{email} is not in a public export"
            );
        }

        // JSON holds the same records.
        let json = scratch("json");
        succeeded(&export(&url, &json, &["--format", "json"]));
        let records: serde_json::Value =
            serde_json::from_slice(&std::fs::read(json.join("comments.json")).unwrap()).unwrap();
        assert_eq!(records.as_array().unwrap().len(), comments.len() - 1);
        assert!(!all_text(&json).contains(HIDDEN_TEXT));

        // Personal data only on an admin's authority, and audited.
        let audited = |conn: &mut PgConnection| {
            count(
                conn,
                "(SELECT count(*) FROM audit_log WHERE action = 'export.private')",
            )
        };
        let refused_dir = scratch("refused");
        let refused = export(
            &url,
            &refused_dir,
            &["--private", "--as", kyodo::demo::RESIDENT_EMAIL],
        );
        assert!(
            !refused.status.success(),
            "a resident cannot export personal data"
        );
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(message.contains("is not an administrator"), "{message}");
        assert!(!refused_dir.exists(), "nothing written");
        assert_eq!(audited(&mut conn), 0);
        let without_as = export(&url, &refused_dir, &["--private"]);
        assert!(!without_as.status.success(), "--private needs --as");

        let private = scratch("private");
        let admin_email = kyodo::demo::ADMIN_EMAIL.to_uppercase();
        succeeded(&export(
            &url,
            &private,
            &["--private", "--as", &admin_email],
        ));
        let text = all_text(&private);
        for secret in [
            HIDDEN_TEXT,
            ADDRESS,
            SUBMITTER_EMAIL,
            kyodo::demo::RESIDENT_EMAIL,
        ] {
            assert!(text.contains(secret), "{secret} is in a private export");
        }
        let [_, _, opinions, _] = <[_; 4]>::try_from(read_csv(&private)).unwrap();
        assert!(opinions[0].contains(&"住所".to_owned()));
        assert_eq!(audited(&mut conn), 1);
        let actor: Option<String> = diesel::select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >(
            "(SELECT a.email FROM audit_log l JOIN accounts a ON a.id = l.actor_id
              WHERE l.action = 'export.private')",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(actor.as_deref(), Some(kyodo::demo::ADMIN_EMAIL));

        for dir in [public, json, private] {
            let _ = std::fs::remove_dir_all(dir);
        }
    })
}
