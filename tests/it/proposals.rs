//! Citizen proposals over HTTP: writing a draft (what was typed kept on every error), the
//! preview, submitting and withdrawing through the workflow, who may see and act on what, the
//! version check, and the public list with its filters.

use crate::support::db::{count, text};
use crate::support::people::{log_in, resident, sign_up};
use crate::support::proposals::{act, draft, fields, ISSUE, PLAN, SUMMARY};
use crate::support::{csrf_of, run, visible_text, TestApp};

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals::a_resident_writes_previews_and_submits",
        a_resident_writes_previews_and_submits,
    ),
    (
        "proposals::drafts_are_private_and_only_the_author_acts",
        drafts_are_private_and_only_the_author_acts,
    ),
    (
        "proposals::withdrawing_twice_is_refused_by_the_workflow",
        withdrawing_twice_is_refused_by_the_workflow,
    ),
    (
        "proposals::a_stale_form_gets_a_conflict_and_keeps_its_text",
        a_stale_form_gets_a_conflict_and_keeps_its_text,
    ),
    (
        "proposals::the_list_filters_and_refuses_malformed_filters",
        the_list_filters_and_refuses_malformed_filters,
    ),
];

const TITLE: &str = "空き店舗を使った子ども食堂";

fn state_of(app: &TestApp, id: &str) -> String {
    text(app, &format!("SELECT state || '/' || version || '/' || title AS state FROM proposals WHERE id = '{id}'"))
}

fn a_resident_writes_previews_and_submits() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let form = hanako.page("/proposals/new").await;
        assert!(form.contains("<legend>関係する施策（1〜3つ）</legend>"));
        assert!(form.contains("value=\"5-1\""), "measures as checkboxes");
        // A budget that is not a number: 400, the message beside it, every text kept.
        let response = hanako
            .submit(
                "/proposals/new",
                "/proposals/new",
                &fields(TITLE, "5-1", "abc"),
            )
            .await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        assert!(html.contains("概算事業費は「150000」や「150,000円」のように"));
        for kept in [
            TITLE,
            SUMMARY,
            ISSUE,
            PLAN,
            "駅北口自治会",
            "令和9年4月〜令和10年3月",
            "value=\"abc\"",
        ] {
            assert!(html.contains(kept), "kept {kept}");
        }
        assert!(
            html.contains("value=\"5-1\" checked"),
            "the ticked measure stays ticked"
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposals"), 0);
        // Required fields and measures that do not exist.
        let mut missing = fields("", "", "");
        missing.push(("measure_other", "9-9"));
        let response = hanako
            .submit("/proposals/new", "/proposals/new", &missing)
            .await;
        assert_eq!(response.status(), 400);
        let text = visible_text(&response.text().await.unwrap());
        assert!(text.contains("提案の名称を入力してください。"), "{text}");
        let mut unknown = fields(TITLE, "5-1", "");
        unknown.push(("measure_other", "9-9"));
        let response = hanako
            .submit("/proposals/new", "/proposals/new", &unknown)
            .await;
        assert_eq!(response.status(), 400);
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("施策「9-9」は計画にありません"));

        let id = draft(&hanako, TITLE, "5-1").await;
        let preview = visible_text(&hanako.page(&format!("/proposals/{id}/preview")).await);
        for expected in [
            TITLE,
            SUMMARY,
            ISSUE,
            "150,000円",
            "下書き",
            "提出する",
            "本庄花子",
        ] {
            assert!(
                preview.contains(expected),
                "preview shows {expected}: {preview}"
            );
        }
        // Not public yet.
        assert_eq!(app.get(&format!("/proposals/{id}")).await.status(), 404);
        assert!(!visible_text(&app.page("/proposals").await).contains(TITLE));

        let response = hanako
            .submit(
                &format!("/proposals/{id}/preview"),
                &format!("/proposals/{id}/submit"),
                &[("version", "1")],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert!(state_of(&app, &id).starts_with("submitted/2/"));
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM proposal_transitions WHERE proposal_id = '{id}' AND from_state = 'draft' AND to_state = 'submitted' AND actor_role = 'proposer'")),
            1
        );
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'proposal.submit' AND record_id = '{id}'")),
            1
        );
        // The public page: measures linked, author, timeline with a 令和 date.
        let html = app.page(&format!("/proposals/{id}")).await;
        assert!(html.contains("href=\"/measures/5-1\""));
        let text = visible_text(&html);
        for expected in [
            TITLE,
            "提出済み",
            "本庄花子",
            "経過",
            "提案が提出されました。",
            "令和",
        ] {
            assert!(text.contains(expected), "page shows {expected}: {text}");
        }
        assert_eq!(html.matches("<h1").count(), 1);
        // The list and the measure page.
        assert!(visible_text(&app.page("/proposals").await).contains(TITLE));
        let measure = visible_text(&app.page("/measures/5-1").await);
        assert!(measure.contains("この施策への市民提案"));
        assert!(
            measure.contains("公開中の提案 1件") && measure.contains(TITLE),
            "{measure}"
        );
        // In English too.
        let en = app.get_in("en", &format!("/proposals/{id}")).await;
        assert!(visible_text(&en.text().await.unwrap()).contains("Submitted"));
    })
}

