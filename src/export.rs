//! `kyodo export` (公文書としての保存): proposals, comments, consultation opinions and their
//! results as CSV or JSON files for the city's records.
//!
//! By default the files hold what the public pages show and nothing more: submitted proposals,
//! published comments (a hidden one without its text, with the reason the page shows),
//! opinions of consultations whose result is published (not the excluded ones, and never who
//! sent them), and published results. `--private --as <admin email>` adds the personal data
//! (emails, submitters' names and addresses, hidden and excluded texts, comments awaiting a
//! moderator); only for an admin account, and written to the audit log.

use crate::audit::{self, Entry};
use crate::auth::fields::{Email, DELETED_NAME};
use crate::auth::staff::grants_of;
use crate::config::ExportFormat;
use crate::db::schema::accounts as a;
use crate::error::{Error, Result};
use crate::proposals::review::is_admin;
use crate::proposals::workflow::State;
use crate::wareki::jst;
use crate::web::csv::{self, Encoding};
use crate::web::i18n::{t, Lang};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Date, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// What to export, where.
#[derive(Debug, Clone)]
pub struct Options {
    pub out: PathBuf,
    pub format: ExportFormat,
    /// The admin's email for a private export (with personal data).
    pub private_as: Option<String>,
}

/// One kind of record as a table: the columns (JSON keys; the CSV heading is their Japanese
/// name) and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    fn new(
        name: &'static str,
        public: &[&'static str],
        private: &[&'static str],
        all: bool,
    ) -> Table {
        let mut columns = public.to_vec();
        if all {
            columns.extend_from_slice(private);
        }
        Table {
            name,
            columns,
            rows: Vec::new(),
        }
    }

    /// UTF-8 with a BOM through [`crate::web::csv`] (formulas neutralised), Japanese headings.
    pub fn csv(&self) -> Vec<u8> {
        let heading: Vec<String> = self
            .columns
            .iter()
            .map(|c| t(Lang::Ja, &format!("export.col.{c}")))
            .collect();
        let rows = self
            .rows
            .iter()
            .map(|row| row.iter().map(cell).collect::<Vec<String>>());
        csv::encode(
            &csv::text(std::iter::once(heading).chain(rows)),
            Encoding::Utf8Bom,
        )
    }

    /// An array of objects keyed by the column names.
    pub fn json(&self) -> Vec<u8> {
        let objects: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = self
                    .columns
                    .iter()
                    .map(|c| (*c).to_owned())
                    .zip(row.iter().cloned())
                    .collect();
                Value::Object(object)
            })
            .collect();
        let mut bytes = serde_json::to_vec_pretty(&objects).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// A JSON value as a CSV cell: null is empty, text as it is.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A moment as the records keep it: ISO 8601 in Japan time.
fn moment(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| {
        Value::String(
            at.with_timezone(&jst())
                .to_rfc3339_opts(SecondsFormat::Secs, false),
        )
    })
}

fn text(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

/// The name a page shows for an author: their display name, or 退会したユーザー once the
/// account is deleted.
fn shown_name(name: String, deleted: bool) -> String {
    if deleted {
        DELETED_NAME.to_owned()
    } else {
        name
    }
}

/// Writes the export to `options.out`; returns each file's name and row count.
pub fn run(url: &str, options: &Options) -> Result<Vec<(String, usize)>> {
    let mut conn = PgConnection::establish(url)?;
    // One snapshot for every file, with its audit entry in the same transaction.
    let tables = conn
        .build_transaction()
        .repeatable_read()
        .run(|conn| -> Result<Vec<Table>> {
            let admin = match &options.private_as {
                Some(email) => Some(admin(conn, email)?),
                None => None,
            };
            let private = admin.is_some();
            let tables = vec![
                proposals(conn, private)?,
                comments(conn, private)?,
                opinions(conn, private)?,
                results(conn)?,
            ];
            if let Some(actor) = admin {
                let counts: Map<String, Value> = tables
                    .iter()
                    .map(|table| (table.name.to_owned(), json!(table.rows.len())))
                    .collect();
                audit::record(
                    conn,
                    Entry {
                        actor: Some(actor),
                        action: "export.private",
                        record: None,
                        ip: None,
                        details: json!({
                            "out": options.out.display().to_string(),
                            "format": extension(options.format),
                            "rows": counts,
                        }),
                    },
                )?;
            }
            Ok(tables)
        })?;
    write(&options.out, options.format, &tables)
}

fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    }
}

