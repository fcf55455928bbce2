//! Meetings and workshops (意見を聴く場): 市民と市長との対話集会, ワークショップ, 市民説明会,
//! 地域懇談会 and 審議会 with public seats. Staff of a department publish them on measures;
//! residents and organisations register (a seat, or the waiting list when full); staff record
//! attendance and publish minutes; held meetings count beside the plan's KPI 6-1.
//!
//! `rules` is the pure course of a meeting (state, registration window, seats, reminder,
//! which changes registrants hear of); `model` the reads every page shares.
//! Staff: `fields` parses the meeting form, `changes` creates, edits, publishes and cancels
//! (notices and emails to registrants), `record` keeps who came, the minutes and the proposals
//! born, and `staff` is their pages.

pub mod changes;
pub mod emails;
pub mod fields;
pub mod model;
pub mod record;
pub mod registrations;
pub mod rules;
pub mod staff;
