//! Registrations (参加申込み): a seat asked for on line by an account (possibly in the name of an
//! organisation it belongs to), or entered by staff for a person who phoned, came to the
//! counter, emailed or faxed. Each write locks the meeting's row, so two people never take the
//! last seat and the waiting list (キャンセル待ち) moves up in the order people joined it.
//!
//! Staff may enter a registration outside the window residents have (before it opens, after
//! it closes, and while the meeting runs: a walk-in at the door) but never for a draft, a
//! cancelled meeting or one that has ended: nobody can attend those.

use super::emails::{self, Letter, Link, Recipient};
use super::model::{self, Meeting};
use super::rules::{self, Placement, Registration as Window, State};
use crate::audit::{self, Entry};
use crate::auth::fields::{optional_text, Email};
use crate::db::schema::{meeting_registrations as mr, meetings as m, organisations as o};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;
use uuid::Uuid;

/// The longest `needs` (配慮の希望), as the table allows.
pub const MAX_NEEDS: usize = 1000;

/// How a registration reached the city (申込方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Phone,
    Counter,
    Email,
    Fax,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Web,
        Channel::Phone,
        Channel::Counter,
        Channel::Email,
        Channel::Fax,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Counter => "counter",
            Channel::Email => "email",
            Channel::Fax => "fax",
        }
    }

    /// Its name's i18n key.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Web => "meeting.channel.web",
            Channel::Phone => "meeting.channel.phone",
            Channel::Counter => "meeting.channel.counter",
            Channel::Email => "meeting.channel.email",
            Channel::Fax => "meeting.channel.fax",
        }
    }

    /// A channel staff enter by hand: every one but the web form.
    pub fn parse_offline(raw: &str) -> Result<Channel, Refusal> {
        Channel::ALL
            .into_iter()
            .find(|c| *c != Channel::Web && c.code() == raw.trim())
            .ok_or_else(|| Refusal::new("msg.meeting_channel_required"))
    }
}

/// A registration's status (申込みの状態).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 参加確定.
    Confirmed,
    /// キャンセル待ち.
    Waiting,
    /// 取消し.
    Cancelled,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Waiting => "waiting",
            Status::Cancelled => "cancelled",
        }
    }

    pub(super) fn parse(code: &str) -> Result<Status> {
        match code {
            "confirmed" => Ok(Status::Confirmed),
            "waiting" => Ok(Status::Waiting),
            "cancelled" => Ok(Status::Cancelled),
            other => Err(Error::Internal(format!("registration status {other}"))),
        }
    }
}

/// A person staff typed in: no account, a name and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub phone: Option<String>,
    /// Where their emails go (with a link to cancel); none: staff call them.
    pub email: Option<String>,
}

impl Person {
    /// The staff form's fields, each refusal with the field it belongs to.
    pub fn parse(name: &str, phone: &str, email: &str) -> Result<Person, Vec<Refused>> {
        let mut refused = Vec::new();
        let name = keep(
            &mut refused,
            "name",
            optional_text(name, "label.real_name", 200)
                .and_then(|n| n.ok_or_else(|| Refusal::required("label.real_name"))),
        );
        let phone = keep(
            &mut refused,
            "phone",
            optional_text(phone, "label.phone", 40),
        );
        let email = keep(
            &mut refused,
            "email",
            match email.trim() {
                "" => Ok(None),
                raw => Email::parse(raw).map(|e| Some(e.as_str().to_owned())),
            },
        );
        match (name, phone, email) {
            (Some(name), Some(phone), Some(email)) => Ok(Person { name, phone, email }),
            _ => Err(refused),
        }
    }
}

/// The parsed value, or `None` with the refusal noted for `field`.
fn keep<T>(
    refused: &mut Vec<Refused>,
    field: &'static str,
    parsed: Result<T, Refusal>,
) -> Option<T> {
    parsed
        .map_err(|refusal| refused.push(Refused { field, refusal }))
        .ok()
}

/// Who asks for the seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registrant {
    /// A verified account (the caller checked), on line or entered by staff; `organisation`
    /// one it may act for (checked here).
    Account {
        account: Uuid,
        organisation: Option<Uuid>,
    },
    /// Someone without an account, entered by staff.
    Person(Person),
}

/// A registration to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub registrant: Registrant,
    /// `Web` for residents on line; staff say how it reached them (phone, counter …).
    pub channel: Channel,
    /// 配慮の希望 (手話通訳, 託児 …), parsed with [`parse_needs`].
    pub needs: Option<String>,
    /// The staff member who entered it: the registration window does not bind them.
    pub entered_by: Option<Uuid>,
}

