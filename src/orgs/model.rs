//! Organisations in the database: creation, verification, membership (invite, join, leave,
//! transfer of the representative role). Every change runs in one transaction with its audit
//! entry and, where someone must be told, its email in the outbox. Membership changes lock the
//! organisation's row first, so two of them on one organisation never interleave.

use super::fields::{Contact, Description, Kind, Name};
use crate::audit::{self, Entry};
use crate::auth::accounts::notify_account;
use crate::auth::accounts::Origin;
use crate::auth::fields::Email;
use crate::db::schema::{
    accounts, organisation_invitations as inv, organisation_members as om, organisations as o,
};
use crate::error::{Error, Result};
use crate::notify::{self, Category, Message};
use crate::refusal::Refusal;
use crate::tokens;
use crate::web::i18n::Lang;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::days(7);

/// A member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Representative,
    Member,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Representative, Role::Member];

    pub fn code(self) -> &'static str {
        match self {
            Role::Representative => "representative",
            Role::Member => "member",
        }
    }

    fn from_code(code: &str) -> Role {
        if code == "representative" {
            Role::Representative
        } else {
            Role::Member
        }
    }
}

/// An organisation as pages show it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub contact: String,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
}

impl Organisation {
    pub fn verified(&self) -> bool {
        self.verified_at.is_some()
    }

    pub fn kind(&self) -> Kind {
        Kind::from_code(&self.kind).unwrap_or(Kind::Other)
    }
}

type OrganisationColumns = (
    o::id,
    o::name,
    o::kind,
    o::description,
    o::contact,
    o::created_at,
    o::verified_at,
);
const COLUMNS: OrganisationColumns = (
    o::id,
    o::name,
    o::kind,
    o::description,
    o::contact,
    o::created_at,
    o::verified_at,
);

/// A member as the organisation's page shows them: public display name and role, never email.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub account_id: Uuid,
    pub display_name: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// What the creation form produced.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub name: Name,
    pub kind: Kind,
    pub description: Description,
    pub contact: Contact,
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> Result<Option<Organisation>> {
    Ok(o::table.find(id).select(COLUMNS).first(conn).optional()?)
}

/// Verified organisations, by name.
pub fn list_verified(conn: &mut PgConnection) -> Result<Vec<Organisation>> {
    Ok(o::table
        .filter(o::verified_at.is_not_null())
        .select(COLUMNS)
        .order((o::name.asc(), o::id.asc()))
        .load(conn)?)
}

/// The organisations `account` belongs to, with its role in each, by name.
pub fn mine(conn: &mut PgConnection, account: Uuid) -> Result<Vec<(Organisation, Role)>> {
    let rows: Vec<(Organisation, String)> = o::table
        .inner_join(om::table)
        .filter(om::account_id.eq(account))
        .select((COLUMNS, om::role))
        .order((o::name.asc(), o::id.asc()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(org, role)| (org, Role::from_code(&role)))
        .collect())
}

/// Current members (accounts that still exist), the representative first.
pub fn members(conn: &mut PgConnection, organisation: Uuid) -> Result<Vec<Member>> {
    let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = om::table
        .inner_join(accounts::table)
        .filter(om::organisation_id.eq(organisation))
        .filter(accounts::deleted_at.is_null())
        .select((
            om::account_id,
            accounts::display_name,
            om::role,
            om::joined_at,
        ))
        .order((om::role.desc(), om::joined_at.asc(), om::account_id.asc()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(account_id, display_name, role, joined_at)| Member {
            account_id,
            display_name,
            role: Role::from_code(&role),
            joined_at,
        })
        .collect())
}

/// `account`'s role in `organisation`, if it is a member.
pub fn role_of(conn: &mut PgConnection, organisation: Uuid, account: Uuid) -> Result<Option<Role>> {
    let role: Option<String> = om::table
        .find((organisation, account))
        .select(om::role)
        .first(conn)
        .optional()?;
    Ok(role.map(|r| Role::from_code(&r)))
}

