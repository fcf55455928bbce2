//! Lays a series of values out on the chart: one slot on the x-axis for the baseline, each
//! actual value and the target (when there is one); the plot beside the y labels; the points,
//! the line through them, the dashed way to the target or an upper bound's band.

use super::axis::Axis;
use super::labels::{self, place_label, text_width, with_unit};
use super::{round, Band, Chart, Plot, Point, PointKind, Segment, Tick, HEIGHT, WIDTH};
use crate::plan::model::Kpi;
use crate::plan::progress::Direction;
use crate::plan::quantity::Quantity;
use crate::web::i18n::Lang;
use bigdecimal::ToPrimitive;

/// Above the plot: the unit of the y-axis.
const TOP: f64 = 36.0;
/// Below the plot: the x labels, on two lines.
const BOTTOM: f64 = 48.0;
const RIGHT: f64 = 12.0;

/// What a chart draws (推移): a value by fiscal year from the plan's baseline, towards a
/// target when there is one. A KPI has a target; a measure's satisfaction (満足度) has none.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    pub unit: &'a str,
    pub baseline: Option<&'a Quantity>,
    /// The actual values by fiscal year, in any order.
    pub actuals: Vec<(i32, &'a Quantity)>,
    pub target: Option<(&'a Quantity, Direction)>,
}

impl<'a> Series<'a> {
    pub fn of_kpi(kpi: &'a Kpi) -> Series<'a> {
        Series {
            unit: &kpi.unit,
            baseline: kpi.baseline.as_ref(),
            actuals: kpi
                .actuals
                .iter()
                .map(|a| (a.fiscal_year, &a.value))
                .collect(),
            target: Some((&kpi.target, kpi.direction)),
        }
    }
}

/// The chart of a KPI, or `None` when it has no actual value yet (the page then shows
/// baseline → target in the table only) or a value too large to draw.
pub fn chart(lang: Lang, kpi: &Kpi) -> Option<Chart> {
    trend(lang, &Series::of_kpi(kpi))
}

/// The chart of any series, or `None` when it has no actual value yet or a value too large to
/// draw.
pub fn trend(lang: Lang, series: &Series) -> Option<Chart> {
    if series.actuals.is_empty() {
        return None;
    }
    let slots = slots(series)?;
    let values: Vec<f64> = slots.iter().map(|s| s.value).collect();
    let decimals = slots
        .iter()
        .map(|s| s.quantity.value().as_bigint_and_exponent().1.max(0))
        .max()
        .unwrap_or(0);
    let axis = Axis::new(&values, series.unit == "%", decimals);
    let tick_labels = axis.labelled_ticks();
    let plot = plot_beside(&tick_labels, series.unit);
    let slot_width = (plot.right - plot.left) / slots.len() as f64;
    let direction = series.target.map(|(_, direction)| direction);
    let bound = direction == Some(Direction::UpperBound);
    let points = points(lang, series, &slots, &axis, plot, slot_width);

    let (target, history) = match points.split_last() {
        Some((last, history)) if last.kind == PointKind::Target => (Some(last), history),
        _ => (None, &points[..]),
    };
    let latest = history.last().expect("there is at least one actual value");
    let latest_year = slots
        .iter()
        .rev()
        .find_map(|s| s.year)
        .expect("there is at least one actual value");
    Some(Chart {
        id: String::new(),
        name: String::new(),
        width: WIDTH as u32,
        height: HEIGHT as u32,
        plot,
        direction,
        unit: series.unit.to_owned(),
        unit_y: round(plot.top - 16.0),
        tick_x: round(plot.left - 8.0),
        ticks: ticks(tick_labels, &axis, &plot),
        x_label_y: round(plot.bottom + 24.0),
        x_sub_y: round(plot.bottom + 42.0),
        line: line(history),
        projection: target.filter(|_| !bound).map(|target| Segment {
            x1: latest.x,
            y1: latest.y,
            x2: target.x,
            y2: target.y,
        }),
        target_y: target.map(|t| t.y),
        band: target.filter(|_| bound).map(|target| Band {
            x: plot.left,
            y: target.y,
            width: round(plot.right - plot.left),
            height: round(plot.bottom - target.y),
        }),
        show_values: points
            .iter()
            .all(|p| text_width(&p.value) + 4.0 <= slot_width),
        any_over: points.iter().any(|p| p.over),
        baseline_display: series.baseline.map(|b| with_unit(b, series.unit)),
        latest_display: latest.value_display.clone(),
        latest_year: labels::year_in_text(lang, latest_year),
        target_display: target.map(|t| t.value_display.clone()),
        points,
    })
}

/// A place on the x-axis: the baseline, an actual value or the target.
struct Slot<'a> {
    kind: PointKind,
    /// An actual value's fiscal year.
    year: Option<i32>,
    quantity: &'a Quantity,
    /// The value as a number.
    value: f64,
}

/// Every slot on the x-axis, in order: the baseline (when the plan gives one), the actual
/// values by fiscal year, the target (when there is one). `None` when a value is too large to
/// draw.
fn slots<'a>(series: &Series<'a>) -> Option<Vec<Slot<'a>>> {
    let slot = |kind, year, quantity| {
        Some(Slot {
            kind,
            year,
            quantity,
            value: number(quantity)?,
        })
    };
    let mut actuals = series.actuals.clone();
    actuals.sort_by_key(|(year, _)| *year);
    let mut slots = Vec::with_capacity(actuals.len() + 2);
    if let Some(baseline) = series.baseline {
        slots.push(slot(PointKind::Baseline, None, baseline)?);
    }
    for (year, value) in actuals {
        slots.push(slot(PointKind::Actual, Some(year), value)?);
    }
    if let Some((target, _)) = series.target {
        slots.push(slot(PointKind::Target, None, target)?);
    }
    Some(slots)
}

