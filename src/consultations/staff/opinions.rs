//! Opinions that came on paper (or by post, fax, email, at the counter), typed in by staff.

use super::work::{WorkForm, WorkPage};
use crate::auth::staff::Staff;
use crate::consultations::fields::{self, Channel, Paper, MAX_BODY};
use crate::consultations::handlers::{identity, section, Posted};
use crate::consultations::model;
use crate::consultations::period::parse_day;
use crate::error::Result;
use crate::web::forms::FormPage;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// What the paper-opinion form sends: the on-line form's fields, how and when it came, and
/// the address to send the receipt and the result to.
#[derive(Debug, Default, Deserialize)]
pub struct PaperForm {
    #[serde(flatten)]
    opinion: Posted,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    email: String,
}

impl PaperForm {
    /// What was typed, kept in `page`; the opinion, if nothing in it is to be fixed.
    fn parse(self, page: &mut FormPage, identity_required: bool) -> Option<Paper> {
        let PaperForm {
            opinion: p,
            channel,
            received_on,
            email,
        } = self;
        p.keep(page);
        page.keep("channel", &channel)
            .keep("received_on", &received_on)
            .keep("email", &email);
        let channel = page.check("channel", Channel::parse_offline(&channel));
        let received = page.check("received_on", parse_day(&received_on, "label.received_on"));
        let body = page.check(
            "body",
            fields::text(&p.body, "label.opinion", MAX_BODY, true),
        );
        let section = section(page, &p.section);
        let who = identity(
            page,
            identity_required,
            &p.name,
            &p.address,
            &p.organisation,
        );
        let email = page.check("email", fields::email(&email));
        let (
            Some(channel),
            Some(received),
            Some(Some(body)),
            Some(section),
            Some((name, address, organisation)),
            Some(email),
        ) = (channel, received, body, section, who, email)
        else {
            return None;
        };
        Some(Paper {
            channel,
            received,
            section,
            body,
            organisation,
            name,
            address,
            email,
        })
    }
}

/// `POST /staff/consultations/{id}/comments`: an opinion that came on paper (or by post, fax,
/// email, at the counter), typed in with the day it was received.
pub async fn enter(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    form: web::Form<PaperForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (work, consultation) =
        WorkPage::posted(&req, &hb, &state, &staff, id, &f.opinion.csrf).await?;
    let mut page = FormPage::default();
    let Some(paper) = f.parse(&mut page, consultation.identity_required) else {
        return work.refused(WorkForm::Paper, page).await;
    };
    work.apply(
        WorkForm::Paper,
        page,
        "#opinions",
        move |conn, at, public_url| {
            let opinion = paper.opinion(at);
            model::opinions::submit(conn, id, &opinion, at.now, at.ip, public_url)
        },
    )
    .await
}
