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
//! `tally` shapes counts into what a results table shows, and `chart` draws them as bars;
//! `satisfaction` makes the 市民意識調査 from the plan and records its results per measure.

pub mod chart;
pub mod demo;
pub mod model;
pub mod respond;
pub mod rules;
pub mod satisfaction;
pub mod tally;