/// Whether `account` is staff who may verify organisations (an admin), and so may see
/// unverified ones. Roles are checked in one place: `crate::auth::roles::allows`.
pub fn is_verifier(conn: &mut PgConnection, account: Uuid) -> Result<bool> {
    use crate::auth::roles;
    use crate::auth::staff::grants_of;
    Ok(roles::allows(
        &grants_of(conn, account)?,
        roles::Action::VerifyOrganisations,
    ))
}

/// Whether `account` may act in `organisation`'s name: it is a member (of any role) of a
/// VERIFIED organisation, and the account still exists. Comments and proposals "as" an
/// organisation ask this first.
pub fn can_act_for(conn: &mut PgConnection, account: Uuid, organisation: Uuid) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        om::table
            .inner_join(o::table)
            .inner_join(accounts::table)
            .filter(om::organisation_id.eq(organisation))
            .filter(om::account_id.eq(account))
            .filter(o::verified_at.is_not_null())
            .filter(accounts::deleted_at.is_null())
            .filter(accounts::email_verified_at.is_not_null()),
    ))
    .get_result(conn)?)
}

/// The organisations the account may speak for (verified ones it belongs to), by name: the
/// choice of "as" on the proposal and comment forms.
pub fn organisations_of(conn: &mut PgConnection, account: Uuid) -> Result<Vec<(Uuid, String)>> {
    Ok(o::table
        .inner_join(om::table)
        .filter(om::account_id.eq(account))
        .filter(o::verified_at.is_not_null())
        .order((o::name, o::id))
        .select((o::id, o::name))
        .load(conn)?)
}

