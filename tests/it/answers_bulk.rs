//! Answer templates and bulk answering (issue 15) over HTTP: templates filled into the
//! decision and result-item forms (unknown placeholders refused), drafts kept off every public
//! page and the API, a set published in one transaction (one bad row: nothing published, no
//! email; a good set: each with its own email through the loopback SMTP), another department's
//! reviewer refused; in Chromium, axe and the Nu checker on the drafts page.

use crate::support::browser::{sign_in_as, Browser};
use crate::support::db::{count, text};
use crate::support::mail::{deliver, SmtpSink};
use crate::support::people::{
    account_id, department, resident, responsible, reviewer, staff_member, DEPARTMENT,
};
use crate::support::proposals::act;
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;
use kyodo::notify::Mailer;

pub const TESTS: &[(&str, fn())] = &[
    (
        "answers_bulk::templates_fill_the_forms_and_unknown_placeholders_are_refused",
        templates_fill_the_forms_and_unknown_placeholders_are_refused,
    ),
    (
        "answers_bulk::one_bad_row_publishes_nothing_and_a_good_set_publishes_each_with_its_email",
        one_bad_row_publishes_nothing_and_a_good_set_publishes_each_with_its_email,
    ),
    (
        "answers_bulk::a_draft_result_item_stays_off_the_result_until_published",
        a_draft_result_item_stays_off_the_result_until_published,
    ),
    (
        "answers_bulk::another_departments_reviewer_is_refused",
        another_departments_reviewer_is_refused,
    ),
    (
        "answers_bulk::the_drafts_page_passes_axe_and_the_nu_checker",
        the_drafts_page_passes_axe_and_the_nu_checker,
    ),
];

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// The `id` an INSERT … RETURNING gives.
fn one(app: &TestApp, statement: &str) -> String {
    diesel::sql_query(statement)
        .get_result::<Id>(&mut app.db())
        .unwrap_or_else(|e| panic!("{statement}: {e}"))
        .id
}

fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut app.db())
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// A proposal on 5-1 by the resident `email`, under review; its id.
fn under_review(app: &TestApp, email: &str, title: &str) -> String {
    let author = account_id(app, email);
    one(
        app,
        &format!("WITH p AS (INSERT INTO proposals (id, author_id, state, title, summary, submitted_at)
             VALUES (gen_random_uuid(), '{author}', 'under_review', '{title}', '概要', now()) RETURNING id)
         INSERT INTO proposal_measures (proposal_id, measure_code, position) SELECT id, '5-1', 0 FROM p
         RETURNING proposal_id::text AS id"),
    )
}

/// Saves a draft decision from the proposal's staff page.
async fn save_draft(staff: &Visitor, id: &str, action: &str, reason: &str) -> reqwest::Response {
    staff
        .submit(
            &format!("/staff/proposals/{id}"),
            &format!("/staff/proposals/{id}/draft"),
            &[("action", action), ("reason", reason)],
        )
        .await
}

/// Posts the chosen rows (`proposal:…`, `item:…`) from the drafts page.
async fn publish(staff: &Visitor, chosen: &[String]) -> reqwest::Response {
    let csrf = csrf_of(&staff.page("/staff/drafts").await);
    let mut body: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    body.extend(chosen.iter().map(|c| ("chosen", c.as_str())));
    staff.post("/staff/drafts/publish", &body).await
}

