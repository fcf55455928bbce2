//! Accounts (residents and staff): sign-up, email verification, password reset. Every email
//! is enqueued in the transaction of the change that causes it.

use super::fields::{DisplayName, Email};
use super::session;
use crate::audit::{self, Entry};
use crate::db::schema::{accounts, email_tokens};
use crate::error::{Error, Result};
use crate::notify::{self, kinds::Delivery, Category, Message};
use crate::tokens;
use crate::web::i18n::Lang;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

pub const VERIFY_TTL: Duration = Duration::hours(48);
pub const RESET_TTL: Duration = Duration::hours(2);

/// Where a request came from and where links in its emails point (the site's public address).
#[derive(Debug, Clone)]
pub struct Origin {
    pub public_url: String,
    pub ip: Option<String>,
    /// When the request came, by the application's clock.
    pub now: DateTime<Utc>,
}

impl Origin {
    /// The origin of `req`: its client's address, and this site's public address.
    pub fn of(req: &actix_web::HttpRequest, state: &crate::web::AppState) -> Origin {
        Origin {
            public_url: state.public_url.clone(),
            ip: crate::web::proxy::client_ip(req),
            now: state.clock.now(),
        }
    }

    pub fn to(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }
}

/// Issues a single-use link token; only its hash is stored.
pub fn issue_token(
    conn: &mut PgConnection,
    account: Uuid,
    purpose: &str,
    new_email: Option<&str>,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String> {
    let secret = tokens::new_secret();
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(tokens::digest(&secret)),
            email_tokens::account_id.eq(account),
            email_tokens::purpose.eq(purpose),
            email_tokens::new_email.eq(new_email),
            email_tokens::expires_at.eq(now + ttl),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// Uses a token once: marks it used and returns its account (and new email), or `None` when it
/// is unknown, used or expired.
pub fn consume_token(
    conn: &mut PgConnection,
    secret: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, Option<String>)>> {
    Ok(diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(tokens::digest(secret)))
            .filter(email_tokens::purpose.eq(purpose))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(now)),
    )
    .set(email_tokens::used_at.eq(now))
    .returning((email_tokens::account_id, email_tokens::new_email))
    .get_result(conn)
    .optional()?)
}

/// Whether a token is usable, without using it (to show the new-password form).
pub fn token_is_live(
    conn: &mut PgConnection,
    secret: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(tokens::digest(secret)))
            .filter(email_tokens::purpose.eq(purpose))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(now)),
    ))
    .get_result(conn)?)
}

/// An email about the account's safety: always sent, never with an unsubscribe link.
pub fn security_email(
    to_address: impl Into<String>,
    to_name: Option<String>,
    lang: Lang,
    template: &'static str,
    context: serde_json::Value,
) -> Message {
    Message {
        to_address: to_address.into(),
        to_name,
        lang,
        template,
        context,
        category: Category::Security,
        unsubscribe_url: None,
        attachment: None,
    }
}

fn account_by_email(
    conn: &mut PgConnection,
    email: &Email,
) -> Result<Option<(Uuid, String, String)>> {
    Ok(accounts::table
        .filter(accounts::email.eq(email.as_str()))
        .filter(accounts::deleted_at.is_null())
        .select((accounts::id, accounts::display_name, accounts::lang))
        .first(conn)
        .optional()?)
}

fn lang_of(code: &str) -> Lang {
    Lang::parse(code).unwrap_or(Lang::Ja)
}

