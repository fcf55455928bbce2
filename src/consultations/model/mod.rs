//! Consultations in the database: here a consultation itself and the questions about it; in
//! the files below, one per kind of change, what is written. Every change runs in one
//! transaction with its audit entry (and its emails, through the outbox). Public queries select
//! their columns by name and never the submitter's name, address or email: only
//! [`opinions::staff_opinions`] reads those.
//!
//! `drafts` saves and edits a draft; `opinions` records opinions and reads them back;
//! `result` writes and publishes the result (意見募集の結果) and counts it; `emails` tells the
//! people of a consultation (receipts, the result, the opening) and forgets an address on
//! request.

pub mod drafts;
pub mod emails;
pub mod imports;
pub mod opinions;
pub mod result;

use super::fields::Channel;
use super::period::{self, Milestones, Period, State};
use crate::attachments::model::Attachment;
use crate::attachments::OwnerKind;
use crate::db::schema::{
    consultation_measures as cm, consultation_notices as cn, consultation_sections as cs,
    consultations as c, departments, measures,
};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

/// A consultation as everyone may see it.
#[derive(Debug, Clone)]
pub struct Consultation {
    pub id: i32,
    pub title: String,
    pub department_id: i32,
    pub department: String,
    pub summary: String,
    pub period: Period,
    pub short_period_reason: Option<String>,
    pub identity_required: bool,
    /// 公示: `None` while a draft.
    pub published_at: Option<DateTime<Utc>>,
    /// 中止.
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub result_published_at: Option<DateTime<Utc>>,
}

impl Consultation {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        let milestones = Milestones {
            published_at: self.published_at,
            withdrawn_at: self.withdrawn_at,
            result_published_at: self.result_published_at,
        };
        period::state(&self.period, &milestones, now)
    }
}

type Row = (
    i32,
    String,
    i32,
    String,
    String,
    NaiveDate,
    NaiveDate,
    Option<String>,
    bool,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn from_row(r: Row) -> Result<Consultation> {
    Ok(Consultation {
        id: r.0,
        title: r.1,
        department_id: r.2,
        department: r.3,
        summary: r.4,
        period: Period::new(r.5, r.6).map_err(|r| Error::Internal(r.to_string()))?,
        short_period_reason: r.7,
        identity_required: r.8,
        published_at: r.9,
        withdrawn_at: r.10,
        result_published_at: r.11,
    })
}

macro_rules! consultation_columns {
    () => {
        (
            c::id,
            c::title,
            c::department_id,
            departments::name,
            c::summary,
            c::opens_on,
            c::closes_on,
            c::short_period_reason,
            c::identity_required,
            c::published_at,
            c::withdrawn_at,
            c::result_published_at,
        )
    };
}

/// Every consultation with its number of opinions, newest period first. One query: the
/// numbers are the ones a trigger keeps (migration 000024).
pub fn list(conn: &mut PgConnection) -> Result<Vec<(Consultation, i64)>> {
    let rows: Vec<(Row, i32)> = c::table
        .inner_join(departments::table)
        .order((c::opens_on.desc(), c::id.desc()))
        .select((consultation_columns!(), c::comment_count))
        .load(conn)?;
    rows.into_iter()
        .map(|(r, n)| Ok((from_row(r)?, i64::from(n))))
        .collect()
}

/// What the public sees of [`list`] at `now`: no drafts.
pub fn public_list(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<(Consultation, i64)>> {
    let mut rows = list(conn)?;
    rows.retain(|(c, _)| c.state(now).is_public());
    Ok(rows)
}

pub fn find(conn: &mut PgConnection, id: i32) -> Result<Option<Consultation>> {
    Ok(counted(conn, id)?.map(|(consultation, _)| consultation))
}

/// The consultation and its number of opinions, which a trigger keeps (migration 000024)
/// where the page counted them: one query, whatever the opinions.
fn counted(conn: &mut PgConnection, id: i32) -> Result<Option<(Consultation, i64)>> {
    c::table
        .inner_join(departments::table)
        .filter(c::id.eq(id))
        .select((consultation_columns!(), c::comment_count))
        .first::<(Row, i32)>(conn)
        .optional()?
        .map(|(r, n)| Ok((from_row(r)?, i64::from(n))))
        .transpose()
}

/// A numbered section of the draft.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct SectionRow {
    pub id: i32,
    pub number: i32,
    pub heading: String,
    pub body: String,
}

/// A consultation with what is consulted and how many opinions it has.
pub struct Detail {
    pub consultation: Consultation,
    pub measures: Vec<(String, String)>,
    pub sections: Vec<SectionRow>,
    pub comment_count: i64,
    /// The documents (資料), public like the consultation.
    pub documents: Vec<crate::attachments::model::Attachment>,
    /// 正誤・延長・中止, oldest first.
    pub notices: Vec<Notice>,
}

/// What a public notice (お知らせ) is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// 正誤: the text was corrected.
    Correction,
    /// 締切の延長.
    Extension,
    /// 中止.
    Withdrawal,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 3] = [
        NoticeKind::Correction,
        NoticeKind::Extension,
        NoticeKind::Withdrawal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Correction => "correction",
            NoticeKind::Extension => "extension",
            NoticeKind::Withdrawal => "withdrawal",
        }
    }

    fn parse(code: &str) -> Result<NoticeKind> {
        NoticeKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| Error::Internal(format!("unknown notice kind {code}")))
    }
}

