//! Importing proposals received on paper (紙の提案の一括取込) through real HTTP: every row
//! previewed with its errors in Japanese and nothing saved; a file with any error row refused
//! whole; a good xlsx file imported once, each proposal submitted on paper by the importer,
//! linked to its file, in the department's review queue and public with the paper note but
//! never the proposer's name or address; the same file again adds nothing; broken files answer
//! a clear page, never a 500; another department is refused; and in Chromium, axe and the Nu
//! checker on the pages.

use crate::support::attachments::post_multipart;
use crate::support::browser::{sign_in_as, Browser};
use crate::support::db::{count, text};
use crate::support::people::{department, responsible, reviewer, staff_member};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub const TESTS: &[(&str, fn())] = &[
    (
        "proposals_imports::a_file_is_previewed_then_imported_once",
        a_file_is_previewed_then_imported_once,
    ),
    (
        "proposals_imports::broken_files_answer_a_clear_page",
        broken_files_answer_a_clear_page,
    ),
    (
        "proposals_imports::the_pages_pass_axe_and_the_nu_checker",
        the_pages_pass_axe_and_the_nu_checker,
    ),
];

const LIST: &str = "/staff/proposals/imports";
const HEADINGS: &str = "受付日,氏名,住所,電話,公開名,事業名,概要,施策,予算";

/// Uploads a file; the answer.
async fn post_file(staff: &Visitor, name: &str, bytes: &[u8]) -> reqwest::Response {
    let token = csrf_of(&staff.page(LIST).await);
    post_multipart(staff, LIST, Some(&token), name, bytes).await
}

