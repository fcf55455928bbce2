//! What the plan's pages show: the domain turned into display strings (numbers as the city
//! writes them, fiscal years in the Japanese calendar). Templates only print these.

use super::chart;
use super::model::*;
use super::progress::{Direction, Progress};
use super::quantity::Quantity;
use super::queries::{ChapterWithMeasures, MeasureDetail, MeasureWithKpis};
use super::sections::{held_labels, LiveFigure};
use crate::wareki;
use crate::web::i18n::{translate, Lang};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
pub struct SatisfactionView {
    pub statement: String,
    pub percent_display: String,
    /// On the measure page: each 年度's recorded value, oldest first, and their chart from the
    /// plan's figure; empty and none on the cards.
    pub yearly: Vec<YearlySatisfactionView>,
    pub chart: Option<chart::Chart>,
}

/// 「令和7年度（2025年度）」「31.2 %」「1,204人」.
#[derive(Serialize)]
pub struct YearlySatisfactionView {
    pub fiscal_year_display: String,
    pub percent_display: String,
    pub respondents_display: String,
}

#[derive(Serialize)]
pub struct ActualView {
    pub fiscal_year_display: String,
    pub value_display: String,
    pub source: String,
    pub note: Option<String>,
}

#[derive(Serialize)]
pub struct KpiView {
    pub name: String,
    pub definition: Option<String>,
    pub unit: String,
    pub baseline_display: Option<String>,
    pub target_display: String,
    pub direction: Direction,
    pub note: Option<String>,
    pub latest_display: Option<String>,
    pub progress: Option<Progress>,
    /// Why there is no progress, as the page says it.
    pub progress_missing: Option<String>,
    pub actuals: Vec<ActualView>,
    /// The chart of baseline → actual values → target; none before the first actual value.
    pub chart: Option<chart::Chart>,
    /// Kyodo's live count of adopted proposals, beside KPI 5-1 「市民提案型事業数」 only.
    pub live: Option<super::api::LiveCount>,
    /// Kyodo's meetings and consultations this fiscal year, beside KPI 6-1 「市民の意見を聴く
    /// 場の実施回数」 only.
    pub live_held: Option<HeldView>,
}

/// 「Kyodoでの実施：令和8年度 計3回」 and 「対話集会 1回、…、パブリックコメント 1回」.
#[derive(Serialize)]
pub struct HeldView {
    pub total: String,
    pub kinds: String,
}

#[derive(Serialize)]
pub struct MeasureSummaryView {
    pub code: String,
    pub title: String,
    pub href: String,
    pub detailed: bool,
    pub satisfaction: Option<SatisfactionView>,
    pub kpis: Vec<KpiView>,
}

#[derive(Serialize)]
pub struct PlanRefView {
    pub number: i32,
    pub name: String,
    pub subtitle: String,
    pub href: String,
}

#[derive(Serialize)]
pub struct MeasureLinkView {
    pub code: String,
    pub title: String,
    pub href: String,
    pub detailed: bool,
}

#[derive(Serialize)]
pub struct InitiativeView {
    pub title: String,
    pub body: String,
    pub measures: Vec<MeasureLinkView>,
}

#[derive(Serialize)]
pub struct PlanView {
    #[serde(flatten)]
    pub reference: PlanRefView,
    pub summary: String,
    pub initiatives: Vec<InitiativeView>,
    pub strategy_targets: Vec<String>,
}

#[derive(Serialize)]
pub struct ChapterView {
    pub number: i32,
    pub title: Option<String>,
    pub tagline: Option<String>,
    pub href: String,
    pub voices: Vec<String>,
    pub sections: Vec<Section>,
    pub detailed: bool,
    pub measures: Vec<MeasureSummaryView>,
}

#[derive(Serialize)]
pub struct ChapterRefView {
    pub number: i32,
    pub title: Option<String>,
    pub href: String,
}

