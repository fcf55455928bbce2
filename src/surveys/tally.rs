//! 集計: from the counts of a question's answers to what its results table and chart show —
//! each choice's count and its percentage of those who answered, one decimal. Pure: no
//! database, no markup.
//!
//! For a single choice or a scale every person picked one choice, so the percentages are
//! rounded by the largest remainder to add up to exactly 100.0 %: the chart, the table and a
//! reader's sum always agree. For a multiple choice they are shares of the respondents each,
//! and do not add up to 100.

use serde::Serialize;

/// What is shown in place of a percentage when nobody answered the question.
pub const NO_PERCENT: &str = "—";

/// A question's results (設問の集計): its rows in the order of the choices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    pub rows: Vec<Row>,
    /// How many people answered the question (the base of every percentage).
    pub answered: u64,
}

/// A choice's line in a results table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub label: String,
    pub count: u64,
    /// The percentage in tenths of a per cent (`306` is 30.6 %); `None` when nobody answered.
    pub tenths: Option<u32>,
    /// The same as a number, one decimal (`30.6`), for the API and CSV.
    pub percent: Option<f64>,
    /// `30.6%`, or [`NO_PERCENT`] when nobody answered.
    pub percent_display: String,
}

/// A matrix (マトリクス設問): one tally per statement, each over the same scale columns and
/// over those who answered that statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixTally {
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

/// A statement of a matrix and the tally of its columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub label: String,
    pub tally: Tally,
}

/// A single choice or a 5-point scale: each answer picked exactly one choice, so those who
/// answered are the sum of the counts, and the percentages add up to 100.0.
pub fn single(choices: &[(String, u64)]) -> Tally {
    let answered = choices.iter().map(|(_, count)| count).sum();
    let counts: Vec<u64> = choices.iter().map(|(_, count)| *count).collect();
    let tenths = largest_remainder(&counts, answered);
    rows(choices, answered, tenths)
}

/// A multiple choice: each choice's share of the `respondents` who answered the question
/// (rounded half up), so the percentages may add up to more than 100.
pub fn multiple(choices: &[(String, u64)], respondents: u64) -> Tally {
    let tenths = choices
        .iter()
        .map(|(_, count)| rounded_tenths(*count, respondents))
        .collect();
    rows(choices, respondents, tenths)
}

/// A matrix: `rows` are the statements with one count per column.
pub fn matrix(columns: &[String], rows: &[(String, Vec<u64>)]) -> MatrixTally {
    MatrixTally {
        columns: columns.to_vec(),
        rows: rows
            .iter()
            .map(|(label, counts)| {
                let choices: Vec<(String, u64)> = columns
                    .iter()
                    .cloned()
                    .zip(counts.iter().copied())
                    .collect();
                MatrixRow {
                    label: label.clone(),
                    tally: single(&choices),
                }
            })
            .collect(),
    }
}

/// `306` → `30.6%`; nothing → `—`.
pub fn percent_display(tenths: Option<u32>) -> String {
    match tenths {
        Some(t) => format!("{}.{}%", t / 10, t % 10),
        None => NO_PERCENT.to_owned(),
    }
}

fn rows(choices: &[(String, u64)], answered: u64, tenths: Vec<Option<u32>>) -> Tally {
    Tally {
        rows: choices
            .iter()
            .zip(tenths)
            .map(|((label, count), tenths)| Row {
                label: label.clone(),
                count: *count,
                tenths,
                percent: tenths.map(|t| f64::from(t) / 10.0),
                percent_display: percent_display(tenths),
            })
            .collect(),
        answered,
    }
}

/// `count` of `base` in tenths of a per cent, half up; `None` when `base` is 0.
fn rounded_tenths(count: u64, base: u64) -> Option<u32> {
    (base > 0)
        .then(|| to_u32((u128::from(count) * 2000 + u128::from(base)) / (2 * u128::from(base))))
}

/// Tenths of a per cent that add up to exactly 1000 (Hamilton's method): each count's share
/// rounded down, then the tenths left over go one each to the largest remainders (the earlier
/// choice first on a tie). `None` for every count when `total` is 0.
fn largest_remainder(counts: &[u64], total: u64) -> Vec<Option<u32>> {
    if total == 0 {
        return vec![None; counts.len()];
    }
    let total = u128::from(total);
    let exact: Vec<u128> = counts.iter().map(|c| u128::from(*c) * 1000).collect();
    let mut tenths: Vec<u32> = exact.iter().map(|e| to_u32(e / total)).collect();
    let left = 1000u32.saturating_sub(tenths.iter().sum());
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(exact[i] % total));
    for &i in order.iter().take(left as usize) {
        tenths[i] += 1;
    }
    tenths.into_iter().map(Some).collect()
}