fn write(out: &Path, format: ExportFormat, tables: &[Table]) -> Result<Vec<(String, usize)>> {
    std::fs::create_dir_all(out)
        .map_err(|e| Error::Setup(format!("cannot create {}: {e}", out.display())))?;
    tables
        .iter()
        .map(|table| {
            let name = format!("{}.{}", table.name, extension(format));
            let bytes = match format {
                ExportFormat::Csv => table.csv(),
                ExportFormat::Json => table.json(),
            };
            let path = out.join(&name);
            std::fs::write(&path, bytes)
                .map_err(|e| Error::Setup(format!("cannot write {}: {e}", path.display())))?;
            Ok((name, table.rows.len()))
        })
        .collect()
}

/// The admin account with this email, or why the private export is refused.
fn admin(conn: &mut PgConnection, email: &str) -> Result<Uuid> {
    // Stored as Email::parse writes them (lower case), as sign-in looks them up.
    let normalised = Email::parse(email).map(|e| e.as_str().to_owned());
    let account: Option<Uuid> = a::table
        .filter(a::email.eq(normalised.unwrap_or_default()))
        .filter(a::deleted_at.is_null())
        .select(a::id)
        .first(conn)
        .optional()?;
    match account {
        Some(id) if is_admin(&grants_of(conn, id)?) => Ok(id),
        _ => Err(Error::Setup(format!(
            "{email} is not an administrator's account: an export with personal data \
             (--private) is only made on an administrator's authority (kyodo create-admin)"
        ))),
    }
}

#[derive(QueryableByName)]
struct ProposalRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Array<Text>)]
    measures: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    organisation: Option<String>,
    #[diesel(sql_type = Text)]
    proposer: String,
    #[diesel(sql_type = Bool)]
    proposer_deleted: bool,
    #[diesel(sql_type = Nullable<Text>)]
    proposer_email: Option<String>,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Text)]
    local_issue: String,
    #[diesel(sql_type = Text)]
    activity_plan: String,
    #[diesel(sql_type = Text)]
    expected_effect: String,
    #[diesel(sql_type = Text)]
    partners: String,
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    budget_yen: Option<i64>,
    #[diesel(sql_type = Integer)]
    support_count: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    decided_at: Option<DateTime<Utc>>,
}

const PROPOSAL_COLUMNS: &[&str] = &[
    "id",
    "title",
    "state",
    "measures",
    "organisation",
    "proposer",
    "summary",
    "local_issue",
    "activity_plan",
    "expected_effect",
    "partners",
    "period",
    "budget_yen",
    "support_count",
    "submitted_at",
    "decided_at",
];

/// Submitted proposals (a draft is its author's alone, even in a private export).
fn proposals(conn: &mut PgConnection, private: bool) -> Result<Table> {
    let rows: Vec<ProposalRow> = diesel::sql_query(
        "SELECT p.id, p.title, p.state,
                ARRAY(SELECT pm.measure_code FROM proposal_measures pm
                      WHERE pm.proposal_id = p.id ORDER BY pm.position) AS measures,
                o.name AS organisation, a.display_name AS proposer,
                a.deleted_at IS NOT NULL AS proposer_deleted, a.email AS proposer_email,
                p.summary, p.local_issue, p.activity_plan, p.expected_effect, p.partners,
                p.period, p.budget_yen, p.support_count, p.submitted_at, p.decided_at
         FROM proposals p
         JOIN accounts a ON a.id = p.author_id
         LEFT JOIN organisations o ON o.id = p.organisation_id
         WHERE p.submitted_at IS NOT NULL
         ORDER BY p.submitted_at, p.id",
    )
    .load(conn)?;
    let mut table = Table::new("proposals", PROPOSAL_COLUMNS, &["proposer_email"], private);
    for p in rows {
        let state: State = p
            .state
            .parse()
            .map_err(|_| Error::Internal(format!("unknown proposal state {:?}", p.state)))?;
        let mut row = vec![
            json!(p.id),
            json!(p.title),
            json!(t(Lang::Ja, state.label_key())),
            json!(p.measures.join(" ")),
            text(p.organisation),
            json!(shown_name(p.proposer, p.proposer_deleted)),
            json!(p.summary),
            json!(p.local_issue),
            json!(p.activity_plan),
            json!(p.expected_effect),
            json!(p.partners),
            json!(p.period),
            json!(p.budget_yen),
            json!(p.support_count),
            moment(p.submitted_at),
            moment(p.decided_at),
        ];
        if private {
            row.push(text(p.proposer_email));
        }
        table.rows.push(row);
    }
    Ok(table)
}

