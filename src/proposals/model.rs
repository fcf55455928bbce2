//! Proposals in the database: drafts, edits with optimistic locking, transitions through the
//! workflow (each with its public timeline row and audit entry, in one transaction), and the
//! queries of the pages. Every query function runs a fixed number of statements.

use super::fields::{Budget, LongText, Measures, Summary, Title};
use super::listing::{Cursor, SearchText, Sort};
use super::workflow::{self, Action, Actor, Refusal, State};
use crate::audit::{self, Entry};
use crate::auth::fields::DELETED_NAME;
use crate::db::schema::{
    accounts, measures, organisations, proposal_measures as pm, proposal_transitions as pt,
    proposals as p,
};
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Proposals per page of the public list.
pub const PAGE_SIZE: i64 = 20;
/// At most this many proposals on "my proposals".
pub const MINE_MAX: i64 = 200;
/// Proposals shown on a measure's page.
pub const ON_MEASURE_PAGE: i64 = 5;

/// What the form produced, every field parsed.
#[derive(Debug, Clone)]
pub struct Content {
    pub title: Title,
    pub summary: Summary,
    pub local_issue: LongText,
    pub activity_plan: LongText,
    pub expected_effect: LongText,
    pub partners: LongText,
    pub period: LongText,
    pub budget: Budget,
    pub measures: Measures,
    /// Proposed in the name of this organisation.
    pub organisation: Option<Uuid>,
}

/// Why a change was not made, for the form to say next to the field or at its top.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// A field's value is refused by what the database knows (a measure that does not exist, an
    /// organisation the author cannot speak for).
    #[error("{message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// Someone changed the proposal since the form was opened.
    #[error("conflict")]
    Conflict,
    #[error(transparent)]
    Other(#[from] Error),
}

impl From<diesel::result::Error> for Rejected {
    fn from(e: diesel::result::Error) -> Self {
        Rejected::Other(Error::Database(e))
    }
}

pub const CONFLICT_MESSAGE: &str = "この提案は、このページを開いた後に別の画面で変更されました。入力した内容はそのまま残しています。最新の内容を確かめてから、もう一度保存してください。";

/// A proposal as its page shows it.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub organisation: Option<OrgRef>,
    pub state: State,
    pub title: String,
    pub summary: String,
    pub local_issue: String,
    pub activity_plan: String,
    pub expected_effect: String,
    pub partners: String,
    pub period: String,
    pub budget_yen: Option<i64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub measures: Vec<(MeasureCode, String)>,
}

