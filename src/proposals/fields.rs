//! What people type into the proposal form, parsed once into types that cannot be invalid.
//! Each error is the refusal shown next to the field.

use crate::plan::model::MeasureCode;
use crate::refusal::Refusal;
use crate::web::forms::ascii_digit;

/// Characters nobody types on purpose: control characters (but not a textarea's line breaks).
fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// Trimmed text of at most `max` characters; `what` is the `label.*` key of the field's name.
fn text(raw: &str, what: &'static str, max: usize, required: bool) -> Result<String, Refusal> {
    let value = raw.trim().replace("\r\n", "\n");
    if required && value.is_empty() {
        return Err(Refusal::required(what));
    }
    let length = value.chars().count();
    if length > max {
        return Err(Refusal::new("msg.too_long_now")
            .label("what", what)
            .with("max", max)
            .with("count", length));
    }
    if has_control(&value) {
        return Err(Refusal::bad_characters(what));
    }
    Ok(value)
}

pub const TITLE_MAX: usize = 120;
pub const SUMMARY_MAX: usize = 1000;
pub const LONG_MAX: usize = 4000;
pub const MEASURES_MAX: usize = 3;

/// 提案の名称: required, at most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Title, Refusal> {
        text(raw, "label.title", TITLE_MAX, true).map(Title)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 概要: required, at most 1000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary(String);

