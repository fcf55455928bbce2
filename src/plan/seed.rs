//! Loads the plan from `seeds/*.toml` (compiled into the binary) into PostgreSQL.
//!
//! Idempotent: every row is upserted by its natural key and only rewritten when a value
//! differs, so a second load changes nothing and a corrected seed updates rows in place.
//! KPIs are never deleted (staff record actual values against them); plan text that a seed
//! no longer has (sub-measures, sections, initiatives) is removed.

use super::model::MeasureCode;
use super::progress::Direction;
use super::quantity::Quantity;
use crate::error::{Error, Result};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Nullable, Numeric, Text};
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(rust_embed::RustEmbed)]
#[folder = "seeds/"]
#[include = "*.toml"]
struct SeedFiles;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterFile {
    pub chapter: SeedChapter,
    #[serde(default)]
    pub measures: Vec<SeedMeasure>,
    #[serde(default)]
    pub cited_measures: Vec<SeedCitedMeasure>,
    #[serde(default)]
    pub plans: Vec<SeedPlan>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedChapter {
    pub number: i32,
    pub title: String,
    pub tagline: Option<String>,
    #[serde(default)]
    pub voices: Vec<String>,
    #[serde(default)]
    pub sections: Vec<SeedSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMeasure {
    pub code: String,
    pub title: String,
    pub goals: Vec<String>,
    pub situation: Vec<String>,
    pub collaboration: Vec<String>,
    pub sdgs: Vec<i32>,
    pub satisfaction: SeedSatisfaction,
    pub kpis: Vec<SeedKpi>,
    pub sub_measures: Vec<SeedSubMeasure>,
    pub column: Option<SeedColumn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSatisfaction {
    pub statement: String,
    pub percent: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedKpi {
    pub name: String,
    pub definition: Option<String>,
    pub unit: String,
    pub baseline: Option<String>,
    pub target: String,
    pub direction: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSubMeasure {
    pub number: i32,
    pub title: String,
    pub body: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedColumn {
    pub title: String,
    pub body: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCitedMeasure {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPlan {
    pub number: i32,
    pub name: String,
    pub subtitle: String,
    pub summary: String,
    pub strategy_targets: Vec<String>,
    pub initiatives: Vec<SeedInitiative>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInitiative {
    pub title: String,
    pub body: String,
    pub measures: Vec<String>,
}

/// The seed files, parsed and checked, in chapter order.
pub fn files() -> Result<Vec<ChapterFile>> {
    let mut files = Vec::new();
    for name in SeedFiles::iter() {
        let file = SeedFiles::get(&name).expect("listed seed file exists");
        let text = std::str::from_utf8(&file.data)
            .map_err(|e| Error::Setup(format!("seeds/{name} is not UTF-8: {e}")))?;
        let parsed: ChapterFile =
            toml::from_str(text).map_err(|e| Error::Setup(format!("seeds/{name}: {e}")))?;
        files.push(parsed);
    }
    files.sort_by_key(|f| f.chapter.number);
    validate(&files)?;
    Ok(files)
}

fn code_of(code: &str) -> Result<MeasureCode> {
    code.parse::<MeasureCode>()
        .map_err(|_| Error::Setup(format!("seeds: {code:?} is not a measure code")))
}

fn quantity(what: &str, value: &str) -> Result<Quantity> {
    value
        .parse()
        .map_err(|e| Error::Setup(format!("seeds: {what}: {e}")))
}

/// Checks what the database constraints cannot say: codes unique and in their chapter,
/// initiatives citing known measures, numbers and directions well-formed.
fn validate(files: &[ChapterFile]) -> Result<()> {
    let mut codes = BTreeSet::new();
    for file in files {
        for measure in &file.measures {
            let code = code_of(&measure.code)?;
            if i32::from(code.chapter) != file.chapter.number {
                return Err(Error::Setup(format!(
                    "seeds: measure {} is in the file of chapter {}",
                    measure.code, file.chapter.number
                )));
            }
            for kpi in &measure.kpis {
                let what = format!("{} {}", measure.code, kpi.name);
                if let Some(baseline) = &kpi.baseline {
                    quantity(&what, baseline)?;
                }
                quantity(&what, &kpi.target)?;
                kpi.direction
                    .parse::<Direction>()
                    .map_err(|e| Error::Setup(format!("seeds: {what}: {e}")))?;
            }
            quantity(&measure.code, &measure.satisfaction.percent)?;
            if !codes.insert(code) {
                return Err(Error::Setup(format!(
                    "seeds: measure {} appears twice",
                    measure.code
                )));
            }
        }
        for cited in &file.cited_measures {
            if !codes.insert(code_of(&cited.code)?) {
                return Err(Error::Setup(format!(
                    "seeds: measure {} appears twice",
                    cited.code
                )));
            }
        }
    }
    for plan in files.iter().flat_map(|f| &f.plans) {
        for initiative in &plan.initiatives {
            for code in &initiative.measures {
                if !codes.contains(&code_of(code)?) {
                    return Err(Error::Setup(format!(
                        "seeds: plan {} cites measure {code}, which no seed defines",
                        plan.number
                    )));
                }
            }
        }
    }
    Ok(())
}

/// How many rows a load wrote; zero when the database already held the seeds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoadReport {
    pub rows_changed: usize,
}

/// Loads every seed file in one transaction.
pub fn load(conn: &mut PgConnection) -> Result<LoadReport> {
    let files = files()?;
    conn.transaction(|conn| {
        let mut changed = 0;
        // Chapters 1–4 exist only as the home of the measures chapter 7 cites.
        let cited_chapters: BTreeSet<i32> = files
            .iter()
            .flat_map(|f| &f.cited_measures)
            .map(|m| code_of(&m.code).map(|c| i32::from(c.chapter)))
            .collect::<Result<_>>()?;
        for number in cited_chapters {
            changed += upsert_chapter(conn, number, None, None, &[], false)?;
        }
        for file in &files {
            let c = &file.chapter;
            changed += upsert_chapter(conn, c.number, Some(&c.title), c.tagline.as_deref(), &c.voices, true)?;
            changed += replace_sections(conn, c.number, &c.sections)?;
            for measure in &file.measures {
                changed += load_measure(conn, measure)?;
            }
            for cited in &file.cited_measures {
                let code = code_of(&cited.code)?;
                changed += diesel::sql_query(
                    "INSERT INTO measures (code, chapter_number, number, title, detailed)
                     VALUES ($1, $2, $3, $4, false)
                     ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, detailed = false, updated_at = now()
                     WHERE (measures.title, measures.detailed) IS DISTINCT FROM (EXCLUDED.title, false)",
                )
                .bind::<Text, _>(&cited.code)
                .bind::<Int4, _>(i32::from(code.chapter))
                .bind::<Int4, _>(i32::from(code.number))
                .bind::<Text, _>(&cited.title)
                .execute(conn)?;
            }
            for plan in &file.plans {
                changed += load_plan(conn, plan)?;
            }
        }
        Ok(LoadReport { rows_changed: changed })
    })
}

fn upsert_chapter(
    conn: &mut PgConnection,
    number: i32,
    title: Option<&str>,
    tagline: Option<&str>,
    voices: &[String],
    detailed: bool,
) -> Result<usize> {
    Ok(diesel::sql_query(
        "INSERT INTO chapters (number, title, tagline, voices, detailed) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (number) DO UPDATE SET title = EXCLUDED.title, tagline = EXCLUDED.tagline,
             voices = EXCLUDED.voices, detailed = EXCLUDED.detailed, updated_at = now()
         WHERE (chapters.title, chapters.tagline, chapters.voices, chapters.detailed)
             IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.tagline, EXCLUDED.voices, EXCLUDED.detailed)",
    )
    .bind::<Int4, _>(number)
    .bind::<Nullable<Text>, _>(title)
    .bind::<Nullable<Text>, _>(tagline)
    .bind::<Array<Text>, _>(voices)
    .bind::<Bool, _>(detailed)
    .execute(conn)?)
}

fn replace_sections(
    conn: &mut PgConnection,
    chapter: i32,
    sections: &[SeedSection],
) -> Result<usize> {
    let mut changed = 0;
    for (position, section) in (1..).zip(sections) {
        changed += diesel::sql_query(
            "INSERT INTO chapter_sections (chapter_number, position, heading, paragraphs) VALUES ($1, $2, $3, $4)
             ON CONFLICT (chapter_number, position) DO UPDATE SET heading = EXCLUDED.heading, paragraphs = EXCLUDED.paragraphs
             WHERE (chapter_sections.heading, chapter_sections.paragraphs) IS DISTINCT FROM (EXCLUDED.heading, EXCLUDED.paragraphs)",
        )
        .bind::<Int4, _>(chapter)
        .bind::<Int4, _>(position)
        .bind::<Text, _>(&section.heading)
        .bind::<Array<Text>, _>(&section.paragraphs)
        .execute(conn)?;
    }
    changed += diesel::sql_query(
        "DELETE FROM chapter_sections WHERE chapter_number = $1 AND position > $2",
    )
    .bind::<Int4, _>(chapter)
    .bind::<Int4, _>(sections.len() as i32)
    .execute(conn)?;
    Ok(changed)
}

fn load_measure(conn: &mut PgConnection, m: &SeedMeasure) -> Result<usize> {
    let code = code_of(&m.code)?;
    let percent = quantity(&m.code, &m.satisfaction.percent)?;
    let mut changed = diesel::sql_query(
        "INSERT INTO measures (code, chapter_number, number, title, detailed, goals, situation, collaboration,
             sdgs, satisfaction_statement, satisfaction_percent, column_title, column_body)
         VALUES ($1, $2, $3, $4, true, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, detailed = true, goals = EXCLUDED.goals,
             situation = EXCLUDED.situation, collaboration = EXCLUDED.collaboration, sdgs = EXCLUDED.sdgs,
             satisfaction_statement = EXCLUDED.satisfaction_statement,
             satisfaction_percent = EXCLUDED.satisfaction_percent, column_title = EXCLUDED.column_title,
             column_body = EXCLUDED.column_body, updated_at = now()
         WHERE (measures.title, measures.detailed, measures.goals, measures.situation, measures.collaboration,
                measures.sdgs, measures.satisfaction_statement, measures.satisfaction_percent::text,
                measures.column_title, measures.column_body)
             IS DISTINCT FROM (EXCLUDED.title, true, EXCLUDED.goals, EXCLUDED.situation, EXCLUDED.collaboration,
                EXCLUDED.sdgs, EXCLUDED.satisfaction_statement, EXCLUDED.satisfaction_percent::text,
                EXCLUDED.column_title, EXCLUDED.column_body)",
    )
    .bind::<Text, _>(&m.code)
    .bind::<Int4, _>(i32::from(code.chapter))
    .bind::<Int4, _>(i32::from(code.number))
    .bind::<Text, _>(&m.title)
    .bind::<Array<Text>, _>(&m.goals)
    .bind::<Array<Text>, _>(&m.situation)
    .bind::<Array<Text>, _>(&m.collaboration)
    .bind::<Array<Int4>, _>(&m.sdgs)
    .bind::<Text, _>(&m.satisfaction.statement)
    .bind::<Numeric, _>(percent.value())
    .bind::<Nullable<Text>, _>(m.column.as_ref().map(|c| &c.title))
    .bind::<Array<Text>, _>(m.column.as_ref().map(|c| c.body.as_slice()).unwrap_or_default())
    .execute(conn)?;

    for sub in &m.sub_measures {
        changed += diesel::sql_query(
            "INSERT INTO sub_measures (measure_code, number, title, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (measure_code, number) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body
             WHERE (sub_measures.title, sub_measures.body) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.body)",
        )
        .bind::<Text, _>(&m.code)
        .bind::<Int4, _>(sub.number)
        .bind::<Text, _>(&sub.title)
        .bind::<Array<Text>, _>(&sub.body)
        .execute(conn)?;
    }
    let numbers: Vec<i32> = m.sub_measures.iter().map(|s| s.number).collect();
    changed +=
        diesel::sql_query("DELETE FROM sub_measures WHERE measure_code = $1 AND number <> ALL($2)")
            .bind::<Text, _>(&m.code)
            .bind::<Array<Int4>, _>(&numbers)
            .execute(conn)?;

    for (position, kpi) in (1..).zip(&m.kpis) {
        let what = format!("{} {}", m.code, kpi.name);
        let baseline = kpi
            .baseline
            .as_deref()
            .map(|b| quantity(&what, b))
            .transpose()?;
        let target = quantity(&what, &kpi.target)?;
        // Numbers compare as text so that a change of written precision (85 → 85.00) counts.
        changed += diesel::sql_query(
            "INSERT INTO kpis (measure_code, position, name, definition, unit, baseline, target, direction, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (measure_code, position) DO UPDATE SET name = EXCLUDED.name,
                 definition = EXCLUDED.definition, unit = EXCLUDED.unit, baseline = EXCLUDED.baseline,
                 target = EXCLUDED.target, direction = EXCLUDED.direction, note = EXCLUDED.note, updated_at = now()
             WHERE (kpis.name, kpis.definition, kpis.unit, kpis.baseline::text, kpis.target::text, kpis.direction, kpis.note)
                 IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.definition, EXCLUDED.unit, EXCLUDED.baseline::text,
                    EXCLUDED.target::text, EXCLUDED.direction, EXCLUDED.note)",
        )
        .bind::<Text, _>(&m.code)
        .bind::<Int4, _>(position)
        .bind::<Text, _>(&kpi.name)
        .bind::<Nullable<Text>, _>(&kpi.definition)
        .bind::<Text, _>(&kpi.unit)
        .bind::<Nullable<Numeric>, _>(baseline.as_ref().map(Quantity::value))
        .bind::<Numeric, _>(target.value())
        .bind::<Text, _>(&kpi.direction)
        .bind::<Nullable<Text>, _>(&kpi.note)
        .execute(conn)?;
    }
    Ok(changed)
}

fn load_plan(conn: &mut PgConnection, p: &SeedPlan) -> Result<usize> {
    let mut changed = diesel::sql_query(
        "INSERT INTO plans (number, name, subtitle, summary, strategy_targets) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (number) DO UPDATE SET name = EXCLUDED.name, subtitle = EXCLUDED.subtitle,
             summary = EXCLUDED.summary, strategy_targets = EXCLUDED.strategy_targets, updated_at = now()
         WHERE (plans.name, plans.subtitle, plans.summary, plans.strategy_targets)
             IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.subtitle, EXCLUDED.summary, EXCLUDED.strategy_targets)",
    )
    .bind::<Int4, _>(p.number)
    .bind::<Text, _>(&p.name)
    .bind::<Text, _>(&p.subtitle)
    .bind::<Text, _>(&p.summary)
    .bind::<Array<Text>, _>(&p.strategy_targets)
    .execute(conn)?;
    for (position, initiative) in (1..).zip(&p.initiatives) {
        changed += diesel::sql_query(
            "INSERT INTO plan_initiatives (plan_number, position, title, body, measure_codes) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (plan_number, position) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,
                 measure_codes = EXCLUDED.measure_codes
             WHERE (plan_initiatives.title, plan_initiatives.body, plan_initiatives.measure_codes)
                 IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.body, EXCLUDED.measure_codes)",
        )
        .bind::<Int4, _>(p.number)
        .bind::<Int4, _>(position)
        .bind::<Text, _>(&initiative.title)
        .bind::<Text, _>(&initiative.body)
        .bind::<Array<Text>, _>(&initiative.measures)
        .execute(conn)?;
    }
    changed +=
        diesel::sql_query("DELETE FROM plan_initiatives WHERE plan_number = $1 AND position > $2")
            .bind::<Int4, _>(p.number)
            .bind::<Int4, _>(p.initiatives.len() as i32)
            .execute(conn)?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_files_parse_and_hold_the_whole_plan() {
        let files = files().unwrap();
        let chapters: Vec<i32> = files.iter().map(|f| f.chapter.number).collect();
        assert_eq!(chapters, [5, 6, 7]);
        let detailed: usize = files.iter().map(|f| f.measures.len()).sum();
        let cited: usize = files.iter().map(|f| f.cited_measures.len()).sum();
        assert_eq!((detailed, cited), (11, 22));
        let plans: Vec<&str> = files
            .iter()
            .flat_map(|f| &f.plans)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(plans.len(), 5);
        assert_eq!(plans[0], "塙保己一プラン");
        let m53 = files
            .iter()
            .flat_map(|f| &f.measures)
            .find(|m| m.code == "5-3")
            .unwrap();
        assert_eq!(m53.sub_measures.len(), 6);
    }
}
