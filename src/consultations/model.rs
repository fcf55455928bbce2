//! Consultations in the database. Every change runs in one transaction with its audit entry
//! (and its emails, through the outbox). Public queries select their columns by name and never
//! the submitter's name, address or email: only [`staff_opinions`] reads those.

use super::fields::{Channel, Section};
use super::period::{self, day_of, receipt_number, Milestones, Period, State};
use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::db::schema::{
    consultation_comments as cc, consultation_measures as cm, consultation_notices as cn,
    consultation_result_items as ri, consultation_sections as cs, consultations as c, departments,
    measures,
};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

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
        period: Period::new(r.5, r.6).map_err(Error::Internal)?,
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

/// Every consultation with its number of opinions, newest period first. Two queries.
pub fn list(conn: &mut PgConnection) -> Result<Vec<(Consultation, i64)>> {
    let rows: Vec<Row> = c::table
        .inner_join(departments::table)
        .order((c::opens_on.desc(), c::id.desc()))
        .select(consultation_columns!())
        .load(conn)?;
    let counts: std::collections::HashMap<i32, i64> = cc::table
        .group_by(cc::consultation_id)
        .select((cc::consultation_id, diesel::dsl::count_star()))
        .load::<(i32, i64)>(conn)?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|r| {
            let n = counts.get(&r.0).copied().unwrap_or(0);
            Ok((from_row(r)?, n))
        })
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
    c::table
        .inner_join(departments::table)
        .filter(c::id.eq(id))
        .select(consultation_columns!())
        .first::<Row>(conn)
        .optional()?
        .map(from_row)
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
    let Some(consultation) = find(conn, id)? else {
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
    let comment_count = cc::table
        .filter(cc::consultation_id.eq(id))
        .count()
        .get_result(conn)?;
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

/// A new consultation from the staff form.
pub struct NewConsultation {
    pub title: String,
    pub department_id: i32,
    pub summary: String,
    pub period: Period,
    pub short_period_reason: Option<String>,
    pub identity_required: bool,
    pub measures: Vec<String>,
    pub sections: Vec<Section>,
}

/// What must hold of a new or edited draft: its period is not over at `now`, its department
/// and measures exist, and something is consulted on. The field at fault and the message.
fn check(
    conn: &mut PgConnection,
    new: &NewConsultation,
    now: DateTime<Utc>,
) -> Result<Result<(), (&'static str, String)>> {
    if let Err(message) = new.period.not_over(now) {
        return Ok(Err(("closes_on", message)));
    }
    let department: bool = diesel::select(diesel::dsl::exists(
        departments::table.filter(departments::id.eq(new.department_id)),
    ))
    .get_result(conn)?;
    if !department {
        return Ok(Err(("department", "担当課を選んでください。".into())));
    }
    let known: i64 = measures::table
        .filter(measures::code.eq_any(&new.measures))
        .count()
        .get_result(conn)?;
    if known != new.measures.len() as i64 {
        return Ok(Err(("measures", "施策の番号が見つかりません。".into())));
    }
    if new.measures.is_empty() && new.sections.is_empty() {
        return Ok(Err((
            "measures",
            "意見を求める施策を選ぶか、案の本文（項目）を入力してください。".into(),
        )));
    }
    Ok(Ok(()))
}

/// The columns of `consultations` the staff form sets, on creating and on editing alike.
type Columns<'a> = (
    diesel::dsl::Eq<c::title, &'a String>,
    diesel::dsl::Eq<c::department_id, i32>,
    diesel::dsl::Eq<c::summary, &'a String>,
    diesel::dsl::Eq<c::opens_on, NaiveDate>,
    diesel::dsl::Eq<c::closes_on, NaiveDate>,
    diesel::dsl::Eq<c::short_period_reason, &'a Option<String>>,
    diesel::dsl::Eq<c::identity_required, bool>,
);

fn columns(new: &NewConsultation) -> Columns<'_> {
    (
        c::title.eq(&new.title),
        c::department_id.eq(new.department_id),
        c::summary.eq(&new.summary),
        c::opens_on.eq(new.period.opens_on()),
        c::closes_on.eq(new.period.closes_on()),
        c::short_period_reason.eq(&new.short_period_reason),
        c::identity_required.eq(new.identity_required),
    )
}

