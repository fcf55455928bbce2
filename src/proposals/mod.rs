//! Citizen proposals (市民提案型事業): residents and organisations propose projects that answer
//! measures of the plan; staff review them in the open.
//!
//! `workflow` is the pure state machine; `fields` parses the form; `model` reads proposals from
//! the database and `changes` writes the proposer's changes (every change in one transaction
//! with its timeline row and audit entry); `handlers` are the pages.

pub mod api;
pub mod author;
pub mod changes;
pub mod decisions;
pub mod emails;
pub mod export;
pub mod feed;
pub mod fields;
pub mod files;
pub mod form;
pub mod handlers;
pub mod import_pages;
pub mod import_store;
pub mod imports;
pub mod listing;
pub mod live;
pub mod model;
pub mod on_measure;
pub mod participation;
pub mod participation_handlers;
pub mod queue;
pub mod review;
pub mod similar;
pub mod staff;
pub mod views;
pub mod workflow;

/// The public routes of proposals: the open data first (`/proposals/feed.atom` is no
/// `/proposals/{id}`), then the pages. The staff export is a row of `staff::STAFF_ROUTES`.
pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.route("/proposals/feed.atom", web::get().to(feed::feed))
        .route("/api/v1/proposals", web::get().to(api::list))
        .route("/api/v1/proposals/{id}", web::get().to(api::show));
    participation_handlers::routes(cfg);
    handlers::routes(cfg);
}
