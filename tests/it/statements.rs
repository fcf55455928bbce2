//! What the public pages send PostgreSQL: only named prepared statements of diesel's statement
//! cache (parsed and planned once per connection, never per request) and transaction control,
//! no pool check-out ping, and no more statements than recorded here for each page.

use crate::support::db::text;
use crate::support::people::sign_in;
use crate::support::{run, TestApp, Visitor};
use kyodo::db::{Statement, StatementKind};

pub const TESTS: &[(&str, fn())] = &[(
    "statements::public_pages_send_only_prepared_statements",
    public_pages_send_only_prepared_statements,
)];

/// Each public page and API twin, with the most statements it may send after a warm-up visit:
/// anonymous, then signed in (the session: one statement more, an `UPDATE … RETURNING`).
/// `{proposal}`, `{open}`, `{published}` and `{organisation}` stand for rows of the demo data.
const PAGES: &[(&str, usize, usize)] = &[
    ("/", 99, 99),
    ("/chapters/5", 99, 99),
    ("/measures/5-1", 99, 99),
    ("/measures/6-1", 99, 99),
    ("/measures/6-2", 99, 99),
    ("/plans", 99, 99),
    ("/plans/1", 99, 99),
    ("/proposals", 99, 99),
    ("/proposals?sort=supported", 99, 99),
    ("/proposals?sort=decided", 99, 99),
    ("/proposals?before={before}", 99, 99),
    ("/proposals?sort=supported&before={before}", 99, 99),
    ("/proposals?sort=decided&before={before}", 99, 99),
    ("/proposals?measure=5-1", 99, 99),
    ("/proposals?state=adopted", 99, 99),
    ("/proposals?organisation={organisation}", 99, 99),
    ("/proposals?q=%E9%98%B2%E7%81%BD", 99, 99),
    ("/proposals?measure=5-1&state=completed&organisation={organisation}&q=%E9%A3%9F%E5%A0%82&sort=supported&before={before}", 99, 99),
    ("/proposals/{proposal}", 99, 99),
    ("/proposals/feed.atom", 99, 99),
    ("/consultations", 99, 99),
    ("/consultations/{open}", 99, 99),
    ("/consultations/{published}", 99, 99),
    ("/consultations/{published}/result", 99, 99),
    ("/consultations/feed.atom", 99, 99),
    ("/api/v1/measures", 99, 99),
    ("/api/v1/measures/5-1", 99, 99),
    ("/api/v1/measures/6-1", 99, 99),
    ("/api/v1/plans", 99, 99),
    ("/api/v1/plans/1", 99, 99),
    ("/api/v1/proposals", 99, 99),
    ("/api/v1/proposals?sort=decided&state=adopted&measure=5-1&organisation={organisation}&q=%E9%A3%9F%E5%A0%82&before={before}", 99, 99),
    ("/api/v1/proposals/{proposal}", 99, 99),
    ("/api/v1/consultations", 99, 99),
    ("/api/v1/consultations/{open}", 99, 99),
    ("/api/v1/consultations/{published}", 99, 99),
    ("/api/v1/consultations/{published}/result", 99, 99),
];

/// A cursor for `?before=`: any well-formed one makes the keyset variant of the list's query.
const BEFORE: &str = "0_1764000000123456_00000000-0000-4000-8000-000000000001";

/// The statements one GET of `path` sends, which must answer 200.
async fn sent(app: &TestApp, visitor: &Visitor, path: &str) -> Vec<Statement> {
    let from = app.queries.statements().len();
    let response = visitor.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.bytes().await.unwrap();
    app.queries.statements().split_off(from)
}

fn public_pages_send_only_prepared_statements() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let proposal = text(
            &app,
            "SELECT id::text FROM proposals WHERE state = 'adopted' LIMIT 1",
        );
        let open = text(
            &app,
            "SELECT id::text FROM consultations WHERE result_published_at IS NULL LIMIT 1",
        );
        let published = text(
            &app,
            "SELECT id::text FROM consultations WHERE result_published_at IS NOT NULL LIMIT 1",
        );
        let organisation = text(
            &app,
            "SELECT organisation_id::text FROM proposals WHERE organisation_id IS NOT NULL
               AND submitted_at IS NOT NULL LIMIT 1",
        );
        let anonymous = app.visitor();
        let resident = sign_in(
            &app,
            kyodo::demo::RESIDENT_EMAIL,
            kyodo::demo::RESIDENT_PASSWORD,
        )
        .await;
        let mut observed = Vec::new();
        for (page, most_anonymous, most_resident) in PAGES {
            let path = page
                .replace("{proposal}", &proposal)
                .replace("{open}", &open)
                .replace("{published}", &published)
                .replace("{organisation}", &organisation)
                .replace("{before}", BEFORE);
            for (who, visitor, most) in [
                ("anonymous", &anonymous, *most_anonymous),
                ("resident", &resident, *most_resident),
            ] {
                sent(&app, visitor, &path).await;
                let statements = sent(&app, visitor, &path).await;
                let unprepared: Vec<&Statement> = statements
                    .iter()
                    .filter(|s| s.kind == StatementKind::Unprepared)
                    .collect();
                assert!(
                    unprepared.is_empty(),
                    "{path} ({who}) sends statements PostgreSQL parses and plans on every \
                     request (wrap them in kyodo::db::prepared): {unprepared:#?}"
                );
                observed.push(format!("{page} {who} {}", statements.len()));
                assert!(
                    statements.len() <= most,
                    "{path} ({who}) sends {} statements, at most {most} recorded: {statements:#?}",
                    statements.len()
                );
            }
        }
        eprintln!("{}", observed.join("\n"));
    })
}
