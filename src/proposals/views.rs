//! What the proposal pages show: proposals, their lists and timelines turned into the JSON the
//! templates print.

use super::model::{self, Listed, Proposal, Step};
use super::workflow::{self, Action, Actor, State};
use crate::auth::fields::shown_name;
use crate::web::i18n::t;
use crate::web::i18n::{translate, Lang};
use crate::web::present::{date, grouped, paragraphs};
use crate::web::visitor::Viewer;
use crate::web::Crumb;
use chrono::DateTime;
use serde_json::{json, Value};

pub(super) fn crumbs(lang: Lang, middle: Option<(&str, String)>, here: &str) -> Vec<Crumb> {
    crate::web::section_crumbs(lang, ("proposals.list.title", "/proposals"), middle, here)
}

pub(super) fn state_label(lang: Lang, state: State) -> String {
    t(lang, state.label_key())
}

fn org_json(lang: Lang, org: &model::OrgRef) -> Value {
    json!({
        "name": org.name,
        "href": format!("/organisations/{}", org.id),
        "verified": org.verified,
        "badge": t(lang, if org.verified { "proposals.org.verified" } else { "proposals.org.unverified" }),
    })
}

pub(super) fn listed_json(lang: Lang, p: &Listed) -> Value {
    json!({
        "href": format!("/proposals/{}", p.id),
        "title": p.title,
        "summary": p.summary,
        "state": p.state.as_str(),
        "state_label": state_label(lang, p.state),
        "author": shown_name(lang, &p.author_name),
        "organisation": p.organisation.as_ref().map(|o| org_json(lang, o)),
        "date": date(lang, p.created_at),
        "measures": p.measures.iter().map(|c| json!({ "code": c.to_string(), "href": format!("/measures/{c}") })).collect::<Vec<_>>(),
    })
}

pub(super) fn proposal_json(lang: Lang, p: &Proposal, timeline: &[Step]) -> Value {
    let section = |key: &str, text: &str| json!({ "heading": t(lang, &format!("proposals.field.{key}")), "paragraphs": paragraphs(text) });
    let sections: Vec<Value> = [
        ("local_issue", &p.local_issue),
        ("activity_plan", &p.activity_plan),
        ("expected_effect", &p.expected_effect),
        ("partners", &p.partners),
        ("period", &p.period),
    ]
    .into_iter()
    .filter(|(_, text)| !text.trim().is_empty())
    .map(|(key, text)| section(key, text))
    .collect();
    json!({
        "id": p.id.to_string(),
        "href": format!("/proposals/{}", p.id),
        "title": p.title,
        "summary": paragraphs(&p.summary),
        "state": p.state.as_str(),
        "state_label": state_label(lang, p.state),
        "author": shown_name(lang, &p.author_name),
        "on_paper": p.on_paper,
        "organisation": p.organisation.as_ref().map(|o| org_json(lang, o)),
        "created": date(lang, p.created_at),
        "budget": p.budget_yen.map(|y| translate(lang, "proposals.yen", &[("amount", grouped(y))])),
        "sections": sections,
        "version": p.version,
        "measures": p.measures.iter().map(|(code, title)| json!({
            "code": code.to_string(), "title": title, "href": format!("/measures/{code}"),
        })).collect::<Vec<_>>(),
        "timeline": timeline.iter().map(|s| json!({
            "label": state_label(lang, s.to),
            "action": t(lang, &format!("proposals.action.{}", s.action)),
            "date": date(lang, s.at),
            "datetime": crate::wareki::datetime_attr(&s.at),
            "reason": s.reason,
        })).collect::<Vec<_>>(),
    })
}

/// Public responses of the city join the timeline, in the order they happened.
pub(super) fn with_responses(
    lang: Lang,
    proposal: &mut Value,
    responses: &[super::review::Response],
) {
    if let Some(Value::Array(timeline)) = proposal.get_mut("timeline") {
        for r in responses {
            timeline.push(json!({
                "label": t(lang, "proposals.timeline.response"),
                "action": r.department.clone().unwrap_or_default(),
                "date": date(lang, r.at),
                "datetime": crate::wareki::datetime_attr(&r.at),
                "reason": r.body,
            }));
        }
        // A stable sort: transitions and responses of the same instant keep their order.
        timeline.sort_by_key(|step| {
            step["datetime"]
                .as_str()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        });
    }
}

/// The buttons the author sees: what the workflow allows them now.
pub(super) fn actions_json(lang: Lang, p: &Proposal, viewer: Option<&Viewer>) -> Vec<Value> {
    if viewer.map(|v| v.id) != Some(p.author_id) {
        return Vec::new();
    }
    workflow::available(p.state, Actor::Proposer)
        .into_iter()
        .map(|a| {
            json!({
                "action": format!("/proposals/{}/{}", p.id, a.as_str()),
                "label": t(lang, &format!("proposals.button.{}", a.as_str())),
                "secondary": a == Action::Withdraw,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_is_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_500_000), "1,500,000");
        assert_eq!(grouped(-12345), "-12,345");
    }
}