impl Summary {
    pub fn parse(raw: &str) -> Result<Summary, Refusal> {
        text(raw, "label.summary", SUMMARY_MAX, true).map(Summary)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One of the long, optional texts (地域の課題, 活動計画 …): at most 4000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongText(String);

impl LongText {
    /// `what` is the `label.*` key of the field's name.
    pub fn parse(raw: &str, what: &'static str) -> Result<LongText, Refusal> {
        text(raw, what, LONG_MAX, false).map(LongText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 概算事業費 in yen: empty (not yet known), or digits with optional thousands separators
/// (`,` or `，`) and an optional 円. Full-width digits are read as digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(pub Option<i64>);

impl Budget {
    /// Up to a trillion yen: anything more is a typing mistake.
    pub const MAX: i64 = 1_000_000_000_000;

    pub fn parse(raw: &str) -> Result<Budget, Refusal> {
        let normalised: String = raw.trim().chars().map(ascii_digit).collect();
        let without_yen = normalised
            .strip_suffix('円')
            .unwrap_or(&normalised)
            .trim_end();
        if without_yen.is_empty() {
            return Ok(Budget(None));
        }
        let message = || Refusal::new("msg.budget_format");
        let groups: Vec<&str> = without_yen.split([',', '，']).collect();
        let digits_only = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
        if !groups.iter().all(|g| digits_only(g)) {
            return Err(message());
        }
        if groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
            return Err(message());
        }
        let digits: String = groups.concat();
        let yen: i64 = digits.parse().map_err(|_| message())?;
        if yen > Self::MAX {
            return Err(Refusal::new("msg.budget_large"));
        }
        Ok(Budget(Some(yen)))
    }
}

/// The measures a proposal answers: 1 to 3 distinct codes, in the order given. Whether each
/// exists is checked against the database when saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measures(Vec<MeasureCode>);

impl Measures {
    /// `chosen` are the ticked checkboxes, `other` the codes typed in the text field
    /// (separated by spaces, commas or 、).
    pub fn parse(chosen: &[String], other: &str) -> Result<Measures, Refusal> {
        let typed = other
            .split(|c: char| c.is_whitespace() || c == ',' || c == '、' || c == '，')
            .filter(|s| !s.is_empty())
            .map(|s| s.replace(['ー', '－'], "-"));
        let mut codes: Vec<MeasureCode> = Vec::new();
        for raw in chosen.iter().cloned().chain(typed) {
            let code: MeasureCode = raw.trim().parse()?;
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        if codes.is_empty() {
            return Err(Refusal::new("msg.measures_none"));
        }
        if codes.len() > MEASURES_MAX {
            return Err(Refusal::new("msg.measures_many")
                .with("max", MEASURES_MAX)
                .with("count", codes.len()));
        }
        Ok(Measures(codes))
    }

    pub fn codes(&self) -> &[MeasureCode] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_summaries_are_required_and_bounded() {
        assert_eq!(
            Title::parse("  子ども食堂  ").unwrap().as_str(),
            "子ども食堂"
        );
        assert_eq!(
            Title::parse(" ").unwrap_err(),
            Refusal::required("label.title")
        );
        assert!(Title::parse(&"あ".repeat(120)).is_ok());
        assert_eq!(
            Title::parse(&"あ".repeat(121)).unwrap_err(),
            Refusal::new("msg.too_long_now")
                .label("what", "label.title")
                .with("max", 120)
                .with("count", 121)
        );
        assert!(Title::parse("a\u{7}b").is_err());
        assert!(Summary::parse("").is_err());
        assert!(Summary::parse(&"あ".repeat(1001)).is_err());
        assert_eq!(
            LongText::parse("一行目\r\n二行目", "label.activity_plan")
                .unwrap()
                .as_str(),
            "一行目\n二行目"
        );
        assert_eq!(
            LongText::parse("", "label.activity_plan").unwrap().as_str(),
            ""
        );
        let refused = LongText::parse(&"あ".repeat(4001), "label.activity_plan").unwrap_err();
        assert_eq!(
            crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &refused),
            "活動計画は4000文字以内で入力してください（現在4001文字）。"
        );
    }

    #[test]
    fn budgets_read_as_people_write_them() {
        for (raw, yen) in [
            ("150000", Some(150_000)),
            ("150,000", Some(150_000)),
            ("1,500,000円", Some(1_500_000)),
            ("１５０，０００ 円", Some(150_000)),
            ("0", Some(0)),
            ("", None),
            ("  ", None),
        ] {
            assert_eq!(Budget::parse(raw), Ok(Budget(yen)), "{raw:?}");
        }
        for raw in ["abc", "-5", "1.5", "15,00", ",100", "1,0000", "12万"] {
            let refused = Budget::parse(raw).unwrap_err();
            assert_eq!(refused, Refusal::new("msg.budget_format"), "{raw:?}");
        }
        assert_eq!(
            Budget::parse("99999999999999999999").unwrap_err(),
            Refusal::new("msg.budget_format")
        );
        assert_eq!(
            Budget::parse("2000000000000").unwrap_err(),
            Refusal::new("msg.budget_large")
        );
    }

    #[test]
    fn one_to_three_measures_by_code() {
        let chosen = vec!["5-1".to_owned(), "6-1".to_owned()];
        let parsed = Measures::parse(&chosen, "").unwrap();
        assert_eq!(parsed.codes().len(), 2);
        let parsed = Measures::parse(&chosen, " 1-1、5-1 ").unwrap();
        assert_eq!(
            parsed
                .codes()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["5-1", "6-1", "1-1"]
        );
        assert_eq!(
            Measures::parse(&[], "").unwrap_err(),
            Refusal::new("msg.measures_none")
        );
        assert_eq!(
            Measures::parse(&chosen, "1-1 2-1").unwrap_err(),
            Refusal::new("msg.measures_many")
                .with("max", 3)
                .with("count", 4)
        );
        let refused = Measures::parse(&[], "5の1").unwrap_err();
        assert_eq!(
            crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &refused),
            "施策の番号「5の1」は「5-1」のように章と番号をハイフンでつないで指定してください。"
        );
        assert!(Measures::parse(&["x".into()], "").is_err());
    }

    #[test]
    fn every_refusal_has_english() {
        let long = |n: usize| "あ".repeat(n);
        let four = ["5-1".into(), "5-2".into(), "5-3".into(), "5-4".into()];
        crate::web::i18n::assert_english([
            Title::parse("").unwrap_err(),
            Title::parse(&long(121)).unwrap_err(),
            Summary::parse("a\u{7}").unwrap_err(),
            LongText::parse(&long(4001), "label.partners").unwrap_err(),
            LongText::parse("a\u{7}", "label.period").unwrap_err(),
            Budget::parse("abc").unwrap_err(),
            Budget::parse("99999999999999999").unwrap_err(),
            Measures::parse(&[], "").unwrap_err(),
            Measures::parse(&four, "").unwrap_err(),
            Measures::parse(&[], "5.1").unwrap_err(),
        ]);
    }
}
