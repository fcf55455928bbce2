//! What the staff meeting form sends, parsed once into typed values: the kind, texts, times in
//! Tokyo (`datetime-local` inputs), the venue and/or on-line URL, capacity, registration
//! window and what is offered for accessibility. Each refusal is said next to its field, in
//! Japanese first. Pure: no database (the measures and the consultation are checked on save).

use super::rules::Kind;
use crate::consultations::fields::text;
use crate::refusal::Refusal;
use crate::wareki::jst;
use crate::web::forms::{ascii_digit, FormPage};
use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};

/// The largest capacity the table allows.
pub const MAX_CAPACITY: i32 = 100_000;

/// The form as posted: checkboxes repeat `measures`, so it is read as pairs.
#[derive(Debug, Default, Clone)]
pub struct Posted {
    pub csrf: String,
    pub version: String,
    pub measures: Vec<String>,
    /// Every other field by name, as typed.
    values: Vec<(String, String)>,
}

/// The text fields of the form, in its order.
pub const TEXT_FIELDS: [&str; 15] = [
    "kind",
    "title",
    "description",
    "department",
    "consultation",
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "access_notes",
    "online_url",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "accessibility_notes",
];

/// The checkboxes of what is offered.
pub const OFFERS: [&str; 3] = ["sign_language", "childcare", "wheelchair"];

/// A meeting as staff typed it, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInput {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub department_id: i32,
    pub consultation_id: Option<i32>,
    pub measures: Vec<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_name: Option<String>,
    pub venue_address: Option<String>,
    pub access_notes: Option<String>,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub sign_language: bool,
    pub childcare: bool,
    pub wheelchair: bool,
    pub accessibility_notes: Option<String>,
}

impl Posted {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Posted {
        let mut posted = Posted::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf" => posted.csrf = value,
                "version" => posted.version = value,
                // Bounded: the plan has fewer measures than this.
                "measures" if posted.measures.len() < 100 => posted.measures.push(value),
                other if TEXT_FIELDS.contains(&other) || OFFERS.contains(&other) => {
                    posted.values.push((name, value))
                }
                _ => {}
            }
        }
        posted
    }

    /// The value of `field` as typed ("" when absent).
    pub fn value(&self, field: &str) -> &str {
        self.values
            .iter()
            .find(|(name, _)| name == field)
            .map_or("", |(_, value)| value.as_str())
    }

    /// A checkbox: ticked when sent.
    fn ticked(&self, field: &str) -> bool {
        self.values.iter().any(|(name, _)| name == field)
    }

    /// The form filled with what was typed, to show again.
    pub fn keep(&self, page: &mut FormPage) {
        for field in TEXT_FIELDS {
            page.keep(field, self.value(field));
        }
        for field in OFFERS {
            if self.ticked(field) {
                page.keep(field, "on");
            }
        }
        page.keep("version", &self.version);
    }

    /// What was typed, kept in `page`; the meeting, if nothing in it is to be fixed.
    pub fn parse(&self, page: &mut FormPage) -> Option<MeetingInput> {
        self.keep(page);
        let kind = page.check("kind", self.value("kind").trim().parse::<Kind>());
        let title = page.check(
            "title",
            text(self.value("title"), "label.meeting_title", 200, true),
        );
        let description = page.check(
            "description",
            text(
                self.value("description"),
                "label.meeting_description",
                8000,
                true,
            ),
        );
        let department = page.check(
            "department",
            self.value("department")
                .trim()
                .parse::<i32>()
                .map_err(|_| Refusal::new("msg.department_choose")),
        );
        let consultation = page.check(
            "consultation",
            match self.value("consultation").trim() {
                "" => Ok(None),
                raw => raw
                    .parse::<i32>()
                    .map(Some)
                    .map_err(|_| Refusal::new("msg.meeting_consultation_unknown")),
            },
        );
        let measures = page.check("measures", measure_codes(&self.measures));
        let starts = page.check(
            "starts_at",
            datetime(self.value("starts_at"), "label.meeting_starts_at", true),
        );
        let ends = page.check(
            "ends_at",
            datetime(self.value("ends_at"), "label.meeting_ends_at", true),
        );
        let venue_name = page.check(
            "venue_name",
            text(
                self.value("venue_name"),
                "label.meeting_venue_name",
                200,
                false,
            ),
        );
        let venue_address = page.check(
            "venue_address",
            text(
                self.value("venue_address"),
                "label.meeting_venue_address",
                400,
                false,
            ),
        );
        let access_notes = page.check(
            "access_notes",
            text(
                self.value("access_notes"),
                "label.meeting_access_notes",
                2000,
                false,
            ),
        );
        let online_url = page.check("online_url", online_url(self.value("online_url")));
        let capacity = page.check("capacity", capacity(self.value("capacity")));
        let opens = page.check(
            "registration_opens_at",
            datetime(
                self.value("registration_opens_at"),
                "label.meeting_registration_opens_at",
                false,
            ),
        );
        let closes = page.check(
            "registration_closes_at",
            datetime(
                self.value("registration_closes_at"),
                "label.meeting_registration_closes_at",
                false,
            ),
        );
        let accessibility_notes = page.check(
            "accessibility_notes",
            text(
                self.value("accessibility_notes"),
                "label.meeting_accessibility_notes",
                2000,
                false,
            ),
        );
        // Rules between fields, each said at the field to change.
        if let (Some(Some(starts)), Some(Some(ends))) = (starts, ends) {
            if ends <= starts {
                page.refuse("ends_at", Refusal::new("msg.meeting_ends_before_starts"));
            }
        }
        if let (Some(None), Some(None)) = (&venue_name, &online_url) {
            page.refuse("venue_name", Refusal::new("msg.meeting_place_required"));
        }
        if let (Some(Some(opens)), Some(Some(closes))) = (opens, closes) {
            if closes <= opens {
                page.refuse(
                    "registration_closes_at",
                    Refusal::new("msg.meeting_window_order"),
                );
            }
        }
        if page.has_errors() {
            return None;
        }
        Some(MeetingInput {
            kind: kind?,
            title: title??,
            description: description??,
            department_id: department?,
            consultation_id: consultation?,
            measures: measures?,
            starts_at: starts??,
            ends_at: ends??,
            venue_name: venue_name?,
            venue_address: venue_address?,
            access_notes: access_notes?,
            online_url: online_url?,
            capacity: capacity?,
            registration_opens_at: opens?,
            registration_closes_at: closes?,
            sign_language: self.ticked("sign_language"),
            childcare: self.ticked("childcare"),
            wheelchair: self.ticked("wheelchair"),
            accessibility_notes: accessibility_notes?,
        })
    }
}