/// Writes the measures and numbered sections of a consultation (replacing any) and the audit
/// entry of the change (`action`).
fn write_contents(
    conn: &mut PgConnection,
    id: i32,
    new: &NewConsultation,
    action: &'static str,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<()> {
    diesel::delete(cm::table.filter(cm::consultation_id.eq(id))).execute(conn)?;
    diesel::delete(cs::table.filter(cs::consultation_id.eq(id))).execute(conn)?;
    for code in &new.measures {
        diesel::insert_into(cm::table)
            .values((cm::consultation_id.eq(id), cm::measure_code.eq(code)))
            .execute(conn)?;
    }
    for (i, s) in new.sections.iter().enumerate() {
        diesel::insert_into(cs::table)
            .values((
                cs::consultation_id.eq(id),
                cs::number.eq(i as i32 + 1),
                cs::heading.eq(&s.heading),
                cs::body.eq(&s.body),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        Entry {
            actor: Some(actor),
            action,
            record: Some(("consultation", id.to_string())),
            ip,
            details: json!({
                "title": new.title,
                "opens_on": new.period.opens_on().to_string(),
                "closes_on": new.period.closes_on().to_string(),
                "short_period_reason": new.short_period_reason,
            }),
        },
    )?;
    Ok(())
}

/// Changes a draft (公示前); once announced, the text changes only by a correction (正誤) and
/// the deadline only by an extension, each with its public notice. The field at fault and the
/// message otherwise.
pub fn update(
    conn: &mut PgConnection,
    id: i32,
    new: &NewConsultation,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<(), (&'static str, String)>> {
    conn.transaction(|conn| {
        let current = lock(conn, id)?;
        if current.state(now) != State::Draft {
            return Ok(Err(("form", NOT_A_DRAFT.into())));
        }
        if let Err(refused) = check(conn, new, now)? {
            return Ok(Err(refused));
        }
        diesel::update(c::table.filter(c::id.eq(id)))
            .set(columns(new))
            .execute(conn)?;
        write_contents(conn, id, new, "consultation.update", actor, ip)?;
        Ok(Ok(()))
    })
}

/// Why a consultation once announced is not edited as a draft.
pub const NOT_A_DRAFT: &str = "公示した意見公募は編集できません。本文の訂正は「正誤」で、締切日は「締切の延長」で、お知らせとともに変更してください。";

/// Saves a consultation as a draft (公示前), seen by staff only until [`announce`]; refuses a
/// period over at `now` and an unknown department or measure. Returns its id.
pub fn create(
    conn: &mut PgConnection,
    new: &NewConsultation,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<i32, (&'static str, String)>> {
    conn.transaction(|conn| {
        if let Err(refused) = check(conn, new, now)? {
            return Ok(Err(refused));
        }
        let id: i32 = diesel::insert_into(c::table)
            .values((columns(new), c::created_by.eq(actor)))
            .returning(c::id)
            .get_result(conn)?;
        write_contents(conn, id, new, "consultation.create", actor, ip)?;
        Ok(Ok(id))
    })
}

/// An opinion (意見) as submitted on line or typed in from paper.
pub struct Opinion {
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub section: Option<i32>,
    pub body: String,
    pub account: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub submitter_name: Option<String>,
    pub submitter_address: Option<String>,
    pub submitter_email: Option<String>,
    /// The staff member who typed in a paper opinion.
    pub entered_by: Option<Uuid>,
}

/// Why an opinion was not recorded; the message says what to do.
#[derive(Debug)]
pub struct Refused {
    pub field: &'static str,
    pub message: String,
}

pub(super) fn refused<T>(
    field: &'static str,
    message: impl Into<String>,
) -> Result<Result<T, Refused>> {
    Ok(Err(Refused {
        field,
        message: message.into(),
    }))
}

/// Whether `account` submitted the opinion with this receipt number to this consultation: the
/// receipt page is theirs alone.
pub fn is_own_receipt(
    conn: &mut PgConnection,
    id: i32,
    number: &str,
    account: Uuid,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        cc::table
            .filter(cc::consultation_id.eq(id))
            .filter(cc::receipt_number.eq(number))
            .filter(cc::account_id.eq(account)),
    ))
    .get_result(conn)?)
}

/// Records an opinion if it came in time (`received_at` within the period; an on-line one is
/// received at `now`), gives it the next receipt number (受付番号) and sends the receipt email
/// to a resident's account. The consultation row is locked so numbers never repeat.
pub fn submit(
    conn: &mut PgConnection,
    id: i32,
    opinion: &Opinion,
    now: DateTime<Utc>,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<String, Refused>> {
    conn.transaction(|conn| {
        let consultation = lock(conn, id)?;
        let period = consultation.period;
        let at = opinion.received_at;
        let state = consultation.state(now);
        match (state, consultation.withdrawn_at) {
            (State::Draft, _) => {
                return refused("body", "公示前の意見公募には意見を記録できません。")
            }
            (State::Withdrawn, Some(at)) => {
                return refused(
                    "body",
                    format!(
                        "この意見募集は{}に中止しました。意見は受け付けられませんでした。入力した内容は下に残っています。",
                        crate::wareki::date_ja(at)
                    ),
                )
            }
            (State::Open, _) => {}
            _ if opinion.channel != Channel::Web => {}
            (State::Scheduled, _) => {
                return refused(
                    "body",
                    format!(
                        "この意見募集は{}から受け付けます。まだ提出できません。",
                        crate::wareki::date_ja(period.opens_at())
                    ),
                )
            }
            _ => {
                return refused(
                    "body",
                    format!(
                        "この意見募集は{}の23時59分59秒（日本時間）で締め切りました。意見は受け付けられませんでした。入力した内容は下に残っています。",
                        crate::wareki::date_ja(period.last_day_at())
                    ),
                )
            }
        }
        if !period.contains(at) || at > now {
            return refused(
                "received_on",
                "受付日は意見募集の期間内（今日まで）の日付にしてください。",
            );
        }
        if let Some(section) = opinion.section {
            let known: bool = diesel::select(diesel::dsl::exists(
                cs::table
                    .filter(cs::id.eq(section))
                    .filter(cs::consultation_id.eq(id)),
            ))
            .get_result(conn)?;
            if !known {
                return refused("section", "意見の対象となる項目を選び直してください。");
            }
        }
        let seq: i32 = cc::table
            .filter(cc::consultation_id.eq(id))
            .select(diesel::dsl::max(cc::receipt_seq))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0)
            + 1;
        let number = receipt_number(period.opens_on(), id, seq);
        // Someone without an account hears by the address they gave, with their own token.
        let offline_address = opinion
            .submitter_email
            .as_ref()
            .filter(|_| opinion.account.is_none());
        let token = offline_address.map(|_| crate::tokens::new_secret());
        let comment: i32 = diesel::insert_into(cc::table)
            .values((
                cc::consultation_id.eq(id),
                cc::receipt_seq.eq(seq),
                cc::receipt_number.eq(&number),
                cc::channel.eq(opinion.channel.code()),
                cc::received_at.eq(at),
                cc::section_id.eq(opinion.section),
                cc::body.eq(&opinion.body),
                cc::account_id.eq(opinion.account),
                cc::organisation_name.eq(&opinion.organisation_name),
                cc::submitter_name.eq(&opinion.submitter_name),
                cc::submitter_address.eq(&opinion.submitter_address),
                cc::submitter_email.eq(&opinion.submitter_email),
                cc::notify_token.eq(&token),
                cc::entered_by.eq(opinion.entered_by),
            ))
            .returning(cc::id)
            .get_result(conn)?;
        audit::record(
            conn,
            Entry {
                actor: opinion.entered_by.or(opinion.account),
                action: if opinion.channel == Channel::Web {
                    "consultation.opinion"
                } else {
                    "consultation.opinion_entered"
                },
                record: Some(("consultation_comment", comment.to_string())),
                ip,
                details: json!({ "consultation": id, "receipt": number, "channel": opinion.channel.code() }),
            },
        )?;
        if consultation.result_published_at.is_some() {
            // A paper opinion found after publication: the published counts include it.
            store_tally(conn, id)?;
        }
        let link = format!("{}/consultations/{id}", public_url.trim_end_matches('/'));
        let context = json!({
            "title": consultation.title,
            "receipt": number,
            "link": link,
            "received": crate::wareki::date_ja(at),
        });
        if let Some(account) = opinion.account {
            notify_account(conn, public_url, account, "consultation_receipt", |_| {
                context.clone()
            })?;
        }
        if let (Some(address), Some(token)) = (offline_address, &token) {
            notify_address(conn, public_url, address, token, "consultation_receipt", context)?;
        }
        Ok(Ok(number))
    })
}

/// The one-click unsubscribe link of a submitter without an account.
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!(
        "{}/consultations/unsubscribe?token={token}",
        public_url.trim_end_matches('/')
    )
}

