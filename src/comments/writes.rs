//! Changing comments: posting, reporting, moderating and pre-moderation, each in one
//! transaction with its audit entry and the outbox emails it causes.

use super::policy::{hides_automatically, Category};
use super::queries::{comment_subject, premoderated, visible_subject};
use super::rules;
use super::subject::{departments_of, link, title_of, Subject};
use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::auth::roles::Action;
use crate::auth::roles::Grant;
use crate::db::schema::{
    comment_premoderation as cp, comment_reports as cr, comments as c, departments,
    moderation_settings as ms, staff_roles as sr,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Why a comment (or a report) was not taken, for the form.
#[derive(Debug)]
pub enum CommentRefused {
    /// Shown at the form, the text kept.
    Message(Refusal),
    Other(Error),
}

impl From<Error> for CommentRefused {
    fn from(e: Error) -> Self {
        CommentRefused::Other(e)
    }
}

impl From<diesel::result::Error> for CommentRefused {
    fn from(e: diesel::result::Error) -> Self {
        CommentRefused::Other(Error::Database(e))
    }
}

/// A new comment; `body` has passed [`super::parse_body`].
pub struct NewComment<'a> {
    pub author: Uuid,
    pub organisation: Option<Uuid>,
    pub parent: Option<Uuid>,
    pub body: &'a str,
    pub ip: Option<&'a str>,
    /// The app's clock: a posting block (投稿停止) is over at its end by this clock.
    pub now: DateTime<Utc>,
}

/// What [`post`] did.
#[derive(Debug, Clone, Copy)]
pub struct Posted {
    pub id: Uuid,
    /// Waiting for a moderator (pre-moderation is on for the subject).
    pub pending: bool,
}

fn message(key: &'static str) -> CommentRefused {
    CommentRefused::Message(Refusal::new(key))
}

/// Posts a comment or a reply on a subject the caller has found visible to the author. A
/// reply by staff of a responsible department is the city's answer, and the comment's author
/// hears of it. Under pre-moderation, comments other than the city's wait for a moderator.
pub fn post(
    conn: &mut PgConnection,
    public_url: &str,
    subject: &Subject,
    new: &NewComment<'_>,
) -> std::result::Result<Posted, CommentRefused> {
    conn.transaction(|conn| {
        if let Some(refusal) = super::blocks::refusal(conn, new.author, new.now)? {
            return Err(CommentRefused::Message(refusal));
        }
        if let Some(org) = new.organisation {
            if !crate::orgs::can_act_for(conn, new.author, org)? {
                return Err(message("msg.comment_organisation"));
            }
        }
        let mut parent_author = None;
        if let Some(parent) = new.parent {
            let found: Option<(String, String, Option<Uuid>, Uuid, bool)> = c::table
                .find(parent)
                .filter(c::hidden_at.is_null())
                .select((
                    c::subject_type,
                    c::subject_id,
                    c::parent_id,
                    c::author_id,
                    c::pending,
                ))
                .first(conn)
                .optional()?;
            match found {
                Some((t, s, parent_of_parent, author, pending))
                    if t == subject.kind() && s == subject.key() && !pending =>
                {
                    if parent_of_parent.is_some() {
                        return Err(message("msg.comment_nested"));
                    }
                    parent_author = Some(author);
                }
                _ => {
                    return Err(message("msg.comment_parent"))
                }
            }
        }
        let responsible = departments_of(conn, subject)?;
        let grants = crate::auth::staff::grants_of(conn, new.author)?;
        let answered = match (parent_author, new.organisation) {
            (Some(_), None) => rules::answering_department(&grants, &responsible),
            _ => None,
        };
        let pending = answered.is_none()
            && !rules::may_moderate(&grants, &responsible)
            && premoderated(conn, subject)?;
        let id = Uuid::new_v4();
        diesel::insert_into(c::table)
            .values((
                c::id.eq(id),
                c::subject_type.eq(subject.kind()),
                c::subject_id.eq(subject.key()),
                c::author_id.eq(new.author),
                c::organisation_id.eq(new.organisation),
                c::parent_id.eq(new.parent),
                c::body.eq(new.body),
                c::answered_as_department.eq(answered),
                c::pending.eq(pending),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(new.author),
                action: "comment.create",
                record: Some(("comment", id.to_string())),
                ip: new.ip,
                details: json!({
                    "subject_type": subject.kind(), "subject_id": subject.key(),
                    "city_answer": answered, "pending": pending,
                }),
            },
        )?;
        if let (Some(department), Some(author)) = (answered, parent_author) {
            if author != new.author {
                let department: String = departments::table
                    .find(department)
                    .select(departments::name)
                    .first(conn)?;
                let title = title_of(conn, subject)?;
                let link = link(public_url, subject, id);
                let excerpt: String = new.body.chars().take(200).collect();
                notify_account(conn, public_url, author, "comment_answered", |_| {
                    json!({ "title": title, "link": link, "department": department, "excerpt": excerpt })
                })?;
            }
        }
        Ok(Posted { id, pending })
    })
}

