//! Opinions that came on paper (or by post, fax, email, at the counter), typed in by staff.

use super::work::{WorkForm, WorkPage};
use crate::auth::staff::Staff;
use crate::consultations::fields::{self, Channel, MAX_BODY};
use crate::consultations::handlers::{identity, section, Posted};
use crate::consultations::lifecycle::Change;
use crate::consultations::model;
use crate::consultations::model::opinions::Opinion;
use crate::consultations::period::{parse_day, start_of_day};
use crate::error::Result;
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate};
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
        let email = page.check(
            "email",
            fields::text(&email, "label.email", 254, false).and_then(|e| match e {
                Some(e) if e.parse::<lettre::Address>().is_err() => {
                    Err(Refusal::new("msg.email_malformed"))
                }
                e => Ok(e),
            }),
        );
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

/// A paper opinion as typed in.
struct Paper {
    channel: Channel,
    received: NaiveDate,
    section: Option<i32>,
    body: String,
    organisation: Option<String>,
    name: Option<String>,
    address: Option<String>,
    email: Option<String>,
}

impl Paper {
    /// The opinion as typed in by `at.actor`.
    fn opinion(self, at: Change) -> Opinion {
        Opinion {
            channel: self.channel,
            // The day it was received: noon in Tokyo, so that the day itself is what counts.
            received_at: (start_of_day(self.received) + Duration::hours(12)).min(at.now),
            section: self.section,
            body: self.body,
            account: None,
            organisation_name: self.organisation,
            submitter_name: self.name,
            submitter_address: self.address,
            submitter_email: self.email,
            entered_by: Some(at.actor),
        }
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
