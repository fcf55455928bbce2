//! Form pages: what was typed (never a password) goes back into the form, and each field's
//! message stands next to it.

use crate::refusal::{Message, Refusal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Serialize)]
pub struct FormPage {
    values: BTreeMap<String, String>,
    /// Translated by `{{msg …}}` in the page's language.
    errors: BTreeMap<String, Message>,
}

/// A form as first shown: nothing typed, no message.
pub static EMPTY_FORM: FormPage = FormPage {
    values: BTreeMap::new(),
    errors: BTreeMap::new(),
};

impl FormPage {
    /// Keeps a typed value to show again.
    pub fn keep(&mut self, field: &str, value: &str) -> &mut Self {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    /// The parsed value, or `None` with the message recorded for the field.
    pub fn check<T, M: Into<Message>>(&mut self, field: &str, parsed: Result<T, M>) -> Option<T> {
        parsed
            .map_err(|message| self.say(field, message.into()))
            .ok()
    }

    /// Records why the field was refused, unless it has a message already (the first is the
    /// one to fix).
    pub fn refuse(&mut self, field: &str, refusal: Refusal) {
        self.say(field, refusal.into());
    }

    fn say(&mut self, field: &str, message: Message) {
        self.errors.entry(field.to_owned()).or_insert(message);
    }

    /// The value kept for `field`, if any.
    pub fn value(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }

    pub fn is_untouched(&self) -> bool {
        self.values.is_empty() && self.errors.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_values_and_the_first_message_per_field() {
        let mut page = FormPage::default();
        page.keep("email", "taro@example");
        let refused = Refusal::new("msg.email_invalid");
        assert_eq!(page.check("email", Err::<(), _>(refused)), None);
        page.refuse("email", Refusal::new("msg.email_address_invalid"));
        assert_eq!(page.check("name", Ok::<_, Refusal>(5)), Some(5));
        page.refuse("kind", Refusal::new("msg.org_kind"));
        assert!(page.has_errors());
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json["values"]["email"], "taro@example");
        assert_eq!(json["errors"]["email"]["refusal"], "msg.email_invalid");
        assert_eq!(json["errors"]["kind"]["refusal"], "msg.org_kind");
        assert!(json["errors"].get("name").is_none());
    }
}

/// A form with nothing but its CSRF token (a button).
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// `?token=` of a link sent by email.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

/// A digit typed on a Japanese keyboard (full width, ２) as ASCII; any other character as is.
pub fn ascii_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        c => c,
    }
}