/// An email to an address a paper submitter gave (in Japanese: the city's paper forms are).
fn notify_address(
    conn: &mut PgConnection,
    public_url: &str,
    address: &str,
    token: &str,
    template: &'static str,
    context: serde_json::Value,
) -> Result<()> {
    crate::notify::enqueue(
        conn,
        crate::notify::Message {
            to_address: address.to_owned(),
            to_name: None,
            lang: crate::web::i18n::Lang::Ja,
            template,
            context,
            category: crate::notify::Category::Notification,
            unsubscribe_url: Some(unsubscribe_url(public_url, token)),
        },
    )?;
    Ok(())
}

/// Forgets the address behind `token` (one-click unsubscribe): no more emails, and the
/// address is no longer kept. Whether the token was known.
pub fn unsubscribe(conn: &mut PgConnection, token: &str) -> Result<bool> {
    Ok(diesel::update(cc::table.filter(cc::notify_token.eq(token)))
        .set((
            cc::submitter_email.eq(None::<String>),
            cc::notify_token.eq(None::<String>),
        ))
        .execute(conn)?
        > 0)
}

/// An opinion as staff see it, with the private details.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct StaffOpinion {
    pub id: i32,
    pub receipt_number: String,
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub section: Option<i32>,
    pub body: String,
    pub organisation_name: Option<String>,
    pub submitter_name: Option<String>,
    pub submitter_address: Option<String>,
    pub submitter_email: Option<String>,
    pub item: Option<i32>,
    pub excluded_reason: Option<String>,
}

