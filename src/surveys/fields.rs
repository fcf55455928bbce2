//! What the staff survey forms send, parsed once into typed values: the survey (title,
//! description, department, who may answer, the window in Tokyo, when results are public) and
//! a question (設問: kind, wording, choices typed one per line, limits, a condition). Each
//! refusal is said next to its field, in Japanese first. Pure: no database.

use super::rules::{Access, QuestionKind, ResultsMode};
use super::satisfaction::NewSatisfaction;
use crate::consultations::fields::text;
use crate::meetings::fields::datetime;
use crate::refusal::Refusal;
use crate::web::forms::{ascii_digit, FormPage};
use chrono::{DateTime, Utc};

/// The most choices (or matrix rows) a question may have.
pub const MAX_CHOICES: usize = 50;

/// A form as posted, by field name, as typed.
#[derive(Debug, Default, Clone)]
pub struct Posted {
    pub csrf: String,
    values: Vec<(String, String)>,
}

impl Posted {
    /// Keeps only `fields` (and the CSRF token) of the posted pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>, fields: &[&str]) -> Posted {
        let mut posted = Posted::default();
        for (name, value) in pairs {
            if name == "csrf" {
                posted.csrf = value;
            } else if fields.contains(&name.as_str()) && posted.value(&name).is_empty() {
                posted.values.push((name, value));
            }
        }
        posted
    }

    /// The value of `field` as typed ("" when absent).
    pub fn value(&self, field: &str) -> &str {
        self.values
            .iter()
            .find(|(name, _)| name == field)
            .map_or("", |(_, value)| value.as_str())
    }

    /// The form filled with what was typed, to show again.
    pub fn keep(&self, page: &mut FormPage) {
        for (name, value) in &self.values {
            page.keep(name, value);
        }
    }
}

/// The survey form's fields.
pub const SURVEY_FIELDS: [&str; 8] = [
    "title",
    "description",
    "department",
    "access",
    "opens_at",
    "closes_at",
    "results_mode",
    "version",
];

/// A survey as staff typed it, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyInput {
    pub title: String,
    pub description: String,
    pub department_id: i32,
    pub access: Access,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub results_mode: ResultsMode,
}

/// What was typed, kept in `page`; the survey, if nothing in it is to be fixed.
pub fn survey(posted: &Posted, page: &mut FormPage) -> Option<SurveyInput> {
    posted.keep(page);
    let title = page.check(
        "title",
        text(posted.value("title"), "label.survey_title", 200, true),
    );
    let description = page.check(
        "description",
        text(
            posted.value("description"),
            "label.survey_description",
            8000,
            false,
        ),
    );
    let department = page.check("department", department(posted.value("department")));
    let access = page.check("access", Access::parse(posted.value("access")));
    let (opens, closes) = window(posted, page);
    let results_mode = page.check(
        "results_mode",
        ResultsMode::parse(posted.value("results_mode")),
    );
    if page.has_errors() {
        return None;
    }
    Some(SurveyInput {
        title: title??,
        description: description?.unwrap_or_default(),
        department_id: department?,
        access: access?,
        opens_at: opens?,
        closes_at: closes?,
        results_mode: results_mode?,
    })
}

/// The satisfaction survey form's fields: the questions come from the plan.
pub const SATISFACTION_FIELDS: [&str; 5] = [
    "fiscal_year",
    "department",
    "access",
    "opens_at",
    "closes_at",
];

/// What was typed, kept in `page`; the year's satisfaction survey (年度, full-width digits
/// too; answered by code or account), if nothing in it is to be fixed.
pub fn satisfaction(posted: &Posted, page: &mut FormPage) -> Option<NewSatisfaction> {
    posted.keep(page);
    let fiscal_year = page.check(
        "fiscal_year",
        crate::plan::actuals::parse_fiscal_year(posted.value("fiscal_year")),
    );
    let department = page.check("department", department(posted.value("department")));
    let access = page.check(
        "access",
        Access::parse(posted.value("access")).and_then(|a| match a {
            Access::Code | Access::Account => Ok(a),
            Access::Anonymous => Err(Refusal::new("msg.satisfaction_access")),
        }),
    );
    let (opens, closes) = window(posted, page);
    if page.has_errors() {
        return None;
    }
    Some(NewSatisfaction {
        fiscal_year: fiscal_year?,
        department_id: department?,
        access: access?,
        opens_at: opens?,
        closes_at: closes?,
    })
}

/// The department chosen in a form.
fn department(raw: &str) -> Result<i32, Refusal> {
    raw.trim()
        .parse::<i32>()
        .map_err(|_| Refusal::new("msg.department_choose"))
}

