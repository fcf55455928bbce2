//! KPIs for the chart's unit tests, and what they look at.

use super::{chart, Chart};
use crate::plan::model::{Actual, Kpi};
use crate::plan::progress::Direction;
use crate::plan::quantity::Quantity;
use crate::web::i18n::Lang;

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}

pub fn kpi(
    direction: Direction,
    unit: &str,
    baseline: Option<&str>,
    target: &str,
    actuals: &[(i32, &str)],
) -> Kpi {
    Kpi {
        id: 1,
        measure: "5-1".parse().unwrap(),
        name: "指標".into(),
        definition: None,
        unit: unit.into(),
        baseline: baseline.map(q),
        target: q(target),
        direction,
        note: None,
        actuals: actuals
            .iter()
            .map(|(year, value)| Actual {
                fiscal_year: *year,
                value: q(value),
                source: "調べ".into(),
                note: None,
            })
            .collect(),
    }
}

/// The y-axis labels, lowest first.
pub fn labels(chart: &Chart) -> Vec<&str> {
    chart.ticks.iter().map(|t| t.label.as_str()).collect()
}

pub fn npo() -> Chart {
    // NPO法人登録数 43 → 50 団体; the actual values arrive out of order.
    let k = kpi(
        Direction::Increase,
        "団体",
        Some("43"),
        "50",
        &[(2024, "46"), (2023, "44")],
    );
    chart(Lang::Ja, &k).unwrap()
}