/// Every opinion of a consultation with the submitter's details: staff pages only.
pub fn staff_opinions(conn: &mut PgConnection, id: i32) -> Result<Vec<StaffOpinion>> {
    Ok(cc::table
        .left_join(cs::table)
        .left_join(ri::table)
        .filter(cc::consultation_id.eq(id))
        .order(cc::receipt_seq)
        .select((
            cc::id,
            cc::receipt_number,
            cc::channel,
            cc::received_at,
            cs::number.nullable(),
            cc::body,
            cc::organisation_name,
            cc::submitter_name,
            cc::submitter_address,
            cc::submitter_email,
            ri::number.nullable(),
            cc::excluded_reason,
        ))
        .load(conn)?)
}

/// One row of the result table.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct Item {
    pub id: i32,
    pub number: i32,
    pub summary: String,
    pub response: String,
    pub changed: bool,
    pub change: Option<String>,
}

pub fn items(conn: &mut PgConnection, id: i32) -> Result<Vec<Item>> {
    Ok(ri::table
        .filter(ri::consultation_id.eq(id))
        .order(ri::number)
        .select((
            ri::id,
            ri::number,
            ri::summary,
            ri::response,
            ri::changed,
            ri::change,
        ))
        .load(conn)?)
}

/// A new row of the result table and the opinions (by receipt number) it answers.
pub struct NewItem {
    pub summary: String,
    pub response: String,
    pub changed: bool,
    pub change: Option<String>,
    pub receipts: Vec<String>,
}

/// Only after the consultation closed may its result be written.
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

/// The consultation, locked, once it has closed: its result is written only then, and never
/// for one that was not announced or was withdrawn.
fn closed(conn: &mut PgConnection, id: i32, now: DateTime<Utc>) -> Result<Consultation> {
    let consultation = lock(conn, id)?;
    let state = consultation.state(now);
    if state.takes_result() {
        return Ok(consultation);
    }
    Err(Error::BadRequest(
        match state {
            State::Draft => "公示していない意見公募には、結果を作成できません。",
            State::Withdrawn => "中止した意見公募には、結果を作成できません。",
            _ => "意見募集の結果は、募集が終わってから作成できます。",
        }
        .into(),
    ))
}

