//! Comments (コメント) on any subject — a proposal or a measure (施策) — with one level of
//! replies, posted by a verified resident or "as" a verified organisation, the city's answer
//! (市の回答) when staff of a responsible department reply, reports (通報) with a reason,
//! moderation (hide with a kept reason / restore / approve) and pre-moderation (事前承認).
//!
//! A comment is never deleted: hiding sets `hidden_at` and a reason, and pages show a notice
//! instead of the text. Every change writes an audit entry; emails go through the outbox.
//! Subject-specific rules (who may see the subject, who else hears of a comment) stay with the
//! subject's module, which calls [`post`] inside its own transaction.

pub mod demo;
pub mod form;
pub mod handlers;
pub mod hosts;
pub mod measure;
pub mod moderation;
pub mod rules;
pub mod text;
pub mod view;

use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::auth::roles::Action;
use crate::auth::roles::Grant;
use crate::db::schema::{
    comment_premoderation as cp, comment_reports as cr, comments as c, departments,
    measure_departments as md, measures, proposal_measures as pm, proposals, staff_roles as sr,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
pub use handlers::routes;
use serde_json::json;
pub use text::{body_html, parse_body, parse_reason, Cursor, COMMENT_MAX};
use uuid::Uuid;

/// Top-level comments per page; their replies come with them.
pub const PAGE_SIZE: i64 = 50;

/// What a comment is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Proposal(Uuid),
    /// A measure by its code, e.g. `5-1`.
    Measure(String),
}

impl Subject {
    /// `comments.subject_type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Proposal(_) => "proposal",
            Subject::Measure(_) => "measure",
        }
    }

    /// `comments.subject_id`.
    pub fn key(&self) -> String {
        match self {
            Subject::Proposal(id) => id.to_string(),
            Subject::Measure(code) => code.clone(),
        }
    }

    /// The public page that shows the comments.
    pub fn path(&self) -> String {
        match self {
            Subject::Proposal(id) => format!("/proposals/{id}"),
            Subject::Measure(code) => format!("/measures/{code}"),
        }
    }

    fn from_row(kind: &str, key: &str) -> Result<Subject> {
        match kind {
            "proposal" => key
                .parse()
                .map(Subject::Proposal)
                .map_err(|e| Error::Internal(format!("comment subject {key}: {e}"))),
            "measure" => Ok(Subject::Measure(key.to_owned())),
            other => Err(Error::Internal(format!("comment subject type {other}"))),
        }
    }
}

/// The departments responsible for a subject (via the measure → department table): a
/// measure's, or those of the measures a proposal answers (as [`queue`] counts them too).
pub fn departments_of(conn: &mut PgConnection, subject: &Subject) -> Result<Vec<i32>> {
    match subject {
        Subject::Proposal(id) => Ok(pm::table
            .inner_join(md::table.on(md::measure_code.eq(pm::measure_code)))
            .filter(pm::proposal_id.eq(id))
            .select(md::department_id)
            .distinct()
            .order(md::department_id)
            .load(conn)?),
        Subject::Measure(code) => Ok(md::table
            .filter(md::measure_code.eq(code))
            .select(md::department_id)
            .load(conn)?),
    }
}

/// The subject's title, for emails.
fn title_of(conn: &mut PgConnection, subject: &Subject) -> Result<String> {
    Ok(match subject {
        Subject::Proposal(id) => proposals::table
            .find(id)
            .select(proposals::title)
            .first(conn)?,
        Subject::Measure(code) => {
            let title: String = measures::table
                .find(code)
                .select(measures::title)
                .first(conn)?;
            format!("{code} {title}")
        }
    })
}

fn link(public_url: &str, subject: &Subject, comment: Uuid) -> String {
    format!(
        "{}{}#comment-{comment}",
        public_url.trim_end_matches('/'),
        subject.path()
    )
}

/// A comment as a page shows it.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_name: String,
    /// Posted as this organisation (id, name, verified).
    pub organisation: Option<(Uuid, String, bool)>,
    /// The department, when this is the city's answer (市の回答).
    pub city_answer: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The reason, when a moderator hid the comment.
    pub hidden: Option<String>,
    /// Waiting for a moderator (only its author sees it).
    pub pending: bool,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    parent_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Bool)]
    author_deleted: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    org_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    org_name: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    org_verified: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    department: Option<String>,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    hidden_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    hidden_reason: Option<String>,
    #[diesel(sql_type = Bool)]
    pending: bool,
}

