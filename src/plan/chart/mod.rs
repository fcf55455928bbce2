//! The KPI chart (成果指標の推移のグラフ): baseline (現状値) → actual values (実績値) by fiscal
//! year → target (目標値), or any other value by fiscal year such as a measure's satisfaction
//! (施策に係る市民満足度, no target), as plain geometry that `templates/plan/_kpi_chart.hbs` draws as an
//! inline SVG. Pure: no database, no I/O, no markup. Coordinates are in SVG user units of a
//! fixed drawing ([`WIDTH`] × [`HEIGHT`], scaled to the page by CSS) and rounded to one decimal,
//! so the markup is stable.
//!
//! This module holds what the template reads ([`Chart`] and its parts); [`chart`] (a KPI) and [`trend`] (a
//! [`Series`]) build it in `layout`, from the y-axis scale of `axis` and the label texts and places of `labels`.

mod axis;
#[cfg(test)]
mod fixtures;
mod labels;
mod layout;

pub use labels::{text_width, FONT};
pub use layout::{chart, trend, Series};

use super::progress::Direction;
use serde::Serialize;

/// The drawing's width in SVG user units.
pub const WIDTH: f64 = 640.0;
/// The drawing's height in SVG user units.
pub const HEIGHT: f64 = 260.0;

/// A KPI's chart, or any [`Series`]' (a measure's satisfaction year by year, without a
/// target); `None` from [`chart`] or [`trend`] when there is no actual value to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Unique on the page, for the SVG's ids (`kpi-chart-{id}`): the KPI's position, or
    /// `satisfaction`; and the series' name for the caption and the accessible name. Carried
    /// by the chart, not passed to its partial as parameters: a partial given parameters
    /// renders from a copy of its whole context (docs/PERFORMANCE.md, callgrind).
    pub id: String,
    pub name: String,
    /// The viewBox: `0 0 width height`.
    pub width: u32,
    pub height: u32,
    /// The area inside the axes.
    pub plot: Plot,
    /// The target's direction; none without a target.
    pub direction: Option<Direction>,
    /// The KPI's unit, written once above the y-axis labels.
    pub unit: String,
    pub unit_y: f64,
    /// Where the y-axis labels end (they are right-aligned).
    pub tick_x: f64,
    /// Lowest first.
    pub ticks: Vec<Tick>,
    /// Baselines of the x labels' two lines.
    pub x_label_y: f64,
    pub x_sub_y: f64,
    /// 現状値 (when the plan gives one), the actual values by fiscal year, then 目標値.
    pub points: Vec<Point>,
    /// The `points` of a polyline from the baseline through the actual values; absent when
    /// there is a single point to join.
    pub line: Option<String>,
    /// From the latest actual value to the target (drawn dashed). Absent for an upper bound,
    /// where the target is a limit to stay under, not a value to reach.
    pub projection: Option<Segment>,
    /// The target's horizontal line across the plot, when there is a target.
    pub target_y: Option<f64>,
    /// For an upper bound: the range within the limit, from the line down to the axis.
    pub band: Option<Band>,
    /// Whether the values fit above their points (they do unless there are many years).
    pub show_values: bool,
    /// Whether an actual value is over the upper bound (the legend then explains its colour).
    pub any_over: bool,
    /// For the description: `43 団体`, `46 団体`, `令和6年度`, `50 団体`.
    pub baseline_display: Option<String>,
    pub latest_display: String,
    pub latest_year: String,
    pub target_display: Option<String>,
}

impl Chart {
    /// The chart with its id on the page and its name.
    pub fn named(self, id: impl Into<String>, name: impl Into<String>) -> Chart {
        Chart {
            id: id.into(),
            name: name.into(),
            ..self
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Plot {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// A y-axis label and its grid line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub y: f64,
    /// The text's baseline, so that it is centred on the grid line.
    pub label_y: f64,
    /// With thousands separators: `3,000,000`, `92.5`.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    Baseline,
    Actual,
    Target,
}

/// How a value label is aligned to its `label_x` (SVG `text-anchor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub kind: PointKind,
    pub x: f64,
    pub y: f64,
    /// For an upper bound, an actual value over it.
    pub over: bool,
    /// The value label, placed clear of the lines through the point (`labels::place_label`).
    pub label_x: f64,
    pub label_y: f64,
    pub anchor: Anchor,
    /// `3,101,234`
    pub value: String,
    /// `3,101,234 件`
    pub value_display: String,
    /// For an actual value, the x label: `R6` (`FY2024` in English).
    pub short: Option<String>,
    /// Its second line: the Western year, `2024` (none in English, where it is in `short`).
    pub sub: Option<String>,
    /// `令和6年度（2024年度）`, `FY2024 (Reiwa 6)`.
    pub full: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Segment {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// One decimal, and never `-0`.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0 + 0.0
}

#[cfg(test)]
mod tests {
    use super::fixtures::npo;
    use super::round;

    #[test]
    fn rounding_never_gives_minus_zero() {
        assert_eq!(round(-0.04), 0.0);
        assert!(round(-0.04).is_sign_positive());
    }

    #[test]
    fn serialises_for_the_template() {
        let json = serde_json::to_value(npo()).unwrap();
        assert_eq!(json["points"][0]["kind"], "baseline");
        assert_eq!(json["points"][1]["kind"], "actual");
        assert_eq!(json["points"][3]["kind"], "target");
        assert_eq!(json["direction"], "increase");
        assert!(json["band"].is_null());
        assert!(json["plot"]["left"].is_number());
    }
}
