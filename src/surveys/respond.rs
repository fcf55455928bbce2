//! The answer store (回答): who answers (a respondent key, kept only as a digest), drafts to
//! resume, submitting once per person, test answers on a draft survey, paper answers staff
//! type in, and the one-time codes printed on paper invitations.
//!
//! One response per respondent: `survey_responses` is UNIQUE (survey_id, respondent), and every
//! write upserts that row first, which locks it; a second tab sending at the same moment waits,
//! then finds the response submitted and is told 「回答済み」. An anonymous or code response
//! stores no account: its respondent digest is salted with the survey, so it cannot be matched
//! to anything else.
//!
//! Refusals that keep the typed form on the page are `Error::Refused`: `msg.survey_not_open`
//! and `msg.survey_closed` (the window), `msg.survey_already_answered`,
//! `msg.survey_code_invalid`; per-question mistakes come back as [`Submit::Fix`].

use super::model::Full;
use super::rules::{self, Access, Answer, Channel, Completeness, State, Submitted, Value};
use crate::db::schema::{survey_answers as sa, survey_codes as codes, survey_responses as sr};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::tokens;
use crate::web::forms::ascii_digit;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::Rng;
use uuid::Uuid;

/// The cookie holding an anonymous respondent's per-browser token (HttpOnly, SameSite=Lax, a
/// year).
pub const COOKIE: &str = "kyodo_respondent";

/// Letters and digits that are hard to confuse on paper (no 0/O, 1/I/L), for codes people
/// type from a printed page and read off a receipt.
const READABLE: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A one-time code's length, without its hyphens: 12 of 31 symbols, about 59 bits.
const CODE_LENGTH: usize = 12;

/// A receipt's length (受付番号).
const RECEIPT_LENGTH: usize = 8;

fn readable(length: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..length)
        .map(|_| READABLE[rng.gen_range(0..READABLE.len())] as char)
        .collect()
}

/// Who answers (回答者): the one-per-person key, by the survey's access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Respondent {
    /// A signed-in account (access = account): stored with the response.
    Account(Uuid),
    /// The browser's token from [`COOKIE`] (access = anonymous); nothing of the account.
    Browser(String),
    /// The code printed on the invitation (access = code), as typed.
    Code(String),
}

impl Respondent {
    fn fits(&self, access: Access) -> bool {
        matches!(
            (self, access),
            (Respondent::Account(_), Access::Account)
                | (Respondent::Browser(_), Access::Anonymous)
                | (Respondent::Code(_), Access::Code)
        )
    }

    fn key(&self) -> String {
        match self {
            Respondent::Account(id) => format!("account:{id}"),
            Respondent::Browser(token) => token.clone(),
            Respondent::Code(code) => normalise_code(code),
        }
    }

    /// The account stored with the response: only for access = account.
    fn account(&self) -> Option<Uuid> {
        match self {
            Respondent::Account(id) => Some(*id),
            Respondent::Browser(_) | Respondent::Code(_) => None,
        }
    }
}

/// What the database keeps of a respondent of `survey`: a digest salted with the survey, so
/// one person's responses to two surveys cannot be linked.
pub fn respondent_digest(survey: i32, who: &Respondent) -> String {
    tokens::digest(&format!("survey:{survey}:{}", who.key()))
}

/// A code as printed, whatever way it was typed: full-width, lower case, with spaces or
/// hyphens.
pub fn normalise_code(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => ascii_digit(c),
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A new code as it is printed: `ABCD-EFGH-JKLM`.
fn new_code() -> String {
    let raw = readable(CODE_LENGTH);
    format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
}

/// What the receipt page shows (受付番号) once a response is submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub response: i32,
    pub receipt: String,
    pub submitted_at: DateTime<Utc>,
}

/// A submission's outcome: done, or what to fix per question (nothing stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submit {
    Done(Receipt),
    Fix(Vec<(i32, Refusal)>),
}

/// A respondent's saved response, to resume or to say it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub response: i32,
    pub submitted: bool,
    pub receipt: Option<String>,
    pub answers: Vec<Answer>,
}

fn refuse(key: &'static str) -> Error {
    Error::Refused(Refusal::new(key))
}