/// Locks the organisation's row for the rest of the transaction; `NotFound` if there is none.
fn lock(conn: &mut PgConnection, organisation: Uuid) -> Result<Organisation> {
    o::table
        .find(organisation)
        .select(COLUMNS)
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// Creates an organisation with `actor` as its representative. The caller has checked that
/// `actor` is verified.
pub fn create(
    conn: &mut PgConnection,
    actor: Uuid,
    new: &NewOrganisation,
    ip: Option<&str>,
) -> Result<Uuid> {
    conn.transaction(|conn| {
        let id = Uuid::new_v4();
        diesel::insert_into(o::table)
            .values((
                o::id.eq(id),
                o::name.eq(new.name.as_str()),
                o::kind.eq(new.kind.code()),
                o::description.eq(new.description.as_str()),
                o::contact.eq(new.contact.as_str()),
                o::created_by.eq(actor),
            ))
            .execute(conn)?;
        diesel::insert_into(om::table)
            .values((
                om::organisation_id.eq(id),
                om::account_id.eq(actor),
                om::role.eq(Role::Representative.code()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "organisation.create",
                record: Some(("organisation", id.to_string())),
                ip,
                details: json!({ "name": new.name.as_str(), "kind": new.kind.code() }),
            },
        )?;
        Ok(id)
    })
}

/// Staff verify an organisation (the caller has checked that `actor` is an admin): sets
/// `verified_at`/`verified_by`, records `organisation.verify`, and tells the representative by
/// the `org_verified` email unless they turned update emails off. Verifying an organisation that
/// is already verified changes nothing and sends nothing. Unknown id → `NotFound`.
pub fn verify(
    conn: &mut PgConnection,
    actor: Uuid,
    organisation: Uuid,
    origin: &Origin,
) -> Result<()> {
    conn.transaction(|conn| {
        let org = lock(conn, organisation)?;
        if org.verified() {
            return Ok(());
        }
        diesel::update(o::table.find(organisation))
            .set((o::verified_at.eq(origin.now), o::verified_by.eq(actor)))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "organisation.verify",
                record: Some(("organisation", organisation.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({ "name": org.name }),
            },
        )?;
        let representative: Option<Uuid> = om::table
            .filter(om::organisation_id.eq(organisation))
            .filter(om::role.eq(Role::Representative.code()))
            .select(om::account_id)
            .first(conn)
            .optional()?;
        if let Some(representative) = representative {
            let link = origin.to(&format!("/organisations/{organisation}"));
            notify_account(
                conn,
                &origin.public_url,
                representative,
                "org_verified",
                |_| json!({ "organisation": org.name, "link": link }),
            )?;
        }
        Ok(())
    })
}

/// Who is inviting, from where.
pub struct Inviter<'a> {
    pub id: Uuid,
    pub display_name: &'a str,
    pub lang: Lang,
}

/// The representative invites `email`: a single-use link (stored hashed) valid for
/// [`INVITATION_TTL`], sent by the `org_invitation` email in the same transaction. Anyone but
/// the representative → `Forbidden`; unknown organisation → `NotFound`.
pub fn invite(
    conn: &mut PgConnection,
    origin: &Origin,
    inviter: &Inviter<'_>,
    organisation: Uuid,
    email: &Email,
) -> Result<()> {
    conn.transaction(|conn| {
        let org = lock(conn, organisation)?;
        if role_of(conn, organisation, inviter.id)? != Some(Role::Representative) {
            return Err(Error::forbidden(Refusal::new(
                ONLY_THE_REPRESENTATIVE_INVITES,
            )));
        }
        let secret = tokens::new_secret();
        diesel::insert_into(inv::table)
            .values((
                inv::token_hash.eq(tokens::digest(&secret)),
                inv::organisation_id.eq(organisation),
                inv::email.eq(email.as_str()),
                inv::invited_by.eq(inviter.id),
                inv::expires_at.eq(origin.now + INVITATION_TTL),
            ))
            .execute(conn)?;
        // The invitee reads it in their own language when they have an account.
        let lang: Option<String> = accounts::table
            .filter(accounts::email.eq(email.as_str()))
            .filter(accounts::deleted_at.is_null())
            .select(accounts::lang)
            .first(conn)
            .optional()?;
        notify::enqueue(
            conn,
            Message {
                to_address: email.to_string(),
                to_name: None,
                lang: lang
                    .as_deref()
                    .and_then(Lang::parse)
                    .unwrap_or(inviter.lang),
                template: "org_invitation",
                context: json!({
                    "inviter": inviter.display_name,
                    "organisation": org.name,
                    "link": origin.to(&format!("/organisations/join?token={secret}")),
                    "expires_hours": INVITATION_TTL.num_hours(),
                }),
                // Sent once, on a person's explicit request, to an address that may have no
                // account (and so no preferences): not a subscription.
                category: Category::Security,
                unsubscribe_url: None,
                attachment: None,
            },
        )?;
        audit::record(
            conn,
            Entry {
                actor: Some(inviter.id),
                action: "organisation.invite",
                record: Some(("organisation", organisation.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({ "email": email.as_str() }),
            },
        )
    })
}

/// A live invitation (not used, not expired), as the join page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub organisation: Organisation,
    pub email: String,
}

pub fn invitation(
    conn: &mut PgConnection,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Invitation>> {
    let row: Option<(Organisation, String)> = inv::table
        .inner_join(o::table)
        .filter(inv::token_hash.eq(tokens::digest(secret)))
        .filter(inv::accepted_at.is_null())
        .filter(inv::expires_at.gt(now))
        .select((COLUMNS, inv::email))
        .first(conn)
        .optional()?;
    Ok(row.map(|(organisation, email)| Invitation {
        organisation,
        email,
    }))
}

/// What accepting an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// The person joined this organisation.
    Joined(Uuid),
    /// They were a member already; the link is used up all the same.
    AlreadyMember(Uuid),
    /// Unknown, used or expired link.
    Invalid,
}

/// The invitee accepts: the link is used once, and only by the account with the invited
/// address (anyone else → `Forbidden`, and the link stays usable for its owner).
pub fn accept(
    conn: &mut PgConnection,
    secret: &str,
    account: Uuid,
    account_email: &str,
    origin: &Origin,
) -> Result<Accepted> {
    conn.transaction(|conn| {
        let hash = tokens::digest(secret);
        let live: Option<(Uuid, String)> = inv::table
            .find(&hash)
            .filter(inv::accepted_at.is_null())
            .filter(inv::expires_at.gt(origin.now))
            .select((inv::organisation_id, inv::email))
            .for_update()
            .first(conn)
            .optional()?;
        let Some((organisation, email)) = live else {
            return Ok(Accepted::Invalid);
        };
        if !email.eq_ignore_ascii_case(account_email) {
            return Err(Error::forbidden(Refusal::new("msg.invitation_other_email")));
        }
        lock(conn, organisation)?;
        diesel::update(inv::table.find(&hash))
            .set(inv::accepted_at.eq(origin.now))
            .execute(conn)?;
        if role_of(conn, organisation, account)?.is_some() {
            return Ok(Accepted::AlreadyMember(organisation));
        }
        diesel::insert_into(om::table)
            .values((
                om::organisation_id.eq(organisation),
                om::account_id.eq(account),
                om::role.eq(Role::Member.code()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(account),
                action: "organisation.join",
                record: Some(("organisation", organisation.to_string())),
                ip: origin.ip.as_deref(),
                details: json!({}),
            },
        )?;
        Ok(Accepted::Joined(organisation))
    })
}

/// Why only the representative may invite (refused with 403).
pub const ONLY_THE_REPRESENTATIVE_INVITES: &str = "msg.invite_representative_only";

/// Why the representative may not leave: 「…先に、代表者をほかのメンバーに引き継いでください。」
pub const REPRESENTATIVE_CANNOT_LEAVE: &str = "msg.representative_cannot_leave";

/// Why a handover went nowhere: 「引き継ぐ相手を、この団体のメンバーから選んでください。」
pub const TRANSFER_TO_A_MEMBER: &str = "msg.transfer_to_member";

/// A member leaves. Not a member → `Forbidden`; the representative → a refusal (400) (they hand
/// the role over first).
pub fn leave(
    conn: &mut PgConnection,
    organisation: Uuid,
    account: Uuid,
    ip: Option<&str>,
) -> Result<()> {
    conn.transaction(|conn| {
        lock(conn, organisation)?;
        match role_of(conn, organisation, account)? {
            None => Err(Error::forbidden(Refusal::new("msg.not_a_member"))),
            Some(Role::Representative) => Err(Refusal::new(REPRESENTATIVE_CANNOT_LEAVE).into()),
            Some(Role::Member) => {
                diesel::delete(om::table.find((organisation, account))).execute(conn)?;
                audit::record(
                    conn,
                    Entry {
                        actor: Some(account),
                        action: "organisation.leave",
                        record: Some(("organisation", organisation.to_string())),
                        ip,
                        details: json!({}),
                    },
                )
            }
        }
    })
}

/// The representative hands the role to another member, in one transaction: they become a
/// member, `to` the representative. Not the representative → `Forbidden`; `to` not another
/// current member → a refusal (400).
pub fn transfer(
    conn: &mut PgConnection,
    organisation: Uuid,
    actor: Uuid,
    to: Uuid,
    ip: Option<&str>,
) -> Result<()> {
    conn.transaction(|conn| {
        lock(conn, organisation)?;
        if role_of(conn, organisation, actor)? != Some(Role::Representative) {
            return Err(Error::forbidden(Refusal::new(
                "msg.transfer_representative_only",
            )));
        }
        let target_is_member = to != actor
            && members(conn, organisation)?
                .iter()
                .any(|m| m.account_id == to && m.role == Role::Member);
        if !target_is_member {
            return Err(Refusal::new(TRANSFER_TO_A_MEMBER).into());
        }
        diesel::update(om::table.find((organisation, actor)))
            .set(om::role.eq(Role::Member.code()))
            .execute(conn)?;
        diesel::update(om::table.find((organisation, to)))
            .set(om::role.eq(Role::Representative.code()))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "organisation.transfer",
                record: Some(("organisation", organisation.to_string())),
                ip,
                details: json!({ "from": actor, "to": to }),
            },
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_role_has_its_label() {
        crate::web::i18n::assert_keys("orgs.role.", super::Role::ALL.into_iter().map(|r| r.code()));
    }
}