impl Proposal {
    /// Public once submitted, whatever happens next; a draft withdrawn before it was ever
    /// submitted stays with its author.
    pub fn is_public(&self) -> bool {
        self.submitted_at.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct OrgRef {
    pub id: Uuid,
    pub name: String,
    pub verified: bool,
}

/// A row of a list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub state: State,
    pub author_name: String,
    pub organisation: Option<OrgRef>,
    pub created_at: DateTime<Utc>,
    pub measures: Vec<MeasureCode>,
    /// Supports (賛同) so far.
    pub supports: i32,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Listed {
    /// Where a page that ends with this proposal stops, in the order of `sort`.
    pub fn cursor(&self, sort: Sort) -> Cursor {
        Cursor {
            supports: self.supports,
            at: match sort {
                Sort::Decided => self.decided_at.unwrap_or(self.created_at),
                Sort::Newest | Sort::Supported => self.created_at,
            },
            id: self.id,
        }
    }
}

/// One step of the public timeline.
#[derive(Debug, Clone)]
pub struct Step {
    pub from: State,
    pub to: State,
    pub action: String,
    pub actor_role: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

fn state_of(raw: &str) -> Result<State> {
    raw.parse().map_err(Error::Internal)
}

fn code_of(raw: &str) -> Result<MeasureCode> {
    raw.parse()
        .map_err(|_| Error::Internal(format!("malformed measure code {raw:?} in the database")))
}

fn author_name(name: String, deleted: Option<DateTime<Utc>>) -> String {
    if deleted.is_some() {
        DELETED_NAME.to_owned()
    } else {
        name
    }
}

/// Checks the measures exist and the author may speak for the organisation.
fn check_references(
    conn: &mut PgConnection,
    author: Uuid,
    content: &Content,
) -> Result<(), Rejected> {
    let wanted: Vec<String> = content
        .measures
        .codes()
        .iter()
        .map(ToString::to_string)
        .collect();
    let found: Vec<String> = measures::table
        .filter(measures::code.eq_any(&wanted))
        .select(measures::code)
        .load(conn)?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|c| !found.contains(c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Rejected::Field {
            field: "measures",
            message: format!(
                "施策「{}」は計画にありません。番号を確かめてください。",
                missing.join("」「")
            ),
        });
    }
    if let Some(org) = content.organisation {
        if !crate::orgs::can_act_for(conn, author, org)? {
            return Err(Rejected::Field {
                field: "organisation",
                message: "この団体の名義では提案できません。確認済みの団体の会員だけが、その団体の名義で提案できます。".into(),
            });
        }
    }
    Ok(())
}

fn write_measures(conn: &mut PgConnection, id: Uuid, content: &Content) -> Result<(), Rejected> {
    diesel::delete(pm::table.filter(pm::proposal_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = content
        .measures
        .codes()
        .iter()
        .enumerate()
        .map(|(i, code)| {
            (
                pm::proposal_id.eq(id),
                pm::measure_code.eq(code.to_string()),
                pm::position.eq(i as i32),
            )
        })
        .collect();
    diesel::insert_into(pm::table).values(rows).execute(conn)?;
    Ok(())
}

/// Saves a new draft by `author` (a verified account; the caller checked). Returns its id.
pub fn create(
    conn: &mut PgConnection,
    author: Uuid,
    ip: Option<&str>,
    content: &Content,
) -> Result<Uuid, Rejected> {
    conn.transaction(|conn| {
        check_references(conn, author, content)?;
        let id = Uuid::new_v4();
        diesel::insert_into(p::table)
            .values((
                p::id.eq(id),
                p::author_id.eq(author),
                p::organisation_id.eq(content.organisation),
                p::state.eq(State::Draft.as_str()),
                p::title.eq(content.title.as_str()),
                p::summary.eq(content.summary.as_str()),
                p::local_issue.eq(content.local_issue.as_str()),
                p::activity_plan.eq(content.activity_plan.as_str()),
                p::expected_effect.eq(content.expected_effect.as_str()),
                p::partners.eq(content.partners.as_str()),
                p::period.eq(content.period.as_str()),
                p::budget_yen.eq(content.budget.0),
            ))
            .execute(conn)?;
        write_measures(conn, id, content)?;
        audit::record(
            conn,
            Entry {
                actor: Some(author),
                action: "proposal.create",
                record: Some(("proposal", id.to_string())),
                ip,
                details: json!({}),
            },
        )?;
        Ok(id)
    })
}

/// Locks the proposal's row for the rest of the transaction: (author, state, version).
/// A draft is reported missing to anyone but its author, so its existence does not leak.
fn lock(conn: &mut PgConnection, id: Uuid, actor: Uuid) -> Result<(Uuid, State, i32)> {
    let (author, state, version, submitted): (Uuid, String, i32, Option<DateTime<Utc>>) = p::table
        .find(id)
        .select((p::author_id, p::state, p::version, p::submitted_at))
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    if submitted.is_none() && author != actor {
        return Err(Error::NotFound);
    }
    Ok((author, state_of(&state)?, version))
}

/// Whether the author may still change the text in this state.
pub fn editable(state: State) -> bool {
    matches!(state, State::Draft | State::RevisionRequested)
}

/// Saves the author's changes, if nobody changed the proposal since `version` was read.
pub fn update(
    conn: &mut PgConnection,
    actor: Uuid,
    ip: Option<&str>,
    id: Uuid,
    version: i32,
    content: &Content,
) -> Result<(), Rejected> {
    conn.transaction(|conn| {
        let (author, state, current) = lock(conn, id, actor)?;
        if author != actor {
            return Err(Error::Forbidden("この提案を編集できるのは提案者だけです。".into()).into());
        }
        if !editable(state) {
            return Err(Error::BadRequest(format!(
                "この提案は現在「{}」のため、編集できません。",
                workflow::label(state)
            ))
            .into());
        }
        if current != version {
            return Err(Rejected::Conflict);
        }
        check_references(conn, author, content)?;
        diesel::update(p::table.find(id))
            .set((
                p::organisation_id.eq(content.organisation),
                p::title.eq(content.title.as_str()),
                p::summary.eq(content.summary.as_str()),
                p::local_issue.eq(content.local_issue.as_str()),
                p::activity_plan.eq(content.activity_plan.as_str()),
                p::expected_effect.eq(content.expected_effect.as_str()),
                p::partners.eq(content.partners.as_str()),
                p::period.eq(content.period.as_str()),
                p::budget_yen.eq(content.budget.0),
                p::version.eq(current + 1),
                p::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        write_measures(conn, id, content)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: "proposal.update",
                record: Some(("proposal", id.to_string())),
                ip,
                details: json!({ "version": current + 1 }),
            },
        )?;
        Ok(())
    })
}

fn refusal(refusal: Refusal) -> Error {
    match refusal {
        Refusal::NotAllowed => Error::Forbidden(refusal.to_string()),
        Refusal::WrongState(_) | Refusal::ReasonRequired => Error::BadRequest(refusal.to_string()),
    }
}

/// Takes `action` on the proposal as the account `actor` (the proposer's actions in this slice),
/// if the workflow allows it: the state changes, the version moves on, and the public timeline
/// and the audit log get their rows, all in one transaction. `version`, when the form carried
/// one, must still be current.
#[allow(clippy::too_many_arguments)]
pub fn transition(
    conn: &mut PgConnection,
    public_url: &str,
    actor: Uuid,
    ip: Option<&str>,
    id: Uuid,
    action: Action,
    version: Option<i32>,
    reason: Option<&str>,
) -> Result<State, Rejected> {
    conn.transaction(|conn| {
        let (author, state, current) = lock(conn, id, actor)?;
        let role = if author == actor {
            Actor::Proposer
        } else {
            Actor::Other
        };
        let to = workflow::apply(state, action, role, reason).map_err(refusal)?;
        if version.is_some_and(|v| v != current) {
            return Err(Rejected::Conflict);
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let mut changed = diesel::update(p::table.find(id))
            .set((
                p::state.eq(to.as_str()),
                p::version.eq(current + 1),
                p::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        if action == Action::Submit {
            changed += diesel::update(p::table.find(id).filter(p::submitted_at.is_null()))
                .set(p::submitted_at.eq(diesel::dsl::now))
                .execute(conn)?;
        }
        debug_assert!(changed >= 1);
        diesel::insert_into(pt::table)
            .values((
                pt::proposal_id.eq(id),
                pt::from_state.eq(state.as_str()),
                pt::to_state.eq(to.as_str()),
                pt::action.eq(action.as_str()),
                pt::actor_id.eq(actor),
                pt::actor_role.eq("proposer"),
                pt::reason.eq(reason),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            Entry {
                actor: Some(actor),
                action: &format!("proposal.{}", action.as_str()),
                record: Some(("proposal", id.to_string())),
                ip,
                details: json!({ "from": state.as_str(), "to": to.as_str() }),
            },
        )?;
        super::review::after_proposer_action(conn, public_url, id, action)?;
        Ok(to)
    })
}

type ProposalRow = (
    (
        Uuid,
        Uuid,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
        i32,
    ),
    (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>),
    (String, Option<DateTime<Utc>>),
    Option<(Uuid, String, Option<DateTime<Utc>>)>,
);

/// The proposal with its measures, as `viewer` may see it: a draft only for its author.
/// Three queries: the proposal, its measures, its timeline.
pub fn find(
    conn: &mut PgConnection,
    id: Uuid,
    viewer: Option<Uuid>,
) -> Result<(Proposal, Vec<Step>)> {
    let row: Option<ProposalRow> = p::table
        .inner_join(accounts::table)
        .left_join(organisations::table)
        .filter(p::id.eq(id))
        .select((
            (
                p::id,
                p::author_id,
                p::state,
                p::title,
                p::summary,
                p::local_issue,
                p::activity_plan,
                p::expected_effect,
                p::partners,
                p::period,
                p::budget_yen,
                p::version,
            ),
            (p::created_at, p::updated_at, p::submitted_at),
            (accounts::display_name, accounts::deleted_at),
            (
                organisations::id,
                organisations::name,
                organisations::verified_at,
            )
                .nullable(),
        ))
        .first(conn)
        .optional()?;
    let Some((main, (created_at, updated_at, submitted_at), (name, deleted), org)) = row else {
        return Err(Error::NotFound);
    };
    let state = state_of(&main.2)?;
    if submitted_at.is_none() && viewer != Some(main.1) {
        return Err(Error::NotFound);
    }
    let measures = pm::table
        .inner_join(measures::table)
        .filter(pm::proposal_id.eq(id))
        .order(pm::position)
        .select((pm::measure_code, measures::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(code, title)| Ok((code_of(&code)?, title)))
        .collect::<Result<Vec<_>>>()?;
    let timeline = pt::table
        .filter(pt::proposal_id.eq(id))
        .order((pt::at, pt::id))
        .select((
            pt::from_state,
            pt::to_state,
            pt::action,
            pt::actor_role,
            pt::reason,
            pt::at,
        ))
        .load::<(
            String,
            String,
            String,
            String,
            Option<String>,
            DateTime<Utc>,
        )>(conn)?
        .into_iter()
        .map(|(from, to, action, actor_role, reason, at)| {
            Ok(Step {
                from: state_of(&from)?,
                to: state_of(&to)?,
                action,
                actor_role,
                reason,
                at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let proposal = Proposal {
        id: main.0,
        author_id: main.1,
        author_name: author_name(name, deleted),
        organisation: org.map(|(id, name, verified_at)| OrgRef {
            id,
            name,
            verified: verified_at.is_some(),
        }),
        state,
        title: main.3,
        summary: main.4,
        local_issue: main.5,
        activity_plan: main.6,
        expected_effect: main.7,
        partners: main.8,
        period: main.9,
        budget_yen: main.10,
        version: main.11,
        created_at,
        updated_at,
        submitted_at,
        measures,
    };
    Ok((proposal, timeline))
}

/// Filters, order and page of the public list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub measure: Option<MeasureCode>,
    pub state: Option<State>,
    /// Proposed in the name of this organisation.
    pub organisation: Option<Uuid>,
    /// Words in the title or summary.
    pub text: Option<SearchText>,
    pub sort: Sort,
    /// Keyset: the list continues after this proposal, in the order of `sort`.
    pub before: Option<Cursor>,
}

type ListedRow = (
    Uuid,
    String,
    String,
    String,
    DateTime<Utc>,
    (i32, Option<DateTime<Utc>>),
    String,
    Option<DateTime<Utc>>,
    Option<(Uuid, String, Option<DateTime<Utc>>)>,
);

/// Attaches the measure codes of the listed proposals: one query.
fn listed(conn: &mut PgConnection, rows: Vec<ListedRow>) -> Result<Vec<Listed>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let mut codes: HashMap<Uuid, Vec<MeasureCode>> = HashMap::new();
    // Also when there are none, so a page always runs the same statements.
    for (id, code) in pm::table
        .filter(pm::proposal_id.eq_any(&ids))
        .order((pm::proposal_id, pm::position))
        .select((pm::proposal_id, pm::measure_code))
        .load::<(Uuid, String)>(conn)?
    {
        codes.entry(id).or_default().push(code_of(&code)?);
    }
    rows.into_iter()
        .map(
            |(
                id,
                title,
                summary,
                state,
                created_at,
                (supports, decided_at),
                name,
                deleted,
                org,
            )| {
                Ok(Listed {
                    id,
                    title,
                    summary,
                    state: state_of(&state)?,
                    supports,
                    decided_at,
                    author_name: author_name(name, deleted),
                    organisation: org.map(|(id, name, verified_at)| OrgRef {
                        id,
                        name,
                        verified: verified_at.is_some(),
                    }),
                    created_at,
                    measures: codes.remove(&id).unwrap_or_default(),
                })
            },
        )
        .collect()
}

macro_rules! listed_query {
    () => {
        p::table
            .inner_join(accounts::table)
            .left_join(organisations::table)
            .select((
                p::id,
                p::title,
                p::summary,
                p::state,
                p::created_at,
                (p::support_count, p::decided_at),
                accounts::display_name,
                accounts::deleted_at,
                (
                    organisations::id,
                    organisations::name,
                    organisations::verified_at,
                )
                    .nullable(),
            ))
            .into_boxed()
    };
}

/// A row comparison `(columns) < (values)`, which a descending index over the same columns
/// answers as a range: every page costs the same, however deep.
fn after(columns: &str) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("({columns}) < ("))
}

/// A page of public proposals in the filter's order, and whether more follow. Two queries.
pub fn list(conn: &mut PgConnection, filter: &Filter) -> Result<(Vec<Listed>, bool)> {
    use diesel::sql_types::{Integer, Timestamptz, Uuid as SqlUuid};
    let mut query = listed_query!().filter(p::submitted_at.is_not_null());
    if let Some(state) = filter.state {
        query = query.filter(p::state.eq(state.as_str()));
    }
    if let Some(code) = filter.measure {
        query = query.filter(
            p::id.eq_any(
                pm::table
                    .filter(pm::measure_code.eq(code.to_string()))
                    .select(pm::proposal_id),
            ),
        );
    }
    if let Some(org) = filter.organisation {
        query = query.filter(p::organisation_id.eq(org));
    }
    if let Some(text) = &filter.text {
        // The expression of the trigram index (migration 000008), so the index finds the rows.
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "(\"proposals\".\"title\" || ' ' || \"proposals\".\"summary\") ILIKE ",
            )
            .bind::<diesel::sql_types::Text, _>(text.like_pattern()),
        );
    }
    let c = filter.before;
    query = match filter.sort {
        Sort::Newest => {
            if let Some(c) = c {
                query = query.filter(
                    after("\"proposals\".\"created_at\", \"proposals\".\"id\"")
                        .bind::<Timestamptz, _>(c.at)
                        .sql(", ")
                        .bind::<SqlUuid, _>(c.id)
                        .sql(")"),
                );
            }
            query.order((p::created_at.desc(), p::id.desc()))
        }
        Sort::Supported => {
            if let Some(c) = c {
                query = query.filter(
                    after("\"proposals\".\"support_count\", \"proposals\".\"created_at\", \"proposals\".\"id\"")
                        .bind::<Integer, _>(c.supports)
                        .sql(", ")
                        .bind::<Timestamptz, _>(c.at)
                        .sql(", ")
                        .bind::<SqlUuid, _>(c.id)
                        .sql(")"),
                );
            }
            query.order((p::support_count.desc(), p::created_at.desc(), p::id.desc()))
        }
        Sort::Decided => {
            query = query.filter(p::decided_at.is_not_null());
            if let Some(c) = c {
                query = query.filter(
                    after("\"proposals\".\"decided_at\", \"proposals\".\"id\"")
                        .bind::<Timestamptz, _>(c.at)
                        .sql(", ")
                        .bind::<SqlUuid, _>(c.id)
                        .sql(")"),
                );
            }
            query.order((p::decided_at.desc(), p::id.desc()))
        }
    };
    let mut rows: Vec<ListedRow> = query.limit(PAGE_SIZE + 1).load(conn)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((listed(conn, rows)?, more))
}

/// Organisations with public proposals, by name: the list's organisation filter. One query.
pub fn proposing_organisations(conn: &mut PgConnection) -> Result<Vec<(Uuid, String)>> {
    Ok(organisations::table
        .filter(diesel::dsl::exists(
            p::table
                .filter(p::organisation_id.eq(organisations::id.nullable()))
                .filter(p::submitted_at.is_not_null()),
        ))
        .order((organisations::name, organisations::id))
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

/// The account's own proposals, drafts included, newest first. Two queries.
pub fn mine(conn: &mut PgConnection, account: Uuid) -> Result<Vec<Listed>> {
    let rows: Vec<ListedRow> = listed_query!()
        .filter(p::author_id.eq(account))
        .order((p::created_at.desc(), p::id.desc()))
        .limit(MINE_MAX)
        .load(conn)?;
    listed(conn, rows)
}

/// A proposal as a measure's page lists it.
#[derive(Debug, Clone, QueryableByName)]
pub struct OnMeasure {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

/// For a measure's page: how many public proposals answer it, and the newest few. One query.
/// The count is every proposal of the measure minus its unsubmitted ones: an index-only count
/// and a walk over the few never submitted, where checking each proposal would read them all.
pub fn for_measure(conn: &mut PgConnection, code: MeasureCode) -> Result<(i64, Vec<OnMeasure>)> {
    let rows: Vec<OnMeasure> = diesel::sql_query(
        "SELECT p.id, p.title, p.state, p.created_at,
                (SELECT count(*) FROM proposal_measures WHERE measure_code = $1)
                - (SELECT count(*) FROM proposals d
                   WHERE d.submitted_at IS NULL
                     AND EXISTS (SELECT 1 FROM proposal_measures m
                                 WHERE m.proposal_id = d.id AND m.measure_code = $1)) AS total
         FROM proposals p
         WHERE p.submitted_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM proposal_measures m
                       WHERE m.proposal_id = p.id AND m.measure_code = $1)
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(code.to_string())
    .bind::<diesel::sql_types::BigInt, _>(ON_MEASURE_PAGE)
    .load(conn)?;
    Ok((rows.first().map_or(0, |r| r.total), rows))
}

/// The measures offered as checkboxes (the detailed ones, by chapter), for the form.
pub fn detailed_measures(conn: &mut PgConnection) -> Result<Vec<(i32, MeasureCode, String)>> {
    measures::table
        .filter(measures::detailed.eq(true))
        .order((measures::chapter_number, measures::number))
        .select((measures::chapter_number, measures::code, measures::title))
        .load::<(i32, String, String)>(conn)?
        .into_iter()
        .map(|(chapter, code, title)| Ok((chapter, code_of(&code)?, title)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_conflict_message_has_english() {
        crate::web::i18n::assert_english([super::CONFLICT_MESSAGE.to_owned()]);
    }
}
