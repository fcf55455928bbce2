//! What residents and staff see: no untranslated key on any page or in any email, text shown
//! again unchanged, the header's links, the proposal form opened from a measure, the emails of
//! a proposal's life, KPI progress without a baseline, and pages that fit a phone.

use crate::support::browser::Browser;
use crate::support::db::{count, text as stored};
use crate::support::people::{resident, responsible, sign_in, staff_member, DEPARTMENT};
use crate::support::proposals::{act, draft, fields, staff_act};
use crate::support::{run, unescape, visible_text, TestApp, Visitor};
use diesel::sql_types::Text;
use diesel::RunQueryDsl;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const TESTS: &[(&str, fn())] = &[
    (
        "residents::no_page_or_email_shows_an_untranslated_key",
        no_page_or_email_shows_an_untranslated_key,
    ),
    (
        "residents::typed_text_is_kept_byte_for_byte_when_shown_again",
        typed_text_is_kept_byte_for_byte_when_shown_again,
    ),
    (
        "residents::the_header_leads_to_proposals_and_the_staff_area",
        the_header_leads_to_proposals_and_the_staff_area,
    ),
    (
        "residents::a_proposal_is_confirmed_and_answers_have_their_own_subject",
        a_proposal_is_confirmed_and_answers_have_their_own_subject,
    ),
    (
        "residents::kpi_5_1_counts_from_zero_without_a_baseline",
        kpi_5_1_counts_from_zero_without_a_baseline,
    ),
    (
        "residents::measure_proposal_and_result_pages_fit_a_phone",
        measure_proposal_and_result_pages_fit_a_phone,
    ),
];

/// Chooses the page language as the switch in the header does.
async fn choose(visitor: &Visitor, lang: &str) {
    let response = visitor.get(&format!("/lang/{lang}?next=%2F")).await;
    assert_eq!(response.status(), 303, "switch to {lang}");
}

/// The site's own page links of `html` (no files, feeds, API or actions).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(unescape)
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .filter(|href| {
            ![
                "/static/",
                "/api/",
                "/lang/",
                "/attachments/",
                "/logout",
                "/unsubscribe",
            ]
            .iter()
            .any(|p| href.starts_with(p))
                && !href.contains(".csv")
                && !href.contains(".atom")
                && !href.contains(".json")
        })
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .collect()
}

/// A page's kind: its path with ids and numbers made general, and its query's names.
fn kind(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let general: Vec<String> = path
        .split('/')
        .map(|part| {
            if part.chars().any(|c| c.is_ascii_digit()) {
                "_".to_owned()
            } else {
                part.to_owned()
            }
        })
        .collect();
    let names: BTreeSet<&str> = query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .collect();
    format!("{}?{names:?}", general.join("/"))
}

/// Opens every kind of page reachable from `start`, as `visitor` sees them; returns the paths
/// opened. Up to 12 of each kind: the demo's ten proposals, one in each state, show every
/// button of the workflow.
async fn crawl(visitor: &Visitor, start: &[&str]) -> Vec<String> {
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut opened = Vec::new();
    while let Some(path) = queue.pop_front() {
        let per_kind = kinds.entry(kind(&path)).or_default();
        if *per_kind >= 12 || opened.len() >= 400 {
            continue;
        }
        *per_kind += 1;
        let response = visitor.get(&path).await;
        let status = response.status().as_u16();
        assert!(status < 500, "GET {path}: {status}");
        let html = response.text().await.unwrap();
        opened.push(path);
        for link in links(&html) {
            if seen.insert(link.clone()) {
                queue.push_back(link);
            }
        }
    }
    opened
}

