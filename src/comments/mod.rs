//! Comments (コメント) on any subject — a proposal or a measure (施策) — with one level of
//! replies, posted by a verified resident or "as" a verified organisation, the city's answer
//! (市の回答) when staff of a responsible department reply, reports (通報) with a reason,
//! moderation (hide with a kept reason / restore / approve), pre-moderation (事前承認),
//! hiding automatically at the admins' number of reports and posting blocks (投稿停止).
//!
//! A comment is never deleted: hiding sets `hidden_at` and a reason, and pages show a notice
//! instead of the text. Every change writes an audit entry; emails go through the outbox.
//! Subject-specific rules (who may see the subject, who else hears of a comment) stay with the
//! subject's module, which calls [`post`] inside its own transaction.

pub mod blocks;
pub mod demo;
pub mod form;
pub mod handlers;
pub mod hosts;
pub mod measure;
pub mod moderation;
mod moderation_staff;
pub mod policy;
mod queries;
pub mod rules;
mod subject;
pub mod text;
pub mod view;
mod writes;

pub use handlers::routes;
pub use queries::{
    moderated_measures, page, premoderated, queue, visible_subject, Comment, Page, QueuePart,
    Queued, PAGE_SIZE, QUEUE_MAX,
};
pub use subject::{departments_of, Subject};
pub use text::{body_html, parse_body, parse_reason, Cursor, COMMENT_MAX};
pub use writes::{
    auto_hide_threshold, moderate, post, report, report_line, set_premoderation, CommentRefused,
    Moderation, Moderator, NewComment, Posted, Report, Reported,
};
