//! The public list's keyset pages and the Atom feed as the data grows: every public proposal
//! on exactly one page (ties on the creation time included), drafts on none, and the same
//! number of statements for a deep page and for the feed whatever the data; and the measures'
//! counts that the measure pages read, locked in one order by every writer.

use crate::support::db::count;
use crate::support::html::next_link;
use crate::support::proposals::{act, draft, fields, submitted};
use crate::support::{run, visible_text, TestApp};
use diesel::RunQueryDsl;
use std::time::{Duration, Instant};

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_scale::keyset_pages_show_each_proposal_once_at_a_fixed_cost",
        keyset_pages_show_each_proposal_once_at_a_fixed_cost,
    ),
    (
        "proposals_scale::a_revision_locks_its_measures_counts_in_code_order",
        a_revision_locks_its_measures_counts_in_code_order,
    ),
];

/// A revision that adds 5-1 in front of 6-1 waits for another writer holding 5-1's count
/// without holding 6-1's: a writer locking 6-1 and then 5-1 (the order in which the form gave
/// them) would deadlock with one locking in code order, as the submission trigger does.
fn a_revision_locks_its_measures_counts_in_code_order() {
    run(async {
        let app = TestApp::start().await;
        // 5-1's count row exists: another public proposal answers it.
        let (hanako, _) = submitted(&app).await;
        let id = draft(&hanako, "広報紙の多言語化", "6-1").await;
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        diesel::sql_query(format!(
            "UPDATE proposals SET state = 'revision_requested' WHERE id = '{id}'"
        ))
        .execute(&mut app.db())
        .unwrap();
        let edit_path = format!("/proposals/{id}/edit");
        let form = hanako.page(&edit_path).await;
        let version = form
            .split("name=\"version\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the edit form's version")
            .to_owned();

        let (mut locker, mut watcher) = (app.db(), app.db());
        diesel::sql_query("BEGIN").execute(&mut locker).unwrap();
        diesel::sql_query(
            "SELECT measure_code FROM measure_proposal_counts WHERE measure_code = '5-1' FOR UPDATE",
        )
        .execute(&mut locker)
        .unwrap();
        // Once the revision waits for 5-1, take 6-1: free unless the revision took it first.
        let other_writer = actix_web::rt::task::spawn_blocking(move || {
            let started = Instant::now();
            while diesel::sql_query(
                "SELECT 1 FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .execute(&mut watcher)
            .unwrap()
                == 0
            {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "the revision never waited for 5-1's count"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            diesel::sql_query("SET LOCAL lock_timeout = '3s'")
                .execute(&mut locker)
                .unwrap();
            let took = diesel::sql_query(
                "SELECT measure_code FROM measure_proposal_counts WHERE measure_code = '6-1' FOR UPDATE",
            )
            .execute(&mut locker);
            diesel::sql_query(if took.is_ok() { "COMMIT" } else { "ROLLBACK" })
                .execute(&mut locker)
                .unwrap();
            took
        });
        let mut revised = fields("広報紙の多言語化", "6-1", "");
        revised.extend([("measures", "5-1"), ("version", version.as_str())]);
        let response = hanako.submit(&edit_path, &edit_path, &revised).await;
        let took = other_writer.await.unwrap();
        assert!(
            took.is_ok(),
            "6-1's count was held by the revision: {took:?}"
        );
        assert_eq!(response.status(), 303, "the revision is saved");
        assert_eq!(
            count(
                &app,
                "SELECT proposals AS n FROM measure_proposal_counts WHERE measure_code = '5-1'"
            ),
            2
        );
        assert_eq!(
            count(
                &app,
                "SELECT proposals AS n FROM measure_proposal_counts WHERE measure_code = '6-1'"
            ),
            1
        );
    })
}

/// `n` proposals numbered from `from`, created in groups of seven at the same instant (the
/// keyset must order ties by id), one in five a draft, each public one with its submission;
/// the odd ones answer measure 5-1 (its list is read from its own index, migration 000024).
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
    diesel::sql_query(format!(
        "INSERT INTO proposal_measures (proposal_id, measure_code, position)
         SELECT id, '5-1', 1 FROM proposals
         WHERE title ~ '^提案P[0-9]+Q$' AND substring(title from '[0-9]+')::int BETWEEN {from} AND {}
           AND substring(title from '[0-9]+')::int % 2 = 1",
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
        // Walk every page: each public proposal once, in order, no draft; the same for the
        // proposals of measure 5-1.
        let (seen, third) = walk(&app, "/proposals").await;
        let public: Vec<i32> = (1..=100).filter(|i| i % 5 != 0).collect();
        assert_once_newest_first(&seen, &public);
        let (of_measure, _) = walk(&app, "/proposals?measure=5-1").await;
        let public_of_measure: Vec<i32> = public.iter().copied().filter(|i| i % 2 == 1).collect();
        assert_once_newest_first(&of_measure, &public_of_measure);
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

/// The proposals every page from `start` lists, following the "next" links, and the link to
/// the third page.
async fn walk(app: &TestApp, start: &str) -> (Vec<i32>, Option<String>) {
    let mut seen = Vec::new();
    let mut path = Some(start.to_owned());
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
    (seen, third)
}

/// `seen` lists each of `expected` exactly once, newest first.
fn assert_once_newest_first(seen: &[i32], expected: &[i32]) {
    let mut sorted = seen.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, expected, "every public proposal exactly once");
    let hours: Vec<i32> = seen.iter().map(|i| i / 7).collect();
    assert!(
        hours.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {seen:?}"
    );
}
