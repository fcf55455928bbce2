//! Reading the plan: [`load`] reads all of it in a fixed number of statements, whatever the
//! amount of data (the tests count them), and [`Snapshot`] answers each page's question from
//! it, with the domain types of `model`.

use super::model::{
    Actual, Chapter, Column, Initiative, Kpi, Measure, MeasureCode, Plan, Satisfaction, Section,
    SubMeasure, YearlySatisfaction,
};
use super::progress::Direction;
use super::quantity::Quantity;
use crate::db::schema::{
    chapter_sections, chapters, kpi_actuals, kpis, measure_satisfaction, measures,
    plan_initiatives, plans, sub_measures,
};
use crate::error::{Error, Result};
use bigdecimal::BigDecimal;
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Queryable, Selectable)]
#[diesel(table_name = chapters)]
struct ChapterRow {
    number: i32,
    title: Option<String>,
    tagline: Option<String>,
    voices: Vec<String>,
    detailed: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = measures)]
struct MeasureRow {
    code: String,
    chapter_number: i32,
    title: String,
    detailed: bool,
    goals: Vec<String>,
    situation: Vec<String>,
    collaboration: Vec<String>,
    sdgs: Vec<i32>,
    satisfaction_statement: Option<String>,
    satisfaction_percent: Option<BigDecimal>,
    column_title: Option<String>,
    column_body: Vec<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = kpis)]
struct KpiRow {
    id: i32,
    measure_code: String,
    name: String,
    definition: Option<String>,
    unit: String,
    baseline: Option<BigDecimal>,
    target: BigDecimal,
    direction: String,
    note: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = kpi_actuals)]
struct ActualRow {
    kpi_id: i32,
    fiscal_year: i32,
    value: BigDecimal,
    source: String,
    note: Option<String>,
}

/// A measure with its KPIs: what lists and cards show.
#[derive(Debug, Clone, Copy)]
pub struct MeasureWithKpis<'a> {
    pub measure: &'a Measure,
    pub kpis: &'a [Kpi],
}

/// Everything the measure page shows.
#[derive(Debug, Clone)]
pub struct MeasureDetail<'a> {
    pub measure: &'a Measure,
    pub chapter: &'a Chapter,
    pub kpis: &'a [Kpi],
    pub sub_measures: &'a [SubMeasure],
    /// The plans citing this measure, each with the titles of the citing initiatives.
    pub plans: Vec<(&'a Plan, Vec<&'a str>)>,
}

/// A chapter with its measures.
#[derive(Debug, Clone)]
pub struct ChapterWithMeasures<'a> {
    pub chapter: &'a Chapter,
    pub measures: Vec<MeasureWithKpis<'a>>,
}

/// A measure with what hangs from it.
#[derive(Debug)]
struct MeasureEntry {
    /// The chapter the measure's row names (`measures.chapter_number`).
    chapter: i32,
    measure: Measure,
    kpis: Vec<Kpi>,
    sub_measures: Vec<SubMeasure>,
}

impl MeasureEntry {
    /// Lists and cards show the KPIs of detailed measures only.
    fn with_kpis(&self) -> MeasureWithKpis<'_> {
        MeasureWithKpis {
            measure: &self.measure,
            kpis: if self.measure.detailed {
                &self.kpis
            } else {
                &[]
            },
        }
    }
}

/// Every row of the plan the pages read: chapters, measures with their yearly satisfaction,
/// KPIs with their actual values, sub-measures and plans with their initiatives. The plan is a few hundred rows that change
/// only when seeds load or staff record an actual value, so [`super::cache::PlanCache`] keeps
/// one and pages answer from it.
#[derive(Debug)]
pub struct Snapshot {
    /// By number, with their sections.
    chapters: Vec<Chapter>,
    /// By chapter, then number.
    measures: Vec<MeasureEntry>,
    /// By number.
    plans: Vec<Plan>,
}

fn code(raw: &str) -> Result<MeasureCode> {
    raw.parse()
        .map_err(|_| Error::Internal(format!("malformed measure code {raw:?} in the database")))
}

impl Measure {
    /// The measure of `row`, with the satisfaction its surveys recorded (oldest first).
    fn of(row: MeasureRow, yearly: Vec<YearlySatisfaction>) -> Result<Self> {
        let satisfaction = match (row.satisfaction_statement, row.satisfaction_percent) {
            (Some(statement), Some(percent)) => Some(Satisfaction {
                statement,
                percent: Quantity(percent),
                yearly,
            }),
            _ => None,
        };
        Ok(Measure {
            code: code(&row.code)?,
            title: row.title,
            detailed: row.detailed,
            goals: row.goals,
            situation: row.situation,
            collaboration: row.collaboration,
            sdgs: row.sdgs,
            satisfaction,
            column: row.column_title.map(|title| Column {
                title,
                body: row.column_body,
            }),
        })
    }
}