/// Every kind of page of a filled city, as a visitor, a resident and an administrator see it, in
/// Japanese and English, with forms refused and emails of every kind written: no key was asked
/// for that the language files lack (the translator records each one), and none shows.
fn no_page_or_email_shows_an_untranslated_key() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        // The demo's people read English too: half of the emails below are written in it.
        let resident_visitor = sign_in(
            &app,
            kyodo::demo::RESIDENT_EMAIL,
            kyodo::demo::RESIDENT_PASSWORD,
        )
        .await;
        let admin = sign_in(&app, kyodo::demo::ADMIN_EMAIL, kyodo::demo::ADMIN_PASSWORD).await;
        let start = [
            "/",
            "/proposals",
            "/consultations",
            "/organisations",
            "/proposals/mine",
            "/organisations/mine",
            "/proposals/new",
            "/organisations/new",
            "/account",
            "/staff",
            "/signup",
            "/login",
            "/password/forgot",
        ];
        let mut opened = 0;
        for lang in ["ja", "en"] {
            for visitor in [&app.visitor(), &resident_visitor, &admin] {
                choose(visitor, lang).await;
                opened += crawl(visitor, &start).await.len();
                // Forms refused: the messages beside their fields.
                let refused = visitor
                    .submit(
                        "/signup",
                        "/signup",
                        &[("email", "x"), ("display_name", ""), ("password", "a")],
                    )
                    .await;
                assert!(refused.status() == 400 || refused.status() == 303);
            }
            let refused = resident_visitor
                .submit("/proposals/new", "/proposals/new", &fields("", "", "abc"))
                .await;
            assert_eq!(refused.status(), 400);
            // The messages beside the fields are in the page's language.
            let text = visible_text(&refused.text().await.unwrap());
            let (required, budget) = if lang == "en" {
                (
                    "The proposal's title is required.",
                    "Enter the estimated cost in yen",
                )
            } else {
                ("提案の名称を入力してください。", "概算事業費は「150000」")
            };
            assert!(text.contains(required) && text.contains(budget), "{text}");
        }
        assert!(opened > 100, "only {opened} pages opened");
        // Emails in English: a proposal submitted, reviewed, decided and answered.
        diesel::sql_query("UPDATE accounts SET lang = 'en'")
            .execute(&mut app.db())
            .unwrap();
        let id = draft(&resident_visitor, "英語で届く提案", "5-1").await;
        act(&resident_visitor, &id, "submit").await;
        for (route, fields) in [
            ("transition", vec![("action", "start_review")]),
            (
                "transition",
                vec![("action", "adopt"), ("reason", "Adopted.")],
            ),
            ("responses", vec![("body", "Thank you.")]),
        ] {
            let response = staff_act(&admin, &id, route, &fields).await;
            assert_eq!(response.status(), 303, "{route} {fields:?}");
        }
        assert!(
            count(
                &app,
                "SELECT count(*) AS n FROM outbox WHERE subject LIKE '[Kyodo]%'"
            ) >= 4,
            "emails in English"
        );
        let missing = kyodo::web::i18n::missing_keys();
        assert!(
            missing.is_empty(),
            "untranslated keys asked for: {missing:?}"
        );
    })
}

/// The text inside the `<textarea>` with `id`, as the browser reads it back.
fn textarea(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("<textarea id=\"{id}\""))
        .unwrap_or_else(|| panic!("no textarea {id}"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</textarea>").unwrap();
    // A browser drops one line break right after `<textarea>`.
    let text = &rest[open..close];
    unescape(text.strip_prefix('\n').unwrap_or(text))
}

/// A resident's proposal and a staff member's KPI note, refused once, shown again, sent back as
/// the browser would: what is stored is exactly what was typed.
fn typed_text_is_kept_byte_for_byte_when_shown_again() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let plan = "第1段落：自治会と協力します。\n  字下げした行\n\n第3段落 <b>&amp;</b>";
        let mut posted = fields("字下げの提案", "5-1", "abc");
        posted.retain(|(name, _)| *name != "activity_plan");
        posted.push(("activity_plan", plan));
        let mut shown = String::new();
        for _ in 0..2 {
            let response = hanako
                .submit("/proposals/new", "/proposals/new", &posted)
                .await;
            assert_eq!(response.status(), 400, "the budget is refused");
            shown = textarea(&response.text().await.unwrap(), "field-activity_plan");
            assert_eq!(shown, plan, "shown again as typed");
        }
        posted.retain(|(name, _)| !["activity_plan", "budget"].contains(name));
        posted.push(("activity_plan", &shown));
        posted.push(("budget", "150,000円"));
        let response = hanako
            .submit("/proposals/new", "/proposals/new", &posted)
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            stored(&app, "SELECT activity_plan AS text FROM proposals"),
            plan
        );

        // Staff: a KPI actual value with a multi-line note, its value refused first.
        let staff = staff_member(&app, "kpi@example.jp", "職員", &[("admin", None)]).await;
        let page = staff.page("/staff/kpis/5-1").await;
        let kpi = page
            .split("name=\"kpi\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let note = "市民活動推進課 調べ\n  内訳：\n  - 自治会 80";
        let mut body = vec![
            ("kpi", kpi.as_str()),
            ("fiscal_year", "2025"),
            ("value", "abc"),
            ("source", "市民活動推進課"),
            ("note", note),
        ];
        let response = staff
            .submit("/staff/kpis/5-1", "/staff/kpis/5-1", &body)
            .await;
        assert_eq!(response.status(), 400, "the value is refused");
        let html = response.text().await.unwrap();
        let id = html
            .split("<textarea id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let shown = textarea(&html, &id);
        assert_eq!(shown, note);
        body.retain(|(name, _)| !["value", "note"].contains(name));
        body.push(("value", "81.5"));
        body.push(("note", &shown));
        let response = staff
            .submit("/staff/kpis/5-1", "/staff/kpis/5-1", &body)
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(
            stored(
                &app,
                "SELECT note AS text FROM kpi_actuals WHERE note IS NOT NULL"
            ),
            note
        );
    })
}

