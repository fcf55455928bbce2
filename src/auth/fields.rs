//! What people type into account forms, parsed once into types that cannot be invalid.
//! Each error is the refusal shown next to the field.

use crate::refusal::Refusal;
use std::fmt;

/// Characters nobody types on purpose: control characters (but not a textarea's line breaks).
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Email, Refusal> {
        const WHAT: &str = "label.email";
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Refusal::required(WHAT));
        }
        if email.chars().count() > Email::MAX {
            return Err(Refusal::too_long(WHAT, Email::MAX));
        }
        let invalid = || Refusal::new("msg.email_invalid");
        if has_control(&email) || email.chars().any(|c| c.is_whitespace() || !c.is_ascii()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown publicly beside what a person writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 50;

    pub fn parse(raw: &str) -> Result<DisplayName, Refusal> {
        const WHAT: &str = "label.display_name";
        let name = raw.trim();
        if name.is_empty() {
            return Err(Refusal::required(WHAT));
        }
        if name.chars().count() > DisplayName::MAX {
            return Err(Refusal::too_long(WHAT, DisplayName::MAX));
        }
        if has_control(name) || name.contains('\n') {
            return Err(Refusal::bad_characters(WHAT));
        }
        if name == DELETED_NAME {
            return Err(Refusal::new("msg.name_reserved"));
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a deleted account is shown as, beside what the person wrote.
pub const DELETED_NAME: &str = "退会したユーザー";

/// An author's name as a page shows it: a deleted account's placeholder in the page's language.
pub fn shown_name(lang: crate::web::i18n::Lang, name: &str) -> String {
    if name == DELETED_NAME {
        crate::web::i18n::t(lang, "proposals.deleted_author")
    } else {
        name.to_owned()
    }
}

/// The longest real name (氏名), address (住所) and phone number (電話番号) an account keeps.
pub const REAL_NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 200;
pub const PHONE_MAX: usize = 30;

/// Optional private text (real name, address, phone): trimmed, bounded, empty → None. `what`
/// is the field name's i18n key (`label.address`).
pub fn optional_text(raw: &str, what: &'static str, max: usize) -> Result<Option<String>, Refusal> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(Refusal::too_long(what, max));
    }
    if has_control(text) {
        return Err(Refusal::bad_characters(what));
    }
    Ok(Some(text.to_owned()))
}

/// A new password that meets the policy: long enough, not among the most common ones, not the
/// person's own email. Any characters are allowed, up to a generous maximum.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    pub const MIN: usize = 10;
    pub const MAX: usize = 256;

    pub fn parse(raw: &str, email: Option<&str>) -> Result<NewPassword, Refusal> {
        let length = raw.chars().count();
        if length < NewPassword::MIN {
            return Err(Refusal::new("msg.password_short").with("min", NewPassword::MIN));
        }
        if length > NewPassword::MAX {
            return Err(Refusal::new("msg.password_long").with("max", NewPassword::MAX));
        }
        let lower = raw.to_lowercase();
        let first = lower.chars().next().unwrap_or_default();
        let one_character = lower.chars().all(|c| c == first);
        let mentions_email = email
            .and_then(|e| e.split('@').next())
            .is_some_and(|local| local.len() >= 4 && lower.contains(local));
        if one_character || is_common(&lower) || mentions_email {
            return Err(Refusal::new("msg.password_common"));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The most common passwords (from the published breach top lists) and obvious local ones.
const COMMON: &str = include_str!("common-passwords.txt");

fn is_common(lower: &str) -> bool {
    COMMON
        .lines()
        .map(str::trim)
        .any(|common| !common.is_empty() && !common.starts_with('#') && common == lower)
        || "0123456789012345678901234567890".contains(lower)
        || "abcdefghijklmnopqrstuvwxyz".contains(lower)
        || "qwertyuiopasdfghjklzxcvbnm".contains(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Taro.Honjo@Example.JP ").unwrap().as_str(),
            "taro.honjo@example.jp"
        );
        assert_eq!(
            Email::parse("a+tag@city.honjo.saitama.jp")
                .unwrap()
                .to_string(),
            "a+tag@city.honjo.saitama.jp"
        );
        for bad in [
            "",
            "taro",
            "taro@",
            "@example.jp",
            "taro@example",
            "ta ro@example.jp",
            "taro@@example.jp",
            ".taro@example.jp",
            "ta..ro@example.jp",
            "taro@-example.jp",
            "太郎@example.jp",
            "taro@example.jp\u{0}",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Email::parse(&format!("{}@example.jp", "a".repeat(260))).unwrap_err(),
            Refusal::too_long("label.email", 254)
        );
        assert_eq!(
            Email::parse("").unwrap_err(),
            Refusal::required("label.email")
        );
    }

    #[test]
    fn display_names_are_bounded() {
        assert_eq!(
            DisplayName::parse(" ほんじょう太郎 ").unwrap().as_str(),
            "ほんじょう太郎"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert_eq!(
            DisplayName::parse(&"あ".repeat(51)).unwrap_err(),
            Refusal::too_long("label.display_name", 50)
        );
        assert!(DisplayName::parse("名前\u{7}").is_err());
        assert!(DisplayName::parse("一行目\n二行目").is_err());
        assert!(DisplayName::parse(DELETED_NAME).is_err());
    }

    #[test]
    fn optional_private_text() {
        assert_eq!(optional_text("  ", "label.address", 200), Ok(None));
        assert_eq!(
            optional_text(" 本庄市本庄3-5-3 ", "label.address", 200),
            Ok(Some("本庄市本庄3-5-3".into()))
        );
        assert_eq!(
            crate::web::i18n::refusal(
                crate::web::i18n::Lang::Ja,
                &optional_text(&"x".repeat(201), "label.address", 200).unwrap_err()
            ),
            "住所は200文字以内で入力してください。"
        );
        assert_eq!(
            optional_text("a\u{1b}b", "label.phone", 30).unwrap_err(),
            Refusal::bad_characters("label.phone")
        );
    }

    #[test]
    fn passwords_follow_the_policy() {
        assert!(NewPassword::parse("kawa-no-nagare-2026", None).is_ok());
        assert_eq!(
            NewPassword::parse("short", None).unwrap_err(),
            Refusal::new("msg.password_short").with("min", 10)
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(257), None).unwrap_err(),
            Refusal::new("msg.password_long").with("max", 256)
        );
        assert!(NewPassword::parse(&"長い日本語の合言葉もよい".repeat(5), None).is_ok());
        for weak in [
            "password123",
            "1234567890",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "PASSWORD1234",
            "iloveyou123",
        ] {
            assert!(NewPassword::parse(weak, None).is_err(), "{weak}");
        }
        assert!(NewPassword::parse("taro.honjo-secret", Some("taro.honjo@example.jp")).is_err());
        assert_eq!(
            NewPassword::parse("kawa-no-nagare-2026", None)
                .unwrap()
                .as_str(),
            "kawa-no-nagare-2026"
        );
    }

    #[test]
    fn every_refusal_has_english() {
        let long = |n: usize| "あ".repeat(n);
        crate::web::i18n::assert_english([
            Email::parse("").unwrap_err(),
            Email::parse("taro").unwrap_err(),
            Email::parse(&format!("{}@example.jp", "a".repeat(260))).unwrap_err(),
            DisplayName::parse("").unwrap_err(),
            DisplayName::parse(&long(51)).unwrap_err(),
            DisplayName::parse("a\u{7}b").unwrap_err(),
            DisplayName::parse(DELETED_NAME).unwrap_err(),
            optional_text(&long(101), "label.real_name", 100).unwrap_err(),
            optional_text("a\u{7}", "label.phone", 30).unwrap_err(),
            optional_text(&long(201), "label.address", 200).unwrap_err(),
            NewPassword::parse("short", None).unwrap_err(),
            NewPassword::parse(&"ab".repeat(200), None).unwrap_err(),
            NewPassword::parse("password123", None).unwrap_err(),
        ]);
    }
}
