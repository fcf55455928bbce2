//! Paper opinions from an imported file (紙の意見の一括取込): the columns a file must have, and
//! each row checked as the staff paper form checks what is typed, plus what only a file can
//! get wrong (a date outside the period, a row given twice, a formula error). Every row is
//! checked, so the preview lists every mistake at once. Pure: no database.

use super::fields::{self, Channel, Paper, MAX_BODY};
use super::period::{start_of_day, Period};
use crate::imports::{Column, Repeats};
use crate::refusal::Refusal;
use crate::web::sheet::{self, Row, Sheet};
use chrono::{Duration, NaiveDate};
use std::collections::HashSet;

/// The columns, in the template's order.
pub const COLUMNS: [Column; 7] = [
    Column::new("受付日", true),
    Column::new("意見", true),
    Column::new("項目番号", false),
    Column::new("氏名", false),
    Column::new("住所", false),
    Column::new("団体名", false),
    Column::new("メールアドレス", false),
];

/// The template's example row (a file staff download and fill in).
pub const EXAMPLE: [&str; 7] = [
    "令和8年1月5日",
    "駅前の駐輪場を広げてください。",
    "1",
    "本庄 花子",
    "本庄市本庄3-5-3",
    "",
    "",
];

/// What an opinion is the same as another by: the day, who (name, else organisation), text.
pub type Fingerprint = (NaiveDate, Option<String>, String);

/// What a row is checked against.
pub struct Rules<'a> {
    pub period: Period,
    /// Today in Tokyo: a paper opinion was received at the latest today.
    pub today: NaiveDate,
    pub identity_required: bool,
    /// The draft's sections in order: `項目番号` 1 is the first.
    pub sections: &'a [i32],
    /// The opinions already typed in or imported.
    pub known: &'a HashSet<Fingerprint>,
}

/// A row as checked, with the opinion it makes.
pub type Line = crate::imports::Line<Paper>;

/// A file of opinions checked row by row.
pub type Checked = crate::imports::Checked<Paper>;

/// Checks every row of `sheet`; a file without a required column is refused whole.
pub fn check(sheet: &Sheet, rules: &Rules) -> Result<Checked, Refusal> {
    let repeats = Repeats {
        known: rules.known,
        known_message: "msg.import_known",
        twice_message: "msg.import_duplicate",
    };
    crate::imports::check(sheet, &COLUMNS, repeats, fingerprint, |row, cells| {
        line(row, cells, rules)
    })
}

/// The opinion's fingerprint.
pub fn fingerprint(paper: &Paper) -> Fingerprint {
    (
        paper.received,
        paper.name.clone().or_else(|| paper.organisation.clone()),
        paper.body.clone(),
    )
}

/// One row's opinion, or every reason it cannot be one.
fn line(row: &Row, cells: &[String; 7], rules: &Rules) -> Result<Paper, Vec<Refusal>> {
    let mut errors = Vec::new();
    if let Some(column) = row.error_cell {
        errors.push(Refusal::new("msg.import_formula_error").with("column", column + 1));
    }
    let [received, body, section, name, address, organisation, email] = cells;
    let received = keep(
        &mut errors,
        sheet::day(received, "label.received_on").and_then(|d| in_period(d, rules)),
    );
    let body = keep(
        &mut errors,
        fields::text(body, "label.opinion", MAX_BODY, true),
    );
    let section = keep(&mut errors, section_of(section, rules.sections));
    let organisation = keep(
        &mut errors,
        fields::text(organisation, "label.org_name", 200, false),
    );
    let anonymous_allowed = !rules.identity_required || matches!(organisation, Some(Some(_)));
    let name = keep(
        &mut errors,
        fields::text(name, "label.real_name", 200, !anonymous_allowed),
    );
    let address = keep(
        &mut errors,
        fields::text(address, "label.address", 400, rules.identity_required),
    );
    let email = keep(&mut errors, fields::email(email));
    match (received, body, section, organisation, name, address, email) {
        (
            Some(received),
            Some(Some(body)),
            Some(section),
            Some(organisation),
            Some(name),
            Some(address),
            Some(email),
        ) if errors.is_empty() => Ok(Paper {
            channel: Channel::Paper,
            received,
            section,
            body,
            organisation,
            name,
            address,
            email,
        }),
        _ => Err(errors),
    }
}