/// The header: 市民提案 for everyone; 自分の提案, 自分の団体 when signed in; 職員ページ for staff.
fn the_header_leads_to_proposals_and_the_staff_area() {
    run(async {
        let app = TestApp::start().await;
        let header = |html: &str| {
            let start = html.find("<header").unwrap();
            let end = html.find("</header>").unwrap();
            html[start..end].to_owned()
        };
        let anonymous = header(&app.page("/").await);
        assert!(anonymous.contains("<a href=\"/proposals\">市民提案</a>"));
        assert!(!anonymous.contains("/proposals/mine"));
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let signed_in = header(&hanako.page("/").await);
        assert!(signed_in.contains("<a href=\"/proposals/mine\">自分の提案</a>"));
        assert!(signed_in.contains("<a href=\"/organisations/mine\">自分の団体</a>"));
        assert!(
            !signed_in.contains("/staff"),
            "no staff link for a resident"
        );
        let staff = staff_member(&app, "staff@example.jp", "職員", &[("admin", None)]).await;
        let html = staff.page("/measures/5-1").await;
        assert!(header(&html).contains("<a href=\"/staff\">職員ページ</a>"));
        // The home page says what residents can do now.
        let home = visible_text(&app.page("/").await);
        assert!(!home.contains("できるようになります"), "{home}");
        assert!(home.contains("市民提案を見る・提案する"));
        // The form opened from a measure has that measure ticked.
        let measure = hanako.page("/measures/5-1").await;
        assert!(measure.contains("href=\"/proposals/new?measure&#x3D;5-1\""));
        let form = hanako.page("/proposals/new?measure=5-1").await;
        assert!(form.contains("value=\"5-1\" checked"));
        assert_eq!(form.matches(" checked").count(), 1, "only that measure");
    })
}

#[derive(diesel::QueryableByName, Debug)]
struct Email {
    #[diesel(sql_type = Text)]
    subject: String,
    #[diesel(sql_type = Text)]
    text_body: String,
}

fn emails_to(app: &TestApp, to: &str) -> Vec<Email> {
    diesel::sql_query("SELECT subject, text_body FROM outbox WHERE to_address = $1 ORDER BY id")
        .bind::<Text, _>(to)
        .load(&mut app.db())
        .unwrap()
}

/// Submitting is confirmed by email in the same transaction; the decision and the city's later
/// answer arrive under different subjects.
fn a_proposal_is_confirmed_and_answers_have_their_own_subject() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let reviewer = staff_member(
            &app,
            "reviewer@example.jp",
            "審査",
            &[("reviewer", Some(DEPARTMENT))],
        )
        .await;
        let id = draft(&hanako, "河川敷の清掃", "5-1").await;
        let before = emails_to(&app, "hanako@example.jp").len();
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        let emails = emails_to(&app, "hanako@example.jp");
        assert_eq!(emails.len(), before + 1, "{emails:?}");
        let confirmation = emails.last().unwrap();
        assert_eq!(
            confirmation.subject,
            "【協働 Kyodo】提案「河川敷の清掃」を受け付けました"
        );
        assert!(confirmation.text_body.contains("受付日時：令和"));
        assert!(confirmation
            .text_body
            .contains(&format!("{}/proposals/{id}", app.base)));
        assert!(confirmation.text_body.contains("担当課が内容を確認します"));
        // The reviewer decides, then answers publicly.
        for (route, fields) in [
            ("transition", vec![("action", "start_review")]),
            (
                "transition",
                vec![
                    ("action", "adopt"),
                    ("reason", "地域の課題に合っています。"),
                ],
            ),
            ("responses", vec![("body", "来月から始めましょう。")]),
        ] {
            let response = staff_act(&reviewer, &id, route, &fields).await;
            assert_eq!(response.status(), 303, "{route} {fields:?}");
        }
        let subjects: Vec<String> = emails_to(&app, "hanako@example.jp")
            .into_iter()
            .skip(before + 1)
            .map(|e| e.subject)
            .collect();
        assert_eq!(
            subjects,
            [
                "【協働 Kyodo】提案「河川敷の清掃」：審査中",
                "【協働 Kyodo】提案「河川敷の清掃」：採択",
                "【協働 Kyodo】提案「河川敷の清掃」への市の回答",
            ]
        );
    })
}

