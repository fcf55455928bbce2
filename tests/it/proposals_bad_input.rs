//! Bad input to proposals (issue 5), beyond what proposals.rs covers: missing fields,
//! budgets that are not amounts, an over-long title, an unknown measure while editing, an
//! organisation the person cannot speak for, and transitions the workflow forbids — each with
//! its Japanese message, what was typed kept, and nothing changed in the database.

use crate::support::db::{count, text};
use crate::support::people::{account_id, resident, responsible, reviewer};
use crate::support::proposals::{act, draft, fields};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_bad_input::missing_long_and_unreadable_fields_are_said_and_kept",
        missing_long_and_unreadable_fields_are_said_and_kept,
    ),
    (
        "proposals_bad_input::an_unknown_measure_while_editing_changes_nothing",
        an_unknown_measure_while_editing_changes_nothing,
    ),
    (
        "proposals_bad_input::a_foreign_organisation_is_refused",
        a_foreign_organisation_is_refused,
    ),
    (
        "proposals_bad_input::adopting_a_withdrawn_proposal_is_refused",
        adopting_a_withdrawn_proposal_is_refused,
    ),
];

const TITLE: &str = "旧中山道の空き家を活用した交流サロン";

fn proposals(app: &TestApp) -> i64 {
    count(app, "SELECT count(*) AS n FROM proposals")
}

/// Posts the new-proposal form with `changes` over the usual fields; asserts 400, the message,
/// and every other typed value back in the form.
async fn refused_new(visitor: &Visitor, changes: &[(&str, &str)], message: &str) -> String {
    let mut body: Vec<(&str, &str)> = fields(TITLE, "5-1", "150000")
        .into_iter()
        .filter(|(name, _)| !changes.iter().any(|(changed, _)| changed == name))
        .collect();
    // A browser sends no `measures` at all when no box is ticked.
    body.extend(
        changes
            .iter()
            .filter(|(name, value)| !(*name == "measures" && value.is_empty())),
    );
    let response = visitor
        .submit("/proposals/new", "/proposals/new", &body)
        .await;
    assert_eq!(response.status(), 400, "{message}");
    let html = response.text().await.unwrap();
    assert!(
        visible_text(&html).contains(message),
        "says {message}: {}",
        visible_text(&html)
    );
    for (name, value) in &body {
        // A select keeps only the choices it offers.
        if !value.is_empty() && *name != "measures" && *name != "organisation" {
            assert!(html.contains(value), "{name} kept: {value}");
        }
    }
    html
}

fn missing_long_and_unreadable_fields_are_said_and_kept() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        // Required fields.
        refused_new(&hanako, &[("summary", "")], "概要を入力してください。").await;
        refused_new(
            &hanako,
            &[("measures", "")],
            "提案に関係する施策を1つ以上選んでください。",
        )
        .await;
        // A title over 120 characters: said with the count, kept whole.
        let long = "あ".repeat(121);
        refused_new(
            &hanako,
            &[("title", &long)],
            "提案の名称は120文字以内で入力してください（現在121文字）。",
        )
        .await;
        // Budgets that are no amount of yen.
        let amount =
            "概算事業費は「150000」や「150,000円」のように、円単位の数字で入力してください。";
        for budget in ["10万円", "-5000", "1.5e6", "99999999999999999999"] {
            let html = refused_new(&hanako, &[("budget", budget)], amount).await;
            assert!(
                html.contains(&format!("value=\"{budget}\"")),
                "{budget} kept"
            );
        }
        refused_new(
            &hanako,
            &[("budget", "2,000,000,000,000円")],
            "概算事業費が大きすぎます。金額を確かめてください。",
        )
        .await;
        assert_eq!(proposals(&app), 0, "nothing saved");
        // Full-width digits are digits: saved as yen.
        let mut body = fields(TITLE, "5-1", "１５０，０００円");
        body.retain(|(name, _)| *name != "budget");
        body.push(("budget", "１５０，０００円"));
        let response = hanako
            .submit("/proposals/new", "/proposals/new", &body)
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE budget_yen = 150000"
            ),
            1
        );
    })
}

fn title_and_version(app: &TestApp, id: &str) -> String {
    text(
        app,
        &format!(
            "SELECT p.title || '/' || p.version || '/' || string_agg(m.measure_code, ',') AS v
         FROM proposals p JOIN proposal_measures m ON m.proposal_id = p.id
         WHERE p.id = '{id}' GROUP BY p.id"
        ),
    )
}