impl From<Row> for Comment {
    fn from(r: Row) -> Comment {
        Comment {
            id: r.id,
            parent_id: r.parent_id,
            author_name: if r.author_deleted {
                crate::auth::fields::DELETED_NAME.to_owned()
            } else {
                r.display_name
            },
            organisation: r
                .org_id
                .zip(r.org_name)
                .map(|(id, name)| (id, name, r.org_verified.unwrap_or(false))),
            city_answer: r.department,
            body: r.body,
            created_at: r.created_at,
            hidden: r.hidden_at.map(|_| r.hidden_reason.unwrap_or_default()),
            pending: r.pending,
        }
    }
}

const SELECT: &str =
    "SELECT c.id, c.parent_id, a.display_name, a.deleted_at IS NOT NULL AS author_deleted,
        o.id AS org_id, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified,
        d.name AS department, c.body, c.created_at, c.hidden_at, c.hidden_reason, c.pending
    FROM comments c
    JOIN accounts a ON a.id = c.author_id
    LEFT JOIN organisations o ON o.id = c.organisation_id
    LEFT JOIN departments d ON d.id = c.answered_as_department";

/// One page of a subject's comments: top-level ones oldest first, with all their replies.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub top: Vec<Comment>,
    pub replies: Vec<Comment>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// The page of top-level comments after `after` (keyset, on `comments_subject_top`) with
/// their replies (on `comments_parent`): one query however many comments the subject has.
/// Pending comments show only to their author.
pub fn page(
    conn: &mut PgConnection,
    subject: &Subject,
    viewer: Option<Uuid>,
    after: Option<Cursor>,
) -> Result<Page> {
    let keyset = if after.is_some() {
        "AND (c.created_at, c.id) > ($4, $5)"
    } else {
        // The first page: the cursor's parameters are both null.
        "AND $4::timestamptz IS NULL AND $5::uuid IS NULL"
    };
    // One row more than a page tells whether a next page exists; its replies are dropped.
    let sql = format!(
        "WITH top AS (
           SELECT c.id FROM comments c
           WHERE c.subject_type = $1 AND c.subject_id = $2 AND c.parent_id IS NULL
             AND (NOT c.pending OR c.author_id = $3) {keyset}
           ORDER BY c.created_at, c.id LIMIT $6)
         SELECT * FROM (
           {SELECT} JOIN top t ON t.id = c.id
           UNION ALL
           {SELECT} JOIN top t ON t.id = c.parent_id WHERE (NOT c.pending OR c.author_id = $3)
         ) x ORDER BY x.created_at, x.id"
    );
    let rows: Vec<Comment> = diesel::sql_query(sql)
        .bind::<Text, _>(subject.kind())
        .bind::<Text, _>(subject.key())
        .bind::<Nullable<SqlUuid>, _>(viewer)
        .bind::<Nullable<Timestamptz>, _>(after.map(|a| a.at))
        .bind::<Nullable<SqlUuid>, _>(after.map(|a| a.id))
        .bind::<diesel::sql_types::BigInt, _>(PAGE_SIZE + 1)
        .load::<Row>(conn)?
        .into_iter()
        .map(Comment::from)
        .collect();
    let (mut top, mut replies): (Vec<Comment>, Vec<Comment>) =
        rows.into_iter().partition(|c| c.parent_id.is_none());
    let next = if top.len() as i64 > PAGE_SIZE {
        let extra = top.split_off(PAGE_SIZE as usize);
        replies.retain(|r| !extra.iter().any(|e| Some(e.id) == r.parent_id));
        top.last().map(|c| Cursor {
            at: c.created_at,
            id: c.id,
        })
    } else {
        None
    };
    Ok(Page { top, replies, next })
}

/// Why a comment (or a report) was not taken, for the form.
#[derive(Debug)]
pub enum CommentRefused {
    /// Shown at the form, the text kept.
    Message(String),
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

/// A new comment; `body` has passed [`parse_body`].
pub struct NewComment<'a> {
    pub author: Uuid,
    pub organisation: Option<Uuid>,
    pub parent: Option<Uuid>,
    pub body: &'a str,
    pub ip: Option<&'a str>,
}