/// A new template through the form; its id.
async fn template(
    app: &TestApp,
    staff: &Visitor,
    purpose: &str,
    title: &str,
    body: &str,
) -> String {
    let dept = department(app, DEPARTMENT).to_string();
    let response = staff
        .submit(
            "/staff/answer-templates",
            "/staff/answer-templates",
            &[
                ("department", &dept),
                ("purpose", purpose),
                ("title", title),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "template saved");
    text(
        app,
        &format!("SELECT id::text AS t FROM answer_templates WHERE title = '{title}'"),
    )
}

/// A closed consultation of 市民活動推進課 with opinions R-1 (by `first`) and R-2 (by `second`).
fn closed_consultation(app: &TestApp, first: &str, second: &str) -> String {
    let dept = department(app, DEPARTMENT);
    let (a, b) = (account_id(app, first), account_id(app, second));
    let id = one(
        app,
        &format!("INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at)
             VALUES ('公園再整備計画（案）', {dept}, '概要', '2020-01-01', '2020-01-31', '2019-12-01') RETURNING id::text AS id"),
    );
    sql(
        app,
        &format!("INSERT INTO consultation_comments (consultation_id, receipt_seq, receipt_number, channel, received_at, body, account_id)
             VALUES ({id}, 1, 'R-1', 'web', '2020-01-05', '遊具を増やしてください', '{a}'),
                    ({id}, 2, 'R-2', 'web', '2020-01-06', 'ベンチを日陰に', '{b}')"),
    );
    id
}

async fn add_item(
    staff: &Visitor,
    id: &str,
    receipts: &str,
    response: &str,
    draft: bool,
) -> reqwest::Response {
    let mut fields = vec![
        ("receipts", receipts),
        ("summary", "公園の設備についてのご意見"),
        ("response", response),
        ("changed", "no"),
        ("change", ""),
    ];
    if draft {
        fields.push(("draft", "yes"));
    }
    staff
        .submit(
            &format!("/staff/consultations/{id}"),
            &format!("/staff/consultations/{id}/items"),
            &fields,
        )
        .await
}

fn templates_fill_the_forms_and_unknown_placeholders_are_refused() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let staff = reviewer(&app).await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        resident(&app, &app.visitor(), "jiro@example.jp", "次郎").await;
        let id = under_review(&app, "hanako@example.jp", "河川敷の清掃");
        // An unknown placeholder is refused by name, and what was typed is kept.
        let dept = department(&app, DEPARTMENT).to_string();
        let response = staff
            .submit(
                "/staff/answer-templates",
                "/staff/answer-templates",
                &[
                    ("department", &dept),
                    ("purpose", "decision"),
                    ("title", "採択の定型文"),
                    ("body", "{名前}様 {日付}"),
                ],
            )
            .await;
        assert_eq!(response.status(), 400);
        let page = visible_text(&response.text().await.unwrap());
        assert!(
            page.contains("使えない差し込み項目があります：{名前}、{日付}。"),
            "{page}"
        );
        assert!(page.contains("{名前}様 {日付}"), "kept: {page}");
        let decision = template(
            &app,
            &staff,
            "decision",
            "採択の定型文",
            "{氏名}様　ご提案「{件名}」は施策「{施策}」に合致するため採択します。",
        )
        .await;
        let result = template(
            &app,
            &staff,
            "result",
            "市の考え方の定型文",
            "「{件名}」へのご意見として参考にします。",
        )
        .await;
        let list = visible_text(&staff.page("/staff/answer-templates").await);
        assert!(
            list.contains("採択の定型文") && list.contains("市の考え方の定型文"),
            "{list}"
        );
        // Picked on the proposal's page (a GET, no script): the text filled, nothing saved.
        let page = staff
            .page(&format!("/staff/proposals/{id}?template={decision}"))
            .await;
        let filled = "本庄花子様　ご提案「河川敷の清掃」は施策「5-1";
        assert!(page.contains(filled), "{page}");
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM proposal_decision_drafts"),
            0
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox WHERE to_address = 'hanako@example.jp' AND created_at > now() - interval '1 minute' AND subject LIKE '%提案%'"), 0);
        // A result template is not offered on a proposal.
        let response = staff
            .get(&format!("/staff/proposals/{id}?template={result}"))
            .await;
        assert_eq!(response.status(), 400);
        // On the consultation's work page, it fills the city's view.
        let consultation = closed_consultation(&app, "hanako@example.jp", "jiro@example.jp");
        let page = staff
            .page(&format!(
                "/staff/consultations/{consultation}?template={result}"
            ))
            .await;
        assert!(
            page.contains("「公園再整備計画（案）」へのご意見として参考にします。"),
            "{page}"
        );
        // Changed, then deleted.
        let response = staff
            .submit(
                &format!("/staff/answer-templates/{decision}"),
                &format!("/staff/answer-templates/{decision}"),
                &[
                    ("department", &dept),
                    ("purpose", "decision"),
                    ("title", "採択の定型文（改）"),
                    ("body", "{name}様、採択します。"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        let page = staff
            .page(&format!("/staff/proposals/{id}?template={decision}"))
            .await;
        assert!(page.contains("本庄花子様、採択します。"), "{page}");
        let response = staff
            .submit(
                &format!("/staff/answer-templates/{decision}"),
                &format!("/staff/answer-templates/{decision}/delete"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM answer_templates"), 1);
    });
}

fn one_bad_row_publishes_nothing_and_a_good_set_publishes_each_with_its_email() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let staff = reviewer(&app).await;
        let authors = ["a@example.jp", "b@example.jp", "c@example.jp"];
        let mut visitors = Vec::new();
        for (i, email) in authors.iter().enumerate() {
            let visitor = app.visitor();
            resident(&app, &visitor, email, &format!("提案者{i}")).await;
            visitors.push(visitor);
        }
        let sink = SmtpSink::start();
        let mailer = Mailer::smtp(&sink.url(), kyodo::config::DEFAULT_FROM).unwrap();
        deliver(&app, &mailer); // the sign-ups' verification emails
        let before = sink.messages().len();
        let ids: Vec<String> = authors
            .iter()
            .enumerate()
            .map(|(i, email)| under_review(&app, email, &format!("一括の提案{i}")))
            .collect();
        let reasons: Vec<String> = (0..3)
            .map(|i| format!("地域の課題に合致するためQZ{i}。"))
            .collect();
        for (id, reason) in ids.iter().zip(&reasons) {
            assert_eq!(save_draft(&staff, id, "adopt", reason).await.status(), 303);
        }
        // Drafts: no state change, no email, on no public page or API.
        for (id, reason) in ids.iter().zip(&reasons) {
            let public = app.page(&format!("/proposals/{id}")).await;
            assert!(!public.contains(reason.as_str()), "{public}");
            let api = app
                .get(&format!("/api/v1/proposals/{id}"))
                .await
                .text()
                .await
                .unwrap();
            assert!(!api.contains(reason.as_str()), "{api}");
        }
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE state = 'under_review'"
            ),
            3
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL"
            ),
            0
        );
        // The third proposer withdraws meanwhile: the set of three publishes nothing.
        assert_eq!(act(&visitors[2], &ids[2], "withdraw").await.status(), 303);
        let queued = count(&app, "SELECT count(*) AS n FROM outbox");
        let chosen: Vec<String> = ids.iter().map(|id| format!("proposal:{id}")).collect();
        let response = publish(&staff, &chosen).await;
        assert_eq!(response.status(), 400);
        let html = response.text().await.unwrap();
        let page = visible_text(&html);
        assert!(
            page.contains("公開できない回答があったため、何も公開していません"),
            "{page}"
        );
        assert!(
            page.contains("この提案は現在「取り下げ」のため、この操作はできません。"),
            "{page}"
        );
        // The selection is kept.
        assert_eq!(html.matches(" checked").count(), 3, "{html}");
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE state = 'under_review'"
            ),
            2
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposal_transitions WHERE action = 'adopt'"
            ),
            0
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM outbox"),
            queued,
            "no email"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM proposal_decision_drafts"),
            3
        );
        // The two good ones: both published, each proposer told.
        let response = publish(&staff, &chosen[..2]).await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let done = visible_text(&staff.page(&location).await);
        assert!(done.contains("2件の回答を公開しました。"), "{done}");
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE state = 'adopted'"
            ),
            2
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM proposal_decision_drafts"),
            1
        );
        deliver(&app, &mailer);
        let mails = sink.wait_for(before + 2, std::time::Duration::from_secs(15));
        for (i, email) in authors[..2].iter().enumerate() {
            let theirs: Vec<_> = mails[before..].iter().filter(|m| m.to == *email).collect();
            assert_eq!(theirs.len(), 1, "{email}");
            assert!(theirs[0].text.contains(&reasons[i]), "{}", theirs[0].text);
        }
        assert!(!mails
            .iter()
            .any(|m| m.to == authors[2] && m.text.contains(&reasons[2])));
        // Now public, on the page and in the API.
        let public = app.page(&format!("/proposals/{}", ids[0])).await;
        assert!(public.contains(reasons[0].as_str()));
    });
}

