//! 数字で見る (`/staff/figures`) over HTTP: a reviewer of one department reads only its
//! proposals and opinions, an admin all of them; comments, reports and the outbox counted for
//! everyone; and in Chromium, axe and the Nu checker on the page.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::people::{department, resident, staff_member, DEPARTMENT};
use crate::support::{run, visible_text, TestApp};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    (
        "staff_figures::a_reviewer_reads_their_department_and_an_admin_all",
        a_reviewer_reads_their_department_and_an_admin_all,
    ),
    (
        "staff_figures::the_page_passes_axe_and_the_nu_checker",
        the_page_passes_axe_and_the_nu_checker,
    ),
];

const OTHER: &str = "福祉課";

fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut app.db())
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Proposals, opinions, comments, reports and failed emails in 市民活動推進課 (5-1) and 福祉課
/// (6-1), by the resident hanako.
async fn seed(app: &TestApp) {
    let ours = department(app, DEPARTMENT);
    let theirs = department(app, OTHER);
    sql(
        app,
        &format!(
            "INSERT INTO measure_departments (measure_code, department_id) VALUES ('5-1', {ours}), ('6-1', {theirs})"
        ),
    );
    resident(app, &app.visitor(), "hanako@example.jp", "本庄 花子").await;
    let author = "(SELECT id FROM accounts WHERE email = 'hanako@example.jp')";
    for (measure, state, days) in [
        ("5-1", "under_review", 3),
        ("5-1", "under_review", 40),
        ("5-1", "adopted", 50),
        ("5-1", "draft", 0),
        ("6-1", "submitted", 100),
        ("6-1", "under_review", 1),
    ] {
        sql(
            app,
            &format!(
                "WITH p AS (INSERT INTO proposals (id, author_id, state, title, summary, submitted_at)
                   VALUES (gen_random_uuid(), {author}, '{state}', '提案', '概要',
                           CASE WHEN '{state}' = 'draft' THEN NULL ELSE now() - interval '{days} days' END)
                   RETURNING id)
                 INSERT INTO proposal_measures (proposal_id, measure_code, position) SELECT id, '{measure}', 0 FROM p"
            ),
        );
    }
    for (dept, title, channels) in [
        (ours, "公園再整備計画（案）", &["web", "web", "paper"][..]),
        (theirs, "地域福祉計画（案）", &["counter"][..]),
    ] {
        sql(
            app,
            &format!(
                "INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at)
                 VALUES ('{title}', {dept}, '概要', '2020-01-01', '2099-12-30', '2019-12-01')"
            ),
        );
        for (i, channel) in channels.iter().enumerate() {
            sql(
                app,
                &format!(
                    "INSERT INTO consultation_comments (consultation_id, receipt_seq, receipt_number, channel, received_at, body)
                     SELECT id, {i} + 1, 'R-' || id || '-{i}', '{channel}', now(), '意見' FROM consultations WHERE title = '{title}'"
                ),
            );
        }
    }
    // Three comments in the last weeks, one too old to count; two reports.
    sql(
        app,
        &format!(
            "INSERT INTO comments (id, subject_type, subject_id, author_id, body, created_at)
             SELECT gen_random_uuid(), 'measure', '5-1', {author}, 'コメント', now() - d * interval '1 day'
             FROM unnest(ARRAY[0, 2, 20, 100]) d"
        ),
    );
    sql(
        app,
        &format!(
            "INSERT INTO comment_reports (id, comment_id, reporter_id, reason)
             SELECT gen_random_uuid(), id, {author}, '宣伝のため' FROM comments
             WHERE created_at > now() - interval '10 days'"
        ),
    );
    sql(
        app,
        "INSERT INTO outbox (to_address, subject, text_body, html_body, category, attempts, failed_at, last_error)
         SELECT 'x@example.jp', '件名', '本文', '<p>本文</p>', 'security', 5, now(), '550 mailbox unavailable'
         FROM generate_series(1, 2)",
    );
}

/// The text of the table of the chart `id` (or of the table `id`), as a person reads it.
fn table(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let table = &rest[rest.find("<table").unwrap()..];
    visible_text(&table[..table.find("</table>").unwrap()])
}

fn a_reviewer_reads_their_department_and_an_admin_all() {
    run(async {
        let app = TestApp::start().await;
        seed(&app).await;
        let reviewer = staff_member(
            &app,
            "reviewer@example.jp",
            "審査 一郎",
            &[("reviewer", Some(DEPARTMENT))],
        )
        .await;
        let admin = staff_member(&app, "admin@example.jp", "管理 花子", &[("admin", None)]).await;

        let home = reviewer.page("/staff").await;
        assert!(home.contains("href=\"/staff/figures\""), "{home}");

        let page = reviewer.page("/staff/figures").await;
        assert!(
            visible_text(&page).contains("担当する部署のものだけを数えています"),
            "{page}"
        );
        let states = table(&page, "by-state");
        assert!(states.contains("提出済み 0 0.0%"), "{states}");
        assert!(states.contains("審査中 2 66.7%"), "{states}");
        assert!(states.contains("採択 1 33.3%"), "{states}");
        assert!(!states.contains("下書き"), "{states}");
        assert!(states.contains("合計 3"), "{states}");
        let ages = table(&page, "by-age");
        assert!(ages.contains("7日未満 1 50.0%"), "{ages}");
        assert!(ages.contains("30日以上90日未満 1 50.0%"), "{ages}");
        assert!(ages.contains("90日以上 0 0.0%"), "{ages}");
        let opinions = table(&page, "opinions-by-channel");
        assert!(
            opinions.contains("公園再整備計画（案） 2 1 0 0 0 0 3"),
            "{opinions}"
        );
        assert!(!opinions.contains("地域福祉計画"), "{opinions}");
        assert!(table(&page, "comments").contains("合計 3"));
        assert!(table(&page, "reports").contains("合計 2"));
        assert!(table(&page, "outbox").contains("送信できなかった 2"));
        // The chart draws the same numbers, in 件.
        assert!(page.contains(">2件 (66.7%)</text>"), "{page}");

        let page = admin.page("/staff/figures").await;
        assert!(visible_text(&page).contains("すべての部署の数字です"));
        let states = table(&page, "by-state");
        assert!(states.contains("提出済み 1 20.0%"), "{states}");
        assert!(states.contains("審査中 3 60.0%"), "{states}");
        assert!(states.contains("合計 5"), "{states}");
        let ages = table(&page, "by-age");
        assert!(ages.contains("7日未満 2 50.0%"), "{ages}");
        assert!(ages.contains("90日以上 1 25.0%"), "{ages}");
        let opinions = table(&page, "opinions-by-channel");
        assert!(
            opinions.contains("地域福祉計画（案） 0 0 0 0 0 1 1"),
            "{opinions}"
        );
        assert!(opinions.contains("公園再整備計画（案） 2 1 0 0 0 0 3"));

        // A resident has no figures.
        let hanako = crate::support::people::sign_in(
            &app,
            "hanako@example.jp",
            crate::support::people::PASSWORD,
        )
        .await;
        assert_eq!(hanako.get("/staff/figures").await.status(), 403);
    });
}

fn the_page_passes_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        seed(&app).await;
        staff_member(&app, "admin@example.jp", "管理 花子", &[("admin", None)]).await;
        let browser = Browser::start().await.unwrap();
        sign_in_as(&browser, &app, "admin@example.jp").await;
        browser.goto(&app.url("/staff/figures")).await.unwrap();
        let result = browser.assert_accessible("staff-figures").await;
        browser.close().await;
        result.unwrap();
    });
}
