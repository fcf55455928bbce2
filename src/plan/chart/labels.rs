//! The texts of a KPI chart and where they go: how wide a label is, where a point's value sits
//! clear of the lines, the fiscal years on the x-axis, values with their unit.

use super::{round, Anchor};
use crate::plan::quantity::Quantity;
use crate::wareki;
use crate::web::i18n::Lang;

/// The labels' font size (kyodo.css sets the same), to estimate how wide a label is.
pub const FONT: f64 = 14.0;

/// Where a point's value goes, given the y of the points a line joins it to: above a peak,
/// below a trough, above and off to the side where the line rises or falls through it (the
/// quadrant the line leaves free); never across the target line (if any), never into the x
/// labels.
/// Returns the alignment and the text's baseline.
pub(super) fn place_label(
    prev: Option<f64>,
    y: f64,
    next: Option<f64>,
    target_y: Option<f64>,
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
        target_y.is_some_and(|t| t > b - FONT && t < b + 3.0)
    };
    if crosses_target(above) {
        above = !above;
    }
    if !above && baseline(false) + 3.0 > bottom {
        above = true;
    }
    (anchor, round(baseline(above)))
}

impl Anchor {
    /// The `label_x` of a value label so aligned to a point at `x`: a little off to the side,
    /// or centred above or below it.
    pub(super) fn label_x(self, x: f64) -> f64 {
        match self {
            Anchor::Start => x + 6.0,
            Anchor::Middle => x,
            Anchor::End => x - 6.0,
        }
    }
}

/// Roughly how wide a label is at [`FONT`]: digits and Latin letters about 0.6 em, separators
/// 0.3 em, Japanese 1 em.
pub fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            ',' | '.' | ' ' => 0.3,
            c if c.is_ascii() => 0.6,
            _ => 1.0,
        })
        .sum::<f64>()
        * FONT
}

pub(super) fn with_unit(q: &Quantity, unit: &str) -> String {
    format!("{q} {unit}")
}

/// A fiscal year's x label: `R6` (`FY2024` in English).
pub(super) fn year_short(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Ja => short_year(year),
        Lang::En => format!("FY{year}"),
    }
}

/// The x label's second line: the Western year, `2024`; none in English, where it is in
/// [`year_short`].
pub(super) fn year_sub(lang: Lang, year: i32) -> Option<String> {
    (lang == Lang::Ja).then(|| year.to_string())
}

/// A fiscal year in full: `令和6年度（2024年度）`, `FY2024 (Reiwa 6)`.
pub(super) fn year_full(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Ja => wareki::fiscal_year_ja(year),
        Lang::En => wareki::fiscal_year_en(year),
    }
}

/// A fiscal year in the description: `令和6年度`, `FY2024`.
pub(super) fn year_in_text(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Ja => wareki::fiscal_year_era(year),
        Lang::En => format!("FY{year}"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::chart::chart;
    use crate::plan::chart::fixtures::{kpi, npo};
    use crate::plan::progress::Direction;

    #[test]
    fn values_are_placed_clear_of_the_lines() {
        let (target, bottom) = (50.0, 200.0);
        let place = |prev, y, next| place_label(prev, y, next, Some(target), bottom);
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
        // Without a target line, only the neighbours count.
        assert_eq!(
            place_label(None, 60.0, None, None, bottom),
            (Anchor::Middle, 50.0)
        );
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
    fn fiscal_years_in_short() {
        assert_eq!(short_year(2024), "R6");
        assert_eq!(short_year(2019), "R1");
        assert_eq!(short_year(2018), "H30");
        assert_eq!(short_year(1950), "S25");
        assert_eq!(short_year(1900), "1900");
    }
}