/// `needs` as typed: trimmed, at most [`MAX_NEEDS`] characters, empty → none.
pub fn parse_needs(raw: &str) -> Result<Option<String>, Refusal> {
    optional_text(raw, "label.meeting_needs", MAX_NEEDS)
}

/// Why a write was refused, and the form field to say it next to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub refusal: Refusal,
}

fn refused<T>(field: &'static str, refusal: Refusal) -> Result<Result<T, Refused>> {
    Ok(Err(Refused { field, refusal }))
}

/// A registration as its own person (or staff) sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Registration {
    pub id: i32,
    pub status: Status,
    /// The organisation registered for, by name.
    pub organisation: Option<String>,
    pub needs: Option<String>,
    pub registered_at: DateTime<Utc>,
    /// Place on the waiting list (1 = next to move up), while waiting.
    pub position: Option<i64>,
}

/// What `register` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub registration: Registration,
    /// The account had a live registration already: nothing new was written.
    pub already: bool,
    /// For a person without an account: the secret of their cancel link.
    pub cancel_token: Option<String>,
}

/// The meeting, its row locked until the transaction ends.
fn lock(conn: &mut PgConnection, id: i32) -> Result<Meeting> {
    m::table
        .filter(m::id.eq(id))
        .select(m::id)
        .for_update()
        .first::<i32>(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    model::find(conn, id)?.ok_or(Error::NotFound)
}

fn confirmed(conn: &mut PgConnection, meeting: i32) -> Result<i64> {
    Ok(mr::table
        .filter(mr::meeting_id.eq(meeting))
        .filter(mr::status.eq(Status::Confirmed.code()))
        .count()
        .get_result(conn)?)
}

/// Whether registration is open to this registrant now (see the module's note on staff).
fn window(meeting: &Meeting, staff: bool, now: DateTime<Utc>) -> Option<Refusal> {
    if staff {
        match meeting.state(now) {
            State::Upcoming | State::Ongoing => None,
            _ => Window::Closed.refusal(),
        }
    } else {
        meeting.schedule.registration(now).refusal()
    }
}

/// Records a registration: a seat while any is free, else the waiting list; its audit entry
/// and its email (confirmation, with the on-line URL, or "on the waiting list") in the same
/// transaction. An account that registered already gets its registration back, unchanged.
pub fn register(
    conn: &mut PgConnection,
    meeting_id: i32,
    new: &NewRegistration,
    now: DateTime<Utc>,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<Registered, Refused>> {
    let written = conn.transaction(|conn| write(conn, meeting_id, new, now, ip, public_url));
    match (written, &new.registrant) {
        // Another connection got in between our check and insert (the lock makes this rare):
        // the partial unique index `meeting_registrations_once` kept it to one.
        (
            Err(Error::Database(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                info,
            ))),
            Registrant::Account { account, .. },
        ) if info.constraint_name() == Some("meeting_registrations_once") => {
            let registration = of_account(conn, meeting_id, *account)?.ok_or(Error::NotFound)?;
            Ok(Ok(Registered {
                registration,
                already: true,
                cancel_token: None,
            }))
        }
        (written, _) => written,
    }
}

fn write(
    conn: &mut PgConnection,
    meeting_id: i32,
    new: &NewRegistration,
    now: DateTime<Utc>,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<Registered, Refused>> {
    let meeting = lock(conn, meeting_id)?;
    if let Registrant::Account {
        account,
        organisation,
    } = &new.registrant
    {
        if let Some(registration) = of_account(conn, meeting_id, *account)? {
            return Ok(Ok(Registered {
                registration,
                already: true,
                cancel_token: None,
            }));
        }
        if let Some(organisation) = organisation {
            if !crate::orgs::model::can_act_for(conn, *account, *organisation)? {
                return refused("organisation", Refusal::new("msg.meeting_organisation"));
            }
        }
    }
    if meeting.state(now) == State::Draft {
        return Err(Error::NotFound);
    }
    if let Some(refusal) = window(&meeting, new.entered_by.is_some(), now) {
        return refused("needs", refusal);
    }
    let placement = rules::place(meeting.capacity, confirmed(conn, meeting_id)?);
    let status = match placement {
        Placement::Seat => Status::Confirmed,
        Placement::Waiting => Status::Waiting,
    };
    let (account, organisation, person) = match &new.registrant {
        Registrant::Account {
            account,
            organisation,
        } => (Some(*account), *organisation, None),
        Registrant::Person(person) => (None, None, Some(person)),
    };
    let channel = new.channel;
    let cancel_token = person
        .and_then(|p| p.email.as_ref())
        .map(|_| crate::tokens::new_secret());
    let id: i32 = diesel::insert_into(mr::table)
        .values((
            mr::meeting_id.eq(meeting_id),
            mr::account_id.eq(account),
            mr::organisation_id.eq(organisation),
            mr::channel.eq(channel.code()),
            mr::name.eq(person.map(|p| &p.name)),
            mr::phone.eq(person.and_then(|p| p.phone.as_ref())),
            mr::email.eq(person.and_then(|p| p.email.as_ref())),
            mr::needs.eq(&new.needs),
            mr::status.eq(status.code()),
            mr::registered_at.eq(now),
            mr::confirmed_at.eq((status == Status::Confirmed).then_some(now)),
            mr::entered_by.eq(new.entered_by),
            // Only the digest is kept: a leaked table gives no working link.
            mr::cancel_token.eq(cancel_token.as_deref().map(crate::tokens::digest)),
        ))
        .returning(mr::id)
        .get_result(conn)?;
    audit::record(
        conn,
        Entry {
            actor: new.entered_by.or(account),
            action: if new.entered_by.is_some() {
                "meeting.registration_entered"
            } else {
                "meeting.register"
            },
            record: Some(("meeting_registration", id.to_string())),
            ip,
            details: json!({
                "meeting": meeting_id,
                "status": status.code(),
                "channel": channel.code(),
            }),
        },
    )?;
    let letter = match status {
        Status::Confirmed => Letter::Confirmed,
        _ => Letter::Waiting,
    };
    emails::send(
        conn,
        public_url,
        &meeting,
        &match (
            account,
            person.and_then(|p| p.email.as_deref()),
            &cancel_token,
        ) {
            (None, Some(address), Some(secret)) => Recipient::Address {
                address,
                link: Link::Secret(secret),
            },
            (account, email, _) => recipient(account, email, None),
        },
        letter,
        now,
    )?;
    Ok(Ok(Registered {
        registration: one(conn, id)?,
        already: false,
        cancel_token,
    }))
}

/// Who hears of a registration: its account, else the address staff typed (with the digest
/// its `cancel_token` column keeps: the email gets a fresh link), else nobody.
pub(super) fn recipient<'a>(
    account: Option<Uuid>,
    email: Option<&'a str>,
    token: Option<&'a str>,
) -> Recipient<'a> {
    match (account, email, token) {
        (Some(account), _, _) => Recipient::Account(account),
        (None, Some(address), Some(digest)) => Recipient::Address {
            address,
            link: Link::Stored(digest),
        },
        _ => Recipient::Nobody,
    }
}

