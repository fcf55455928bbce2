//! Meetings and workshops (意見を聴く場): 市民と市長との対話集会, ワークショップ, 市民説明会,
//! 地域懇談会 and 審議会 with public seats. Staff of a department publish them on measures;
//! residents and organisations register (a seat, or the waiting list when full); staff record
//! attendance and publish minutes; held meetings count beside the plan's KPI 6-1.
//!
//! `rules` is the pure course of a meeting (state, registration window, seats, reminder,
//! which changes registrants hear of); `model` the reads every page shares.
//! `ics` writes meetings as iCalendar; `calendar` serves them (`/meetings.ics`, one meeting's
//! `.ics`, `/meetings.atom`); `reminders` emails registrants the day before.

pub mod calendar;
pub mod emails;
pub mod ics;
pub mod model;
pub mod registrations;
pub mod reminders;
pub mod rules;