fn a_draft_result_item_stays_off_the_result_until_published() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let staff = reviewer(&app).await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        resident(&app, &app.visitor(), "jiro@example.jp", "次郎").await;
        let id = closed_consultation(&app, "hanako@example.jp", "jiro@example.jp");
        // A draft answers R-2: the result cannot be published while R-2 has only a draft.
        assert_eq!(
            add_item(&staff, &id, "R-1", "遊具の更新時に検討します。", false)
                .await
                .status(),
            303
        );
        let draft_text = "日陰のベンチを設けますQZD。";
        assert_eq!(
            add_item(&staff, &id, "R-2", draft_text, true)
                .await
                .status(),
            303
        );
        let work = visible_text(&staff.page(&format!("/staff/consultations/{id}")).await);
        assert!(
            work.contains("下書き") && work.contains(draft_text),
            "{work}"
        );
        let response = staff
            .submit(
                &format!("/staff/consultations/{id}"),
                &format!("/staff/consultations/{id}/publish"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 400);
        assert!(visible_text(&response.text().await.unwrap()).contains("R-2"));
        // Answer R-2 for now with a published row, and publish the result.
        assert_eq!(
            add_item(&staff, &id, "R-2", "ご意見として承ります。", false)
                .await
                .status(),
            303
        );
        let response = staff
            .submit(
                &format!("/staff/consultations/{id}"),
                &format!("/staff/consultations/{id}/publish"),
                &[],
            )
            .await;
        assert_eq!(response.status(), 303);
        // A corrected answer to R-2, as a draft: not on the result page, its CSV or the API.
        let corrected = "木陰にベンチを移設しますQZC。";
        assert_eq!(
            add_item(&staff, &id, "R-2", corrected, true).await.status(),
            303
        );
        let sent = count(&app, "SELECT count(*) AS n FROM outbox");
        for path in [
            format!("/consultations/{id}/result"),
            format!("/consultations/{id}/result.csv"),
            format!("/api/v1/consultations/{id}/result"),
            format!("/api/v1/consultations/{id}"),
        ] {
            let body = app.get(&path).await.text().await.unwrap();
            assert!(
                !body.contains(corrected) && !body.contains(draft_text),
                "{path}: {body}"
            );
        }
        // Published from the drafts page: public, and only Jiro is told.
        let item = text(
            &app,
            "SELECT item_id::text AS t FROM consultation_item_drafts ORDER BY item_id DESC LIMIT 1",
        );
        let drafts = visible_text(&staff.page("/staff/drafts").await);
        assert!(drafts.contains(corrected), "{drafts}");
        assert_eq!(
            publish(&staff, &[format!("item:{item}")]).await.status(),
            303
        );
        let result = app.page(&format!("/consultations/{id}/result")).await;
        assert!(result.contains(corrected), "{result}");
        assert!(!result.contains(draft_text), "the other draft stays off");
        assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox") - sent, 1);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM outbox WHERE to_address = 'jiro@example.jp' AND id > (SELECT max(id) - 1 FROM outbox)"),
            1
        );
    });
}

