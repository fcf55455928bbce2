//! Surveys (アンケート) and the 市民意識調査: staff of a department build a survey of sections and
//! questions (choices, a five-point scale, numbers, free text, a matrix; shown on an earlier
//! answer), open it for a window, and residents answer once each: signed in, anonymously per
//! browser, or with a one-time code printed on a paper invitation. A satisfaction survey's
//! results record each measure's 施策に係る市民満足度 for its 年度.
//!
//! `rules` is the pure part (codes, state, conditions, reading a form into answers, what may
//! change once answered, percentages); `model` the reads every page shares (a survey with its
//! questions and choices, lists, the tally of answers per choice); `respond` the answer store
//! (respondent keys, drafts, submit, paper entry, one-time codes, test answers).
//! `fields` reads the staff forms, `build` is the builder's writes and `staff` its pages.
//! `handlers` are the public pages residents answer on.
//! `tally` shapes counts into what a results table shows, and `chart` draws them as bars;
//! `summary` is each question's results and the CSV of every answer, `results` their page and
//! CSV file, `api` the open-data JSON.
//! `satisfaction` makes the 市民意識調査 from the plan and records its results per measure;
//! `demo` is the surveys of `kyodo demo`.

pub mod api;
pub mod build;
pub mod chart;
pub mod demo;
pub mod fields;
pub mod handlers;
pub mod model;
pub mod respond;
pub mod results;
pub mod rules;
pub mod satisfaction;
pub mod staff;
pub mod summary;
pub mod tally;

/// The public routes: the survey pages, their results and CSV, the API.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.configure(handlers::routes)
        .configure(results::routes)
        .configure(api::routes);
}