/// Signs a person up, or, when the address already has an account, tells its owner by email.
/// The caller answers the same either way.
pub fn sign_up(
    conn: &mut PgConnection,
    origin: &Origin,
    lang: Lang,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &str,
) -> Result<()> {
    let result = conn.transaction(|conn| {
        if let Some((_, name, account_lang)) = account_by_email(conn, email)? {
            notify::enqueue(
                conn,
                security_email(email.to_string(), Some(name), lang_of(&account_lang), "account_exists", json!({ "link_login": origin.to("/login"), "link_reset": origin.to("/password/forgot") })),
            )?;
            return Ok(());
        }
        let id = Uuid::new_v4();
        diesel::insert_into(accounts::table)
            .values((
                accounts::id.eq(id),
                accounts::email.eq(email.as_str()),
                accounts::display_name.eq(display_name.as_str()),
                accounts::password_hash.eq(password_hash),
                accounts::unsubscribe_token.eq(tokens::new_secret()),
                accounts::lang.eq(lang.code()),
            ))
            .execute(conn)?;
        send_verification(conn, origin, id, email.as_str(), display_name.as_str(), lang)?;
        audit::record(
            conn,
            Entry { actor: Some(id), action: "account.sign_up", record: Some(("account", id.to_string())), ip: origin.ip.as_deref(), details: json!({}) },
        )
    });
    match result {
        // The same address signed up twice at once: the other sign-up won, and its email went
        // out; this one answers as for any taken address.
        Err(Error::Database(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(()),
        other => other,
    }
}

pub fn send_verification(
    conn: &mut PgConnection,
    origin: &Origin,
    account: Uuid,
    email: &str,
    display_name: &str,
    lang: Lang,
) -> Result<()> {
    let token = issue_token(conn, account, "verify", None, VERIFY_TTL, origin.now)?;
    notify::enqueue(
        conn,
        security_email(
            email.to_owned(),
            Some(display_name.to_owned()),
            lang,
            "verify",
            json!({
                "display_name": display_name,
                "link": origin.to(&format!("/verify?token={token}")),
                "expires_hours": VERIFY_TTL.num_hours(),
            }),
        ),
    )?;
    Ok(())
}

/// Confirms an address from its link; `false` when the link is unknown, used or expired.
pub fn verify_email(conn: &mut PgConnection, origin: &Origin, secret: &str) -> Result<bool> {
    conn.transaction(|conn| {
        let Some((account, _)) = consume_token(conn, secret, "verify", origin.now)? else {
            return Ok(false);
        };
        diesel::update(accounts::table.find(account))
            .set(accounts::email_verified_at.eq(origin.now))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(account),
                action: "account.verify_email",
                record: Some(("account", account.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({}),
            },
        )?;
        Ok(true)
    })
}

/// The stored hash for an address, for sign-in.
pub fn credentials(
    conn: &mut PgConnection,
    email: &Email,
) -> Result<Option<(Uuid, Option<String>)>> {
    Ok(accounts::table
        .filter(accounts::email.eq(email.as_str()))
        .filter(accounts::deleted_at.is_null())
        .select((accounts::id, accounts::password_hash))
        .first(conn)
        .optional()?)
}

pub fn store_password_hash(conn: &mut PgConnection, account: Uuid, hash: &str) -> Result<()> {
    diesel::update(accounts::table.find(account))
        .set(accounts::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// Sends a reset link, or, for an unknown address, an email saying there is no account.
pub fn request_reset(
    conn: &mut PgConnection,
    origin: &Origin,
    lang: Lang,
    email: &Email,
) -> Result<()> {
    conn.transaction(|conn| {
        let (template, context, to_name, lang) = match account_by_email(conn, email)? {
            Some((id, name, account_lang)) => {
                let token = issue_token(conn, id, "reset", None, RESET_TTL, origin.now)?;
                let context = json!({
                    "display_name": name,
                    "link": origin.to(&format!("/password/reset?token={token}")),
                    "expires_hours": RESET_TTL.num_hours(),
                });
                ("reset", context, Some(name), lang_of(&account_lang))
            }
            None => (
                "reset_unknown",
                json!({ "link_signup": origin.to("/signup") }),
                None,
                lang,
            ),
        };
        notify::enqueue(
            conn,
            security_email(email.to_string(), to_name, lang, template, context),
        )?;
        Ok(())
    })
}

/// Sets a new password (its hash) from a reset link and ends every session of the account.
pub fn reset_password(
    conn: &mut PgConnection,
    origin: &Origin,
    secret: &str,
    hash: &str,
) -> Result<bool> {
    conn.transaction(|conn| {
        let Some((account, _)) = consume_token(conn, secret, "reset", origin.now)? else {
            return Ok(false);
        };
        let (email, name, lang): (Option<String>, String, String) =
            diesel::update(accounts::table.find(account))
                .set(accounts::password_hash.eq(hash))
                .returning((accounts::email, accounts::display_name, accounts::lang))
                .get_result(conn)?;
        // Following the link proves the address too.
        diesel::update(
            accounts::table
                .find(account)
                .filter(accounts::email_verified_at.is_null()),
        )
        .set(accounts::email_verified_at.eq(origin.now))
        .execute(conn)?;
        session::end_all(conn, account)?;
        if let Some(email) = email {
            notify::enqueue(
                conn,
                security_email(
                    email,
                    Some(name.clone()),
                    lang_of(&lang),
                    "password_changed",
                    json!({ "display_name": name, "link_reset": origin.to("/password/forgot") }),
                ),
            )?;
        }
        audit::record(
            conn,
            Entry {
                actor: Some(account),
                action: "account.reset_password",
                record: Some(("account", account.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({}),
            },
        )?;
        Ok(true)
    })
}

pub use crate::notify::unsubscribe_url;

type Recipient = (Option<String>, String, String, String);

fn recipient(conn: &mut PgConnection, account: Uuid) -> Result<Option<Recipient>> {
    Ok(accounts::table
        .find(account)
        .filter(accounts::deleted_at.is_null())
        .select((
            accounts::email,
            accounts::display_name,
            accounts::unsubscribe_token,
            accounts::lang,
        ))
        .first(conn)
        .optional()?)
}

/// A notification to one account: in its inbox, and emailed as it chose for the template's
/// kind (at once, in a digest, or never).
pub fn notify_account(
    conn: &mut PgConnection,
    public_url: &str,
    account: Uuid,
    template: &'static str,
    context: impl Fn(Lang) -> serde_json::Value,
) -> Result<()> {
    notify_account_with(
        conn,
        public_url,
        account,
        template,
        context,
        None,
        Regarding::Updates,
    )
}

/// Whether an email to an account follows its choices per kind of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regarding {
    /// News (a proposal moved, a comment answered …): as the person chose for its kind.
    Updates,
    /// The person's own booking (a meeting registration's confirmation, change, cancellation
    /// …), like a receipt: emailed at once whatever the choices. It still carries the one-click
    /// link, which turns the news off.
    OwnBooking,
}

/// [`notify_account`] with a file attached (a meeting's `.ics`), and `regarding` saying whether
/// the person's choices apply.
pub fn notify_account_with(
    conn: &mut PgConnection,
    public_url: &str,
    account: Uuid,
    template: &'static str,
    context: impl Fn(Lang) -> serde_json::Value,
    attachment: Option<crate::notify::Attachment>,
    regarding: Regarding,
) -> Result<()> {
    let Some((Some(email), name, token, lang)) = recipient(conn, account)? else {
        return Ok(());
    };
    let delivery = match (regarding, crate::notify::kinds::kind_of(template)) {
        (Regarding::Updates, Some(kind)) => crate::notify::inbox::delivery(conn, account, kind)?,
        _ => Delivery::Immediate,
    };
    let lang = Lang::parse(&lang).unwrap_or(Lang::Ja);
    notify::deliver(
        conn,
        account,
        Message {
            to_address: email,
            to_name: Some(name),
            lang,
            template,
            context: context(lang),
            category: Category::Notification,
            unsubscribe_url: Some(unsubscribe_url(public_url, &token)),
            attachment,
        },
        delivery,
    )
}
