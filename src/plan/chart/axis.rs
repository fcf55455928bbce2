//! The y-axis of a KPI chart: a scale of round numbers that holds every value with some room,
//! its ticks, and the tick labels as the city writes numbers.

use super::{round, Plot};
use crate::plan::quantity::Quantity;

/// At most this many steps between the lowest and the highest tick: at most five ticks.
const MAX_STEPS: f64 = 4.0;

/// The y-axis: from a round number at or below the lowest value to one at or above the
/// highest, in at most [`MAX_STEPS`] steps of 1, 2, 2.5 (from 25 up) or 5 times a power of ten,
/// never finer than the values' own decimals (whole numbers get whole ticks).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
    /// Decimals of the tick labels: as many as the step has.
    decimals: usize,
    steps: i64,
}

impl Axis {
    pub(super) fn new(values: &[f64], percent: bool, decimals: i64) -> Axis {
        let (lo, hi) = range_with_room(values, percent);
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

    /// Each tick's value with its label, lowest first.
    pub(super) fn labelled_ticks(&self) -> Vec<(f64, String)> {
        self.ticks()
            .map(|v| (v, format_number(v, self.decimals)))
            .collect()
    }

    /// Where `value` goes on `plot`: the axis' range spread over the plot's height, the lowest
    /// tick on the bottom edge (smaller y is higher up).
    pub(super) fn y(&self, plot: &Plot, value: f64) -> f64 {
        round(plot.bottom - (value - self.lo) / (self.hi - self.lo) * (plot.bottom - plot.top))
    }
}

/// The values' range with about 10 % of room above and below (for equal values, 10 % of the
/// value, or 1 at 0); the room never crosses zero, and a share never goes past 100 %.
fn range_with_room(values: &[f64], percent: bool) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = if max > min {
        (max - min) * 0.1
    } else if max != 0.0 {
        max.abs() * 0.1
    } else {
        1.0
    };
    let mut lo = min - pad;
    let mut hi = max + pad;
    if min >= 0.0 {
        lo = lo.max(0.0);
    } else if max <= 0.0 {
        hi = hi.min(0.0);
    }
    if percent && max <= 100.0 {
        hi = hi.min(100.0);
    }
    (lo, hi)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::chart::chart;
    use crate::plan::chart::fixtures::{kpi, labels, npo};
    use crate::plan::chart::labels::{text_width, FONT};
    use crate::plan::progress::Direction;
    use crate::web::i18n::Lang;

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
        assert!((c.target_y.unwrap() - two_thirds).abs() <= 0.05);
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
        assert!(c.points.iter().all(|p| p.y == c.target_y.unwrap()));
        assert!(c.target_y.unwrap() > c.plot.top && c.target_y.unwrap() < c.plot.bottom);
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
        assert_eq!(c.target_y.unwrap(), c.ticks[1].y);
        assert_eq!(c.points[2].value_display, "-12 人");
        assert!(c.points[2].y > c.target_y.unwrap());
        // Values all at or below zero stop at zero.
        let k = kpi(Direction::Increase, "人", Some("-10"), "0", &[(2024, "-5")]);
        let c = chart(Lang::Ja, &k).unwrap();
        assert_eq!(labels(&c), ["-15", "-10", "-5", "0"]);
        assert_eq!(c.target_y.unwrap(), c.plot.top);
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
        assert_eq!(c.target_display.as_deref(), Some("3,351,000 件"));
        assert!(c.show_values);
        let small = npo();
        assert!(c.plot.left > small.plot.left);
        assert_eq!(c.plot.left, round(text_width("3,400,000") + 12.0));
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
}
