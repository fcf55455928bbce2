//! The public list's orders (newest, most supported, recently decided), its search and its
//! organisation filter, page after page, in the pages and the API; and a draft withdrawn
//! before it was submitted staying private.

use crate::support::html::next_link;
use crate::support::people::resident;
use crate::support::proposals::{act, draft};
use crate::support::{run, visible_text, TestApp};
use diesel::connection::SimpleConnection;

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_list::orders_page_through_every_proposal_once",
        orders_page_through_every_proposal_once,
    ),
    (
        "proposals_list::search_and_organisation_narrow_the_list",
        search_and_organisation_narrow_the_list,
    ),
    (
        "proposals_list::a_draft_withdrawn_before_submission_stays_private",
        a_draft_withdrawn_before_submission_stays_private,
    ),
];

const AUTHOR: &str = "00000000-0000-4000-8000-00000000b001";
const ORG: &str = "00000000-0000-4000-8000-00000000b0a1";

fn sql(app: &TestApp, statement: &str) {
    app.db().batch_execute(statement).unwrap();
}

/// Proposals 提案N番 (N = 1..=n), submitted an hour apart (N = n newest); proposal N has
/// N % 7 supports from real rows; every third one is adopted N minutes after a fixed day, so
/// the decision order differs from the creation order. Supports and decisions go in as rows of
/// their own tables: the list's keys must follow them.
fn add(app: &TestApp, n: i32) {
    sql(
        app,
        &format!(
            "INSERT INTO accounts (id, display_name, unsubscribe_token) VALUES ('{AUTHOR}', '提案者', 'list');
             INSERT INTO accounts (id, display_name, unsubscribe_token)
             SELECT ('00000000-0000-4000-8000-0000000c' || lpad(k::text, 4, '0'))::uuid, '賛同者' || k, 'l' || k
             FROM generate_series(1, 6) k;
             INSERT INTO organisations (id, name, kind, description, contact, verified_at)
             VALUES ('{ORG}', '本庄駅北口自治会', 'jichikai', '', '', now());"
        ),
    );
    sql(
        app,
        &format!(
            "INSERT INTO proposals (id, author_id, organisation_id, state, title, summary, created_at, submitted_at)
             SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, '{AUTHOR}',
                    CASE WHEN i % 4 = 0 THEN '{ORG}'::uuid END,
                    CASE WHEN i % 3 = 0 THEN 'adopted' ELSE 'submitted' END,
                    '提案' || i || '番', CASE WHEN i % 2 = 0 THEN '公園の花壇' ELSE '防犯灯' END || 'の提案です',
                    timestamptz '2026-04-01 09:00+09' + i * interval '1 hour',
                    timestamptz '2026-04-01 09:00+09' + i * interval '1 hour'
             FROM generate_series(1, {n}) i"
        ),
    );
    sql(
        app,
        &format!(
            "INSERT INTO proposal_supports (proposal_id, account_id)
             SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
                    ('00000000-0000-4000-8000-0000000c' || lpad(k::text, 4, '0'))::uuid
             FROM generate_series(1, {n}) i, generate_series(1, 6) k WHERE k <= i % 7;
             INSERT INTO proposal_transitions (proposal_id, from_state, to_state, action, actor_role, at)
             SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'under_review', 'adopted',
                    'adopt', 'reviewer', timestamptz '2026-10-01 09:00+09' + ((i * 37) % 101) * interval '1 minute'
             FROM generate_series(1, {n}) i WHERE i % 3 = 0"
        ),
    );
}

/// The numbers of the proposals a page lists, in order.
fn numbers(html: &str) -> Vec<i32> {
    visible_text(html)
        .split("提案")
        .skip(1)
        .filter_map(|rest| rest.split('番').next()?.parse().ok())
        .collect()
}

/// Every number the list shows from `path` on, following the next links.
async fn walk(app: &TestApp, path: &str) -> Vec<i32> {
    let mut seen = Vec::new();
    let mut here = Some(path.to_owned());
    while let Some(path) = here {
        let html = app.page(&path).await;
        let page = numbers(&html);
        assert!(page.len() <= 20, "{path}: {page:?}");
        seen.extend(page);
        here = next_link(&html);
    }
    seen
}

