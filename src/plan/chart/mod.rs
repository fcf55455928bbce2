//! The KPI chart (成果指標の推移のグラフ): baseline (現状値) → actual values (実績値) by fiscal
//! year → target (目標値), as plain geometry that `templates/plan/_kpi_chart.hbs` draws as an
//! inline SVG. Pure: no database, no I/O, no markup. Coordinates are in SVG user units of a
//! fixed drawing ([`WIDTH`] × [`HEIGHT`], scaled to the page by CSS) and rounded to one decimal,
//! so the markup is stable.

use super::model::{Actual, Kpi};
use super::progress::Direction;
use super::quantity::Quantity;
use crate::wareki;
use crate::web::i18n::Lang;
use bigdecimal::ToPrimitive;
use serde::Serialize;

/// The drawing's width in SVG user units.
pub const WIDTH: f64 = 640.0;
/// The drawing's height in SVG user units.
pub const HEIGHT: f64 = 260.0;
/// Above the plot: the unit of the y-axis.
const TOP: f64 = 36.0;
/// Below the plot: the x labels, on two lines.
const BOTTOM: f64 = 48.0;
const RIGHT: f64 = 12.0;
/// The labels' font size (kyodo.css sets the same), to estimate how wide a label is.
const FONT: f64 = 14.0;
/// At most this many steps between the lowest and the highest tick: at most five ticks.
const MAX_STEPS: f64 = 4.0;

/// A KPI's chart; `None` from [`chart`] when there is no actual value to draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// The viewBox: `0 0 width height`.
    pub width: u32,
    pub height: u32,
    /// The area inside the axes.
    pub plot: Plot,
    pub direction: Direction,
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
    /// The target's horizontal line across the plot.
    pub target_y: f64,
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
    pub target_display: String,
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
    /// The value label, placed clear of the lines through the point (see [`place_label`]).
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