pub fn add_item(
    conn: &mut PgConnection,
    id: i32,
    item: &NewItem,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<i32, Refused>> {
    conn.transaction(|conn| {
        closed(conn, id, now)?;
        let known: Vec<String> = cc::table
            .filter(cc::consultation_id.eq(id))
            .filter(cc::receipt_number.eq_any(&item.receipts))
            .select(cc::receipt_number)
            .load(conn)?;
        if let Some(unknown) = item.receipts.iter().find(|r| !known.contains(r)) {
            return Ok(Err(Refused {
                field: "receipts",
                message: format!("受付番号「{unknown}」の意見はこの意見募集にありません。"),
            }));
        }
        let number: i32 = ri::table
            .filter(ri::consultation_id.eq(id))
            .select(diesel::dsl::max(ri::number))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0)
            + 1;
        let item_id: i32 = diesel::insert_into(ri::table)
            .values((
                ri::consultation_id.eq(id),
                ri::number.eq(number),
                ri::summary.eq(&item.summary),
                ri::response.eq(&item.response),
                ri::changed.eq(item.changed),
                ri::change.eq(&item.change),
            ))
            .returning(ri::id)
            .get_result(conn)?;
        diesel::update(
            cc::table
                .filter(cc::consultation_id.eq(id))
                .filter(cc::receipt_number.eq_any(&item.receipts)),
        )
        .set(cc::item_id.eq(item_id))
        .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.result_item",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "number": number, "changed": item.changed, "receipts": item.receipts }),
            },
        )?;
        Ok(Ok(number))
    })
}

/// Keeps an opinion out of the published result, with the reason recorded.
pub fn exclude(
    conn: &mut PgConnection,
    id: i32,
    receipt: &str,
    reason: &str,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        closed(conn, id, now)?;
        let updated = diesel::update(
            cc::table
                .filter(cc::consultation_id.eq(id))
                .filter(cc::receipt_number.eq(receipt)),
        )
        .set((
            cc::excluded_reason.eq(reason),
            cc::excluded_by.eq(actor),
            cc::excluded_at.eq(now),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Ok(Err(Refused {
                field: "receipt",
                message: format!("受付番号「{receipt}」の意見はこの意見募集にありません。"),
            }));
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.exclude",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "receipt": receipt, "reason": reason }),
            },
        )?;
        Ok(Ok(()))
    })
}

/// Publishes the result (意見募集の結果の公表). Every opinion must be answered by an item or
/// excluded. The first publication emails each submitter ([`tell`]); publishing again
/// (after a correction) keeps the first date and sends nothing.
pub fn publish(
    conn: &mut PgConnection,
    id: i32,
    now: DateTime<Utc>,
    actor: Uuid,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<(), Refused>> {
    conn.transaction(|conn| {
        let consultation = closed(conn, id, now)?;
        let open: Vec<String> = cc::table
            .filter(cc::consultation_id.eq(id))
            .filter(cc::item_id.is_null())
            .filter(cc::excluded_at.is_null())
            .order(cc::receipt_seq)
            .select(cc::receipt_number)
            .load(conn)?;
        if !open.is_empty() {
            return Ok(Err(Refused {
                field: "publish",
                message: format!(
                    "市の考え方に対応づけられていない意見があります（受付番号：{}）。項目に対応づけるか、公表しない理由を記録してください。",
                    open.join("、")
                ),
            }));
        }
        store_tally(conn, id)?;
        let first = consultation.result_published_at.is_none();
        if first {
            diesel::update(c::table.filter(c::id.eq(id)))
                .set(c::result_published_at.eq(now))
                .execute(conn)?;
            let link = format!("{}/consultations/{id}/result", public_url.trim_end_matches('/'));
            let context = json!({ "title": consultation.title, "link": link });
            tell(conn, public_url, id, false, "consultation_result", &context)?;
        }
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "consultation.publish",
                record: Some(("consultation", id.to_string())),
                ip,
                details: json!({ "first": first }),
            },
        )?;
        Ok(Ok(()))
    })
}

/// The counts of a published result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub submitters: i64,
    pub comments: i64,
    pub by_channel: Vec<(Channel, i64)>,
}

impl Counts {
    fn to_json(&self) -> serde_json::Value {
        let by_channel: serde_json::Map<String, serde_json::Value> = self
            .by_channel
            .iter()
            .map(|(ch, n)| (ch.code().to_owned(), json!(n)))
            .collect();
        json!({ "submitters": self.submitters, "by_channel": by_channel })
    }