fn number(q: &Quantity) -> Option<f64> {
    q.value().to_f64().filter(|v| v.is_finite())
}

/// The area inside the axes, leaving room on the left for the widest y label (or the unit
/// above them), and never less than 40 units.
fn plot_beside(tick_labels: &[(f64, String)], unit: &str) -> Plot {
    let unit_label = format!("（{unit}）");
    let label_width = tick_labels
        .iter()
        .map(|(_, label)| text_width(label))
        .fold(text_width(&unit_label), f64::max);
    Plot {
        left: round((label_width + 12.0).max(40.0)),
        top: TOP,
        right: WIDTH - RIGHT,
        bottom: HEIGHT - BOTTOM,
    }
}

/// A point in the middle of each slot, at the height of its value, with its labels.
fn points(
    lang: Lang,
    series: &Series,
    slots: &[Slot],
    axis: &Axis,
    plot: Plot,
    slot_width: f64,
) -> Vec<Point> {
    let ys: Vec<f64> = slots.iter().map(|s| axis.y(&plot, s.value)).collect();
    let target = slots
        .last()
        .filter(|s| s.kind == PointKind::Target)
        .map(|s| (ys[ys.len() - 1], s.value));
    let bound = matches!(series.target, Some((_, Direction::UpperBound)));
    // Which neighbours a line joins the point to: the target only through the projection.
    let joined = |i: usize| !(bound && slots[i].kind == PointKind::Target);
    slots
        .iter()
        .enumerate()
        .map(|(i, slot)| {
            let y = ys[i];
            let x = round(plot.left + slot_width * (i as f64 + 0.5));
            let prev = (i > 0 && joined(i)).then(|| ys[i - 1]);
            let next = (i + 1 < ys.len() && joined(i + 1)).then(|| ys[i + 1]);
            let (anchor, label_y) = place_label(prev, y, next, target.map(|(y, _)| y), plot.bottom);
            Point {
                kind: slot.kind,
                x,
                y,
                over: bound
                    && slot.kind == PointKind::Actual
                    && target.is_some_and(|(_, bound)| slot.value > bound),
                label_x: anchor.label_x(x),
                label_y,
                anchor,
                value: slot.quantity.to_string(),
                value_display: with_unit(slot.quantity, series.unit),
                short: slot.year.map(|year| labels::year_short(lang, year)),
                sub: slot.year.and_then(|year| labels::year_sub(lang, year)),
                full: slot.year.map(|year| labels::year_full(lang, year)),
            }
        })
        .collect()
}

/// The y labels and their grid lines.
fn ticks(tick_labels: Vec<(f64, String)>, axis: &Axis, plot: &Plot) -> Vec<Tick> {
    tick_labels
        .into_iter()
        .map(|(value, label)| {
            let y = axis.y(plot, value);
            Tick {
                y,
                label_y: round(y + 5.0),
                label,
            }
        })
        .collect()
}