/// The window as typed, read in Tokyo; it must close after it opens.
fn window(posted: &Posted, page: &mut FormPage) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let opens = page.check(
        "opens_at",
        datetime(posted.value("opens_at"), "label.survey_opens_at", true),
    );
    let closes = page.check(
        "closes_at",
        datetime(posted.value("closes_at"), "label.survey_closes_at", true),
    );
    let (opens, closes) = (opens.flatten(), closes.flatten());
    if let (Some(opens), Some(closes)) = (opens, closes) {
        if closes <= opens {
            page.refuse("closes_at", Refusal::new("msg.survey_window_order"));
        }
    }
    (opens, closes)
}

/// The question form's fields.
pub const QUESTION_FIELDS: [&str; 11] = [
    "kind",
    "text",
    "help",
    "required",
    "section",
    "choices",
    "rows",
    "max_choices",
    "min_value",
    "max_value",
    "condition",
];

/// The field of the wording note, asked once answers arrived.
pub const WORDING_NOTE: &str = "wording_note";

/// A question as staff typed it, every field valid. Choices and rows are labels in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionInput {
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub section_id: Option<i32>,
    pub choices: Vec<String>,
    pub rows: Vec<String>,
    pub max_choices: Option<i32>,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    /// The earlier question's choice this one is shown on.
    pub condition_choice: Option<i32>,
    pub wording_note: Option<String>,
}

/// What was typed, kept in `page`; the question, if nothing in it is to be fixed.
/// `scale` is the five labels a scale or matrix starts with when none were typed.
pub fn question(
    posted: &Posted,
    scale: &[String; 5],
    page: &mut FormPage,
) -> Option<QuestionInput> {
    posted.keep(page);
    let kind = page.check("kind", QuestionKind::parse(posted.value("kind")));
    let wording = page.check(
        "text",
        text(
            posted.value("text"),
            "label.survey_question_text",
            1000,
            true,
        ),
    );
    let help = page.check(
        "help",
        text(
            posted.value("help"),
            "label.survey_question_help",
            2000,
            false,
        ),
    );
    let section_id = page.check("section", optional_id(posted.value("section")));
    let condition = page.check("condition", optional_id(posted.value("condition")));
    let choices = page.check("choices", lines(posted.value("choices")));
    let rows = page.check("rows", lines(posted.value("rows")));
    let max_choices = page.check("max_choices", integer(posted.value("max_choices")));
    let min_value = page.check("min_value", integer(posted.value("min_value")));
    let max_value = page.check("max_value", integer(posted.value("max_value")));
    let note = page.check(
        WORDING_NOTE,
        text(
            posted.value(WORDING_NOTE),
            "label.survey_wording_note",
            1000,
            false,
        ),
    );
    let (Some(kind), Some(mut choices), Some(rows)) = (kind, choices, rows) else {
        return None;
    };
    // Only what the kind uses is kept; what it needs is asked for.
    let has_choices = kind.has_choices();
    if matches!(kind, QuestionKind::Scale5 | QuestionKind::Matrix) && choices.is_empty() {
        choices = scale.to_vec();
    }
    match kind {
        QuestionKind::Single | QuestionKind::Multiple if choices.len() < 2 => {
            page.refuse("choices", Refusal::new("msg.survey_choices_needed"));
        }
        QuestionKind::Scale5 | QuestionKind::Matrix if choices.len() != 5 => {
            page.refuse("choices", Refusal::new("msg.survey_scale_five"));
        }
        QuestionKind::Matrix if rows.is_empty() => {
            page.refuse("rows", Refusal::new("msg.survey_rows_needed"));
        }
        _ => {}
    }
    let max_choices = max_choices
        .flatten()
        .filter(|_| kind == QuestionKind::Multiple);
    if max_choices.is_some_and(|m| m < 1 || m as usize > choices.len()) {
        page.refuse("max_choices", Refusal::new("msg.survey_max_choices"));
    }
    let number = kind == QuestionKind::Number;
    let (min_value, max_value) = (
        min_value.flatten().filter(|_| number),
        max_value.flatten().filter(|_| number),
    );
    if let (Some(min), Some(max)) = (min_value, max_value) {
        if min > max {
            page.refuse("max_value", Refusal::new("msg.survey_bounds_order"));
        }
    }
    if page.has_errors() {
        return None;
    }
    Some(QuestionInput {
        kind,
        text: wording??,
        help: help?.unwrap_or_default(),
        required: !posted.value("required").is_empty(),
        section_id: section_id?,
        choices: if has_choices { choices } else { Vec::new() },
        rows: if kind == QuestionKind::Matrix {
            rows
        } else {
            Vec::new()
        },
        max_choices,
        min_value,
        max_value,
        condition_choice: condition?,
        wording_note: note?,
    })
}

