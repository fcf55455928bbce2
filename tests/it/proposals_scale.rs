//! The public list's keyset pages and the Atom feed as the data grows: every public proposal
//! on exactly one page (ties on the creation time included), drafts on none, and the same
//! number of statements for a deep page and for the feed whatever the data.

use crate::support::html::next_link;
use crate::support::{run, visible_text, TestApp};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[(
    "proposals_scale::keyset_pages_show_each_proposal_once_at_a_fixed_cost",
    keyset_pages_show_each_proposal_once_at_a_fixed_cost,
)];

/// `n` proposals numbered from `from`, created in groups of seven at the same instant (the
/// keyset must order ties by id), one in five a draft, each public one with its submission.
fn add_proposals(app: &TestApp, from: i32, n: i32) {
    let mut conn = app.db();
    diesel::sql_query(
        "INSERT INTO accounts (id, display_name, unsubscribe_token)
         VALUES ('00000000-0000-4000-8000-00000000a001', '提案者', 'scale')
         ON CONFLICT DO NOTHING",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO proposals (id, author_id, state, title, summary, created_at, submitted_at)
         SELECT gen_random_uuid(), '00000000-0000-4000-8000-00000000a001', s.state,
                '提案P' || i || 'Q', '概要', s.at, CASE WHEN s.state <> 'draft' THEN s.at END
         FROM generate_series({from}, {}) i,
              LATERAL (SELECT CASE WHEN i % 5 = 0 THEN 'draft' ELSE 'submitted' END AS state,
                              timestamptz '2026-04-01 09:00+09' + (i / 7) * interval '1 hour' AS at) s",
        from + n - 1
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO proposal_transitions (proposal_id, from_state, to_state, action, actor_role, at)
         SELECT id, 'draft', 'submitted', 'submit', 'proposer', created_at FROM proposals
         WHERE state <> 'draft'
           AND NOT EXISTS (SELECT 1 FROM proposal_transitions t WHERE t.proposal_id = proposals.id)",
    )
    .execute(&mut conn)
    .unwrap();
}

/// The numbers of the proposals a page lists.
fn listed(text: &str) -> Vec<i32> {
    text.split("提案P")
        .skip(1)
        .filter_map(|rest| rest.split('Q').next()?.parse().ok())
        .collect()
}

/// Statements one GET of `path` sends.
async fn statements(app: &TestApp, path: &str) -> u64 {
    let before = app.queries.get();
    app.page(path).await;
    app.queries.get() - before
}

fn keyset_pages_show_each_proposal_once_at_a_fixed_cost() {
    run(async {
        let app = TestApp::start().await;
        add_proposals(&app, 1, 100);
        // Walk every page: each public proposal once, in order, no draft.
        let mut seen = Vec::new();
        let mut path = Some("/proposals".to_owned());
        let mut third = None;
        while let Some(here) = path {
            let html = app.page(&here).await;
            let page = listed(&visible_text(&html));
            assert!(page.len() <= 20, "{here}: {page:?}");
            seen.extend(page);
            path = next_link(&html);
            if seen.len() == 40 {
                third = path.clone();
            }
        }
        let public: Vec<i32> = (1..=100).filter(|i| i % 5 != 0).collect();
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, public, "every public proposal exactly once");
        let hours: Vec<i32> = seen.iter().map(|i| i / 7).collect();
        assert!(
            hours.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {seen:?}"
        );
        // A deep page and the feed send as many statements after the data grew tenfold.
        let third = third.expect("a third page");
        let deep = statements(&app, &third).await;
        let feed = statements(&app, "/proposals/feed.atom").await;
        add_proposals(&app, 101, 900);
        assert_eq!(statements(&app, &third).await, deep, "{third}");
        assert_eq!(statements(&app, "/proposals/feed.atom").await, feed);
        let text = visible_text(&app.page(&third).await);
        assert_eq!(listed(&text).len(), 20, "{text}");
    })
}
