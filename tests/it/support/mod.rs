//! The test harness and the fixtures the tests share: one PostgreSQL cluster per run, a
//! migrated and seeded template database, and for every test a fresh database cloned from it
//! with the real HTTP service in front (dropped with the test: see `app` and `cluster`); then
//! the people, proposals, consultations, files, emails and browser the tests make and read.
//!
//! A helper used by one test file stays in that file; one that a second file needs comes here,
//! into the module of its theme.

/// The app on its database, visitors, and `run` for a test's body.
pub mod app;
/// Attachments: a PDF, the upload form's body, the links to files on a page.
pub mod attachments;
/// Headless Chromium with axe-core and the Nu HTML checker; signing in and out in it.
pub mod browser;
/// Calendar files read by Python's icalendar, and the file an email carries.
pub mod calendar;
/// The PostgreSQL cluster of the run, the template, and each test's database.
pub mod cluster;
/// Consultations created, saved and announced by staff; Japan time.
pub mod consultations;
/// Queries straight to the test's database.
pub mod db;
/// Text and fields of the pages.
pub mod html;
/// Headers and cookies of the answers.
pub mod http;
/// A real SMTP server on loopback, the outbox, scratch folders and free ports.
pub mod mail;
/// Meetings saved in SQL and accounts to register with.
pub mod meetings;
/// Residents, staff and departments.
pub mod people;
/// Citizen proposals: written, submitted, commented on, moved on by staff.
pub mod proposals;
/// Surveys saved in SQL with their questions, read back through the model; forms to answer.
pub mod surveys;

pub use app::{run, TestApp, Visitor};
pub use cluster::Cluster;
pub use html::{csrf_of, unescape, visible_text};
