//! The plan as data: the seeds against the city's text, and loading them idempotently.

use crate::support::{run, TestApp};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use kyodo::plan::seed;

pub const TESTS: &[(&str, fn())] = &[
    (
        "seeds::every_seed_text_stands_in_the_plan",
        every_seed_text_stands_in_the_plan,
    ),
    (
        "seeds::every_number_stands_beside_its_kpi",
        every_number_stands_beside_its_kpi,
    ),
    (
        "seeds::loading_twice_changes_nothing",
        loading_twice_changes_nothing,
    ),
    (
        "seeds::a_changed_seed_updates_in_place_and_keeps_what_people_wrote",
        a_changed_seed_updates_in_place_and_keeps_what_people_wrote,
    ),
];

/// The city's plan text as extracted from the PDF (a copy of shared/plan, kept with the seeds).
const SOURCE: &str = include_str!("../../seeds/source/honjo-plan-ch5-7.txt");

/// The repairs the seeds make to the extracted text, then no whitespace: what a seed string
/// must be found in.
fn normalise(text: &str) -> String {
    let repaired = text
        .replace("埴保己ー", "塙保己一")
        .replace("^{かじ}", "")
        .replace("[*]", "")
        .replace(['*', '※', '▶'], "");
    repaired.chars().filter(|c| !c.is_whitespace()).collect()
}

fn every_seed_text_stands_in_the_plan() {
    let source = normalise(SOURCE);
    let files = seed::files().unwrap();
    let mut texts: Vec<(String, &str)> = Vec::new();
    for file in &files {
        let c = &file.chapter;
        texts.push((format!("chapter {}", c.number), &c.title));
        texts.extend(
            c.tagline
                .iter()
                .map(|t| (format!("chapter {} tagline", c.number), t.as_str())),
        );
        texts.extend(
            c.voices
                .iter()
                .map(|v| (format!("chapter {} voice", c.number), v.as_str())),
        );
        for section in &c.sections {
            texts.push(("section".into(), &section.heading));
            texts.extend(
                section
                    .paragraphs
                    .iter()
                    .map(|p| ("section".to_string(), p.as_str())),
            );
        }
        for m in &file.measures {
            let at = |part: &str| format!("{} {part}", m.code);
            texts.push((at("title"), &m.title));
            for (part, list) in [
                ("goal", &m.goals),
                ("situation", &m.situation),
                ("collaboration", &m.collaboration),
            ] {
                texts.extend(list.iter().map(|t| (at(part), t.as_str())));
            }
            texts.push((at("satisfaction"), &m.satisfaction.statement));
            for kpi in &m.kpis {
                texts.push((at("kpi"), &kpi.name));
                texts.extend(
                    kpi.definition
                        .iter()
                        .map(|d| (at("kpi definition"), d.as_str())),
                );
                texts.extend(kpi.note.iter().map(|n| (at("kpi note"), n.as_str())));
            }
            for sub in &m.sub_measures {
                texts.push((at("sub-measure"), &sub.title));
                texts.extend(
                    sub.body
                        .iter()
                        .map(|b| (at("sub-measure body"), b.as_str())),
                );
            }
            if let Some(column) = &m.column {
                texts.push((at("column"), &column.title));
                texts.extend(column.body.iter().map(|b| (at("column body"), b.as_str())));
            }
        }
        for cited in &file.cited_measures {
            texts.push((format!("{} cited", cited.code), &cited.title));
        }
        for plan in &file.plans {
            let at = format!("plan {}", plan.number);
            for text in [&plan.name, &plan.subtitle, &plan.summary] {
                texts.push((at.clone(), text));
            }
            texts.extend(
                plan.strategy_targets
                    .iter()
                    .map(|t| (at.clone(), t.as_str())),
            );
            for i in &plan.initiatives {
                texts.push((at.clone(), &i.title));
                texts.push((at.clone(), &i.body));
            }
        }
    }
    assert!(
        texts.len() > 300,
        "the seeds carry the whole text ({} strings)",
        texts.len()
    );
    let missing: Vec<String> = texts
        .iter()
        .filter(|(_, text)| !source.contains(&normalise(text)))
        .map(|(at, text)| format!("{at}: {text}"))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the plan text:\n{}",
        missing.join("\n")
    );
}

