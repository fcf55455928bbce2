//! The staff review of proposals over HTTP: the queue, assignment, the workflow's staff actions
//! with their emails through the outbox, the public timeline, per-record authorisation, internal
//! notes kept out of every public body, and two decisions at once.

use crate::support::db::{count, text};
use crate::support::mail::link_in_outbox;
use crate::support::people::{
    account_id, resident, responsible, reviewer, staff_member, DEPARTMENT,
};
use crate::support::proposals::{act, draft, staff_act, staff_post, staff_tokens};
use crate::support::{csrf_of, run, visible_text, TestApp};

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_review::submit_review_revise_adopt_end_to_end",
        submit_review_revise_adopt_end_to_end,
    ),
    (
        "proposals_review::a_reviewer_of_another_department_gets_403",
        a_reviewer_of_another_department_gets_403,
    ),
    (
        "proposals_review::two_decisions_at_once_one_wins",
        two_decisions_at_once_one_wins,
    ),
];

const TITLE: &str = "河川敷の清掃と生きもの観察会";
const NOTE: &str = "内部メモ：予算の根拠を財政課に確認中ZQX";

fn state(app: &TestApp, id: &str) -> String {
    text(
        app,
        &format!("SELECT state FROM proposals WHERE id = '{id}'"),
    )
}

fn assert_303(response: &reqwest::Response, what: &str) {
    assert_eq!(response.status(), 303, "{what}");
}

fn submit_review_revise_adopt_end_to_end() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let reviewer = reviewer(&app).await;
        let reviewer_id = account_id(&app, "reviewer@example.jp");
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        // A draft is in nobody's queue.
        assert!(!reviewer.page("/staff/proposals").await.contains(TITLE));
        assert_303(&act(&hanako, &id, "submit").await, "submit");
        // The department hears of it, and sees it in the queue with its age.
        let link = link_in_outbox(
            &app,
            "reviewer@example.jp",
            &format!("/staff/proposals/{id}"),
        );
        assert_eq!(link, format!("/staff/proposals/{id}"));
        let queue = visible_text(&reviewer.page("/staff/proposals").await);
        assert!(queue.contains(TITLE), "{queue}");
        assert!(queue.contains("0日"), "{queue}");
        assert!(queue.contains("未割り当て"));
        let filtered = visible_text(&reviewer.page("/staff/proposals?state=adopted").await);
        assert!(!filtered.contains(TITLE));
        let filtered = visible_text(
            &reviewer
                .page("/staff/proposals?measure=5-1&assignee=none&state=submitted")
                .await,
        );
        assert!(filtered.contains(TITLE));
        // Assign, start the review.
        let response = staff_act(&reviewer, &id, "assign", &[("assignee", &reviewer_id)]).await;
        assert_303(&response, "assign");
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'reviewer@example.jp' AND subject LIKE '%担当になりました%'"
            ),
            1
        );
        assert!(visible_text(&reviewer.page("/staff/proposals?assignee=me").await).contains(TITLE));
        let response = staff_act(&reviewer, &id, "transition", &[("action", "start_review")]).await;
        assert_303(&response, "start review");
        assert_eq!(state(&app, &id), "under_review");
        // An internal note: on the staff page only.
        let response = staff_act(&reviewer, &id, "notes", &[("body", NOTE)]).await;
        assert_303(&response, "note");
        assert!(reviewer
            .page(&format!("/staff/proposals/{id}"))
            .await
            .contains(NOTE));
        // Request a revision: the proposer's email links to the proposal and says what to do.
        let message = "予算の内訳（消耗品と保険）を示してください。";
        let response = staff_act(
            &reviewer,
            &id,
            "transition",
            &[("action", "request_revision"), ("reason", message)],
        )
        .await;
        assert_303(&response, "request revision");
        let link = link_in_outbox(&app, "hanako@example.jp", &format!("/proposals/{id}"));
        assert_eq!(link, format!("/proposals/{id}"));
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp' AND category = 'notification' AND unsubscribe_url LIKE '%/unsubscribe?token=%' AND text_body LIKE '%{message}%' AND text_body LIKE '%再提出してください%'")
            ),
            1
        );
        // The proposer resubmits; the assigned reviewer hears of it.
        assert_303(&act(&hanako, &id, "resubmit").await, "resubmit");
        assert_eq!(state(&app, &id), "under_review");
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE to_address = 'reviewer@example.jp' AND subject LIKE '%再提出%'"
            ),
            1
        );
        // A decision without a reason is refused with a message; nothing changes.
        let response = staff_act(&reviewer, &id, "transition", &[("action", "reject")]).await;
        assert_eq!(response.status(), 400);
        let text = visible_text(&response.text().await.unwrap());
        assert!(text.contains("理由を入力してください。"), "{text}");
        assert_eq!(state(&app, &id), "under_review");
        // A public response, then adoption with a reason.
        let answer = "6月に現地で打ち合わせをしましょう。";
        assert_303(
            &staff_act(&reviewer, &id, "responses", &[("body", answer)]).await,
            "respond",
        );
        let reason = "地域の自然を守る活動として、協働の効果が大きいため採択します。";
        let response = staff_act(
            &reviewer,
            &id,
            "transition",
            &[("action", "adopt"), ("reason", reason)],
        )
        .await;
        assert_303(&response, "adopt");
        assert_eq!(state(&app, &id), "adopted");
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM proposal_transitions WHERE proposal_id = '{id}' AND actor_role = 'reviewer'")
            ),
            3
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM audit_log WHERE record_id = '{id}' AND action IN ('proposal.assign', 'proposal.note', 'proposal.respond', 'proposal.adopt')")
            ),
            4
        );
        // The public page shows the timeline with the reason and the response.
        let public = visible_text(&app.page(&format!("/proposals/{id}")).await);
        for expected in [reason, message, answer, "採択されました。", "市からの回答"]
        {
            assert!(public.contains(expected), "{expected} in {public}");
        }
        // The note is in no public body.
        for path in [
            format!("/proposals/{id}"),
            "/proposals".to_owned(),
            "/api/v1/proposals".to_owned(),
            format!("/api/v1/proposals/{id}"),
            "/proposals/feed.atom".to_owned(),
        ] {
            let body = app.get(&path).await.text().await.unwrap();
            assert!(!body.contains(NOTE) && !body.contains("ZQX"), "{path}");
        }
        let own = hanako.page(&format!("/proposals/{id}")).await;
        assert!(!own.contains("ZQX"), "not for the proposer either");
    })
}

