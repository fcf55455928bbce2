//! The placeholders of an answer template (回答テンプレートの差し込み): `{氏名}` the person's name,
//! `{件名}` the title, `{施策}` the measure (or, typed on an English page, `{name}` `{title}`
//! `{measure}`). Pure: checked when a template is saved, filled when
//! staff pick it; a placeholder with nothing to put in stays as written, for staff to see and
//! edit before anything is saved.

use crate::refusal::Refusal;

/// One placeholder: its token as written in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Name,
    Title,
    Measure,
}

impl Placeholder {
    pub const ALL: [Placeholder; 3] = [Placeholder::Name, Placeholder::Title, Placeholder::Measure];

    /// The tokens, braces included: the Japanese one, and its ASCII alias.
    pub fn tokens(self) -> [&'static str; 2] {
        match self {
            Placeholder::Name => ["{氏名}", "{name}"],
            Placeholder::Title => ["{件名}", "{title}"],
            Placeholder::Measure => ["{施策}", "{measure}"],
        }
    }

    fn parse(token: &str) -> Option<Placeholder> {
        Placeholder::ALL
            .into_iter()
            .find(|p| p.tokens().contains(&token))
    }
}

/// What the placeholders stand for in one answer; `None` where this answer has nothing (then
/// the token stays).
#[derive(Debug, Clone, Default)]
pub struct Values<'a> {
    pub name: Option<&'a str>,
    pub title: Option<&'a str>,
    pub measure: Option<&'a str>,
}

impl Values<'_> {
    fn of(&self, placeholder: Placeholder) -> Option<&str> {
        match placeholder {
            Placeholder::Name => self.name,
            Placeholder::Title => self.title,
            Placeholder::Measure => self.measure,
        }
    }
}

/// A piece of a template: text, or a `{…}` token (known or not).
enum Piece<'a> {
    Text(&'a str),
    Token(&'a str),
}

/// Cuts `body` into text and `{…}` tokens. A `{` with no `}` after it (or another `{` first)
/// is text.
fn pieces(body: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find(['{', '}']) {
            Some(close) if after[close..].starts_with('}') => {
                out.push(Piece::Text(&rest[..open]));
                out.push(Piece::Token(&rest[open..open + close + 2]));
                rest = &after[close + 1..];
            }
            _ => {
                out.push(Piece::Text(&rest[..open + 1]));
                rest = after;
            }
        }
    }
    out.push(Piece::Text(rest));
    out
}

/// Refuses a template body with a `{…}` that is not one of [`Placeholder::ALL`], naming each
/// once in the order written.
pub fn check(body: &str) -> Result<(), Refusal> {
    let mut unknown: Vec<&str> = Vec::new();
    for piece in pieces(body) {
        if let Piece::Token(token) = piece {
            if Placeholder::parse(token).is_none() && !unknown.contains(&token) {
                unknown.push(token);
            }
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Refusal::new("msg.template_unknown_placeholder").with("names", unknown.join("、")))
    }
}

/// The template's text with its placeholders replaced by `values`; tokens without a value, and
/// unknown ones, stay as written.
pub fn fill(body: &str, values: &Values<'_>) -> String {
    pieces(body)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text,
            Piece::Token(token) => Placeholder::parse(token)
                .and_then(|p| values.of(p))
                .unwrap_or(token),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Values<'static> = Values {
        name: Some("本庄 花子"),
        title: Some("駅前に花壇を"),
        measure: Some("1-2-3 花と緑のまちづくり"),
    };

    #[test]
    fn every_placeholder_is_filled() {
        assert_eq!(
            fill("{氏名}様　ご提案「{件名}」は施策「{施策}」として{件名}…", &ALL),
            "本庄 花子様　ご提案「駅前に花壇を」は施策「1-2-3 花と緑のまちづくり」として駅前に花壇を…"
        );
        assert_eq!(
            fill("{name} {title} {measure}", &ALL),
            "本庄 花子 駅前に花壇を 1-2-3 花と緑のまちづくり"
        );
        assert_eq!(fill("", &ALL), "");
        assert_eq!(fill("差し込みなし", &ALL), "差し込みなし");
    }

    #[test]
    fn a_placeholder_without_a_value_stays_for_staff_to_edit() {
        let values = Values {
            title: Some("件名"),
            ..Values::default()
        };
        assert_eq!(
            fill("{氏名}様 {件名} {施策}", &values),
            "{氏名}様 件名 {施策}"
        );
    }

    #[test]
    fn stray_braces_are_text() {
        assert_eq!(fill("a{b", &ALL), "a{b");
        assert_eq!(fill("}{", &ALL), "}{");
        assert_eq!(fill("{{氏名}}", &ALL), "{本庄 花子}");
        assert_eq!(fill("{ {件名}", &ALL), "{ 駅前に花壇を");
        assert_eq!(fill("{不明}{氏名}", &ALL), "{不明}本庄 花子");
        assert!(check("a{b {").is_ok());
        assert!(check("a{b }").is_err());
        assert!(check("{{氏名}}").is_ok());
    }

    #[test]
    fn unknown_placeholders_are_refused_by_name_once() {
        assert_eq!(check("{氏名}{件名}{施策}"), Ok(()));
        assert_eq!(
            check("{名前}様 {件名} {日付} {名前}"),
            Err(Refusal::new("msg.template_unknown_placeholder").with("names", "{名前}、{日付}"))
        );
        assert_eq!(
            crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &check("{namae}").unwrap_err()),
            "使えない差し込み項目があります：{namae}。使えるのは {氏名} {件名} {施策} です。"
        );
        crate::web::i18n::assert_english([check("{x}").unwrap_err()]);
    }
}
