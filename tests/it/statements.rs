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
/// `{proposal}`, `{open}`, `{published}`, `{organisation}` and `{meeting}` stand for rows of the
/// demo data, `{survey}` for a survey with public results.
const PAGES: &[(&str, usize, usize)] = &[
    // The plan's rows come from memory (plan::cache): nothing, or the session for a resident.
    ("/", 0, 1),
    ("/chapters/5", 0, 1),
    // The live count beside KPI 5-1 (6-1: meetings by kind and consultations, one statement);
    // its proposals; its meetings; a page of comments; follow/pre-moderation; signed in, the
    // session and the resident's organisations (to comment as one).
    ("/measures/5-1", 5, 7),
    ("/measures/6-1", 5, 7),
    // No live count beside its KPIs, nothing on it: the same sections, each one statement.
    ("/measures/6-2", 4, 6),
    ("/plans", 0, 1),
    ("/plans/1", 0, 1),
    // A page of proposals, their measures and the filter's organisations (its measures are the
    // plan's, from memory).
    ("/proposals", 3, 4),
    ("/proposals?sort=supported", 3, 4),
    ("/proposals?sort=decided", 3, 4),
    ("/proposals?before={before}", 3, 4),
    ("/proposals?sort=supported&before={before}", 3, 4),
    ("/proposals?sort=decided&before={before}", 3, 4),
    ("/proposals?measure=5-1", 3, 4),
    ("/proposals?state=adopted", 3, 4),
    ("/proposals?organisation={organisation}", 3, 4),
    ("/proposals?q=%E9%98%B2%E7%81%BD", 3, 4),
    (
        "/proposals?measure=5-1&state=completed&organisation={organisation}&q=%E9%A3%9F%E5%A0%82&sort=supported&before={before}",
        3,
        4,
    ),
    // The proposal, its measures, timeline, standing, comments, responses, files; signed in,
    // also the resident's organisations.
    ("/proposals/{proposal}", 7, 9),
    ("/proposals/feed.atom", 1, 2),
    // The consultations with their opinion counts (kept by a trigger).
    ("/consultations", 1, 2),
    // The consultation with its opinion count, its measures, sections, files and notices.
    ("/consultations/{open}", 5, 6),
    ("/consultations/{published}", 5, 6),
    // The consultation's five, then the kept counts, the result table and a page of opinions.
    ("/consultations/{published}/result", 8, 9),
    ("/consultations/feed.atom", 2, 3),
    // The meetings (two: with their measures), their seats.
    ("/meetings", 3, 4),
    ("/meetings?measure=6-1&kind=workshop&month=2026-12", 3, 4),
    // The published surveys.
    ("/surveys", 1, 2),
    ("/api/v1/measures", 0, 0),
    ("/api/v1/measures/5-1", 1, 1),
    ("/api/v1/measures/6-1", 1, 1),
    ("/api/v1/plans", 0, 0),
    ("/api/v1/plans/1", 0, 0),
    ("/api/v1/proposals", 3, 3),
    (
        "/api/v1/proposals?sort=decided&state=adopted&measure=5-1&organisation={organisation}&q=%E9%A3%9F%E5%A0%82&before={before}",
        3,
        3,
    ),
    ("/api/v1/proposals/{proposal}", 5, 5),
    ("/api/v1/consultations", 1, 1),
    ("/api/v1/consultations/{open}", 5, 5),
    ("/api/v1/consultations/{published}", 5, 5),
    ("/api/v1/consultations/{published}/result", 7, 7),
    // A page of meetings, their measures and seats.
    ("/api/v1/meetings", 3, 3),
    (
        "/api/v1/meetings?measure=5-1&kind=workshop&when=past&from=2000-01-01&to=2100-12-31&after=4102444800000000_999999999",
        3,
        3,
    ),
    ("/api/v1/meetings?month=2026-12&when=upcoming", 3, 3),
    // The meeting, its measures, seats, notices and minutes.
    ("/api/v1/meetings/{meeting}", 5, 5),
    // The survey (4), its tally (2), numbers, shown texts and channels.
    // The survey with its sections, questions and choices (four), and the visitor's saved
    // response (their answers, when there is one).
    ("/surveys/{survey}", 5, 7),
    ("/surveys/{survey}/results", 9, 10),
    ("/api/v1/surveys", 1, 1),
    ("/api/v1/surveys/{survey}", 4, 4),
    ("/api/v1/surveys/{survey}/results", 9, 9),
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
        let app = TestApp::start_with(|state| state.queries.log_statements()).await;
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
        let meeting = text(
            &app,
            "SELECT id::text FROM meetings WHERE minutes_published_at IS NOT NULL LIMIT 1",
        );
        let survey = crate::support::surveys::answered(&app).await;
        crate::support::surveys::results_public(&app, survey.id);
        let anonymous = app.visitor();
        let resident = sign_in(
            &app,
            kyodo::demo::RESIDENT_EMAIL,
            kyodo::demo::RESIDENT_PASSWORD,
        )
        .await;
        resident.page("/account").await;
        for (page, most_anonymous, most_resident) in PAGES {
            let path = page
                .replace("{proposal}", &proposal)
                .replace("{open}", &open)
                .replace("{published}", &published)
                .replace("{organisation}", &organisation)
                .replace("{meeting}", &meeting)
                .replace("{survey}", &survey.id.to_string())
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
                assert!(
                    !statements.iter().any(|s| s.sql == "SELECT 1"),
                    "{path} ({who}): no check-out ping on a healthy pool: {statements:#?}"
                );
                assert!(
                    statements.len() <= most,
                    "{path} ({who}) sends {} statements, at most {most} recorded: {statements:#?}",
                    statements.len()
                );
            }
        }
    })
}
