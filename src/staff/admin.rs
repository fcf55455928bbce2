//! `kyodo create-admin --email E --name N`: makes the first admin, or gives an existing
//! account the admin role. The password comes from standard input when that is not a terminal
//! (one line), or is generated and printed once.

use crate::audit::{self, Entry};
use crate::auth::fields::{DisplayName, Email, NewPassword};
use crate::auth::password;
use crate::auth::roles::Role;
use crate::db::schema::{accounts as a, staff_roles as sr};
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::tokens;
use diesel::prelude::*;
use rand::Rng;
use serde_json::json;
use std::io::{BufRead, IsTerminal};
use uuid::Uuid;

/// Length of a generated password.
pub const GENERATED_LENGTH: usize = 24;

/// A random password from letters and digits that are hard to confuse (no 0/O, 1/l/I).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..GENERATED_LENGTH)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// What [`create_admin`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub account: Uuid,
    /// A new account (else an existing one was promoted).
    pub created: bool,
}

/// Creates a verified account with the admin role, or promotes the account with this email
/// (verifying its address, and setting the password when one is given). One transaction, with
/// the audit entry `staff.create_admin`.
pub fn create_admin(
    conn: &mut PgConnection,
    email: &Email,
    name: &DisplayName,
    password_hash: Option<&str>,
) -> Result<Outcome> {
    conn.transaction(|conn| {
        let existing: Option<Uuid> = a::table.filter(a::email.eq(email.as_str())).filter(a::deleted_at.is_null()).select(a::id).first(conn).optional()?;
        let (account, created) = match existing {
            Some(id) => {
                diesel::update(a::table.find(id).filter(a::email_verified_at.is_null())).set(a::email_verified_at.eq(diesel::dsl::now)).execute(conn)?;
                if let Some(hash) = password_hash {
                    diesel::update(a::table.find(id)).set(a::password_hash.eq(hash)).execute(conn)?;
                }
                (id, false)
            }
            None => {
                let hash = password_hash.ok_or_else(|| Error::Internal("a new admin needs a password".into()))?;
                let id = Uuid::new_v4();
                diesel::insert_into(a::table)
                    .values((
                        a::id.eq(id),
                        a::email.eq(email.as_str()),
                        a::email_verified_at.eq(diesel::dsl::now),
                        a::display_name.eq(name.as_str()),
                        a::password_hash.eq(hash),
                        a::unsubscribe_token.eq(tokens::new_secret()),
                    ))
                    .execute(conn)?;
                (id, true)
            }
        };
        diesel::insert_into(sr::table)
            .values((sr::account_id.eq(account), sr::role.eq(Role::Admin.code()), sr::department_id.eq(None::<i32>)))
            .on_conflict_do_nothing()
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: None,
                action: "staff.create_admin",
                record: Some(("account", account.to_string())),
                ip: None,
                details: json!({ "email": email.as_str(), "created": created, "via": "command line" }),
            },
        )?;
        Ok(Outcome { account, created })
    })
}

/// The refusal in Japanese, as the command has always told the operator.
fn input_error(what: &str, refusal: Refusal) -> Error {
    let message = crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &refusal);
    Error::Setup(format!("{what}: {message}"))
}

/// The command: validates, reads or generates the password, writes, and says what it did.
pub fn run(database_url: &str, email: &str, name: &str) -> Result<()> {
    let email = Email::parse(email).map_err(|m| input_error("--email", m))?;
    let name = DisplayName::parse(name).map_err(|m| input_error("--name", m))?;
    let stdin = std::io::stdin();
    let typed = if stdin.is_terminal() {
        None
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|e| {
            Error::Setup(format!("cannot read the password from standard input: {e}"))
        })?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned()).filter(|l| !l.is_empty())
    };
    let mut conn = PgConnection::establish(database_url)?;
    let exists: bool = diesel::select(diesel::dsl::exists(
        a::table
            .filter(a::email.eq(email.as_str()))
            .filter(a::deleted_at.is_null()),
    ))
    .get_result(&mut conn)?;
    let (password, generated) = match typed {
        Some(typed) => (
            Some(
                NewPassword::parse(&typed, Some(email.as_str()))
                    .map_err(|m| input_error("password", m))?,
            ),
            false,
        ),
        None if exists => (None, false),
        None => (
            Some(
                NewPassword::parse(&generate_password(), None)
                    .map_err(|m| input_error("password", m))?,
            ),
            true,
        ),
    };
    let hash = password.as_ref().map(|p| password::hash(p.as_str()));
    let outcome = create_admin(&mut conn, &email, &name, hash.as_deref())?;
    if outcome.created {
        println!("管理者アカウントを作成しました: {email} (Created the admin account.)");
    } else {
        println!("既存のアカウント {email} に管理者の権限を付与しました (Gave the existing account the admin role.)");
    }
    if let (true, Some(password)) = (generated, &password) {
        println!(
            "パスワード (password, shown only once): {}",
            password.as_str()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_and_pass_the_policy() {
        let a = generate_password();
        assert_eq!(a.chars().count(), GENERATED_LENGTH);
        const { assert!(GENERATED_LENGTH >= 20) };
        assert!(NewPassword::parse(&a, None).is_ok());
        assert_ne!(a, generate_password());
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)));
    }
}
