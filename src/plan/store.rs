//! Writing the plan: the KPI actual values (実績値) staff record. A second value for the same
//! year replaces the first, and the audit row keeps the value it replaced. A write here also
//! tells this instance's [`super::cache`], so its pages show the change at once.

use super::model::MeasureCode;
use super::quantity::Quantity;
use crate::db::schema::{kpi_actuals as ka, kpis as k};
use crate::error::Result;
use crate::web::AppState;
use actix_web::HttpRequest;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

/// Whether the KPI is one of the measure's (a form posted to another measure's page is not).
pub fn kpi_of_measure(conn: &mut PgConnection, kpi_id: i32, code: MeasureCode) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        k::table
            .filter(k::id.eq(kpi_id))
            .filter(k::measure_code.eq(code.to_string())),
    ))
    .get_result::<bool>(conn)?)
}

/// One actual value for a fiscal year, as typed on the staff form.
pub struct Actual {
    pub kpi_id: i32,
    pub fiscal_year: i32,
    pub value: Quantity,
    pub source: String,
    pub note: Option<String>,
}

/// Records (or corrects) the year's value, then invalidates the kept plan: this instance
/// shows it on the next page, before the notification every instance hears.
pub async fn record_actual(
    req: &HttpRequest,
    state: &AppState,
    actor: Uuid,
    code: MeasureCode,
    actual: Actual,
) -> Result<()> {
    let ip = crate::web::proxy::client_ip(req);
    state
        .db(move |conn| write_actual(conn, ip.as_deref(), actor, code, actual))
        .await?;
    super::cache::of(req).changed();
    Ok(())
}

/// The year's value with its audit row, in one transaction.
fn write_actual(
    conn: &mut PgConnection,
    ip: Option<&str>,
    actor: Uuid,
    code: MeasureCode,
    actual: Actual,
) -> Result<()> {
    let Actual {
        kpi_id,
        fiscal_year: year,
        value,
        source,
        note,
    } = actual;
    conn.transaction(|conn| {
        let previous: Option<bigdecimal::BigDecimal> = ka::table
            .filter(ka::kpi_id.eq(kpi_id))
            .filter(ka::fiscal_year.eq(year))
            .select(ka::value)
            .for_update()
            .first(conn)
            .optional()?;
        diesel::insert_into(ka::table)
            .values((
                ka::kpi_id.eq(kpi_id),
                ka::fiscal_year.eq(year),
                ka::value.eq(value.value()),
                ka::source.eq(&source),
                ka::note.eq(&note),
                ka::recorded_by.eq(actor),
            ))
            .on_conflict((ka::kpi_id, ka::fiscal_year))
            .do_update()
            .set((
                ka::value.eq(value.value()),
                ka::source.eq(&source),
                ka::note.eq(&note),
                ka::recorded_by.eq(actor),
                ka::recorded_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
        crate::audit::staff_action(
            conn,
            ip,
            actor,
            "kpi.record_actual",
            Some(("kpi", kpi_id.to_string())),
            json!({
                "measure": code.to_string(),
                "fiscal_year": year,
                "value": value.value().to_plain_string(),
                "previous": previous.map(|p| p.to_plain_string()),
                "source": source,
                "note": note,
            }),
        )
    })
}