#[derive(Serialize)]
pub struct PlanCitationView {
    #[serde(flatten)]
    pub reference: PlanRefView,
    pub initiatives: Vec<String>,
}

#[derive(Serialize)]
pub struct MeasureView {
    pub code: String,
    pub title: String,
    pub detailed: bool,
    pub chapter: ChapterRefView,
    pub goals: Vec<String>,
    pub situation: Vec<String>,
    pub collaboration: Vec<String>,
    pub sdgs: Vec<i32>,
    pub satisfaction: Option<SatisfactionView>,
    pub kpis: Vec<KpiView>,
    pub sub_measures: Vec<SubMeasure>,
    pub column: Option<Column>,
    pub plans: Vec<PlanCitationView>,
}

/// `2927767` + `件` → `2,927,767 件`.
pub fn with_unit(value: &Quantity, unit: &str) -> String {
    format!("{value} {unit}")
}

fn fiscal_year(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Ja => wareki::fiscal_year_ja(year),
        Lang::En => wareki::fiscal_year_en(year),
    }
}

/// The plan's figure, as the cards show it.
pub fn satisfaction(s: &Satisfaction) -> SatisfactionView {
    SatisfactionView {
        statement: s.statement.clone(),
        percent_display: with_unit(&s.percent, "%"),
        yearly: Vec::new(),
        chart: None,
    }
}

/// The plan's figure → each 年度's, as the measure page shows it: a chart like a KPI's (the
/// plan's figure as its baseline, no target) and the table of the same values.
pub fn satisfaction_by_year(lang: Lang, s: &Satisfaction) -> SatisfactionView {
    let series = chart::Series {
        unit: "%",
        baseline: Some(&s.percent),
        actuals: s
            .yearly
            .iter()
            .map(|y| (y.fiscal_year, &y.percent))
            .collect(),
        target: None,
    };
    SatisfactionView {
        yearly: s
            .yearly
            .iter()
            .map(|y| YearlySatisfactionView {
                fiscal_year_display: fiscal_year(lang, y.fiscal_year),
                percent_display: with_unit(&y.percent, "%"),
                respondents_display: translate(
                    lang,
                    "satisfaction.respondents",
                    &[("count", Quantity(y.respondents.into()).to_string())],
                ),
            })
            .collect(),
        chart: chart::trend(lang, &series).map(|c| {
            c.named(
                "satisfaction",
                translate(lang, "satisfaction.chart_name", &[]),
            )
        }),
        ..satisfaction(s)
    }
}

/// Shows Kyodo's own figure beside a KPI.
pub fn set_live(lang: Lang, figure: &LiveFigure, shown: &mut KpiView) {
    match figure {
        LiveFigure::AdoptedProposals(adopted_proposals) => {
            shown.live = Some(super::api::LiveCount {
                adopted_proposals: *adopted_proposals,
            });
        }
        LiveFigure::Held(held) => {
            let (total, kinds) = held_labels(lang, held);
            shown.live_held = Some(HeldView { total, kinds });
        }
    }
}

pub fn kpi(lang: Lang, k: &Kpi) -> KpiView {
    let mut target_display = with_unit(&k.target, &k.unit);
    if k.direction == Direction::UpperBound {
        target_display = translate(lang, "kpi.target_at_most", &[("target", target_display)]);
    }
    if let Some(note) = &k.note {
        target_display.push_str(&format!("（{note}）"));
    }
    let progress = k.progress();
    KpiView {
        name: k.name.clone(),
        definition: k.definition.clone(),
        unit: k.unit.clone(),
        baseline_display: k.baseline.as_ref().map(|b| with_unit(b, &k.unit)),
        target_display,
        direction: k.direction,
        note: k.note.clone(),
        latest_display: k.latest().map(|a| match lang {
            Lang::Ja => format!(
                "{}（{}）",
                with_unit(&a.value, &k.unit),
                wareki::fiscal_year_era(a.fiscal_year)
            ),
            Lang::En => format!("{} (FY{})", with_unit(&a.value, &k.unit), a.fiscal_year),
        }),
        progress: progress.ok(),
        progress_missing: progress.err().map(|why| {
            crate::web::i18n::translate(lang, &format!("progress.none.{}", why.as_str()), &[])
        }),
        actuals: k
            .actuals
            .iter()
            .map(|a| ActualView {
                fiscal_year_display: fiscal_year(lang, a.fiscal_year),
                value_display: with_unit(&a.value, &k.unit),
                source: a.source.clone(),
                note: a.note.clone(),
            })
            .collect(),
        chart: chart::chart(lang, k),
        live: None,
        live_held: None,
    }
}