#[derive(QueryableByName)]
struct LinkedId {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
}

/// The registration a cancel link's secret stands for, whatever its status: the first link's
/// digest is in `cancel_token`, a later email's in `meeting_registration_links`. A value not
/// shaped as a secret is refused before any query.
fn linked(conn: &mut PgConnection, secret: &str) -> Result<Option<i32>> {
    if !crate::tokens::is_secret(secret) {
        return Ok(None);
    }
    Ok(diesel::sql_query(
        "SELECT id FROM meeting_registrations WHERE cancel_token = $1
         UNION ALL
         SELECT registration_id FROM meeting_registration_links WHERE token_hash = $1
         LIMIT 1",
    )
    .bind::<diesel::sql_types::Text, _>(crate::tokens::digest(secret))
    .get_result::<LinkedId>(conn)
    .optional()?
    .map(|row| row.id))
}

/// A fresh cancel link's secret for the registration whose `cancel_token` column is `stored`;
/// only its digest is kept. `None` if no registration has that column (any more).
pub(super) fn new_link(conn: &mut PgConnection, stored: &str) -> Result<Option<String>> {
    let secret = crate::tokens::new_secret();
    let written = diesel::sql_query(
        "INSERT INTO meeting_registration_links (token_hash, registration_id)
         SELECT $1, id FROM meeting_registrations WHERE cancel_token = $2",
    )
    .bind::<diesel::sql_types::Text, _>(crate::tokens::digest(&secret))
    .bind::<diesel::sql_types::Text, _>(stored)
    .execute(conn)?;
    Ok((written > 0).then_some(secret))
}

type RegistrationRow = (i32, String, Option<String>, Option<String>, DateTime<Utc>);

fn registration_columns() -> (
    mr::id,
    mr::status,
    diesel::dsl::Nullable<o::name>,
    mr::needs,
    mr::registered_at,
) {
    (
        mr::id,
        mr::status,
        o::name.nullable(),
        mr::needs,
        mr::registered_at,
    )
}