#[derive(QueryableByName)]
struct CommentRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    subject_type: String,
    #[diesel(sql_type = Text)]
    subject_id: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    parent_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    author: String,
    #[diesel(sql_type = Bool)]
    author_deleted: bool,
    #[diesel(sql_type = Nullable<Text>)]
    author_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    organisation: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    city_answer: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    hidden_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    hidden_reason: Option<String>,
    #[diesel(sql_type = Bool)]
    pending: bool,
    #[diesel(sql_type = Text)]
    body: String,
}

const COMMENT_COLUMNS: &[&str] = &[
    "id",
    "subject",
    "parent_id",
    "author",
    "organisation",
    "city_answer",
    "created_at",
    "hidden_reason",
    "body",
];

/// A comment's row: a hidden comment's text only in a private export, as on the pages (which
/// show the reason in its place).
fn comment_row(c: CommentRow, private: bool) -> Vec<Value> {
    let hidden = c.hidden_at.is_some();
    let mut row = vec![
        json!(c.id),
        json!(format!("{}:{}", c.subject_type, c.subject_id)),
        json!(c.parent_id),
        json!(shown_name(c.author, c.author_deleted)),
        text(c.organisation),
        text(c.city_answer),
        moment(Some(c.created_at)),
        if hidden {
            json!(c.hidden_reason.unwrap_or_default())
        } else {
            Value::Null
        },
        if hidden && !private {
            Value::Null
        } else {
            json!(c.body)
        },
    ];
    if private {
        row.push(text(c.author_email));
        row.push(json!(c.pending));
    }
    row
}

/// Published comments (a private export adds those awaiting a moderator).
fn comments(conn: &mut PgConnection, private: bool) -> Result<Table> {
    let rows: Vec<CommentRow> = diesel::sql_query(
        "SELECT c.id, c.subject_type, c.subject_id, c.parent_id, a.display_name AS author,
                a.deleted_at IS NOT NULL AS author_deleted, a.email AS author_email,
                o.name AS organisation, d.name AS city_answer, c.created_at, c.hidden_at,
                c.hidden_reason, c.pending, c.body
         FROM comments c
         JOIN accounts a ON a.id = c.author_id
         LEFT JOIN organisations o ON o.id = c.organisation_id
         LEFT JOIN departments d ON d.id = c.answered_as_department
         WHERE $1 OR NOT c.pending
         ORDER BY c.created_at, c.id",
    )
    .bind::<Bool, _>(private)
    .load(conn)?;
    let mut table = Table::new(
        "comments",
        COMMENT_COLUMNS,
        &["author_email", "pending"],
        private,
    );
    table.rows = rows.into_iter().map(|c| comment_row(c, private)).collect();
    Ok(table)
}

#[derive(QueryableByName)]
struct OpinionRow {
    #[diesel(sql_type = Integer)]
    consultation_id: i32,
    #[diesel(sql_type = Text)]
    consultation: String,
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    section: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    item: Option<i32>,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    receipt_number: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Timestamptz)]
    received_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    organisation_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    submitter_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    submitter_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    submitter_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    excluded_reason: Option<String>,
}

const OPINION_COLUMNS: &[&str] = &[
    "consultation_id",
    "consultation",
    "id",
    "section",
    "item",
    "body",
];
const OPINION_PRIVATE_COLUMNS: &[&str] = &[
    "receipt_number",
    "channel",
    "received_at",
    "organisation_name",
    "submitter_name",
    "submitter_address",
    "submitter_email",
    "excluded_reason",
];

