//! Meetings and workshops (意見を聴く場): 市民と市長との対話集会, ワークショップ, 市民説明会,
//! 地域懇談会 and 審議会 with public seats. Staff of a department publish them on measures;
//! residents and organisations register (a seat, or the waiting list when full); staff record
//! attendance and publish minutes; held meetings count beside the plan's KPI 6-1.
//!
//! `rules` is the pure course of a meeting (state, registration window, seats, reminder,
//! which changes registrants hear of); `model` the reads every page shares.
//! Public pages: `handlers` (list, page, register, cancel), `listing` (the list's filters),
//! `page` (the page's reads), `links` (the emailed cancel and unsubscribe links).

pub mod emails;
pub mod handlers;
pub mod links;
pub mod listing;
pub mod model;
pub mod page;
pub mod registrations;
pub mod rules;
