//! Citizen proposals through the real forms: written, acted on by their author, discussed,
//! and moved on by staff.

use super::people::resident;
use super::{csrf_of, TestApp, Visitor};

pub const SUMMARY: &str = "駅前の空き店舗で、月2回の子ども食堂を開きます。";
pub const ISSUE: &str = "共働き世帯が増え、子どもが一人で夕食をとる家庭があります。";
pub const PLAN: &str = "自治会と協力し、第2・第4土曜日に開催します。";

/// The title of the proposal of `submitted`.
const SUBMITTED: &str = "河川敷の清掃と生きもの観察会";

/// The fields of a complete new-proposal form.
pub fn fields<'a>(title: &'a str, measure: &'a str, budget: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("summary", SUMMARY),
        ("measures", measure),
        ("measure_other", ""),
        ("local_issue", ISSUE),
        ("activity_plan", PLAN),
        ("expected_effect", "子どもの孤食が減ります。"),
        ("partners", "駅北口自治会"),
        ("period", "令和9年4月〜令和10年3月"),
        ("budget", budget),
    ]
}

/// Writes a draft; returns its id.
pub async fn draft(visitor: &Visitor, title: &str, measure: &str) -> String {
    let response = visitor
        .submit(
            "/proposals/new",
            "/proposals/new",
            &fields(title, measure, "150,000円"),
        )
        .await;
    assert_eq!(response.status(), 303, "draft saved");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location
        .trim_start_matches("/proposals/")
        .trim_end_matches("/preview")
        .to_owned()
}

/// Presses the author's button `action` (submit, withdraw, resubmit …) on the proposal's page.
pub async fn act(visitor: &Visitor, id: &str, action: &str) -> reqwest::Response {
    visitor
        .submit(
            &format!("/proposals/{id}"),
            &format!("/proposals/{id}/{action}"),
            &[],
        )
        .await
}

/// A submitted proposal by 本庄花子 (signed in on the returned visitor); returns it and the id.
pub async fn submitted(app: &TestApp) -> (Visitor, String) {
    let hanako = app.visitor();
    resident(app, &hanako, "hanako@example.jp", "本庄花子").await;
    let id = draft(&hanako, SUBMITTED, "5-1").await;
    assert_eq!(act(&hanako, &id, "submit").await.status(), 303, "submit");
    (hanako, id)
}

/// Posts a comment (a reply when `parent` is given) from the proposal's page.
pub async fn comment(
    visitor: &Visitor,
    id: &str,
    body: &str,
    parent: Option<&str>,
) -> reqwest::Response {
    let mut fields = vec![("body", body)];
    if let Some(parent) = parent {
        fields.push(("parent", parent));
    }
    visitor
        .submit(
            &format!("/proposals/{id}"),
            &format!("/proposals/{id}/comments"),
            &fields,
        )
        .await
}

/// Opens the staff page of the proposal and posts `fields` to `/staff/proposals/{id}/{route}`
/// with the page's token and version.
pub async fn staff_act(
    visitor: &Visitor,
    id: &str,
    route: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (csrf, version) = staff_tokens(&visitor.page(&format!("/staff/proposals/{id}")).await);
    staff_post(visitor, id, route, &csrf, &version, fields).await
}

/// The CSRF token and the version of a staff page.
pub fn staff_tokens(html: &str) -> (String, String) {
    let marker = "name=\"version\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no version field in:\n{html}"))
        + marker.len();
    let version = html[start..].split('"').next().unwrap().to_owned();
    (csrf_of(html), version)
}

/// Posts `fields` to `/staff/proposals/{id}/{route}` with the token and version given.
pub async fn staff_post(
    visitor: &Visitor,
    id: &str,
    route: &str,
    csrf: &str,
    version: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut body: Vec<(&str, &str)> = vec![("csrf", csrf), ("version", version)];
    body.extend_from_slice(fields);
    visitor
        .client
        .post(visitor.url(&format!("/staff/proposals/{id}/{route}")))
        .form(&body)
        .send()
        .await
        .unwrap()
}
