//! The short list of a measure's proposals on its page (registered by `app` in
//! [`crate::plan::sections::MeasureParts`]).

use super::model::{self, OnMeasure};
use super::views::state_label;
use super::workflow::State;
use crate::error::Result;
use crate::plan::model::MeasureCode;
use crate::plan::sections::{Section, SectionLoader};
use crate::web::i18n::{translate, Lang};
use crate::web::present::date;
use actix_web::HttpRequest;
use serde_json::{json, Value};

/// 「この施策への市民提案」 on the measure page.
pub const SECTION: Section = Section {
    key: "proposals",
    prepare,
};

fn prepare(req: &HttpRequest) -> Result<SectionLoader> {
    let lang = Lang::of(req);
    Ok(Box::new(move |conn, code| {
        let (count, rows) = model::for_measure(conn, code)?;
        Ok(json(lang, code, count, &rows))
    }))
}

/// The short list: the count, the newest few, and links to all of them and to a new one.
fn json(lang: Lang, code: MeasureCode, count: i64, rows: &[OnMeasure]) -> Value {
    json!({
        "count": count,
        "count_label": translate(lang, "proposals.on_measure.count", &[("count", count.to_string())]),
        "items": rows.iter().map(|r| json!({
            "href": format!("/proposals/{}", r.id),
            "title": r.title,
            "state_label": r.state.parse::<State>().map(|s| state_label(lang, s)).unwrap_or_default(),
            "date": date(lang, r.created_at),
        })).collect::<Vec<_>>(),
        "all_href": format!("/proposals?measure={code}"),
        "new_href": format!("/proposals/new?measure={code}"),
    })
}
