//! Kyodo (協働): Honjo City's citizen participation platform. The binary is a thin `main`
//! over this library, so tests start the app exactly as production does.

pub mod answers;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod comments;
pub mod config;
pub mod consultations;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod imports;
pub mod meetings;
pub mod notify;
pub mod orgs;
pub mod plan;
pub mod proposals;
pub mod refusal;
pub mod staff;
pub mod surveys;
pub mod tokens;
pub mod wareki;
pub mod web;

pub use error::{Error, Result};
