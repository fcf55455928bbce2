//! The open-data JSON API (`/api/v1/…`): public fields only, numbers as JSON numbers.

use super::model::*;
use super::progress::{Direction, Progress};
use super::quantity::Quantity;
use super::queries::{MeasureDetail, MeasureWithKpis};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeasureList {
    pub measures: Vec<MeasureSummary>,
}

/// A measure in the list: detailed (chapters 5–6) or only cited by chapter 7 (chapters 1–4).
#[derive(Serialize, ToSchema)]
pub struct MeasureSummary {
    #[schema(example = "6-1")]
    pub code: String,
    pub title: String,
    pub chapter: i32,
    pub detailed: bool,
    pub satisfaction: Option<Satisfaction>,
    pub kpi_count: usize,
    pub href: String,
}

#[derive(Serialize, ToSchema)]
pub struct KpiJson {
    pub name: String,
    pub definition: Option<String>,
    pub unit: String,
    #[schema(value_type = Option<f64>)]
    pub baseline: Option<Quantity>,
    #[schema(value_type = f64)]
    pub target: Quantity,
    pub direction: Direction,
    pub note: Option<String>,
    pub actuals: Vec<Actual>,
    pub progress: Option<Progress>,
    /// Kyodo's live count beside the plan's KPI 5-1 「市民提案型事業数」 (only on that KPI);
    /// the official KPI (baseline, target, actual values) stays as the plan says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveCount>,
    /// Kyodo's live count beside the plan's KPI 6-1 「市民の意見を聴く場の実施回数」 (only on
    /// that KPI): consultations held this fiscal year. `live_held` counts the meetings too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_consultations: Option<LiveConsultations>,
    /// Kyodo's live count beside the plan's KPI 6-1 (only on that KPI): meetings held (with
    /// their attendance recorded) by kind, and consultations opened, this fiscal year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_held: Option<LiveHeld>,
}

/// The places to hear residents that Kyodo held in a fiscal year (April–March, Japan time).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveHeld {
    /// The fiscal year by its first calendar year (2026 = 令和8年度).
    pub fiscal_year: i32,
    /// Meetings held, each kind (zeros too) in a fixed order.
    pub meetings: Vec<LiveKind>,
    /// Consultations (パブリックコメント) opened.
    pub consultations: i64,
    /// 計: the meetings and the consultations.
    pub total: i64,
}

/// Meetings of one kind held in the fiscal year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveKind {
    /// The meeting kind, as `kind` of `/api/v1/meetings`.
    #[schema(example = "dialogue")]
    pub kind: String,
    pub count: i64,
}

/// Consultations (意見公募) opened on Kyodo in a fiscal year (April–March, Japan time).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveConsultations {
    /// The fiscal year by its first calendar year (2026 = 令和8年度).
    pub fiscal_year: i32,
    pub consultations: i64,
}

/// What Kyodo counts itself, beside an official KPI.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveCount {
    /// Proposals adopted, in progress or completed, tied to any measure.
    pub adopted_proposals: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlanCitation {
    pub number: i32,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureJson {
    pub code: String,
    pub title: String,
    pub chapter: i32,
    pub detailed: bool,
    pub goals: Vec<String>,
    pub situation: Vec<String>,
    pub collaboration: Vec<String>,
    pub sdgs: Vec<i32>,
    pub satisfaction: Option<Satisfaction>,
    pub kpis: Vec<KpiJson>,
    pub sub_measures: Vec<SubMeasure>,
    pub column: Option<Column>,
    pub plans: Vec<PlanCitation>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanList {
    pub plans: Vec<Plan>,
}

pub fn measure_summary(m: &MeasureWithKpis) -> MeasureSummary {
    MeasureSummary {
        code: m.measure.code.to_string(),
        title: m.measure.title.clone(),
        chapter: i32::from(m.measure.code.chapter),
        detailed: m.measure.detailed,
        satisfaction: m.measure.satisfaction.clone(),
        kpi_count: m.kpis.len(),
        href: format!("/api/v1/measures/{}", m.measure.code),
    }
}

pub fn kpi(k: &Kpi) -> KpiJson {
    KpiJson {
        name: k.name.clone(),
        definition: k.definition.clone(),
        unit: k.unit.clone(),
        baseline: k.baseline.clone(),
        target: k.target.clone(),
        direction: k.direction,
        note: k.note.clone(),
        actuals: k.actuals.clone(),
        progress: k.progress().ok(),
        live: None,
        live_consultations: None,
        live_held: None,
    }
}

pub fn measure(d: &MeasureDetail) -> MeasureJson {
    let m = d.measure;
    MeasureJson {
        code: m.code.to_string(),
        title: m.title.clone(),
        chapter: d.chapter.number,
        detailed: m.detailed,
        goals: m.goals.clone(),
        situation: m.situation.clone(),
        collaboration: m.collaboration.clone(),
        sdgs: m.sdgs.clone(),
        satisfaction: m.satisfaction.clone(),
        kpis: d.kpis.iter().map(kpi).collect(),
        sub_measures: d.sub_measures.to_vec(),
        column: m.column.clone(),
        plans: d
            .plans
            .iter()
            .map(|(p, _)| PlanCitation {
                number: p.number,
                name: p.name.clone(),
            })
            .collect(),
    }
}
