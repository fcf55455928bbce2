//! The result of a closed consultation (意見募集の結果): the rows of the result table,
//! exclusions with their reason, and publication.

use super::work::{WorkForm, WorkPage};
use crate::auth::staff::Staff;
use crate::consultations::fields;
use crate::consultations::model::result::NewItem;
use crate::consultations::model::{self, Refused};
use crate::error::Result;
use crate::refusal::Refusal;
use crate::web::forms::{CsrfOnly, FormPage};
use crate::web::see_other;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// What the result-item form sends.
#[derive(Debug, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    response: String,
    #[serde(default)]
    changed: String,
    #[serde(default)]
    change: String,
    #[serde(default)]
    receipts: String,
    /// `yes` from the "save as draft" button.
    #[serde(default)]
    draft: String,
}

impl ItemForm {
    /// What was typed, kept in `page`; the row, if nothing in it is to be fixed.
    fn parse(&self, page: &mut FormPage) -> Option<NewItem> {
        for (field, value) in [
            ("summary", &self.summary),
            ("response", &self.response),
            ("changed", &self.changed),
            ("change", &self.change),
            ("receipts", &self.receipts),
        ] {
            page.keep(field, value);
        }
        let summary = page.check(
            "summary",
            fields::text(&self.summary, "label.opinion_summary", 4000, true),
        );
        let response = page.check(
            "response",
            fields::text(&self.response, "label.city_response", 4000, true),
        );
        let changed = page.check(
            "changed",
            match self.changed.as_str() {
                "yes" => Ok(true),
                "no" => Ok(false),
                _ => Err(Refusal::new("msg.change_choose")),
            },
        );
        let change = page.check(
            "change",
            fields::text(
                &self.change,
                "label.change_made",
                4000,
                changed == Some(true),
            ),
        );
        let receipts: Vec<String> = self
            .receipts
            .split([' ', ',', '、', '\n', '\r', '\u{3000}'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        let (Some(Some(summary)), Some(Some(response)), Some(changed), Some(change)) =
            (summary, response, changed, change)
        else {
            return None;
        };
        Some(NewItem {
            summary,
            response,
            changed,
            change: if changed { change } else { None },
            receipts,
            draft: self.draft == "yes",
        })
    }
}

/// `POST /staff/consultations/{id}/items`: a row of the result table and the opinions it
/// answers (by receipt number).
pub async fn add_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ItemForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (work, _) = WorkPage::posted(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    let Some(item) = f.parse(&mut page) else {
        return work.refused(WorkForm::Item, page).await;
    };
    work.apply(WorkForm::Item, page, "#result", move |conn, at, _| {
        model::result::add_item(conn, id, &item, at.now, at.actor, at.ip)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ExcludeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/consultations/{id}/exclude`: keeps an opinion out of the published result,
/// with the reason (e.g. it harms a third party).
pub async fn exclude(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<ExcludeForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (work, _) = WorkPage::posted(&req, &hb, &state, &staff, id, &f.csrf).await?;
    let mut page = FormPage::default();
    page.keep("receipt", &f.receipt).keep("reason", &f.reason);
    let receipt = page.check(
        "receipt",
        fields::text(&f.receipt, "label.receipt_number", 40, true),
    );
    let reason = page.check(
        "reason",
        fields::text(&f.reason, "label.exclusion_reason", 1000, true),
    );
    let (Some(Some(receipt)), Some(Some(reason))) = (receipt, reason) else {
        return work.refused(WorkForm::Exclude, page).await;
    };
    work.apply(WorkForm::Exclude, page, "#opinions", move |conn, at, _| {
        model::result::exclude(conn, id, &receipt, &reason, at.now, at.actor, at.ip)
    })
    .await
}

/// `POST /staff/consultations/{id}/publish`.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let (work, _) = WorkPage::posted(&req, &hb, &state, &staff, id, &form.csrf).await?;
    let outcome = work
        .run(move |conn, at, public_url| {
            model::result::publish(conn, id, at.now, at.actor, at.ip, public_url)
        })
        .await?;
    match outcome {
        // The published result, as the public sees it.
        Ok(()) => Ok(see_other(&format!("/consultations/{id}/result"))),
        Err(Refused { field, refusal }) => {
            let mut page = FormPage::default();
            page.refuse(field, refusal);
            work.refused(WorkForm::Publish, page).await
        }
    }
}
