//! What the consultation forms send, parsed once: the consultation itself (staff), a
//! submitted opinion (意見) and a paper opinion's channel and date. Pure: no database.

use super::lifecycle::Change;
use super::model::opinions::Opinion;
use super::model::Refused;
use super::period::{parse_day, start_of_day, Period};
use crate::refusal::Refusal;
use chrono::{Duration, NaiveDate};

/// The longest opinion, in characters.
pub const MAX_BODY: usize = 4000;

/// How an opinion reached the city (提出方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Web,
    Paper,
    Post,
    Fax,
    Email,
    Counter,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Web,
        Channel::Paper,
        Channel::Post,
        Channel::Fax,
        Channel::Email,
        Channel::Counter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Paper => "paper",
            Channel::Post => "post",
            Channel::Fax => "fax",
            Channel::Email => "email",
            Channel::Counter => "counter",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    /// A channel staff may enter by hand: every one but the web form.
    pub fn parse_offline(raw: &str) -> Result<Channel, Refusal> {
        Channel::parse(raw.trim())
            .filter(|c| *c != Channel::Web)
            .ok_or_else(|| Refusal::new("msg.channel_required"))
    }
}

/// A paper opinion as staff typed it in, or as a row of an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    pub channel: Channel,
    pub received: NaiveDate,
    pub section: Option<i32>,
    pub body: String,
    pub organisation: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub email: Option<String>,
}

impl Paper {
    /// The opinion as typed in (or imported) by `at.actor`.
    pub fn opinion(self, at: Change) -> Opinion {
        Opinion {
            channel: self.channel,
            // The day it was received: noon in Tokyo, so that the day itself is what counts.
            received_at: (start_of_day(self.received) + Duration::hours(12)).min(at.now),
            section: self.section,
            body: self.body,
            account: None,
            organisation_name: self.organisation,
            submitter_name: self.name,
            submitter_address: self.address,
            submitter_email: self.email,
            entered_by: Some(at.actor),
        }
    }
}

/// Trimmed text of at most `max` characters; `what` is the field's label key.
pub fn text(
    raw: &str,
    what: &'static str,
    max: usize,
    required: bool,
) -> Result<Option<String>, Refusal> {
    let value = raw.trim();
    if value.is_empty() {
        return if required {
            Err(Refusal::required(what))
        } else {
            Ok(None)
        };
    }
    let count = value.chars().count();
    if count > max {
        return Err(Refusal::new("msg.too_long_now_consultation")
            .label("what", what)
            .with("max", max)
            .with("count", count));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Refusal::bad_characters(what));
    }
    Ok(Some(value.to_owned()))
}

/// An optional email address to send the receipt and the result to.
pub fn email(raw: &str) -> Result<Option<String>, Refusal> {
    match text(raw, "label.email", 254, false)? {
        Some(e) if e.parse::<lettre::Address>().is_err() => {
            Err(Refusal::new("msg.email_malformed"))
        }
        e => Ok(e),
    }
}

/// One numbered section of a draft (案の項目).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub body: String,
}

/// The draft's sections from the staff form: each starts with a line `## 見出し`; the lines
/// after it, up to the next heading, are its text. Empty input: no sections.
pub fn sections(raw: &str) -> Result<Vec<Section>, Refusal> {
    let mut out: Vec<Section> = Vec::new();
    for line in raw.lines() {
        if let Some(heading) = line.trim_start().strip_prefix("## ") {
            let heading = text(heading, "label.section_heading", 200, true)?.unwrap_or_default();
            out.push(Section {
                heading,
                body: String::new(),
            });
        } else if let Some(section) = out.last_mut() {
            section.body.push_str(line.trim_end());
            section.body.push('\n');
        } else if !line.trim().is_empty() {
            return Err(Refusal::new("msg.sections_heading_first"));
        }
    }
    for section in &mut out {
        section.body = section.body.trim().to_owned();
        if section.body.chars().count() > 20000 {
            return Err(Refusal::new("msg.section_body_long").with("heading", &section.heading));
        }
    }
    Ok(out)
}