fn chapter_from(row: ChapterRow, sections: Vec<Section>) -> Chapter {
    Chapter {
        number: row.number,
        title: row.title,
        tagline: row.tagline,
        voices: row.voices,
        detailed: row.detailed,
        sections,
    }
}

/// The whole plan, in nine statements.
pub fn load(conn: &mut PgConnection) -> Result<Snapshot> {
    let chapters = load_chapters(conn)?;
    let mut kpis = group(load_kpis(conn)?, |k| k.measure);
    let mut sub_measures = group(load_sub_measures(conn)?, |(code, _)| *code);
    let mut satisfaction = group(
        measure_satisfaction::table
            .order((
                measure_satisfaction::measure_code,
                measure_satisfaction::fiscal_year,
            ))
            .select((
                measure_satisfaction::measure_code,
                measure_satisfaction::fiscal_year,
                measure_satisfaction::percent,
                measure_satisfaction::respondents,
            ))
            .load::<(String, i32, BigDecimal, i32)>(conn)?,
        |(code, _, _, _)| code.clone(),
    );
    let measures = measures::table
        .order((measures::chapter_number, measures::number))
        .select(MeasureRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| {
            let chapter = row.chapter_number;
            let yearly = satisfaction
                .remove(&row.code)
                .unwrap_or_default()
                .into_iter()
                .map(
                    |(_, fiscal_year, percent, respondents)| YearlySatisfaction {
                        fiscal_year,
                        percent: Quantity(percent),
                        respondents,
                    },
                )
                .collect();
            let measure = Measure::of(row, yearly)?;
            Ok(MeasureEntry {
                chapter,
                kpis: kpis.remove(&measure.code).unwrap_or_default(),
                sub_measures: sub_measures
                    .remove(&measure.code)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, sub)| sub)
                    .collect(),
                measure,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Snapshot {
        chapters,
        measures,
        plans: load_plans(conn)?,
    })
}

/// Rows by key, each key's rows in the order they came.
fn group<K: std::hash::Hash + Eq, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut groups: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}

/// Every chapter with its sections: two statements.
fn load_chapters(conn: &mut PgConnection) -> Result<Vec<Chapter>> {
    let rows: Vec<ChapterRow> = chapters::table
        .order(chapters::number)
        .select(ChapterRow::as_select())
        .load(conn)?;
    let mut sections = group(
        chapter_sections::table
            .order((chapter_sections::chapter_number, chapter_sections::position))
            .select((
                chapter_sections::chapter_number,
                chapter_sections::heading,
                chapter_sections::paragraphs,
            ))
            .load::<(i32, String, Vec<String>)>(conn)?,
        |(chapter, _, _)| *chapter,
    );
    Ok(rows
        .into_iter()
        .map(|row| {
            let s = sections
                .remove(&row.number)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, heading, paragraphs)| Section {
                    heading,
                    paragraphs,
                })
                .collect();
            chapter_from(row, s)
        })
        .collect())
}

/// Every KPI with its actual values, oldest first: two statements.
fn load_kpis(conn: &mut PgConnection) -> Result<Vec<Kpi>> {
    let rows: Vec<KpiRow> = kpis::table
        .order((kpis::measure_code, kpis::position))
        .select(KpiRow::as_select())
        .load(conn)?;
    let mut actuals = group(
        kpi_actuals::table
            .order((kpi_actuals::kpi_id, kpi_actuals::fiscal_year))
            .select(ActualRow::as_select())
            .load(conn)?,
        |a| a.kpi_id,
    );
    rows.into_iter()
        .map(|row| {
            Ok(Kpi {
                id: row.id,
                measure: code(&row.measure_code)?,
                direction: row
                    .direction
                    .parse::<Direction>()
                    .map_err(Error::Internal)?,
                actuals: actuals
                    .remove(&row.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| Actual {
                        fiscal_year: a.fiscal_year,
                        value: Quantity(a.value),
                        source: a.source,
                        note: a.note,
                    })
                    .collect(),
                name: row.name,
                definition: row.definition,
                unit: row.unit,
                baseline: row.baseline.map(Quantity),
                target: Quantity(row.target),
                note: row.note,
            })
        })
        .collect()
}