/// The value, or `None` with the reason added to `errors`.
fn keep<T>(errors: &mut Vec<Refusal>, result: Result<T, Refusal>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// A day of the consultation's period, today at the latest.
fn in_period(day: NaiveDate, rules: &Rules) -> Result<NaiveDate, Refusal> {
    let noon = start_of_day(day) + Duration::hours(12);
    if !rules.period.contains(noon) || day > rules.today {
        return Err(Refusal::new("msg.import_day_outside")
            .with("from", crate::wareki::date_ja(rules.period.opens_at()))
            .with("to", crate::wareki::date_ja(rules.period.last_day_at()))
            .with("day", crate::wareki::date_ja(noon)));
    }
    Ok(day)
}

/// The section numbered `raw` (1 is the first); empty: the whole draft.
fn section_of(raw: &str, sections: &[i32]) -> Result<Option<i32>, Refusal> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| sections.get(i))
        .map(|id| Some(*id))
        .ok_or_else(|| {
            Refusal::new("msg.import_section")
                .with("value", raw)
                .with("max", sections.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sheet(headings: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            headings: headings.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    line: i + 2,
                    cells: cells.iter().map(|c| c.to_string()).collect(),
                    error_cell: None,
                })
                .collect(),
        }
    }

    fn with_rules<T>(identity_required: bool, f: impl FnOnce(&Rules) -> T) -> T {
        let known: HashSet<Fingerprint> =
            [(day(2026, 1, 6), Some("既出 太郎".into()), "既に入力".into())].into();
        let rules = Rules {
            period: Period::new(day(2026, 1, 5), day(2026, 2, 4)).unwrap(),
            today: day(2026, 1, 20),
            identity_required,
            sections: &[11, 12],
            known: &known,
        };
        f(&rules)
    }

    const HEADINGS: [&str; 8] = [
        "受付日",
        "意見",
        "項目番号",
        "氏名",
        "住所",
        "団体名",
        "メールアドレス",
        "備考",
    ];

    #[test]
    fn a_good_row_is_a_paper_opinion() {
        let s = sheet(
            &HEADINGS,
            &[&[
                " 令和8年1月5日",
                "ベンチを",
                "2",
                "本庄 花子",
                "本庄市1",
                "",
                "a@example.jp",
                "メモ",
            ]],
        );
        let checked = with_rules(true, |r| check(&s, r)).unwrap();
        assert_eq!(checked.ignored, ["備考"]);
        assert_eq!(checked.errors(), 0);
        assert_eq!(checked.lines[0].cells[0], "令和8年1月5日");
        assert_eq!(
            checked.records(),
            Some(vec![(
                2,
                Paper {
                    channel: Channel::Paper,
                    received: day(2026, 1, 5),
                    section: Some(12),
                    body: "ベンチを".into(),
                    organisation: None,
                    name: Some("本庄 花子".into()),
                    address: Some("本庄市1".into()),
                    email: Some("a@example.jp".into()),
                }
            )])
        );
    }

    #[test]
    fn columns_in_any_order_and_missing_optional_ones() {
        let s = sheet(&["意見", "受付日"], &[&["ベンチを", "2026/1/7"]]);
        let checked = with_rules(false, |r| check(&s, r)).unwrap();
        let papers = checked.records().unwrap();
        assert_eq!(papers[0].1.received, day(2026, 1, 7));
        assert_eq!(papers[0].1.name, None);
        for missing in ["受付日", "意見"] {
            let headings: Vec<&str> = HEADINGS.iter().copied().filter(|h| *h != missing).collect();
            let s = sheet(&headings, &[]);
            assert_eq!(
                with_rules(false, |r| check(&s, r)),
                Err(Refusal::new("msg.import_missing_column").with("column", missing))
            );
        }
    }

    #[test]
    fn every_mistake_of_a_row_is_said() {
        let long = "あ".repeat(MAX_BODY + 1);
        let s = sheet(
            &HEADINGS,
            &[
                &["2026/1/4", &long, "3", "", "", "", "not-an-address"],
                &["2026/1/21", "ベンチを", "x", "", "本庄市1"],
                &["令和8年2月30日", "", "0"],
            ],
        );
        let checked = with_rules(true, |r| check(&s, r)).unwrap();
        assert_eq!(checked.errors(), 3);
        let keys = |i: usize| -> Vec<&str> {
            checked.lines[i]
                .result
                .as_ref()
                .unwrap_err()
                .iter()
                .map(Refusal::key)
                .collect()
        };
        assert_eq!(
            keys(0),
            [
                "msg.import_day_outside",
                "msg.too_long_now_consultation",
                "msg.import_section",
                "msg.required",
                "msg.required",
                "msg.email_malformed"
            ]
        );
        assert_eq!(
            keys(1),
            [
                "msg.import_day_outside",
                "msg.import_section",
                "msg.required"
            ]
        );
        assert_eq!(
            keys(2),
            [
                "msg.import_day",
                "msg.required",
                "msg.import_section",
                "msg.required",
                "msg.required"
            ]
        );
        assert_eq!(checked.clone().records(), None);
    }

    #[test]
    fn an_organisation_stands_for_a_name_where_identity_is_required() {
        let s = sheet(
            &HEADINGS,
            &[&["2026/1/5", "ベンチを", "", "", "本庄市1", "駅北口自治会"]],
        );
        assert_eq!(with_rules(true, |r| check(&s, r)).unwrap().errors(), 0);
    }

    #[test]
    fn a_row_given_twice_or_already_entered_is_refused() {
        let s = sheet(
            &HEADINGS,
            &[
                &["2026/1/5", "ベンチを", "", "本庄 花子"],
                &["2026-01-05", " ベンチを ", "1", "本庄 花子"],
                &["2026/1/6", "既に入力", "", "既出 太郎"],
            ],
        );
        let checked = with_rules(false, |r| check(&s, r)).unwrap();
        assert!(checked.lines[0].result.is_ok());
        assert_eq!(
            checked.lines[1].result,
            Err(vec![Refusal::new("msg.import_duplicate").with("line", 2)])
        );
        assert_eq!(
            checked.lines[2].result,
            Err(vec![Refusal::new("msg.import_known")])
        );
    }

    #[test]
    fn a_formula_error_is_said_with_its_column() {
        let mut s = sheet(&HEADINGS, &[&["2026/1/5", "#DIV/0!"]]);
        s.rows[0].error_cell = Some(1);
        let checked = with_rules(false, |r| check(&s, r)).unwrap();
        assert_eq!(
            checked.lines[0].result,
            Err(vec![
                Refusal::new("msg.import_formula_error").with("column", 2)
            ])
        );
    }
}
