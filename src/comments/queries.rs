//! Reading comments: a subject's page (keyset on the cursor), a comment's subject, and the
//! moderation queue.

use super::subject::Subject;
use super::text::Cursor;
use crate::db::schema::{
    comment_premoderation as cp, comments as c, measure_departments as md, measures,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// Top-level comments per page; their replies come with them.
pub const PAGE_SIZE: i64 = 50;

/// A comment as a page shows it.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub author_id: Uuid,
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
    /// Hidden by reports (自動で非表示), waiting for a moderator to confirm or restore.
    pub auto_hidden: bool,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    parent_id: Option<Uuid>,
    #[diesel(sql_type = SqlUuid)]
    author_id: Uuid,
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
    #[diesel(sql_type = Bool)]
    hidden_automatically: bool,
}

impl From<Row> for Comment {
    fn from(r: Row) -> Comment {
        Comment {
            id: r.id,
            parent_id: r.parent_id,
            author_id: r.author_id,
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
            auto_hidden: r.hidden_automatically,
        }
    }
}

const SELECT: &str =
    "SELECT c.id, c.parent_id, c.author_id, a.display_name, a.deleted_at IS NOT NULL AS author_deleted,
        o.id AS org_id, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified,
        d.name AS department, c.body, c.created_at, c.hidden_at, c.hidden_reason, c.pending,
        c.hidden_automatically
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
    // Two texts (first page or not), the values binds: safe to keep prepared. The page size is
    // written in, not bound: a bound LIMIT re-plans on every view (see `crate::db::limited`).
    let rows = PAGE_SIZE + 1;
    let sql = format!(
        "WITH top AS (
           SELECT c.id FROM comments c
           WHERE c.subject_type = $1 AND c.subject_id = $2 AND c.parent_id IS NULL
             AND (NOT c.pending OR c.author_id = $3) {keyset}
           ORDER BY c.created_at, c.id LIMIT {rows})
         SELECT * FROM (
           {SELECT} JOIN top t ON t.id = c.id
           UNION ALL
           {SELECT} JOIN top t ON t.id = c.parent_id WHERE (NOT c.pending OR c.author_id = $3)
         ) x ORDER BY x.created_at, x.id"
    );
    let rows: Vec<Comment> = crate::db::prepared(
        diesel::sql_query(sql)
            .bind::<Text, _>(subject.kind())
            .bind::<Text, _>(subject.key())
            .bind::<Nullable<SqlUuid>, _>(viewer)
            .bind::<Nullable<Timestamptz>, _>(after.map(|a| a.at))
            .bind::<Nullable<SqlUuid>, _>(after.map(|a| a.id)),
    )
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

/// Whether new comments on the subject wait for a moderator.
pub fn premoderated(conn: &mut PgConnection, subject: &Subject) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        cp::table
            .filter(cp::subject_type.eq(subject.kind()))
            .filter(cp::subject_id.eq(subject.key())),
    ))
    .get_result(conn)?)
}

/// The subject and author of a comment.
pub(super) fn comment_subject(conn: &mut PgConnection, comment: Uuid) -> Result<(Subject, Uuid)> {
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

/// A comment in the moderation queue.
#[derive(Debug, Clone)]
pub struct Queued {
    pub comment: Comment,
    pub subject: Subject,
    /// The open reports, oldest first: (category, note; '' for none).
    pub reports: Vec<(String, String)>,
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
    categories: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    notes: Vec<String>,
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
    // Two texts (the parts), the values binds: safe to keep prepared.
    let sql = format!(
        "SELECT c.id, c.parent_id, c.author_id, a.display_name, a.deleted_at IS NOT NULL AS author_deleted,
            o.id AS org_id, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified,
            d.name AS department, c.body, c.created_at, c.hidden_at, c.hidden_reason, c.pending,
            c.hidden_automatically, c.subject_type, c.subject_id,
            ARRAY(SELECT r.category FROM comment_reports r WHERE r.comment_id = c.id
                  AND r.resolved_at IS NULL ORDER BY r.created_at, r.id) AS categories,
            ARRAY(SELECT r.reason FROM comment_reports r WHERE r.comment_id = c.id
                  AND r.resolved_at IS NULL ORDER BY r.created_at, r.id) AS notes
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
    let rows: Vec<QueuedRow> = crate::db::prepared(
        diesel::sql_query(sql)
            .bind::<Nullable<Array<Int4>>, _>(departments)
            .bind::<diesel::sql_types::BigInt, _>(QUEUE_MAX),
    )
    .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(Queued {
                subject: Subject::from_row(&r.subject_type, &r.subject_id)?,
                comment: r.comment.into(),
                reports: r.categories.into_iter().zip(r.notes).collect(),
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
