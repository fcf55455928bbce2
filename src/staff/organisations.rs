//! `/staff/organisations`: organisations (団体), unverified ones first, with a button that
//! verifies one (`orgs::verify` records its own audit entry and emails the representative).

use crate::auth::accounts::Origin;
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::db::schema::{accounts as a, organisation_members as om, organisations as o};
use crate::error::{Error, Result};
use crate::orgs;
use crate::web::forms::CsrfOnly;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::PER_PAGE;
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

#[derive(Serialize)]
struct OrganisationRow {
    id: Uuid,
    name: String,
    kind: String,
    representative: Option<String>,
    created: String,
    verified: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::VerifyOrganisations)?;
    let lang = Lang::of(&req);
    type Row = (
        Uuid,
        String,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let rows: Vec<Row> = state
        .db(|conn| {
            Ok(o::table
                .left_join(
                    om::table.on(om::organisation_id
                        .eq(o::id)
                        .and(om::role.eq("representative"))),
                )
                .left_join(a::table.on(a::id.eq(om::account_id)))
                .order((o::verified_at.is_not_null(), o::created_at.desc()))
                .limit(PER_PAGE * 4)
                .select((
                    o::id,
                    o::name,
                    o::kind,
                    o::created_at,
                    o::verified_at,
                    a::display_name.nullable(),
                ))
                .load(conn)?)
        })
        .await?;
    let rows: Vec<OrganisationRow> = rows
        .into_iter()
        .map(
            |(id, name, kind, created_at, verified_at, representative)| OrganisationRow {
                id,
                name,
                kind: translate(
                    lang,
                    &orgs::Kind::from_code(&kind)
                        .unwrap_or(orgs::Kind::Other)
                        .label_key(),
                    &[],
                ),
                representative,
                created: crate::wareki::date_ja(created_at),
                verified: verified_at.map(crate::wareki::date_ja),
            },
        )
        .collect();
    let (unverified, verified): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|r| r.verified.is_none());
    let title = translate(lang, "staff.organisations.title", &[]);
    let done = query
        .done
        .as_deref()
        .filter(|d| *d == "verified")
        .map(|_| translate(lang, "staff.organisations.done", &[]));
    let context = json!({ "unverified": unverified, "verified": verified, "done": done });
    render_page_as(
        &req,
        &hb,
        "staff/organisations",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        StatusCode::OK,
    )
}

pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    staff.require(Action::VerifyOrganisations)?;
    check_csrf(&req, &form.csrf)?;
    let id = Uuid::parse_str(&path).map_err(|_| Error::NotFound)?;
    let (actor, origin) = (staff.id(), Origin::of(&req, &state));
    state
        .db(move |conn| orgs::verify(conn, actor, id, &origin))
        .await?;
    Ok(see_other("/staff/organisations?done=verified"))
}
