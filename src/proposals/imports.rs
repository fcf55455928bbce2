//! Proposals received on paper from an imported file (紙で提出された提案の一括取込): the columns
//! a file must have, and each row checked with the web form's own fields ([`super::fields`])
//! and the account's ([`crate::auth::fields`]), plus what only a file can get wrong (a received
//! day in the future, a measure outside the importer's departments, a row given twice, a
//! formula error). Every row is checked, so the preview lists every mistake at once. Pure: no
//! database.

use super::changes::Content;
use super::fields::{Budget, LongText, Measures, Summary, Title};
use crate::auth::fields::{optional_text, DisplayName, ADDRESS_MAX, PHONE_MAX, REAL_NAME_MAX};
use crate::imports::{Column, Repeats};
use crate::refusal::Refusal;
use crate::wareki::start_of_day;
use crate::web::sheet::{self, Row, Sheet};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// The columns, in the template's order.
pub const COLUMNS: [Column; 14] = [
    Column::new("受付日", true),
    Column::new("氏名", true),
    Column::new("住所", true),
    Column::new("電話", false),
    Column::new("公開名", false),
    Column::new("事業名", true).or("件名"),
    Column::new("概要", true),
    Column::new("施策", true),
    Column::new("地域の課題", false),
    Column::new("活動計画", false),
    Column::new("期待される効果", false),
    Column::new("協働の相手", false),
    Column::new("実施期間", false),
    Column::new("予算", false),
];

/// The template's example row (a file staff download and fill in).
pub const EXAMPLE: [&str; 14] = [
    "令和8年1月5日",
    "本庄 花子",
    "本庄市本庄3-5-3",
    "0495-25-1111",
    "",
    "駅前花壇の手入れ",
    "駅前の花壇を自治会で手入れします。",
    "5-1",
    "花壇が荒れている",
    "月に1回、土曜日に作業する",
    "駅前が明るくなる",
    "駅北口自治会",
    "令和8年4月から1年間",
    "120,000",
];

/// Who handed the proposal in: private, but the public name (公開名) if they gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposer {
    pub real_name: String,
    pub address: String,
    pub phone: Option<String>,
    /// Shown beside the proposal; none: "a proposer on paper".
    pub public_name: Option<DisplayName>,
}

/// A row that can be imported: the received day, the proposer and the proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperProposal {
    pub received: NaiveDate,
    pub proposer: Proposer,
    pub content: Content,
}

/// What a paper proposal is the same as another by: the day received, the proposer's name
/// and the title.
pub type Fingerprint = (NaiveDate, String, String);

/// What a row is checked against.
pub struct Rules<'a> {
    /// Today in Tokyo: a paper proposal was received at the latest today.
    pub today: NaiveDate,
    /// Every measure of the plan by code, with the department responsible for it (if any).
    pub measures: &'a HashMap<String, Option<i32>>,
    /// The importer's departments (a reviewer's); `None`: an admin, every measure.
    pub departments: Option<&'a [i32]>,
    /// The paper proposals already imported.
    pub known: &'a HashSet<Fingerprint>,
}

/// A row as checked, with the proposal it makes.
pub type Line = crate::imports::Line<PaperProposal>;

/// A file of proposals checked row by row.
pub type Checked = crate::imports::Checked<PaperProposal>;

/// Checks every row of `sheet`; a file without a required column is refused whole.
pub fn check(sheet: &Sheet, rules: &Rules) -> Result<Checked, Refusal> {
    let repeats = Repeats {
        known: rules.known,
        known_message: "msg.import_proposal_known",
        twice_message: "msg.import_proposal_duplicate",
    };
    crate::imports::check(sheet, &COLUMNS, repeats, fingerprint, |row, cells| {
        line(row, cells, rules)
    })
}

/// The proposal's fingerprint.
pub fn fingerprint(paper: &PaperProposal) -> Fingerprint {
    (
        paper.received,
        paper.proposer.real_name.clone(),
        paper.content.title.as_str().to_owned(),
    )
}