/// The chart of a KPI, or `None` when it has no actual value yet (the page then shows
/// baseline → target in the table only) or a value too large to draw.
pub fn chart(lang: Lang, kpi: &Kpi) -> Option<Chart> {
    if kpi.actuals.is_empty() {
        return None;
    }
    let mut actuals: Vec<&Actual> = kpi.actuals.iter().collect();
    actuals.sort_by_key(|a| a.fiscal_year);

    // Every slot on the x-axis, in order, with its value as a number.
    let mut slots: Vec<(PointKind, Option<i32>, &Quantity, f64)> = Vec::new();
    if let Some(baseline) = &kpi.baseline {
        slots.push((PointKind::Baseline, None, baseline, number(baseline)?));
    }
    for actual in &actuals {
        slots.push((
            PointKind::Actual,
            Some(actual.fiscal_year),
            &actual.value,
            number(&actual.value)?,
        ));
    }
    slots.push((PointKind::Target, None, &kpi.target, number(&kpi.target)?));

    let values: Vec<f64> = slots.iter().map(|s| s.3).collect();
    let decimals = slots
        .iter()
        .map(|s| s.2.value().as_bigint_and_exponent().1.max(0))
        .max()
        .unwrap_or(0);
    let axis = Axis::new(&values, kpi.unit == "%", decimals);
    let tick_labels: Vec<(f64, String)> = axis
        .ticks()
        .map(|v| (v, format_number(v, axis.decimals)))
        .collect();
    let unit_label = format!("（{}）", kpi.unit);
    let label_width = tick_labels
        .iter()
        .map(|(_, label)| text_width(label))
        .fold(text_width(&unit_label), f64::max);
    let plot = Plot {
        left: round((label_width + 12.0).max(40.0)),
        top: TOP,
        right: WIDTH - RIGHT,
        bottom: HEIGHT - BOTTOM,
    };
    let y = |v: f64| {
        round(plot.bottom - (v - axis.lo) / (axis.hi - axis.lo) * (plot.bottom - plot.top))
    };
    let slot_width = (plot.right - plot.left) / slots.len() as f64;
    let ys: Vec<f64> = values.iter().map(|v| y(*v)).collect();
    let target_y = *ys.last().expect("the target is always a point");
    let bound = kpi.direction == Direction::UpperBound;
    // Which neighbours a line joins the point to: the target only through the projection.
    let joined = |i: usize| !(bound && slots[i].0 == PointKind::Target);

    let points: Vec<Point> = slots
        .iter()
        .enumerate()
        .map(|(i, (kind, year, quantity, value))| {
            let y = ys[i];
            let x = round(plot.left + slot_width * (i as f64 + 0.5));
            let prev = (i > 0 && joined(i)).then(|| ys[i - 1]);
            let next = (i + 1 < ys.len() && joined(i + 1)).then(|| ys[i + 1]);
            let (anchor, label_y) = place_label(prev, y, next, target_y, plot.bottom);
            Point {
                kind: *kind,
                x,
                y,
                over: bound && *kind == PointKind::Actual && *value > values[values.len() - 1],
                label_x: match anchor {
                    Anchor::Start => x + 6.0,
                    Anchor::Middle => x,
                    Anchor::End => x - 6.0,
                },
                label_y,
                anchor,
                value: quantity.to_string(),
                value_display: with_unit(quantity, &kpi.unit),
                short: year.map(|year| match lang {
                    Lang::Ja => short_year(year),
                    Lang::En => format!("FY{year}"),
                }),
                sub: year
                    .filter(|_| lang == Lang::Ja)
                    .map(|year| year.to_string()),
                full: year.map(|year| match lang {
                    Lang::Ja => wareki::fiscal_year_ja(year),
                    Lang::En => wareki::fiscal_year_en(year),
                }),
            }
        })
        .collect();

    let (target, history) = points.split_last().expect("the target is always a point");
    let latest = history.last().expect("there is at least one actual value");
    let line = (history.len() > 1).then(|| {
        history
            .iter()
            .map(|p| format!("{:.1},{:.1}", p.x, p.y))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let projection = (!bound).then_some(Segment {
        x1: latest.x,
        y1: latest.y,
        x2: target.x,
        y2: target.y,
    });
    let band = bound.then_some(Band {
        x: plot.left,
        y: target.y,
        width: round(plot.right - plot.left),
        height: round(plot.bottom - target.y),
    });
    let show_values = points
        .iter()
        .all(|p| text_width(&p.value) + 4.0 <= slot_width);
    let any_over = points.iter().any(|p| p.over);
    let last_actual = actuals.last().expect("there is at least one actual value");

    Some(Chart {
        width: WIDTH as u32,
        height: HEIGHT as u32,
        plot,
        direction: kpi.direction,
        unit: kpi.unit.clone(),
        unit_y: round(plot.top - 16.0),
        tick_x: round(plot.left - 8.0),
        ticks: tick_labels
            .into_iter()
            .map(|(value, label)| {
                let y = y(value);
                Tick {
                    y,
                    label_y: round(y + 5.0),
                    label,
                }
            })
            .collect(),
        x_label_y: round(plot.bottom + 24.0),
        x_sub_y: round(plot.bottom + 42.0),
        line,
        projection,
        target_y,
        band,
        show_values,
        any_over,
        baseline_display: kpi.baseline.as_ref().map(|b| with_unit(b, &kpi.unit)),
        latest_display: latest.value_display.clone(),
        latest_year: match lang {
            Lang::Ja => wareki::fiscal_year_era(last_actual.fiscal_year),
            Lang::En => format!("FY{}", last_actual.fiscal_year),
        },
        target_display: target.value_display.clone(),
        points,
    })
}

/// Where a point's value goes, given the y of the points a line joins it to: above a peak,
/// below a trough, above and off to the side where the line rises or falls through it (the
/// quadrant the line leaves free); never across the target line, never into the x labels.
/// Returns the alignment and the text's baseline.
fn place_label(
    prev: Option<f64>,
    y: f64,
    next: Option<f64>,
    target_y: f64,
    bottom: f64,
) -> (Anchor, f64) {
    // Smaller y is higher up.
    let (mut above, anchor) = match (prev, next) {
        (Some(p), Some(n)) if y <= p && y <= n => (true, Anchor::Middle),
        (Some(p), Some(n)) if y >= p && y >= n => (false, Anchor::Middle),
        (Some(p), Some(_)) if p > y => (true, Anchor::End), // rising: up and to the left
        (Some(_), Some(_)) => (true, Anchor::Start),        // falling: up and to the right
        (Some(p), None) => (p >= y, Anchor::Middle),
        (None, Some(n)) => (n >= y, Anchor::Middle),
        (None, None) => (true, Anchor::Middle),
    };
    let baseline = |above: bool| if above { y - 10.0 } else { y + FONT + 8.0 };
    let crosses_target = |above: bool| {
        let b = baseline(above);
        target_y > b - FONT && target_y < b + 3.0
    };
    if crosses_target(above) {
        above = !above;
    }
    if !above && baseline(false) + 3.0 > bottom {
        above = true;
    }
    (anchor, round(baseline(above)))
}

/// The y-axis: from a round number at or below the lowest value to one at or above the
/// highest, in at most [`MAX_STEPS`] steps of 1, 2, 2.5 (from 25 up) or 5 times a power of ten,
/// never finer than the values' own decimals (whole numbers get whole ticks).
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
    /// Decimals of the tick labels: as many as the step has.
    decimals: usize,
    steps: i64,
}

impl Axis {
    fn new(values: &[f64], percent: bool, decimals: i64) -> Axis {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // About 10 % of room above and below; for equal values, 10 % of the value (or 1 at 0).
        let pad = if max > min {
            (max - min) * 0.1
        } else if max != 0.0 {
            max.abs() * 0.1
        } else {
            1.0
        };
        let mut lo = min - pad;
        let mut hi = max + pad;
        // The room never crosses zero, and a share never goes past 100 %.
        if min >= 0.0 {
            lo = lo.max(0.0);
        } else if max <= 0.0 {
            hi = hi.min(0.0);
        }
        if percent && max <= 100.0 {
            hi = hi.min(100.0);
        }
        let finest = -i32::try_from(decimals).unwrap_or(i32::MAX);
        let mut exponent = (((hi - lo) / MAX_STEPS).log10().floor() as i32).max(finest);
        loop {
            for mantissa in [1.0, 2.0, 2.5, 5.0] {
                if mantissa == 2.5 && exponent < 1 {
                    continue; // 0.25 or 2.5 would need one more decimal than the values
                }
                let step = mantissa * 10f64.powi(exponent);
                let first = (lo / step + 1e-9).floor();
                let last = (hi / step - 1e-9).ceil();
                if last - first <= MAX_STEPS {
                    return Axis {
                        lo: first * step,
                        hi: last * step,
                        step,
                        decimals: usize::try_from(-exponent).unwrap_or(0),
                        steps: (last - first) as i64,
                    };
                }
            }
            exponent += 1;
        }
    }

    fn ticks(&self) -> impl Iterator<Item = f64> + '_ {
        (0..=self.steps).map(|i| self.lo + i as f64 * self.step)
    }
}