fn opinion_row(o: OpinionRow, private: bool) -> Vec<Value> {
    let mut row = vec![
        json!(o.consultation_id),
        json!(o.consultation),
        json!(o.id),
        json!(o.section),
        json!(o.item),
        json!(o.body),
    ];
    if private {
        row.extend([
            json!(o.receipt_number),
            json!(o.channel),
            moment(Some(o.received_at)),
            text(o.organisation_name),
            text(o.submitter_name),
            text(o.submitter_address),
            text(o.submitter_email),
            text(o.excluded_reason),
        ]);
    }
    row
}

/// Opinions (意見) as the result page lists them: of published results, not excluded. A
/// private export has every opinion with who sent it.
fn opinions(conn: &mut PgConnection, private: bool) -> Result<Table> {
    let rows: Vec<OpinionRow> = diesel::sql_query(
        "SELECT cc.consultation_id, c.title AS consultation, cc.id, s.number AS section,
                ri.number AS item, cc.body, cc.receipt_number, cc.channel, cc.received_at,
                cc.organisation_name, cc.submitter_name, cc.submitter_address,
                cc.submitter_email, cc.excluded_reason
         FROM consultation_comments cc
         JOIN consultations c ON c.id = cc.consultation_id
         LEFT JOIN consultation_sections s ON s.id = cc.section_id
         LEFT JOIN consultation_result_items ri ON ri.id = cc.item_id
         WHERE $1 OR (c.result_published_at IS NOT NULL AND cc.excluded_at IS NULL)
         ORDER BY cc.consultation_id, cc.id",
    )
    .bind::<Bool, _>(private)
    .load(conn)?;
    let mut table = Table::new(
        "opinions",
        OPINION_COLUMNS,
        OPINION_PRIVATE_COLUMNS,
        private,
    );
    table.rows = rows.into_iter().map(|o| opinion_row(o, private)).collect();
    Ok(table)
}

#[derive(QueryableByName)]
struct ResultRow {
    #[diesel(sql_type = Integer)]
    consultation_id: i32,
    #[diesel(sql_type = Text)]
    consultation: String,
    #[diesel(sql_type = Text)]
    department: String,
    #[diesel(sql_type = Date)]
    opens_on: NaiveDate,
    #[diesel(sql_type = Date)]
    closes_on: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    published_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    number: i32,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Text)]
    response: String,
    #[diesel(sql_type = Bool)]
    changed: bool,
    #[diesel(sql_type = Nullable<Text>)]
    change: Option<String>,
}

const RESULT_COLUMNS: &[&str] = &[
    "consultation_id",
    "consultation",
    "department",
    "opens_on",
    "closes_on",
    "published_at",
    "number",
    "opinion_summary",
    "response",
    "changed",
    "change",
];

