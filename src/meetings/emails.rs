//! The emails of a registration: confirmed (with the on-line URL, now that the person is
//! registered), on the waiting list, and "a seat is yours" when they move up. To the account
//! (unless it turned update emails off, as every notification), or to the address staff typed
//! for a person without one, with their cancel link and a one-click unsubscribe.

use super::model::{when_ja, Meeting};
use crate::auth::accounts::notify_account;
use crate::error::Result;
use crate::notify::{self, Category, Message};
use crate::web::i18n::Lang;
use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

/// Who hears of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient<'a> {
    Account(Uuid),
    /// A person without an account: their address and the secret of their cancel link.
    Address {
        address: &'a str,
        token: &'a str,
    },
    /// Nobody to email (staff typed a phone number only): staff call them.
    Nobody,
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

/// Emails `letter` about `meeting` to `to`, in the caller's transaction.
pub fn send(
    conn: &mut PgConnection,
    public_url: &str,
    meeting: &Meeting,
    to: &Recipient<'_>,
    letter: Letter,
) -> Result<()> {
    let seat = letter != Letter::Waiting;
    let venue = [
        meeting.venue_name.as_deref(),
        meeting.venue_address.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let context = |cancel: Option<String>| {
        json!({
            "title": meeting.title,
            "when": when_ja(meeting.schedule.starts_at, meeting.schedule.ends_at),
            "venue": (!venue.is_empty()).then_some(&venue),
            // Only a person with a seat may join on line.
            "online_url": meeting.online_url.as_ref().filter(|_| seat),
            "waiting": letter == Letter::Waiting,
            "promoted": letter == Letter::Promoted,
            "link": format!("{}/meetings/{}", base(public_url), meeting.id),
            "cancel_url": cancel,
        })
    };
    match *to {
        Recipient::Account(account) => {
            notify_account(conn, public_url, account, "meeting_registration", |_| {
                context(None)
            })?;
        }
        Recipient::Address { address, token } => {
            notify::enqueue(
                conn,
                Message {
                    to_address: address.to_owned(),
                    to_name: None,
                    // Staff typed them in from a call or the counter: the city's language.
                    lang: Lang::Ja,
                    template: "meeting_registration",
                    context: context(Some(cancel_url(public_url, token))),
                    category: Category::Notification,
                    unsubscribe_url: Some(unsubscribe_url(public_url, token)),
                },
            )?;
        }
        Recipient::Nobody => {}
    }
    Ok(())
}