fn a_reviewer_of_another_department_gets_403() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let outsider = staff_member(
            &app,
            "other@example.jp",
            "他課 次郎",
            &[("reviewer", Some("道路課"))],
        )
        .await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        assert_303(&act(&hanako, &id, "submit").await, "submit");
        // Not in the queue, 403 on the page and on every action.
        assert!(!outsider.page("/staff/proposals").await.contains(TITLE));
        assert_eq!(
            outsider
                .get(&format!("/staff/proposals/{id}"))
                .await
                .status(),
            403
        );
        let (_, version) = staff_tokens(&admin.page(&format!("/staff/proposals/{id}")).await);
        let own_csrf = csrf_of(&outsider.page("/staff/proposals").await);
        for (route, fields) in [
            ("transition", vec![("action", "start_review")]),
            ("notes", vec![("body", "他課のメモ")]),
            ("responses", vec![("body", "他課の回答")]),
        ] {
            let response = staff_post(&outsider, &id, route, &own_csrf, &version, &fields).await;
            assert_eq!(response.status(), 403, "{route}");
        }
        assert_eq!(state(&app, &id), "submitted");
        for table in ["proposal_notes", "proposal_responses"] {
            assert_eq!(
                count(&app, &format!("SELECT count(*) AS n FROM {table}")),
                0
            );
        }
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposal_transitions WHERE action = 'start_review'"
            ),
            0
        );
        // An admin may act on every proposal.
        assert_303(
            &staff_act(&admin, &id, "transition", &[("action", "start_review")]).await,
            "admin starts the review",
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposal_transitions WHERE actor_role = 'admin'"
            ),
            1
        );
    })
}

fn two_decisions_at_once_one_wins() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let first = staff_member(
            &app,
            "first@example.jp",
            "審査 一郎",
            &[("reviewer", Some(DEPARTMENT))],
        )
        .await;
        let second = staff_member(
            &app,
            "second@example.jp",
            "審査 二郎",
            &[("reviewer", Some(DEPARTMENT))],
        )
        .await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        assert_303(&act(&hanako, &id, "submit").await, "submit");
        assert_303(
            &staff_act(&first, &id, "transition", &[("action", "start_review")]).await,
            "start review",
        );
        // Both open the page at the same version, then decide at once.
        let (csrf1, v1) = staff_tokens(&first.page(&format!("/staff/proposals/{id}")).await);
        let (csrf2, v2) = staff_tokens(&second.page(&format!("/staff/proposals/{id}")).await);
        assert_eq!(v1, v2);
        let adopt = [("action", "adopt"), ("reason", "効果が大きいため。")];
        let reject = [("action", "reject"), ("reason", "予算が足りないため。")];
        let (a, b) = tokio::join!(
            staff_post(&first, &id, "transition", &csrf1, &v1, &adopt),
            staff_post(&second, &id, "transition", &csrf2, &v2, &reject),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "one wins, the other conflicts");
        let loser = if a.status() == 409 { a } else { b };
        let text = visible_text(&loser.text().await.unwrap());
        assert!(
            text.contains("別の職員または提案者によって更新されました"),
            "{text}"
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM proposal_transitions WHERE proposal_id = '{id}' AND action IN ('adopt', 'reject')")
            ),
            1
        );
    })
}
