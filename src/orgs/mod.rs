//! Organisations (団体): associations whose members act in their name once the city has
//! verified them. A verified account creates one and becomes its representative (at most one
//! per organisation, enforced by a unique index); the representative invites members by email,
//! hands the role over, and cannot leave while holding it.
//!
//! [`verify`] is the staff action (the staff area calls it after checking the admin role);
//! [`can_act_for`] is what later features ask before letting someone speak as an organisation.

pub mod fields;
pub mod handlers;
pub mod model;

pub use fields::{Contact, Description, Kind, Name};
pub use handlers::routes;
pub use model::{can_act_for, verify};
