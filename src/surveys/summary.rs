//! 調査結果: what a survey's results say per question — the tally of each choice (and each
//! matrix statement), the figures of a number question, the free texts shown after
//! moderation — and every response as a CSV row. Pure: the reads are in `results`, the
//! drawing in `chart`.

use super::model::{Full, Question, Tally as Counts};
use super::rules::{Channel, QuestionKind};
use super::tally::{self, MatrixTally, Tally};
use crate::web::csv;
use crate::web::i18n::{t, translate, Lang};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// The figures of a number question's answers (数値の集計).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbers {
    pub count: i64,
    pub mean: Option<f64>,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub median: Option<f64>,
}

/// What the reads of a survey's results found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub counts: Counts,
    /// Per number question.
    pub numbers: HashMap<i32, Numbers>,
    /// Per text question, the texts shown after moderation, oldest first.
    pub texts: HashMap<i32, Vec<String>>,
}

/// A question's results, by its kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// Single and multiple choice, the five-point scale.
    Choices {
        tally: Tally,
    },
    Matrix {
        tally: MatrixTally,
    },
    Numbers {
        numbers: Numbers,
    },
    /// Short and long free text: only what moderation showed.
    Texts {
        texts: Vec<String>,
    },
}

/// A question and its results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    pub id: i32,
    pub position: i32,
    /// 問N as respondents read it: the question's place in the survey, from 1.
    pub number: usize,
    pub kind: QuestionKind,
    pub text: String,
    /// How many people answered it (a matrix: any of its statements).
    pub answered: i64,
    pub outcome: Outcome,
}

/// The results of every question of `full`, in order.
pub fn questions(full: &Full, found: &Found) -> Vec<QuestionResult> {
    full.questions
        .iter()
        .enumerate()
        .map(|(at, q)| QuestionResult {
            id: q.id(),
            position: q.position,
            number: at + 1,
            kind: q.kind(),
            text: q.text.clone(),
            answered: found.counts.answered(q.id(), None).max(
                q.rows
                    .iter()
                    .map(|r| found.counts.answered(q.id(), Some(r.id)))
                    .max()
                    .unwrap_or(0),
            ),
            outcome: outcome(q, found),
        })
        .collect()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn outcome(q: &Question, found: &Found) -> Outcome {
    let chosen = |row: Option<i32>| -> Vec<(String, u64)> {
        q.choices
            .iter()
            .map(|c| {
                (
                    c.label.clone(),
                    count(found.counts.chosen(q.id(), row, c.id)),
                )
            })
            .collect()
    };
    match q.kind() {
        QuestionKind::Single | QuestionKind::Scale5 => Outcome::Choices {
            tally: tally::single(&chosen(None)),
        },
        QuestionKind::Multiple => Outcome::Choices {
            tally: tally::multiple(&chosen(None), count(found.counts.answered(q.id(), None))),
        },
        QuestionKind::Matrix => {
            let columns: Vec<String> = q.choices.iter().map(|c| c.label.clone()).collect();
            let rows: Vec<(String, Vec<u64>)> = q
                .rows
                .iter()
                .map(|r| {
                    let counts = chosen(Some(r.id)).into_iter().map(|(_, n)| n).collect();
                    (r.label.clone(), counts)
                })
                .collect();
            Outcome::Matrix {
                tally: tally::matrix(&columns, &rows),
            }
        }
        QuestionKind::Number => Outcome::Numbers {
            numbers: found.numbers.get(&q.id()).cloned().unwrap_or(Numbers {
                count: 0,
                mean: None,
                min: None,
                max: None,
                median: None,
            }),
        },
        QuestionKind::ShortText | QuestionKind::LongText => Outcome::Texts {
            texts: found.texts.get(&q.id()).cloned().unwrap_or_default(),
        },
    }
}

/// A figure with one decimal (`12.5`), or the dash of a percentage nobody answered.
pub fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| tally::NO_PERCENT.to_owned(), |v| format!("{v:.1}"))
}

/// A submitted response as the CSV shows it: how it came and when, never who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub id: i32,
    pub channel: Channel,
    pub submitted_at: DateTime<Utc>,
}

/// One stored answer of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub response: i32,
    pub question: i32,
    pub row: Option<i32>,
    pub choice: Option<i32>,
    pub number: Option<i32>,
    pub text: Option<String>,
    /// Moderation showed the text.
    pub shown: bool,
}

/// Between the choices of a multiple-choice cell.
pub const JOIN: &str = "／";