/// Each KPI's values stand in the same line of the text as its name, as the city wrote them.
fn every_number_stands_beside_its_kpi() {
    let lines: Vec<String> = SOURCE.lines().map(normalise).collect();
    let files = seed::files().unwrap();
    let written = |value: &str| {
        value
            .parse::<kyodo::plan::quantity::Quantity>()
            .unwrap()
            .to_string()
    };
    let mut checked = 0;
    for m in files.iter().flat_map(|f| &f.measures) {
        for kpi in &m.kpis {
            let name = normalise(&kpi.name);
            let line = lines
                .iter()
                .find(|l| l.starts_with(&name))
                .unwrap_or_else(|| panic!("{}: no line starts with {}", m.code, kpi.name));
            let (_, values) = line.split_at(name.len());
            let target = format!("{}{}", written(&kpi.target), normalise(&kpi.unit));
            assert!(
                values.contains(&target),
                "{} {}: target {target} in {line}",
                m.code,
                kpi.name
            );
            match &kpi.baseline {
                Some(baseline) => {
                    let baseline = format!("{}{}", written(baseline), normalise(&kpi.unit));
                    assert!(
                        values.contains(&baseline),
                        "{} {}: baseline {baseline} in {line}",
                        m.code,
                        kpi.name
                    );
                }
                None => assert!(
                    values.contains('—'),
                    "{} {}: the text has no baseline",
                    m.code,
                    kpi.name
                ),
            }
            if kpi.direction == "upper_bound" {
                assert!(
                    values.contains(&format!("{target}以内")),
                    "{} {}: an upper bound is 以内",
                    m.code,
                    kpi.name
                );
            }
            checked += 1;
        }
        let satisfaction = format!(
            "{}{}%",
            normalise(&m.satisfaction.statement),
            m.satisfaction.percent
        );
        assert!(
            normalise(SOURCE).contains(&satisfaction),
            "{}: {satisfaction}",
            m.code
        );
    }
    assert_eq!(checked, 27, "every KPI of chapters 5 and 6 was checked");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

fn loading_twice_changes_nothing() {
    run(async {
        let app = TestApp::start().await;
        let mut conn = app.db();
        // The template was loaded once already; this is the second load.
        assert_eq!(seed::load(&mut conn).unwrap().rows_changed, 0);
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM measures"), 33);
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM measures WHERE detailed"
            ),
            11
        );
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM kpis"), 27);
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM plans"), 5);
        assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM chapters"), 7);
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM sub_measures WHERE measure_code = '5-3'"
            ),
            6
        );
    })
}

#[derive(QueryableByName)]
struct Title {
    #[diesel(sql_type = Text)]
    title: String,
}

fn a_changed_seed_updates_in_place_and_keeps_what_people_wrote() {
    run(async {
        let app = TestApp::start().await;
        let mut conn = app.db();
        // The database drifts from the seeds (as when a seed is corrected), and staff recorded an actual.
        diesel::sql_query("UPDATE measures SET title = '古い名称' WHERE code = '6-1'")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(
            "UPDATE kpis SET target = 99 WHERE measure_code = '5-1' AND position = 2",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query("INSERT INTO sub_measures (measure_code, number, title) VALUES ('5-1', 9, '削除された取組')")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(
            "INSERT INTO kpi_actuals (kpi_id, fiscal_year, value, source)
             SELECT id, 2024, 45, '県の登録簿' FROM kpis WHERE measure_code = '5-1' AND position = 2",
        )
        .execute(&mut conn)
        .unwrap();
        let ids = "SELECT sum(id)::bigint AS n FROM kpis";
        let ids_before = count(&mut conn, ids);

        let report = seed::load(&mut conn).unwrap();
        assert_eq!(
            report.rows_changed, 3,
            "title, target and the stale sub-measure"
        );
        let title: Title = diesel::sql_query("SELECT title FROM measures WHERE code = '6-1'")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(
            title.title,
            "市政情報の提供の充実と市政に対する市民参加の推進"
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM sub_measures WHERE measure_code = '5-1'"
            ),
            4
        );
        assert_eq!(
            count(&mut conn, ids),
            ids_before,
            "KPIs are updated in place, not replaced"
        );
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM kpi_actuals"),
            1,
            "recorded actuals stay"
        );
        let json = app.json("/api/v1/measures/5-1").await;
        assert_eq!(json["kpis"][1]["target"], 50);
        assert_eq!(json["kpis"][1]["actuals"][0]["value"], 45);
    })
}