fn orders_page_through_every_proposal_once() {
    run(async {
        let app = TestApp::start().await;
        add(&app, 50);
        let all: Vec<i32> = (1..=50).collect();

        let newest = walk(&app, "/proposals").await;
        assert_eq!(newest, all.iter().rev().copied().collect::<Vec<_>>());

        // Most supported first; among equals, the newest first.
        let supported = walk(&app, "/proposals?sort=supported").await;
        let mut expected = all.clone();
        expected.sort_by_key(|i| (std::cmp::Reverse(i % 7), std::cmp::Reverse(*i)));
        assert_eq!(supported, expected);

        // Decided proposals only, the latest decision first.
        let decided = walk(&app, "/proposals?sort=decided").await;
        let mut expected: Vec<i32> = all.iter().copied().filter(|i| i % 3 == 0).collect();
        expected.sort_by_key(|i| std::cmp::Reverse(((i * 37) % 101, *i)));
        assert_eq!(decided, expected);

        // The API pages the same way with its next links.
        let mut api = Vec::new();
        let mut next = Some("/api/v1/proposals?sort=supported".to_owned());
        while let Some(path) = next {
            let body = app.json(&path).await;
            for p in body["proposals"].as_array().unwrap() {
                let title = p["title"].as_str().unwrap();
                api.push(
                    title
                        .trim_start_matches("提案")
                        .trim_end_matches('番')
                        .parse::<i32>()
                        .unwrap(),
                );
            }
            next = body["next"].as_str().map(str::to_owned);
        }
        assert_eq!(api, supported);

        // Withdrawing a support moves the proposal down at once.
        sql(
            &app,
            "DELETE FROM proposal_supports WHERE proposal_id = '00000000-0000-4000-8000-000000000048'",
        );
        let first = numbers(&app.page("/proposals?sort=supported").await);
        assert!(!first.contains(&48), "{first:?}");
        assert_eq!(first[0], 41, "41 and 34 have 6 supports, 41 is newer");

        // The order is a choice of the form, kept in it.
        let html = app.page("/proposals?sort=decided").await;
        assert!(html.contains("<option value=\"decided\" selected>"));
        for (query, message) in [
            ("sort=popular", "並べ替え（sort）"),
            ("sort=supported&before=123_abc", "ページの指定"),
        ] {
            let response = app.get(&format!("/proposals?{query}")).await;
            assert_eq!(response.status(), 400, "{query}");
            assert!(visible_text(&response.text().await.unwrap()).contains(message));
            let problem = app.get(&format!("/api/v1/proposals?{query}")).await;
            assert_eq!(problem.status(), 400);
            assert_eq!(
                problem.headers()["content-type"],
                "application/problem+json"
            );
        }
    })
}

fn search_and_organisation_narrow_the_list() {
    run(async {
        let app = TestApp::start().await;
        add(&app, 30);
        // Words in the summary, in Japanese; the search box keeps them.
        let html = app.page("/proposals?q=%E8%8A%B1%E5%A3%87").await;
        let found = numbers(&html);
        assert_eq!(
            found,
            (1..=30).rev().filter(|i| i % 2 == 0).collect::<Vec<_>>()
        );
        assert!(html.contains("value=\"花壇\""));
        // Paged, the words kept in the next link.
        let paged = walk(&app, "/proposals?q=%E6%8F%90%E6%A1%88").await;
        assert_eq!(paged.len(), 30);
        // Wildcards are taken literally.
        assert!(numbers(&app.page("/proposals?q=%25").await).is_empty());
        // An organisation's proposals, chosen from the organisations that have any.
        let html = app.page(&format!("/proposals?organisation={ORG}")).await;
        assert_eq!(
            numbers(&html),
            (1..=30).rev().filter(|i| i % 4 == 0).collect::<Vec<_>>()
        );
        assert!(html.contains(&format!(
            "<option value=\"{ORG}\" selected>本庄駅北口自治会"
        )));
        // Combined with an order and a state.
        let both = numbers(
            &app.page(&format!(
                "/proposals?organisation={ORG}&q=%E8%8A%B1%E5%A3%87&state=adopted&sort=supported"
            ))
            .await,
        );
        assert_eq!(both, vec![12, 24], "12 has 5 supports, 24 has 3");
        let too_long = "あ".repeat(101);
        let response = app.get(&format!("/proposals?q={too_long}")).await;
        assert_eq!(response.status(), 400);
        assert!(visible_text(&response.text().await.unwrap()).contains("100文字以内"));
        let response = app.get("/proposals?organisation=nobody").await;
        assert_eq!(response.status(), 400);
    })
}

fn a_draft_withdrawn_before_submission_stays_private() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, "やめておく下書き", "5-1").await;
        assert_eq!(act(&hanako, &id, "withdraw").await.status(), 303);
        // The author still sees it, as withdrawn.
        assert!(visible_text(&hanako.page(&format!("/proposals/{id}")).await).contains("取り下げ"));
        // Nobody else does: page, list, API, feed.
        assert_eq!(app.get(&format!("/proposals/{id}")).await.status(), 404);
        assert_eq!(
            app.get(&format!("/api/v1/proposals/{id}")).await.status(),
            404
        );
        for path in [
            "/proposals",
            "/proposals?state=withdrawn",
            "/api/v1/proposals",
            "/proposals/feed.atom",
            "/measures/5-1",
        ] {
            assert!(!app.page(path).await.contains("やめておく下書き"), "{path}");
        }
    })
}