/// The period from the form's two dates and the reason for a short one. Each refusal belongs
/// to its field: `opens_on`, `closes_on` or `short_period_reason`.
pub fn period(
    opens_on: &str,
    closes_on: &str,
    reason: &str,
) -> Result<(Period, Option<String>), Refused> {
    let at = |field| move |refusal| Refused { field, refusal };
    let opens: NaiveDate = parse_day(opens_on, "label.opens_on").map_err(at("opens_on"))?;
    let closes: NaiveDate = parse_day(closes_on, "label.closes_on").map_err(at("closes_on"))?;
    let period = Period::new(opens, closes).map_err(at("closes_on"))?;
    let reason = period
        .short_reason(reason)
        .map_err(at("short_period_reason"))?;
    Ok((period, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_by_code() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(c));
        }
        assert_eq!(Channel::parse_offline(" fax "), Ok(Channel::Fax));
        assert!(Channel::parse_offline("web").is_err());
        assert!(Channel::parse_offline("pigeon").is_err());
    }

    #[test]
    fn text_is_trimmed_and_limited() {
        const WHAT: &str = "label.opinion";
        assert_eq!(text(" 意見 ", WHAT, 10, true), Ok(Some("意見".into())));
        assert_eq!(text("  ", WHAT, 10, false), Ok(None));
        assert_eq!(text("", WHAT, 10, true), Err(Refusal::required(WHAT)));
        let long = text(&"あ".repeat(11), WHAT, 10, true).unwrap_err();
        assert_eq!(
            crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &long),
            "意見は10文字以内で入力してください（いま11文字です）。"
        );
        assert_eq!(
            text("a\u{0}b", WHAT, 10, true),
            Err(Refusal::bad_characters(WHAT))
        );
        assert_eq!(
            text("一行\n二行", WHAT, 10, true),
            Ok(Some("一行\n二行".into()))
        );
    }

    #[test]
    fn sections_start_with_a_heading_line() {
        let parsed =
            sections("## 第1章 目的\n本計画は…\n\n二段落目\n## 第2章 内容\n施策を…\n").unwrap();
        assert_eq!(
            parsed,
            vec![
                Section {
                    heading: "第1章 目的".into(),
                    body: "本計画は…\n\n二段落目".into()
                },
                Section {
                    heading: "第2章 内容".into(),
                    body: "施策を…".into()
                },
            ]
        );
        assert_eq!(sections("\n  \n"), Ok(vec![]));
        assert!(sections("見出しのない本文").is_err());
        assert!(sections("## \n本文").is_err());
        assert!(sections(&format!("## 長い\n{}", "あ".repeat(20001))).is_err());
    }

    #[test]
    fn periods_name_the_field_at_fault() {
        let (p, reason) = period("2026-12-01", "2026-12-30", "").unwrap();
        assert_eq!((p.days(), reason), (30, None));
        let field = |opens, closes| period(opens, closes, "").unwrap_err().field;
        assert_eq!(field("", "2026-12-30"), "opens_on");
        assert_eq!(field("2026-12-01", ""), "closes_on");
        assert_eq!(field("2026-12-02", "2026-12-01"), "closes_on");
        assert_eq!(field("2026-12-01", "2026-12-10"), "short_period_reason");
        let (_, reason) = period("2026-12-01", "2026-12-10", "急ぐため").unwrap();
        assert_eq!(reason.as_deref(), Some("急ぐため"));
    }

    #[test]
    fn every_channel_and_refusal_has_its_texts() {
        use crate::web::i18n::{assert_english, assert_keys};
        assert_keys(
            "consultations.channel.",
            Channel::ALL.into_iter().map(|c| c.code()),
        );
        assert_english([
            text("", "label.opinion", 10, true).unwrap_err(),
            text(&"あ".repeat(11), "label.org_name", 10, true).unwrap_err(),
            Channel::parse_offline("web").unwrap_err(),
            sections("本文だけ").unwrap_err(),
            sections(&format!("## 1\n{}", "あ".repeat(20001))).unwrap_err(),
            text("", "label.section_heading", 200, true).unwrap_err(),
        ]);
    }
}
