//! KPI progress (成果指標の進捗): computed from the plan's baseline and target and the latest
//! actual value, never typed in. No database here.

use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use serde::Serialize;
use std::{fmt, str::FromStr};

/// Which way a KPI should move, as the plan states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The value should rise to the target (自治会の加入率 82.31 → 85.00 %).
    Increase,
    /// The value should fall to the target (刑法犯認知件数 475 → 470 件).
    Decrease,
    /// The value should stay at or below the target (経常収支比率 92.7 %以内).
    UpperBound,
    /// The value should be held at the target (将来負担比率 0.0 %).
    Maintain,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::UpperBound => "upper_bound",
            Direction::Maintain => "maintain",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "increase" => Ok(Direction::Increase),
            "decrease" => Ok(Direction::Decrease),
            "upper_bound" => Ok(Direction::UpperBound),
            "maintain" => Ok(Direction::Maintain),
            other => Err(format!(
                "unknown KPI direction {other:?} (increase, decrease, upper_bound or maintain)"
            )),
        }
    }
}

/// How far a KPI has come.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    /// Share of the way from baseline to target: `ratio` as computed (below 0 when the value
    /// moved the wrong way, above 1 past the target), `percent` clamped to 0–100 and rounded
    /// down, so 100 means the target is reached.
    Share { ratio: f64, percent: u8 },
    /// For an upper bound: whether the value is within it.
    Bound { within: bool },
    /// For a value to hold: whether it is at the target.
    Maintain { held: bool },
}

/// Progress of a KPI given its latest actual value; `None` when there is nothing to measure
/// (no actual yet, or a share with no baseline or no distance between baseline and target).
pub fn progress(
    direction: Direction,
    baseline: Option<&BigDecimal>,
    target: &BigDecimal,
    actual: Option<&BigDecimal>,
) -> Option<Progress> {
    let actual = actual?;
    match direction {
        Direction::Increase | Direction::Decrease => {
            let baseline = baseline?;
            let span = target - baseline;
            if span.is_zero() {
                return None;
            }
            let ratio = ((actual - baseline) / span).to_f64()?;
            let percent = (ratio.clamp(0.0, 1.0) * 100.0).floor() as u8;
            Some(Progress::Share { ratio, percent })
        }
        Direction::UpperBound => Some(Progress::Bound {
            within: actual <= target,
        }),
        Direction::Maintain => Some(Progress::Maintain {
            held: actual == target,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> BigDecimal {
        s.parse().unwrap()
    }

    fn share(direction: Direction, baseline: &str, target: &str, actual: &str) -> (f64, u8) {
        match progress(direction, Some(&d(baseline)), &d(target), Some(&d(actual))) {
            Some(Progress::Share { ratio, percent }) => (ratio, percent),
            other => panic!("expected a share, got {other:?}"),
        }
    }

    #[test]
    fn increase_is_the_share_of_the_way_to_the_target() {
        // 自治会の加入率 82.31 % → 85.00 %
        let (ratio, percent) = share(Direction::Increase, "82.31", "85.00", "83.655");
        assert!((ratio - 0.5).abs() < 1e-9);
        assert_eq!(percent, 50);
        assert_eq!(share(Direction::Increase, "43", "50", "50").1, 100);
        assert_eq!(share(Direction::Increase, "43", "50", "43").1, 0);
    }

    #[test]
    fn decrease_counts_falling_values_as_progress() {
        // 刑法犯認知件数 475 → 470 件
        assert_eq!(share(Direction::Decrease, "475", "470", "472").1, 60);
        assert_eq!(share(Direction::Decrease, "11.0", "10.0", "10.0").1, 100);
    }

    #[test]
    fn percent_is_clamped_and_rounded_down_but_ratio_is_kept() {
        let (ratio, percent) = share(Direction::Increase, "43", "50", "57");
        assert!((ratio - 2.0).abs() < 1e-9);
        assert_eq!(percent, 100);
        let (ratio, percent) = share(Direction::Decrease, "475", "470", "480");
        assert!((ratio + 1.0).abs() < 1e-9);
        assert_eq!(percent, 0);
        // 99.9 % of the way is not yet the target.
        assert_eq!(share(Direction::Increase, "0", "1000", "999").1, 99);
    }

    #[test]
    fn share_needs_a_baseline_an_actual_and_a_distance() {
        assert_eq!(
            progress(Direction::Increase, None, &d("2"), Some(&d("1"))),
            None
        );
        assert_eq!(
            progress(Direction::Increase, Some(&d("1")), &d("2"), None),
            None
        );
        assert_eq!(
            progress(Direction::Decrease, Some(&d("5")), &d("5"), Some(&d("4"))),
            None
        );
    }

    #[test]
    fn upper_bound_is_within_or_over() {
        // 経常収支比率 92.7 %以内
        let target = d("92.7");
        let within = |actual: &str| {
            progress(
                Direction::UpperBound,
                Some(&d("89.3")),
                &target,
                Some(&d(actual)),
            )
        };
        assert_eq!(within("92.7"), Some(Progress::Bound { within: true }));
        assert_eq!(within("90.0"), Some(Progress::Bound { within: true }));
        assert_eq!(within("92.8"), Some(Progress::Bound { within: false }));
        // The bound does not need a baseline.
        assert_eq!(
            progress(Direction::UpperBound, None, &target, Some(&d("1"))),
            Some(Progress::Bound { within: true })
        );
        assert_eq!(progress(Direction::UpperBound, None, &target, None), None);
    }

    #[test]
    fn maintain_is_held_at_the_target() {
        // 将来負担比率 0.0 % → 0.0 %; 0 and 0.0 are the same value.
        let held = |actual: &str| {
            progress(
                Direction::Maintain,
                Some(&d("0.0")),
                &d("0.0"),
                Some(&d(actual)),
            )
        };
        assert_eq!(held("0"), Some(Progress::Maintain { held: true }));
        assert_eq!(held("0.1"), Some(Progress::Maintain { held: false }));
        assert_eq!(progress(Direction::Maintain, None, &d("0"), None), None);
    }

    #[test]
    fn directions_parse_and_print() {
        for direction in [
            Direction::Increase,
            Direction::Decrease,
            Direction::UpperBound,
            Direction::Maintain,
        ] {
            assert_eq!(direction.as_str().parse::<Direction>(), Ok(direction));
            assert_eq!(direction.to_string(), direction.as_str());
        }
        assert!("sideways"
            .parse::<Direction>()
            .unwrap_err()
            .contains("sideways"));
    }
}