/// Uploads a file; the preview's address it is sent to.
async fn upload(staff: &Visitor, name: &str, bytes: &[u8]) -> String {
    let response = post_file(staff, name, bytes).await;
    assert_eq!(response.status().as_u16(), 303, "{name}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Posts the preview's import button.
async fn import(staff: &Visitor, preview: &str) -> reqwest::Response {
    let token = csrf_of(&staff.page(preview).await);
    staff
        .client
        .post(staff.url(preview))
        .form(&[("csrf", token)])
        .send()
        .await
        .unwrap()
}

/// 6-1 is the responsibility of 道路課 (5-1 of the reviewer's 市民活動推進課).
fn responsibilities(app: &TestApp) {
    responsible(app);
    let roads = department(app, "道路課");
    diesel::sql_query(format!(
        "INSERT INTO measure_departments (measure_code, department_id) VALUES ('6-1', {roads})"
    ))
    .execute(&mut app.db())
    .unwrap();
}

/// Two good paper proposals on 5-1 by the same person (an Excel date and 和暦 text), one with
/// a public name and a budget in 万円, and a column that is not read.
fn good_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let headings = [
        "受付日",
        "氏名",
        "住所",
        "電話",
        "公開名",
        "件名",
        "概要",
        "施策",
        "予算",
        "備考",
    ];
    for (column, heading) in headings.iter().enumerate() {
        sheet.write(0, column as u16, *heading).unwrap();
    }
    let date = Format::new().set_num_format("yyyy/mm/dd");
    sheet
        .write_with_format(1, 0, ExcelDateTime::from_ymd(2025, 4, 5).unwrap(), &date)
        .unwrap();
    sheet.write(2, 0, "令和7年4月6日").unwrap();
    for (row, (title, public, budget)) in [
        ("駅前花壇の手入れ", "", "120万"),
        ("子ども食堂の開設", "花ちゃん", "1,500,000"),
    ]
    .iter()
    .enumerate()
    {
        let row = row as u32 + 1;
        sheet.write(row, 1, "紙野 花子").unwrap();
        sheet.write(row, 2, "本庄市秘密町9-9-9").unwrap();
        sheet.write(row, 3, "0495-00-0000").unwrap();
        sheet.write(row, 4, *public).unwrap();
        sheet.write(row, 5, *title).unwrap();
        sheet.write(row, 6, "地域で取り組みます。").unwrap();
        sheet.write(row, 7, "5-1").unwrap();
        sheet.write(row, 8, *budget).unwrap();
        sheet.write(row, 9, "メモ").unwrap();
    }
    book.save_to_buffer().unwrap()
}

const PAPER: &str = "SELECT count(*) AS n FROM proposals WHERE channel = 'paper'";

fn a_file_is_previewed_then_imported_once() {
    run(async {
        let app = TestApp::start().await;
        responsibilities(&app);
        let staff = reviewer(&app).await;
        let list = visible_text(&staff.page("/staff/proposals").await);
        assert!(list.contains("紙で届いた提案をファイル"), "{list}");
        let list = visible_text(&staff.page(LIST).await);
        assert!(list.contains("見本のCSVファイルをダウンロード"), "{list}");
        assert!(
            list.contains("紙で届いた市民提案を一覧にしたファイル"),
            "{list}"
        );
        assert!(
            list.contains("氏名・住所・電話は公開されません。"),
            "{list}"
        );
        let template = staff
            .get(&format!("{LIST}/template.csv"))
            .await
            .bytes()
            .await
            .unwrap();
        let template = String::from_utf8(template.to_vec()).unwrap();
        assert!(
            template.starts_with("\u{feff}受付日,氏名,住所,電話,公開名,事業名,概要,施策,"),
            "{template}"
        );

        // CP932: one good row and four with mistakes; previewed, nothing saved, refused whole.
        let csv = format!(
            "{HEADINGS}\r\n\
             2025/4/1,紙野 一郎,本庄市1,,,花壇,概要,5-1,\r\n\
             2099/1/1,,本庄市2,,,,概要,9-9,\r\n\
             2025/4/1,紙野 三郎,本庄市3,,,道路,概要,6-1,\r\n\
             2025/4/1,紙野 四郎,本庄市4,,,{long},概要,5-1,12.5\r\n\
             2025/4/1,紙野 一郎,本庄市1,,,花壇,概要,5-1,\r\n",
            long = "題".repeat(121)
        );
        let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(&csv);
        let preview = upload(&staff, "紙の提案.csv", &cp932).await;
        let page = visible_text(&staff.page(&preview).await);
        for said in [
            "5行のうち、エラーのある行は4行です。",
            "受付日（令和81年1月1日）が今日より後です。",
            "氏名を入力してください。",
            "提案の名称を入力してください。",
            "施策「9-9」は計画にありません。",
            "施策「6-1」はあなたの担当課の施策ではありません。",
            "提案の名称は120文字以内で入力してください（現在121文字）。",
            "概算事業費",
            "2行目と同じ提案です",
            "エラーのある行があるため、このファイルは取り込めません",
        ] {
            assert!(page.contains(said), "{said}: {page}");
        }
        assert_eq!(count(&app, PAPER), 0);
        let refused = import(&staff, &preview).await;
        assert_eq!(refused.status().as_u16(), 400);
        let said = visible_text(&refused.text().await.unwrap());
        assert!(said.contains("何も保存されていません"), "{said}");
        assert_eq!(count(&app, PAPER), 0);

        // A good workbook: imported, each proposal submitted on paper by the reviewer.
        let book = good_xlsx();
        let preview = upload(&staff, "紙の提案.xlsx", &book).await;
        let page = visible_text(&staff.page(&preview).await);
        assert!(
            page.contains("2行のうち、エラーのある行は0行です。"),
            "{page}"
        );
        assert!(page.contains("次の列は取り込みません：備考"), "{page}");
        assert!(
            page.contains("2件の提案を、提出方法「紙」の提出済みの提案として取り込みます。"),
            "{page}"
        );
        assert_eq!(count(&app, PAPER), 0);
        let outbox = "SELECT count(*) AS n FROM outbox";
        let emails = count(&app, outbox);
        assert_eq!(import(&staff, &preview).await.status().as_u16(), 303);
        assert_eq!(count(&app, PAPER), 2);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals p JOIN import_rows r ON r.proposal_id = p.id
                 JOIN import_batches b ON b.id = r.batch_id JOIN accounts a ON a.id = p.author_id
                 WHERE p.state = 'submitted' AND p.version = 2 AND b.kind = 'proposals'
                 AND p.entered_by = (SELECT id FROM accounts WHERE email = 'reviewer@example.jp')
                 AND b.imported_by = p.entered_by AND b.row_count = 2 AND b.filename = '紙の提案.xlsx'
                 AND a.email IS NULL AND a.password_hash IS NULL AND a.real_name = '紙野 花子'
                 AND a.address = '本庄市秘密町9-9-9' AND a.phone = '0495-00-0000'
                 AND (p.submitted_at AT TIME ZONE 'Asia/Tokyo')::date IN ('2025-04-05', '2025-04-06')
                 AND EXISTS (SELECT 1 FROM proposal_measures m WHERE m.proposal_id = p.id AND m.measure_code = '5-1')
                 AND EXISTS (SELECT 1 FROM proposal_transitions t WHERE t.proposal_id = p.id AND t.to_state = 'submitted')"
            ),
            2
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE budget_yen = 1200000 AND channel = 'paper'"
            ),
            1
        );
        // One account per proposer and public name, with neither email nor password.
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM accounts WHERE real_name = '紙野 花子' AND email IS NULL"),
            2
        );
        let audits = "SELECT count(*) AS n FROM audit_log WHERE action = 'proposal.import'";
        assert_eq!(count(&app, audits), 1);
        // No email: the proposer has no address, and the importer is the reviewer.
        assert_eq!(count(&app, outbox), emails);
        let page = visible_text(&staff.page(&preview).await);
        assert!(page.contains("2件を取り込みました"), "{page}");
        assert!(page.contains("審査の一覧へ"), "{page}");

        // The same file again: the same batch, and importing it adds nothing.
        assert_eq!(upload(&staff, "もう一度.xlsx", &book).await, preview);
        assert_eq!(import(&staff, &preview).await.status().as_u16(), 303);
        assert_eq!(count(&app, PAPER), 2);
        assert_eq!(count(&app, audits), 1);
        // The same row in another file: already imported.
        let again = format!(
            "{HEADINGS}\r\n2025/4/5,紙野 花子,本庄市1,,,駅前花壇の手入れ,別の概要,5-1,\r\n"
        );
        let other_file = upload(&staff, "同じ行.csv", again.as_bytes()).await;
        let page = visible_text(&staff.page(&other_file).await);
        assert!(page.contains("すでに取り込まれています"), "{page}");
        assert_eq!(import(&staff, &other_file).await.status().as_u16(), 400);
        assert_eq!(count(&app, PAPER), 2);

        // A later file of the same proposer: the same account.
        let later = format!(
            "{HEADINGS}\r\n2025/5/1,紙野 花子,本庄市秘密町9-9-9,,,公園の清掃,概要,5-1,\r\n"
        );
        let later = upload(&staff, "後日.csv", later.as_bytes()).await;
        assert_eq!(import(&staff, &later).await.status().as_u16(), 303);
        assert_eq!(count(&app, PAPER), 3);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE real_name = '紙野 花子'"
            ),
            2
        );

        // In the department's review queue.
        let queue = visible_text(&staff.page("/staff/proposals?state=submitted").await);
        assert!(queue.contains("駅前花壇の手入れ"), "{queue}");
        assert!(queue.contains("子ども食堂の開設"), "{queue}");

        // Public with the paper note, never the proposer's name, address or phone.
        let id = text(
            &app,
            "SELECT id::text FROM proposals WHERE title = '駅前花壇の手入れ'",
        );
        let visitor = app.visitor();
        let public = visible_text(&visitor.page(&format!("/proposals/{id}")).await);
        assert!(public.contains("紙で提出された方"), "{public}");
        assert!(
            public.contains("紙で提出された提案です（市が代理で登録）"),
            "{public}"
        );
        // The reviewer's page of it: the proposer's contact, to answer by post.
        let review = visible_text(&staff.page(&format!("/staff/proposals/{id}")).await);
        for said in [
            "紙野 花子",
            "本庄市秘密町9-9-9",
            "0495-00-0000",
            "審査 一郎が紙の提案をファイルから登録しました",
        ] {
            assert!(review.contains(said), "{said}: {review}");
        }
        let named = text(
            &app,
            "SELECT id::text FROM proposals WHERE title = '子ども食堂の開設'",
        );
        let public_named = visitor.page(&format!("/proposals/{named}")).await;
        assert!(public_named.contains("花ちゃん"));
        let english = app
            .get_in("en", &format!("/proposals/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(english.contains("Submitted on paper (entered by the city)"));
        let list = visitor.page("/proposals").await;
        let api_list = visitor.page("/api/v1/proposals").await;
        let api = visitor.page(&format!("/api/v1/proposals/{id}")).await;
        let export = staff.page("/staff/proposals.csv").await;
        assert!(export.contains("駅前花壇の手入れ"), "{export}");
        for (what, body) in [
            ("page", public.as_str()),
            ("named page", public_named.as_str()),
            ("list", list.as_str()),
            ("API list", api_list.as_str()),
            ("API", api.as_str()),
            ("CSV", export.as_str()),
        ] {
            for secret in ["紙野", "秘密町", "0495-00-0000"] {
                assert!(!body.contains(secret), "{what} shows {secret}: {body}");
            }
        }

        // Another department's reviewer: not their file, not their measures.
        let other = staff_member(
            &app,
            "other@example.jp",
            "他課",
            &[("reviewer", Some("道路課"))],
        )
        .await;
        assert_eq!(other.get(&preview).await.status().as_u16(), 404);
        assert_eq!(
            post_file(&other, "同じ.xlsx", &book)
                .await
                .status()
                .as_u16(),
            409
        );
        let mine = format!("{HEADINGS}\r\n2025/4/1,紙野 五郎,本庄市5,,,花壇,概要,5-1,\r\n");
        let theirs = upload(&other, "他課.csv", mine.as_bytes()).await;
        let page = visible_text(&other.page(&theirs).await);
        assert!(
            page.contains("施策「5-1」はあなたの担当課の施策ではありません。"),
            "{page}"
        );
        assert_eq!(import(&other, &theirs).await.status().as_u16(), 400);
        assert_eq!(count(&app, PAPER), 3);
        // A resident: refused.
        let resident = staff_member(&app, "resident@example.jp", "住民", &[]).await;
        assert_eq!(resident.get(LIST).await.status().as_u16(), 403);
    })
}

