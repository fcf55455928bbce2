//! The emails of a registration: confirmed (with the on-line URL, now that the person is
//! registered), on the waiting list, "a seat is yours" when they move up, and the reminder the
//! day before. To the account (even if it turned update emails off: like a receipt, these are
//! about the person's own registration), or to the address staff typed for a person without
//! one, with their cancel link and a one-click unsubscribe. A person with a seat also gets the
//! meeting's `.ics` (with the on-line URL).

use super::ics;
use super::model::{when, Meeting};
use crate::auth::accounts::{notify_account_with, Regarding};
use crate::error::Result;
use crate::notify::{self, Attachment, Category, Message};
use crate::web::i18n::Lang;
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

/// Who hears of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient<'a> {
    Account(Uuid),
    /// A person without an account: their address and their cancel link.
    Address {
        address: &'a str,
        link: Link<'a>,
    },
    /// Nobody to email (staff typed a phone number only): staff call them.
    Nobody,
}

/// The cancel (and unsubscribe) link of a person without an account. The database keeps only
/// digests of its secrets, so an email after the first carries a fresh secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link<'a> {
    /// The secret itself, just made with the registration (its confirmation).
    Secret(&'a str),
    /// The registration's `cancel_token` column (a digest): a new secret is made for this email.
    Stored(&'a str),
}

/// Which email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Letter {
    /// 参加申込みを受け付けました (a seat).
    Confirmed,
    /// キャンセル待ちで受け付けました.
    Waiting,
    /// 繰り上げ: a seat freed and is now theirs.
    Promoted,
    /// 開催のお知らせ: the day before, to each person with a seat.
    Reminder,
}

impl Letter {
    fn template(self) -> &'static str {
        match self {
            Letter::Reminder => "meeting_reminder",
            _ => "meeting_registration",
        }
    }

    /// Whether the person has a seat: only then the on-line URL and the calendar file.
    fn seat(self) -> bool {
        self != Letter::Waiting
    }
}

fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// The page where a person without an account cancels.
pub fn cancel_url(public_url: &str, token: &str) -> String {
    format!("{}/meetings/cancel?token={token}", base(public_url))
}

/// Their one-click unsubscribe: forgets the address, keeps the registration.
pub fn unsubscribe_url(public_url: &str, token: &str) -> String {
    format!("{}/meetings/unsubscribe?token={token}", base(public_url))
}

/// Emails `letter` about `meeting` to `to`, in the caller's transaction; `now` dates the
/// calendar file.
pub fn send(
    conn: &mut PgConnection,
    public_url: &str,
    meeting: &Meeting,
    to: &Recipient<'_>,
    letter: Letter,
    now: DateTime<Utc>,
) -> Result<()> {
    let seat = letter.seat();
    let context = |lang: Lang, cancel: Option<String>| {
        json!({
            "title": meeting.title,
            "when": when(lang, meeting.schedule.starts_at, meeting.schedule.ends_at),
            "venue": meeting.venue(),
            // Only a person with a seat may join on line.
            "online_url": meeting.online_url.as_ref().filter(|_| seat),
            "waiting": letter == Letter::Waiting,
            "promoted": letter == Letter::Promoted,
            "calendar": seat,
            "link": ics::page(public_url, meeting.id),
            "cancel_url": cancel,
        })
    };
    let attachment = seat.then(|| ics::attachment(meeting, public_url, now));
    deliver(
        conn,
        public_url,
        to,
        letter.template(),
        context,
        true,
        attachment,
    )
}

/// Emails `template` to `to` in the caller's transaction: to the account in its language
/// (even if it turned update emails off: this is about their own registration), or in Japanese to the address staff typed, with the
/// cancel link when `offer_cancel` and the one-click unsubscribe. `context` makes the
/// template's fields for a language and that cancel link.
pub fn deliver(
    conn: &mut PgConnection,
    public_url: &str,
    to: &Recipient<'_>,
    template: &'static str,
    context: impl Fn(Lang, Option<String>) -> serde_json::Value,
    offer_cancel: bool,
    attachment: Option<Attachment>,
) -> Result<()> {
    match *to {
        Recipient::Account(account) => notify_account_with(
            conn,
            public_url,
            account,
            template,
            |lang| context(lang, None),
            attachment,
            // About their own registration: sent even when update emails are off.
            Regarding::OwnBooking,
        ),
        Recipient::Address { address, link } => {
            let fresh;
            let token = match link {
                Link::Secret(secret) => secret,
                Link::Stored(stored) => match super::registrations::new_link(conn, stored)? {
                    Some(secret) => {
                        fresh = secret;
                        fresh.as_str()
                    }
                    None => return Ok(()),
                },
            };
            notify::enqueue(
                conn,
                Message {
                    to_address: address.to_owned(),
                    to_name: None,
                    // Staff typed them in from a call or the counter: the city's language.
                    lang: Lang::Ja,
                    template,
                    context: context(
                        Lang::Ja,
                        offer_cancel.then(|| cancel_url(public_url, token)),
                    ),
                    category: Category::Notification,
                    unsubscribe_url: Some(unsubscribe_url(public_url, token)),
                    attachment,
                },
            )
            .map(drop)
        }
        Recipient::Nobody => Ok(()),
    }
}
