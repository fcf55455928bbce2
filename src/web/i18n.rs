//! Interface strings in Japanese and English (`templates/i18n/*.toml`), and the page language.
//! Japanese is the default; a cookie set from the language switch chooses English.

use crate::refusal::{Arg, Message, Refusal};
use actix_web::HttpRequest;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError, RenderErrorReason,
    ScopedJson,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

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

/// The text of `key`, without placeholders.
pub fn t(lang: Lang, key: &str) -> String {
    translate(lang, key, &[])
}

/// Every key asked for and missing since the process started, with its language: a test renders
/// every kind of page and email and asserts this stays empty, so a gap cannot hide on a page.
static MISSING: Mutex<BTreeSet<(&'static str, String)>> = Mutex::new(BTreeSet::new());

/// Records a gap once, with a warning in the log; bounded, as a message may hold what a person
/// typed.
fn record_missing(lang: Lang, what: String) {
    let mut missing = MISSING.lock().unwrap_or_else(|e| e.into_inner());
    if missing.len() < 1000 && !missing.contains(&(lang.code(), what.clone())) {
        tracing::warn!(lang = lang.code(), what = %what, "untranslated text");
        missing.insert((lang.code(), what));
    }
}

/// The keys [`translate`] was asked for and did not find, as `lang:key`, and the messages
/// [`message`] found no translation for, as `lang:message: text`.
pub fn missing_keys() -> Vec<String> {
    let missing = MISSING.lock().unwrap_or_else(|e| e.into_inner());
    missing
        .iter()
        .map(|(lang, key)| format!("{lang}:{key}"))
        .collect()
}

/// The translation of `key`, with `{name}` placeholders filled; the key itself when missing,
/// so a gap shows on the page instead of breaking it, and is logged and recorded for the tests.
/// With `count` = 1, a `{key}_one` text wins where the language has one (English singulars:
/// 「1 citizen proposal adopted」); Japanese needs none.
pub fn translate(lang: Lang, key: &str, params: &[(&str, String)]) -> String {
    let one = params
        .iter()
        .any(|(name, value)| *name == "count" && value == "1");
    let singular = one
        .then(|| table(lang).get(&format!("{key}_one")))
        .flatten();
    let mut text = match singular.or_else(|| table(lang).get(key)) {
        Some(text) => text.clone(),
        None => {
            record_missing(lang, key.to_owned());
            key.to_owned()
        }
    };
    for (name, value) in params {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// One catalogued message: its Japanese text cut at its `{name}` placeholders.
struct Pattern {
    key: String,
    /// Literal text before each placeholder, then after the last one.
    literals: Vec<String>,
    names: Vec<String>,
}

fn pattern(key: &str, ja: &str) -> Pattern {
    let mut literals = Vec::new();
    let mut names = Vec::new();
    let mut rest = ja;
    while let Some((before, after)) = rest.split_once('{') {
        let Some((name, after)) = after.split_once('}') else {
            break;
        };
        literals.push(before.to_owned());
        names.push(name.to_owned());
        rest = after;
    }
    literals.push(rest.to_owned());
    Pattern {
        key: key.to_owned(),
        literals,
        names,
    }
}

/// The placeholder values that make `text` out of `literals`, if any.
fn fill<'t>(text: &'t str, literals: &[String]) -> Option<Vec<&'t str>> {
    let (first, rest) = literals.split_first()?;
    let text = text.strip_prefix(first.as_str())?;
    let Some((next, _)) = rest.split_first() else {
        return text.is_empty().then(Vec::new);
    };
    // Each place the next literal occurs may end this value; the first that fits wins.
    let mut from = 0;
    loop {
        let at = from + text[from..].find(next.as_str())?;
        if let Some(mut values) = fill(&text[at..], rest) {
            values.insert(0, &text[..at]);
            return Some(values);
        }
        from = at + text[at..].chars().next()?.len_utf8();
    }
}

/// The catalogued messages (`msg.*`) and field names (`label.*`), longest text first so the
/// most specific wins.
fn patterns(prefix: &str) -> Vec<Pattern> {
    let mut list: Vec<Pattern> = table(Lang::Ja)
        .iter()
        .filter(|(key, _)| key.starts_with(prefix))
        .map(|(key, ja)| pattern(key, ja))
        .collect();
    list.sort_by_key(|p| {
        (
            std::cmp::Reverse(p.literals.iter().map(String::len).sum::<usize>()),
            p.key.clone(),
        )
    });
    list
}

/// A message shown to a person (a field's error, a form's refusal), written in Japanese where
/// it is made, in the page's language: found in the catalogue (`msg.*` in the language files,
/// the Japanese text as its identity, as gettext does) with its values, field names among them
/// (`label.*`), carried over. Japanese pages get it as it is; a message with no Japanese in it
/// is already translated; one missing from the catalogue is recorded like a missing key.
pub fn message(lang: Lang, text: &str) -> String {
    static MESSAGES: OnceLock<Vec<Pattern>> = OnceLock::new();
    static LABELS: OnceLock<Vec<Pattern>> = OnceLock::new();
    let japanese = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    };
    if lang == Lang::Ja || !japanese(text) {
        return text.to_owned();
    }
    let label = |value: &str| {
        LABELS
            .get_or_init(|| patterns("label."))
            .iter()
            .find(|p| p.literals.len() == 1 && p.literals[0] == value)
            .map(|p| translate(lang, &p.key, &[]))
            .unwrap_or_else(|| value.to_owned())
    };
    let found = MESSAGES
        .get_or_init(|| patterns("msg."))
        .iter()
        .find_map(|p| {
            fill(text, &p.literals).map(|values| {
                let params: Vec<(&str, String)> = p
                    .names
                    .iter()
                    .map(String::as_str)
                    .zip(values.into_iter().map(label))
                    .collect();
                translate(lang, &p.key, &params)
            })
        });
    found.unwrap_or_else(|| {
        record_missing(lang, format!("message: {text}"));
        text.to_owned()
    })
}