/// An id chosen from a list, or none.
fn optional_id(raw: &str) -> Result<Option<i32>, Refusal> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<i32>()
            .map(Some)
            .map_err(|_| Refusal::new("msg.survey_value_unknown").with("value", raw)),
    }
}

/// A whole number as typed (full-width too), or none.
fn integer(raw: &str) -> Result<Option<i32>, Refusal> {
    let ascii: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '－' | '−' => '-',
            c => ascii_digit(c),
        })
        .collect();
    if ascii.is_empty() {
        return Ok(None);
    }
    ascii
        .parse()
        .map(Some)
        .map_err(|_| Refusal::new("msg.survey_not_integer"))
}

/// Choices typed one per line: blank lines dropped, each at most 500 characters.
pub fn lines(raw: &str) -> Result<Vec<String>, Refusal> {
    let labels: Vec<String> = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if labels.len() > MAX_CHOICES {
        return Err(Refusal::new("msg.survey_too_many_lines").with("max", MAX_CHOICES));
    }
    match labels.iter().find(|l| l.chars().count() > 500) {
        Some(_) => Err(Refusal::new("msg.survey_line_too_long").with("max", 500)),
        None => Ok(labels),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)], fields: &[&str]) -> Posted {
        Posted::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            fields,
        )
    }

    fn scale() -> [String; 5] {
        ["1", "2", "3", "4", "5"].map(String::from)
    }

    fn refused(page: &FormPage, field: &str) -> String {
        serde_json::to_value(page).unwrap()["errors"][field]["refusal"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn a_survey_is_read_in_tokyo_time_and_refused_with_what_was_typed() {
        let mut page = FormPage::default();
        let good = posted(
            &[
                ("csrf", "t"),
                ("title", " 市民アンケート "),
                ("department", "3"),
                ("access", "code"),
                ("opens_at", "2026-12-01T09:00"),
                ("closes_at", "2026-12-25T17:00"),
                ("results_mode", "live"),
                ("unknown", "x"),
            ],
            &SURVEY_FIELDS,
        );
        assert_eq!(good.csrf, "t");
        assert_eq!(good.value("unknown"), "");
        let input = survey(&good, &mut page).unwrap();
        assert_eq!(input.title, "市民アンケート");
        assert_eq!(input.access, Access::Code);
        assert_eq!(input.description, "");
        assert_eq!(input.opens_at.to_rfc3339(), "2026-12-01T00:00:00+00:00");
        let mut page = FormPage::default();
        let bad = posted(
            &[
                ("title", ""),
                ("department", "x"),
                ("access", "all"),
                ("opens_at", "2026-12-25T17:00"),
                ("closes_at", "2026-12-01T09:00"),
                ("results_mode", "never"),
            ],
            &SURVEY_FIELDS,
        );
        assert_eq!(survey(&bad, &mut page), None);
        assert_eq!(refused(&page, "department"), "msg.department_choose");
        assert_eq!(refused(&page, "access"), "msg.survey_value_unknown");
        assert_eq!(refused(&page, "closes_at"), "msg.survey_window_order");
        assert_eq!(refused(&page, "results_mode"), "msg.survey_value_unknown");
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["values"]["opens_at"], "2026-12-25T17:00");
        assert!(json["errors"]["title"].is_object());
    }

    #[test]
    fn a_satisfaction_survey_takes_a_full_width_year_and_code_or_account_only() {
        let mut page = FormPage::default();
        let good = posted(
            &[
                ("fiscal_year", "２０２６"),
                ("department", "3"),
                ("access", "account"),
                ("opens_at", "2026-12-01T09:00"),
                ("closes_at", "2026-12-25T17:00"),
            ],
            &SATISFACTION_FIELDS,
        );
        let new = satisfaction(&good, &mut page).unwrap();
        assert_eq!((new.fiscal_year, new.department_id), (2026, 3));
        assert_eq!(new.access, Access::Account);
        assert_eq!(new.closes_at.to_rfc3339(), "2026-12-25T08:00:00+00:00");
        let mut page = FormPage::default();
        let bad = posted(
            &[
                ("fiscal_year", "令和8"),
                ("access", "anonymous"),
                ("opens_at", "2026-12-25T17:00"),
                ("closes_at", "2026-12-01T09:00"),
            ],
            &SATISFACTION_FIELDS,
        );
        assert_eq!(satisfaction(&bad, &mut page), None);
        assert_eq!(refused(&page, "fiscal_year"), "msg.year_format");
        assert_eq!(refused(&page, "department"), "msg.department_choose");
        assert_eq!(refused(&page, "access"), "msg.satisfaction_access");
        assert_eq!(refused(&page, "closes_at"), "msg.survey_window_order");
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["values"]["fiscal_year"], "令和8");
        let mut page = FormPage::default();
        let unknown = posted(&[("access", "all")], &SATISFACTION_FIELDS);
        assert_eq!(satisfaction(&unknown, &mut page), None);
        assert_eq!(refused(&page, "access"), "msg.survey_value_unknown");
        assert_eq!(refused(&page, "fiscal_year"), "msg.year_required");
    }

    #[test]
    fn a_question_keeps_what_its_kind_uses() {
        let mut page = FormPage::default();
        let single = posted(
            &[
                ("kind", "single"),
                ("text", "年代"),
                ("choices", "10代\n\n 20代 \n30代"),
                ("rows", "unused"),
                ("min_value", "1"),
                ("required", "on"),
                ("condition", "7"),
            ],
            &QUESTION_FIELDS,
        );
        let q = question(&single, &scale(), &mut page).unwrap();
        assert_eq!(q.choices, ["10代", "20代", "30代"]);
        assert!(q.rows.is_empty() && q.required);
        assert_eq!((q.min_value, q.condition_choice), (None, Some(7)));
        let matrix = posted(
            &[
                ("kind", "matrix"),
                ("text", "満足度"),
                ("rows", "道路\n公園"),
            ],
            &QUESTION_FIELDS,
        );
        let q = question(&matrix, &scale(), &mut FormPage::default()).unwrap();
        assert_eq!(q.choices, scale().to_vec());
        assert_eq!(q.rows, ["道路", "公園"]);
        let number = posted(
            &[
                ("kind", "number"),
                ("text", "人数"),
                ("choices", "a\nb"),
                ("min_value", "０"),
                ("max_value", "－1"),
            ],
            &QUESTION_FIELDS,
        );
        let mut page = FormPage::default();
        assert_eq!(question(&number, &scale(), &mut page), None);
        assert_eq!(refused(&page, "max_value"), "msg.survey_bounds_order");
        let text_only = posted(
            &[
                ("kind", "long_text"),
                ("text", "ご意見"),
                ("choices", "a\nb"),
            ],
            &QUESTION_FIELDS,
        );
        let q = question(&text_only, &scale(), &mut FormPage::default()).unwrap();
        assert!(q.choices.is_empty() && !q.required);
    }

    #[test]
    fn a_question_is_refused_for_what_its_kind_needs() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case; 7] = [
            (
                &[("kind", "single"), ("text", "問"), ("choices", "一つ")],
                "choices",
                "msg.survey_choices_needed",
            ),
            (
                &[("kind", "scale5"), ("text", "問"), ("choices", "a\nb")],
                "choices",
                "msg.survey_scale_five",
            ),
            (
                &[("kind", "matrix"), ("text", "問")],
                "rows",
                "msg.survey_rows_needed",
            ),
            (
                &[
                    ("kind", "multiple"),
                    ("text", "問"),
                    ("choices", "a\nb"),
                    ("max_choices", "3"),
                ],
                "max_choices",
                "msg.survey_max_choices",
            ),
            (
                &[("kind", "number"), ("text", "問"), ("min_value", "一")],
                "min_value",
                "msg.survey_not_integer",
            ),
            (
                &[
                    ("kind", "single"),
                    ("text", "問"),
                    ("choices", "a\nb"),
                    ("section", "x"),
                ],
                "section",
                "msg.survey_value_unknown",
            ),
            (
                &[("kind", "grid"), ("text", "問")],
                "kind",
                "msg.survey_value_unknown",
            ),
        ];
        for (pairs, field, key) in cases {
            let mut page = FormPage::default();
            assert_eq!(
                question(&posted(pairs, &QUESTION_FIELDS), &scale(), &mut page),
                None
            );
            assert_eq!(refused(&page, field), key, "{pairs:?}");
        }
        let long = "あ".repeat(501);
        assert_eq!(lines(&long).unwrap_err().key(), "msg.survey_line_too_long");
        let many = "a\n".repeat(MAX_CHOICES + 1);
        assert_eq!(lines(&many).unwrap_err().key(), "msg.survey_too_many_lines");
    }
}
