//! The comment section of a page (a proposal's or a measure's) as template data, and the form
//! state it shows again after an error (text kept, the refusal said in the page's language). Comment text reaches
//! the page only through [`super::body_html`].

use super::policy::Category;
use super::{body_html, Comment, Cursor, Page};
use crate::auth::fields::shown_name;
use crate::refusal::Refusal;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::present::date;
use crate::web::visitor::Viewer;
use actix_web::{HttpMessage, HttpRequest};
use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// A report form as posted, shown again with its message.
#[derive(Debug, Clone)]
pub struct ReportForm {
    pub comment: Uuid,
    pub category: String,
    pub reason: String,
    pub error: Refusal,
}

/// The comment forms as posted (to show again after an error) and the page of comments shown.
#[derive(Debug, Default, Clone)]
pub struct CommentForm {
    pub body: String,
    pub parent: Option<Uuid>,
    pub organisation: String,
    pub error: Option<Refusal>,
    pub report: Option<ReportForm>,
    /// `?after=`: the page of comments to show.
    pub after: Option<Cursor>,
    /// `?reported=1`: the viewer's report was received (`again`: they had reported it before).
    pub reported: Option<&'static str>,
}

impl CommentForm {
    /// An empty form on the page of comments that `?after=` names (the first when absent); a
    /// malformed or out-of-range `after` is a 400, as the other lists' cursors are.
    fn at_page(req: &HttpRequest) -> crate::error::Result<CommentForm> {
        let query = actix_web::web::Query::<PageQuery>::from_query(req.query_string()).ok();
        let after = match query.as_ref().and_then(|q| q.after.as_deref()) {
            None | Some("") => None,
            Some(raw) => {
                Some(Cursor::parse(raw).ok_or_else(|| Refusal::new("msg.comment_cursor"))?)
            }
        };
        Ok(CommentForm {
            after,
            reported: match query.as_ref().and_then(|q| q.reported.as_deref()) {
                Some("1") => Some("comments.reported"),
                Some("again") => Some("comments.reported_again"),
                _ => None,
            },
            ..CommentForm::default()
        })
    }

    /// The form a refusal keeps in the request for the subject's page ([`super::hosts`]), or
    /// else an empty one at the page `?after=` names.
    pub fn of(req: &HttpRequest) -> crate::error::Result<CommentForm> {
        match req.extensions().get::<CommentForm>() {
            Some(kept) => Ok(kept.clone()),
            None => CommentForm::at_page(req),
        }
    }
}

#[derive(serde::Deserialize)]
struct PageQuery {
    after: Option<String>,
    reported: Option<String>,
}

/// What the section needs besides the comments.
pub struct Section<'a> {
    /// The subject's page, e.g. `/measures/5-1`.
    pub path: String,
    pub page: &'a Page,
    pub viewer: Option<&'a Viewer>,
    /// The verified organisations the viewer can post for.
    pub organisations: &'a [(Uuid, String)],
    pub form: &'a CommentForm,
    /// New comments wait for a moderator.
    pub premoderated: bool,
}

/// The notice in place of a hidden comment's text: hidden automatically (自動で非表示), or
/// with the moderator's reason.
pub fn hidden_notice(lang: Lang, c: &Comment) -> Option<String> {
    c.hidden.as_ref().map(|reason| {
        if c.auto_hidden {
            t(lang, "comments.hidden_automatically")
        } else {
            translate(lang, "comments.hidden", &[("reason", reason.clone())])
        }
    })
}

/// The report form's kinds as radio buttons, `checked` the one posted.
fn categories(lang: Lang, comment: &Uuid, checked: Option<&str>) -> Vec<Value> {
    Category::ALL
        .iter()
        .map(|c| {
            json!({
                "id": format!("report-{comment}-{}", c.as_str()),
                "value": c.as_str(),
                "label": t(lang, c.label()),
                "checked": checked == Some(c.as_str()),
            })
        })
        .collect()
}