/// One row's proposal, or every reason it cannot be one.
fn line(row: &Row, cells: &[String; 14], rules: &Rules) -> Result<PaperProposal, Vec<Refusal>> {
    let mut errors = Vec::new();
    if let Some(column) = row.error_cell {
        errors.push(Refusal::new("msg.import_formula_error").with("column", column + 1));
    }
    let [received, real_name, address, phone, public_name, title, summary, measures, local_issue, activity_plan, expected_effect, partners, period, budget] =
        cells;
    let received = keep(
        &mut errors,
        sheet::day(received, "label.received_on").and_then(|d| not_after(d, rules.today)),
    );
    let real_name = keep(
        &mut errors,
        required(real_name, "label.real_name", REAL_NAME_MAX),
    );
    let address = keep(&mut errors, required(address, "label.address", ADDRESS_MAX));
    let phone = keep(&mut errors, optional_text(phone, "label.phone", PHONE_MAX));
    let public_name = keep(
        &mut errors,
        match public_name.as_str() {
            "" => Ok(None),
            raw => DisplayName::parse(raw).map(Some),
        },
    );
    let title = keep(&mut errors, Title::parse(title));
    let summary = keep(&mut errors, Summary::parse(summary));
    let measures = keep(
        &mut errors,
        Measures::parse(&[], measures).and_then(|m| allowed(m, rules)),
    );
    let mut long = |raw: &str, what| keep(&mut errors, LongText::parse(raw, what));
    let local_issue = long(local_issue, "label.local_issue");
    let activity_plan = long(activity_plan, "label.activity_plan");
    let expected_effect = long(expected_effect, "label.expected_effect");
    let partners = long(partners, "label.partners");
    let period = long(period, "label.period");
    let budget = keep(&mut errors, budget_of(budget));
    let content = || {
        Some(Content {
            title: title?,
            summary: summary?,
            local_issue: local_issue?,
            activity_plan: activity_plan?,
            expected_effect: expected_effect?,
            partners: partners?,
            period: period?,
            budget: budget?,
            measures: measures?,
            organisation: None,
        })
    };
    match (received, real_name, address, phone, public_name, content()) {
        (
            Some(received),
            Some(real_name),
            Some(address),
            Some(phone),
            Some(public_name),
            Some(content),
        ) if errors.is_empty() => Ok(PaperProposal {
            received,
            proposer: Proposer {
                real_name,
                address,
                phone,
                public_name,
            },
            content,
        }),
        _ => Err(errors),
    }
}