pub fn measure_href(code: MeasureCode) -> String {
    format!("/measures/{code}")
}

pub fn measure_summary(lang: Lang, m: &MeasureWithKpis) -> MeasureSummaryView {
    MeasureSummaryView {
        code: m.measure.code.to_string(),
        title: m.measure.title.clone(),
        href: measure_href(m.measure.code),
        detailed: m.measure.detailed,
        satisfaction: m.measure.satisfaction.as_ref().map(satisfaction),
        kpis: m.kpis.iter().map(|k| kpi(lang, k)).collect(),
    }
}

pub fn chapter(lang: Lang, c: &ChapterWithMeasures) -> ChapterView {
    ChapterView {
        number: c.chapter.number,
        title: c.chapter.title.clone(),
        tagline: c.chapter.tagline.clone(),
        href: format!("/chapters/{}", c.chapter.number),
        voices: c.chapter.voices.clone(),
        sections: c.chapter.sections.clone(),
        detailed: c.chapter.detailed,
        measures: c
            .measures
            .iter()
            .map(|m| measure_summary(lang, m))
            .collect(),
    }
}

pub fn plan_ref(p: &Plan) -> PlanRefView {
    PlanRefView {
        number: p.number,
        name: p.name.clone(),
        subtitle: p.subtitle.clone(),
        href: format!("/plans/{}", p.number),
    }
}