/// A helper whose text is made in the language of the page being rendered: `{{t …}}` and
/// `{{msg …}}` are each one of these.
pub struct PageHelper(pub fn(Lang, &Helper<'_>) -> Result<String, RenderError>);

impl HelperDef for PageHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        Ok(ScopedJson::Derived(serde_json::Value::String(self.0(
            page_lang(ctx),
            h,
        )?)))
    }
}

/// The language of the page being rendered (its root `lang`).
fn page_lang(ctx: &Context) -> Lang {
    ctx.data()
        .get("lang")
        .and_then(|l| l.as_str())
        .and_then(Lang::parse)
        .unwrap_or(Lang::Ja)
}

/// A refusal in `lang`: its key with its values, field names translated too.
pub fn refusal(lang: Lang, refusal: &Refusal) -> String {
    let params: Vec<(&str, String)> = refusal
        .args()
        .iter()
        .map(|(name, arg)| match arg {
            Arg::Text(text) => (*name, text.clone()),
            Arg::Label(key) => (*name, t(lang, key)),
        })
        .collect();
    translate(lang, refusal.key(), &params)
}

/// A message for a person in `lang`: a refusal by its key, older Japanese text through the
/// catalogue ([`message`]).
pub fn said(lang: Lang, said: &Message) -> String {
    match said {
        Message::Refusal(r) => refusal(lang, r),
        Message::Text(text) => message(lang, text),
    }
}

/// A refusal as templates receive it (`{"refusal": key, "args": {…}}`), in `lang`.
fn refusal_value(lang: Lang, value: &serde_json::Value) -> Option<String> {
    let key = value.get("refusal")?.as_str()?;
    let args = value.get("args")?.as_object()?;
    let params: Vec<(&str, String)> = args
        .iter()
        .map(|(name, arg)| {
            let text = match (arg.get("label"), arg.get("text")) {
                (Some(label), _) => t(lang, label.as_str().unwrap_or_default()),
                (None, text) => text.and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
            };
            (name.as_str(), text)
        })
        .collect();
    Some(translate(lang, key, &params))
}

/// `{{msg form.errors.name}}`: a field's message in the page's language: a refusal by its key,
/// older Japanese text through the catalogue ([`message`]).
pub fn message_helper(lang: Lang, h: &Helper<'_>) -> Result<String, RenderError> {
    let value = h.param(0).map(|p| p.value());
    if let Some(text) = value.and_then(|v| refusal_value(lang, v)) {
        return Ok(text);
    }
    let text = value.and_then(|v| v.as_str()).unwrap_or_default();
    Ok(message(lang, text))
}

/// `{{t "key" name=value}}`, also usable as a subexpression `(t "key")`.
pub fn translate_helper(lang: Lang, h: &Helper<'_>) -> Result<String, RenderError> {
    let key = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
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
    Ok(translate(lang, key, &params))
}

