//! Integration tests: the real service over HTTP, on real PostgreSQL, with headless Chromium.
//! One binary with its own harness, so the cluster starts once and stops at the end.
// The test binary runs its tests from its own harness (no `#[test]`), so clippy cannot see
// that an unwrap here is a test failing with its message, as in unit tests.
#![allow(clippy::unwrap_used)]

mod accounts;
mod answers_bulk;
mod api;
mod api_contract;
mod attachments;
mod bad_input;
mod browser_pages;
mod browser_proposals;
mod cli;
mod comments;
mod comments_moderation;
mod consultations;
mod consultations_browser;
mod consultations_imports;
mod consultations_lifecycle;
mod hardening_security;
mod harness;
mod mail;
mod meetings;
mod meetings_api;
mod meetings_browser;
mod meetings_calendar;
mod meetings_files;
mod meetings_pages;
mod meetings_staff;
mod notifications_digests;
mod operations;
mod operations_backup;
mod operations_export;
mod operations_metrics;
mod orgs;
mod pages;
mod plan_cache;
mod print;
mod proposals;
mod proposals_api;
mod proposals_bad_input;
mod proposals_imports;
mod proposals_list;
mod proposals_participation;
mod proposals_review;
mod proposals_scale;
mod residents;
mod seeds;
mod staff;
mod staff_figures;
mod statements;
mod support;
mod surveys;
mod surveys_browser;
mod surveys_pages;
mod surveys_results;
mod surveys_satisfaction;
mod surveys_staff;

use libtest_mimic::{Arguments, Failed, Trial};

/// A trial from a test function; a panic is the failure, as in ordinary Rust tests.
fn trial(name: &str, test: fn()) -> Trial {
    Trial::test(name, move || {
        std::panic::catch_unwind(test).map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "test panicked".into());
            Failed::from(message)
        })
    })
}

fn main() {
    let args = Arguments::from_args();
    let trials: Vec<Trial> = [
        accounts::TESTS,
        answers_bulk::TESTS,
        notifications_digests::TESTS,
        api::TESTS,
        api_contract::TESTS,
        pages::TESTS,
        plan_cache::TESTS,
        operations::TESTS,
        operations_backup::TESTS,
        operations_export::TESTS,
        print::TESTS,
        operations_metrics::TESTS,
        seeds::TESTS,
        cli::TESTS,
        mail::TESTS,
        comments_moderation::TESTS,
        browser_pages::TESTS,
        orgs::TESTS,
        staff::TESTS,
        staff_figures::TESTS,
        proposals::TESTS,
        proposals_review::TESTS,
        proposals_api::TESTS,
        proposals_participation::TESTS,
        comments::TESTS,
        attachments::TESTS,
        proposals_bad_input::TESTS,
        proposals_imports::TESTS,
        bad_input::TESTS,
        browser_proposals::TESTS,
        proposals_list::TESTS,
        proposals_scale::TESTS,
        consultations::TESTS,
        consultations_browser::TESTS,
        consultations_imports::TESTS,
        hardening_security::TESTS,
        statements::TESTS,
        residents::TESTS,
        consultations_lifecycle::TESTS,
        harness::TESTS,
        meetings::TESTS,
        meetings_calendar::TESTS,
        meetings_api::TESTS,
        meetings_pages::TESTS,
        meetings_staff::TESTS,
        meetings_browser::TESTS,
        meetings_files::TESTS,
        surveys::TESTS,
        surveys_pages::TESTS,
        surveys_browser::TESTS,
        surveys_staff::TESTS,
        surveys_results::TESTS,
        surveys_satisfaction::TESTS,
    ]
    .iter()
    .flat_map(|tests| tests.iter())
    .map(|(name, test)| trial(name, *test))
    .collect();
    let listing = args.list;
    if !listing {
        support::Cluster::start();
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // Every test's database is dropped with the test (support::cluster::TestDatabase); one still there
    // at the end is a leak of the harness, and fails a run that passed otherwise.
    let leaked = if listing {
        Vec::new()
    } else {
        support::Cluster::get().finish()
    };
    if !leaked.is_empty() {
        eprintln!("\ntest databases left at the end of the run (dropped now):");
        for name in &leaked {
            eprintln!("  {name}");
        }
        if !conclusion.has_failed() {
            eprintln!("\ntest result: FAILED. test databases leaked\n");
            std::process::exit(101);
        }
    }
    // Every test is a reader of what it rendered: a key or message any of them met untranslated
    // fails the run, whichever test met it and in whatever order they ran.
    let missing = kyodo::web::i18n::missing_keys();
    if !missing.is_empty() && !conclusion.has_failed() {
        eprintln!(
            "\nuntranslated keys or messages rendered during the run (add them to templates/i18n):"
        );
        for entry in &missing {
            eprintln!("  {entry}");
        }
        eprintln!("\ntest result: FAILED. untranslated text found\n");
        std::process::exit(101);
    }
    conclusion.exit();
}