/// The ticked measures' codes, each a plan code (`5-1`), without repeats.
fn measure_codes(chosen: &[String]) -> Result<Vec<String>, Refusal> {
    let mut codes = Vec::new();
    for raw in chosen {
        let code = raw
            .trim()
            .parse::<crate::plan::model::MeasureCode>()?
            .to_string();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// A time as a `datetime-local` input sends it (`2026-12-12T14:00`, seconds optional), read
/// in Tokyo. `what` is the field's label key.
pub fn datetime(
    raw: &str,
    what: &'static str,
    required: bool,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return if required {
            Err(Refusal::required(what))
        } else {
            Ok(None)
        };
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
        // chrono reads any signed year; PostgreSQL and the city's calendar do not.
        .filter(|local| (2000..=2100).contains(&local.year()))
        .ok_or_else(|| Refusal::new("msg.meeting_datetime_format").label("what", what))?;
    let at = jst()
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| Refusal::new("msg.meeting_datetime_format").label("what", what))?;
    Ok(Some(at.with_timezone(&Utc)))
}

/// An on-line meeting's address: http(s) only, at most 1000 characters.
fn online_url(raw: &str) -> Result<Option<String>, Refusal> {
    let Some(url) = text(raw, "label.meeting_online_url", 1000, false)? else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.starts_with(['/', '?', '#'])
                && !rest.is_empty()
                && !url.contains(char::is_whitespace) =>
        {
            Ok(Some(url))
        }
        _ => Err(Refusal::new("msg.meeting_online_url")),
    }
}

/// A number of people as typed: `30`, `３０人`, `30名` → `30`.
fn people(raw: &str) -> String {
    raw.trim()
        .trim_end_matches('人')
        .trim_end_matches('名')
        .chars()
        .map(ascii_digit)
        .collect()
}

/// Seats: empty is no limit; else a whole number from 1 to [`MAX_CAPACITY`] (full-width
/// digits read as digits).
pub fn capacity(raw: &str) -> Result<Option<i32>, Refusal> {
    let digits = people(raw);
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<i32>() {
        Ok(n) if (1..=MAX_CAPACITY).contains(&n) => Ok(Some(n)),
        _ => Err(Refusal::new("msg.meeting_capacity").with("max", MAX_CAPACITY)),
    }
}

