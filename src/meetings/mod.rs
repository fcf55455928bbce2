//! Meetings and workshops (意見を聴く場): 市民と市長との対話集会, ワークショップ, 市民説明会,
//! 地域懇談会 and 審議会 with public seats. Staff of a department publish them on measures;
//! residents and organisations register (a seat, or the waiting list when full); staff record
//! attendance and publish minutes; held meetings count beside the plan's KPI 6-1.
//!
//! `rules` is the pure course of a meeting (state, registration window, seats, reminder,
//! which changes registrants hear of); `model` the reads every page shares.
//! `ics` writes meetings as iCalendar; `calendar` serves them (`/meetings.ics`, one meeting's
//! `.ics`, `/meetings.atom`); `reminders` emails registrants the day before.
//! `api` is the open-data JSON, `live` the count beside KPI 6-1, `on_measure` the measure
//! page's list and `demo` the meetings of `kyodo demo`.
//! Public pages: `handlers` (list, page, register, cancel), `listing` (the list's filters),
//! `page` (the page's reads), `links` (the emailed cancel and unsubscribe links).
//! Staff: `fields` parses the meeting form, `changes` creates, edits, publishes and cancels
//! (notices and emails to registrants), `record` keeps who came, the minutes and the proposals
//! born, and `staff` is their pages.

pub mod api;
pub mod calendar;
pub mod changes;
pub mod demo;
pub mod emails;
pub mod fields;
pub mod files;
pub mod handlers;
pub mod ics;
pub mod links;
pub mod listing;
pub mod live;
pub mod model;
pub mod on_measure;
pub mod page;
pub mod record;
pub mod registrations;
pub mod reminders;
pub mod rules;
pub mod staff;

/// The public routes: pages, calendar files and feed, the API.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.configure(handlers::routes)
        .configure(calendar::routes)
        .configure(api::routes);
}