/// The published results (意見募集の結果), a row per line of the result table: public as
/// they are, so the same in a private export.
fn results(conn: &mut PgConnection) -> Result<Table> {
    let rows: Vec<ResultRow> = diesel::sql_query(
        "SELECT c.id AS consultation_id, c.title AS consultation, d.name AS department,
                c.opens_on, c.closes_on, c.result_published_at AS published_at, ri.number,
                ri.summary, ri.response, ri.changed, ri.change
         FROM consultation_result_items ri
         JOIN consultations c ON c.id = ri.consultation_id
         JOIN departments d ON d.id = c.department_id
         WHERE c.result_published_at IS NOT NULL
         ORDER BY c.id, ri.number",
    )
    .load(conn)?;
    let mut table = Table::new("results", RESULT_COLUMNS, &[], false);
    table.rows = rows
        .into_iter()
        .map(|r| {
            vec![
                json!(r.consultation_id),
                json!(r.consultation),
                json!(r.department),
                json!(r.opens_on.to_string()),
                json!(r.closes_on.to_string()),
                moment(Some(r.published_at)),
                json!(r.number),
                json!(r.summary),
                json!(r.response),
                json!(r.changed),
                text(r.change),
            ]
        })
        .collect();
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(hidden: bool) -> CommentRow {
        CommentRow {
            id: Uuid::nil(),
            subject_type: "measure".to_owned(),
            subject_id: "5-1".to_owned(),
            parent_id: None,
            author: "ほんじょう太郎".to_owned(),
            author_deleted: false,
            author_email: Some("taro@example.jp".to_owned()),
            organisation: None,
            city_answer: None,
            created_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
            hidden_at: hidden.then(Utc::now),
            hidden_reason: hidden.then(|| "個人情報".to_owned()),
            pending: false,
            body: "=1+1 電話は 0495-00-0000".to_owned(),
        }
    }

    #[test]
    fn a_hidden_comment_keeps_its_text_only_in_a_private_export() {
        let public = comment_row(comment(true), false);
        assert_eq!(public.len(), COMMENT_COLUMNS.len());
        assert_eq!(public[7], json!("個人情報"));
        assert_eq!(public[8], Value::Null);
        let private = comment_row(comment(true), true);
        assert_eq!(private.len(), COMMENT_COLUMNS.len() + 2);
        assert_eq!(private[8], json!("=1+1 電話は 0495-00-0000"));
        assert_eq!(private[9], json!("taro@example.jp"));
        let shown = comment_row(comment(false), false);
        assert_eq!(shown[1], json!("measure:5-1"));
        assert_eq!(shown[6], json!("2027-01-15T17:00:00+09:00"));
        assert_eq!(shown[7], Value::Null);
        assert_eq!(shown[8], json!("=1+1 電話は 0495-00-0000"));
        assert!(!shown.contains(&json!("taro@example.jp")));
    }

    #[test]
    fn a_deleted_author_is_named_as_the_pages_name_them() {
        let mut row = comment(false);
        row.author_deleted = true;
        assert_eq!(comment_row(row, false)[3], json!(DELETED_NAME));
    }

    #[test]
    fn opinions_name_their_submitter_only_in_a_private_export() {
        let opinion = || OpinionRow {
            consultation_id: 3,
            consultation: "計画案".to_owned(),
            id: 7,
            section: Some(1),
            item: None,
            body: "意見".to_owned(),
            receipt_number: "R8-0003-0007".to_owned(),
            channel: "post".to_owned(),
            received_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
            organisation_name: None,
            submitter_name: Some("本庄花子".to_owned()),
            submitter_address: Some("本庄市本庄3-5-3".to_owned()),
            submitter_email: None,
            excluded_reason: None,
        };
        let public = opinion_row(opinion(), false);
        assert_eq!(
            public,
            [
                json!(3),
                json!("計画案"),
                json!(7),
                json!(1),
                Value::Null,
                json!("意見")
            ]
        );
        let private = opinion_row(opinion(), true);
        assert_eq!(
            private.len(),
            OPINION_COLUMNS.len() + OPINION_PRIVATE_COLUMNS.len()
        );
        assert!(private.contains(&json!("本庄市本庄3-5-3")));
    }

    #[test]
    fn csv_has_a_bom_japanese_headings_and_no_formulas() {
        let mut table = Table::new("comments", COMMENT_COLUMNS, &[], false);
        table.rows.push(comment_row(comment(false), false));
        let bytes = table.csv();
        assert!(bytes.starts_with(csv::BOM));
        let text = String::from_utf8(bytes[csv::BOM.len()..].to_vec()).unwrap_or_default();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("ID,対象,返信先,投稿者,団体,市の回答（担当課）,投稿日時,非表示の理由,本文")
        );
        assert!(text.contains(",'=1+1 電話は 0495-00-0000\r\n"), "{text}");
    }

    #[test]
    fn every_column_has_a_heading() {
        crate::web::i18n::assert_keys(
            "export.col.",
            [
                PROPOSAL_COLUMNS,
                &["proposer_email", "author_email", "pending"],
                COMMENT_COLUMNS,
                OPINION_COLUMNS,
                OPINION_PRIVATE_COLUMNS,
                RESULT_COLUMNS,
            ]
            .concat(),
        );
    }

    #[test]
    fn json_is_an_array_of_objects_by_column() {
        let mut table = Table::new("results", &["number", "changed", "change"], &[], false);
        table.rows.push(vec![json!(1), json!(true), Value::Null]);
        let value: Value = serde_json::from_slice(&table.json()).unwrap_or_default();
        assert_eq!(
            value,
            json!([{"number": 1, "changed": true, "change": null}])
        );
        assert_eq!(cell(&json!(true)), "true");
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&json!("a")), "a");
    }
}
