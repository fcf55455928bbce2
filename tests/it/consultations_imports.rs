//! Importing paper opinions from a file (一括取込) through real HTTP: every row previewed with
//! its errors in Japanese and nothing saved; a file with any error row refused whole; a good
//! xlsx file imported once, each opinion on paper by the importer and linked to its file; the
//! same file again adds nothing; broken files answer a clear page, never a 500; another
//! department is refused; and in Chromium, axe and the Nu checker on the pages.

use crate::support::attachments::post_multipart;
use crate::support::browser::{sign_in_as, Browser};
use crate::support::db::count;
use crate::support::people::{department, staff_member};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use diesel::RunQueryDsl;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub const TESTS: &[(&str, fn())] = &[
    (
        "consultations_imports::a_file_is_previewed_then_imported_once",
        a_file_is_previewed_then_imported_once,
    ),
    (
        "consultations_imports::broken_files_answer_a_clear_page",
        broken_files_answer_a_clear_page,
    ),
    (
        "consultations_imports::the_pages_pass_axe_and_the_nu_checker",
        the_pages_pass_axe_and_the_nu_checker,
    ),
];

/// A consultation of 課 `dept` held in January 2020 (closed: paper opinions still come), with
/// two sections; its id.
fn consultation(app: &TestApp, dept: &str) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    let department = department(app, dept);
    let id = diesel::sql_query(format!(
        "INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at)
         VALUES ('駅前広場の整備方針（案）', {department}, '概要', '2020-01-01', '2020-01-31', '2019-12-01') RETURNING id"
    ))
    .get_result::<Id>(&mut app.db())
    .unwrap()
    .id;
    diesel::sql_query(format!(
        "INSERT INTO consultation_sections (consultation_id, number, heading, body)
         VALUES ({id}, 1, '第1章', '本文'), ({id}, 2, '第2章', '本文')"
    ))
    .execute(&mut app.db())
    .unwrap();
    id
}