/// A public notice of a consultation: what was corrected, or why it was extended or withdrawn.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub body: String,
    /// An extension's last day before and after.
    pub extended: Option<(NaiveDate, NaiveDate)>,
    pub at: DateTime<Utc>,
}

fn notices(conn: &mut PgConnection, id: i32) -> Result<Vec<Notice>> {
    #[derive(Queryable)]
    struct Row {
        kind: String,
        body: String,
        before: Option<NaiveDate>,
        after: Option<NaiveDate>,
        at: DateTime<Utc>,
    }
    let rows: Vec<Row> = cn::table
        .filter(cn::consultation_id.eq(id))
        .order(cn::id)
        .select((
            cn::kind,
            cn::body,
            cn::closes_on_before,
            cn::closes_on_after,
            cn::posted_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(Notice {
                kind: NoticeKind::parse(&r.kind)?,
                body: r.body,
                extended: r.before.zip(r.after),
                at: r.at,
            })
        })
        .collect()
}

pub fn detail(conn: &mut PgConnection, id: i32) -> Result<Option<Detail>> {
    let Some((consultation, comment_count)) = counted(conn, id)? else {
        return Ok(None);
    };
    let measures = cm::table
        .inner_join(measures::table)
        .filter(cm::consultation_id.eq(id))
        .order((measures::chapter_number, measures::number))
        .select((measures::code, measures::title))
        .load(conn)?;
    let sections = cs::table
        .filter(cs::consultation_id.eq(id))
        .order(cs::number)
        .select((cs::id, cs::number, cs::heading, cs::body))
        .load(conn)?;
    let documents =
        crate::attachments::model::list(conn, &crate::attachments::Owner::consultation(id))?;
    let notices = notices(conn, id)?;
    Ok(Some(Detail {
        consultation,
        measures,
        sections,
        comment_count,
        documents,
        notices,
    }))
}

/// Why a change or an opinion was refused, and the form field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub refusal: Refusal,
}

pub(super) fn refused<T>(field: &'static str, refusal: Refusal) -> Result<Result<T, Refused>> {
    Ok(Err(Refused { field, refusal }))
}

/// The consultation, its row locked until the transaction ends: changes to one consultation
/// (numbering receipts and result items, publishing) happen one at a time.
pub fn lock(conn: &mut PgConnection, id: i32) -> Result<Consultation> {
    c::table
        .filter(c::id.eq(id))
        .select(c::id)
        .for_update()
        .first::<i32>(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    find(conn, id)?.ok_or(Error::NotFound)
}

/// Consultations opened in fiscal year `year` up to `today` (KPI 6-1 「市民の意見を聴く場の
/// 実施回数」): announced, and not withdrawn before their first day. Not run here: the live
/// count of 6-1 (`meetings::live`) counts them with the meetings in one statement.
pub fn opened_in_fiscal_year(year: i32, today: NaiveDate) -> OpenedInFiscalYear {
    let (first, last) = period::fiscal_year_days(year);
    c::table
        .filter(c::opens_on.ge(first))
        .filter(c::opens_on.le(last.min(today)))
        .filter(c::published_at.is_not_null())
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "(withdrawn_at IS NULL OR withdrawn_at >= opens_on::timestamp AT TIME ZONE 'Asia/Tokyo')",
        ))
}

/// The query of [`opened_in_fiscal_year`].
pub type OpenedInFiscalYear = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            diesel::dsl::Filter<c::table, diesel::dsl::GtEq<c::opens_on, NaiveDate>>,
            diesel::dsl::LtEq<c::opens_on, NaiveDate>,
        >,
        diesel::dsl::IsNotNull<c::published_at>,
    >,
    diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
>;

/// What the staff work page shows of a consultation.
pub struct Work {
    pub detail: Detail,
    /// Every opinion, with who sent it.
    pub opinions: Vec<opinions::StaffOpinion>,
    /// The result table, drafts included; `drafts` are the ids of those not yet published.
    pub items: Vec<result::Item>,
    pub drafts: Vec<i32>,
    /// The scans of paper opinions by opinion id (web ones have none).
    pub scans: HashMap<String, Vec<Attachment>>,
}

/// The consultation as its staff work on it: with every opinion and the result table.
pub fn work(conn: &mut PgConnection, id: i32) -> Result<Work> {
    let detail = detail(conn, id)?.ok_or(Error::NotFound)?;
    let opinions = opinions::staff_opinions(conn, id)?;
    let paper: Vec<String> = opinions
        .iter()
        .filter(|o| o.channel != Channel::Web.code())
        .map(|o| o.id.to_string())
        .collect();
    let scans =
        crate::attachments::model::list_by_owner(conn, OwnerKind::ConsultationComment, &paper)?;
    let (items, drafts) = result::staff_items(conn, id)?;
    Ok(Work {
        detail,
        opinions,
        items,
        drafts,
        scans,
    })
}