fn broken_files_answer_a_clear_page() {
    run(async {
        let app = TestApp::start().await;
        responsibilities(&app);
        let staff = reviewer(&app).await;
        let row = |i: usize| format!("2025/4/1,紙野 {i},本庄市1,,,事業{i},概要,5-1,\r\n");
        let mut full = format!("{HEADINGS}\r\n");
        let mut many = full.clone();
        for i in 0..10_000 {
            full.push_str(&row(i));
        }
        many.push_str(&full[HEADINGS.len() + 2..]);
        many.push_str(&row(10_000));
        let mut truncated = good_xlsx();
        truncated.truncate(truncated.len() / 2);
        let mut random = Vec::with_capacity(4096);
        let mut x: u32 = 12345;
        for _ in 0..4096 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            random.push((x >> 16) as u8);
        }
        for (name, bytes, said) in [
            (
                "junk.xlsx",
                b"\x00\x01binary junk".to_vec(),
                "Excelファイル（.xlsx）として読めません",
            ),
            (
                "truncated.xlsx",
                truncated,
                "Excelファイル（.xlsx）として読めません",
            ),
            ("random.csv", random, "文字コードが読めません"),
            (
                "headings.csv",
                format!("{HEADINGS}\r\n").into_bytes(),
                "見出しの行しかありません",
            ),
            ("blank.csv", b" ,\r\n".to_vec(), "ファイルが空です"),
            (
                "columns.csv",
                "受付日,氏名\r\n2025/4/1,a\r\n".as_bytes().to_vec(),
                "見出しに「住所」の列がありません",
            ),
            (
                "many.csv",
                many.into_bytes(),
                "行が多すぎます（10000行まで）",
            ),
        ] {
            let preview = upload(&staff, name, &bytes).await;
            let response = staff.get(&preview).await;
            assert_eq!(response.status().as_u16(), 200, "{name}");
            let page = visible_text(&response.text().await.unwrap());
            assert!(
                page.contains("このファイルは取り込めません。"),
                "{name}: {page}"
            );
            assert!(page.contains(said), "{name}: {page}");
            assert_eq!(
                import(&staff, &preview).await.status().as_u16(),
                400,
                "{name}"
            );
        }
        // 10 000 rows: every one previewed.
        let preview = upload(&staff, "full.csv", full.as_bytes()).await;
        let page = visible_text(&staff.page(&preview).await);
        assert!(
            page.contains("10000行のうち、エラーのある行は0行です。"),
            "{page:.400}"
        );
        // And imported, in one transaction.
        assert_eq!(import(&staff, &preview).await.status().as_u16(), 303);
        assert_eq!(count(&app, PAPER), 10_000);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM import_rows WHERE proposal_id IS NOT NULL"
            ),
            10_000
        );
        assert_eq!(
            count(
                &app,
                "SELECT proposals AS n FROM measure_proposal_counts WHERE measure_code = '5-1'"
            ),
            10_000
        );
        // The count by state is the rows' own (kept once per statement, migration 000033).
        assert_eq!(
            count(
                &app,
                "SELECT proposals AS n FROM proposal_state_counts WHERE state = 'submitted'"
            ),
            count(
                &app,
                "SELECT count(*) AS n FROM proposals WHERE state = 'submitted'"
            )
        );
        let token = csrf_of(&staff.page(LIST).await);
        let response = post_multipart(&staff, LIST, Some(&token), "empty.csv", b"").await;
        assert_eq!(response.status().as_u16(), 400);
    })
}

