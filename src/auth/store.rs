//! The account page's store (`/account`, `/unsubscribe`): one function per question or
//! change, each change one transaction with its audit entry and security email.

use super::accounts::{self, security_email, Origin};
use super::fields::{DisplayName, Email, DELETED_NAME};
use super::{rate_limit, session};
use crate::audit::{self, Entry};
use crate::db::schema::{
    accounts as a, email_tokens as et, organisation_members as m, sessions as s, staff_roles as sr,
};
use crate::error::Result;
use crate::notify;
use crate::web::i18n::Lang;
use crate::web::visitor::Viewer;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// The account as its page shows it.
#[derive(Queryable, Serialize)]
pub struct Account {
    pub email: Option<String>,
    #[serde(skip)]
    pub email_verified_at: Option<DateTime<Utc>>,
    pub display_name: String,
    pub real_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

pub fn account(conn: &mut PgConnection, id: Uuid) -> Result<Account> {
    Ok(a::table
        .find(id)
        .select((
            a::email,
            a::email_verified_at,
            a::display_name,
            a::real_name,
            a::address,
            a::phone,
        ))
        .first(conn)?)
}

/// The public name and the private details only staff handling a matter see.
pub struct Profile {
    pub display_name: DisplayName,
    pub real_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

pub fn update_profile(conn: &mut PgConnection, id: Uuid, profile: Profile) -> Result<()> {
    diesel::update(a::table.find(id))
        .set((
            a::display_name.eq(profile.display_name.as_str()),
            a::real_name.eq(profile.real_name),
            a::address.eq(profile.address),
            a::phone.eq(profile.phone),
        ))
        .execute(conn)?;
    Ok(())
}

/// The stored hash, to check a password typed to confirm a change (none once deleted).
pub fn password_hash(conn: &mut PgConnection, id: Uuid) -> Result<Option<String>> {
    Ok(a::table.find(id).select(a::password_hash).first(conn)?)
}

fn email_taken(conn: &mut PgConnection, email: &str) -> Result<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(a::table.filter(a::email.eq(email))))
            .get_result(conn)?,
    )
}

/// Sends a link to the new address (rate-limited per recipient). A taken address gets no
/// link; the owner of this account learns nothing about it.
pub fn request_email_change(
    conn: &mut PgConnection,
    origin: &Origin,
    viewer: &Viewer,
    lang: Lang,
    email: &Email,
) -> Result<()> {
    rate_limit::hit(conn, rate_limit::EMAILS_PER_RECIPIENT, email.as_str())?;
    conn.transaction(|conn| {
        if !email_taken(conn, email.as_str())? {
            let token = accounts::issue_token(
                conn,
                viewer.id,
                "email_change",
                Some(email.as_str()),
                accounts::VERIFY_TTL,
                origin.now,
            )?;
            let name = &viewer.display_name;
            notify::enqueue(
                conn,
                security_email(
                    email.to_string(),
                    Some(name.clone()),
                    lang,
                    "email_change",
                    json!({
                        "display_name": name,
                        "link": origin.to(&format!("/account/email/confirm?token={token}")),
                        "expires_hours": accounts::VERIFY_TTL.num_hours(),
                    }),
                ),
            )?;
        }
        Ok(())
    })
}

/// The link in the email to the new address: the address becomes the account's, verified.
/// False for a used, expired or unknown link, or an address taken meanwhile.
pub fn confirm_email_change(conn: &mut PgConnection, origin: &Origin, token: &str) -> Result<bool> {
    conn.transaction(|conn| {
        let Some((id, Some(new_email))) =
            accounts::consume_token(conn, token, "email_change", origin.now)?
        else {
            return Ok(false);
        };
        if email_taken(conn, &new_email)? {
            return Ok(false);
        }
        diesel::update(a::table.find(id))
            .set((a::email.eq(&new_email), a::email_verified_at.eq(origin.now)))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(id),
                action: "account.change_email",
                record: Some(("account", id.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({}),
            },
        )?;
        Ok(true)
    })
}