fn drafts_are_private_and_only_the_author_acts() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "本庄太郎").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        // A stranger cannot see, edit or submit a draft: it does not exist for them.
        for path in ["", "/edit", "/preview"] {
            assert_eq!(
                taro.get(&format!("/proposals/{id}{path}")).await.status(),
                404,
                "{path}"
            );
        }
        assert_eq!(app.get(&format!("/proposals/{id}")).await.status(), 404);
        let csrf = csrf_of(&taro.page("/proposals/new").await);
        let response = taro
            .post(
                &format!("/proposals/{id}/submit"),
                &[("csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(response.status(), 404);
        let mut edit = fields("乗っ取り", "5-1", "");
        edit.push(("csrf", csrf.as_str()));
        edit.push(("version", "1"));
        assert_eq!(
            taro.post(&format!("/proposals/{id}/edit"), &edit)
                .await
                .status(),
            404
        );
        assert_eq!(state_of(&app, &id), format!("draft/1/{TITLE}"));
        // Without a CSRF token: refused, nothing changed.
        let response = hanako.post(&format!("/proposals/{id}/submit"), &[]).await;
        assert_eq!(response.status(), 403);
        let response = hanako
            .post("/proposals/new", &fields(TITLE, "5-1", ""))
            .await;
        assert_eq!(response.status(), 403);
        assert_eq!(state_of(&app, &id), format!("draft/1/{TITLE}"));
        // Submitted: public, but still only the author acts.
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        assert_eq!(taro.get(&format!("/proposals/{id}")).await.status(), 200);
        assert_eq!(
            taro.post(&format!("/proposals/{id}/edit"), &edit)
                .await
                .status(),
            403
        );
        let response = taro
            .post(
                &format!("/proposals/{id}/withdraw"),
                &[("csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(response.status(), 403);
        assert!(visible_text(&response.text().await.unwrap())
            .contains("この操作を行う権限がありません。"));
        assert!(state_of(&app, &id).starts_with("submitted/2/"));
        // The author cannot edit once submitted.
        assert_eq!(
            hanako.get(&format!("/proposals/{id}/edit")).await.status(),
            400
        );
        // Signed out: sent to sign in. Unverified: refused with the verification message.
        let response = app.get("/proposals/new").await;
        assert_eq!(response.status(), 303);
        let unverified = app.visitor();
        sign_up(&unverified, "new@example.jp", "新人").await;
        log_in(&unverified, "new@example.jp").await;
        let response = unverified.get("/proposals/new").await;
        assert_eq!(response.status(), 403);
        assert!(visible_text(&response.text().await.unwrap())
            .contains("メールアドレスの確認が済んでいません"));
        let csrf = csrf_of(&unverified.page("/proposals").await);
        let mut body = fields(TITLE, "5-1", "");
        body.push(("csrf", csrf.as_str()));
        assert_eq!(unverified.post("/proposals/new", &body).await.status(), 403);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposals"), 1);
        // Malformed and unknown ids.
        assert_eq!(app.get("/proposals/not-a-uuid").await.status(), 400);
        assert_eq!(
            app.get("/proposals/00000000-0000-4000-8000-000000000000")
                .await
                .status(),
            404
        );
    })
}

fn withdrawing_twice_is_refused_by_the_workflow() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "6-1").await;
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        // Resubmitting is for revisions only.
        let response = act(&hanako, &id, "resubmit").await;
        assert_eq!(response.status(), 400);
        assert_eq!(act(&hanako, &id, "withdraw").await.status(), 303);
        assert!(state_of(&app, &id).starts_with("withdrawn/3/"));
        let response = act(&hanako, &id, "withdraw").await;
        assert_eq!(response.status(), 400);
        assert!(visible_text(&response.text().await.unwrap())
            .contains("この提案は現在「取り下げ」のため、この操作はできません。"));
        assert!(state_of(&app, &id).starts_with("withdrawn/3/"));
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM proposal_transitions WHERE proposal_id = '{id}'"
                )
            ),
            2
        );
        let text = visible_text(&app.page(&format!("/proposals/{id}")).await);
        assert!(text.contains("提案者が提案を取り下げました。"), "{text}");
    })
}