fn the_pages_pass_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        responsibilities(&app);
        let staff = reviewer(&app).await;
        let csv = format!(
            "{HEADINGS}\r\n2025/4/1,紙野 一郎,本庄市1,,,花壇,概要,5-1,\r\n2099/1/1,,,,,,,9-9,\r\n"
        );
        let with_errors = upload(&staff, "誤りあり.csv", csv.as_bytes()).await;
        let good = upload(&staff, "紙の提案.xlsx", &good_xlsx()).await;
        let junk = upload(&staff, "junk.xlsx", b"junk").await;
        let browser = Browser::start().await.unwrap();
        sign_in_as(&browser, &app, "reviewer@example.jp").await;
        let mut failures = Vec::new();
        for (name, path) in [
            ("proposal-imports-list", LIST.to_owned()),
            ("proposal-import-preview-errors", with_errors),
            ("proposal-import-preview-good", good.clone()),
            ("proposal-import-preview-unreadable", junk),
        ] {
            browser.goto(&app.url(&path)).await.unwrap();
            if let Err(e) = browser.assert_accessible(name).await {
                failures.push(e);
            }
        }
        browser.goto(&app.url(&good)).await.unwrap();
        browser
            .click("main form button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("main", "2件を取り込みました")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("proposal-import-done").await {
            failures.push(e);
        }
        let id = text(
            &app,
            "SELECT id::text FROM proposals WHERE title = '駅前花壇の手入れ'",
        );
        browser
            .goto(&app.url(&format!("/proposals/{id}")))
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("proposal-on-paper").await {
            failures.push(e);
        }
        browser
            .goto(&app.url(&format!("/staff/proposals/{id}")))
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("staff-proposal-on-paper").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    })
}