/// The `points` of a polyline from the baseline through the actual values, when there are
/// two or more.
fn line(history: &[Point]) -> Option<String> {
    (history.len() > 1).then(|| {
        history
            .iter()
            .map(|p| format!("{:.1},{:.1}", p.x, p.y))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::chart::fixtures::{kpi, labels, npo};
    use crate::plan::chart::labels::FONT;
    use crate::plan::chart::Anchor;

    fn kinds(chart: &Chart) -> Vec<PointKind> {
        chart.points.iter().map(|p| p.kind).collect()
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
        assert_eq!(c.target_y.unwrap(), ys[3]);
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
        assert_eq!(c.target_display.as_deref(), Some("50 団体"));
        assert_eq!(c.unit, "団体");
        assert_eq!(c.direction, Some(Direction::Increase));
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
        let mut all = vec![c.plot.left, c.tick_x, c.target_y.unwrap()];
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
                y: c.target_y.unwrap(),
                width: round(c.plot.right - c.plot.left),
                height: round(c.plot.bottom - c.target_y.unwrap()),
            })
        );
        // A limit to stay under, not a value to reach.
        assert_eq!(c.projection, None);
        assert!(
            c.points[3].y < c.target_y.unwrap(),
            "93.0 is above the bound"
        );
        assert_eq!(c.direction, Some(Direction::UpperBound));
        assert_eq!(c.target_display.as_deref(), Some("92.7 %"));
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
        assert_eq!(c.target_y.unwrap(), c.ticks[1].y);
        assert!(
            c.points[0].y < c.target_y.unwrap(),
            "475 is above the target"
        );
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
    fn a_series_without_a_target_ends_at_its_latest_value() {
        // 施策に係る市民満足度 30.6 % → 令和7年度 33.1 %, 令和8年度 32.0 %.
        let (baseline, r7, r8): (Quantity, Quantity, Quantity) = (
            "30.6".parse().unwrap(),
            "33.1".parse().unwrap(),
            "32.0".parse().unwrap(),
        );
        let series = Series {
            unit: "%",
            baseline: Some(&baseline),
            actuals: vec![(2026, &r8), (2025, &r7)],
            target: None,
        };
        let c = trend(Lang::Ja, &series).unwrap();
        assert_eq!(
            kinds(&c),
            [PointKind::Baseline, PointKind::Actual, PointKind::Actual]
        );
        let values: Vec<&str> = c.points.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(values, ["30.6", "33.1", "32.0"]);
        assert_eq!(c.points[1].full.as_deref(), Some("令和7年度（2025年度）"));
        assert_eq!(
            (c.target_y, c.target_display.as_deref(), c.direction),
            (None, None, None)
        );
        assert_eq!((c.projection, c.band, c.any_over), (None, None, false));
        assert_eq!(c.baseline_display.as_deref(), Some("30.6 %"));
        assert_eq!(c.latest_display, "32.0 %");
        assert_eq!(c.latest_year, "令和8年度");
        // The line joins every point: there is no target slot after them.
        assert_eq!(c.line.as_deref().unwrap().split(' ').count(), 3);
        let slot = (c.plot.right - c.plot.left) / 3.0;
        assert!((c.points[2].x - (c.plot.right - slot / 2.0)).abs() <= 0.05);
        // Without a baseline either: the yearly values alone.
        let series = Series {
            baseline: None,
            ..series
        };
        let c = trend(Lang::Ja, &series).unwrap();
        assert_eq!(kinds(&c), [PointKind::Actual, PointKind::Actual]);
        assert_eq!(c.baseline_display, None);
        // Nothing measured yet: no chart.
        let none = Series {
            actuals: vec![],
            ..series
        };
        assert_eq!(trend(Lang::Ja, &none), None);
    }

    #[test]
    fn a_series_without_a_target_draws_no_target_line_nor_its_legend() {
        let (baseline, r7): (Quantity, Quantity) =
            ("30.6".parse().unwrap(), "33.1".parse().unwrap());
        let series = Series {
            unit: "%",
            baseline: Some(&baseline),
            actuals: vec![(2025, &r7)],
            target: None,
        };
        let render = |lang: &str, chart: &Chart| {
            crate::web::templates()
                .unwrap()
                .render_template(
                    r#"{{> plan/_kpi_chart}}"#,
                    &serde_json::json!({ "lang": lang, "chart": chart.clone().named("0", "施策に係る市民満足度") }),
                )
                .unwrap()
        };
        let html = render("ja", &trend(Lang::Ja, &series).unwrap());
        assert!(!html.contains("kpi-chart__target-line"), "{html}");
        assert!(!html.contains("kpi-chart__key--target"), "{html}");
        assert!(!html.contains("目標値"), "{html}");
        assert!(
            html.contains("現状値 30.6 % → 最新の実績値 33.1 %（令和7年度）。各年度の値は"),
            "{html}"
        );
        insta::assert_snapshot!("satisfaction_trend", html);
        let html = render("en", &trend(Lang::En, &series).unwrap());
        assert!(
            html.contains("Baseline 30.6 % → latest actual value 33.1 % (FY2025). The value"),
            "{html}"
        );
        // A KPI keeps its target line and legend.
        let kpi = render("ja", &npo());
        assert!(kpi.contains("kpi-chart__target-line"));
        assert!(kpi.contains("→ 目標値 50 団体。各年度の値は"), "{kpi}");
    }
}