/// A count of people (attendance): a whole number from 0 up to a million.
pub fn attendance(raw: &str) -> Result<i32, Refusal> {
    let digits = people(raw);
    if digits.is_empty() {
        return Err(Refusal::required("label.meeting_attendance"));
    }
    match digits.parse::<i32>() {
        Ok(n) if (0..=1_000_000).contains(&n) => Ok(n),
        _ => Err(Refusal::new("msg.meeting_attendance")),
    }
}

/// One topic of the minutes as staff typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInput {
    pub topic: String,
    pub said: String,
    pub response: Option<String>,
}

/// The most topic rows a form may send.
pub const MAX_TOPICS: usize = 100;

/// The minutes form's topic rows (`topic-N`, `said-N`, `response-N` for N from 1 to
/// `topics`), what was typed kept in `page`; rows left empty are skipped, the others numbered
/// in order. `None` when a row is to be fixed (said at its `topic-N` or `said-N`).
pub fn topics(pairs: &[(String, String)], page: &mut FormPage) -> Option<Vec<TopicInput>> {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let rows = value("topics")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_TOPICS);
    page.keep("topics", &rows.to_string());
    let mut out = Vec::new();
    let mut ok = true;
    for n in 1..=rows {
        let (topic_field, said_field, response_field) = (
            format!("topic-{n}"),
            format!("said-{n}"),
            format!("response-{n}"),
        );
        let (topic, said, response) = (
            value(&topic_field),
            value(&said_field),
            value(&response_field),
        );
        page.keep(&topic_field, topic)
            .keep(&said_field, said)
            .keep(&response_field, response);
        if [topic, said, response].iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let topic = page.check(&topic_field, text(topic, "label.meeting_topic", 200, true));
        let said = page.check(&said_field, text(said, "label.meeting_said", 8000, true));
        let response = page.check(
            &response_field,
            text(response, "label.meeting_response", 8000, false),
        );
        match (topic, said, response) {
            (Some(Some(topic)), Some(Some(said)), Some(response)) => out.push(TopicInput {
                topic,
                said,
                response,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// How a datetime-local input shows an instant: in Tokyo, to the minute.
pub fn local_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&jst())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{assert_english, refusal, Lang};

    fn pairs(list: &[(&str, &str)]) -> Posted {
        Posted::from_pairs(
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("kind", "dialogue"),
            ("title", " 市長と語る会 "),
            ("description", "地域の将来について。"),
            ("department", "3"),
            ("measures", "6-1"),
            ("measures", "5-1"),
            ("measures", "6-1"),
            ("starts_at", "2026-12-12T14:00"),
            ("ends_at", "2026-12-12T16:00"),
            ("venue_name", "本庄市役所"),
            ("capacity", "３０"),
            ("childcare", "on"),
        ]
    }

    #[test]
    fn a_good_form_parses_into_tokyo_times_and_typed_values() {
        let mut page = FormPage::default();
        let m = pairs(&good()).parse(&mut page).unwrap();
        assert!(!page.has_errors());
        assert_eq!(m.kind, Kind::Dialogue);
        assert_eq!(m.title, "市長と語る会");
        assert_eq!(m.measures, ["6-1", "5-1"]);
        assert_eq!(m.starts_at.to_rfc3339(), "2026-12-12T05:00:00+00:00");
        assert_eq!(m.capacity, Some(30));
        assert!(m.childcare && !m.sign_language && !m.wheelchair);
        assert_eq!(m.online_url, None);
        assert_eq!(local_input(m.starts_at), "2026-12-12T14:00");
    }

    #[test]
    fn every_mistake_is_said_at_its_field_and_what_was_typed_stays() {
        let mut page = FormPage::default();
        let posted = pairs(&[
            ("kind", "party"),
            ("title", ""),
            ("description", "説明"),
            ("department", ""),
            ("starts_at", "12/12 14:00"),
            ("ends_at", "2026-12-12T13:00"),
            ("online_url", "javascript:alert(1)"),
            ("capacity", "0"),
        ]);
        assert_eq!(posted.parse(&mut page), None);
        let json = serde_json::to_value(&page).unwrap();
        for field in [
            "kind",
            "title",
            "department",
            "starts_at",
            "online_url",
            "capacity",
        ] {
            assert!(json["errors"].get(field).is_some(), "{field}: {json}");
        }
        assert_eq!(json["values"]["starts_at"], "12/12 14:00");
        assert_eq!(json["values"]["capacity"], "0");
        // No venue and no URL: one of them is needed.
        let mut page = FormPage::default();
        let mut list = good();
        list.retain(|(k, _)| *k != "venue_name");
        assert_eq!(pairs(&list).parse(&mut page), None);
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(
            json["errors"]["venue_name"]["refusal"],
            "msg.meeting_place_required"
        );
        // The end before the start.
        let mut page = FormPage::default();
        let list: Vec<_> = good()
            .into_iter()
            .map(|(k, v)| {
                if k == "ends_at" {
                    (k, "2026-12-12T13:00")
                } else {
                    (k, v)
                }
            })
            .collect();
        assert_eq!(pairs(&list).parse(&mut page), None);
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(
            json["errors"]["ends_at"]["refusal"],
            "msg.meeting_ends_before_starts"
        );
    }

    #[test]
    fn minutes_topics_skip_empty_rows_and_say_which_row_to_fix() {
        let pairs: Vec<(String, String)> = [
            ("topics", "3"),
            ("topic-1", "駅前の駐輪場"),
            ("said-1", "台数が足りない。"),
            ("response-1", ""),
            ("topic-2", ""),
            ("said-2", ""),
            ("topic-3", "公園"),
            ("said-3", "遊具を増やしてほしい。"),
            ("response-3", "来年度に検討します。"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut page = FormPage::default();
        let got = topics(&pairs, &mut page).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].response.as_deref(), Some("来年度に検討します。"));
        let mut bad = pairs.clone();
        bad.push(("said-2".into(), "話題のない発言".into()));
        bad.retain(|(k, v)| k != "said-2" || !v.is_empty());
        let mut page = FormPage::default();
        assert_eq!(topics(&bad, &mut page), None);
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["errors"]["topic-2"]["refusal"], "msg.required");
        assert_eq!(json["values"]["said-2"], "話題のない発言");
    }

    #[test]
    fn capacities_and_attendance_are_whole_numbers_in_range() {
        assert_eq!(capacity(""), Ok(None));
        assert_eq!(capacity(" 50人 "), Ok(Some(50)));
        assert!(capacity("0").is_err());
        assert!(capacity("100001").is_err());
        assert!(capacity("many").is_err());
        assert_eq!(attendance("４２"), Ok(42));
        assert_eq!(attendance("0"), Ok(0));
        assert!(attendance("").is_err());
        assert!(attendance("-1").is_err());
    }

    #[test]
    fn times_are_read_in_tokyo_within_the_city_s_years() {
        let at = datetime("2026-12-12T14:00", "label.meeting_starts_at", true)
            .unwrap()
            .unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-12T05:00:00+00:00");
        assert_eq!(datetime(" ", "label.meeting_starts_at", false), Ok(None));
        for far in ["-5000-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00"] {
            assert!(
                datetime(far, "label.meeting_starts_at", true).is_err(),
                "{far}"
            );
        }
    }

    #[test]
    fn refusals_read_in_japanese_and_in_english() {
        let wrong = datetime("tomorrow", "label.meeting_starts_at", true).unwrap_err();
        assert!(refusal(Lang::Ja, &wrong).contains("2026-12-12T14:00"));
        assert_english([
            wrong,
            capacity("0").unwrap_err(),
            attendance("x").unwrap_err(),
            attendance("").unwrap_err(),
            online_url("ftp://x").unwrap_err(),
            Refusal::new("msg.meeting_place_required"),
            Refusal::new("msg.meeting_ends_before_starts"),
            Refusal::new("msg.meeting_window_order"),
            Refusal::new("msg.meeting_consultation_unknown"),
            Refusal::required("label.meeting_title"),
            Refusal::required("label.meeting_description"),
            Refusal::required("label.meeting_ends_at"),
            Refusal::required("label.meeting_registration_opens_at"),
            Refusal::required("label.meeting_registration_closes_at"),
            Refusal::required("label.meeting_venue_name"),
            Refusal::required("label.meeting_venue_address"),
            Refusal::required("label.meeting_access_notes"),
            Refusal::required("label.meeting_online_url"),
            Refusal::required("label.meeting_accessibility_notes"),
            Refusal::required("label.meeting_topic"),
            Refusal::required("label.meeting_said"),
            Refusal::required("label.meeting_response"),
            Refusal::required("label.meeting_minutes_summary"),
            Refusal::required("label.meeting_cancel_reason"),
            Refusal::required("label.meeting_proposal"),
            Refusal::new("msg.meeting_proposal_unknown"),
            Refusal::new("msg.meeting_topic_unknown"),
            Refusal::new("msg.meeting_record_not_yet"),
            Refusal::new("msg.meeting_conflict"),
            Refusal::new("msg.meeting_not_changeable"),
            Refusal::new("msg.meeting_publish_past"),
            Refusal::new("msg.meeting_starts_past"),
            Refusal::new("msg.meeting_cancel_draft"),
            Refusal::new("msg.meeting_cancel_started"),
        ]);
    }
}
