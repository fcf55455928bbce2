//! The email templates of `templates/emails/`, compiled once.
//!
//! Every email `NAME` has, for every language `LANG`, three files:
//! `NAME.LANG.subject.hbs` (one line), `NAME.LANG.txt.hbs` (the text part, not HTML-escaped)
//! and `NAME.LANG.html.hbs` (the HTML part, escaped, inside the shared `_layout` partial).
//! Files starting with `_` are partials: `_layout` (HTML frame and footer), `_button` (a link
//! button with the plain address beside it) and `_footer` (the text footer).
//!
//! Besides the caller's context, every template sees `lang`, `to_name` (or null),
//! `unsubscribe_url` (or null: security emails have none), `security` and, in the HTML part,
//! `subject`.

use crate::error::{Error, Result};
use crate::web::i18n::Lang;
use handlebars::Handlebars;
use std::sync::OnceLock;

#[derive(rust_embed::RustEmbed)]
#[folder = "templates/emails/"]
#[include = "*.hbs"]
struct EmailFiles;

/// The emails the templates folder must provide, in every language.
pub const NAMES: [&str; 28] = [
    "verify",
    "reset",
    "account_exists",
    "reset_unknown",
    "email_change",
    "password_changed",
    "org_invitation",
    "org_verified",
    "proposal_update",
    "proposal_assigned",
    "proposal_submitted",
    "proposal_received",
    "proposal_comment",
    "comment_hidden",
    "comment_answered",
    "comment_reported",
    "consultation_receipt",
    "consultation_opened",
    "consultation_result",
    "consultation_notice",
    "meeting_registration",
    "meeting_reminder",
    "meeting_changed",
    "comment_auto_hidden",
    "comment_restored",
    "posting_blocked",
    "posting_unblocked",
    "digest",
];

/// The parts of a rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Two registries over the same files: one that escapes nothing (subject and text part) and
/// one that HTML-escapes (the HTML part).
struct Registries {
    text: Handlebars<'static>,
    html: Handlebars<'static>,
}

fn registry(escape: bool) -> std::result::Result<Handlebars<'static>, String> {
    let mut hb = Handlebars::new();
    // A field the template needs and the caller forgot is an error at enqueue, not a blank.
    hb.set_strict_mode(true);
    if !escape {
        hb.register_escape_fn(handlebars::no_escape);
    }
    for (name, helper) in crate::web::partials::helpers() {
        hb.register_helper(name, helper);
    }
    for file in EmailFiles::iter() {
        let data = EmailFiles::get(&file).ok_or_else(|| format!("{file} vanished"))?;
        let source = std::str::from_utf8(&data.data).map_err(|e| format!("{file}: {e}"))?;
        let name = file.trim_end_matches(".hbs");
        hb.register_template_string(name, source)
            .map_err(|e| format!("templates/emails/{file}: {e}"))?;
    }
    Ok(hb)
}

fn registries() -> Result<&'static Registries> {
    static REGISTRIES: OnceLock<std::result::Result<Registries, String>> = OnceLock::new();
    REGISTRIES
        .get_or_init(|| {
            Ok(Registries {
                text: registry(false)?,
                html: registry(true)?,
            })
        })
        .as_ref()
        .map_err(|e| Error::Internal(format!("email templates: {e}")))
}

