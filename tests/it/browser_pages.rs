//! The pages in headless Chromium, checked with axe-core (JIS X 8341-3 / WCAG 2.1 AA).

use crate::browser::Browser;
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
        app.stop().await;
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
        app.stop().await;
        result.unwrap();
    })
}