/// A report as written: its kind and optional note, by whom, from where, when.
pub struct Report<'a> {
    pub comment: Uuid,
    pub reporter: Uuid,
    pub category: Category,
    pub note: &'a str,
    pub ip: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// What [`report`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The comment's subject, to go back to its page.
    pub subject: Subject,
    /// False when this person had already reported the comment: nothing changed.
    pub counted: bool,
}

/// A report's kind and note as one line in `lang`: 「スパム・宣伝：note」.
pub fn report_line(lang: crate::web::i18n::Lang, category: &str, note: &str) -> String {
    let kind = Category::parse(category)
        .map(|c| crate::web::i18n::t(lang, c.label()))
        .unwrap_or_else(|| category.to_owned());
    if note.is_empty() {
        kind
    } else {
        crate::web::i18n::translate(
            lang,
            "comments.report_line",
            &[("kind", kind), ("note", note.to_owned())],
        )
    }
}

/// The admins' threshold of distinct reporters for hiding a comment automatically.
pub fn auto_hide_threshold(conn: &mut PgConnection) -> Result<i32> {
    Ok(ms::table
        .select(ms::auto_hide_reports)
        .first(conn)
        .optional()?
        .unwrap_or(super::policy::AUTO_HIDE_DEFAULT))
}

/// Reports a visible comment; the moderators of the subject's departments (the admins when it
/// has none) hear of it. A person reports a comment once (a unique key): a second report
/// changes nothing. When the open reports come from as many distinct people as the admins'
/// threshold, the comment is hidden automatically (自動で非表示) until a moderator confirms or
/// restores it, and its author is told. The comment's row is locked first, so two reports at
/// the same moment count one after the other.
pub fn report(conn: &mut PgConnection, public_url: &str, r: &Report<'_>) -> Result<Reported> {
    conn.transaction(|conn| {
        let subject = visible_subject(conn, r.comment)?;
        let author: Uuid = c::table
            .find(r.comment)
            .select(c::author_id)
            .for_update()
            .first(conn)?;
        let id = Uuid::new_v4();
        let category = r.category.as_str();
        let added = diesel::insert_into(cr::table)
            .values((
                cr::id.eq(id),
                cr::comment_id.eq(r.comment),
                cr::reporter_id.eq(r.reporter),
                cr::category.eq(category),
                cr::reason.eq(r.note),
                cr::created_at.eq(r.now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if added == 0 {
            return Ok(Reported {
                subject,
                counted: false,
            });
        }
        audit::record(
            conn,
            Entry {
                actor: Some(r.reporter),
                action: "comment.report",
                record: Some(("comment", r.comment.to_string())),
                ip: r.ip,
                details: json!({ "report": id, "category": category, "reason": r.note }),
            },
        )?;
        let responsible = departments_of(conn, &subject)?;
        let moderators: Vec<Uuid> = if responsible.is_empty() {
            sr::table
                .filter(sr::role.eq("admin"))
                .select(sr::account_id)
                .distinct()
                .load(conn)?
        } else {
            sr::table
                .filter(sr::role.eq("moderator"))
                .filter(sr::department_id.eq_any(&responsible))
                .select(sr::account_id)
                .distinct()
                .load(conn)?
        };
        let title = title_of(conn, &subject)?;
        let queue = format!("{}/staff/moderation", public_url.trim_end_matches('/'));
        for moderator in moderators {
            notify_account(conn, public_url, moderator, "comment_reported", |lang| {
                json!({ "title": title, "link": queue, "reason": report_line(lang, category, r.note) })
            })?;
        }
        // One row per person and comment (a unique key): the rows are the distinct reporters.
        let reporters: i64 = cr::table
            .filter(cr::comment_id.eq(r.comment))
            .filter(cr::resolved_at.is_null())
            .select(diesel::dsl::count_star())
            .first(conn)?;
        if hides_automatically(reporters, auto_hide_threshold(conn)?) {
            hide_automatically(conn, public_url, r, &subject, author, reporters)?;
        }
        Ok(Reported {
            subject,
            counted: true,
        })
    })
}

/// Hides a reported comment without a moderator, with its audit entry (no actor) and the
/// author's email.
fn hide_automatically(
    conn: &mut PgConnection,
    public_url: &str,
    r: &Report<'_>,
    subject: &Subject,
    author: Uuid,
    reporters: i64,
) -> Result<()> {
    let hidden = diesel::update(c::table.find(r.comment).filter(c::hidden_at.is_null()))
        .set((
            c::hidden_at.eq(r.now),
            c::hidden_reason.eq(None::<String>),
            c::hidden_by.eq(None::<Uuid>),
            c::hidden_automatically.eq(true),
        ))
        .execute(conn)?;
    if hidden == 0 {
        return Ok(());
    }
    audit::record(
        conn,
        Entry {
            actor: None,
            action: "comment.auto_hide",
            record: Some(("comment", r.comment.to_string())),
            ip: None,
            details: json!({ "reporters": reporters }),
        },
    )?;
    let title = title_of(conn, subject)?;
    let link = format!("{}{}", public_url.trim_end_matches('/'), subject.path());
    notify_account(
        conn,
        public_url,
        author,
        "comment_auto_hidden",
        |_| json!({ "title": title, "link": link }),
    )
}

/// A moderator at work: who, with which roles, from where, and when (the app's clock, so that
/// tests control the recorded times).
pub struct Moderator<'a> {
    pub id: Uuid,
    pub grants: &'a [Grant],
    pub ip: Option<&'a str>,
    pub public_url: &'a str,
    pub now: DateTime<Utc>,
}

/// What a moderator does to one comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    /// Hide with a reason (already parsed); the author is emailed. On a comment hidden
    /// automatically this confirms it: it stays hidden, now with the moderator's reason.
    Hide(String),
    /// Show a hidden comment again; its open reports are resolved and the author is emailed.
    Restore,
    /// Publish a pre-moderated comment.
    Approve,
    /// Close the open reports, leaving the comment as it is.
    Dismiss,
}

impl Moderation {
    fn audit_action(&self) -> &'static str {
        match self {
            Moderation::Hide(_) => "comment.hide",
            Moderation::Restore => "comment.restore",
            Moderation::Approve => "comment.approve",
            Moderation::Dismiss => "comment.dismiss_reports",
        }
    }
}

