//! Public-comment consultations (意見公募・パブリックコメント): the city asks for opinions on
//! measures or a draft, for a fixed period in Asia/Tokyo; residents submit on line, staff type
//! in what came on paper, and after the close the city publishes its views (意見募集の結果).
//!
//! `period` is the pure clock logic (states, the 30-day rule, receipt numbers); `fields`
//! parses the forms; `model` keeps everything in the database; `lifecycle` is what happens to
//! a saved draft (公示, 正誤, 締切の延長, 中止, each with its public notice); `handlers` are
//! the public pages, `staff` the staff pages, `api` the JSON and `result` the result's CSV and
//! Atom feed.

pub mod api;
pub mod demo;
pub mod fields;
pub mod files;
pub mod handlers;
pub mod imports;
pub mod lifecycle;
pub mod model;
pub mod notices;
pub mod period;
pub mod result;
pub mod staff;