fn another_departments_reviewer_is_refused() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let staff = reviewer(&app).await;
        let other = staff_member(
            &app,
            "other@example.jp",
            "他課 二郎",
            &[("reviewer", Some("道路河川課"))],
        )
        .await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        let id = under_review(&app, "hanako@example.jp", "よその課の提案");
        let reason = "他課からは公開できない理由QZO。";
        assert_eq!(save_draft(&staff, &id, "adopt", reason).await.status(), 303);
        let template = template(&app, &staff, "decision", "本課の定型文", "{氏名}様").await;
        // Not listed, not publishable, not saved over.
        let page = visible_text(&other.page("/staff/drafts").await);
        assert!(!page.contains(reason), "{page}");
        let response = publish(&other, &[format!("proposal:{id}")]).await;
        assert_eq!(response.status(), 400);
        let page = visible_text(&response.text().await.unwrap());
        assert!(page.contains("何も公開していません"), "{page}");
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE state = 'under_review'"
            ),
            1
        );
        let csrf = csrf_of(&other.page("/staff/drafts").await);
        let response = other
            .post(
                &format!("/staff/proposals/{id}/draft"),
                &[("csrf", &csrf), ("action", "reject"), ("reason", "上書き")],
            )
            .await;
        assert_eq!(response.status(), 403);
        // The template is another department's: not shown, opened, changed or deleted.
        let list = other.get("/staff/answer-templates").await;
        assert_eq!(list.status(), 200);
        assert!(!visible_text(&list.text().await.unwrap()).contains("本課の定型文"));
        assert_eq!(
            other
                .get(&format!("/staff/answer-templates/{template}"))
                .await
                .status(),
            403
        );
        for action in [
            format!("/staff/answer-templates/{template}"),
            format!("/staff/answer-templates/{template}/delete"),
        ] {
            let response = other
                .post(
                    &action,
                    &[
                        ("csrf", &csrf),
                        ("department", &department(&app, DEPARTMENT).to_string()),
                        ("purpose", "decision"),
                        ("title", "乗っ取り"),
                        ("body", "本文"),
                    ],
                )
                .await;
            assert_eq!(response.status(), 403, "{action}");
        }
        assert_eq!(
            other
                .get(&format!("/staff/proposals/{id}?template={template}"))
                .await
                .status(),
            403
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM answer_templates WHERE title = '本課の定型文'"
            ),
            1
        );
    });
}

