//! Batches of paper proposals (紙の提案の取込): a file kept from its preview to its import, and
//! the import itself, all its rows or none. Each row becomes a proposal in the state a
//! resident's proposal has after 提出 (submitted, its timeline's first step, its measures),
//! dated the day the paper was received, by an account of the proposer that has no email and
//! no password: nobody signs in as it and no email goes to it.

use super::imports::{Fingerprint, PaperProposal, Proposer};
use super::workflow::{Action, State};
use crate::audit::{self, Entry};
use crate::db::schema::{
    accounts as a, import_batches as b, import_rows as r, measure_departments as md,
    measure_proposal_counts as mpc, measures, proposal_measures as pm, proposal_transitions as pt,
    proposals as p,
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

/// A paper proposal's proposer as the city reaches them (by post: they have no email), and
/// who entered it. Staff only: never on a public page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Contact {
    pub real_name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Who entered it (their display name).
    pub entered_by: String,
}

/// The contact of the proposal's proposer, if it was received on paper.
pub fn contact(conn: &mut PgConnection, proposal: Uuid) -> Result<Option<Contact>> {
    let Some((real_name, address, phone, entered_by)) = p::table
        .inner_join(a::table.on(a::id.eq(p::author_id)))
        .filter(p::id.eq(proposal))
        .filter(p::channel.eq("paper"))
        .select((a::real_name, a::address, a::phone, p::entered_by))
        .first::<(Option<String>, Option<String>, Option<String>, Option<Uuid>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let entered_by = a::table
        .filter(a::id.nullable().eq(entered_by))
        .select(a::display_name)
        .first(conn)?;
    Ok(Some(Contact {
        real_name,
        address,
        phone,
        entered_by,
    }))
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
/// imported adds nothing (`Ok(None)`); any statement that fails rolls back every row.
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
        let authors = proposer_accounts(conn, &proposals)?;
        let made: Vec<Made> = proposals
            .iter()
            .zip(authors)
            .map(|((line, paper), author)| Made {
                id: Uuid::new_v4(),
                line: i32::try_from(*line).unwrap_or(i32::MAX),
                author,
                paper,
            })
            .collect();
        insert(conn, batch, &made, by.id)?;
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

/// A row of the file about to be a proposal.
struct Made<'a> {
    id: Uuid,
    line: i32,
    author: Uuid,
    paper: &'a PaperProposal,
}

/// Rows per INSERT statement (PostgreSQL takes at most 65 535 values in one).
const CHUNK: usize = 1000;

/// The proposals as a resident's are after 提出: submitted (on the received day), version 2,
/// their measures, the first step of their timeline by their proposer, and each linked to its
/// line of the batch; a few statements per thousand rows.
fn insert(conn: &mut PgConnection, batch: i64, made: &[Made<'_>], entered_by: Uuid) -> Result<()> {
    for chunk in made.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|m| {
                let c = &m.paper.content;
                let received = start_of_day(m.paper.received);
                (
                    (
                        p::id.eq(m.id),
                        p::author_id.eq(m.author),
                        p::state.eq(State::Submitted.as_str()),
                        p::title.eq(c.title.as_str()),
                        p::summary.eq(c.summary.as_str()),
                        p::local_issue.eq(c.local_issue.as_str()),
                        p::activity_plan.eq(c.activity_plan.as_str()),
                        p::expected_effect.eq(c.expected_effect.as_str()),
                    ),
                    (
                        p::partners.eq(c.partners.as_str()),
                        p::period.eq(c.period.as_str()),
                        p::budget_yen.eq(c.budget.0),
                        p::version.eq(2),
                        p::created_at.eq(received),
                        p::submitted_at.eq(received),
                        p::channel.eq("paper"),
                        p::entered_by.eq(entered_by),
                    ),
                )
            })
            .collect();
        diesel::insert_into(p::table).values(rows).execute(conn)?;
    }
    // The measures' public counts are kept by triggers row by row: their rows are locked first
    // in code order, and the new rows go in in code order, as every writer of them does
    // (`changes::write_measures`), so concurrent writers never wait for each other in a circle.
    let mut measures: Vec<(String, Uuid, i32)> = made
        .iter()
        .flat_map(|m| {
            m.paper
                .content
                .measures
                .codes()
                .iter()
                .enumerate()
                .map(|(i, code)| (code.to_string(), m.id, i32::try_from(i).unwrap_or(i32::MAX)))
        })
        .collect();
    measures.sort();
    let mut codes: Vec<&str> = measures.iter().map(|(code, _, _)| code.as_str()).collect();
    codes.dedup();
    mpc::table
        .filter(mpc::measure_code.eq_any(&codes))
        .order(mpc::measure_code)
        .select(mpc::measure_code)
        .for_update()
        .load::<String>(conn)?;
    for chunk in measures.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(code, id, position)| {
                (
                    pm::proposal_id.eq(*id),
                    pm::measure_code.eq(code),
                    pm::position.eq(*position),
                )
            })
            .collect();
        diesel::insert_into(pm::table).values(rows).execute(conn)?;
    }
    for chunk in made.chunks(CHUNK) {
        let steps: Vec<_> = chunk
            .iter()
            .map(|m| {
                (
                    pt::proposal_id.eq(m.id),
                    pt::from_state.eq(State::Draft.as_str()),
                    pt::to_state.eq(State::Submitted.as_str()),
                    pt::action.eq(Action::Submit.as_str()),
                    pt::actor_id.eq(m.author),
                    pt::actor_role.eq("proposer"),
                    pt::at.eq(start_of_day(m.paper.received)),
                )
            })
            .collect();
        diesel::insert_into(pt::table).values(steps).execute(conn)?;
        let lines: Vec<_> = chunk
            .iter()
            .map(|m| {
                (
                    r::batch_id.eq(batch),
                    r::line.eq(m.line),
                    r::proposal_id.eq(m.id),
                )
            })
            .collect();
        diesel::insert_into(r::table).values(lines).execute(conn)?;
    }
    Ok(())
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