/// Stores the new hash; other devices sign in again, this one stays; the person hears of it.
pub fn change_password(
    conn: &mut PgConnection,
    origin: &Origin,
    viewer: &Viewer,
    lang: Lang,
    hash: &str,
) -> Result<()> {
    conn.transaction(|conn| {
        diesel::update(a::table.find(viewer.id))
            .set(a::password_hash.eq(hash))
            .execute(conn)?;
        diesel::delete(
            s::table
                .filter(s::account_id.eq(viewer.id))
                .filter(s::id_hash.ne(&viewer.session_hash)),
        )
        .execute(conn)?;
        let context = json!({
            "display_name": viewer.display_name,
            "link_reset": origin.to("/password/forgot"),
        });
        let email = security_email(
            viewer.email.clone(),
            Some(viewer.display_name.clone()),
            lang,
            "password_changed",
            context,
        );
        notify::enqueue(conn, email)?;
        let entry = Entry {
            actor: Some(viewer.id),
            action: "account.change_password",
            record: Some(("account", viewer.id.to_string())),
            ip: origin.ip.as_deref(),
            details: json!({}),
        };
        audit::record(conn, entry)
    })
}

/// Sends the verification link again (rate-limited per recipient).
pub fn resend_verification(
    conn: &mut PgConnection,
    origin: &Origin,
    viewer: &Viewer,
    lang: Lang,
) -> Result<()> {
    rate_limit::hit(conn, rate_limit::EMAILS_PER_RECIPIENT, &viewer.email)?;
    conn.transaction(|conn| {
        accounts::send_verification(
            conn,
            origin,
            viewer.id,
            &viewer.email,
            &viewer.display_name,
            lang,
        )
    })
}

/// Signs the account out on every device.
pub fn end_all_sessions(conn: &mut PgConnection, id: Uuid, ip: Option<&str>) -> Result<()> {
    session::end_all(conn, id)?;
    audit::record(
        conn,
        Entry {
            actor: Some(id),
            action: "session.end_all",
            record: None,
            ip,
            details: json!({}),
        },
    )
}

/// Whether the account represents an organisation (it then hands over before leaving).
pub fn represents_an_organisation(conn: &mut PgConnection, id: Uuid) -> Result<bool> {
    let rows = m::table
        .filter(m::account_id.eq(id))
        .filter(m::role.eq("representative"));
    Ok(diesel::select(diesel::dsl::exists(rows)).get_result(conn)?)
}

/// Deletes the account: what the person wrote stays (shown as 退会したユーザー), personal data goes.
pub fn delete_account(conn: &mut PgConnection, origin: &Origin, id: Uuid) -> Result<()> {
    conn.transaction(|conn| {
        diesel::update(a::table.find(id))
            .set((
                a::email.eq(None::<String>),
                a::email_verified_at.eq(None::<DateTime<Utc>>),
                a::display_name.eq(DELETED_NAME),
                a::password_hash.eq(None::<String>),
                a::real_name.eq(None::<String>),
                a::address.eq(None::<String>),
                a::phone.eq(None::<String>),
                a::deleted_at.eq(origin.now),
            ))
            .execute(conn)?;
        session::end_all(conn, id)?;
        diesel::delete(et::table.filter(et::account_id.eq(id))).execute(conn)?;
        diesel::delete(sr::table.filter(sr::account_id.eq(id))).execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(id),
                action: "account.delete",
                record: Some(("account", id.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({}),
            },
        )
    })
}

/// The one-click unsubscribe of an email's link; false for an unknown token.
/// Every kind of news is then never emailed (the inbox keeps them).
pub fn unsubscribe_by_token(conn: &mut PgConnection, token: &str) -> Result<bool> {
    let account: Option<Uuid> = a::table
        .filter(a::unsubscribe_token.eq(token))
        .filter(a::deleted_at.is_null())
        .select(a::id)
        .first(conn)
        .optional()?;
    match account {
        Some(account) => crate::notify::inbox::never(conn, account).map(|()| true),
        None => Ok(false),
    }
}
