//! Attachments of proposals over HTTP: a real PDF and PNG uploaded through the edit page's
//! multipart form and downloaded with safe headers; disguised, unknown, oversized and excess
//! files refused with a Japanese message and nothing stored; a draft's files seen only by its
//! author; CSRF on the upload form.

use crate::support::attachments::{hrefs, pdf, post_file, upload};
use crate::support::browser::{sign_in_as, Browser};
use crate::support::db::count;
use crate::support::people::{resident, responsible, reviewer, staff_member};
use crate::support::proposals::{act, draft};
use crate::support::{csrf_of, run, visible_text, TestApp};
use base64::Engine;

pub const TESTS: &[(&str, fn())] = &[
    (
        "attachments::a_pdf_and_a_png_are_attached_and_served_safely",
        a_pdf_and_a_png_are_attached_and_served_safely,
    ),
    (
        "attachments::disguised_unknown_large_and_excess_files_are_refused",
        disguised_unknown_large_and_excess_files_are_refused,
    ),
    (
        "attachments::a_drafts_files_are_for_its_author_only",
        a_drafts_files_are_for_its_author_only,
    ),
    (
        "attachments::the_upload_form_works_in_a_browser_without_javascript",
        the_upload_form_works_in_a_browser_without_javascript,
    ),
];

const TITLE: &str = "商店街の空き店舗で子ども食堂";

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
        .unwrap()
}

fn stored(app: &TestApp, id: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) AS n FROM attachments WHERE owner_type = 'proposal' AND owner_id = '{id}'"),
    )
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

fn a_pdf_and_a_png_are_attached_and_served_safely() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        let edit = visible_text(&hanako.page(&format!("/proposals/{id}/edit")).await);
        assert!(edit.contains("添付ファイルはまだありません。"), "{edit}");

        let response = upload(&hanako, &id, "事業計画書.pdf", &pdf()).await;
        assert_eq!(response.status(), 303, "PDF attached");
        assert_eq!(
            header(&response, "location"),
            format!("/proposals/{id}/edit#attachments")
        );
        assert_eq!(
            upload(&hanako, &id, "会場の地図.png", &png())
                .await
                .status(),
            303,
            "PNG attached"
        );
        // A mistaken file is removed with its button.
        assert_eq!(
            upload(&hanako, &id, "別の地図.png", &png()).await.status(),
            303
        );
        let html = hanako.page(&format!("/proposals/{id}/edit")).await;
        let marker = "action=\"/proposals/";
        let remove = html
            .match_indices(marker)
            .map(|(at, _)| html[at + 8..].split('"').next().unwrap().to_owned())
            .filter(|a| a.ends_with("/remove"))
            .nth(2)
            .expect("a remove button per file");
        let response = hanako.post(&remove, &[("csrf", &csrf_of(&html))]).await;
        assert_eq!(response.status(), 303);
        assert_eq!(stored(&app, &id), 2);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'attachment.add'"
            ),
            3
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM audit_log WHERE action = 'attachment.remove' AND details->>'filename' = '別の地図.png'"),
            1
        );

        // The edit page and the preview list them with type and size.
        let html = hanako.page(&format!("/proposals/{id}/edit")).await;
        let text = visible_text(&html);
        for expected in [
            "事業計画書.pdf （PDF・1 KB）",
            "会場の地図.png （PNG・1 KB）",
        ] {
            assert!(
                text.contains(expected),
                "edit page lists {expected}: {text}"
            );
        }
        assert!(!text.contains("別の地図.png"));
        let preview = visible_text(&hanako.page(&format!("/proposals/{id}/preview")).await);
        assert!(preview.contains("添付ファイル") && preview.contains("事業計画書.pdf"));
        let links = hrefs(&html);
        assert_eq!(links.len(), 2, "{links:?}");
        let (pdf_url, png_url) = (links[0].clone(), links[1].clone());
        assert!(pdf_url.ends_with("/%E4%BA%8B%E6%A5%AD%E8%A8%88%E7%94%BB%E6%9B%B8.pdf"));

        // Downloaded as uploaded, with headers that keep a browser from running it.
        let response = hanako.get(&pdf_url).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type"), "application/pdf");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&response, "content-security-policy"),
            "sandbox; default-src 'none'"
        );
        assert_eq!(
            header(&response, "content-disposition"),
            "attachment; filename=\"_____.pdf\"; filename*=UTF-8''%E4%BA%8B%E6%A5%AD%E8%A8%88%E7%94%BB%E6%9B%B8.pdf"
        );
        assert_eq!(header(&response, "cache-control"), "private, no-cache");
        let etag = header(&response, "etag");
        assert_eq!(response.bytes().await.unwrap().to_vec(), pdf());
        let response = hanako
            .client
            .get(hanako.url(&pdf_url))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 304);
        let response = hanako.get(&png_url).await;
        assert_eq!(header(&response, "content-type"), "image/png");
        assert!(header(&response, "content-disposition").starts_with("inline; "));
        assert_eq!(response.bytes().await.unwrap().to_vec(), png());

        // Submitted: public, on the page and in the API, cacheable by anyone.
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        let page = app.page(&format!("/proposals/{id}")).await;
        assert_eq!(hrefs(&page), links);
        assert!(visible_text(&page).contains("会場の地図.png （PNG・1 KB）"));
        let response = app.get(&pdf_url).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "cache-control"), "public, max-age=300");
        let json = app.json(&format!("/api/v1/proposals/{id}")).await;
        assert_eq!(
            json["attachments"][0],
            serde_json::json!({
                "name": "事業計画書.pdf",
                "type": "application/pdf",
                "size": pdf().len(),
                "url": pdf_url,
            })
        );
        assert_eq!(json["attachments"][1]["type"], "image/png");
        // Once submitted the files are fixed, like the text.
        let csrf = csrf_of(&hanako.page(&format!("/proposals/{id}")).await);
        let response = post_file(&hanako, &id, Some(&csrf), "追加.pdf", &pdf()).await;
        assert_eq!(response.status(), 400);
        assert!(visible_text(&response.text().await.unwrap())
            .contains("この提案は現在「提出済み」のため、添付ファイルを変更できません。"));
        assert_eq!(stored(&app, &id), 2);
        // An unknown attachment, a malformed id.
        assert_eq!(
            app.get("/attachments/00000000-0000-4000-8000-000000000000/x.pdf")
                .await
                .status(),
            404
        );
        assert_eq!(app.get("/attachments/nope/x.pdf").await.status(), 400);
    })
}