/// Uploads a file; the preview's address it is sent to.
async fn upload(staff: &Visitor, id: i32, name: &str, bytes: &[u8]) -> String {
    let list = format!("/staff/consultations/{id}/imports");
    let token = csrf_of(&staff.page(&list).await);
    let response = post_multipart(staff, &list, Some(&token), name, bytes).await;
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

/// Three good paper opinions, their dates as an Excel date, as text in 和暦 and as a serial.
fn good_xlsx() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (column, heading) in ["受付日", "意見", "項目番号", "氏名", "住所", "備考"]
        .iter()
        .enumerate()
    {
        sheet.write(0, column as u16, *heading).unwrap();
    }
    let date = Format::new().set_num_format("yyyy/mm/dd");
    sheet
        .write_with_format(1, 0, ExcelDateTime::from_ymd(2020, 1, 5).unwrap(), &date)
        .unwrap();
    sheet.write(2, 0, "令和2年1月6日").unwrap();
    sheet.write(3, 0, 43837).unwrap();
    for (row, (body, name)) in [
        ("駐輪場を広げてください。", "本庄 一郎"),
        ("ベンチを増やしてください。", "本庄 二郎"),
        ("街灯を明るくしてください。", "本庄 三郎"),
    ]
    .iter()
    .enumerate()
    {
        let row = row as u32 + 1;
        sheet.write(row, 1, *body).unwrap();
        sheet.write(row, 2, 2).unwrap();
        sheet.write(row, 3, *name).unwrap();
        sheet.write(row, 4, "本庄市本庄3-5-3").unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn a_file_is_previewed_then_imported_once() {
    run(async {
        let app = TestApp::start().await;
        let id = consultation(&app, "市民活動推進課");
        let staff = staff_member(
            &app,
            "reviewer@example.jp",
            "審査担当",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let list = visible_text(
            &staff
                .page(&format!("/staff/consultations/{id}/imports"))
                .await,
        );
        assert!(list.contains("見本のCSVファイルをダウンロード"), "{list}");
        let template = staff
            .get(&format!("/staff/consultations/{id}/imports/template.csv"))
            .await
            .bytes()
            .await
            .unwrap();
        let template = String::from_utf8(template.to_vec()).unwrap();
        assert!(
            template
                .starts_with("\u{feff}受付日,意見,項目番号,氏名,住所,団体名,メールアドレス\r\n"),
            "{template}"
        );

        // CP932, one good row and one with three mistakes: previewed, then refused whole.
        let csv = "受付日,意見,項目番号,氏名,住所\r\n2020/1/10,図書館の開館時間を延ばしてください。,,本庄 四郎,本庄市1\r\n2020/2/15,,9,本庄 五郎,本庄市2\r\n";
        let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
        let preview = upload(&staff, id, "紙の意見.csv", &cp932).await;
        let page = visible_text(&staff.page(&preview).await);
        for said in [
            "2行のうち、エラーのある行は1行です。",
            "図書館の開館時間を延ばしてください。",
            "意見募集の期間（令和2年1月1日〜令和2年1月31日）の外",
            "項目番号「9」はありません（1〜2の番号",
            "エラーのある行があるため、このファイルは取り込めません",
        ] {
            assert!(page.contains(said), "{said}: {page}");
        }
        let refused = import(&staff, &preview).await;
        assert_eq!(refused.status().as_u16(), 400);
        let text = visible_text(&refused.text().await.unwrap());
        assert!(text.contains("何も保存されていません"), "{text}");
        let paper = "SELECT count(*) AS n FROM consultation_comments WHERE channel = 'paper'";
        assert_eq!(count(&app, paper), 0);

        // A good workbook: imported, each row on paper by the reviewer, linked to the file.
        let book = good_xlsx();
        let preview = upload(&staff, id, "紙の意見.xlsx", &book).await;
        let page = visible_text(&staff.page(&preview).await);
        assert!(
            page.contains("3行のうち、エラーのある行は0行です。"),
            "{page}"
        );
        assert!(page.contains("次の列は取り込みません：備考"), "{page}");
        let done = import(&staff, &preview).await;
        assert_eq!(done.status().as_u16(), 303);
        assert_eq!(count(&app, paper), 3);
        assert_eq!(
            count(&app, &format!("SELECT count(*) AS n FROM consultation_comments c JOIN import_rows r ON r.comment_id = c.id JOIN import_batches b ON b.id = r.batch_id
                 WHERE c.consultation_id = {id} AND c.entered_by = (SELECT id FROM accounts WHERE email = 'reviewer@example.jp')
                 AND b.imported_by = c.entered_by AND b.row_count = 3 AND b.filename = '紙の意見.xlsx' AND c.section_id IS NOT NULL
                 AND (c.received_at AT TIME ZONE 'Asia/Tokyo')::date IN ('2020-01-05', '2020-01-06', '2020-01-07')")),
            3
        );
        // Numbered one after another, counted on the consultation, each in the audit log.
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(DISTINCT receipt_number) AS n FROM consultation_comments
                 WHERE consultation_id = {id} AND receipt_seq BETWEEN 1 AND 3"
                )
            ),
            3
        );
        assert_eq!(
            count(
                &app,
                &format!("SELECT comment_count::bigint AS n FROM consultations WHERE id = {id}")
            ),
            3
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'consultation.opinion_entered'"
            ),
            3
        );
        let page = visible_text(&staff.page(&preview).await);
        assert!(page.contains("3件を取り込みました"), "{page}");

        // The same file again: the same batch, and importing it adds nothing.
        assert_eq!(upload(&staff, id, "もう一度.xlsx", &book).await, preview);
        assert_eq!(import(&staff, &preview).await.status().as_u16(), 303);
        assert_eq!(count(&app, paper), 3);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM import_batches WHERE status = 'imported'"
            ),
            1
        );
        // The same rows in another file: each already entered.
        let again = "受付日,意見,項目番号,氏名,住所\r\n2020/1/5,駐輪場を広げてください。,2,本庄 一郎,本庄市本庄3-5-3\r\n";
        let preview = upload(&staff, id, "同じ行.csv", again.as_bytes()).await;
        let page = visible_text(&staff.page(&preview).await);
        assert!(page.contains("すでに入力されています"), "{page}");
        assert_eq!(import(&staff, &preview).await.status().as_u16(), 400);
        assert_eq!(count(&app, paper), 3);

        // Another department's reviewer sees and imports nothing of it.
        let other = staff_member(
            &app,
            "other@example.jp",
            "他課",
            &[("reviewer", Some("道路課"))],
        )
        .await;
        for path in [
            format!("/staff/consultations/{id}/imports"),
            preview.clone(),
        ] {
            assert_eq!(other.get(&path).await.status().as_u16(), 403, "{path}");
        }
    })
}

