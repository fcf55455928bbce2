//! Interface strings in Japanese and English (`templates/i18n/*.toml`), and the page language.
//! Japanese is the default; a cookie set from the language switch chooses English.

use actix_web::HttpRequest;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson,
};
use std::collections::HashMap;
use std::sync::OnceLock;

pub const LANG_COOKIE: &str = "kyodo_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn of(req: &HttpRequest) -> Lang {
        req.cookie(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or(Lang::Ja)
    }
}

#[derive(rust_embed::RustEmbed)]
#[folder = "templates/i18n/"]
#[include = "*.toml"]
struct Files;

type Table = HashMap<String, String>;

/// Flattens nested tables into dotted keys, so files may write either style.
fn flatten(prefix: &str, value: &toml::Value, out: &mut Table) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, value, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

pub fn table(lang: Lang) -> &'static Table {
    static TABLES: OnceLock<HashMap<Lang, Table>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        Lang::ALL
            .into_iter()
            .map(|lang| {
                let file = Files::get(&format!("{}.toml", lang.code()))
                    .unwrap_or_else(|| panic!("templates/i18n/{}.toml is missing", lang.code()));
                let text = std::str::from_utf8(&file.data).expect("i18n files are UTF-8");
                let value: toml::Value = toml::from_str(text)
                    .unwrap_or_else(|e| panic!("templates/i18n/{}.toml: {e}", lang.code()));
                let mut table = Table::new();
                flatten("", &value, &mut table);
                (lang, table)
            })
            .collect()
    });
    &tables[&lang]
}

/// The translation of `key`, with `{name}` placeholders filled; the key itself when missing,
/// so a gap shows on the page instead of breaking it (a test keeps the files complete).
pub fn translate(lang: Lang, key: &str, params: &[(&str, String)]) -> String {
    let mut text = table(lang)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_owned());
    for (name, value) in params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// `{{t "key" name=value}}`, also usable as a subexpression `(t "key")`: the language comes
/// from the page's root `lang`.
pub struct TranslateHelper;

impl HelperDef for TranslateHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let key = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let lang = ctx
            .data()
            .get("lang")
            .and_then(|l| l.as_str())
            .and_then(Lang::parse)
            .unwrap_or(Lang::Ja);
        let params: Vec<(&str, String)> = h
            .hash()
            .iter()
            .map(|(name, value)| {
                let value = match value.value() {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (*name, value)
            })
            .collect();
        Ok(ScopedJson::Derived(serde_json::Value::String(translate(
            lang, key, &params,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let ja: std::collections::BTreeSet<_> = table(Lang::Ja).keys().collect();
        let en: std::collections::BTreeSet<_> = table(Lang::En).keys().collect();
        assert!(!ja.is_empty());
        let only_ja: Vec<_> = ja.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        assert!(
            only_ja.is_empty() && only_en.is_empty(),
            "only ja: {only_ja:?}, only en: {only_en:?}"
        );
    }

    #[test]
    fn translations_fill_placeholders_and_fall_back_to_the_key() {
        assert_eq!(translate(Lang::Ja, "no.such.key", &[]), "no.such.key");
        let table = table(Lang::Ja);
        if let Some((key, text)) = table.iter().find(|(_, v)| v.contains('{')) {
            let name = &text[text.find('{').unwrap() + 1..text.find('}').unwrap()];
            let filled = translate(Lang::Ja, key, &[(name, "42".into())]);
            assert!(filled.contains("42") && !filled.contains(&format!("{{{name}}}")));
        }
    }

    #[test]
    fn languages_parse_and_switch() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::Ja.other(), Lang::En);
        assert_eq!(Lang::En.other().code(), "ja");
    }
}
