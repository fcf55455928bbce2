//! Kyodo's live count beside the plan's KPI 6-1 「市民の意見を聴く場の実施回数 [対話集会・
//! ワークショップ等]」: in the current fiscal year (April–March, in Tokyo), the meetings held
//! (published, not cancelled, attendance recorded) by kind, and the consultations opened. The
//! official KPI (105 → 110) stays as the plan says; this counts only what Kyodo knows.

use super::rules::Kind;
use crate::consultations::model::opened_in_fiscal_year;
use crate::consultations::period::{day_of, start_of_day};
use crate::db::schema::meetings as m;
use crate::error::Result;
use crate::plan::model::Kpi;
use crate::plan::sections::{Held, KindCount, LiveCounter, LiveFigure};
use crate::wareki::fiscal_year_of;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// The KPI the count belongs beside: measure 6-1, by its name in the plan.
pub const KPI_MEASURE: &str = "6-1";
pub const KPI_NAME: &str = "市民の意見を聴く場の実施回数";

/// What the consultations' row of the one statement is called (no meeting kind is).
const CONSULTATIONS: &str = "consultation";

/// The count as the measure page and API show it (registered by `app`).
pub const COUNTER: LiveCounter = LiveCounter {
    beside: is_live_kpi,
    count: |conn, now| Ok(LiveFigure::Held(held(conn, now)?)),
};

pub fn is_live_kpi(kpi: &Kpi) -> bool {
    kpi.measure.to_string() == KPI_MEASURE && kpi.name == KPI_NAME
}

/// The fiscal year of `now`, its meetings held by kind and its consultations opened so far.
/// One prepared statement: the meetings grouped by kind, with the consultations' count.
pub fn held(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Held> {
    let today = day_of(now);
    let year = fiscal_year_of(start_of_day(today));
    let (from, to) = fiscal_year_bounds(year);
    let meetings = m::table
        .filter(m::published_at.le(now))
        .filter(m::cancelled_at.is_null())
        .filter(m::attendance_recorded_at.is_not_null())
        .filter(m::starts_at.ge(from))
        .filter(m::starts_at.lt(to))
        .group_by(m::kind)
        .select((m::kind, count_star()));
    let consultations =
        opened_in_fiscal_year(year, today).select((CONSULTATIONS.into_sql::<Text>(), count_star()));
    // A fixed text: safe to keep prepared, which diesel cannot tell for the `dsl::sql` in the
    // consultations' filter.
    let rows: Vec<(String, i64)> =
        crate::db::prepared(meetings.union_all(consultations)).load(conn)?;
    Ok(tally(year, &rows))
}

/// The first instant of fiscal year `year` in Tokyo (1 April, 00:00) and of the next one.
fn fiscal_year_bounds(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let april = |y: i32| NaiveDate::from_ymd_opt(y, 4, 1).expect("1 April exists");
    (start_of_day(april(year)), start_of_day(april(year + 1)))
}

/// The statement's rows as the figure: every kind, zeros too, in [`Kind::ALL`]'s order.
fn tally(fiscal_year: i32, rows: &[(String, i64)]) -> Held {
    let count = |code: &str| -> i64 {
        rows.iter()
            .filter(|(kind, _)| kind == code)
            .map(|(_, n)| n)
            .sum()
    };
    Held {
        fiscal_year,
        meetings: Kind::ALL
            .into_iter()
            .map(|kind| KindCount {
                kind: kind.code(),
                label: kind.label(),
                count: count(kind.code()),
            })
            .collect(),
        consultations: count(CONSULTATIONS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fiscal_year_runs_from_the_first_of_april_in_tokyo() {
        let (from, to) = fiscal_year_bounds(2026);
        assert_eq!(from.to_rfc3339(), "2026-03-31T15:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2027-03-31T15:00:00+00:00");
        assert_eq!(fiscal_year_of(to - chrono::Duration::seconds(1)), 2026);
        assert_eq!(fiscal_year_of(to), 2027);
    }

    #[test]
    fn every_kind_is_counted_apart_and_the_consultations_beside_them() {
        let held = tally(
            2026,
            &[
                ("workshop".into(), 2),
                ("dialogue".into(), 1),
                (CONSULTATIONS.into(), 3),
            ],
        );
        assert_eq!(held.fiscal_year, 2026);
        assert_eq!(held.meetings.len(), Kind::ALL.len());
        assert_eq!(
            held.meetings
                .iter()
                .map(|k| (k.kind, k.count))
                .take(3)
                .collect::<Vec<_>>(),
            [("dialogue", 1), ("workshop", 2), ("briefing", 0)]
        );
        assert_eq!((held.consultations, held.total()), (3, 6));
    }
}