/// `Forbidden` unless the moderator moderates the subject's departments.
fn require_moderator(
    conn: &mut PgConnection,
    grants: &[Grant],
    subject: &Subject,
) -> Result<Vec<i32>> {
    let responsible = departments_of(conn, subject)?;
    if rules::may_moderate(grants, &responsible) {
        Ok(responsible)
    } else {
        Err(Error::forbidden(crate::auth::roles::refused(
            Action::ModerateComments {
                department: responsible.first().copied().unwrap_or(-1),
            },
        )))
    }
}

/// Applies a moderation to a comment, with its audit entry; repeating one changes nothing.
/// Hiding keeps the row and its text. Returns the subject.
pub fn moderate(
    conn: &mut PgConnection,
    by: &Moderator<'_>,
    comment: Uuid,
    what: &Moderation,
) -> Result<Subject> {
    conn.transaction(|conn| {
        let (subject, author) = comment_subject(conn, comment)?;
        require_moderator(conn, by.grants, &subject)?;
        let row = c::table.find(comment);
        let now = by.now;
        let resolve = |conn: &mut PgConnection, outcome: &str| -> Result<usize> {
            Ok(diesel::update(
                cr::table
                    .filter(cr::comment_id.eq(comment))
                    .filter(cr::resolved_at.is_null()),
            )
            .set((
                cr::resolved_at.eq(now),
                cr::resolved_by.eq(by.id),
                cr::outcome.eq(outcome),
            ))
            .execute(conn)?)
        };
        let changed = match what {
            Moderation::Hide(reason) => {
                let n =
                    diesel::update(row.filter(c::hidden_at.is_null().or(c::hidden_automatically)))
                        .set((
                            c::hidden_at.eq(now),
                            c::hidden_reason.eq(reason),
                            c::hidden_by.eq(by.id),
                            c::hidden_automatically.eq(false),
                        ))
                        .execute(conn)?;
                resolve(conn, "hidden")?;
                n
            }
            Moderation::Restore => {
                let n = diesel::update(row.filter(c::hidden_at.is_not_null()))
                    .set((
                        c::hidden_at.eq(None::<DateTime<Utc>>),
                        c::hidden_by.eq(by.id),
                        c::hidden_automatically.eq(false),
                    ))
                    .execute(conn)?;
                if n > 0 {
                    resolve(conn, "restored")?;
                }
                n
            }
            Moderation::Approve => diesel::update(row.filter(c::pending))
                .set((
                    c::pending.eq(false),
                    c::approved_at.eq(now),
                    c::approved_by.eq(by.id),
                ))
                .execute(conn)?,
            Moderation::Dismiss => resolve(conn, "dismissed")?,
        };
        if changed == 0 {
            return Ok(subject);
        }
        audit::record(
            conn,
            Entry {
                actor: Some(by.id),
                action: what.audit_action(),
                record: Some(("comment", comment.to_string())),
                ip: by.ip,
                details: match what {
                    Moderation::Hide(reason) => json!({ "reason": reason }),
                    _ => json!({}),
                },
            },
        )?;
        let title = title_of(conn, &subject)?;
        let link = format!("{}{}", by.public_url.trim_end_matches('/'), subject.path());
        match what {
            Moderation::Hide(reason) => notify_account(
                conn,
                by.public_url,
                author,
                "comment_hidden",
                |_| json!({ "title": title, "link": link, "reason": reason }),
            )?,
            Moderation::Restore => notify_account(
                conn,
                by.public_url,
                author,
                "comment_restored",
                |_| json!({ "title": title, "link": link }),
            )?,
            Moderation::Approve | Moderation::Dismiss => {}
        }
        Ok(subject)
    })
}

/// Turns pre-moderation of a subject on or off (moderators of its departments, or an admin).
pub fn set_premoderation(
    conn: &mut PgConnection,
    by: &Moderator<'_>,
    subject: &Subject,
    on: bool,
) -> Result<()> {
    conn.transaction(|conn| {
        require_moderator(conn, by.grants, subject)?;
        let changed = if on {
            diesel::insert_into(cp::table)
                .values((
                    cp::subject_type.eq(subject.kind()),
                    cp::subject_id.eq(subject.key()),
                    cp::enabled_by.eq(by.id),
                ))
                .on_conflict_do_nothing()
                .execute(conn)?
        } else {
            diesel::delete(
                cp::table
                    .filter(cp::subject_type.eq(subject.kind()))
                    .filter(cp::subject_id.eq(subject.key())),
            )
            .execute(conn)?
        };
        if changed > 0 {
            audit::record(
                conn,
                Entry {
                    actor: Some(by.id),
                    action: if on {
                        "comment.premoderation_on"
                    } else {
                        "comment.premoderation_off"
                    },
                    record: Some((subject.kind(), subject.key())),
                    ip: by.ip,
                    details: json!({}),
                },
            )?;
        }
        Ok(())
    })
}