fn broken_files_answer_a_clear_page() {
    run(async {
        let app = TestApp::start().await;
        let id = consultation(&app, "市民活動推進課");
        let staff = staff_member(
            &app,
            "reviewer@example.jp",
            "審査担当",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let mut many = String::from("受付日,意見\r\n");
        for i in 0..10_001 {
            many.push_str(&format!("2020/1/10,意見{i}\r\n"));
        }
        let mut truncated = good_xlsx();
        truncated.truncate(truncated.len() / 2);
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
            (
                "utf16.csv",
                b"\xff\xfe\x00\x01\x02".to_vec(),
                "文字コードが読めません",
            ),
            (
                "headings.csv",
                "受付日,意見\r\n".as_bytes().to_vec(),
                "見出しの行しかありません",
            ),
            ("blank.csv", b" ,\r\n".to_vec(), "ファイルが空です"),
            (
                "columns.csv",
                "日付,本文\r\n2020/1/10,a\r\n".as_bytes().to_vec(),
                "見出しに「受付日」の列がありません",
            ),
            (
                "many.csv",
                many.into_bytes(),
                "行が多すぎます（10000行まで）",
            ),
            ("old.xls", b"\xd0\xcf\x11\xe0".to_vec(), "古い形式（.xls）"),
        ] {
            let preview = upload(&staff, id, name, &bytes).await;
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
        // No file at all: said on the upload page.
        let list = format!("/staff/consultations/{id}/imports");
        let token = csrf_of(&staff.page(&list).await);
        let response = post_multipart(&staff, &list, Some(&token), "empty.csv", b"").await;
        assert_eq!(response.status().as_u16(), 400);
        let page = visible_text(&response.text().await.unwrap());
        assert!(page.contains("ファイルが空です"), "{page}");
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM consultation_comments"),
            0
        );
    })
}

fn the_pages_pass_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        let id = consultation(&app, "市民活動推進課");
        let staff = staff_member(
            &app,
            "reviewer@example.jp",
            "審査担当",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let csv = "受付日,意見,氏名,住所\r\n2020/1/10,図書館の開館時間を延ばしてください。,本庄 四郎,本庄市1\r\n2020/2/15,,,\r\n";
        let with_errors = upload(&staff, id, "誤りあり.csv", csv.as_bytes()).await;
        let good = upload(&staff, id, "紙の意見.xlsx", &good_xlsx()).await;
        let junk = upload(&staff, id, "junk.xlsx", b"junk").await;
        let browser = Browser::start().await.unwrap();
        sign_in_as(&browser, &app, "reviewer@example.jp").await;
        let mut failures = Vec::new();
        for (name, path) in [
            ("imports-list", format!("/staff/consultations/{id}/imports")),
            ("import-preview-errors", with_errors),
            ("import-preview-good", good.clone()),
            ("import-preview-unreadable", junk),
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
            .wait_for_text("main", "3件を取り込みました")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("import-done").await {
            failures.push(e);
        }
        browser.close().await;
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    })
}
