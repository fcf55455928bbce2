//! The pages in headless Chromium, checked with axe-core (JIS X 8341-3 / WCAG 2.1 AA).

use crate::support::browser::Browser;
use crate::support::mail::link_in_outbox;
use crate::support::people::{account_id, department, resident, staff_member, PASSWORD};
use crate::support::proposals::draft;
use crate::support::{run, TestApp};

pub const TESTS: &[(&str, fn())] = &[
    (
        "browser::every_page_is_accessible",
        every_page_is_accessible,
    ),
    (
        "browser::the_language_switch_works_in_the_browser",
        the_language_switch_works_in_the_browser,
    ),
    ("browser::charts_are_accessible", charts_are_accessible),
    (
        "browser::sign_up_sign_in_and_the_account_page",
        sign_up_sign_in_and_the_account_page,
    ),
    (
        "browser::orgs_pages_are_accessible",
        orgs_pages_are_accessible,
    ),
    (
        "browser::staff_pages_are_accessible",
        staff_pages_are_accessible,
    ),
    (
        "browser::proposal_pages_are_accessible",
        proposal_pages_are_accessible,
    ),
    (
        "browser::review_pages_are_accessible",
        review_pages_are_accessible,
    ),
    (
        "browser::a_proposal_page_with_comments_is_accessible",
        a_proposal_page_with_comments_is_accessible,
    ),
];

