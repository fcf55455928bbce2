//! The test harness and the fixtures the tests share: one PostgreSQL cluster per run, a
//! migrated and seeded template database, and for every test a fresh database cloned from it
//! with the real HTTP service in front; then the people, proposals, consultations, emails and
//! pages the tests make and read.
//!
//! A helper used by one test file stays in that file; one that a second file needs comes here,
//! into the module of its theme.

pub mod app;
pub mod cluster;
pub mod html;

pub use app::{run, TestApp, Visitor};
pub use cluster::Cluster;
pub use html::{csrf_of, unescape, visible_text};
