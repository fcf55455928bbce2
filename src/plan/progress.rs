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
    /// down, so 100 means the target is reached. `from_zero`: the plan has no baseline for a
    /// KPI to increase (the activity did not exist yet, 市民提案型事業数 — → 2), so the way is
    /// counted from 0.
    Share {
        ratio: f64,
        percent: u8,
        from_zero: bool,
    },
    /// For an upper bound: whether the value is within it.
    Bound { within: bool },
    /// For a value to hold: whether it is at the target.
    Maintain { held: bool },
}

/// Why a KPI has no progress, to say on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmeasured {
    /// No actual value recorded yet.
    NoActual,
    /// A KPI to decrease with no baseline: where it started is unknown.
    NoBaseline,
    /// Baseline and target are the same: there is no way to go.
    NoDistance,
}

impl Unmeasured {
    pub const ALL: [Unmeasured; 3] = [
        Unmeasured::NoActual,
        Unmeasured::NoBaseline,
        Unmeasured::NoDistance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unmeasured::NoActual => "no_actual",
            Unmeasured::NoBaseline => "no_baseline",
            Unmeasured::NoDistance => "no_distance",
        }
    }
}

/// Progress of a KPI given its latest actual value, or why there is nothing to measure.
pub fn progress(
    direction: Direction,
    baseline: Option<&BigDecimal>,
    target: &BigDecimal,
    actual: Option<&BigDecimal>,
) -> Result<Progress, Unmeasured> {
    let actual = actual.ok_or(Unmeasured::NoActual)?;
    match direction {
        Direction::Increase | Direction::Decrease => {
            let zero = BigDecimal::zero();
            let (baseline, from_zero) = match (baseline, direction) {
                (Some(baseline), _) => (baseline, false),
                (None, Direction::Increase) => (&zero, true),
                (None, _) => return Err(Unmeasured::NoBaseline),
            };
            let span = target - baseline;
            if span.is_zero() {
                return Err(Unmeasured::NoDistance);
            }
            // A decimal too far out for an f64 has nothing to show either.
            let ratio = ((actual - baseline) / span)
                .to_f64()
                .ok_or(Unmeasured::NoDistance)?;
            let percent = (ratio.clamp(0.0, 1.0) * 100.0).floor() as u8;
            Ok(Progress::Share {
                ratio,
                percent,
                from_zero,
            })
        }
        Direction::UpperBound => Ok(Progress::Bound {
            within: actual <= target,
        }),
        Direction::Maintain => Ok(Progress::Maintain {
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
            Ok(Progress::Share {
                ratio,
                percent,
                from_zero: false,
            }) => (ratio, percent),
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
    fn share_needs_an_actual_and_a_distance() {
        assert_eq!(
            progress(Direction::Increase, Some(&d("1")), &d("2"), None),
            Err(Unmeasured::NoActual)
        );
        assert_eq!(
            progress(Direction::Decrease, Some(&d("5")), &d("5"), Some(&d("4"))),
            Err(Unmeasured::NoDistance)
        );
        assert_eq!(
            progress(Direction::Increase, None, &d("0"), Some(&d("1"))),
            Err(Unmeasured::NoDistance)
        );
    }

    #[test]
    fn an_increase_without_a_baseline_counts_from_zero() {
        // 市民提案型事業数 — → 2 件: the activity did not exist when the plan was written.
        assert_eq!(
            progress(Direction::Increase, None, &d("2"), Some(&d("1"))),
            Ok(Progress::Share {
                ratio: 0.5,
                percent: 50,
                from_zero: true
            })
        );
        // A decrease without a baseline has no known start.
        assert_eq!(
            progress(Direction::Decrease, None, &d("2"), Some(&d("1"))),
            Err(Unmeasured::NoBaseline)
        );
    }

    #[test]
    fn reasons_have_codes() {
        let codes: Vec<_> = Unmeasured::ALL.iter().map(|u| u.as_str()).collect();
        assert_eq!(codes, ["no_actual", "no_baseline", "no_distance"]);
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
        assert_eq!(within("92.7"), Ok(Progress::Bound { within: true }));
        assert_eq!(within("90.0"), Ok(Progress::Bound { within: true }));
        assert_eq!(within("92.8"), Ok(Progress::Bound { within: false }));
        // The bound does not need a baseline.
        assert_eq!(
            progress(Direction::UpperBound, None, &target, Some(&d("1"))),
            Ok(Progress::Bound { within: true })
        );
        assert_eq!(
            progress(Direction::UpperBound, None, &target, None),
            Err(Unmeasured::NoActual)
        );
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
        assert_eq!(held("0"), Ok(Progress::Maintain { held: true }));
        assert_eq!(held("0.1"), Ok(Progress::Maintain { held: false }));
        assert_eq!(
            progress(Direction::Maintain, None, &d("0"), None),
            Err(Unmeasured::NoActual)
        );
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

    #[test]
    fn every_reason_for_no_progress_has_its_text() {
        crate::web::i18n::assert_keys(
            "progress.none.",
            Unmeasured::ALL.into_iter().map(|u| u.as_str()),
        );
    }
}
