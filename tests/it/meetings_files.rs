//! A meeting's files (資料, 実施報告) over HTTP with the injected clock: uploaded on the
//! meeting's staff page after it, kept from the public until the minutes are published, then
//! listed under the minutes and served; another department's staff can neither add nor remove
//! them; a draft meeting's files are never public. The staff page with its upload form passes
//! axe and the Nu checker.

use crate::support::attachments::{attachment_link, hrefs, pdf, post_multipart};
use crate::support::browser::{sign_in_as, Browser};
use crate::support::consultations::jst;
use crate::support::db::count;
use crate::support::meetings::{change, meeting, reviewers};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};

pub const TESTS: &[(&str, fn())] = &[
    (
        "meetings_files::the_minutes_files_are_public_once_the_minutes_are",
        the_minutes_files_are_public_once_the_minutes_are,
    ),
    (
        "meetings_files::a_draft_meetings_files_are_never_public",
        a_draft_meetings_files_are_never_public,
    ),
    (
        "meetings_files::the_staff_page_with_the_upload_form_passes_axe_and_the_nu_checker",
        the_staff_page_with_the_upload_form_passes_axe_and_the_nu_checker,
    ),
];

/// Uploads `name` to meeting `id` from its staff page, with the page's token.
async fn upload(visitor: &Visitor, id: i32, name: &str) -> reqwest::Response {
    let page = format!("/staff/meetings/{id}");
    let csrf = csrf_of(&visitor.page(&page).await);
    post_multipart(
        visitor,
        &format!("{page}/attachments"),
        Some(&csrf),
        name,
        &pdf(),
    )
    .await
}

fn stored(app: &TestApp, id: i32) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM attachments WHERE owner_type = 'meeting' AND owner_id = '{id}'"),
    )
}

fn the_minutes_files_are_public_once_the_minutes_are() {
    run(async {
        let app = TestApp::start().await;
        let (rev, other, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "駅前ワークショップ", None);
        // After the meeting (令和8年12月12日 14:00〜16:00).
        app.clock.set(jst(2026, 12, 12, 17, 0, 0));
        let page = format!("/staff/meetings/{id}");

        let done = upload(&rev, id, "実施報告.pdf").await;
        assert_eq!(done.status(), 303, "the report attached");
        assert_eq!(
            done.headers()["location"].to_str().unwrap(),
            format!("{page}#attachments")
        );
        assert_eq!(stored(&app, id), 1);
        let staff_html = rev.page(&page).await;
        assert!(visible_text(&staff_html).contains("実施報告.pdf"));
        let file = attachment_link(&staff_html);

        // Before the minutes are published: the staff see it, nobody else does.
        assert_eq!(rev.get(&file).await.status(), 200);
        let anonymous = app.visitor();
        assert_eq!(anonymous.get(&file).await.status(), 404);
        assert_eq!(other.get(&file).await.status(), 404);
        let public = anonymous.page(&format!("/meetings/{id}")).await;
        assert!(
            hrefs(&public).is_empty(),
            "no file listed before the minutes"
        );
        assert!(!visible_text(&public).contains("実施報告.pdf"));

        // Another department's reviewer can neither add nor remove.
        let other_csrf = csrf_of(&other.page("/staff").await);
        let refused = post_multipart(
            &other,
            &format!("{page}/attachments"),
            Some(&other_csrf),
            "偽の資料.pdf",
            &pdf(),
        )
        .await;
        assert!(
            matches!(refused.status().as_u16(), 403 | 404),
            "{}",
            refused.status()
        );
        let attachment = file
            .trim_start_matches("/attachments/")
            .split(['/', '?'])
            .next()
            .unwrap();
        let remove = other
            .post(
                &format!("{page}/attachments/{attachment}/remove"),
                &[("csrf", &other_csrf)],
            )
            .await;
        assert!(
            matches!(remove.status().as_u16(), 403 | 404),
            "{}",
            remove.status()
        );
        assert_eq!(stored(&app, id), 1);

        // The minutes published: the file is listed under them and served to anyone.
        let published = rev
            .submit(
                &page,
                &format!("{page}/minutes"),
                &[
                    ("summary", "12人が参加しました。"),
                    ("topics", "1"),
                    ("topic-1", "駐輪場"),
                    ("said-1", "駅前の駐輪場が足りない。"),
                    ("response-1", "来年度に検討します。"),
                    ("publish", "1"),
                ],
            )
            .await;
        assert_eq!(published.status(), 303);
        let public = anonymous.page(&format!("/meetings/{id}")).await;
        assert_eq!(hrefs(&public), vec![file.clone()]);
        assert!(visible_text(&public).contains("実施報告.pdf"));
        let served = anonymous.get(&file).await;
        assert_eq!(served.status(), 200);
        assert_eq!(served.bytes().await.unwrap().to_vec(), pdf());

        // The department's reviewer removes it: gone from the page and no longer served.
        let csrf = csrf_of(&rev.page(&page).await);
        let removed = rev
            .post(
                &format!("{page}/attachments/{attachment}/remove"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(removed.status(), 303);
        assert_eq!(stored(&app, id), 0);
        assert_eq!(anonymous.get(&file).await.status(), 404);
        assert!(hrefs(&anonymous.page(&format!("/meetings/{id}")).await).is_empty());
    })
}

fn a_draft_meetings_files_are_never_public() {
    run(async {
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "公開前の会", None);
        change(&app, id, "published_at = NULL");
        app.clock.set(jst(2026, 12, 12, 17, 0, 0));
        assert_eq!(upload(&rev, id, "配布資料.pdf").await.status(), 303);
        let file = attachment_link(&rev.page(&format!("/staff/meetings/{id}")).await);
        assert_eq!(rev.get(&file).await.status(), 200);
        // Even with minutes marked published, a draft's files stay with its staff.
        change(
            &app,
            id,
            "minutes_summary = '要旨', minutes_published_at = now()",
        );
        let anonymous = app.visitor();
        assert_eq!(anonymous.get(&file).await.status(), 404);
        assert_eq!(
            anonymous.get(&format!("/meetings/{id}")).await.status(),
            404
        );
        assert_eq!(rev.get(&file).await.status(), 200);
    })
}

fn the_staff_page_with_the_upload_form_passes_axe_and_the_nu_checker() {
    run(async {
        let app = TestApp::start().await;
        let (rev, _, dept) = reviewers(&app).await;
        let id = meeting(&app, dept, "駅前ワークショップ", None);
        app.clock.set(jst(2026, 12, 12, 17, 0, 0));
        assert_eq!(upload(&rev, id, "実施報告.pdf").await.status(), 303);
        let browser = Browser::start().await.unwrap();
        sign_in_as(&browser, &app, "rev@example.jp").await;
        browser
            .goto(&app.url(&format!("/staff/meetings/{id}")))
            .await
            .unwrap();
        browser.wait_for_text("main", "実施報告.pdf").await.unwrap();
        browser
            .assert_accessible("staff-meeting-files")
            .await
            .unwrap();
    })
}
