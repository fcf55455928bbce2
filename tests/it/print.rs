//! Printing: a measure page, a proposal and a consultation result printed to PDF by headless
//! Chromium (`--print-to-pdf`) as a city prints them for the counter and council reports, then
//! read with poppler's pdfinfo and pdftotext (./test.sh installs poppler-utils).

use crate::support::{run, TestApp};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TESTS: &[(&str, fn())] = &[(
    "print::pages_print_on_a4_without_the_site_chrome",
    pages_print_on_a4_without_the_site_chrome,
)];

fn chromium() -> PathBuf {
    std::env::var_os("KYODO_CHROMIUM")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("chromium"), PathBuf::from)
}

/// Prints `url` to `pdf` as Chromium's print dialog would, without its own headers.
fn print_to_pdf(url: &str, pdf: &Path) {
    let profile = pdf.with_extension("profile");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url)
        .output()
        .expect("chromium (./test.sh installs it)");
    let _ = std::fs::remove_dir_all(profile);
    assert!(
        pdf.is_file(),
        "chromium printed {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (./test.sh installs poppler-utils): {e}"));
    assert!(output.status.success(), "{tool} {}", pdf.display());
    String::from_utf8(output.stdout).unwrap()
}

/// The pages' size in points, from pdfinfo's "Page size: 595.276 x 841.89 pts (A4)".
fn page_size(info: &str) -> (f64, f64) {
    let line = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .expect("pdfinfo names the page size");
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

fn pages_print_on_a4_without_the_site_chrome() {
    run(async {
        let app = TestApp::start().await;
        kyodo::demo::fill(&mut app.db(), &app.base).unwrap();
        let proposals = app.json("/api/v1/proposals").await;
        let proposal = proposals["proposals"][0]["id"].as_str().unwrap().to_owned();
        let consultations = app.json("/api/v1/consultations").await;
        let published = consultations["consultations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == "result_published")
            .expect("the demo has a published result")["id"]
            .as_i64()
            .unwrap();
        let folder = std::env::temp_dir().join(format!("kyodo-print-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let pages = [
            ("measure", "/measures/5-1".to_owned(), "/chapters/5"),
            ("proposal", format!("/proposals/{proposal}"), "/measures/"),
            (
                "result",
                format!("/consultations/{published}/result"),
                &format!("/consultations/{published})")[..],
            ),
        ];
        for (name, path, url_text) in &pages {
            let pdf = folder.join(format!("{name}.pdf"));
            print_to_pdf(&app.url(path), &pdf);
            let (width, height) = page_size(&poppler("pdfinfo", &[], &pdf));
            assert!(
                (width - 595.3).abs() < 1.0 && (height - 841.9).abs() < 1.0,
                "{name} prints on A4 portrait: {width} x {height} pt"
            );
            let text = poppler("pdftotext", &["-layout"], &pdf);
            for chrome in [
                "本文へ移動",
                "新規登録",
                "API仕様書（OpenAPI）",
                "施策の一覧（JSON API）",
                "English",
            ] {
                assert!(
                    !text.contains(chrome),
                    "{name}: no {chrome:?} on paper:\n{text}"
                );
            }
            assert!(
                text.contains(url_text),
                "{name}: the link's address {url_text:?} is printed:\n{text}"
            );
        }
        let _ = std::fs::remove_dir_all(folder);
    })
}