/// The value, or `None` with the reason added to `errors`.
fn keep<T>(errors: &mut Vec<Refusal>, result: Result<T, Refusal>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// Private text the city needs to answer a paper proposal: required, bounded as the profile's.
fn required(raw: &str, what: &'static str, max: usize) -> Result<String, Refusal> {
    optional_text(raw, what, max)?.ok_or_else(|| Refusal::required(what))
}

/// A day received at the latest today.
fn not_after(day: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Refusal> {
    if day > today {
        return Err(Refusal::new("msg.import_received_future")
            .with("day", crate::wareki::date_ja(start_of_day(day))));
    }
    Ok(day)
}

/// The measures, each in the plan and, for a reviewer, of one of their departments.
fn allowed(measures: Measures, rules: &Rules) -> Result<Measures, Refusal> {
    for code in measures.codes() {
        let code = code.to_string();
        let Some(department) = rules.measures.get(&code) else {
            return Err(Refusal::new("msg.measure_unknown").with("codes", code));
        };
        if let Some(mine) = rules.departments {
            if !department.is_some_and(|d| mine.contains(&d)) {
                return Err(Refusal::new("msg.import_measure_department").with("code", code));
            }
        }
    }
    Ok(measures)
}

/// The budget as the web form reads it, or in 万円 (`120万`, `120万円`: 1,200,000 yen).
fn budget_of(raw: &str) -> Result<Budget, Refusal> {
    let man = raw
        .trim()
        .strip_suffix('円')
        .unwrap_or(raw.trim())
        .strip_suffix('万');
    let Some(man) = man else {
        return Budget::parse(raw);
    };
    match Budget::parse(man)? {
        Budget(Some(n)) => n
            .checked_mul(10_000)
            .filter(|yen| *yen <= Budget::MAX)
            .map(|yen| Budget(Some(yen)))
            .ok_or_else(|| Refusal::new("msg.budget_large")),
        Budget(None) => Err(Refusal::new("msg.budget_format")),
    }
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

    fn with_rules<T>(departments: Option<&[i32]>, f: impl FnOnce(&Rules) -> T) -> T {
        let measures: HashMap<String, Option<i32>> = [
            ("5-1".to_owned(), Some(1)),
            ("6-1".to_owned(), Some(2)),
            ("1-1".to_owned(), None),
        ]
        .into();
        let known: HashSet<Fingerprint> =
            [(day(2026, 1, 6), "既出 太郎".into(), "既出".into())].into();
        let rules = Rules {
            today: day(2026, 1, 20),
            measures: &measures,
            departments,
            known: &known,
        };
        f(&rules)
    }

    fn headings() -> Vec<&'static str> {
        let mut h: Vec<&str> = COLUMNS.iter().map(|c| c.heading).collect();
        h.push("備考");
        h
    }

    fn keys(checked: &Checked, i: usize) -> Vec<&str> {
        checked.lines[i]
            .result
            .as_ref()
            .unwrap_err()
            .iter()
            .map(Refusal::key)
            .collect()
    }

    #[test]
    fn the_template_row_is_a_paper_proposal() {
        let mut example = EXAMPLE.to_vec();
        example[0] = " 令和8年1月5日";
        example.push("メモ");
        let s = sheet(&headings(), &[&example]);
        let checked = with_rules(Some(&[1]), |r| check(&s, r)).unwrap();
        assert_eq!(checked.ignored, ["備考"]);
        assert_eq!(checked.errors(), 0);
        assert_eq!(checked.lines[0].cells[0], "令和8年1月5日");
        let (line, paper) = checked.records().unwrap().remove(0);
        assert_eq!(line, 2);
        assert_eq!(paper.received, day(2026, 1, 5));
        assert_eq!(
            paper.proposer,
            Proposer {
                real_name: "本庄 花子".into(),
                address: "本庄市本庄3-5-3".into(),
                phone: Some("0495-25-1111".into()),
                public_name: None,
            }
        );
        assert_eq!(paper.content.title.as_str(), "駅前花壇の手入れ");
        assert_eq!(paper.content.partners.as_str(), "駅北口自治会");
        assert_eq!(paper.content.budget, Budget(Some(120_000)));
        assert_eq!(paper.content.measures.codes()[0].to_string(), "5-1");
        assert_eq!(paper.content.organisation, None);
    }

    #[test]
    fn columns_in_any_order_an_alias_and_missing_optional_ones() {
        let s = sheet(
            &["施策", "概要", "件名", "住所", "氏名", "受付日", "公開名"],
            &[&[
                "5-1、1-1",
                "概要",
                "花壇",
                "本庄市1",
                "本庄 花子",
                "2026/1/20",
                "はなこ",
            ]],
        );
        let paper = with_rules(None, |r| check(&s, r))
            .unwrap()
            .records()
            .unwrap()
            .remove(0)
            .1;
        assert_eq!(paper.content.title.as_str(), "花壇");
        assert_eq!(paper.content.measures.codes().len(), 2);
        assert_eq!(paper.proposer.phone, None);
        assert_eq!(
            paper.proposer.public_name.as_ref().map(DisplayName::as_str),
            Some("はなこ")
        );
        assert_eq!(paper.content.budget, Budget(None));
        for column in COLUMNS.iter().filter(|c| c.required) {
            let without: Vec<&str> = headings()
                .into_iter()
                .filter(|h| *h != column.heading)
                .collect();
            let s = sheet(&without, &[]);
            assert_eq!(
                with_rules(None, |r| check(&s, r)),
                Err(Refusal::new("msg.import_missing_column").with("column", column.heading))
            );
        }
    }

    #[test]
    fn every_mistake_of_a_row_is_said() {
        let long = "あ".repeat(4001);
        let s = sheet(
            &headings(),
            &[
                &[
                    "2026/1/21",
                    "",
                    "",
                    &"1".repeat(31),
                    "退会したユーザー",
                    &"題".repeat(121),
                    "",
                    "",
                    &long,
                    &long,
                    &long,
                    &long,
                    &long,
                    "12.5",
                ],
                &[
                    "令和8年2月30日",
                    "本庄 花子",
                    "本庄市1",
                    "",
                    "",
                    "題",
                    "概要",
                    "9-9",
                ],
                &["", "本庄 花子", "本庄市1", "", "", "題", "概要", "6-1"],
                &[
                    "2026/1/5",
                    "本庄 花子",
                    "本庄市1",
                    "",
                    "",
                    "題",
                    "概要",
                    "1-1",
                ],
                &[
                    "2026/1/5",
                    "本庄 花子",
                    "本庄市1",
                    "",
                    "",
                    "題",
                    "概要",
                    "5の1",
                ],
            ],
        );
        let checked = with_rules(Some(&[1]), |r| check(&s, r)).unwrap();
        assert_eq!(checked.errors(), 5);
        assert_eq!(
            keys(&checked, 0),
            [
                "msg.import_received_future",
                "msg.required",
                "msg.required",
                "msg.too_long",
                "msg.name_reserved",
                "msg.too_long_now",
                "msg.required",
                "msg.measures_none",
                "msg.too_long_now",
                "msg.too_long_now",
                "msg.too_long_now",
                "msg.too_long_now",
                "msg.too_long_now",
                "msg.budget_format",
            ]
        );
        assert_eq!(keys(&checked, 1), ["msg.import_day", "msg.measure_unknown"]);
        assert_eq!(
            checked.lines[1].result.as_ref().unwrap_err()[1],
            Refusal::new("msg.measure_unknown").with("codes", "9-9")
        );
        assert_eq!(
            checked.lines[2].result.as_ref().unwrap_err(),
            &[
                Refusal::required("label.received_on"),
                Refusal::new("msg.import_measure_department").with("code", "6-1"),
            ]
        );
        // A measure no department is responsible for yet: only an admin may import it.
        assert_eq!(keys(&checked, 3), ["msg.import_measure_department"]);
        assert_eq!(keys(&checked, 4), ["msg.measure_code"]);
        assert_eq!(checked.clone().records(), None);
        let admin = with_rules(None, |r| check(&s, r)).unwrap();
        assert!(admin.lines[3].result.is_ok());
    }

    #[test]
    fn a_row_given_twice_or_already_imported_is_refused() {
        let s = sheet(
            &headings(),
            &[
                &[
                    "2026/1/5",
                    "本庄 花子",
                    "本庄市1",
                    "",
                    "",
                    "題",
                    "概要",
                    "5-1",
                ],
                &[
                    "2026-01-05",
                    "本庄 花子",
                    "本庄市2",
                    "",
                    "",
                    " 題 ",
                    "別",
                    "5-1",
                ],
                &[
                    "2026/1/6",
                    "本庄 花子",
                    "本庄市1",
                    "",
                    "",
                    "題",
                    "概要",
                    "5-1",
                ],
            ],
        );
        let checked = with_rules(None, |r| check(&s, r)).unwrap();
        assert!(checked.lines[0].result.is_ok());
        assert_eq!(
            checked.lines[1].result,
            Err(vec![
                Refusal::new("msg.import_proposal_duplicate").with("line", 2)
            ])
        );
        assert!(checked.lines[2].result.is_ok());
    }

    #[test]
    fn a_formula_error_is_said_with_its_column() {
        let mut s = sheet(
            &headings(),
            &[&[
                "2026/1/5",
                "本庄 花子",
                "本庄市1",
                "",
                "",
                "題",
                "#DIV/0!",
                "5-1",
            ]],
        );
        s.rows[0].error_cell = Some(6);
        let checked = with_rules(None, |r| check(&s, r)).unwrap();
        assert_eq!(
            checked.lines[0].result,
            Err(vec![
                Refusal::new("msg.import_formula_error").with("column", 7)
            ])
        );
    }

    #[test]
    fn budgets_in_man_yen() {
        for (raw, yen) in [
            ("120万", Some(1_200_000)),
            ("120万円", Some(1_200_000)),
            ("1,200,000", Some(1_200_000)),
            ("１２０万円", Some(1_200_000)),
            ("", None),
        ] {
            assert_eq!(budget_of(raw), Ok(Budget(yen)), "{raw:?}");
        }
        assert_eq!(budget_of("万"), Err(Refusal::new("msg.budget_format")));
        assert_eq!(budget_of("1.5万"), Err(Refusal::new("msg.budget_format")));
        assert_eq!(
            budget_of("100000001万"),
            Err(Refusal::new("msg.budget_large"))
        );
        assert_eq!(
            budget_of("999999999999万"),
            Err(Refusal::new("msg.budget_large"))
        );
    }

    #[test]
    fn the_new_messages_have_english() {
        crate::web::i18n::assert_english([
            Refusal::new("msg.import_received_future").with("day", "2026-01-21"),
            Refusal::new("msg.import_measure_department").with("code", "6-1"),
            Refusal::new("msg.import_proposal_duplicate").with("line", 2),
            Refusal::new("msg.import_proposal_known"),
        ]);
    }
}