fn load_sub_measures(conn: &mut PgConnection) -> Result<Vec<(MeasureCode, SubMeasure)>> {
    sub_measures::table
        .order((sub_measures::measure_code, sub_measures::number))
        .select((
            sub_measures::measure_code,
            sub_measures::number,
            sub_measures::title,
            sub_measures::body,
        ))
        .load::<(String, i32, String, Vec<String>)>(conn)?
        .into_iter()
        .map(|(measure, number, title, body)| {
            Ok((
                code(&measure)?,
                SubMeasure {
                    number,
                    title,
                    body,
                },
            ))
        })
        .collect()
}

/// Plans with their initiatives: two statements.
fn load_plans(conn: &mut PgConnection) -> Result<Vec<Plan>> {
    let mut initiatives = group(
        plan_initiatives::table
            .order((plan_initiatives::plan_number, plan_initiatives::position))
            .select((
                plan_initiatives::plan_number,
                plan_initiatives::title,
                plan_initiatives::body,
                plan_initiatives::measure_codes,
            ))
            .load::<(i32, String, String, Vec<String>)>(conn)?,
        |(plan, _, _, _)| *plan,
    );
    let rows = plans::table
        .order(plans::number)
        .select((
            plans::number,
            plans::name,
            plans::subtitle,
            plans::summary,
            plans::strategy_targets,
        ))
        .load::<(i32, String, String, String, Vec<String>)>(conn)?;
    rows.into_iter()
        .map(|(number, name, subtitle, summary, strategy_targets)| {
            Ok(Plan {
                initiatives: initiatives
                    .remove(&number)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, title, body, codes)| {
                        Ok(Initiative {
                            title,
                            body,
                            measures: codes.iter().map(|c| code(c)).collect::<Result<_>>()?,
                        })
                    })
                    .collect::<Result<_>>()?,
                number,
                name,
                subtitle,
                summary,
                strategy_targets,
            })
        })
        .collect()
}

impl Snapshot {
    fn chapter_numbered(&self, number: i32) -> Result<&Chapter> {
        self.chapters
            .iter()
            .find(|c| c.number == number)
            .ok_or(Error::NotFound)
    }

    /// Every chapter with its measures and their KPIs, for the home page.
    pub fn overview(&self) -> Vec<ChapterWithMeasures<'_>> {
        self.chapters
            .iter()
            .map(|chapter| ChapterWithMeasures {
                chapter,
                measures: self
                    .measures
                    .iter()
                    .filter(|m| i32::from(m.measure.code.chapter) == chapter.number)
                    .map(MeasureEntry::with_kpis)
                    .collect(),
            })
            .collect()
    }

    pub fn chapter(&self, number: i32) -> Result<ChapterWithMeasures<'_>> {
        Ok(ChapterWithMeasures {
            chapter: self.chapter_numbered(number)?,
            measures: self
                .measures
                .iter()
                .filter(|m| m.chapter == number)
                .map(MeasureEntry::with_kpis)
                .collect(),
        })
    }

    /// Every measure (detailed and cited) with its KPIs.
    pub fn measures(&self) -> Vec<MeasureWithKpis<'_>> {
        self.measures.iter().map(MeasureEntry::with_kpis).collect()
    }

    pub fn measure(&self, code: MeasureCode) -> Result<MeasureDetail<'_>> {
        let entry = self
            .measures
            .iter()
            .find(|m| m.measure.code == code)
            .ok_or(Error::NotFound)?;
        let plans = self
            .plans
            .iter()
            .filter_map(|plan| {
                let citing: Vec<&str> = plan
                    .initiatives
                    .iter()
                    .filter(|i| i.measures.contains(&code))
                    .map(|i| i.title.as_str())
                    .collect();
                (!citing.is_empty()).then_some((plan, citing))
            })
            .collect();
        Ok(MeasureDetail {
            measure: &entry.measure,
            chapter: self.chapter_numbered(entry.chapter)?,
            kpis: &entry.kpis,
            sub_measures: &entry.sub_measures,
            plans,
        })
    }

    /// Plans with their initiatives.
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// (chapter, code, title) of the detailed measures, by chapter then number: the measures
    /// a proposal may answer.
    pub fn detailed_measures(&self) -> Vec<(i32, MeasureCode, String)> {
        self.measures
            .iter()
            .filter(|m| m.measure.detailed)
            .map(|m| (m.chapter, m.measure.code, m.measure.title.clone()))
            .collect()
    }

    /// Code → (title, detailed) of every measure, to label the measures plans cite.
    pub fn measure_titles(&self) -> HashMap<MeasureCode, (&str, bool)> {
        self.measures
            .iter()
            .map(|m| {
                (
                    m.measure.code,
                    (m.measure.title.as_str(), m.measure.detailed),
                )
            })
            .collect()
    }

    /// Chapter 7 (its explanatory text) for the plans pages.
    pub fn plans_chapter(&self) -> Result<&Chapter> {
        self.chapter_numbered(7)
    }
}