fn comment_json(lang: Lang, c: &Comment, s: &Section<'_>) -> Value {
    let report = s.form.report.as_ref().filter(|r| r.comment == c.id);
    json!({
        "id": c.id.to_string(),
        "anchor": format!("comment-{}", c.id),
        "author": shown_name(lang, &c.author_name),
        "organisation": c.organisation.as_ref().map(|(id, name, verified)| json!({
            "name": name,
            "href": format!("/organisations/{id}"),
            "verified": verified,
            "badge": t(lang, if *verified { "proposals.org.verified" } else { "proposals.org.unverified" }),
        })),
        "city_answer": c.city_answer.as_ref().map(|d| translate(lang, "comments.city_answer", &[("department", d.clone())])),
        "date": date(lang, c.created_at),
        "datetime": crate::wareki::datetime_attr(&c.created_at),
        // Escaped, then linkified: the only comment text that reaches the page.
        "body_html": if c.hidden.is_some() { String::new() } else { body_html(&c.body) },
        "hidden": hidden_notice(lang, c),
        "pending": c.pending.then(|| t(lang, "comments.pending")),
        "report": (c.hidden.is_none() && !c.pending && s.viewer.is_some_and(Viewer::verified)).then(|| json!({
            "action": format!("/comments/{}/report", c.id),
            "id": format!("report-{}", c.id),
            "value": report.map(|r| r.reason.as_str()).unwrap_or(""),
            "error": report.map(|r| &r.error).filter(|e| e.key() != "msg.report_category"),
            "category_error": report.map(|r| &r.error).filter(|e| e.key() == "msg.report_category"),
            "categories": categories(lang, &c.id, report.map(|r| r.category.as_str())),
            "open": report.is_some(),
            "after": s.form.after.map(|c| c.to_string()),
        })),
    })
}

/// The section as template data: the page of comments with their replies, the forms, and the
/// link to the next page.
pub fn json(lang: Lang, s: &Section<'_>) -> Value {
    let form = s.form;
    let mut top: Vec<Value> = Vec::new();
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    for c in &s.page.top {
        let mut value = comment_json(lang, c, s);
        let replying = form.parent == Some(c.id);
        value["replies"] = json!([]);
        value["reply_form"] = json!({
            "id": format!("reply-{}", c.id),
            "parent": c.id.to_string(),
            "value": if replying { form.body.as_str() } else { "" },
            "error": if replying { form.error.clone() } else { None },
            "open": replying,
            "allowed": c.hidden.is_none() && !c.pending,
        });
        index.insert(c.id, top.len());
        top.push(value);
    }
    for c in &s.page.replies {
        if let Some(i) = c.parent_id.and_then(|p| index.get(&p)) {
            if let Some(Value::Array(replies)) = top[*i].get_mut("replies") {
                replies.push(comment_json(lang, c, s));
            }
        }
    }
    // A reply to a comment not on this page has no form of its own: its message shows at the
    // main form.
    let at_main = form.parent.is_none_or(|p| !index.contains_key(&p));
    json!({
        "signed_in": s.viewer.is_some(),
        "verified": s.viewer.is_some_and(Viewer::verified),
        "login_href": format!("/login?next={}", s.path),
        "comment_action": format!("{}/comments", s.path),
        "comments": top,
        "later": form.after.is_some(),
        "after": form.after.map(|c| c.to_string()),
        "reported": form.reported.map(|key| t(lang, key)),
        "first_href": format!("{}#comments", s.path),
        "next_href": s.page.next.map(|c| format!("{}?after={c}#comments", s.path)),
        "premoderated": s.premoderated,
        "form": {
            "value": if at_main { form.body.as_str() } else { "" },
            "error": if at_main { form.error.clone() } else { None },
            "organisations": s.organisations.iter().map(|(id, name)| json!({
                "id": id.to_string(), "name": name, "selected": form.organisation == id.to_string(),
            })).collect::<Vec<_>>(),
        },
    })
}
