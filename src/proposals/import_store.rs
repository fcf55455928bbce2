//! Batches of paper proposals (紙の提案の取込): a file kept from its preview to its import, and
//! the import itself, all its rows or none. Each row becomes a proposal in the state a
//! resident's proposal has after 提出 (submitted, its timeline's first step, its measures),
//! dated the day the paper was received, by an account of the proposer that has no email and
//! no password: nobody signs in as it and no email goes to it.

use super::changes::{write_measures, Rejected};
use super::imports::{Fingerprint, PaperProposal, Proposer};
use super::workflow::{Action, State};
use crate::audit::{self, Entry};
use crate::db::schema::{
    accounts as a, import_batches as b, import_rows as r, measure_departments as md, measures,
    proposal_transitions as pt, proposals as p,
};
use crate::error::{Error, Result};
use crate::imports::{columns, kept_name, Batch};
use crate::wareki::{day_of, start_of_day};
use crate::web::i18n::{t, Lang};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

const KIND: &str = "proposals";

/// Whose batches a staff member sees: their own, or (`None`) every one, for an admin.
pub type Uploader = Option<Uuid>;

/// Keeps an uploaded file for its preview: a new batch, or the one the same file already has
/// (previewed or imported, by anyone: the same file is never imported twice). `None` when
/// that batch is someone else's.
pub fn keep(
    conn: &mut PgConnection,
    filename: &str,
    bytes: &[u8],
    by: Uuid,
    sees: Uploader,
) -> Result<Option<i64>> {
    let sha = crate::tokens::sha256_hex(bytes);
    diesel::insert_into(b::table)
        .values((
            b::kind.eq(KIND),
            b::sha256.eq(&sha),
            b::filename.eq(kept_name(filename)),
            b::bytes.eq(bytes),
            b::uploaded_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    let (id, uploader): (i64, Uuid) = b::table
        .filter(b::kind.eq(KIND))
        .filter(b::sha256.eq(&sha))
        .select((b::id, b::uploaded_by))
        .first(conn)?;
    Ok(sees.is_none_or(|me| me == uploader).then_some(id))
}

/// The batches of paper proposals `sees` may see, newest first.
pub fn list(conn: &mut PgConnection, sees: Uploader) -> Result<Vec<Batch>> {
    let mut query = b::table
        .left_join(a::table.on(a::id.nullable().eq(b::imported_by)))
        .filter(b::kind.eq(KIND))
        .order(b::id.desc())
        .select(columns())
        .into_boxed();
    if let Some(me) = sees {
        query = query.filter(b::uploaded_by.eq(me));
    }
    Ok(query.load(conn)?)
}

/// A batch of paper proposals `sees` may see, with its file's bytes.
pub fn find(
    conn: &mut PgConnection,
    batch: i64,
    sees: Uploader,
) -> Result<Option<(Batch, Vec<u8>)>> {
    let mut query = b::table
        .left_join(a::table.on(a::id.nullable().eq(b::imported_by)))
        .filter(b::kind.eq(KIND))
        .filter(b::id.eq(batch))
        .select((columns(), b::bytes))
        .into_boxed();
    if let Some(me) = sees {
        query = query.filter(b::uploaded_by.eq(me));
    }
    Ok(query.first(conn).optional()?)
}

/// Every measure of the plan by code, with the department responsible for it (if any).
pub fn measure_departments(conn: &mut PgConnection) -> Result<HashMap<String, Option<i32>>> {
    Ok(measures::table
        .left_join(md::table)
        .select((measures::code, md::department_id.nullable()))
        .load::<(String, Option<i32>)>(conn)?
        .into_iter()
        .collect())
}

/// The paper proposals already imported (or typed in), by their fingerprint.
pub fn known(conn: &mut PgConnection) -> Result<HashSet<Fingerprint>> {
    Ok(p::table
        .inner_join(a::table.on(a::id.eq(p::author_id)))
        .filter(p::channel.eq("paper"))
        .select((p::submitted_at, a::real_name, p::title))
        .load::<(Option<DateTime<Utc>>, Option<String>, String)>(conn)?
        .into_iter()
        .filter_map(|(at, name, title)| Some((day_of(at?), name?, title)))
        .collect())
}

/// Who imports, when and from where.
#[derive(Debug, Clone, Copy)]
pub struct Importer<'a> {
    pub id: Uuid,
    pub sees: Uploader,
    pub now: DateTime<Utc>,
    pub ip: Option<&'a str>,
}

/// Imports the batch's proposals (each with its line) in one transaction: a batch already
/// imported adds nothing (`Ok(None)`); a measure removed meanwhile refuses the whole file.
pub fn import(
    conn: &mut PgConnection,
    batch: i64,
    proposals: Vec<(usize, PaperProposal)>,
    by: Importer<'_>,
) -> Result<Option<usize>> {
    conn.transaction(|conn| {
        let (status, uploader): (String, Uuid) = b::table
            .filter(b::kind.eq(KIND))
            .filter(b::id.eq(batch))
            .select((b::status, b::uploaded_by))
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(Error::NotFound)?;
        if by.sees.is_some_and(|me| me != uploader) {
            return Err(Error::NotFound);
        }
        if status == "imported" {
            return Ok(None);
        }
        let count = proposals.len();
        // A proposer with several proposals in the file is one account.
        let mut authors: HashMap<(String, String, String), Uuid> = HashMap::new();
        for (line, paper) in proposals {
            let who = &paper.proposer;
            let key = (who.real_name.clone(), who.address.clone(), shown_name(who));
            let author = match authors.get(&key) {
                Some(id) => *id,
                None => {
                    let id = proposer_account(conn, who, &key.2)?;
                    authors.insert(key, id);
                    id
                }
            };
            let id = insert(conn, author, &paper, by.id)?;
            diesel::insert_into(r::table)
                .values((
                    r::batch_id.eq(batch),
                    r::line.eq(i32::try_from(line).unwrap_or(i32::MAX)),
                    r::proposal_id.eq(id),
                ))
                .execute(conn)?;
        }
        let rows = i32::try_from(count).unwrap_or(i32::MAX);
        diesel::update(b::table.filter(b::id.eq(batch)))
            .set((
                b::status.eq("imported"),
                b::row_count.eq(rows),
                b::imported_by.eq(by.id),
                b::imported_at.eq(by.now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(by.id),
                action: "proposal.import",
                record: Some(("import_batch", batch.to_string())),
                ip: by.ip,
                details: json!({ "rows": rows }),
            },
        )?;
        Ok(Some(count))
    })
}

/// The proposal as a resident's is after 提出: submitted (on the received day), version 2,
/// its measures and the first step of its timeline, by its proposer.
fn insert(
    conn: &mut PgConnection,
    author: Uuid,
    paper: &PaperProposal,
    entered_by: Uuid,
) -> Result<Uuid> {
    let (id, c) = (Uuid::new_v4(), &paper.content);
    let received = start_of_day(paper.received);
    diesel::insert_into(p::table)
        .values((
            p::id.eq(id),
            p::author_id.eq(author),
            p::state.eq(State::Submitted.as_str()),
            p::title.eq(c.title.as_str()),
            p::summary.eq(c.summary.as_str()),
            p::local_issue.eq(c.local_issue.as_str()),
            p::activity_plan.eq(c.activity_plan.as_str()),
            p::expected_effect.eq(c.expected_effect.as_str()),
            p::partners.eq(c.partners.as_str()),
            p::period.eq(c.period.as_str()),
            p::budget_yen.eq(c.budget.0),
            p::version.eq(2),
            p::created_at.eq(received),
            p::submitted_at.eq(received),
            p::channel.eq("paper"),
            p::entered_by.eq(entered_by),
        ))
        .execute(conn)?;
    write_measures(conn, id, c).map_err(|rejected| match rejected {
        Rejected::Other(e) => e,
        other => Error::Internal(other.to_string()),
    })?;
    diesel::insert_into(pt::table)
        .values((
            pt::proposal_id.eq(id),
            pt::from_state.eq(State::Draft.as_str()),
            pt::to_state.eq(State::Submitted.as_str()),
            pt::action.eq(Action::Submit.as_str()),
            pt::actor_id.eq(author),
            pt::actor_role.eq("proposer"),
            pt::at.eq(received),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The name shown beside the proposal: the public name given, else "a proposer on paper" (in
/// Japanese: a display name is data, shown as it is stored).
fn shown_name(proposer: &Proposer) -> String {
    proposer
        .public_name
        .as_ref()
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|| t(Lang::Ja, "proposals.paper_proposer"))
}

/// The proposer's account without email or password: the one an earlier paper proposal of
/// the same name, address and public name made, else a new one.
fn proposer_account(conn: &mut PgConnection, proposer: &Proposer, shown: &str) -> Result<Uuid> {
    let known = a::table
        .filter(a::email.is_null())
        .filter(a::password_hash.is_null())
        .filter(a::deleted_at.is_null())
        .filter(a::real_name.eq(&proposer.real_name))
        .filter(a::address.eq(&proposer.address))
        .filter(a::display_name.eq(shown))
        .select(a::id)
        .first(conn)
        .optional()?;
    if let Some(id) = known {
        return Ok(id);
    }
    let id = Uuid::new_v4();
    diesel::insert_into(a::table)
        .values((
            a::id.eq(id),
            a::display_name.eq(shown),
            a::real_name.eq(&proposer.real_name),
            a::address.eq(&proposer.address),
            a::phone.eq(&proposer.phone),
            a::unsubscribe_token.eq(crate::tokens::new_secret()),
            a::lang.eq(Lang::Ja.code()),
        ))
        .execute(conn)?;
    Ok(id)
}
