//! What other domains add to a measure's page and API: their sections (the proposals and the
//! comments on the measure) and Kyodo's own counts beside a KPI of the plan. `plan` is the
//! lowest domain: it says here what it needs, the higher domains supply it, and `app`
//! registers them as app data ([`MeasureParts`]), so `plan` never imports them.

use super::api::{LiveConsultations, LiveCount, LiveHeld, LiveKind};
use super::model::{Kpi, MeasureCode};
use crate::error::Result;
use crate::wareki::{fiscal_year_en, fiscal_year_era};
use crate::web::i18n::{translate, Lang};
use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::Value;

/// Kyodo's own figure beside one KPI of the plan. The official KPI (baseline, target, actual
/// values) stays as the plan says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveFigure {
    /// Proposals adopted, in progress or completed (beside 5-1 「市民提案型事業数」).
    AdoptedProposals(i64),
    /// The places to hear residents held in a fiscal year (beside 6-1 「市民の意見を聴く場の
    /// 実施回数」): meetings by kind, and consultations.
    Held(Held),
}

/// Meetings held (attendance recorded) and consultations opened in a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// By its first calendar year (2026 = 令和8年度).
    pub fiscal_year: i32,
    /// Every kind of meeting, in the order shown, zeros too.
    pub meetings: Vec<KindCount>,
    pub consultations: i64,
}

/// How many meetings of one kind were held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindCount {
    /// Its code in the API (`dialogue`, `workshop` …).
    pub kind: &'static str,
    /// Its name's i18n key.
    pub label: &'static str,
    pub count: i64,
}

impl Held {
    /// 計: every meeting and consultation.
    pub fn total(&self) -> i64 {
        self.consultations + self.meetings.iter().map(|k| k.count).sum::<i64>()
    }
}

/// A count that goes beside one KPI.
#[derive(Clone, Copy)]
pub struct LiveCounter {
    /// Whether `kpi` is the one the count goes beside.
    pub beside: fn(&Kpi) -> bool,
    /// The figure at `now` (the app's clock). One query.
    pub count: fn(&mut PgConnection, DateTime<Utc>) -> Result<LiveFigure>,
}

/// Reads a section inside the page's one database call, and gives the template's data.
pub type SectionLoader = Box<dyn FnOnce(&mut PgConnection, MeasureCode) -> Result<Value> + Send>;

/// A section of the measure page that another domain supplies.
#[derive(Clone, Copy)]
pub struct Section {
    /// The name the template reads it under (`proposals`, `comments`).
    pub key: &'static str,
    /// Reads what the section needs from the request (the viewer, `?after=`, a form kept
    /// after a refusal; a malformed query is a 400) and returns its loader.
    pub prepare: fn(&HttpRequest) -> Result<SectionLoader>,
}

/// Everything registered for measures, in the order the page reads them: static tables, so a
/// request copies two references, never the lists.
#[derive(Clone, Copy, Default)]
pub struct MeasureParts {
    pub counters: &'static [LiveCounter],
    pub sections: &'static [Section],
}

/// The figures for a measure's KPIs: each counter that goes beside one of them counts once.
pub fn live_figures(
    parts: &MeasureParts,
    conn: &mut PgConnection,
    kpis: &[Kpi],
    now: DateTime<Utc>,
) -> Result<Vec<(LiveCounter, LiveFigure)>> {
    parts
        .counters
        .iter()
        .filter(|c| kpis.iter().any(c.beside))
        .map(|c| Ok((*c, (c.count)(conn, now)?)))
        .collect()
}

/// The figures that go beside `kpi`.
pub fn beside<'a>(
    figures: &'a [(LiveCounter, LiveFigure)],
    kpi: &'a Kpi,
) -> impl Iterator<Item = &'a LiveFigure> + 'a {
    figures
        .iter()
        .filter(move |(c, _)| (c.beside)(kpi))
        .map(|(_, figure)| figure)
}