fn from_row(conn: &mut PgConnection, meeting: i32, row: RegistrationRow) -> Result<Registration> {
    let (id, status, organisation, needs, registered_at) = row;
    let status = Status::parse(&status)?;
    let position = match status {
        Status::Waiting => Some(
            mr::table
                .filter(mr::meeting_id.eq(meeting))
                .filter(mr::status.eq(Status::Waiting.code()))
                .filter(
                    mr::registered_at
                        .lt(registered_at)
                        .or(mr::registered_at.eq(registered_at).and(mr::id.le(id))),
                )
                .count()
                .get_result(conn)?,
        ),
        _ => None,
    };
    Ok(Registration {
        id,
        status,
        organisation,
        needs,
        registered_at,
        position,
    })
}

fn one(conn: &mut PgConnection, id: i32) -> Result<Registration> {
    let (meeting, row): (i32, RegistrationRow) = mr::table
        .left_join(o::table.on(o::id.nullable().eq(mr::organisation_id)))
        .filter(mr::id.eq(id))
        .select((mr::meeting_id, registration_columns()))
        .first(conn)?;
    from_row(conn, meeting, row)
}

/// The account's live registration (a seat or waiting) for the meeting, if any: for its page.
pub fn of_account(
    conn: &mut PgConnection,
    meeting_id: i32,
    account: Uuid,
) -> Result<Option<Registration>> {
    let row: Option<RegistrationRow> = mr::table
        .left_join(o::table.on(o::id.nullable().eq(mr::organisation_id)))
        .filter(mr::meeting_id.eq(meeting_id))
        .filter(mr::account_id.eq(account))
        .filter(mr::status.ne(Status::Cancelled.code()))
        .select(registration_columns())
        .first(conn)
        .optional()?;
    row.map(|row| from_row(conn, meeting_id, row)).transpose()
}

/// Which registration to cancel, and who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel<'a> {
    /// The account's own live registration.
    Account { meeting: i32, account: Uuid },
    /// The secret of the cancel link emailed to a person without an account.
    Token(&'a str),
    /// Staff cancel one registration (e.g. after a phone call).
    Staff {
        meeting: i32,
        registration: i32,
        staff: Uuid,
    },
}

/// The live registration a cancel link stands for, and its meeting: the confirm page.
pub fn by_token(conn: &mut PgConnection, token: &str) -> Result<Option<(Meeting, Registration)>> {
    let Some(id) = linked(conn, token)? else {
        return Ok(None);
    };
    let row: Option<(i32, RegistrationRow)> = mr::table
        .left_join(o::table.on(o::id.nullable().eq(mr::organisation_id)))
        .filter(mr::id.eq(id))
        .filter(mr::status.ne(Status::Cancelled.code()))
        .select((mr::meeting_id, registration_columns()))
        .first(conn)
        .optional()?;
    let Some((meeting, row)) = row else {
        return Ok(None);
    };
    let registration = from_row(conn, meeting, row)?;
    Ok(model::find(conn, meeting)?.map(|m| (m, registration)))
}

/// Cancels a live registration and, if it held a seat, moves the waiting list up (each person
/// who moves up emailed once). `Ok(None)`: no such live registration (already cancelled, an
/// unknown link): nothing happened. Residents may cancel until the meeting starts; staff until
/// it ends.
pub fn cancel(
    conn: &mut PgConnection,
    which: Cancel<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
    public_url: &str,
) -> Result<Result<Option<i32>, Refused>> {
    conn.transaction(|conn| {
        let found: Option<(i32, i32, Option<Uuid>)> = match which {
            Cancel::Account { meeting, account } => mr::table
                .filter(mr::meeting_id.eq(meeting))
                .filter(mr::account_id.eq(account))
                .into_boxed(),
            Cancel::Token(token) => match linked(conn, token)? {
                Some(id) => mr::table.filter(mr::id.eq(id)).into_boxed(),
                None => return Ok(Ok(None)),
            },
            Cancel::Staff {
                meeting,
                registration,
                ..
            } => mr::table
                .filter(mr::meeting_id.eq(meeting))
                .filter(mr::id.eq(registration))
                .into_boxed(),
        }
        .filter(mr::status.ne(Status::Cancelled.code()))
        .select((mr::id, mr::meeting_id, mr::account_id))
        .first(conn)
        .optional()?;
        let Some((id, meeting_id, account)) = found else {
            return Ok(Ok(None));
        };
        let meeting = lock(conn, meeting_id)?;
        let staff = match which {
            Cancel::Staff { staff, .. } => Some(staff),
            _ => None,
        };
        let open = match meeting.state(now) {
            State::Upcoming => true,
            State::Ongoing => staff.is_some(),
            _ => false,
        };
        if !open {
            return refused("registration", Refusal::new("msg.meeting_cancel_closed"));
        }
        // Under the lock: a second click that waited for the first finds nothing to do.
        let cancelled = diesel::update(
            mr::table
                .filter(mr::id.eq(id))
                .filter(mr::status.ne(Status::Cancelled.code())),
        )
        .set((
            mr::status.eq(Status::Cancelled.code()),
            mr::cancelled_at.eq(now),
        ))
        .execute(conn)?;
        if cancelled == 0 {
            return Ok(Ok(None));
        }
        audit::record(
            conn,
            Entry {
                actor: staff.or(account),
                action: if staff.is_some() {
                    "meeting.registration_cancelled"
                } else {
                    "meeting.cancel"
                },
                record: Some(("meeting_registration", id.to_string())),
                ip,
                details: json!({ "meeting": meeting_id }),
            },
        )?;
        promote(conn, meeting_id, now, public_url)?;
        Ok(Ok(Some(meeting_id)))
    })
}