/// Tenths of a per cent of a share of at most the whole always fit.
fn to_u32(tenths: u128) -> u32 {
    u32::try_from(tenths).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(counts: &[u64]) -> Vec<(String, u64)> {
        counts
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("選択肢{}", i + 1), *c))
            .collect()
    }

    fn shown(t: &Tally) -> Vec<&str> {
        t.rows.iter().map(|r| r.percent_display.as_str()).collect()
    }

    fn sum(t: &Tally) -> u32 {
        t.rows.iter().filter_map(|r| r.tenths).sum()
    }

    #[test]
    fn a_single_choice_shows_each_count_and_its_share() {
        // 満足度 30.6 %: 11 of 36.
        let t = single(&choices(&[11, 25]));
        assert_eq!(t.answered, 36);
        assert_eq!(shown(&t), ["30.6%", "69.4%"]);
        assert_eq!(t.rows[0].count, 11);
        assert_eq!(t.rows[0].label, "選択肢1");
        assert_eq!(t.rows[0].percent, Some(30.6));
        assert_eq!(sum(&t), 1000);
    }

    #[test]
    fn a_single_choice_adds_up_to_one_hundred_exactly() {
        // Thirds: 33.3 + 33.3 + 33.3 would be 99.9; the first of the tied remainders gets it.
        let t = single(&choices(&[1, 1, 1]));
        assert_eq!(shown(&t), ["33.4%", "33.3%", "33.3%"]);
        // Rounding each would give 16.7 × 6 = 100.2; the largest remainders only.
        let t = single(&choices(&[1, 1, 1, 1, 1, 1]));
        assert_eq!(sum(&t), 1000);
        assert_eq!(
            shown(&t),
            ["16.7%", "16.7%", "16.7%", "16.7%", "16.6%", "16.6%"]
        );
        // The larger remainder wins, wherever it is: 2/7 = 28.571…, 5/7 = 71.428…
        let t = single(&choices(&[2, 5]));
        assert_eq!(shown(&t), ["28.6%", "71.4%"]);
        let t = single(&choices(&[5, 2]));
        assert_eq!(shown(&t), ["71.4%", "28.6%"]);
        // Many choices with a large base still add up.
        let t = single(&choices(&[1234, 5678, 91011, 1, 0, 7]));
        assert_eq!(sum(&t), 1000);
    }

    #[test]
    fn a_choice_nobody_picked_is_zero_and_every_one_picked_is_a_hundred() {
        let t = single(&choices(&[0, 8, 0]));
        assert_eq!(shown(&t), ["0.0%", "100.0%", "0.0%"]);
    }

    #[test]
    fn without_answers_the_percentages_are_a_dash_never_nan() {
        let t = single(&choices(&[0, 0]));
        assert_eq!(t.answered, 0);
        assert_eq!(shown(&t), [NO_PERCENT, NO_PERCENT]);
        assert_eq!(t.rows[0].percent, None);
        let t = multiple(&choices(&[0, 0]), 0);
        assert_eq!(shown(&t), ["—", "—"]);
        assert!(t
            .rows
            .iter()
            .all(|r| r.percent.is_none() && r.tenths.is_none()));
        assert_eq!(
            serde_json::to_value(&t).unwrap()["rows"][0]["percent"],
            serde_json::Value::Null
        );
        let t = single(&[]);
        assert_eq!((t.rows.len(), t.answered), (0, 0));
    }

    #[test]
    fn a_multiple_choice_counts_shares_of_the_respondents() {
        // 20 people, 12 and 15 of them ticked each: 60 % and 75 %, not out of 27.
        let t = multiple(&choices(&[12, 15, 0]), 20);
        assert_eq!(t.answered, 20);
        assert_eq!(shown(&t), ["60.0%", "75.0%", "0.0%"]);
        assert_eq!(sum(&t), 1350);
        // Half up: 1/8 = 12.5 %; 1/16 = 6.25 % → 6.3 %; 1/3 = 33.33… → 33.3 %.
        assert_eq!(shown(&multiple(&choices(&[1]), 8)), ["12.5%"]);
        assert_eq!(shown(&multiple(&choices(&[1]), 16)), ["6.3%"]);
        assert_eq!(shown(&multiple(&choices(&[1, 2]), 3)), ["33.3%", "66.7%"]);
        // Counts that cannot be (more ticks than people, by far) saturate instead of panicking.
        assert_eq!(
            multiple(&choices(&[u64::MAX]), 1).rows[0].tenths,
            Some(u32::MAX)
        );
    }

    #[test]
    fn a_matrix_tallies_each_statement_over_those_who_answered_it() {
        let columns: Vec<String> = ["そう思う", "どちらともいえない", "そう思わない"]
            .map(String::from)
            .to_vec();
        let m = matrix(
            &columns,
            &[
                ("安心して暮らせる".into(), vec![1, 1, 1]),
                ("まだ誰も答えていない".into(), vec![0, 0, 0]),
            ],
        );
        assert_eq!(m.columns, columns);
        assert_eq!(m.rows[0].label, "安心して暮らせる");
        assert_eq!(m.rows[0].tally.answered, 3);
        assert_eq!(shown(&m.rows[0].tally), ["33.4%", "33.3%", "33.3%"]);
        assert_eq!(m.rows[0].tally.rows[1].label, "どちらともいえない");
        assert_eq!(shown(&m.rows[1].tally), ["—", "—", "—"]);
    }

    #[test]
    fn percentages_display_with_one_decimal() {
        assert_eq!(percent_display(Some(0)), "0.0%");
        assert_eq!(percent_display(Some(5)), "0.5%");
        assert_eq!(percent_display(Some(1000)), "100.0%");
        assert_eq!(percent_display(None), "—");
    }

    #[test]
    fn serialises_for_the_templates_and_the_api() {
        let json = serde_json::to_value(single(&choices(&[11, 25]))).unwrap();
        assert_eq!(json["answered"], 36);
        assert_eq!(json["rows"][0]["count"], 11);
        assert_eq!(json["rows"][0]["tenths"], 306);
        assert_eq!(json["rows"][0]["percent"], 30.6);
        assert_eq!(json["rows"][0]["percent_display"], "30.6%");
    }
}