/// Checks at start-up that every template compiles and every email exists in every language.
pub fn check() -> Result<()> {
    let registries = registries()?;
    for name in NAMES {
        for lang in Lang::ALL {
            for part in ["subject", "txt", "html"] {
                let template = format!("{name}.{}.{part}", lang.code());
                if !registries.text.has_template(&template) {
                    return Err(Error::Setup(format!(
                        "templates/emails/{template}.hbs is missing"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Renders email `name` in `lang`. `context` must be a JSON object; `extra` fields are added to
/// it (and win over the caller's).
pub fn render(
    name: &str,
    lang: Lang,
    context: &serde_json::Value,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<Rendered> {
    let registries = registries()?;
    let mut data = match context {
        serde_json::Value::Object(map) => map.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        other => {
            return Err(Error::Internal(format!(
                "email {name}: the context must be a JSON object, not {other}"
            )))
        }
    };
    data.extend(extra);
    data.insert("lang".into(), lang.code().into());
    let base = format!("{name}.{}", lang.code());
    if !registries.text.has_template(&format!("{base}.subject")) {
        return Err(Error::Internal(format!(
            "no email template templates/emails/{base}.subject.hbs"
        )));
    }
    let render = |hb: &Handlebars<'static>, part: &str, data: &serde_json::Map<_, _>| {
        hb.render(&format!("{base}.{part}"), data)
            .map_err(|e| Error::Internal(format!("rendering email {base}.{part}: {e}")))
    };
    let subject = render(&registries.text, "subject", &data)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = tidy_text(&render(&registries.text, "txt", &data)?);
    data.insert("subject".into(), subject.clone().into());
    let html = render(&registries.html, "html", &data)?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// Trailing spaces off every line, at most one blank line in a row, one newline at the end.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(name: &str) -> serde_json::Value {
        let mut sample = json!({
            "display_name": "本庄 花子 <b>",
            "link": "https://kyodo.example/verify?token=abc&x=1",
            "link_login": "https://kyodo.example/login",
            "link_reset": "https://kyodo.example/password/forgot",
            "link_signup": "https://kyodo.example/signup",
            "expires_hours": 24,
            "organisation": "本庄市国際交流協会 & 友の会",
            "inviter": "児玉 一郎",
            "name": name,
            "title": "空き店舗を使った子ども食堂",
            "state": "修正依頼中",
            "what": "修正の依頼がありました。",
            "extension": true,
            "body": "説明会の開催に合わせ、締切を延ばします。",
            "message": "予算の内訳を添えてください。",
            "next": "提案を修正して、再提出してください。",
            "resubmitted": false,
            "follower": false,
            "response": false,
            "commenter": "児玉 太郎",
            "excerpt": "ぜひ参加したいです。",
            "receipt": "PC-2026-0001-000001",
            "received": "令和8年12月1日",
            "closes": "令和8年12月30日",
            "reason": "個人の電話番号を含むため",
            "department": "市民活動推進課",
            "when": "令和8年12月12日（土）14:00〜16:00",
            "venue": "本庄市役所 7階大会議室 本庄市本庄3-5-3",
            "online_url": "https://meet.example.jp/room?id=1&p=2",
            "waiting": false,
            "promoted": false,
            "calendar": true,
            "cancel_url": null,
            "changes": "日時・会場",
            "cancelled": false,
            "until": "令和8年12月14日 12:00",
            "weekly": false,
            "count": 3,
            "inbox": "https://kyodo.example/account/notifications",
        });
        // The digest's groups (apart: one json! of it all exceeds the macro recursion limit).
        sample["groups"] = json!([
                { "proposal": "空き店舗を使った子ども食堂", "measure": null, "consultation": null,
                  "items": [{ "summary": "提案「空き店舗」に新しいコメント", "link": "https://kyodo.example/proposals/1", "at": "令和8年12月8日 09:00" },
                            { "summary": "提案「空き店舗」：受付", "link": null, "at": "令和8年12月8日 10:00" }] },
                { "proposal": null, "measure": "6-1 協働の推進", "consultation": null,
                  "items": [{ "summary": "あなたのコメントに市が回答しました", "link": "https://kyodo.example/measures/6-1", "at": "令和8年12月8日 11:00" }] },
        ]);
        sample
    }

    fn extra(unsubscribe: Option<&str>) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("to_name".into(), json!("本庄 花子"));
        m.insert("unsubscribe_url".into(), json!(unsubscribe));
        m.insert("security".into(), json!(unsubscribe.is_none()));
        m
    }

    /// An email file outside `NAMES` would be sent without its sample render nor its kind of
    /// notification (the notice of a correction once was).
    #[test]
    fn every_email_file_is_named() {
        for file in EmailFiles::iter() {
            let stem = file.split('.').next().unwrap_or_default();
            assert!(
                stem.starts_with('_') || NAMES.contains(&stem),
                "templates/emails/{file} is not in NAMES"
            );
        }
    }

    #[test]
    fn every_email_exists_in_every_language_and_renders() {
        check().unwrap();
        for name in NAMES {
            for lang in Lang::ALL {
                let r = render(name, lang, &sample(name), extra(None)).unwrap();
                assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{name}");
                assert!(r.text.contains("協働 Kyodo｜本庄市"), "{name} {lang:?}");
                assert!(r.html.contains("協働 Kyodo｜本庄市"), "{name} {lang:?}");
                assert!(
                    r.html.contains(&format!("<html lang=\"{}\">", lang.code())),
                    "{name}"
                );
                assert!(!r.text.contains("\n\n\n"), "{name}: {}", r.text);
                if let Ok(dir) = std::env::var("DUMP_EMAILS") {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(format!("{dir}/{name}.{lang:?}.txt"), &r.text).unwrap();
                    std::fs::write(format!("{dir}/{name}.{lang:?}.html"), &r.html).unwrap();
                }
                if lang == Lang::Ja {
                    assert!(r.subject.contains("協働 Kyodo"), "{}", r.subject);
                }
            }
        }
    }

    #[test]
    fn the_text_part_is_not_escaped_and_the_html_part_is() {
        let r = render("verify", Lang::Ja, &sample("verify"), extra(None)).unwrap();
        assert_eq!(r.subject, "【協働 Kyodo】アカウントの確認");
        assert!(r.text.starts_with("本庄 花子 <b> 様\n"), "{}", r.text);
        assert!(r
            .text
            .contains("\nhttps://kyodo.example/verify?token=abc&x=1\n"));
        assert!(r.text.contains("24時間"));
        assert!(r.html.contains("本庄 花子 &lt;b&gt; 様"));
        assert!(!r.html.contains("<b>"));
        assert!(r.html.contains("token&#x3D;abc&amp;x&#x3D;1"));
        let r = render(
            "org_invitation",
            Lang::Ja,
            &sample("org_invitation"),
            extra(None),
        )
        .unwrap();
        assert_eq!(
            r.subject,
            "【協働 Kyodo】団体「本庄市国際交流協会 & 友の会」への招待"
        );
    }

    #[test]
    fn security_emails_have_no_unsubscribe_link_and_notifications_do() {
        let url = "https://kyodo.example/unsubscribe/tok";
        let security = render("verify", Lang::Ja, &sample("verify"), extra(None)).unwrap();
        assert!(!security.text.contains("配信を停止"));
        assert!(!security.html.contains("配信を停止"));
        assert!(security.text.contains("お心当たりがない場合"));
        let notice = render(
            "org_verified",
            Lang::Ja,
            &sample("org_verified"),
            extra(Some(url)),
        )
        .unwrap();
        assert!(
            notice.text.contains(&format!("\n{url}\n")),
            "{}",
            notice.text
        );
        assert!(notice.html.contains(&format!("href=\"{url}\"")));
        let en = render(
            "org_verified",
            Lang::En,
            &sample("org_verified"),
            extra(Some(url)),
        )
        .unwrap();
        assert!(en.text.contains("unsubscribe") || en.text.contains("stop these emails"));
        assert!(en.text.ends_with("協働 Kyodo｜本庄市 (Honjo City)\n"));
    }

    #[test]
    fn a_missing_field_or_template_is_an_error() {
        let err = render("verify", Lang::Ja, &json!({"link": "x"}), extra(None)).unwrap_err();
        assert!(err.to_string().contains("verify.ja"), "{err}");
        assert!(render("nope", Lang::Ja, &json!({}), extra(None)).is_err());
        assert!(render("verify", Lang::Ja, &json!([1]), extra(None)).is_err());
    }

    #[test]
    fn text_is_tidied() {
        assert_eq!(tidy_text("\n a  \n\n\n\nb\n\n"), "a\n\nb\n");
    }
}