/// 市民提案型事業数 has no baseline (「—」: the activity did not exist): its progress counts
/// from 0, and the page says so, in both languages.
fn kpi_5_1_counts_from_zero_without_a_baseline() {
    run(async {
        let app = TestApp::start().await;
        let before = visible_text(&app.page("/measures/5-1").await);
        assert!(before.contains("実績値の記録前のため未算出"));
        app.change_plan(|conn| {
            diesel::sql_query(
                "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
                 SELECT id, 2025, 1, '市民活動推進課 調べ' FROM kpis
                 WHERE measure_code = '5-1' AND name = '市民提案型事業数'",
            )
            .execute(conn)
        })
        .await;
        let html = app.page("/measures/5-1").await;
        let row = html
            .split("<tr>")
            .skip(1)
            .find(|row| row.contains("市民提案型事業数"))
            .unwrap();
        let text = visible_text(row);
        assert!(text.contains("目標までの進捗 50 %"), "{text}");
        assert!(text.contains("0から数えた進捗"), "{text}");
        assert!(!text.contains("未算出"), "{text}");
        let english = app
            .get_in("en", "/measures/5-1")
            .await
            .text()
            .await
            .unwrap();
        let row = english
            .split("<tr>")
            .skip(1)
            .find(|row| row.contains("市民提案型事業数"))
            .unwrap();
        let text = visible_text(row);
        assert!(text.contains("counted from 0"), "{text}");
        assert!(text.contains("0 citizen proposals adopted"), "{text}");
    })
}

/// On a 390 px phone, the measure, proposal and consultation result pages need no sideways
/// scrolling, the header stays small and axe finds nothing; the screenshots are kept under
/// target/screenshots.
fn measure_proposal_and_result_pages_fit_a_phone() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        #[derive(diesel::QueryableByName)]
        struct Ids {
            #[diesel(sql_type = Text)]
            proposal: String,
            #[diesel(sql_type = Text)]
            consultation: String,
        }
        let ids: Ids = diesel::sql_query(
            "SELECT (SELECT id::text FROM proposals WHERE state = 'adopted' LIMIT 1) AS proposal,
                    (SELECT id::text FROM consultations WHERE result_published_at IS NOT NULL LIMIT 1) AS consultation",
        )
        .get_result(&mut app.db())
        .unwrap();
        diesel::sql_query(
            "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
             SELECT id, 2025, 83.1, '市民活動推進課 調べ' FROM kpis WHERE measure_code = '5-1' AND name = '自治会の加入率'",
        )
        .execute(&mut app.db())
        .unwrap();
        let browser = Browser::start().await.unwrap();
        browser.set_viewport(390, 844).await.unwrap();
        let mut failures = Vec::new();
        for (name, path, wide) in [
            (
                "phone-measure-5-1",
                "/measures/5-1".to_owned(),
                ".kpi-table",
            ),
            (
                "phone-proposal",
                format!("/proposals/{}", ids.proposal),
                ".timeline",
            ),
            (
                "phone-consultation-result",
                format!("/consultations/{}/result", ids.consultation),
                ".result-table",
            ),
        ] {
            browser.goto(&app.url(&path)).await.unwrap();
            let sizes = browser
                .eval(
                    "return [document.documentElement.scrollWidth, window.innerWidth, \
                     document.querySelector('.site-header').getBoundingClientRect().height, \
                     window.innerHeight];",
                )
                .await
                .unwrap();
            let n = |i: usize| sizes[i].as_f64().unwrap();
            let shot = browser.screenshot(name).await.unwrap();
            if n(1) != 390.0 {
                failures.push(format!("{name}: the viewport is {} px wide", n(1)));
            }
            if n(0) > 390.0 {
                failures.push(format!(
                    "{path}: {} px wide on a 390 px phone ({})",
                    n(0),
                    shot.display()
                ));
            }
            if n(2) > 0.15 * n(3) {
                failures.push(format!(
                    "{path}: the header is {} px of {} px ({})",
                    n(2),
                    n(3),
                    shot.display()
                ));
            }
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
            // The widest part of the page, for a person to look at.
            let script = format!(
                "const e = document.querySelector('{wide}'); if (e) e.scrollIntoView(); return !!e;"
            );
            assert_eq!(
                browser.eval(&script).await.unwrap(),
                true,
                "{path} has {wide}"
            );
            browser.screenshot(&format!("{name}-wide")).await.unwrap();
            if name == "phone-measure-5-1" {
                browser
                    .eval("document.querySelector('.kpi-chart').scrollIntoView(); return 1;")
                    .await
                    .unwrap();
                browser.screenshot("phone-measure-5-1-chart").await.unwrap();
            }
        }
        browser.close().await;
        assert!(failures.is_empty(), "{failures:#?}");
    })
}
