//! Citizen proposals (市民提案型事業): residents and organisations propose projects that answer
//! measures of the plan; staff review them in the open.
//!
//! `workflow` is the pure state machine; `fields` parses the form; `model` keeps proposals in the
//! database (every change in one transaction with its timeline row and audit entry);
//! `handlers` are the pages.

pub mod fields;
pub mod handlers;
pub mod model;
pub mod workflow;

pub use handlers::routes;