    /// What [`Counts::to_json`] stored; `None` for anything else (then the counts are made live).
    fn from_json(value: &serde_json::Value) -> Option<Counts> {
        let by_channel: Vec<(Channel, i64)> = Channel::ALL
            .into_iter()
            .map(|ch| Some((ch, value["by_channel"].get(ch.code())?.as_i64()?)))
            .collect::<Option<_>>()?;
        Some(Counts {
            submitters: value["submitters"].as_i64()?,
            comments: by_channel.iter().map(|(_, n)| n).sum(),
            by_channel,
        })
    }
}

/// Keeps the counts with the consultation (see migration 000014).
fn store_tally(conn: &mut PgConnection, id: i32) -> Result<()> {
    let tally = counts(conn, id)?.to_json();
    diesel::update(c::table.filter(c::id.eq(id)))
        .set(c::tally.eq(tally))
        .execute(conn)?;
    Ok(())
}

/// The counts of a published result as kept at publication: one row read, however many
/// opinions came.
pub fn published_counts(conn: &mut PgConnection, id: i32) -> Result<Counts> {
    let tally: Option<serde_json::Value> = c::table
        .filter(c::id.eq(id))
        .select(c::tally)
        .first(conn)
        .optional()?
        .flatten();
    match tally.as_ref().and_then(Counts::from_json) {
        Some(counts) => Ok(counts),
        None => counts(conn, id),
    }
}

/// Submitters (an account, else an email, else a name and address, else the receipt) and
/// opinions received, by channel. Counts only: nothing private leaves this query.
fn counts(conn: &mut PgConnection, id: i32) -> Result<Counts> {
    use diesel::sql_types::{BigInt, Integer, Text};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        channel: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = BigInt)]
        people: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT channel, count(*) AS n, 0::bigint AS people FROM consultation_comments
         WHERE consultation_id = $1 GROUP BY channel
         UNION ALL
         SELECT '' AS channel, 0::bigint AS n, count(DISTINCT coalesce(account_id::text,
                lower(submitter_email), submitter_name || '/' || submitter_address, receipt_number)) AS people
         FROM consultation_comments WHERE consultation_id = $1",
    )
    .bind::<Integer, _>(id)
    .load(conn)?;
    let by_channel: Vec<(Channel, i64)> = Channel::ALL
        .into_iter()
        .map(|ch| {
            let n = rows
                .iter()
                .find(|r| r.channel == ch.code())
                .map_or(0, |r| r.n);
            (ch, n)
        })
        .collect();
    Ok(Counts {
        submitters: rows.iter().map(|r| r.people).sum(),
        comments: by_channel.iter().map(|(_, n)| n).sum(),
        by_channel,
    })
}

/// A published opinion's text, without anything about who sent it.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct PublicOpinion {
    pub id: i32,
    pub section: Option<i32>,
    pub item: Option<i32>,
    pub body: String,
}

/// Published (not excluded) opinions after `after` (keyset pagination by id), `limit` rows.
pub fn public_opinions(
    conn: &mut PgConnection,
    id: i32,
    after: i32,
    limit: i64,
) -> Result<Vec<PublicOpinion>> {
    Ok(cc::table
        .left_join(cs::table)
        .left_join(ri::table)
        .filter(cc::consultation_id.eq(id))
        .filter(cc::excluded_at.is_null())
        .filter(cc::id.gt(after))
        .order(cc::id)
        .limit(limit)
        .select((
            cc::id,
            cs::number.nullable(),
            ri::number.nullable(),
            cc::body,
        ))
        .load(conn)?)
}

/// Consultations opened in fiscal year `year` up to `today` (KPI 6-1 「市民の意見を聴く場の
/// 実施回数」): announced, and not withdrawn before their first day. One query.
pub fn held_in_fiscal_year(conn: &mut PgConnection, year: i32, today: NaiveDate) -> Result<i64> {
    let (first, last) = period::fiscal_year_days(year);
    Ok(c::table
        .filter(c::opens_on.ge(first))
        .filter(c::opens_on.le(last.min(today)))
        .filter(c::published_at.is_not_null())
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "(withdrawn_at IS NULL OR withdrawn_at >= opens_on::timestamp AT TIME ZONE 'Asia/Tokyo')",
        ))
        .count()
        .get_result(conn)?)
}