fn a_stale_form_gets_a_conflict_and_keeps_its_text() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        let edit_path = format!("/proposals/{id}/edit");
        let form = hanako.page(&edit_path).await;
        assert!(
            form.contains(TITLE) && form.contains("value=\"150000\""),
            "{form}"
        );
        assert!(form.contains("name=\"version\" value=\"1\""));
        let mut first = fields("一つ目の画面で直した名称", "5-1", "");
        first.push(("version", "1"));
        let response = hanako.submit(&edit_path, &edit_path, &first).await;
        assert_eq!(response.status(), 303);
        // The second tab still says version 1.
        let mut second = fields("二つ目の画面で直した名称", "5-2", "200000");
        second.push(("version", "1"));
        let response = hanako.submit(&edit_path, &edit_path, &second).await;
        assert_eq!(response.status(), 409);
        let html = response.text().await.unwrap();
        assert!(html.contains("別の画面で変更されました"));
        assert!(html.contains("二つ目の画面で直した名称") && html.contains("value=\"200000\""));
        assert!(html.contains("value=\"5-2\" checked"));
        assert_eq!(
            state_of(&app, &id),
            format!("draft/2/一つ目の画面で直した名称")
        );
    })
}

fn the_list_filters_and_refuses_malformed_filters() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let first = draft(&hanako, "防犯パトロールの提案", "5-4").await;
        let second = draft(&hanako, "広報紙の多言語化の提案", "6-1").await;
        draft(&hanako, "まだ下書きの提案", "6-1").await;
        assert_eq!(act(&hanako, &first, "submit").await.status(), 303);
        assert_eq!(act(&hanako, &second, "submit").await.status(), 303);
        assert_eq!(act(&hanako, &second, "withdraw").await.status(), 303);
        let all = visible_text(&app.page("/proposals").await);
        assert!(all.contains("防犯パトロールの提案") && all.contains("広報紙の多言語化の提案"));
        assert!(!all.contains("まだ下書きの提案"));
        let by_measure = visible_text(&app.page("/proposals?measure=6-1").await);
        assert!(
            by_measure.contains("広報紙の多言語化の提案")
                && !by_measure.contains("防犯パトロールの提案")
        );
        let by_state = visible_text(&app.page("/proposals?state=submitted").await);
        assert!(
            by_state.contains("防犯パトロールの提案")
                && !by_state.contains("広報紙の多言語化の提案")
        );
        let none = visible_text(&app.page("/proposals?measure=5-4&state=withdrawn").await);
        assert!(none.contains("条件に合う提案はありません。"));
        for (query, message) in [
            ("measure=abc", "ハイフンでつないで"),
            ("state=approved", "状態「approved」は存在しません。"),
            ("state=draft", "下書きの提案は公開されていません。"),
            ("before=yesterday", "ページの指定"),
        ] {
            let response = app.get(&format!("/proposals?{query}")).await;
            assert_eq!(response.status(), 400, "{query}");
            assert!(
                visible_text(&response.text().await.unwrap()).contains(message),
                "{query}"
            );
        }
        // My proposals: drafts included.
        let mine = visible_text(&hanako.page("/proposals/mine").await);
        assert!(mine.contains("まだ下書きの提案") && mine.contains("下書き"));
        // Keyset pages of 20.
        {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "INSERT INTO proposals (id, author_id, state, title, summary, created_at, submitted_at)
                 SELECT gen_random_uuid(), author_id, 'submitted', '追加の提案 ' || n, '概要',
                        now() - n * interval '1 minute', now() - n * interval '1 minute'
                 FROM proposals, generate_series(1, 25) n WHERE id = '{first}'"
            ))
            .execute(&mut app.db())
            .unwrap();
        }
        let page_one = app.page("/proposals").await;
        assert_eq!(page_one.matches("class=\"proposal-item\"").count(), 20);
        let rel = page_one.find("rel=\"next\"").expect("a next link");
        let start = page_one[..rel].rfind("href=\"").unwrap() + 6;
        let next: String = page_one[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect();
        let next = next.replace("&#x3D;", "=").replace("&amp;", "&");
        let page_two = app.page(&next).await;
        assert_eq!(page_two.matches("class=\"proposal-item\"").count(), 27 - 20);
    })
}