/// For tests: `prefix` followed by each code is a key in both languages, so a code met only on
/// one page (a state, a role, a `?done=` confirmation …) never shows as a raw key there.
#[cfg(test)]
pub fn assert_keys<'a>(prefix: &str, codes: impl IntoIterator<Item = &'a str>) {
    for code in codes {
        let key = format!("{prefix}{code}");
        for lang in Lang::ALL {
            assert!(table(lang).contains_key(&key), "{key} missing in {lang:?}");
        }
    }
}

/// For tests: each message is made in Japanese and has an English translation with no
/// Japanese left in it.
#[cfg(test)]
pub fn assert_english<M: Into<Message>>(messages: impl IntoIterator<Item = M>) {
    let japanese = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    };
    for message in messages {
        let message = message.into();
        let text = said(Lang::Ja, &message);
        assert!(japanese(&text), "not in Japanese: {message} → {text}");
        let english = said(Lang::En, &message);
        assert!(!japanese(&english), "{text} → {english}");
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
        assert!(missing_keys().contains(&"ja:no.such.key".to_owned()));
        let table = table(Lang::Ja);
        if let Some((key, text)) = table.iter().find(|(_, v)| v.contains('{')) {
            let name = &text[text.find('{').unwrap() + 1..text.find('}').unwrap()];
            let filled = translate(Lang::Ja, key, &[(name, "42".into())]);
            assert!(filled.contains("42") && !filled.contains(&format!("{{{name}}}")));
        }
    }

    #[test]
    fn english_says_one_in_the_singular() {
        let live = |lang, n: i64| translate(lang, "kpi.live", &[("count", n.to_string())]);
        assert_eq!(
            live(Lang::En, 1),
            "Kyodo's live count: 1 citizen proposal adopted"
        );
        assert_eq!(
            live(Lang::En, 2),
            "Kyodo's live count: 2 citizen proposals adopted"
        );
        assert_eq!(
            live(Lang::En, 0),
            "Kyodo's live count: 0 citizen proposals adopted"
        );
        assert_eq!(
            live(Lang::Ja, 1),
            "協働（Kyodo）での現在の件数：採択された市民提案 1 件"
        );
    }

    /// A singular exists only beside its plural, in English.
    #[test]
    fn every_singular_has_its_plural() {
        for lang in Lang::ALL {
            for key in table(lang).keys().filter(|k| k.ends_with("_one")) {
                let plural = key.trim_end_matches("_one");
                assert!(table(lang).contains_key(plural), "{key} without {plural}");
                assert!(
                    table(lang)[plural].contains("{count}"),
                    "{plural} has no count"
                );
            }
        }
    }

    #[test]
    fn messages_are_found_by_their_japanese_text_with_their_values() {
        let en = |text: &str| message(Lang::En, text);
        assert_eq!(
            en("メールアドレスを入力してください。"),
            "Email address is required."
        );
        assert_eq!(
            en("活動計画は4000文字以内で入力してください（現在4001文字）。"),
            "The activity plan must be at most 4000 characters (it has 4001)."
        );
        assert_eq!(
            en("施策「5-9」は計画にありません。番号を確かめてください。"),
            "Measure “5-9” is not in the plan. Please check the number."
        );
        // Japanese as it is; English already translated; an unknown message recorded.
        let ja = "メールアドレスを入力してください。";
        assert_eq!(message(Lang::Ja, ja), ja);
        assert_eq!(en("Wrong password."), "Wrong password.");
        assert_eq!(en("カタログにない文。"), "カタログにない文。");
        assert!(missing_keys().contains(&"en:message: カタログにない文。".to_owned()));
    }

    #[test]
    fn values_are_found_between_the_literals() {
        let literals = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(fill("abc", &literals(&["abc"])), Some(vec![]));
        assert_eq!(fill("abcd", &literals(&["abc"])), None);
        assert_eq!(fill("x=1", &literals(&["x=", ""])), Some(vec!["1"]));
        assert_eq!(fill("x=", &literals(&["x=", ""])), Some(vec![""]));
        // The first end that lets the rest match wins.
        assert_eq!(
            fill("a,b,c.", &literals(&["", ",", "."])),
            Some(vec!["a", "b,c"])
        );
        assert_eq!(
            fill("日本語は二", &literals(&["", "は", ""])),
            Some(vec!["日本語", "二"])
        );
        assert_eq!(fill("abc", &literals(&["", "z", ""])), None);
        assert_eq!(fill("", &literals(&["", "z"])), None);
    }

    #[test]
    fn languages_parse_and_switch() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::Ja.other(), Lang::En);
        assert_eq!(Lang::En.other().code(), "ja");
    }
}