fn every_page_is_accessible() {
    run(async {
        let app = TestApp::start().await;
        let browser = Browser::start().await.unwrap();
        let pages = [
            ("home", "/"),
            ("chapter-5", "/chapters/5"),
            ("chapter-1", "/chapters/1"),
            ("measure-6-1", "/measures/6-1"),
            ("measure-5-3", "/measures/5-3"),
            ("measure-6-5", "/measures/6-5"),
            ("measure-2-1", "/measures/2-1"),
            ("plans", "/plans"),
            ("plan-1", "/plans/1"),
            ("not-found", "/measures/9-9"),
        ];
        let mut failures = Vec::new();
        for (name, path) in pages {
            browser.goto(&app.url(path)).await.unwrap();
            let title = browser.title().await.unwrap();
            assert!(title.contains("協働"), "{path} has a title: {title}");
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(format!("{path}: {e}"));
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

fn the_language_switch_works_in_the_browser() {
    run(async {
        let app = TestApp::start().await;
        let browser = Browser::start().await.unwrap();
        browser.goto(&app.url("/measures/6-1")).await.unwrap();
        let h1 = browser.text("h1").await.unwrap();
        assert!(h1.contains("市政情報の提供の充実"), "{h1}");
        browser.click(".site-nav__lang a").await.unwrap();
        assert!(browser
            .current_url()
            .await
            .unwrap()
            .ends_with("/measures/6-1"));
        let nav = browser.text("nav").await.unwrap();
        assert!(
            nav.contains("日本語"),
            "the switch now offers Japanese: {nav}"
        );
        let result = browser.assert_accessible("measure-6-1-en").await;
        browser.close().await;
        result.unwrap();
    })
}

/// Actual values for KPIs of every kind: an upper bound crossed (経常収支比率), one held
/// (実質公債費比率), zero (将来負担比率), a target of 0 crossed by negative values
/// (20代・30代の転入超過人口), a decrease (刑法犯認知件数) and big numbers (アクセス数).
const CHARTED: &[(&str, &str, i32, &str)] = &[
    ("6-5", "経常収支比率", 2022, "90.1"),
    ("6-5", "経常収支比率", 2023, "91.8"),
    ("6-5", "経常収支比率", 2024, "93.0"),
    ("6-5", "実質公債費比率", 2023, "3.5"),
    ("6-5", "実質公債費比率", 2024, "3.6"),
    ("6-5", "将来負担比率", 2023, "0.0"),
    ("6-5", "将来負担比率", 2024, "0.0"),
    ("6-5", "20代・30代の転入超過人口", 2022, "64"),
    ("6-5", "20代・30代の転入超過人口", 2023, "-12"),
    ("6-5", "20代・30代の転入超過人口", 2024, "25"),
    ("5-4", "刑法犯認知件数", 2022, "468"),
    ("5-4", "刑法犯認知件数", 2023, "481"),
    ("5-4", "刑法犯認知件数", 2024, "472"),
    ("6-1", "市ホームページへのアクセス数", 2023, "3012345"),
    ("6-1", "市ホームページへのアクセス数", 2024, "3101234"),
];

fn charts_are_accessible() {
    use diesel::RunQueryDsl;
    run(async {
        let app = TestApp::start().await;
        let rows: Vec<String> = CHARTED
            .iter()
            .map(|(measure, kpi, year, value)| format!("('{measure}', '{kpi}', {year}, {value})"))
            .collect();
        let inserted = diesel::sql_query(format!(
            "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
             SELECT k.id, v.year, v.value, '財政課 調べ'
             FROM kpis k JOIN (VALUES {}) AS v (measure, name, year, value)
               ON k.measure_code = v.measure AND k.name = v.name",
            rows.join(", ")
        ))
        .execute(&mut app.db())
        .unwrap();
        assert_eq!(inserted, CHARTED.len(), "every KPI named exists");

        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        // (page, charts on it, where the screenshot looks)
        let pages = [
            ("/measures/6-5", 4, "chart-6-5", "#kpi-chart-0"),
            ("/measures/6-5", 4, "chart-6-5-debt", "#kpi-chart-1"),
            ("/measures/6-5", 4, "chart-6-5-future", "#kpi-chart-2"),
            ("/measures/6-5", 4, "chart-6-5-migration", "#kpi-chart-3"),
            ("/measures/5-4", 1, "chart-5-4", "#kpi-chart-0"),
            ("/measures/6-1", 1, "chart-6-1", "#kpi-chart-0"),
        ];
        for (path, charts, name, anchor) in pages {
            browser
                .goto(&app.url(&format!("{path}{anchor}")))
                .await
                .unwrap();
            let count = browser
                .text(&format!("#kpi-chart-{} figcaption", charts - 1))
                .await;
            assert!(count.is_ok(), "{path} has {charts} chart(s): {count:?}");
            let caption = browser.text(&format!("{anchor} figcaption")).await.unwrap();
            assert!(caption.contains("の推移"), "{caption}");
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(format!("{path}: {e}"));
            }
            browser.screenshot(name).await.unwrap();
        }
        // In English too.
        browser.goto(&app.url("/measures/6-5")).await.unwrap();
        browser.click(".site-nav__lang a").await.unwrap();
        browser
            .goto(&app.url("/measures/6-5#kpi-chart-0"))
            .await
            .unwrap();
        let caption = browser.text("#kpi-chart-0 figcaption").await.unwrap();
        assert!(caption.contains("trend"), "{caption}");
        if let Err(e) = browser.assert_accessible("chart-6-5-en").await {
            failures.push(format!("/measures/6-5 (English): {e}"));
        }
        browser.screenshot("chart-6-5-en").await.unwrap();
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

fn sign_up_sign_in_and_the_account_page() {
    run(async {
        let app = TestApp::start().await;
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        // Sign-up with a mistake: the page says what to fix and keeps what was typed.
        browser.goto(&app.url("/signup")).await.unwrap();
        browser
            .fill("#field-email", "hanako@example")
            .await
            .unwrap();
        browser.fill("#field-display_name", "花子").await.unwrap();
        browser
            .fill("#field-password", "kawa-no-nagare-2026")
            .await
            .unwrap();
        browser
            .click("form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "メールアドレスの形式が正しくありません")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("signup-with-errors").await {
            failures.push(e);
        }
        // The sign-up form again, corrected (the same fields as the sign-in form).
        browser
            .fill("#field-email", "hanako@example.jp")
            .await
            .unwrap();
        browser
            .fill("#field-password", "kawa-no-nagare-2026")
            .await
            .unwrap();
        browser
            .click("form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("h1", "メールをご確認ください")
            .await
            .unwrap();
        let link = link_in_outbox(&app, "hanako@example.jp", "/verify?token=");
        browser.goto(&app.url(&link)).await.unwrap();
        browser.wait_for_text("h1", "確認しました").await.unwrap();
        // Sign in and land on the page asked for.
        browser.goto(&app.url("/account")).await.unwrap();
        assert!(browser
            .current_url()
            .await
            .unwrap()
            .contains("/login?next="));
        if let Err(e) = browser.assert_accessible("login").await {
            failures.push(e);
        }
        browser
            .sign_in("hanako@example.jp", "kawa-no-nagare-2026")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "hanako@example.jp")
            .await
            .unwrap();
        assert!(browser.current_url().await.unwrap().ends_with("/account"));
        for (name, path) in [
            ("account", "/account"),
            ("forgot", "/password/forgot"),
            ("signup", "/signup"),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

/// Organisations: the creation form (with and without mistakes), an organisation's page, the
/// invitation form, the list and "my organisations", signed in through the login form.
fn orgs_pages_are_accessible() {
    run(async {
        let app = TestApp::start().await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        browser.goto(&app.url("/organisations/new")).await.unwrap();
        assert!(browser
            .current_url()
            .await
            .unwrap()
            .contains("/login?next="));
        browser
            .sign_in("hanako@example.jp", PASSWORD)
            .await
            .unwrap();
        browser.wait_for_text("h1", "団体を登録する").await.unwrap();
        if let Err(e) = browser.assert_accessible("org-new").await {
            failures.push(e);
        }
        // A mistake: messages next to the fields, what was typed kept.
        browser
            .fill("#field-description", "清掃活動と防犯パトロール")
            .await
            .unwrap();
        browser
            .click("form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "団体名を入力してください")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("org-new-with-errors").await {
            failures.push(e);
        }
        browser
            .fill("#field-name", "本庄駅北口自治会")
            .await
            .unwrap();
        browser.select("#field-kind", "jichikai").await.unwrap();
        browser
            .fill("#field-contact", "info@kita.example.jp")
            .await
            .unwrap();
        browser
            .click("form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("h1", "本庄駅北口自治会")
            .await
            .unwrap();
        let main = browser.text("main").await.unwrap();
        assert!(
            main.contains("清掃活動と防犯パトロール") && main.contains("確認待ち"),
            "{main}"
        );
        if let Err(e) = browser.assert_accessible("org-page").await {
            failures.push(e);
        }
        let org = browser.current_url().await.unwrap();
        let path = org
            .split("/organisations/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        for (name, path) in [
            ("org-invite", format!("/organisations/{path}/invite")),
            ("org-mine", "/organisations/mine".to_owned()),
            ("org-list", "/organisations".to_owned()),
        ] {
            browser.goto(&app.url(&path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

/// The staff area, signed in as an admin through the login form: the dashboard, every list,
/// a KPI form with and without mistakes, the audit log, the measures' departments and the
/// consultations' list and form. (The review queue, moderation and a consultation's staff
/// page are checked where their tests give them content.)
fn staff_pages_are_accessible() {
    run(async {
        let app = TestApp::start().await;
        staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        department(&app, "市民活動推進課");
        let admin_id = account_id(&app, "admin@example.jp");
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        browser.goto(&app.url("/staff")).await.unwrap();
        assert!(browser
            .current_url()
            .await
            .unwrap()
            .contains("/login?next="));
        browser.sign_in("admin@example.jp", PASSWORD).await.unwrap();
        browser.wait_for_text("h1", "職員ページ").await.unwrap();
        // A KPI form with a mistake, then recorded.
        browser.goto(&app.url("/staff/kpis/5-1")).await.unwrap();
        browser
            .fill("input[name=fiscal_year]", "2024")
            .await
            .unwrap();
        browser.fill("input[name=value]", "abc").await.unwrap();
        browser
            .click(".kpi-record form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "実績値は数字で入力してください")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-kpi-errors").await {
            failures.push(e);
        }
        let person = format!("/staff/people/{admin_id}");
        for (name, path) in [
            ("staff", "/staff"),
            ("staff-kpis", "/staff/kpis"),
            ("staff-kpi-5-1", "/staff/kpis/5-1"),
            ("staff-audit", "/staff/audit"),
            ("staff-people", "/staff/people"),
            ("staff-person", person.as_str()),
            ("staff-departments", "/staff/departments"),
            ("staff-organisations", "/staff/organisations"),
            ("staff-outbox", "/staff/outbox"),
            ("staff-measures", "/staff/measures"),
            ("staff-consultations", "/staff/consultations"),
            ("staff-consultation-new", "/staff/consultations/new"),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

/// Proposals, signed in through the login form: the form (with and without mistakes), the
/// preview, the submitted proposal's page, the list, "my proposals" and the measure page.
fn proposal_pages_are_accessible() {
    run(async {
        let app = TestApp::start().await;
        resident(&app, &app.visitor(), "hanako@example.jp", "本庄花子").await;
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        browser.goto(&app.url("/proposals/new")).await.unwrap();
        assert!(browser
            .current_url()
            .await
            .unwrap()
            .contains("/login?next="));
        browser
            .sign_in("hanako@example.jp", PASSWORD)
            .await
            .unwrap();
        browser.wait_for_text("h1", "市民提案を書く").await.unwrap();
        if let Err(e) = browser.assert_accessible("proposal-new").await {
            failures.push(e);
        }
        browser
            .fill("#field-title", "空き店舗を使った子ども食堂")
            .await
            .unwrap();
        browser
            .fill(
                "#field-summary",
                "駅前の空き店舗で、月2回の子ども食堂を開きます。",
            )
            .await
            .unwrap();
        browser.click("#measure-5-1").await.unwrap();
        browser.fill("#field-budget", "abc").await.unwrap();
        browser
            .click("form.form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "円単位の数字で入力してください")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("proposal-new-with-errors").await {
            failures.push(e);
        }
        browser.fill("#field-budget", "150,000円").await.unwrap();
        browser
            .click("form.form button[type=submit]")
            .await
            .unwrap();
        browser.wait_for_text("h1", "提出前の確認").await.unwrap();
        if let Err(e) = browser.assert_accessible("proposal-preview").await {
            failures.push(e);
        }
        browser
            .click(".proposal-actions form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "提案が提出されました。")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("proposal-page").await {
            failures.push(e);
        }
        for (name, path) in [
            ("proposal-list", "/proposals"),
            ("proposal-mine", "/proposals/mine"),
            ("proposal-measure-5-1", "/measures/5-1"),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

/// The review queue and a proposal's staff page (with a note, a response and an assignee),
/// signed in through the login form as a reviewer of the responsible department.
fn review_pages_are_accessible() {
    run(async {
        use diesel::RunQueryDsl;
        let app = TestApp::start().await;
        staff_member(
            &app,
            "reviewer@example.jp",
            "審査 一郎",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let department = department(&app, "市民活動推進課");
        let reviewer = account_id(&app, "reviewer@example.jp");
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        diesel::sql_query(format!(
            "INSERT INTO measure_departments (measure_code, department_id) VALUES ('5-1', {department})"
        ))
        .execute(&mut app.db())
        .unwrap();
        let id = draft(&hanako, "河川敷の清掃", "5-1").await;
        let submitted = hanako
            .submit(
                &format!("/proposals/{id}"),
                &format!("/proposals/{id}/submit"),
                &[],
            )
            .await;
        assert_eq!(submitted.status(), 303);
        for sql in [
            format!("UPDATE proposals SET assignee_id = '{reviewer}' WHERE id = '{id}'"),
            format!("INSERT INTO proposal_notes (proposal_id, author_id, body) VALUES ('{id}', '{reviewer}', '内部メモ')"),
            format!("INSERT INTO proposal_responses (proposal_id, author_id, department_id, body) VALUES ('{id}', '{reviewer}', {department}, '回答です。')"),
        ] {
            diesel::sql_query(sql).execute(&mut app.db()).unwrap();
        }
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        browser.goto(&app.url("/staff/proposals")).await.unwrap();
        browser
            .sign_in("reviewer@example.jp", PASSWORD)
            .await
            .unwrap();
        browser.wait_for_text("h1", "市民提案の審査").await.unwrap();
        let page = format!("/staff/proposals/{id}");
        for (name, path) in [
            ("staff-proposals", "/staff/proposals"),
            ("staff-proposal", page.as_str()),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}

/// A proposal's page with supports, comments, a reply and a hidden comment: as a visitor, and
/// signed in (the buttons, the reply forms and the comment form with an error).
fn a_proposal_page_with_comments_is_accessible() {
    use crate::support::proposals::{comment, submitted};
    run(async {
        let app = TestApp::start().await;
        let (hanako, id) = submitted(&app).await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "児玉太郎").await;
        let first = comment(
            &taro,
            &id,
            "ぜひ参加したいです。\n詳しくは https://example.org/ を。",
            None,
        )
        .await;
        let location = first.headers()["location"].to_str().unwrap().to_owned();
        let top = location.split("#comment-").nth(1).unwrap().to_owned();
        comment(&hanako, &id, "ありがとうございます！", Some(&top)).await;
        comment(&taro, &id, "非表示になる投稿", None).await;
        diesel::RunQueryDsl::execute(
            diesel::sql_query(
                "UPDATE comments SET hidden_at = now(), hidden_reason = '重複した投稿のため'
                 WHERE body = '非表示になる投稿'",
            ),
            &mut app.db(),
        )
        .unwrap();
        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        browser
            .goto(&app.url(&format!("/proposals/{id}")))
            .await
            .unwrap();
        browser
            .wait_for_text("main", "ぜひ参加したいです。")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("proposal-comments-visitor").await {
            failures.push(e);
        }
        browser.goto(&app.url("/login")).await.unwrap();
        browser.sign_in("taro@example.jp", PASSWORD).await.unwrap();
        browser
            .goto(&app.url(&format!("/proposals/{id}")))
            .await
            .unwrap();
        browser
            .wait_for_text("main", "この提案に賛同する")
            .await
            .unwrap();
        if let Err(e) = browser
            .assert_accessible("proposal-comments-signed-in")
            .await
        {
            failures.push(e);
        }
        browser
            .click(".comment-form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "コメントを入力してください。")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("proposal-comment-error").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