/// The respondent may answer this survey now: open, and the key of its access.
fn may_answer(full: &Full, who: &Respondent, now: DateTime<Utc>) -> Result<()> {
    if !who.fits(full.survey.access) {
        return Err(Error::NotFound);
    }
    match full.survey.state(now).refuses_answers() {
        Some(refusal) => Err(Error::Refused(refusal)),
        None => Ok(()),
    }
}

/// A new response row, or the existing one of `respondent`, locked until the transaction
/// ends; with its status. A submitted one is refused as already answered.
fn claim(
    conn: &mut PgConnection,
    survey: i32,
    respondent: &str,
    account: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<i32> {
    let (id, status): (i32, String) = diesel::insert_into(sr::table)
        .values((
            sr::survey_id.eq(survey),
            sr::respondent.eq(respondent),
            sr::account_id.eq(account),
            sr::status.eq("draft"),
            sr::created_at.eq(now),
            sr::updated_at.eq(now),
        ))
        .on_conflict((sr::survey_id, sr::respondent))
        .do_update()
        .set(sr::updated_at.eq(now))
        .returning((sr::id, sr::status))
        .get_result(conn)?;
    if status == "submitted" {
        return Err(refuse("msg.survey_already_answered"));
    }
    Ok(id)
}

/// Replaces a response's answers. Free text waits for moderation.
fn store_answers(conn: &mut PgConnection, response: i32, answers: &[Answer]) -> Result<()> {
    diesel::delete(sa::table.filter(sa::response_id.eq(response))).execute(conn)?;
    let rows: Vec<_> = answers
        .iter()
        .map(|a| {
            let (row, choice, number, text) = match &a.value {
                Value::Choice(c) => (None, Some(*c), None, None),
                Value::Row { row, choice } => (Some(*row), Some(*choice), None, None),
                Value::Number(n) => (None, None, Some(*n), None),
                Value::Text(t) => (None, None, None, Some(t.clone())),
            };
            (
                sa::response_id.eq(response),
                sa::question_id.eq(a.question),
                sa::row_id.eq(row),
                sa::choice_id.eq(choice),
                sa::number.eq(number),
                sa::text_state.eq(text.as_ref().map(|_| "pending")),
                sa::text.eq(text),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(sa::table).values(rows).execute(conn)?;
    }
    Ok(())
}

/// Marks a response submitted with a new receipt.
fn seal(conn: &mut PgConnection, response: i32, now: DateTime<Utc>) -> Result<Receipt> {
    let receipt = readable(RECEIPT_LENGTH);
    diesel::update(sr::table.find(response))
        .set((
            sr::status.eq("submitted"),
            sr::receipt.eq(&receipt),
            sr::submitted_at.eq(now),
            sr::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Receipt {
        response,
        receipt,
        submitted_at: now,
    })
}

/// Whether `code` is one of the survey's codes and not used yet.
pub fn code_usable(conn: &mut PgConnection, survey: i32, code: &str) -> Result<bool> {
    let unused: i64 = codes::table
        .filter(codes::survey_id.eq(survey))
        .filter(codes::digest.eq(tokens::digest(&normalise_code(code))))
        .filter(codes::used_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(unused > 0)
}

/// Uses a code once: refused when it is unknown or already used.
fn use_code(conn: &mut PgConnection, survey: i32, code: &str, now: DateTime<Utc>) -> Result<()> {
    let used = diesel::update(
        codes::table
            .filter(codes::survey_id.eq(survey))
            .filter(codes::digest.eq(tokens::digest(&normalise_code(code))))
            .filter(codes::used_at.is_null()),
    )
    .set(codes::used_at.eq(now))
    .execute(conn)?;
    if used == 1 {
        Ok(())
    } else {
        Err(refuse("msg.survey_code_invalid"))
    }
}

/// Saves what was typed so far (途中保存) to resume later: the answers that read well are kept,
/// the per-question mistakes returned to show. Refused when the survey is not open, the code
/// is not usable, or the respondent already submitted.
pub fn save_draft(
    conn: &mut PgConnection,
    full: &Full,
    who: &Respondent,
    form: &Submitted,
    now: DateTime<Utc>,
) -> Result<Vec<(i32, Refusal)>> {
    may_answer(full, who, now)?;
    let id = full.survey.id;
    let checked = rules::check(&full.shapes(), form, Completeness::Draft);
    conn.transaction(|conn| {
        if let Respondent::Code(code) = who {
            if !code_usable(conn, id, code)? {
                return Err(refuse("msg.survey_code_invalid"));
            }
        }
        let response = claim(conn, id, &respondent_digest(id, who), who.account(), now)?;
        store_answers(conn, response, &checked.answers)
    })?;
    Ok(checked.errors)
}

/// Sends a response: read against the questions (answers to hidden questions dropped), then
/// stored once per respondent, a code used once, with a receipt.
pub fn submit(
    conn: &mut PgConnection,
    full: &Full,
    who: &Respondent,
    form: &Submitted,
    now: DateTime<Utc>,
) -> Result<Submit> {
    may_answer(full, who, now)?;
    let answers = match rules::check(&full.shapes(), form, Completeness::Final).into_answers() {
        Ok(answers) => answers,
        Err(fix) => return Ok(Submit::Fix(fix)),
    };
    let id = full.survey.id;
    conn.transaction(|conn| {
        let response = claim(conn, id, &respondent_digest(id, who), who.account(), now)?;
        if let Respondent::Code(code) = who {
            use_code(conn, id, code, now)?;
        }
        store_answers(conn, response, &answers)?;
        seal(conn, response, now).map(Submit::Done)
    })
}

/// A response nobody else answers as: staff's test answers and paper entries, each its own.
fn once_off(
    conn: &mut PgConnection,
    full: &Full,
    staff: Uuid,
    channel: Channel,
    is_test: bool,
    form: &Submitted,
    now: DateTime<Utc>,
) -> Result<Submit> {
    let answers = match rules::check(&full.shapes(), form, Completeness::Final).into_answers() {
        Ok(answers) => answers,
        Err(fix) => return Ok(Submit::Fix(fix)),
    };
    let id = full.survey.id;
    let respondent = tokens::digest(&format!("survey:{id}:staff:{}", tokens::new_secret()));
    conn.transaction(|conn| {
        let response: i32 = diesel::insert_into(sr::table)
            .values((
                sr::survey_id.eq(id),
                sr::respondent.eq(&respondent),
                sr::status.eq("draft"),
                sr::channel.eq(channel.as_str()),
                sr::is_test.eq(is_test),
                sr::entered_by.eq(staff),
                sr::created_at.eq(now),
                sr::updated_at.eq(now),
            ))
            .returning(sr::id)
            .get_result(conn)?;
        store_answers(conn, response, &answers)?;
        seal(conn, response, now).map(Submit::Done)
    })
}

/// A test answer by staff (テスト回答) on a draft survey: counted nowhere, deleted on publish.
pub fn submit_test(
    conn: &mut PgConnection,
    full: &Full,
    staff: Uuid,
    form: &Submitted,
    now: DateTime<Utc>,
) -> Result<Submit> {
    if full.survey.state(now) != State::Draft {
        return Err(refuse("msg.survey_test_draft_only"));
    }
    once_off(conn, full, staff, Channel::Web, true, form, now)
}

/// A paper (or phone, counter …) answer staff type in, with its channel: for a published
/// survey, also after it closed (post arrives late), never for one not yet open.
pub fn enter(
    conn: &mut PgConnection,
    full: &Full,
    staff: Uuid,
    channel: Channel,
    form: &Submitted,
    now: DateTime<Utc>,
) -> Result<Submit> {
    if channel == Channel::Web {
        return Err(Error::Refused(
            Refusal::new("msg.survey_value_unknown").with("value", channel.as_str()),
        ));
    }
    match full.survey.state(now) {
        State::Open | State::Closed => {}
        State::Draft | State::Scheduled => return Err(refuse("msg.survey_not_open")),
    }
    once_off(conn, full, staff, channel, false, form, now)
}

/// A stored answer: question, row, choice, number, text.
type AnswerRow = (i32, Option<i32>, Option<i32>, Option<i32>, Option<String>);

/// The respondent's response to `survey`, draft or sent, with its answers. Two queries.
pub fn saved(conn: &mut PgConnection, survey: i32, who: &Respondent) -> Result<Option<Saved>> {
    let found: Option<(i32, String, Option<String>)> = sr::table
        .filter(sr::survey_id.eq(survey))
        .filter(sr::respondent.eq(respondent_digest(survey, who)))
        .select((sr::id, sr::status, sr::receipt))
        .first(conn)
        .optional()?;
    let Some((response, status, receipt)) = found else {
        return Ok(None);
    };
    let rows: Vec<AnswerRow> = sa::table
        .filter(sa::response_id.eq(response))
        .order(sa::id)
        .select((
            sa::question_id,
            sa::row_id,
            sa::choice_id,
            sa::number,
            sa::text,
        ))
        .load(conn)?;
    let answers = rows
        .into_iter()
        .filter_map(|(question, row, choice, number, text)| {
            let value = match (row, choice, number, text) {
                (Some(row), Some(choice), _, _) => Value::Row { row, choice },
                (None, Some(choice), _, _) => Value::Choice(choice),
                (_, None, Some(n), _) => Value::Number(n),
                (_, None, None, Some(t)) => Value::Text(t),
                _ => return None,
            };
            Some(Answer { question, value })
        })
        .collect();
    Ok(Some(Saved {
        response,
        submitted: status == "submitted",
        receipt,
        answers,
    }))
}

/// `n` new one-time codes for a survey's paper invitations, returned once to be printed; only
/// their digests are stored.
pub fn new_codes(conn: &mut PgConnection, survey: i32, n: usize) -> Result<Vec<String>> {
    let printed: Vec<String> = (0..n).map(|_| new_code()).collect();
    let rows: Vec<_> = printed
        .iter()
        .map(|code| {
            (
                codes::survey_id.eq(survey),
                codes::digest.eq(tokens::digest(&normalise_code(code))),
            )
        })
        .collect();
    for chunk in rows.chunks(1000) {
        diesel::insert_into(codes::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(printed)
}

/// How many test answers staff sent to a survey (shown on its builder page). One query.
pub fn tests(conn: &mut PgConnection, survey: i32) -> Result<i64> {
    Ok(sr::table
        .filter(sr::survey_id.eq(survey))
        .filter(sr::is_test.eq(true))
        .count()
        .get_result(conn)?)
}

/// Deletes a survey's test answers: the builder calls it when publishing. Returns how many.
pub fn delete_tests(conn: &mut PgConnection, survey: i32) -> Result<usize> {
    Ok(diesel::delete(
        sr::table
            .filter(sr::survey_id.eq(survey))
            .filter(sr::is_test.eq(true)),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respondents_are_salted_per_survey_and_unlinkable() {
        let account = Uuid::nil();
        let a = respondent_digest(1, &Respondent::Account(account));
        assert_eq!(a, tokens::digest(&format!("survey:1:account:{account}")));
        assert_ne!(a, respondent_digest(2, &Respondent::Account(account)));
        assert_eq!(
            respondent_digest(1, &Respondent::Code("abcd-efgh".into())),
            respondent_digest(1, &Respondent::Code("ＡＢＣＤ ＥＦＧＨ".into()))
        );
        assert_eq!(
            respondent_digest(1, &Respondent::Browser("t".into())),
            tokens::digest("survey:1:t")
        );
        assert_eq!(Respondent::Browser("t".into()).account(), None);
        assert_eq!(Respondent::Code("c".into()).account(), None);
        assert_eq!(Respondent::Account(account).account(), Some(account));
    }

    #[test]
    fn a_respondent_fits_only_its_access() {
        assert!(Respondent::Account(Uuid::nil()).fits(Access::Account));
        assert!(Respondent::Browser("t".into()).fits(Access::Anonymous));
        assert!(Respondent::Code("c".into()).fits(Access::Code));
        assert!(!Respondent::Account(Uuid::nil()).fits(Access::Anonymous));
        assert!(!Respondent::Browser("t".into()).fits(Access::Code));
    }

    #[test]
    fn codes_are_readable_and_read_back_however_typed() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(normalise_code(&code).bytes().all(|b| READABLE.contains(&b)));
        assert_eq!(normalise_code(" ab-２c\u{3000}ｄ "), "AB2CD");
        assert_ne!(new_code(), new_code());
        assert_eq!(readable(RECEIPT_LENGTH).len(), 8);
    }
}
