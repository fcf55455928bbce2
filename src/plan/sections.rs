//! What other domains add to a measure's page and API: their sections (the proposals and the
//! comments on the measure) and Kyodo's own counts beside a KPI of the plan. `plan` is the
//! lowest domain: it says here what it needs, the higher domains supply it, and `app`
//! registers them as app data ([`MeasureParts`]), so `plan` never imports them.

use super::api::{LiveConsultations, LiveCount};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveFigure {
    /// Proposals adopted, in progress or completed (beside 5-1 「市民提案型事業数」).
    AdoptedProposals(i64),
    /// Consultations opened in a fiscal year, by its first calendar year (beside 6-1
    /// 「市民の意見を聴く場の実施回数」).
    Consultations { fiscal_year: i32, count: i64 },
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
) -> impl Iterator<Item = LiveFigure> + 'a {
    figures
        .iter()
        .filter(move |(c, _)| (c.beside)(kpi))
        .map(|(_, figure)| *figure)
}

/// Sets a KPI's figure on its API form.
pub fn set_json(
    figure: LiveFigure,
    live: &mut Option<LiveCount>,
    held: &mut Option<LiveConsultations>,
) {
    match figure {
        LiveFigure::AdoptedProposals(adopted_proposals) => {
            *live = Some(LiveCount { adopted_proposals });
        }
        LiveFigure::Consultations { fiscal_year, count } => {
            *held = Some(LiveConsultations {
                fiscal_year,
                consultations: count,
            });
        }
    }
}

/// 「Kyodoでの実施：令和8年度 3回」: consultations in a fiscal year, in the city's calendar.
pub fn consultations_label(lang: Lang, fiscal_year: i32, count: i64) -> String {
    let year = match lang {
        Lang::Ja => fiscal_year_era(fiscal_year),
        _ => fiscal_year_en(fiscal_year),
    };
    translate(
        lang,
        "kpi.live_consultations",
        &[("year", year), ("count", count.to_string())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_names_the_fiscal_year_in_the_citys_calendar() {
        assert_eq!(
            consultations_label(Lang::Ja, 2026, 3),
            "Kyodoでの実施：令和8年度 3回"
        );
        assert!(consultations_label(Lang::En, 2026, 3).contains("FY2026"));
    }

    #[test]
    fn a_figure_fills_its_own_field_of_the_api() {
        let (mut live, mut held) = (None, None);
        set_json(LiveFigure::AdoptedProposals(4), &mut live, &mut held);
        assert_eq!(live.as_ref().map(|l| l.adopted_proposals), Some(4));
        assert!(held.is_none());
        set_json(
            LiveFigure::Consultations {
                fiscal_year: 2026,
                count: 2,
            },
            &mut live,
            &mut held,
        );
        assert_eq!(
            held.map(|h| (h.fiscal_year, h.consultations)),
            Some((2026, 2))
        );
    }
}