/// Sets a KPI's figure on its API form: beside 6-1 the count by kind, and the consultations
/// alone as the API gave them before meetings were counted.
pub fn set_json(figure: &LiveFigure, shown: &mut super::api::KpiJson) {
    match figure {
        LiveFigure::AdoptedProposals(adopted_proposals) => {
            shown.live = Some(LiveCount {
                adopted_proposals: *adopted_proposals,
            });
        }
        LiveFigure::Held(held) => {
            shown.live_consultations = Some(LiveConsultations {
                fiscal_year: held.fiscal_year,
                consultations: held.consultations,
            });
            shown.live_held = Some(LiveHeld {
                fiscal_year: held.fiscal_year,
                meetings: held
                    .meetings
                    .iter()
                    .map(|k| LiveKind {
                        kind: k.kind.to_owned(),
                        count: k.count,
                    })
                    .collect(),
                consultations: held.consultations,
                total: held.total(),
            });
        }
    }
}

/// 「Kyodoでの実施：令和8年度 計3回」 and its parts 「対話集会 1回、…、パブリックコメント 1回」,
/// the fiscal year in the city's calendar.
pub fn held_labels(lang: Lang, held: &Held) -> (String, String) {
    let year = match lang {
        Lang::Ja => fiscal_year_era(held.fiscal_year),
        _ => fiscal_year_en(held.fiscal_year),
    };
    let total = translate(
        lang,
        "kpi.live_held",
        &[("year", year), ("count", held.total().to_string())],
    );
    let part = |label: String, count: i64| {
        translate(
            lang,
            "kpi.live_held_kind",
            &[("kind", label), ("count", count.to_string())],
        )
    };
    let parts: Vec<String> = held
        .meetings
        .iter()
        .map(|k| part(translate(lang, k.label, &[]), k.count))
        .chain([part(
            translate(lang, "kpi.live_held_consultations", &[]),
            held.consultations,
        )])
        .collect();
    let parts = translate(
        lang,
        "kpi.live_held_parts",
        &[(
            "parts",
            parts.join(&translate(lang, "kpi.live_held_separator", &[])),
        )],
    );
    (total, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held() -> Held {
        Held {
            fiscal_year: 2026,
            meetings: vec![
                KindCount {
                    kind: "dialogue",
                    label: "meeting.kind.dialogue",
                    count: 1,
                },
                KindCount {
                    kind: "workshop",
                    label: "meeting.kind.workshop",
                    count: 0,
                },
            ],
            consultations: 2,
        }
    }

    #[test]
    fn the_labels_name_the_fiscal_year_in_the_citys_calendar_and_every_kind() {
        assert_eq!(
            held_labels(Lang::Ja, &held()),
            (
                "Kyodoでの実施：令和8年度 計3回".to_owned(),
                "（対話集会 1回、ワークショップ 0回、パブリックコメント 2回）".to_owned()
            )
        );
        let (total, parts) = held_labels(Lang::En, &held());
        assert!(total.contains("FY2026") && total.contains('3'), "{total}");
        assert!(parts.is_ascii(), "{parts}");
    }

    #[test]
    fn a_figure_fills_its_own_fields_of_the_api() {
        let mut shown = super::super::api::kpi(&Kpi {
            id: 1,
            measure: "6-1".parse().unwrap(),
            name: "市民の意見を聴く場の実施回数".into(),
            definition: None,
            unit: "回".into(),
            baseline: Some("105".parse().unwrap()),
            target: "110".parse().unwrap(),
            direction: crate::plan::progress::Direction::Increase,
            note: None,
            actuals: Vec::new(),
        });
        set_json(&LiveFigure::AdoptedProposals(4), &mut shown);
        assert_eq!(shown.live.as_ref().map(|l| l.adopted_proposals), Some(4));
        assert!(shown.live_held.is_none() && shown.live_consultations.is_none());
        set_json(&LiveFigure::Held(held()), &mut shown);
        assert_eq!(
            shown
                .live_consultations
                .as_ref()
                .map(|h| (h.fiscal_year, h.consultations)),
            Some((2026, 2))
        );
        let all = shown.live_held.unwrap();
        assert_eq!((all.total, all.meetings.len()), (3, 2));
        assert_eq!(
            (all.meetings[0].kind.as_str(), all.meetings[0].count),
            ("dialogue", 1)
        );
    }
}
