//! People and their sessions: accounts (residents and staff), passwords, email verification,
//! password reset, sessions, CSRF and rate limits.

pub mod account;
pub mod accounts;
pub mod fields;
pub mod handlers;
pub mod inbox;
pub mod password;
pub mod rate_limit;
pub mod roles;
pub mod session;
pub mod staff;
pub mod store;