/// The CSV of every response (in Japanese, as the city publishes it): 番号, 回答方法, 回答日時
/// (JST), then a column per question — a matrix one per statement. Free text only when
/// shown, unless `all_texts` (the department's staff).
pub fn csv_table(
    full: &Full,
    responses: &[Response],
    answers: &[Answer],
    all_texts: bool,
) -> String {
    let lang = Lang::Ja;
    let mut columns: Vec<(i32, Option<i32>)> = Vec::new();
    let mut header = vec![
        t(lang, "survey_results.csv_number"),
        t(lang, "survey_results.csv_channel"),
        t(lang, "survey_results.csv_submitted"),
    ];
    for (at, q) in full.questions.iter().enumerate() {
        let name = translate(
            lang,
            "survey_results.csv_question",
            &[("number", (at + 1).to_string()), ("text", q.text.clone())],
        );
        if q.kind() == QuestionKind::Matrix {
            for r in &q.rows {
                columns.push((q.id(), Some(r.id)));
                header.push(format!("{name}{JOIN}{}", r.label));
            }
        } else {
            columns.push((q.id(), None));
            header.push(name);
        }
    }
    let labels: HashMap<i32, &str> = full
        .questions
        .iter()
        .flat_map(|q| q.choices.iter())
        .map(|c| (c.id, c.label.as_str()))
        .collect();
    // (response, question, matrix row) → its answers.
    let mut by_cell: HashMap<(i32, i32, Option<i32>), Vec<&Answer>> = HashMap::new();
    for a in answers {
        by_cell
            .entry((a.response, a.question, a.row))
            .or_default()
            .push(a);
    }
    let order: HashMap<i32, usize> = full
        .questions
        .iter()
        .flat_map(|q| q.choices.iter().enumerate().map(|(i, c)| (c.id, i)))
        .collect();
    let cell = |given: Option<&Vec<&Answer>>| -> String {
        let Some(given) = given else {
            return String::new();
        };
        let mut given = given.clone();
        given.sort_by_key(|a| a.choice.and_then(|c| order.get(&c)).copied());
        given
            .iter()
            .filter_map(|a| {
                if let Some(choice) = a.choice {
                    return labels.get(&choice).map(|l| (*l).to_owned());
                }
                if let Some(n) = a.number {
                    return Some(n.to_string());
                }
                a.text.clone().filter(|_| all_texts || a.shown)
            })
            .collect::<Vec<_>>()
            .join(JOIN)
    };
    let rows = responses.iter().enumerate().map(|(i, r)| {
        let mut row = vec![
            (i + 1).to_string(),
            t(lang, r.channel.label()),
            r.submitted_at
                .with_timezone(&crate::wareki::jst())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        ];
        row.extend(
            columns
                .iter()
                .map(|(question, row)| cell(by_cell.get(&(r.id, *question, *row)))),
        );
        row
    });
    csv::text(std::iter::once(header).chain(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::model::{Choice, Survey};
    use crate::surveys::rules::{self, Access, ResultsMode, SurveyKind, Window};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, h, 30, 0).unwrap()
    }

    fn choices(first: i32, labels: &[&str]) -> Vec<Choice> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| Choice {
                id: first + i as i32,
                position: i as i32,
                label: (*l).to_owned(),
            })
            .collect()
    }

    fn question(id: i32, kind: QuestionKind, choices: Vec<Choice>, rows: Vec<Choice>) -> Question {
        Question {
            shape: rules::Question {
                id,
                kind,
                required: false,
                max_choices: None,
                min_value: None,
                max_value: None,
                condition: None,
                choices: choices.iter().map(|c| c.id).collect(),
                rows: rows.iter().map(|c| c.id).collect(),
            },
            section_id: None,
            position: id,
            text: format!("設問{id}"),
            help: String::new(),
            measure_code: None,
            wording_note: None,
            wording_changed_at: None,
            choices,
            rows,
        }
    }

    /// 1 single (はい 10 / いいえ 11), 2 multiple (20–22), 3 matrix (columns 30–31, rows
    /// 35–36), 4 number, 5 short text.
    fn full() -> Full {
        Full {
            survey: Survey {
                id: 1,
                kind: SurveyKind::General,
                access: Access::Anonymous,
                title: "広報アンケート".into(),
                description: String::new(),
                department_id: 1,
                department: "広報課".into(),
                fiscal_year: None,
                window: Window {
                    opens_at: at(0),
                    closes_at: at(20),
                    published_at: Some(at(0)),
                },
                results_mode: ResultsMode::Live,
                results_published_at: None,
                created_by: None,
                created_at: at(0),
                updated_at: at(0),
                version: 1,
            },
            sections: vec![],
            questions: vec![
                question(
                    1,
                    QuestionKind::Single,
                    choices(10, &["はい", "いいえ"]),
                    vec![],
                ),
                question(
                    2,
                    QuestionKind::Multiple,
                    choices(20, &["広報紙", "ホームページ", "SNS"]),
                    vec![],
                ),
                question(
                    3,
                    QuestionKind::Matrix,
                    choices(30, &["そう思う", "そう思わない"]),
                    choices(35, &["安全", "便利"]),
                ),
                question(4, QuestionKind::Number, vec![], vec![]),
                question(5, QuestionKind::ShortText, vec![], vec![]),
            ],
        }
    }

    fn found() -> Found {
        let mut counts = Counts::default();
        for (key, n) in [
            ((1, None, 10), 3),
            ((1, None, 11), 1),
            ((2, None, 20), 2),
            ((2, None, 22), 3),
            ((3, Some(35), 30), 1),
            ((3, Some(36), 31), 2),
        ] {
            counts.chosen.insert(key, n);
        }
        for (key, n) in [
            ((1, None), 4),
            ((2, None), 4),
            ((3, Some(35)), 1),
            ((3, Some(36)), 2),
            ((4, None), 2),
            ((5, None), 3),
        ] {
            counts.answered.insert(key, n);
        }
        let numbers = Numbers {
            count: 2,
            mean: Some(12.5),
            min: Some(5),
            max: Some(20),
            median: Some(12.5),
        };
        Found {
            counts,
            numbers: HashMap::from([(4, numbers)]),
            texts: HashMap::from([(5, vec!["見やすい".to_owned()])]),
        }
    }

    #[test]
    fn each_kind_has_its_results() {
        let results = questions(&full(), &found());
        assert_eq!(results.len(), 5);
        let Outcome::Choices { tally } = &results[0].outcome else {
            panic!("{results:?}")
        };
        assert_eq!(tally.rows[0].percent_display, "75.0%");
        assert_eq!(results[0].answered, 4);
        // Multiple: shares of the 4 who answered, not of the 5 ticks.
        let Outcome::Choices { tally } = &results[1].outcome else {
            panic!()
        };
        let shown: Vec<&str> = tally
            .rows
            .iter()
            .map(|r| r.percent_display.as_str())
            .collect();
        assert_eq!(shown, ["50.0%", "0.0%", "75.0%"]);
        let Outcome::Matrix { tally } = &results[2].outcome else {
            panic!()
        };
        assert_eq!(tally.rows[1].tally.rows[1].percent_display, "100.0%");
        assert_eq!(results[2].answered, 2, "the most answered statement");
        let Outcome::Numbers { numbers } = &results[3].outcome else {
            panic!()
        };
        assert_eq!(numbers.median, Some(12.5));
        assert_eq!(
            results[4].outcome,
            Outcome::Texts {
                texts: vec!["見やすい".into()]
            }
        );
        assert_eq!(
            results[4].answered, 3,
            "hidden texts still count as answers"
        );
        let json = serde_json::to_value(&results[3]).unwrap();
        assert_eq!(json["outcome"]["type"], "numbers");
        assert_eq!(json["kind"], "number");
    }

    #[test]
    fn without_answers_nothing_is_made_up() {
        let results = questions(&full(), &Found::default());
        let Outcome::Numbers { numbers } = &results[3].outcome else {
            panic!()
        };
        assert_eq!((numbers.count, numbers.mean), (0, None));
        assert_eq!(results[4].outcome, Outcome::Texts { texts: vec![] });
        assert!(results.iter().all(|r| r.answered == 0));
        assert_eq!(decimal(None), "—");
        assert_eq!(decimal(Some(12.25)), "12.2");
        assert_eq!(decimal(Some(3.0)), "3.0");
    }

    fn answer(response: i32, question: i32) -> Answer {
        Answer {
            response,
            question,
            row: None,
            choice: None,
            number: None,
            text: None,
            shown: false,
        }
    }

    #[test]
    fn the_csv_has_a_row_per_response_and_a_column_per_question() {
        let responses = [
            Response {
                id: 7,
                channel: Channel::Web,
                submitted_at: at(1),
            },
            Response {
                id: 9,
                channel: Channel::Paper,
                submitted_at: at(15),
            },
        ];
        let answers = vec![
            Answer {
                choice: Some(10),
                ..answer(7, 1)
            },
            // Ticked in any order, written in the choices' order.
            Answer {
                choice: Some(22),
                ..answer(7, 2)
            },
            Answer {
                choice: Some(20),
                ..answer(7, 2)
            },
            Answer {
                row: Some(36),
                choice: Some(31),
                ..answer(7, 3)
            },
            Answer {
                number: Some(-3),
                ..answer(7, 4)
            },
            Answer {
                text: Some("=HYPERLINK(\"x\")".into()),
                shown: true,
                ..answer(7, 5)
            },
            Answer {
                text: Some("山田です 090-1234".into()),
                ..answer(9, 5)
            },
        ];
        let public = csv_table(&full(), &responses, &answers, false);
        let lines: Vec<&str> = public.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "番号,回答方法,回答日時（日本時間）,問1 設問1,問2 設問2,問3 設問3／安全,問3 設問3／便利,問4 設問4,問5 設問5"
        );
        assert_eq!(
            lines[1],
            "1,ウェブ,2026-12-10 10:30,はい,広報紙／SNS,,そう思わない,'-3,\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(lines[2], "2,郵送（調査票）,2026-12-11 00:30,,,,,,");
        assert_eq!(lines.len(), 4, "{public}");
        let staff = csv_table(&full(), &responses, &answers, true);
        assert!(staff.ends_with(",山田です 090-1234\r\n"), "{staff}");
        assert_eq!(
            csv_table(&full(), &[], &[], false).lines().count(),
            1,
            "the header alone"
        );
    }
}
