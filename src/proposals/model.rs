//! Proposals as the pages read them: the types, and the queries of the pages (a proposal, the
//! public list, "my proposals", a measure's few). Every query function runs a fixed number of
//! statements. The proposer's changes are in `changes`, the staff's in `review`.

use super::listing::{Cursor, SearchText, Sort};
use super::workflow::State;
use crate::auth::fields::DELETED_NAME;
use crate::db::schema::{
    accounts, measure_departments as md, measures, organisations, proposal_measures as pm,
    proposal_transitions as pt, proposals as p,
};
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;

/// Proposals per page of the public list.
pub const PAGE_SIZE: i64 = 20;
/// At most this many proposals on "my proposals".
pub const MINE_MAX: i64 = 200;
/// Proposals shown on a measure's page.
pub const ON_MEASURE_PAGE: i64 = 5;

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
    /// Received on paper and entered by the city (紙で提出).
    pub on_paper: bool,
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

pub(super) fn state_of(raw: &str) -> Result<State> {
    raw.parse()
        .map_err(|e: Refusal| Error::Internal(e.to_string()))
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

/// Whether the author may still change the text in this state.
pub fn editable(state: State) -> bool {
    matches!(state, State::Draft | State::RevisionRequested)
}

/// Why the text of a proposal in `state` cannot be changed.
pub fn not_editable(state: State) -> Error {
    Error::Refused(Refusal::new("msg.proposal_not_editable").label("state", state.label_key()))
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
    (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>, String),
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
    let Some(row) = proposal_row(conn, id)? else {
        return Err(Error::NotFound);
    };
    let (main, (_, _, submitted_at, _), _, _) = &row;
    let state = state_of(&main.2)?;
    if submitted_at.is_none() && viewer != Some(main.1) {
        return Err(Error::NotFound);
    }
    let measures = measures_of(conn, id)?;
    let timeline = timeline(conn, id)?;
    Ok((proposal_of(row, state, measures), timeline))
}

/// The proposal's row with its author and organisation, whoever may see it.
fn proposal_row(conn: &mut PgConnection, id: Uuid) -> Result<Option<ProposalRow>> {
    Ok(p::table
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
            (p::created_at, p::updated_at, p::submitted_at, p::channel),
            (accounts::display_name, accounts::deleted_at),
            (
                organisations::id,
                organisations::name,
                organisations::verified_at,
            )
                .nullable(),
        ))
        .first(conn)
        .optional()?)
}

/// The proposal's measures with their titles, in the order the author gave them.
fn measures_of(conn: &mut PgConnection, id: Uuid) -> Result<Vec<(MeasureCode, String)>> {
    pm::table
        .inner_join(measures::table)
        .filter(pm::proposal_id.eq(id))
        .order(pm::position)
        .select((pm::measure_code, measures::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(code, title)| Ok((code_of(&code)?, title)))
        .collect()
}

type StepRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
);

/// The proposal's public timeline, oldest first.
fn timeline(conn: &mut PgConnection, id: Uuid) -> Result<Vec<Step>> {
    pt::table
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
        .load::<StepRow>(conn)?
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
        .collect()
}

fn org_ref((id, name, verified_at): (Uuid, String, Option<DateTime<Utc>>)) -> OrgRef {
    OrgRef {
        id,
        name,
        verified: verified_at.is_some(),
    }
}

fn proposal_of(
    (main, (created_at, updated_at, submitted_at, channel), (name, deleted), org): ProposalRow,
    state: State,
    measures: Vec<(MeasureCode, String)>,
) -> Proposal {
    Proposal {
        id: main.0,
        author_id: main.1,
        author_name: author_name(name, deleted),
        organisation: org.map(org_ref),
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
        on_paper: channel == "paper",
    }
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
                    organisation: org.map(org_ref),
                    created_at,
                    measures: codes.remove(&id).unwrap_or_default(),
                })
            },
        )
        .collect()
}

type ListedColumns = (
    p::id,
    p::title,
    p::summary,
    p::state,
    p::created_at,
    (p::support_count, p::decided_at),
    accounts::display_name,
    accounts::deleted_at,
    diesel::dsl::Nullable<(
        organisations::id,
        organisations::name,
        organisations::verified_at,
    )>,
);

/// How a list reaches the proposals of one measure: `proposal_measures` joined on the measure
/// code (NULL when the list is not filtered by measure: then no row matches, no column of it is
/// used and PostgreSQL drops the join from the plan).
type MeasureJoin = diesel::dsl::And<
    diesel::dsl::Eq<pm::proposal_id, p::id>,
    diesel::dsl::Eq<diesel::dsl::Nullable<pm::measure_code>, Option<String>>,
>;

/// The query of a list's rows, before its filters and order.
type ListedQuery<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::LeftJoinOn<
            diesel::dsl::LeftJoin<
                diesel::dsl::InnerJoin<p::table, accounts::table>,
                organisations::table,
            >,
            pm::table,
            MeasureJoin,
        >,
        ListedColumns,
    >,
    diesel::pg::Pg,
>;

/// The rows of a list, joined with the measure's `proposal_measures` when `measure` is given
/// (filtered and, newest first, ordered by [`filtered`] and [`in_order`]).
fn listed_query<'a>(measure: Option<MeasureCode>) -> ListedQuery<'a> {
    p::table
        .inner_join(accounts::table)
        .left_join(organisations::table)
        .left_join(
            pm::table.on(pm::proposal_id.eq(p::id).and(
                pm::measure_code
                    .nullable()
                    .eq(measure.map(|m| m.to_string())),
            )),
        )
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
}