fn an_unknown_measure_while_editing_changes_nothing() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        let before = title_and_version(&app, &id);
        let renamed = "旧中山道の空き家で多世代サロン";
        let mut body = fields(renamed, "5-1", "");
        body.retain(|(name, _)| *name != "measure_other");
        body.push(("measure_other", "5-99"));
        body.push(("version", "1"));
        let response = hanako
            .submit(
                &format!("/proposals/{id}/edit"),
                &format!("/proposals/{id}/edit"),
                &body,
            )
            .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(visible_text(&html)
            .contains("施策「5-99」は計画にありません。番号を確かめてください。"));
        assert!(
            html.contains(&format!("value=\"{renamed}\"")),
            "typed title kept"
        );
        assert!(html.contains("value=\"5-99\""), "typed code kept");
        assert_eq!(title_and_version(&app, &id), before, "nothing changed");
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'proposal.update'"
            ),
            0
        );
    })
}

fn a_foreign_organisation_is_refused() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "本庄太郎").await;
        let taro_id = account_id(&app, "taro@example.jp");
        let org = "00000000-0000-4000-8000-0000000000a1";
        for sql in [
            format!("INSERT INTO organisations (id, name, kind, verified_at) VALUES ('{org}', '駅南自治会', 'jichikai', now())"),
            format!("INSERT INTO organisation_members (organisation_id, account_id, role) VALUES ('{org}', '{taro_id}', 'representative')"),
        ] {
            diesel::sql_query(sql).execute(&mut app.db()).unwrap();
        }
        // Hanako belongs to no organisation: the message still shows (there is no list to choose from).
        refused_new(
            &hanako,
            &[("organisation", org)],
            "この団体の名義では提案できません。確認済みの団体の会員だけが、その団体の名義で提案できます。",
        )
        .await;
        refused_new(
            &hanako,
            &[("organisation", "駅南自治会")],
            "団体の選択が正しくありません。",
        )
        .await;
        assert_eq!(proposals(&app), 0);
        // Taro, a member, may.
        let mut body = fields(TITLE, "5-1", "");
        body.push(("organisation", org));
        let response = taro.submit("/proposals/new", "/proposals/new", &body).await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            count(
                &app,
                &format!("SELECT count(*) AS n FROM proposals WHERE organisation_id = '{org}'")
            ),
            1
        );
    })
}

fn state_and_counts(app: &TestApp, id: &str) -> String {
    text(
        app,
        &format!(
            "SELECT p.state || '/' || p.version
                || '/' || (SELECT count(*) FROM proposal_transitions WHERE proposal_id = p.id)
                || '/' || (SELECT count(*) FROM audit_log WHERE record_id = p.id::text) AS v
         FROM proposals p WHERE p.id = '{id}'"
        ),
    )
}

fn adopting_a_withdrawn_proposal_is_refused() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let reviewer = reviewer(&app).await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        assert_eq!(act(&hanako, &id, "withdraw").await.status(), 303);
        let before = state_and_counts(&app, &id);
        assert!(before.starts_with("withdrawn/3/"), "{before}");
        // Through the staff form (as from a page opened before the withdrawal): the page
        // again, with the reason, nothing changed.
        let page = reviewer.page(&format!("/staff/proposals/{id}")).await;
        let csrf = csrf_of(&page);
        let response = reviewer
            .post(
                &format!("/staff/proposals/{id}/transition"),
                &[
                    ("csrf", &csrf),
                    ("version", "3"),
                    ("action", "adopt"),
                    ("reason", "地域の要望が大きいため採択します。"),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let text = visible_text(&response.text().await.unwrap());
        assert!(
            text.contains("この提案は現在「取り下げ」のため、この操作はできません。"),
            "{text}"
        );
        assert!(text.contains(TITLE), "the staff page again: {text}");
        // The proposer cannot bring it back either.
        let response = act(&hanako, &id, "resubmit").await;
        assert_eq!(response.status(), 400);
        // The API is read-only: a write to it is problem details, never a change.
        let response = hanako
            .client
            .post(hanako.url(&format!("/api/v1/proposals/{id}")))
            .header("content-type", "application/json")
            .body(r#"{"state":"adopted"}"#)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error());
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(problem["instance"], format!("/api/v1/proposals/{id}"));
        assert_eq!(state_and_counts(&app, &id), before, "nothing changed");
    })
}