/// Each proposal's proposer, an account without email or password: the one an earlier paper
/// proposal of the same name, address and public name made, else a new one (one for all the
/// rows of a person in the file). Two statements, and one more per thousand new accounts.
fn proposer_accounts(
    conn: &mut PgConnection,
    proposals: &[(usize, PaperProposal)],
) -> Result<Vec<Uuid>> {
    let keys: Vec<(String, String, String)> = proposals
        .iter()
        .map(|(_, paper)| {
            let who = &paper.proposer;
            (who.real_name.clone(), who.address.clone(), shown_name(who))
        })
        .collect();
    let names: Vec<&str> = keys.iter().map(|(name, _, _)| name.as_str()).collect();
    let mut known: HashMap<(String, String, String), Uuid> = HashMap::new();
    for (id, name, address, shown) in a::table
        .filter(a::email.is_null())
        .filter(a::password_hash.is_null())
        .filter(a::deleted_at.is_null())
        .filter(a::real_name.eq_any(&names))
        .order(a::created_at)
        .select((a::id, a::real_name, a::address, a::display_name))
        .load::<(Uuid, Option<String>, Option<String>, String)>(conn)?
    {
        if let (Some(name), Some(address)) = (name, address) {
            known.entry((name, address, shown)).or_insert(id);
        }
    }
    let mut new = Vec::new();
    let ids = proposals
        .iter()
        .zip(&keys)
        .map(|((_, paper), key)| {
            *known.entry(key.clone()).or_insert_with(|| {
                let id = Uuid::new_v4();
                new.push((id, &paper.proposer, &key.2));
                id
            })
        })
        .collect();
    for chunk in new.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, who, shown)| {
                (
                    a::id.eq(*id),
                    a::display_name.eq(shown.as_str()),
                    a::real_name.eq(&who.real_name),
                    a::address.eq(&who.address),
                    a::phone.eq(&who.phone),
                    a::unsubscribe_token.eq(crate::tokens::new_secret()),
                    a::lang.eq(Lang::Ja.code()),
                )
            })
            .collect();
        diesel::insert_into(a::table).values(rows).execute(conn)?;
    }
    Ok(ids)
}
