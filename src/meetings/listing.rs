//! The public list's filters (`?measure=6-1&kind=workshop&month=2026-12`) read from the query
//! string, each bad value refused beside its own field while the others still apply; and which
//! of the listed meetings are past. Pure (no database).

use super::model::{Filter, Meeting};
use super::rules::Kind;
use crate::plan::model::MeasureCode;
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The list's query string, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub month: String,
}

/// The filter of the valid values; each refused one has its message in `form` (which keeps
/// everything typed, so the filter form shows it again).
pub fn parse(
    query: &ListQuery,
    known: impl Fn(MeasureCode) -> bool,
    form: &mut FormPage,
) -> Filter {
    form.keep("measure", query.measure.trim())
        .keep("kind", query.kind.trim())
        .keep("month", query.month.trim());
    let measure = nonempty(&query.measure).and_then(|raw| {
        form.check(
            "measure",
            raw.parse::<MeasureCode>().and_then(|code| {
                if known(code) {
                    Ok(code.to_string())
                } else {
                    Err(Refusal::new("msg.measure_unknown").with("codes", code))
                }
            }),
        )
    });
    let kind = nonempty(&query.kind).and_then(|raw| form.check("kind", raw.parse::<Kind>()));
    let month = nonempty(&query.month).and_then(|raw| form.check("month", month(raw)));
    Filter {
        measure,
        kind,
        month,
        ..Filter::default()
    }
}

fn nonempty(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|s| !s.is_empty())
}

/// `2026-12` → (2026, 12): four digits, a hyphen, two digits, a month that exists.
pub fn month(raw: &str) -> Result<(i32, u32), Refusal> {
    let refused = || Refusal::new("msg.meeting_month").with("month", raw);
    let (year, month) = raw.split_once('-').ok_or_else(refused)?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return Err(refused());
    }
    let year: i32 = year.parse().map_err(|_| refused())?;
    let month: u32 = month.parse().map_err(|_| refused())?;
    if !(1..=12).contains(&month) || year < 1990 {
        return Err(refused());
    }
    Ok((year, month))
}

/// Meetings in start order split into those still to come (or running) in that order, and the
/// past ones, most recent first.
pub fn split(meetings: Vec<Meeting>, now: DateTime<Utc>) -> (Vec<Meeting>, Vec<Meeting>) {
    let (mut past, upcoming): (Vec<Meeting>, Vec<Meeting>) = meetings
        .into_iter()
        .partition(|m| m.schedule.ends_at <= now);
    past.reverse();
    (upcoming, past)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(measure: &str, kind: &str, month: &str) -> ListQuery {
        ListQuery {
            measure: measure.into(),
            kind: kind.into(),
            month: month.into(),
        }
    }

    fn errors(form: &FormPage) -> serde_json::Value {
        serde_json::to_value(form).unwrap()["errors"].clone()
    }

    #[test]
    fn valid_filters_apply_and_empty_ones_do_not() {
        let mut form = FormPage::default();
        let filter = parse(&query(" 6-1 ", "workshop", "2026-12"), |_| true, &mut form);
        assert!(!form.has_errors());
        assert_eq!(
            filter,
            Filter {
                measure: Some("6-1".into()),
                kind: Some(Kind::Workshop),
                month: Some((2026, 12)),
                ..Filter::default()
            }
        );
        let mut form = FormPage::default();
        assert_eq!(
            parse(&query("", " ", ""), |_| true, &mut form),
            Filter::default()
        );
        assert!(!form.has_errors());
    }

    #[test]
    fn a_bad_value_is_refused_beside_its_field_and_the_others_still_apply() {
        let mut form = FormPage::default();
        let filter = parse(&query("6-1", "party", "2026-13"), |_| true, &mut form);
        assert_eq!(filter.measure.as_deref(), Some("6-1"));
        assert_eq!(filter.kind, None);
        assert_eq!(filter.month, None);
        let said = errors(&form);
        assert_eq!(said["kind"]["refusal"], "msg.meeting_kind_unknown");
        assert_eq!(said["month"]["refusal"], "msg.meeting_month");
        assert!(said.get("measure").is_none());
        let values = serde_json::to_value(&form).unwrap()["values"].clone();
        assert_eq!(values["kind"], "party", "what was typed is kept");

        let mut form = FormPage::default();
        let filter = parse(&query("9-9", "", ""), |code| code.chapter != 9, &mut form);
        assert_eq!(filter.measure, None);
        assert_eq!(errors(&form)["measure"]["refusal"], "msg.measure_unknown");
        let mut form = FormPage::default();
        parse(&query("six", "", ""), |_| true, &mut form);
        assert_eq!(errors(&form)["measure"]["refusal"], "msg.measure_code");
    }

    #[test]
    fn months_are_a_year_and_a_month_that_exist() {
        assert_eq!(month("2026-12"), Ok((2026, 12)));
        assert_eq!(month("2027-01"), Ok((2027, 1)));
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-12",
            "2026/12",
            "2026-12-01",
            "令和8年12月",
            "0000-01",
        ] {
            assert_eq!(
                month(bad),
                Err(Refusal::new("msg.meeting_month").with("month", bad)),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_refusal_has_english() {
        crate::web::i18n::assert_english([
            Refusal::new("msg.meeting_month").with("month", "2026-13"),
            Refusal::new("msg.meeting_kind_unknown").with("kind", "party"),
            Refusal::new("msg.measure_unknown").with("codes", "9-9"),
        ]);
    }
}