/// A waiting registration: its id, account, address and cancel link's secret.
type Waiting = (i32, Option<Uuid>, Option<String>, Option<String>);

/// Moves the first waiting people up (by `registered_at`, then id) while seats are free, each
/// emailed "a seat is yours" once; only before the meeting starts. For a cancellation and for
/// staff raising the capacity. Locks the meeting's row (again, harmlessly, if the caller did).
/// The ids moved up.
pub fn promote(
    conn: &mut PgConnection,
    meeting_id: i32,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Vec<i32>> {
    conn.transaction(|conn| {
        let meeting = lock(conn, meeting_id)?;
        if meeting.state(now) != State::Upcoming {
            return Ok(Vec::new());
        }
        let free = rules::free_seats(meeting.capacity, confirmed(conn, meeting_id)?);
        if free == 0 {
            return Ok(Vec::new());
        }
        let moving: Vec<Waiting> = mr::table
            .filter(mr::meeting_id.eq(meeting_id))
            .filter(mr::status.eq(Status::Waiting.code()))
            .order((mr::registered_at, mr::id))
            .limit(free)
            .select((mr::id, mr::account_id, mr::email, mr::cancel_token))
            .load(conn)?;
        for (id, account, email, token) in &moving {
            diesel::update(mr::table.filter(mr::id.eq(id)))
                .set((
                    mr::status.eq(Status::Confirmed.code()),
                    mr::confirmed_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Entry {
                    actor: None,
                    action: "meeting.registration_promoted",
                    record: Some(("meeting_registration", id.to_string())),
                    ip: None,
                    details: json!({ "meeting": meeting_id }),
                },
            )?;
            emails::send(
                conn,
                public_url,
                &meeting,
                &recipient(*account, email.as_deref(), token.as_deref()),
                Letter::Promoted,
                now,
            )?;
        }
        Ok(moving.into_iter().map(|(id, ..)| id).collect())
    })
}

/// Forgets the address behind a cancel link (one-click unsubscribe): no more emails; the
/// registration stays. Whether the link was known.
pub fn forget_email(conn: &mut PgConnection, token: &str) -> Result<bool> {
    let Some(id) = linked(conn, token)? else {
        return Ok(false);
    };
    Ok(diesel::update(mr::table.filter(mr::id.eq(id)))
        .set(mr::email.eq(None::<String>))
        .execute(conn)?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_type_a_person_with_a_name_and_say_how_they_asked() {
        let person = Person::parse(" 本庄 花子 ", "0495-00-0000", "").unwrap();
        assert_eq!(person.name, "本庄 花子");
        assert_eq!(person.phone.as_deref(), Some("0495-00-0000"));
        assert_eq!(person.email, None);
        assert_eq!(Channel::parse_offline(" phone "), Ok(Channel::Phone));
        assert!(Channel::parse_offline("web").is_err());
        let refused = Person::parse("", "", "not-an-address").unwrap_err();
        let fields: Vec<_> = refused.iter().map(|r| r.field).collect();
        assert_eq!(fields, ["name", "email"]);
        assert_eq!(refused[0].refusal, Refusal::required("label.real_name"));
    }

    #[test]
    fn needs_are_trimmed_and_bounded() {
        assert_eq!(parse_needs("  "), Ok(None));
        assert_eq!(parse_needs(" 手話通訳 "), Ok(Some("手話通訳".into())));
        assert_eq!(
            parse_needs(&"あ".repeat(MAX_NEEDS + 1)),
            Err(Refusal::too_long("label.meeting_needs", MAX_NEEDS))
        );
    }
}