fn number(q: &Quantity) -> Option<f64> {
    q.value().to_f64().filter(|v| v.is_finite())
}

fn with_unit(q: &Quantity, unit: &str) -> String {
    format!("{q} {unit}")
}

/// One decimal, and never `-0`.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0 + 0.0
}

/// A tick's value as the city writes numbers: `3,200,000`, `92.5`, `-50`.
fn format_number(value: f64, decimals: usize) -> String {
    let plain = format!("{:.*}", decimals, value + 0.0);
    let plain = match plain.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => plain,
    };
    plain
        .parse::<Quantity>()
        .expect("a number printed without exponent parses")
        .to_string()
}

/// `2024` → `R6` (令和6年度); `2019` → `R1`; `2018` → `H30`.
fn short_year(year: i32) -> String {
    let era = wareki::fiscal_year_era(year);
    let era = era.trim_end_matches("年度").replace('元', "1");
    [("令和", "R"), ("平成", "H"), ("昭和", "S")]
        .iter()
        .find_map(|(name, letter)| era.strip_prefix(name).map(|n| format!("{letter}{n}")))
        .unwrap_or(era)
}

/// Roughly how wide a label is at [`FONT`]: digits and Latin letters about 0.6 em, separators
/// 0.3 em, Japanese 1 em.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            ',' | '.' | ' ' => 0.3,
            c if c.is_ascii() => 0.6,
            _ => 1.0,
        })
        .sum::<f64>()
        * FONT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    fn kpi(
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

    fn labels(chart: &Chart) -> Vec<&str> {
        chart.ticks.iter().map(|t| t.label.as_str()).collect()
    }

    fn kinds(chart: &Chart) -> Vec<PointKind> {
        chart.points.iter().map(|p| p.kind).collect()
    }

    fn npo() -> Chart {
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

    #[test]
    fn nothing_to_chart_without_actual_values() {
        let k = kpi(Direction::Increase, "団体", Some("43"), "50", &[]);
        assert_eq!(chart(Lang::Ja, &k), None);
    }

    #[test]
    fn baseline_then_actual_values_by_fiscal_year_then_target() {
        let c = npo();
        assert_eq!(
            kinds(&c),
            [
                PointKind::Baseline,
                PointKind::Actual,
                PointKind::Actual,
                PointKind::Target
            ]
        );
        let values: Vec<&str> = c.points.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(values, ["43", "44", "46", "50"]);
        assert_eq!(c.points[2].value_display, "46 団体");
        // Evenly spaced from left to right, each in the middle of its slot.
        let xs: Vec<f64> = c.points.iter().map(|p| p.x).collect();
        let slot = (c.plot.right - c.plot.left) / 4.0;
        assert!((xs[0] - (c.plot.left + slot / 2.0)).abs() <= 0.05, "{xs:?}");
        for pair in xs.windows(2) {
            assert!((pair[1] - pair[0] - slot).abs() <= 0.1, "{xs:?}");
        }
        // Higher values are higher up (smaller y).
        let ys: Vec<f64> = c.points.iter().map(|p| p.y).collect();
        assert!(ys.windows(2).all(|w| w[1] < w[0]), "{ys:?}");
        assert_eq!(c.target_y, ys[3]);
        // Fiscal years: short label, Western year below it, full label.
        let year = &c.points[2];
        assert_eq!(year.short.as_deref(), Some("R6"));
        assert_eq!(year.sub.as_deref(), Some("2024"));
        assert_eq!(year.full.as_deref(), Some("令和6年度（2024年度）"));
        assert_eq!(c.points[1].short.as_deref(), Some("R5"));
        assert_eq!(c.points[0].short, None);
        assert_eq!(c.points[3].full, None);
        // The description's parts.
        assert_eq!(c.baseline_display.as_deref(), Some("43 団体"));
        assert_eq!(c.latest_display, "46 団体");
        assert_eq!(c.latest_year, "令和6年度");
        assert_eq!(c.target_display, "50 団体");
        assert_eq!(c.unit, "団体");
        assert_eq!(c.direction, Direction::Increase);
    }

    #[test]
    fn the_line_joins_baseline_and_actual_values_and_a_dashed_segment_leads_to_the_target() {
        let c = npo();
        let p = &c.points;
        assert_eq!(
            c.line.as_deref(),
            Some(
                format!(
                    "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                    p[0].x, p[0].y, p[1].x, p[1].y, p[2].x, p[2].y
                )
                .as_str()
            )
        );
        assert_eq!(
            c.projection,
            Some(Segment {
                x1: p[2].x,
                y1: p[2].y,
                x2: p[3].x,
                y2: p[3].y
            })
        );
        assert_eq!(c.band, None);
        assert!(c.show_values);
    }

    #[test]
    fn the_scale_holds_every_value_with_room_and_round_ticks() {
        let c = npo();
        // 43–50 with 10 % of room is 42.3–50.7: ticks every 5 from 40 to 55.
        assert_eq!(labels(&c), ["40", "45", "50", "55"]);
        let ys: Vec<f64> = c.ticks.iter().map(|t| t.y).collect();
        assert_eq!(ys.first(), Some(&c.plot.bottom));
        assert_eq!(ys.last(), Some(&c.plot.top));
        assert_eq!(c.ticks[0].label_y, c.ticks[0].y + 5.0);
        // 50 is two thirds of the way up.
        let two_thirds = c.plot.bottom - (c.plot.bottom - c.plot.top) * 2.0 / 3.0;
        assert!((c.target_y - two_thirds).abs() <= 0.05);
        for p in &c.points {
            assert!(p.y > c.plot.top && p.y < c.plot.bottom, "{p:?}");
        }
        assert_eq!((c.width, c.height), (640, 260));
        // Clear of a point on the axis (radius 6).
        assert_eq!(c.x_label_y, c.plot.bottom + 24.0);
        assert_eq!(c.x_sub_y, c.plot.bottom + 42.0);
        assert!(c.x_sub_y < f64::from(c.height));
        assert_eq!(c.tick_x, c.plot.left - 8.0);
        assert_eq!(c.unit_y, c.plot.top - 16.0);
    }

    #[test]
    fn coordinates_are_rounded_to_one_decimal() {
        let k = kpi(
            Direction::Increase,
            "%",
            Some("82.31"),
            "85.00",
            &[(2022, "82.5"), (2023, "83.12"), (2024, "83.7")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        let one_decimal = |v: f64| ((v * 10.0).round() - v * 10.0).abs() < 1e-6;
        let mut all = vec![c.plot.left, c.tick_x, c.target_y];
        for p in &c.points {
            all.extend([p.x, p.y, p.label_y]);
        }
        for t in &c.ticks {
            all.extend([t.y, t.label_y]);
        }
        assert!(all.into_iter().all(one_decimal));
        for coordinate in c.line.as_deref().unwrap().split([' ', ',']) {
            assert!(
                coordinate.parse::<f64>().is_ok_and(one_decimal),
                "{coordinate}"
            );
        }
        // 82.31–85.00: whole percents; values keep the decimals the city writes.
        assert_eq!(labels(&c), ["82", "83", "84", "85", "86"]);
        assert_eq!(c.points[2].value, "83.12");
        assert_eq!(c.points[4].value, "85.00");
        assert_eq!(round(-0.04), 0.0);
        assert!(round(-0.04).is_sign_positive());
    }

    #[test]
    fn without_a_baseline_the_chart_starts_at_the_first_actual_value() {
        // 市民提案型事業数 — → 2 件
        let k = kpi(Direction::Increase, "件", None, "2", &[(2024, "1")]);
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(kinds(&c), [PointKind::Actual, PointKind::Target]);
        assert_eq!(c.baseline_display, None);
        // A single point: nothing to join, but the way to the target is drawn.
        assert_eq!(c.line, None);
        let p = &c.points;
        assert_eq!(
            c.projection,
            Some(Segment {
                x1: p[0].x,
                y1: p[0].y,
                x2: p[1].x,
                y2: p[1].y
            })
        );
        let k = kpi(
            Direction::Increase,
            "件",
            None,
            "2",
            &[(2023, "0"), (2024, "1")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(
            c.line,
            Some(format!(
                "{:.1},{:.1} {:.1},{:.1}",
                c.points[0].x, c.points[0].y, c.points[1].x, c.points[1].y
            ))
        );
        // 0–2 with room, not below zero: 0, 1, 2, 3.
        assert_eq!(labels(&c), ["0", "1", "2", "3"]);
        assert_eq!(c.points[0].y, c.plot.bottom);
    }

    #[test]
    fn a_single_actual_value_with_a_baseline() {
        let k = kpi(
            Direction::Increase,
            "回",
            Some("105"),
            "110",
            &[(2024, "107")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(c.points.len(), 3);
        assert!(c.line.is_some());
        assert_eq!(c.latest_display, "107 回");
    }

    #[test]
    fn equal_values_get_room_around_them() {
        // 実質公債費比率 3.7 % → 3.7 %以内, and it stayed 3.7.
        let k = kpi(
            Direction::UpperBound,
            "%",
            Some("3.7"),
            "3.7",
            &[(2024, "3.7")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["3.0", "3.5", "4.0", "4.5"]);
        assert!(c.points.iter().all(|p| p.y == c.target_y));
        assert!(c.target_y > c.plot.top && c.target_y < c.plot.bottom);
    }

    #[test]
    fn zero_everywhere_is_drawn_on_the_axis() {
        // 将来負担比率 0.0 % → 0.0 %
        let k = kpi(
            Direction::Maintain,
            "%",
            Some("0.0"),
            "0.0",
            &[(2023, "0.0"), (2024, "0")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["0.0", "0.5", "1.0"]);
        assert!(c.points.iter().all(|p| p.y == c.plot.bottom));
        assert!(c.projection.is_some());
        assert_eq!(c.band, None);
    }

    #[test]
    fn negative_values_extend_the_scale_below_zero() {
        // 20代・30代の転入超過人口 108 → 0 人 (移動均衡), once below zero.
        let k = kpi(
            Direction::Maintain,
            "人",
            Some("108"),
            "0",
            &[(2022, "64"), (2023, "-12"), (2024, "25")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["-50", "0", "50", "100", "150"]);
        assert_eq!(c.target_y, c.ticks[1].y);
        assert_eq!(c.points[2].value_display, "-12 人");
        assert!(c.points[2].y > c.target_y);
        // Values all at or below zero stop at zero.
        let k = kpi(Direction::Increase, "人", Some("-10"), "0", &[(2024, "-5")]);
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["-15", "-10", "-5", "0"]);
        assert_eq!(c.target_y, c.plot.top);
        // Equal negative values.
        let k = kpi(Direction::Maintain, "人", Some("-5"), "-5", &[(2024, "-5")]);
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["-6", "-5", "-4"]);
        // With decimals, the ticks may have them too.
        let k = kpi(
            Direction::Maintain,
            "人",
            Some("-5.0"),
            "-5",
            &[(2024, "-5")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["-5.5", "-5.0", "-4.5"]);
    }

    #[test]
    fn an_upper_bound_shades_the_range_within_it() {
        // 経常収支比率 89.3 % → 92.7 %以内, over it in 2024.
        let k = kpi(
            Direction::UpperBound,
            "%",
            Some("89.3"),
            "92.7",
            &[(2022, "90.1"), (2023, "91.8"), (2024, "93.0")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["88", "90", "92", "94"]);
        assert_eq!(
            c.band,
            Some(Band {
                x: c.plot.left,
                y: c.target_y,
                width: round(c.plot.right - c.plot.left),
                height: round(c.plot.bottom - c.target_y),
            })
        );
        // A limit to stay under, not a value to reach.
        assert_eq!(c.projection, None);
        assert!(c.points[3].y < c.target_y, "93.0 is above the bound");
        assert_eq!(c.direction, Direction::UpperBound);
        assert_eq!(c.target_display, "92.7 %");
    }

    #[test]
    fn a_decrease_keeps_the_target_as_a_line() {
        // 刑法犯認知件数 475 → 470 件
        let k = kpi(
            Direction::Decrease,
            "件",
            Some("475"),
            "470",
            &[(2022, "468"), (2023, "481"), (2024, "472")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["465", "470", "475", "480", "485"]);
        assert_eq!(c.band, None);
        assert!(c.projection.is_some());
        assert_eq!(c.target_y, c.ticks[1].y);
        assert!(c.points[0].y < c.target_y, "475 is above the target");
    }

    #[test]
    fn big_numbers_get_thousands_separators_and_a_wider_margin() {
        // 市ホームページへのアクセス数 2,927,767 → 3,351,000 件
        let k = kpi(
            Direction::Increase,
            "件",
            Some("2927767"),
            "3351000",
            &[(2023, "3012345"), (2024, "3101234")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(
            labels(&c),
            ["2,800,000", "3,000,000", "3,200,000", "3,400,000"]
        );
        assert_eq!(c.points[2].value, "3,101,234");
        assert_eq!(c.target_display, "3,351,000 件");
        assert!(c.show_values);
        let small = npo();
        assert!(c.plot.left > small.plot.left);
        assert_eq!(c.plot.left, round(text_width("3,400,000") + 12.0));
    }

    #[test]
    fn the_margin_fits_the_unit_and_is_never_too_narrow() {
        let k = kpi(
            Direction::Increase,
            "手続",
            Some("43"),
            "100",
            &[(2024, "50")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(c.plot.left, round(text_width("（手続）") + 12.0));
        assert_eq!(text_width("（手続）"), 4.0 * FONT);
        assert_eq!(text_width("1,0"), 1.5 * FONT);
        let mut k = kpi(Direction::Increase, "", Some("1"), "2", &[(2024, "1")]);
        k.unit = String::new();
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(c.plot.left, 40.0);
    }

    #[test]
    fn a_share_stops_at_one_hundred_percent() {
        // マイナンバーカードの交付率 36.1 % → 100.0 %
        let k = kpi(
            Direction::Increase,
            "%",
            Some("36.1"),
            "100.0",
            &[(2023, "70.2")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["20", "40", "60", "80", "100"]);
        // At the top of the plot, the value still has room above its point.
        let target = c.points.last().unwrap();
        assert_eq!(target.y, c.plot.top);
        assert_eq!(target.label_y, target.y - 10.0);
        assert!(target.label_y - FONT > 0.0);
        // The same values in another unit may go past 100.
        let k = kpi(
            Direction::Increase,
            "件",
            Some("36.1"),
            "100.0",
            &[(2023, "70.2")],
        );
        assert_eq!(
            labels(&chart(Lang::Ja, &k).unwrap()),
            ["25", "50", "75", "100", "125"]
        );
    }

    #[test]
    fn many_years_of_wide_values_leave_the_values_to_the_table() {
        let years: Vec<(i32, &str)> = (2015..2026).map(|y| (y, "3012345")).collect();
        let k = kpi(
            Direction::Increase,
            "件",
            Some("2927767"),
            "3351000",
            &years,
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(c.points.len(), 13);
        assert!(!c.show_values);
        let xs: Vec<f64> = c.points.iter().map(|p| p.x).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(c.points[5].short.as_deref(), Some("R1"));
        assert_eq!(c.points[4].short.as_deref(), Some("H30"));
    }

    #[test]
    fn english_labels_fiscal_years_in_the_western_calendar() {
        let k = kpi(
            Direction::Increase,
            "団体",
            Some("43"),
            "50",
            &[(2023, "44"), (2024, "46")],
        );
        let c = chart(Lang::En, &k).unwrap();
        let year = &c.points[2];
        assert_eq!(year.short.as_deref(), Some("FY2024"));
        assert_eq!(year.sub, None);
        assert_eq!(year.full.as_deref(), Some("FY2024 (Reiwa 6)"));
        assert_eq!(c.latest_year, "FY2024");
        // The geometry does not depend on the language.
        let ja = npo();
        assert_eq!(c.ticks, ja.ticks);
        assert_eq!(c.line, ja.line);
    }

    #[test]
    fn values_too_large_to_draw_give_no_chart() {
        let huge = Quantity("1e400".parse().unwrap());
        let mut k = kpi(Direction::Increase, "件", Some("1"), "2", &[(2024, "1")]);
        k.actuals[0].value = huge.clone();
        assert_eq!(chart(Lang::Ja, &k), None);
        let mut k = kpi(Direction::Increase, "件", Some("1"), "2", &[(2024, "1")]);
        k.baseline = Some(huge.clone());
        assert_eq!(chart(Lang::Ja, &k), None);
        let mut k = kpi(Direction::Increase, "件", Some("1"), "2", &[(2024, "1")]);
        k.target = huge;
        assert_eq!(chart(Lang::Ja, &k), None);
    }

    #[test]
    fn tick_labels_read_as_the_city_writes_numbers() {
        assert_eq!(format_number(3_200_000.0, 0), "3,200,000");
        assert_eq!(format_number(92.5, 1), "92.5");
        assert_eq!(format_number(0.30000000000000004, 1), "0.3");
        assert_eq!(format_number(-1250.0, 0), "-1,250");
        assert_eq!(format_number(-0.0, 1), "0.0");
        assert_eq!(format_number(-0.01, 1), "0.0");
        assert_eq!(format_number(0.0, 0), "0");
    }

    #[test]
    fn small_decimal_steps() {
        // 高ストレスと判定される職員の割合 11.0 → 10.0 %
        let k = kpi(
            Direction::Decrease,
            "%",
            Some("11.0"),
            "10.0",
            &[(2024, "10.6")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["9.5", "10.0", "10.5", "11.0", "11.5"]);
        let axis = Axis::new(&[0.01, 0.02], false, 3);
        assert_eq!(axis.decimals, 3);
        assert_eq!(axis.steps, 4);
        assert!((axis.step - 0.005).abs() < 1e-12);
        // Values with two decimals get ticks with at most two.
        let axis = Axis::new(&[0.01, 0.02], false, 2);
        assert_eq!((axis.decimals, axis.steps), (2, 3));
        assert!((axis.step - 0.01).abs() < 1e-12);
    }

    #[test]
    fn values_are_placed_clear_of_the_lines() {
        let (target, bottom) = (50.0, 200.0);
        let place = |prev, y, next| place_label(prev, y, next, target, bottom);
        // A peak: above; a trough: below; level: above.
        assert_eq!(
            place(Some(120.0), 100.0, Some(110.0)),
            (Anchor::Middle, 90.0)
        );
        assert_eq!(
            place(Some(80.0), 100.0, Some(90.0)),
            (Anchor::Middle, 122.0)
        );
        assert_eq!(
            place(Some(100.0), 100.0, Some(100.0)),
            (Anchor::Middle, 90.0)
        );
        // Rising through the point (from lower left): up and to the left; falling: to the right.
        assert_eq!(place(Some(120.0), 100.0, Some(80.0)), (Anchor::End, 90.0));
        assert_eq!(place(Some(80.0), 100.0, Some(120.0)), (Anchor::Start, 90.0));
        // The last point: above when the line rises into it, below when it falls into it.
        assert_eq!(place(Some(120.0), 100.0, None), (Anchor::Middle, 90.0));
        assert_eq!(place(Some(80.0), 100.0, None), (Anchor::Middle, 122.0));
        // The first point: above when the line goes down from it, below when it goes up.
        assert_eq!(place(None, 100.0, Some(120.0)), (Anchor::Middle, 90.0));
        assert_eq!(place(None, 100.0, Some(80.0)), (Anchor::Middle, 122.0));
        // Alone (an upper bound's target).
        assert_eq!(place(None, 100.0, None), (Anchor::Middle, 90.0));
        // Not across the target line: a label above a point just under it goes below.
        assert_eq!(place(None, 60.0, None), (Anchor::Middle, 82.0));
        // …and one below a point just over it goes above.
        assert_eq!(place(None, 40.0, Some(30.0)), (Anchor::Middle, 30.0));
        // Not into the x labels: a trough on the axis keeps its value above.
        assert_eq!(
            place(Some(150.0), 195.0, Some(150.0)),
            (Anchor::Middle, 185.0)
        );
    }

    #[test]
    fn values_over_an_upper_bound_are_marked() {
        let k = kpi(
            Direction::UpperBound,
            "%",
            Some("89.3"),
            "92.7",
            &[(2023, "92.7"), (2024, "93.0")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        let over: Vec<bool> = c.points.iter().map(|p| p.over).collect();
        assert_eq!(over, [false, false, true, false]);
        assert!(c.any_over);
        // The target stands alone: no line leads to it.
        let target = c.points.last().unwrap();
        assert_eq!(
            (target.anchor, target.label_y),
            (Anchor::Middle, target.y - 10.0)
        );
        // Without a bound nothing is over.
        assert!(npo().points.iter().all(|p| !p.over));
        assert!(!npo().any_over);
    }

    #[test]
    fn the_label_goes_beside_a_rising_or_falling_point() {
        let c = npo();
        // 43 → 44 → 46 → 50: the line rises through 44 and 46.
        let anchors: Vec<Anchor> = c.points.iter().map(|p| p.anchor).collect();
        assert_eq!(
            anchors,
            [Anchor::Middle, Anchor::End, Anchor::End, Anchor::Middle]
        );
        assert_eq!(c.points[1].label_x, c.points[1].x - 6.0);
        assert_eq!(c.points[0].label_x, c.points[0].x);
        let k = kpi(
            Direction::Decrease,
            "件",
            Some("475"),
            "470",
            &[(2022, "481"), (2023, "474")],
        );
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(c.points[2].anchor, Anchor::Start);
        assert_eq!(c.points[2].label_x, c.points[2].x + 6.0);
    }

    #[test]
    fn fiscal_years_in_short() {
        assert_eq!(short_year(2024), "R6");
        assert_eq!(short_year(2019), "R1");
        assert_eq!(short_year(2018), "H30");
        assert_eq!(short_year(1950), "S25");
        assert_eq!(short_year(1900), "1900");
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
