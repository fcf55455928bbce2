//! The plan's entities as the rest of the app sees them.

use super::progress::{self, Direction, Progress};
use super::quantity::Quantity;
use crate::refusal::Refusal;
use serde::Serialize;
use std::{fmt, str::FromStr};

/// A measure's code (施策大項目の番号) such as `5-1`: chapter, then number within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeasureCode {
    pub chapter: u8,
    pub number: u8,
}

impl FromStr for MeasureCode {
    type Err = Refusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || Refusal::new("msg.measure_code").with("code", s);
        let (chapter, number) = s.split_once('-').ok_or_else(invalid)?;
        let parse = |part: &str| -> Result<u8, Refusal> {
            if part.is_empty()
                || part.len() > 2
                || !part.bytes().all(|b| b.is_ascii_digit())
                || part.starts_with('0')
            {
                return Err(invalid());
            }
            part.parse().map_err(|_| invalid())
        };
        let code = MeasureCode {
            chapter: parse(chapter)?,
            number: parse(number)?,
        };
        if code.chapter > 9 {
            return Err(invalid());
        }
        Ok(code)
    }
}

impl fmt::Display for MeasureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.chapter, self.number)
    }
}

impl Serialize for MeasureCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A chapter (章) of the plan: 5 and 6 in full; 1–4 only as the home of measures chapter 7 cites.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub number: i32,
    pub title: Option<String>,
    pub tagline: Option<String>,
    /// Residents' voices, shown in speech bubbles in the plan.
    pub voices: Vec<String>,
    pub detailed: bool,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// A measure (施策大項目).
#[derive(Debug, Clone)]
pub struct Measure {
    pub code: MeasureCode,
    pub title: String,
    /// False for measures of chapters 1–4, known only by code and title.
    pub detailed: bool,
    /// めざす姿
    pub goals: Vec<String>,
    /// 現況と課題
    pub situation: Vec<String>,
    /// 協働による取組
    pub collaboration: Vec<String>,
    pub sdgs: Vec<i32>,
    /// 施策に係る市民満足度
    pub satisfaction: Option<Satisfaction>,
    pub column: Option<Column>,
}

/// 施策に係る市民満足度: the plan's statement and figure (計画策定時), and what each 年度's
/// 市民意識調査 measured since.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    pub statement: String,
    /// The plan's figure: the baseline.
    #[schema(value_type = f64)]
    pub percent: Quantity,
    /// Recorded from satisfaction surveys, oldest first.
    pub yearly: Vec<YearlySatisfaction>,
}

/// One 年度's satisfaction, recorded when its satisfaction survey's results were published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearlySatisfaction {
    /// The fiscal year by its first calendar year (2025 = 令和7年度).
    pub fiscal_year: i32,
    /// そう思う + ややそう思う, in percent of those who answered the statement.
    #[schema(value_type = f64)]
    pub percent: Quantity,
    /// How many answered the statement.
    pub respondents: i32,
}

/// Boxed text inside a measure (6-3 summarises its agreement with Waseda University).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Column {
    pub title: String,
    pub body: Vec<String>,
}

/// A sub-measure (施策中項目, 取組内容).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubMeasure {
    pub number: i32,
    pub title: String,
    pub body: Vec<String>,
}

/// A KPI (成果指標).
#[derive(Debug, Clone)]
pub struct Kpi {
    pub id: i32,
    pub measure: MeasureCode,
    pub name: String,
    /// The definition the plan gives in [ ].
    pub definition: Option<String>,
    pub unit: String,
    /// 現状値; absent where the plan writes —.
    pub baseline: Option<Quantity>,
    /// 目標値
    pub target: Quantity,
    pub direction: Direction,
    pub note: Option<String>,
    /// 実績値, oldest first.
    pub actuals: Vec<Actual>,
}

impl Kpi {
    pub fn latest(&self) -> Option<&Actual> {
        self.actuals.last()
    }

    pub fn progress(&self) -> Result<Progress, progress::Unmeasured> {
        progress::progress(
            self.direction,
            self.baseline.as_ref().map(Quantity::value),
            self.target.value(),
            self.latest().map(|a| a.value.value()),
        )
    }
}

/// A yearly actual value (実績値) recorded by staff.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Actual {
    pub fiscal_year: i32,
    #[schema(value_type = f64)]
    pub value: Quantity,
    pub source: String,
    pub note: Option<String>,
}

/// A cross-measure plan (政策連携プラン) of chapter 7.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub number: i32,
    pub name: String,
    pub subtitle: String,
    pub summary: String,
    /// 総合戦略における数値目標の設定項目
    pub strategy_targets: Vec<String>,
    pub initiatives: Vec<Initiative>,
}

/// An initiative (推進のための取組) of a plan, citing measures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Initiative {
    pub title: String,
    pub body: String,
    #[schema(value_type = Vec<String>, example = json!(["2-1", "5-1"]))]
    pub measures: Vec<MeasureCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_codes_parse_and_print() {
        let code: MeasureCode = "6-1".parse().unwrap();
        assert_eq!(
            code,
            MeasureCode {
                chapter: 6,
                number: 1
            }
        );
        assert_eq!(code.to_string(), "6-1");
        assert_eq!("4-7".parse::<MeasureCode>().unwrap().number, 7);
        assert_eq!("2-10".parse::<MeasureCode>().unwrap().number, 10);
    }

    #[test]
    fn malformed_codes_are_refused_with_the_code() {
        for bad in [
            "", "6", "6-", "-1", "6_1", "a-1", "6-1-1", "06-1", "6-01", "10-1", "6-100", "６-１",
        ] {
            let err = bad.parse::<MeasureCode>().unwrap_err();
            assert_eq!(err, Refusal::new("msg.measure_code").with("code", bad));
        }
        assert_eq!(
            crate::web::i18n::refusal(
                crate::web::i18n::Lang::Ja,
                &"6_1".parse::<MeasureCode>().unwrap_err()
            ),
            "施策の番号「6_1」は「5-1」のように章と番号をハイフンでつないで指定してください。"
        );
    }

    #[test]
    fn codes_sort_by_chapter_then_number() {
        let mut codes: Vec<MeasureCode> = ["6-1", "5-10", "5-2"]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        codes.sort();
        let printed: Vec<String> = codes.iter().map(ToString::to_string).collect();
        assert_eq!(printed, ["5-2", "5-10", "6-1"]);
    }
}
