//! Why something a person typed or asked for was refused: an i18n key of the `msg.*`
//! catalogue and the values of its placeholders, made into text in the visitor's language only
//! at the edge (`web::i18n::said`: a form's page, an error page, problem details). Rules and
//! stores say *what* was refused; they never write the sentence.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// A placeholder's value: text as it is (a number, a code, what the person typed), or the
/// i18n key of a field's name, translated with the message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arg {
    Text(String),
    Label(&'static str),
}

/// A refusal: `msg.*` key and placeholder values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Refusal {
    pub fn new(key: &'static str) -> Refusal {
        Refusal {
            key,
            args: Vec::new(),
        }
    }

    /// `{name}` is `value`, as it is.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Refusal {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// `{name}` is the field name under the i18n key `label` (`label.display_name`).
    pub fn label(mut self, name: &'static str, label: &'static str) -> Refusal {
        self.args.push((name, Arg::Label(label)));
        self
    }

    /// 「{what}を入力してください。」
    pub fn required(what: &'static str) -> Refusal {
        Refusal::new("msg.required").label("what", what)
    }

    /// 「{what}は{max}文字以内で入力してください。」
    pub fn too_long(what: &'static str, max: usize) -> Refusal {
        Refusal::new("msg.too_long")
            .label("what", what)
            .with("max", max)
    }

    /// 「{what}に使えない文字が含まれています。」
    pub fn bad_characters(what: &'static str) -> Refusal {
        Refusal::new("msg.bad_characters").label("what", what)
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }
}

/// For logs: `msg.required(what=label.title)`.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.key)?;
        for (i, (name, arg)) in self.args.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            match arg {
                Arg::Text(text) => write!(f, "{sep}{name}={text:?}")?,
                Arg::Label(key) => write!(f, "{sep}{name}={key}")?,
            }
        }
        write!(f, ")")
    }
}

/// Into templates as `{"refusal": key, "args": {name: {"text": …} | {"label": …}}}`, which
/// `{{msg …}}` translates in the page's language.
impl Serialize for Refusal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Args<'a>(&'a [(&'static str, Arg)]);
        impl Serialize for Args<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (name, arg) in self.0 {
                    map.serialize_entry(name, arg)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("refusal", self.key)?;
        map.serialize_entry("args", &Args(&self.args))?;
        map.end()
    }
}

/// A message for a person: a [`Refusal`], or Japanese text written where it was made (found
/// in the `msg.*` catalogue by that text at the edge) from before refusals had keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Message {
    Refusal(Refusal),
    Text(String),
}

impl From<Refusal> for Message {
    fn from(refusal: Refusal) -> Message {
        Message::Refusal(refusal)
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::Text(text.to_owned())
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Refusal(refusal) => refusal.fmt(f),
            Message::Text(text) => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reaches_templates_as_its_key_and_values() {
        let refusal = Refusal::new("msg.too_long")
            .label("what", "label.title")
            .with("max", 100);
        assert_eq!(
            serde_json::to_value(Message::from(refusal.clone())).unwrap(),
            serde_json::json!({
                "refusal": "msg.too_long",
                "args": {"what": {"label": "label.title"}, "max": {"text": "100"}},
            })
        );
        assert_eq!(
            refusal.to_string(),
            "msg.too_long(what=label.title, max=\"100\")"
        );
        assert_eq!(
            serde_json::to_value(Message::from("入力してください。")).unwrap(),
            "入力してください。"
        );
    }
}