/// The refusal on the edit page: its status, its message, the saved text still there.
async fn refused(response: reqwest::Response, status: u16, message: &str) {
    assert_eq!(response.status(), status, "{message}");
    let html = response.text().await.unwrap();
    let text = visible_text(&html);
    assert!(text.contains(message), "says {message}: {text}");
    assert!(
        html.contains(&format!("value=\"{TITLE}\"")),
        "the text is kept"
    );
    assert!(
        html.contains("enctype=\"multipart/form-data\""),
        "the upload form again"
    );
}

fn disguised_unknown_large_and_excess_files_are_refused() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        let only = "PDF または画像（PNG・JPEG・GIF・WebP）だけを添付できます。";
        refused(
            upload(&hanako, &id, "写真.pdf", &png()).await,
            400,
            "ファイルの中身（PNG）と名前の拡張子（.pdf）が合いません。",
        )
        .await;
        refused(
            upload(
                &hanako,
                &id,
                "計画.pdf",
                b"<!DOCTYPE html><script>alert(1)</script>",
            )
            .await,
            400,
            only,
        )
        .await;
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#;
        refused(upload(&hanako, &id, "地図.svg", svg).await, 400, only).await;
        refused(
            upload(&hanako, &id, "setup.exe", b"MZ\x90\0\x03").await,
            400,
            only,
        )
        .await;
        refused(
            upload(&hanako, &id, "", b"").await,
            400,
            "添付するファイルを選んでください。",
        )
        .await;
        let mut big = pdf();
        big.resize(10 * 1024 * 1024 + 1, b' ');
        refused(
            upload(&hanako, &id, "大きな資料.pdf", &big).await,
            413,
            "ファイルが大きすぎます（上限 10 MB）。",
        )
        .await;
        assert_eq!(stored(&app, &id), 0, "nothing stored");
        // Five are fine, a sixth is refused.
        for n in 1..=5 {
            let response = upload(&hanako, &id, &format!("資料{n}.pdf"), &pdf()).await;
            assert_eq!(response.status(), 303, "file {n}");
        }
        refused(
            upload(&hanako, &id, "資料6.pdf", &pdf()).await,
            400,
            "添付できるのは 5 件までです。",
        )
        .await;
        assert_eq!(stored(&app, &id), 5);
        // Without the form's token, or with a foreign one: 403, nothing stored.
        let response = post_file(&hanako, &id, None, "a.pdf", &pdf()).await;
        assert_eq!(response.status(), 403);
        let response = post_file(&hanako, &id, Some("forged"), "a.pdf", &pdf()).await;
        assert_eq!(response.status(), 403);
        assert!(
            visible_text(&response.text().await.unwrap()).contains("フォームの有効期限が切れたか")
        );
        // Not multipart at all: 400 with a message, not a 500.
        let csrf = csrf_of(&hanako.page(&format!("/proposals/{id}/edit")).await);
        let response = hanako
            .post(&format!("/proposals/{id}/attachments"), &[("csrf", &csrf)])
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(stored(&app, &id), 5);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'attachment.add'"
            ),
            5
        );
    })
}

