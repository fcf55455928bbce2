//! Changes to an announced consultation before it closes, each with its public notice: a
//! correction of its text (正誤), a later deadline (締切の延長), its withdrawal (中止). Admins only.

use super::work::{WorkForm, WorkPage};
use crate::auth::staff::Staff;
use crate::consultations::fields;
use crate::consultations::lifecycle::{self, Correction};
use crate::consultations::period::parse_day;
use crate::error::Result;
use crate::web::forms::FormPage;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct CorrectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    sections: String,
    #[serde(default)]
    note: String,
}

impl CorrectForm {
    /// What was typed, kept in `page`; the correction, if nothing in it is to be fixed.
    fn parse(&self, page: &mut FormPage) -> Option<Correction> {
        for (field, value) in [
            ("title", &self.title),
            ("summary", &self.summary),
            ("sections", &self.sections),
            ("note", &self.note),
        ] {
            page.keep(field, value);
        }
        let title = page.check(
            "title",
            fields::text(&self.title, "label.consultation_title", 200, true),
        );
        let summary = page.check(
            "summary",
            fields::text(&self.summary, "label.summary", 4000, true),
        );
        let sections = page.check("sections", fields::sections(&self.sections));
        let note = page.check(
            "note",
            fields::text(&self.note, "label.correction_note", NOTICE_MAX, true),
        );
        let (Some(Some(title)), Some(Some(summary)), Some(sections), Some(Some(note))) =
            (title, summary, sections, note)
        else {
            return None;
        };
        Some(Correction {
            title,
            summary,
            sections,
            note,
        })
    }
}

/// `POST /staff/consultations/{id}/correct`: 正誤, with the note of what was corrected.
pub async fn correct(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CorrectForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let work = WorkPage::managed(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    let Some(correction) = f.parse(&mut page) else {
        return work.refused(WorkForm::Correct, page).await;
    };
    work.apply(WorkForm::Correct, page, "", move |conn, at, public_url| {
        lifecycle::correct(conn, id, &correction, at, public_url)
    })
    .await
}

/// The longest notice text (what was corrected, the reason), as the table allows.
const NOTICE_MAX: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/consultations/{id}/extend`: a later last day, with the reason.
pub async fn extend(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ExtendForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let work = WorkPage::managed(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    page.keep("closes_on", &f.closes_on)
        .keep("reason", &f.reason);
    let closes_on = page.check("closes_on", parse_day(&f.closes_on, "label.new_closes_on"));
    let reason = page.check(
        "reason",
        fields::text(&f.reason, "label.extension_reason", NOTICE_MAX, true),
    );
    let (Some(closes_on), Some(Some(reason))) = (closes_on, reason) else {
        return work.refused(WorkForm::Extend, page).await;
    };
    work.apply(WorkForm::Extend, page, "", move |conn, at, public_url| {
        lifecycle::extend(conn, id, closes_on, &reason, at, public_url)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/consultations/{id}/withdraw`: 中止, with the reason.
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let work = WorkPage::managed(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    page.keep("reason", &f.reason);
    let Some(Some(reason)) = page.check(
        "reason",
        fields::text(&f.reason, "label.withdrawal_reason", NOTICE_MAX, true),
    ) else {
        return work.refused(WorkForm::Withdraw, page).await;
    };
    work.apply(WorkForm::Withdraw, page, "", move |conn, at, public_url| {
        lifecycle::withdraw(conn, id, &reason, at, public_url)
    })
    .await
}