/// A row comparison `(columns) < (values)`, which a descending index over the same columns
/// answers as a range: every page costs the same, however deep.
fn after(columns: &str) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("({columns}) < ("))
}

/// A page of public proposals in the filter's order, and whether more follow. Two queries.
pub fn list(conn: &mut PgConnection, filter: &Filter) -> Result<(Vec<Listed>, bool)> {
    let query = in_order(filtered(filter), filter);
    // Its text is one of the few that the sort, the filters given and a cursor make (the values
    // are binds): safe to keep prepared, which diesel cannot tell for the `dsl::sql` in it.
    let mut rows: Vec<ListedRow> = crate::db::limited(query, PAGE_SIZE + 1).load(conn)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok((listed(conn, rows)?, more))
}

/// The public proposals the filter's measure, state, organisation and words choose.
fn filtered<'a>(filter: &Filter) -> ListedQuery<'a> {
    let mut query = listed_query(filter.measure).filter(p::submitted_at.is_not_null());
    if let Some(state) = filter.state {
        query = query.filter(p::state.eq(state.as_str()));
    }
    if filter.measure.is_some() {
        query = query.filter(pm::proposal_id.nullable().is_not_null());
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
    query
}

/// The filter's order, continued after its cursor (keyset paging).
fn in_order<'a>(mut query: ListedQuery<'a>, filter: &Filter) -> ListedQuery<'a> {
    use diesel::sql_types::{Integer, Timestamptz, Uuid as SqlUuid};
    let c = filter.before;
    match filter.sort {
        // Filtered by measure, in the order of the measure's index (migration 000024), which
        // holds each proposal's creation time: a range of it, however many the measure has.
        Sort::Newest if filter.measure.is_some() => {
            if let Some(c) = c {
                query = query.filter(
                    after("\"proposal_measures\".\"proposal_created_at\", \"proposal_measures\".\"proposal_id\"")
                        .bind::<Timestamptz, _>(c.at)
                        .sql(", ")
                        .bind::<SqlUuid, _>(c.id)
                        .sql(")"),
                );
            }
            query.order((
                pm::proposal_created_at.nullable().desc(),
                pm::proposal_id.nullable().desc(),
            ))
        }
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
    }
}

/// Organisations with public proposals, by name: the list's organisation filter. One query.
/// It skips from one proposing organisation to the next on the organisation index (one probe
/// each, whatever their proposals), where asking every organisation probed them all.
pub fn proposing_organisations(conn: &mut PgConnection) -> Result<Vec<(Uuid, String)>> {
    #[derive(QueryableByName)]
    struct Proposing {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let rows: Vec<Proposing> = crate::db::prepared(diesel::sql_query(
        "WITH RECURSIVE proposing (id) AS (
           (SELECT organisation_id FROM proposals
            WHERE organisation_id IS NOT NULL AND submitted_at IS NOT NULL
            ORDER BY organisation_id LIMIT 1)
           UNION ALL
           SELECT (SELECT p.organisation_id FROM proposals p
                   WHERE p.organisation_id > proposing.id AND p.submitted_at IS NOT NULL
                   ORDER BY p.organisation_id LIMIT 1)
           FROM proposing WHERE proposing.id IS NOT NULL)
         SELECT o.id, o.name FROM organisations o JOIN proposing ON proposing.id = o.id
         ORDER BY o.name, o.id",
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}

/// The account's own proposals, drafts included, newest first. Two queries.
pub fn mine(conn: &mut PgConnection, account: Uuid) -> Result<Vec<Listed>> {
    let rows: Vec<ListedRow> = listed_query(None)
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
/// The count is the one triggers keep per measure (migration 000018): counting the measure's
/// proposals grew with them. The newest are the first of the measure's own index (migration
/// 000024); the page size is in the text (see [`crate::db::limited`]).
pub fn for_measure(conn: &mut PgConnection, code: MeasureCode) -> Result<(i64, Vec<OnMeasure>)> {
    let rows: Vec<OnMeasure> = crate::db::limited(
        diesel::sql_query(
            "SELECT p.id, p.title, p.state, p.created_at,
                coalesce((SELECT proposals FROM measure_proposal_counts WHERE measure_code = $1), 0)
                    AS total
         FROM proposal_measures m JOIN proposals p ON p.id = m.proposal_id
         WHERE m.measure_code = $1 AND p.submitted_at IS NOT NULL
         ORDER BY m.proposal_created_at DESC, m.proposal_id DESC",
        )
        .bind::<diesel::sql_types::Text, _>(code.to_string()),
        ON_MEASURE_PAGE,
    )
    .load(conn)?;
    Ok((rows.first().map_or(0, |r| r.total), rows))
}

/// The departments responsible for one of the proposal's measures.
pub fn responsible_departments(conn: &mut PgConnection, proposal: Uuid) -> Result<Vec<i32>> {
    Ok(responsible_departments_of(conn, &[proposal])?
        .remove(&proposal)
        .unwrap_or_default())
}

/// The departments responsible for each of `proposals` (sorted, once each), in one statement.
pub fn responsible_departments_of(
    conn: &mut PgConnection,
    proposals: &[Uuid],
) -> Result<HashMap<Uuid, Vec<i32>>> {
    let rows: Vec<(Uuid, i32)> = pm::table
        .inner_join(md::table.on(md::measure_code.eq(pm::measure_code)))
        .filter(pm::proposal_id.eq_any(proposals))
        .select((pm::proposal_id, md::department_id))
        .load(conn)?;
    let mut of: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for (proposal, department) in rows {
        of.entry(proposal).or_default().push(department);
    }
    for ids in of.values_mut() {
        ids.sort_unstable();
        ids.dedup();
    }
    Ok(of)
}