/// What [`post`] did.
#[derive(Debug, Clone, Copy)]
pub struct Posted {
    pub id: Uuid,
    /// Waiting for a moderator (pre-moderation is on for the subject).
    pub pending: bool,
}

fn message(text: &str) -> CommentRefused {
    CommentRefused::Message(text.to_owned())
}

/// Whether new comments on the subject wait for a moderator.
pub fn premoderated(conn: &mut PgConnection, subject: &Subject) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        cp::table
            .filter(cp::subject_type.eq(subject.kind()))
            .filter(cp::subject_id.eq(subject.key())),
    ))
    .get_result(conn)?)
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
        if let Some(org) = new.organisation {
            if !crate::orgs::can_act_for(conn, new.author, org)? {
                return Err(message(
                    "この団体の名義ではコメントできません。確認済みの団体の会員だけが、その団体の名義でコメントできます。",
                ));
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
                        return Err(message(
                            "返信への返信はできません。元のコメントに返信してください。",
                        ));
                    }
                    parent_author = Some(author);
                }
                _ => {
                    return Err(message(
                        "返信先のコメントが見つかりません。ページを読み込み直してください。",
                    ))
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

/// The subject and author of a comment.
fn comment_subject(conn: &mut PgConnection, comment: Uuid) -> Result<(Subject, Uuid)> {
    let (kind, key, author): (String, String, Uuid) = c::table
        .find(comment)
        .select((c::subject_type, c::subject_id, c::author_id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    Ok((Subject::from_row(&kind, &key)?, author))
}

/// The subject of a comment that can be reported (neither hidden nor pending).
pub fn visible_subject(conn: &mut PgConnection, comment: Uuid) -> Result<Subject> {
    let (kind, key): (String, String) = c::table
        .find(comment)
        .filter(c::hidden_at.is_null())
        .filter(c::pending.eq(false))
        .select((c::subject_type, c::subject_id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    Subject::from_row(&kind, &key)
}

/// Reports a visible comment with a reason (already parsed); the moderators of the subject's
/// departments (the admins when it has none) hear of it. A second open report by the same
/// person changes nothing. Returns the subject, to go back to its page.
pub fn report(
    conn: &mut PgConnection,
    public_url: &str,
    comment: Uuid,
    reporter: Uuid,
    reason: &str,
    ip: Option<&str>,
) -> Result<Subject> {
    conn.transaction(|conn| {
        let subject = visible_subject(conn, comment)?;
        let id = Uuid::new_v4();
        let added = diesel::insert_into(cr::table)
            .values((
                cr::id.eq(id),
                cr::comment_id.eq(comment),
                cr::reporter_id.eq(reporter),
                cr::reason.eq(reason),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if added == 0 {
            return Ok(subject);
        }
        audit::record(
            conn,
            Entry {
                actor: Some(reporter),
                action: "comment.report",
                record: Some(("comment", comment.to_string())),
                ip,
                details: json!({ "report": id, "reason": reason }),
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
            notify_account(
                conn,
                public_url,
                moderator,
                "comment_reported",
                |_| json!({ "title": title, "link": queue, "reason": reason }),
            )?;
        }
        Ok(subject)
    })
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
    /// Hide with a reason (already parsed); the author is emailed.
    Hide(String),
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
        Err(Error::Forbidden(crate::auth::roles::refusal(
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
                let n = diesel::update(row.filter(c::hidden_at.is_null()))
                    .set((
                        c::hidden_at.eq(now),
                        c::hidden_reason.eq(reason),
                        c::hidden_by.eq(by.id),
                    ))
                    .execute(conn)?;
                resolve(conn, "hidden")?;
                n
            }
            Moderation::Restore => diesel::update(row.filter(c::hidden_at.is_not_null()))
                .set((
                    c::hidden_at.eq(None::<DateTime<Utc>>),
                    c::hidden_by.eq(by.id),
                ))
                .execute(conn)?,
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
        if let Moderation::Hide(reason) = what {
            let title = title_of(conn, &subject)?;
            let link = format!("{}{}", by.public_url.trim_end_matches('/'), subject.path());
            notify_account(
                conn,
                by.public_url,
                author,
                "comment_hidden",
                |_| json!({ "title": title, "link": link, "reason": reason }),
            )?;
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

/// A comment in the moderation queue.
#[derive(Debug, Clone)]
pub struct Queued {
    pub comment: Comment,
    pub subject: Subject,
    /// The reasons of the open reports, oldest first.
    pub reasons: Vec<String>,
}

#[derive(QueryableByName)]
struct QueuedRow {
    #[diesel(embed)]
    comment: Row,
    #[diesel(sql_type = Text)]
    subject_type: String,
    #[diesel(sql_type = Text)]
    subject_id: String,
    #[diesel(sql_type = Array<Text>)]
    reasons: Vec<String>,
}

/// Which part of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueuePart {
    /// Reported (open reports) or pending comments, oldest first.
    Open,
    /// Hidden comments, most recently hidden first (to restore one).
    Hidden,
}

/// At most this many rows per part of the queue.
pub const QUEUE_MAX: i64 = 100;

/// The queue of the departments `departments` moderates (`None`: all, for an admin). One query.
pub fn queue(
    conn: &mut PgConnection,
    departments: Option<&[i32]>,
    part: QueuePart,
) -> Result<Vec<Queued>> {
    let (filter, order) = match part {
        QueuePart::Open => (
            "(c.pending OR EXISTS (SELECT 1 FROM comment_reports r
                 WHERE r.comment_id = c.id AND r.resolved_at IS NULL))",
            "c.created_at, c.id",
        ),
        QueuePart::Hidden => ("c.hidden_at IS NOT NULL", "c.hidden_at DESC, c.id"),
    };
    let sql = format!(
        "SELECT c.id, c.parent_id, a.display_name, a.deleted_at IS NOT NULL AS author_deleted,
            o.id AS org_id, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified,
            d.name AS department, c.body, c.created_at, c.hidden_at, c.hidden_reason, c.pending,
            c.subject_type, c.subject_id,
            ARRAY(SELECT r.reason FROM comment_reports r WHERE r.comment_id = c.id
                  AND r.resolved_at IS NULL ORDER BY r.created_at) AS reasons
         FROM comments c
         JOIN accounts a ON a.id = c.author_id
         LEFT JOIN organisations o ON o.id = c.organisation_id
         LEFT JOIN departments d ON d.id = c.answered_as_department
         WHERE {filter} AND c.subject_type IN ('proposal', 'measure')
           AND ($1::int4[] IS NULL OR EXISTS (
               SELECT 1 FROM measure_departments md WHERE md.department_id = ANY($1)
                 AND ((c.subject_type = 'measure' AND md.measure_code = c.subject_id)
                   OR (c.subject_type = 'proposal' AND md.measure_code IN (
                       SELECT pm.measure_code FROM proposal_measures pm
                       WHERE pm.proposal_id::text = c.subject_id)))))
         ORDER BY {order} LIMIT $2"
    );
    let rows: Vec<QueuedRow> = diesel::sql_query(sql)
        .bind::<Nullable<Array<Int4>>, _>(departments)
        .bind::<diesel::sql_types::BigInt, _>(QUEUE_MAX)
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(Queued {
                subject: Subject::from_row(&r.subject_type, &r.subject_id)?,
                comment: r.comment.into(),
                reasons: r.reasons,
            })
        })
        .collect()
}

/// The measures whose comments the departments moderate (all for `None`), with whether
/// pre-moderation is on: (code, title, on).
pub fn moderated_measures(
    conn: &mut PgConnection,
    departments: Option<&[i32]>,
) -> Result<Vec<(String, String, bool)>> {
    let mut query = measures::table
        .left_join(md::table)
        .left_join(
            cp::table.on(cp::subject_type
                .eq("measure")
                .and(cp::subject_id.eq(measures::code))),
        )
        .filter(measures::detailed.eq(true))
        .order((measures::chapter_number, measures::number))
        .select((measures::code, measures::title, cp::enabled_at.nullable()))
        .into_boxed();
    if let Some(departments) = departments {
        query = query.filter(md::department_id.eq_any(departments.to_vec()));
    }
    let rows: Vec<(String, String, Option<DateTime<Utc>>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, title, on)| (code, title, on.is_some()))
        .collect())
}
