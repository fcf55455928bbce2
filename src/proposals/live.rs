//! Kyodo's live count beside the plan's KPI 5-1 「市民提案型事業数」. The official KPI stays as
//! the plan says (its baseline and target are not touched); this only counts what Kyodo knows.

use crate::error::Result;
use crate::plan::model::Kpi;
use crate::plan::sections::{LiveCounter, LiveFigure};
use diesel::prelude::*;

/// The KPI the live count belongs beside: measure 5-1, by its name in the plan (ids differ
/// between databases).
pub const KPI_MEASURE: &str = "5-1";
pub const KPI_NAME: &str = "市民提案型事業数";

/// States that count as an adopted proposal (adopted, and on to work and completion).
pub const COUNTED: [&str; 3] = ["adopted", "in_progress", "completed"];

/// The count as the measure page and API show it (registered by `app`).
pub const COUNTER: LiveCounter = LiveCounter {
    beside: is_live_kpi,
    count: |conn, _| Ok(LiveFigure::AdoptedProposals(adopted_proposals(conn)?)),
};

/// Whether `kpi` is the one the live count goes beside.
pub fn is_live_kpi(kpi: &Kpi) -> bool {
    kpi.measure.to_string() == KPI_MEASURE && kpi.name == KPI_NAME
}

/// Adopted (also in progress or completed) proposals. Every proposal answers one to three
/// measures (the form refuses it without), so it counts by state alone, from the counts by
/// state that triggers keep (migration 000018): counting the proposals grew with them. One query.
pub fn adopted_proposals(conn: &mut PgConnection) -> Result<i64> {
    use crate::db::schema::proposal_state_counts as c;
    let counts: Vec<i64> = c::table
        .filter(c::state.eq_any(COUNTED))
        .select(c::proposals)
        .load(conn)?;
    Ok(counts.iter().sum())
}