/// The followers of a consultation's measures, each once.
fn followers(conn: &mut PgConnection, id: i32) -> Result<Vec<Uuid>> {
    use crate::db::schema::measure_follows as mf;
    Ok(mf::table
        .inner_join(cm::table.on(cm::measure_code.eq(mf::measure_code)))
        .filter(cm::consultation_id.eq(id))
        .select(mf::account_id)
        .distinct()
        .load(conn)?)
}

/// Emails `template` to the people of consultation `id`: each resident who sent an opinion
/// from their account, each address given with a paper opinion (with its own unsubscribe link)
/// and, with `with_followers`, the followers of its measures — nobody twice.
pub(super) fn tell(
    conn: &mut PgConnection,
    public_url: &str,
    id: i32,
    with_followers: bool,
    template: &'static str,
    context: &serde_json::Value,
) -> Result<()> {
    let mut accounts: Vec<Uuid> = cc::table
        .filter(cc::consultation_id.eq(id))
        .filter(cc::account_id.is_not_null())
        .select(cc::account_id)
        .distinct()
        .load::<Option<Uuid>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    if with_followers {
        accounts.extend(followers(conn, id)?);
    }
    accounts.sort();
    accounts.dedup();
    for account in accounts {
        notify_account(conn, public_url, account, template, |_| context.clone())?;
    }
    let offline: Vec<(Option<String>, Option<String>)> = cc::table
        .filter(cc::consultation_id.eq(id))
        .filter(cc::account_id.is_null())
        .filter(cc::notify_token.is_not_null())
        .select((cc::submitter_email, cc::notify_token))
        .load(conn)?;
    let mut told: Vec<String> = Vec::new();
    for (address, token) in offline {
        if let (Some(address), Some(token)) = (address, token) {
            // One email per address, however many opinions it sent.
            if !told.contains(&address.to_lowercase()) {
                told.push(address.to_lowercase());
                notify_address(
                    conn,
                    public_url,
                    &address,
                    &token,
                    template,
                    context.clone(),
                )?;
            }
        }
    }
    Ok(())
}

/// Tells the followers of a consultation's measures that it opened, once (`notified_open_at`),
/// when it is both announced and open. Run by the outbox worker's loop and by tests with their
/// clock. A consultation that closed or was withdrawn before anyone was told is marked without
/// emails. Returns the emails written.
pub fn notify_opened(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize> {
    let due: Vec<i32> = c::table
        .filter(c::notified_open_at.is_null())
        .filter(c::published_at.le(now))
        .filter(c::opens_on.le(day_of(now)))
        .select(c::id)
        .load(conn)?;
    let mut sent = 0;
    for id in due {
        sent += conn.transaction(|conn| -> Result<usize> {
            let marked = diesel::update(
                c::table
                    .filter(c::id.eq(id))
                    .filter(c::notified_open_at.is_null()),
            )
            .set(c::notified_open_at.eq(now))
            .execute(conn)?;
            let consultation = find(conn, id)?.ok_or(Error::NotFound)?;
            if marked == 0 || consultation.state(now) != State::Open {
                return Ok(0);
            }
            let followers = followers(conn, id)?;
            let link = format!("{}/consultations/{id}", public_url.trim_end_matches('/'));
            let closes =
                crate::wareki::date_ja(consultation.period.closes_at() - chrono::Duration::days(1));
            for account in &followers {
                notify_account(
                    conn,
                    public_url,
                    *account,
                    "consultation_opened",
                    |_| json!({ "title": consultation.title, "link": link, "closes": closes }),
                )?;
            }
            Ok(followers.len())
        })?;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_counts_read_back_as_they_were() {
        let counts = Counts {
            submitters: 3,
            comments: 5,
            by_channel: Channel::ALL
                .into_iter()
                .enumerate()
                .map(|(i, ch)| (ch, [2, 1, 0, 2, 0, 0][i]))
                .collect(),
        };
        assert_eq!(Counts::from_json(&counts.to_json()), Some(counts));
        assert_eq!(Counts::from_json(&json!({ "submitters": 1 })), None);
        assert_eq!(Counts::from_json(&serde_json::Value::Null), None);
    }
}