fn a_drafts_files_are_for_its_author_only() {
    run(async {
        let app = TestApp::start().await;
        responsible(&app);
        let reviewer = reviewer(&app).await;
        let elsewhere = staff_member(
            &app,
            "other@example.jp",
            "別課 次郎",
            &[("reviewer", Some("企画課"))],
        )
        .await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let taro = app.visitor();
        resident(&app, &taro, "taro@example.jp", "本庄太郎").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        assert_eq!(
            upload(&hanako, &id, "計画書.pdf", &pdf()).await.status(),
            303
        );
        let url = hrefs(&hanako.page(&format!("/proposals/{id}/edit")).await)[0].clone();
        assert_eq!(hanako.get(&url).await.status(), 200, "the author");
        for (who, visitor) in [
            ("a reviewer of 5-1", &reviewer),
            ("another resident", &taro),
            ("another department", &elsewhere),
        ] {
            assert_eq!(visitor.get(&url).await.status(), 404, "{who}");
        }
        assert_eq!(app.get(&url).await.status(), 404, "anonymous");
        // Nor may a stranger add or remove a draft's files: it does not exist for them.
        let csrf = csrf_of(&taro.page("/proposals/new").await);
        let response = post_file(&taro, &id, Some(&csrf), "乗っ取り.pdf", &pdf()).await;
        assert_eq!(response.status(), 404);
        let attachment = url.split('/').nth(2).unwrap();
        let response = taro
            .post(
                &format!("/proposals/{id}/attachments/{attachment}/remove"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(response.status(), 404);
        assert_eq!(stored(&app, &id), 1);
        // Submitted: everyone sees it; still only the author could change it (403 now).
        assert_eq!(act(&hanako, &id, "submit").await.status(), 303);
        assert_eq!(app.get(&url).await.status(), 200);
        assert_eq!(taro.get(&url).await.status(), 200);
        let response = post_file(&taro, &id, Some(&csrf), "乗っ取り.pdf", &pdf()).await;
        assert_eq!(response.status(), 403);
        assert_eq!(stored(&app, &id), 1);
        // A draft withdrawn before it was ever submitted stays with its author, files and all.
        let unsent = draft(&hanako, "出さなかった提案", "5-1").await;
        assert_eq!(
            upload(&hanako, &unsent, "下書きのメモ.pdf", &pdf())
                .await
                .status(),
            303
        );
        let url = hrefs(&hanako.page(&format!("/proposals/{unsent}/edit")).await)[0].clone();
        assert_eq!(act(&hanako, &unsent, "withdraw").await.status(), 303);
        for path in [
            format!("/proposals/{unsent}"),
            format!("/api/v1/proposals/{unsent}"),
        ] {
            assert_eq!(app.get(&path).await.status(), 404, "{path}");
        }
        assert_eq!(app.get(&url).await.status(), 404);
        assert_eq!(taro.get(&url).await.status(), 404);
        assert_eq!(hanako.get(&url).await.status(), 200);
        assert!(hanako
            .page(&format!("/proposals/{unsent}"))
            .await
            .contains("下書きのメモ.pdf"));
    })
}

/// The edit page's upload form in Chromium: a file chosen and sent as a person would, a refused
/// one said beside the field, both pages checked by axe.
fn the_upload_form_works_in_a_browser_without_javascript() {
    run(async {
        let app = TestApp::start().await;
        let hanako = app.visitor();
        resident(&app, &hanako, "hanako@example.jp", "本庄花子").await;
        let id = draft(&hanako, TITLE, "5-1").await;
        assert_eq!(
            upload(&hanako, &id, "事業計画書.pdf", &pdf())
                .await
                .status(),
            303
        );
        let folder = std::env::temp_dir().join(format!("kyodo-attachments-{id}"));
        std::fs::create_dir_all(&folder).unwrap();
        let map = folder.join("会場の地図.png");
        std::fs::write(&map, png()).unwrap();
        let disguised = folder.join("案内.pdf");
        std::fs::write(&disguised, b"<html><script>alert(1)</script></html>").unwrap();

        let browser = Browser::start().await.unwrap();
        let mut failures = Vec::new();
        sign_in_as(&browser, &app, "hanako@example.jp").await;
        browser
            .goto(&app.url(&format!("/proposals/{id}/edit")))
            .await
            .unwrap();
        browser
            .wait_for_text("#attachments", "事業計画書.pdf")
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("attachments-edit").await {
            failures.push(e);
        }
        browser
            .fill("#field-file", map.to_str().unwrap())
            .await
            .unwrap();
        browser
            .click("#attachments form[enctype] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text("#attachments", "会場の地図.png")
            .await
            .unwrap();
        browser
            .fill("#field-file", disguised.to_str().unwrap())
            .await
            .unwrap();
        browser
            .click("#attachments form[enctype] button[type=submit]")
            .await
            .unwrap();
        browser
            .wait_for_text(
                "#attachments",
                "PDF または画像（PNG・JPEG・GIF・WebP）だけを添付できます。",
            )
            .await
            .unwrap();
        if let Err(e) = browser.assert_accessible("attachments-refused").await {
            failures.push(e);
        }
        browser.close().await;
        std::fs::remove_dir_all(&folder).unwrap();
        assert_eq!(stored(&app, &id), 2);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    })
}
