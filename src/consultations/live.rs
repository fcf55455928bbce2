//! Kyodo's live count beside the plan's KPI 6-1 「市民の意見を聴く場の実施回数」: the
//! consultations opened in the current fiscal year (April–March, in Tokyo). The official KPI
//! counts dialogues and workshops too and stays as the plan says; this counts only what Kyodo
//! knows.

use super::model;
use super::period::{day_of, start_of_day};
use crate::error::Result;
use crate::plan::model::Kpi;
use crate::plan::sections::{LiveCounter, LiveFigure};
use crate::wareki::fiscal_year_of;
use chrono::{DateTime, Utc};
use diesel::PgConnection;

/// The KPI the count belongs beside: measure 6-1, by its name in the plan.
pub const KPI_MEASURE: &str = "6-1";
pub const KPI_NAME: &str = "市民の意見を聴く場の実施回数";

/// The count as the measure page and API show it (registered by `app`).
pub const COUNTER: LiveCounter = LiveCounter {
    beside: is_live_kpi,
    count: |conn, now| {
        let (fiscal_year, count) = held(conn, now)?;
        Ok(LiveFigure::Consultations { fiscal_year, count })
    },
};

pub fn is_live_kpi(kpi: &Kpi) -> bool {
    kpi.measure.to_string() == KPI_MEASURE && kpi.name == KPI_NAME
}

/// The fiscal year of `now` and the consultations opened in it so far. One query.
pub fn held(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<(i32, i64)> {
    let today = day_of(now);
    let year = fiscal_year_of(start_of_day(today));
    Ok((year, model::held_in_fiscal_year(conn, year, today)?))
}