pub fn plan(p: &Plan, titles: &HashMap<MeasureCode, (&str, bool)>) -> PlanView {
    PlanView {
        reference: plan_ref(p),
        summary: p.summary.clone(),
        strategy_targets: p.strategy_targets.clone(),
        initiatives: p
            .initiatives
            .iter()
            .map(|i| InitiativeView {
                title: i.title.clone(),
                body: i.body.clone(),
                measures: i
                    .measures
                    .iter()
                    .map(|code| {
                        let (title, detailed) = titles.get(code).copied().unwrap_or_default();
                        MeasureLinkView {
                            code: code.to_string(),
                            title: title.to_owned(),
                            href: measure_href(*code),
                            detailed,
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn measure(lang: Lang, d: &MeasureDetail) -> MeasureView {
    let m = d.measure;
    MeasureView {
        code: m.code.to_string(),
        title: m.title.clone(),
        detailed: m.detailed,
        chapter: ChapterRefView {
            number: d.chapter.number,
            title: d.chapter.title.clone(),
            href: format!("/chapters/{}", d.chapter.number),
        },
        goals: m.goals.clone(),
        situation: m.situation.clone(),
        collaboration: m.collaboration.clone(),
        sdgs: m.sdgs.clone(),
        satisfaction: m
            .satisfaction
            .as_ref()
            .map(|s| satisfaction_by_year(lang, s)),
        kpis: d
            .kpis
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut view = kpi(lang, k);
                view.chart = view.chart.map(|c| c.named(i.to_string(), &k.name));
                view
            })
            .collect(),
        sub_measures: d.sub_measures.to_vec(),
        column: m.column.clone(),
        plans: d
            .plans
            .iter()
            .map(|(p, initiatives)| PlanCitationView {
                reference: plan_ref(p),
                initiatives: initiatives.iter().map(|&i| i.to_owned()).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    fn kpi_of(
        direction: Direction,
        baseline: Option<&str>,
        target: &str,
        unit: &str,
        note: Option<&str>,
    ) -> Kpi {
        Kpi {
            id: 1,
            measure: "6-5".parse().unwrap(),
            name: "指標".into(),
            definition: None,
            unit: unit.into(),
            baseline: baseline.map(q),
            target: q(target),
            direction,
            note: note.map(Into::into),
            actuals: Vec::new(),
        }
    }

    #[test]
    fn values_read_as_the_city_writes_them() {
        let view = kpi(
            Lang::Ja,
            &kpi_of(Direction::Increase, Some("2927767"), "3351000", "件", None),
        );
        assert_eq!(view.baseline_display.as_deref(), Some("2,927,767 件"));
        assert_eq!(view.target_display, "3,351,000 件");
        let view = kpi(
            Lang::Ja,
            &kpi_of(Direction::UpperBound, Some("89.3"), "92.7", "%", None),
        );
        assert_eq!(view.target_display, "92.7 %以内");
        let view = kpi(
            Lang::Ja,
            &kpi_of(
                Direction::Maintain,
                Some("108"),
                "0",
                "人",
                Some("移動均衡"),
            ),
        );
        assert_eq!(view.target_display, "0 人（移動均衡）");
        let view = kpi(
            Lang::Ja,
            &kpi_of(Direction::Increase, None, "2", "件", None),
        );
        assert_eq!(view.baseline_display, None);
        assert_eq!(view.progress, None);
        assert_eq!(
            view.progress_missing.as_deref(),
            Some("実績値の記録前のため未算出")
        );
        assert_eq!(view.latest_display, None);
    }

    #[test]
    fn the_latest_actual_drives_progress_and_is_dated_by_fiscal_year() {
        let mut k = kpi_of(Direction::Increase, Some("43"), "50", "団体", None);
        for (year, value) in [(2023, "44"), (2024, "46")] {
            k.actuals.push(Actual {
                fiscal_year: year,
                value: q(value),
                source: "市民活動推進課".into(),
                note: None,
            });
        }
        let view = kpi(Lang::Ja, &k);
        assert_eq!(view.latest_display.as_deref(), Some("46 団体（令和6年度）"));
        assert!(matches!(
            view.progress,
            Some(Progress::Share { percent: 42, .. })
        ));
        assert_eq!(view.actuals[0].fiscal_year_display, "令和5年度（2023年度）");
        let english = kpi(Lang::En, &k);
        assert_eq!(english.actuals[1].fiscal_year_display, "FY2024 (Reiwa 6)");
        assert_eq!(english.latest_display.as_deref(), Some("46 団体 (FY2024)"));
    }

    #[test]
    fn satisfaction_runs_from_the_plan_s_figure_through_each_year() {
        let s = Satisfaction {
            statement: "市民と行政の協働が進んでいる".into(),
            percent: q("30.6"),
            yearly: vec![YearlySatisfaction {
                fiscal_year: 2025,
                percent: q("41.7"),
                respondents: 1204,
            }],
        };
        let card = satisfaction(&s);
        assert!(card.yearly.is_empty() && card.chart.is_none());
        let page = satisfaction_by_year(Lang::Ja, &s);
        assert_eq!(page.percent_display, "30.6 %");
        assert_eq!(page.yearly[0].fiscal_year_display, "令和7年度（2025年度）");
        assert_eq!(page.yearly[0].percent_display, "41.7 %");
        assert_eq!(page.yearly[0].respondents_display, "1,204人");
        let chart = page.chart.expect("a chart from the first year");
        assert_eq!(chart.baseline_display.as_deref(), Some("30.6 %"));
        assert_eq!(chart.latest_display, "41.7 %");
        assert_eq!(chart.target_display, None);
        let none = satisfaction_by_year(
            Lang::En,
            &Satisfaction {
                yearly: vec![],
                ..s
            },
        );
        assert!(none.chart.is_none(), "no chart before the first survey");
    }
}
