//! Reading the plan. Each function runs a fixed number of queries, whatever the amount of
//! data (the tests count them), and returns the domain types of `model`.

use super::model::{
    Actual, Chapter, Column, Initiative, Kpi, Measure, MeasureCode, Plan, Satisfaction, Section,
    SubMeasure,
};
use super::progress::Direction;
use super::quantity::Quantity;
use crate::db::schema::{
    chapter_sections, chapters, kpi_actuals, kpis, measures, plan_initiatives, plans, sub_measures,
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
#[derive(Debug, Clone)]
pub struct MeasureWithKpis {
    pub measure: Measure,
    pub kpis: Vec<Kpi>,
}

/// Everything the measure page shows.
#[derive(Debug, Clone)]
pub struct MeasureDetail {
    pub measure: Measure,
    pub chapter: Chapter,
    pub kpis: Vec<Kpi>,
    pub sub_measures: Vec<SubMeasure>,
    /// The plans citing this measure, each with the titles of the citing initiatives.
    pub plans: Vec<(Plan, Vec<String>)>,
}

/// A chapter with its measures.
#[derive(Debug, Clone)]
pub struct ChapterWithMeasures {
    pub chapter: Chapter,
    pub measures: Vec<MeasureWithKpis>,
}

fn code(raw: &str) -> Result<MeasureCode> {
    raw.parse()
        .map_err(|_| Error::Internal(format!("malformed measure code {raw:?} in the database")))
}

impl TryFrom<MeasureRow> for Measure {
    type Error = Error;

    fn try_from(row: MeasureRow) -> Result<Self> {
        let satisfaction = match (row.satisfaction_statement, row.satisfaction_percent) {
            (Some(statement), Some(percent)) => Some(Satisfaction {
                statement,
                percent: Quantity(percent),
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

fn load_measures(conn: &mut PgConnection, chapter: Option<i32>) -> Result<Vec<Measure>> {
    let mut query = measures::table.select(MeasureRow::as_select()).into_boxed();
    if let Some(chapter) = chapter {
        query = query.filter(measures::chapter_number.eq(chapter));
    }
    query
        .order((measures::chapter_number, measures::number))
        .load(conn)?
        .into_iter()
        .map(Measure::try_from)
        .collect()
}

/// The KPIs of the given measures with their actual values: two queries in all.
fn load_kpis(conn: &mut PgConnection, codes: &[String]) -> Result<Vec<Kpi>> {
    let rows: Vec<KpiRow> = kpis::table
        .filter(kpis::measure_code.eq_any(codes))
        .order((kpis::measure_code, kpis::position))
        .select(KpiRow::as_select())
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|k| k.id).collect();
    let mut actuals: HashMap<i32, Vec<Actual>> = HashMap::new();
    for row in kpi_actuals::table
        .filter(kpi_actuals::kpi_id.eq_any(&ids))
        .order((kpi_actuals::kpi_id, kpi_actuals::fiscal_year))
        .select(ActualRow::as_select())
        .load(conn)?
    {
        actuals.entry(row.kpi_id).or_default().push(Actual {
            fiscal_year: row.fiscal_year,
            value: Quantity(row.value),
            source: row.source,
            note: row.note,
        });
    }
    rows.into_iter()
        .map(|row| {
            Ok(Kpi {
                id: row.id,
                measure: code(&row.measure_code)?,
                direction: row
                    .direction
                    .parse::<Direction>()
                    .map_err(Error::Internal)?,
                actuals: actuals.remove(&row.id).unwrap_or_default(),
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

fn with_kpis(conn: &mut PgConnection, measures: Vec<Measure>) -> Result<Vec<MeasureWithKpis>> {
    let codes: Vec<String> = measures
        .iter()
        .filter(|m| m.detailed)
        .map(|m| m.code.to_string())
        .collect();
    let mut kpis = load_kpis(conn, &codes)?;
    Ok(measures
        .into_iter()
        .map(|measure| {
            let (mine, rest): (Vec<Kpi>, Vec<Kpi>) =
                kpis.drain(..).partition(|k| k.measure == measure.code);
            kpis = rest;
            MeasureWithKpis {
                measure,
                kpis: mine,
            }
        })
        .collect())
}

fn load_chapters(conn: &mut PgConnection, number: Option<i32>) -> Result<Vec<Chapter>> {
    let mut query = chapters::table.select(ChapterRow::as_select()).into_boxed();
    let mut sections_query = chapter_sections::table.into_boxed();
    if let Some(number) = number {
        query = query.filter(chapters::number.eq(number));
        sections_query = sections_query.filter(chapter_sections::chapter_number.eq(number));
    }
    let rows: Vec<ChapterRow> = query.order(chapters::number).load(conn)?;
    let mut sections: HashMap<i32, Vec<Section>> = HashMap::new();
    for (chapter, heading, paragraphs) in sections_query
        .order((chapter_sections::chapter_number, chapter_sections::position))
        .select((
            chapter_sections::chapter_number,
            chapter_sections::heading,
            chapter_sections::paragraphs,
        ))
        .load::<(i32, String, Vec<String>)>(conn)?
    {
        sections.entry(chapter).or_default().push(Section {
            heading,
            paragraphs,
        });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let s = sections.remove(&row.number).unwrap_or_default();
            chapter_from(row, s)
        })
        .collect())
}

/// Every chapter with its measures and their KPIs, for the home page.
pub fn overview(conn: &mut PgConnection) -> Result<Vec<ChapterWithMeasures>> {
    let chapters = load_chapters(conn, None)?;
    let measures = load_measures(conn, None)?;
    let mut measures = with_kpis(conn, measures)?;
    Ok(chapters
        .into_iter()
        .map(|chapter| {
            let (mine, rest) = measures
                .drain(..)
                .partition(|m| i32::from(m.measure.code.chapter) == chapter.number);
            measures = rest;
            ChapterWithMeasures {
                chapter,
                measures: mine,
            }
        })
        .collect())
}

pub fn chapter(conn: &mut PgConnection, number: i32) -> Result<ChapterWithMeasures> {
    let chapter = load_chapters(conn, Some(number))?
        .pop()
        .ok_or(Error::NotFound)?;
    let measures = load_measures(conn, Some(number))?;
    let measures = with_kpis(conn, measures)?;
    Ok(ChapterWithMeasures { chapter, measures })
}

/// Every measure (detailed and cited) with its KPIs.
pub fn measures(conn: &mut PgConnection) -> Result<Vec<MeasureWithKpis>> {
    let measures = load_measures(conn, None)?;
    with_kpis(conn, measures)
}

pub fn measure(conn: &mut PgConnection, code: MeasureCode) -> Result<MeasureDetail> {
    let key = code.to_string();
    let (row, chapter_row): (MeasureRow, ChapterRow) = measures::table
        .inner_join(chapters::table)
        .filter(measures::code.eq(&key))
        .select((MeasureRow::as_select(), ChapterRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let measure = Measure::try_from(row)?;
    let kpis = load_kpis(conn, std::slice::from_ref(&key))?;
    let sub_measures = sub_measures::table
        .filter(sub_measures::measure_code.eq(&key))
        .order(sub_measures::number)
        .select((
            sub_measures::number,
            sub_measures::title,
            sub_measures::body,
        ))
        .load::<(i32, String, Vec<String>)>(conn)?
        .into_iter()
        .map(|(number, title, body)| SubMeasure {
            number,
            title,
            body,
        })
        .collect();
    // The plans are a handful of rows of the plan itself: filter them here.
    let plans = plans(conn)?
        .into_iter()
        .filter_map(|plan| {
            let citing: Vec<String> = plan
                .initiatives
                .iter()
                .filter(|i| i.measures.contains(&code))
                .map(|i| i.title.clone())
                .collect();
            (!citing.is_empty()).then_some((plan, citing))
        })
        .collect();
    Ok(MeasureDetail {
        measure,
        chapter: chapter_from(chapter_row, Vec::new()),
        kpis,
        sub_measures,
        plans,
    })
}

/// Plans with their initiatives, in two queries.
pub fn plans(conn: &mut PgConnection) -> Result<Vec<Plan>> {
    let mut initiatives: HashMap<i32, Vec<Initiative>> = HashMap::new();
    for (plan, title, body, codes) in plan_initiatives::table
        .order((plan_initiatives::plan_number, plan_initiatives::position))
        .select((
            plan_initiatives::plan_number,
            plan_initiatives::title,
            plan_initiatives::body,
            plan_initiatives::measure_codes,
        ))
        .load::<(i32, String, String, Vec<String>)>(conn)?
    {
        let measures = codes.iter().map(|c| code(c)).collect::<Result<_>>()?;
        initiatives.entry(plan).or_default().push(Initiative {
            title,
            body,
            measures,
        });
    }
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
    Ok(rows
        .into_iter()
        .map(|(number, name, subtitle, summary, strategy_targets)| Plan {
            initiatives: initiatives.remove(&number).unwrap_or_default(),
            number,
            name,
            subtitle,
            summary,
            strategy_targets,
        })
        .collect())
}

/// Code → (title, detailed) of every measure, to label the measures plans cite.
pub fn measure_titles(conn: &mut PgConnection) -> Result<HashMap<MeasureCode, (String, bool)>> {
    measures::table
        .select((measures::code, measures::title, measures::detailed))
        .load::<(String, String, bool)>(conn)?
        .into_iter()
        .map(|(c, title, detailed)| Ok((code(&c)?, (title, detailed))))
        .collect()
}

/// Chapter 7 (its explanatory text) for the plans pages.
pub fn plans_chapter(conn: &mut PgConnection) -> Result<Chapter> {
    load_chapters(conn, Some(7))?.pop().ok_or(Error::NotFound)
}