fn the_drafts_page_passes_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let staff = reviewer(&app).await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        resident(&app, &app.visitor(), "jiro@example.jp", "次郎").await;
        let good = under_review(&app, "hanako@example.jp", "花壇の提案");
        let bad = under_review(&app, "jiro@example.jp", "理由のない提案");
        assert_eq!(
            save_draft(&staff, &good, "adopt", "採択します。")
                .await
                .status(),
            303
        );
        assert_eq!(save_draft(&staff, &bad, "reject", "").await.status(), 303);
        let consultation = closed_consultation(&app, "hanako@example.jp", "jiro@example.jp");
        assert_eq!(
            add_item(&staff, &consultation, "R-1 R-2", "参考にします。", true)
                .await
                .status(),
            303
        );
        template(&app, &staff, "decision", "採択の定型文", "{氏名}様").await;
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        sign_in_as(&browser, &app, "reviewer@example.jp").await;
        for (name, path) in [
            ("answer-templates", "/staff/answer-templates".to_owned()),
            ("drafts", "/staff/drafts".to_owned()),
        ] {
            browser.goto(&app.url(&path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        // Both proposals chosen: the one without a reason refuses the set, said beside it.
        browser.click(&format!("#proposal-{good}")).await.unwrap();
        browser.click(&format!("#proposal-{bad}")).await.unwrap();
        browser
            .click("main form button[type=submit]")
            .await
            .unwrap();
        let text = browser
            .wait_for_text("main", "何も公開していません")
            .await
            .unwrap();
        assert!(
            text.contains("理由を入力してください。理由は公開されます。"),
            "{text}"
        );
        if let Err(e) = browser.assert_accessible("drafts-refused").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    });
}
