//! Public consultations (パブリックコメント) made by staff through the real forms, in Japan time.

use super::attachments::{pdf, post_multipart};
use super::{csrf_of, Visitor};
use chrono::{DateTime, TimeZone, Utc};

/// An instant given in Japan time.
pub fn jst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(9 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, s)
        .unwrap()
        .with_timezone(&Utc)
}

/// The sections of the consultation of `consultation_fields`.
pub const DRAFT: &str = "## 第1章 計画の目的\n市民と市が協働するための指針です。\n## 第2章 取組\n地域の担い手を育てます。";

/// The fields of a valid consultation of `department` from `opens` to `closes`.
pub fn consultation_fields(
    department: i32,
    opens: &str,
    closes: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("title", "本庄市協働推進指針（案）".into()),
        ("department", department.to_string()),
        ("measures", "6-1".into()),
        (
            "summary",
            "協働の進め方をまとめた指針の案について意見を募集します。".into(),
        ),
        ("sections", DRAFT.into()),
        ("opens_on", opens.into()),
        ("closes_on", closes.into()),
        ("short_period_reason", String::new()),
    ]
}

/// Posts `fields` (owned values, as `consultation_fields` makes them) from the form at `form_path`.
pub async fn post(
    visitor: &Visitor,
    form_path: &str,
    action: &str,
    fields: &[(&str, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    visitor.submit(form_path, action, &fields).await
}

/// The admin saves consultation 1 of `dept`, open from 1 to 30 December 2026, as a draft.
pub async fn save_december(admin: &Visitor, dept: i32) {
    let response = post(
        admin,
        "/staff/consultations/new",
        "/staff/consultations",
        &consultation_fields(dept, "2026-12-01", "2026-12-30"),
    )
    .await;
    assert_eq!(response.status(), 303);
}

/// The admin announces (公示) consultation `id`.
pub async fn announce(admin: &Visitor, id: i32) {
    let work = format!("/staff/consultations/{id}");
    let response = post(admin, &work, &format!("{work}/announce"), &[]).await;
    assert_eq!(response.status(), 303, "announced");
}

/// The admin saves consultation 1 of `dept` for December 2026 and announces it.
pub async fn create_december(admin: &Visitor, dept: i32) {
    save_december(admin, dept).await;
    announce(admin, 1).await;
}

/// Uploads a PDF called `name` to `action` with a token from the home page.
pub async fn upload(visitor: &Visitor, action: &str, name: &str) -> reqwest::Response {
    let csrf = csrf_of(&visitor.page("/").await);
    post_multipart(visitor, action, Some(&csrf), name, &pdf()).await
}
