//! What people type into organisation forms, parsed once into types that cannot be invalid.
//! Each error is the refusal shown next to the field.

use crate::auth::fields::has_control;
use crate::refusal::Refusal;
use serde::Serialize;

/// The kind of association (団体の種類).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 自治会
    Jichikai,
    /// NPO法人
    Npo,
    /// ボランティア団体
    Volunteer,
    /// 企業
    Company,
    /// 学校
    School,
    /// その他
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Jichikai,
        Kind::Npo,
        Kind::Volunteer,
        Kind::Company,
        Kind::School,
        Kind::Other,
    ];

    /// The code stored in the database and sent by forms.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Jichikai => "jichikai",
            Kind::Npo => "npo",
            Kind::Volunteer => "volunteer",
            Kind::Company => "company",
            Kind::School => "school",
            Kind::Other => "other",
        }
    }

    /// The i18n key of its label (`orgs.kind.jichikai` → 自治会 / Neighbourhood association).
    pub fn label_key(self) -> String {
        format!("orgs.kind.{}", self.code())
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn parse(raw: &str) -> Result<Kind, Refusal> {
        match raw.trim() {
            "" => Err(Refusal::new("msg.org_kind")),
            code => Kind::from_code(code).ok_or_else(|| Refusal::new("msg.org_kind_list")),
        }
    }
}

/// The organisation's name (団体名): one line, up to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Name, Refusal> {
        const WHAT: &str = "label.org_name";
        let name = raw.trim();
        if name.is_empty() {
            return Err(Refusal::required(WHAT));
        }
        if name.chars().count() > Name::MAX {
            return Err(Refusal::too_long(WHAT, Name::MAX));
        }
        if has_control(name) || name.contains(['\n', '\r', '\t']) {
            return Err(Refusal::bad_characters(WHAT));
        }
        Ok(Name(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the organisation does (活動内容): optional, up to 2000 characters, line breaks kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX: usize = 2000;

    pub fn parse(raw: &str) -> Result<Description, Refusal> {
        const WHAT: &str = "label.org_description";
        let text = raw.trim().replace("\r\n", "\n");
        if text.chars().count() > Description::MAX {
            return Err(Refusal::too_long(WHAT, Description::MAX));
        }
        if has_control(&text) {
            return Err(Refusal::bad_characters(WHAT));
        }
        Ok(Description(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The public contact (公開する連絡先): optional, one line, up to 200 characters. It is shown to
/// everyone, so the form says not to put private details there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact(String);

impl Contact {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Contact, Refusal> {
        const WHAT: &str = "label.org_contact";
        let text = raw.trim();
        if text.chars().count() > Contact::MAX {
            return Err(Refusal::too_long(WHAT, Contact::MAX));
        }
        if has_control(text) || text.contains(['\n', '\r', '\t']) {
            return Err(Refusal::bad_characters(WHAT));
        }
        Ok(Contact(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_reject_unknown_codes() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.code()), Ok(kind));
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
            assert!(kind.label_key().starts_with("orgs.kind."));
        }
        assert_eq!(Kind::parse(" npo "), Ok(Kind::Npo));
        assert_eq!(Kind::parse("").unwrap_err(), Refusal::new("msg.org_kind"));
        assert_eq!(
            Kind::parse("club").unwrap_err(),
            Refusal::new("msg.org_kind_list")
        );
        assert_eq!(serde_json::to_value(Kind::Jichikai).unwrap(), "jichikai");
    }

    #[test]
    fn names_are_one_bounded_line() {
        assert_eq!(
            Name::parse("  本庄駅北口自治会 ").unwrap().as_str(),
            "本庄駅北口自治会"
        );
        assert_eq!(
            Name::parse("   ").unwrap_err(),
            Refusal::required("label.org_name")
        );
        assert!(Name::parse(&"あ".repeat(100)).is_ok());
        assert_eq!(
            Name::parse(&"あ".repeat(101)).unwrap_err(),
            Refusal::too_long("label.org_name", 100)
        );
        assert!(Name::parse("一行目\n二行目").is_err());
        assert!(Name::parse("名前\u{7}").is_err());
    }

    #[test]
    fn descriptions_keep_line_breaks_and_are_bounded() {
        assert_eq!(Description::parse("").unwrap().as_str(), "");
        assert_eq!(
            Description::parse(" 清掃活動\r\n防犯パトロール ")
                .unwrap()
                .as_str(),
            "清掃活動\n防犯パトロール"
        );
        assert!(Description::parse(&"あ".repeat(2000)).is_ok());
        assert_eq!(
            Description::parse(&"あ".repeat(2001)).unwrap_err(),
            Refusal::too_long("label.org_description", 2000)
        );
        assert!(Description::parse("a\u{1b}b").is_err());
    }

    #[test]
    fn contacts_are_one_bounded_line() {
        assert_eq!(Contact::parse("").unwrap().as_str(), "");
        assert_eq!(
            Contact::parse(" info@example.jp ").unwrap().as_str(),
            "info@example.jp"
        );
        assert_eq!(
            Contact::parse(&"x".repeat(201)).unwrap_err(),
            Refusal::too_long("label.org_contact", 200)
        );
        assert!(Contact::parse("a\nb").is_err());
        assert!(Contact::parse("a\u{0}b").is_err());
    }

    #[test]
    fn every_kind_and_refusal_has_its_texts() {
        use crate::web::i18n::{assert_english, assert_keys};
        assert_keys("orgs.kind.", Kind::ALL.into_iter().map(|k| k.code()));
        let long = |n: usize| "あ".repeat(n);
        assert_english([
            Kind::parse("").unwrap_err(),
            Kind::parse("club").unwrap_err(),
            Name::parse("").unwrap_err(),
            Name::parse(&long(101)).unwrap_err(),
            Description::parse(&long(2001)).unwrap_err(),
            Contact::parse("a\u{7}").unwrap_err(),
        ]);
    }
}
