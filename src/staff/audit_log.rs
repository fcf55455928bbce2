//! `/staff/audit`: the audit log, newest first, filtered by person (actor email or id), record
//! (type and id) and date range (dates in Japan time), paginated.

use crate::auth::fields::Email;
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::error::Result;
use crate::refusal::Refusal;
use crate::staff::store::{self, Actor, AuditPage, AuditQuery, AuditRow};
use crate::wareki::jst;
use crate::web::forms::FormPage;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::page_number;
use crate::web::paging::Pager;
use crate::web::render_page_as;
use crate::web::staff_crumbs;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

const FIELD_MAX: usize = 254;

#[derive(Deserialize, Default)]
pub struct Filter {
    person: Option<String>,
    record_type: Option<String>,
    record_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

pub fn parse_person(raw: &str) -> Result<Option<Actor>, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = Uuid::parse_str(raw) {
        return Ok(Some(Actor::Id(id)));
    }
    Email::parse(raw)
        .map(|e| Some(Actor::Email(e.as_str().to_owned())))
        .map_err(|_| Refusal::new("msg.audit_person"))
}

/// The start of a day in Japan, in UTC.
fn day_start(date: NaiveDate) -> DateTime<Utc> {
    jst()
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("JST has no gaps")
        .with_timezone(&Utc)
}

/// A date `YYYY-MM-DD` (Japan time) → the moment the day starts, or, for the end of a range,
/// the moment the next day starts.
pub fn parse_date(raw: &str, end: bool) -> Result<Option<DateTime<Utc>>, Refusal> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        // chrono reads years PostgreSQL cannot compare (before 4713 BC): four digits only.
        .filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(|| Refusal::new("msg.audit_date"))?;
    let date = if end {
        date.succ_opt()
            .ok_or_else(|| Refusal::new("msg.date_out_of_range"))?
    } else {
        date
    };
    Ok(Some(day_start(date)))
}

/// 「254文字以内で入力してください。」
fn too_long() -> Refusal {
    Refusal::new("msg.at_most").with("max", FIELD_MAX)
}

fn bounded(raw: &str) -> Result<Option<String>, Refusal> {
    let raw = raw.trim();
    if raw.chars().count() > FIELD_MAX || raw.chars().any(char::is_control) {
        return Err(too_long());
    }
    Ok(Some(raw.to_owned()).filter(|s| !s.is_empty()))
}

#[derive(Serialize)]
struct EntryView {
    at: String,
    at_iso: String,
    actor: Option<String>,
    actor_id: Option<Uuid>,
    action: String,
    record: Option<String>,
    ip: Option<String>,
    details: Option<String>,
}

/// The filters as typed (kept on the form and in the pager's links) and, if all are valid,
/// the query they make.
fn parse_filter(
    f: Filter,
    page: i64,
) -> (FormPage, [(&'static str, String); 5], Option<AuditQuery>) {
    let raw = |v: Option<String>| v.unwrap_or_default();
    let params = [
        ("person", raw(f.person)),
        ("record_type", raw(f.record_type)),
        ("record_id", raw(f.record_id)),
        ("from", raw(f.from)),
        ("to", raw(f.to)),
    ];
    let [(_, person_raw), (_, type_raw), (_, id_raw), (_, from_raw), (_, to_raw)] = &params;
    let mut form = FormPage::default();
    for (name, value) in &params {
        form.keep(name, value);
    }
    let person = form.check(
        "person",
        if person_raw.chars().count() > FIELD_MAX {
            Err(too_long())
        } else {
            parse_person(person_raw)
        },
    );
    let record_type = form.check("record_type", bounded(type_raw));
    let record_id = form.check("record_id", bounded(id_raw));
    let from = form.check("from", parse_date(from_raw, false));
    let to = form.check("to", parse_date(to_raw, true));
    let query = match (person, record_type, record_id, from, to) {
        (Some(actor), Some(record_type), Some(record_id), Some(from), Some(to))
            if !form.has_errors() =>
        {
            Some(AuditQuery {
                actor,
                record_type,
                record_id,
                from,
                to,
                page,
            })
        }
        _ => None,
    };
    (form, params, query)
}

fn entry_view(row: AuditRow, names: &HashMap<Uuid, String>) -> EntryView {
    let (_, at, actor_id, action, record_type, record_id, ip, details) = row;
    let local = at.with_timezone(&jst());
    EntryView {
        at: local.format("%Y-%m-%d %H:%M:%S").to_string(),
        at_iso: crate::wareki::datetime_attr(&local),
        actor: actor_id.map(|id| names.get(&id).cloned().unwrap_or_else(|| id.to_string())),
        actor_id,
        action,
        record: match (record_type, record_id) {
            (Some(t), Some(id)) => Some(format!("{t} {id}")),
            (Some(t), None) => Some(t),
            _ => None,
        },
        ip,
        details: Some(details.to_string()).filter(|d| d != "{}" && d != "null"),
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    filter: web::Query<Filter>,
) -> Result<HttpResponse> {
    staff.require(Action::ReadAudit)?;
    let lang = Lang::of(&req);
    let filter = filter.into_inner();
    let number = page_number(filter.page.as_deref());
    let (form, params, query) = parse_filter(filter, number);
    let valid = !form.has_errors();
    let found = match query {
        Some(q) => state.db(move |conn| store::audit_log(conn, q)).await?,
        None => AuditPage::empty(),
    };
    let entries: Vec<EntryView> = found
        .rows
        .into_iter()
        .map(|row| entry_view(row, &found.names))
        .collect();
    let pager = Pager::new("/staff/audit", &params, number, found.more);
    let title = translate(lang, "staff.audit.title", &[]);
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let context = json!({ "entries": entries, "pager": pager, "form": form });
    render_page_as(
        &req,
        &hb,
        "staff/audit",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &context,
        status,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_by_id_or_email() {
        assert_eq!(parse_person(""), Ok(None));
        let id = Uuid::new_v4();
        assert_eq!(parse_person(&id.to_string()), Ok(Some(Actor::Id(id))));
        assert_eq!(
            parse_person(" Taro@Example.JP "),
            Ok(Some(Actor::Email("taro@example.jp".into())))
        );
        assert_eq!(
            parse_person("山田").unwrap_err(),
            Refusal::new("msg.audit_person")
        );
    }

    #[test]
    fn dates_are_days_in_japan() {
        assert_eq!(parse_date("", false), Ok(None));
        let from = parse_date("2026-11-25", false).unwrap().unwrap();
        assert_eq!(from.to_rfc3339(), "2026-11-24T15:00:00+00:00");
        let to = parse_date("2026-11-25", true).unwrap().unwrap();
        assert_eq!(to.to_rfc3339(), "2026-11-25T15:00:00+00:00");
        assert_eq!(
            parse_date("25/11/2026", false),
            Err(Refusal::new("msg.audit_date"))
        );
        assert!(parse_date("2026-02-30", false).is_err());
        assert!(
            parse_date("-50000-01-01", false).is_err(),
            "before PostgreSQL's range"
        );
    }

    #[test]
    fn other_fields_are_bounded() {
        assert_eq!(bounded("  "), Ok(None));
        assert_eq!(bounded(" account "), Ok(Some("account".into())));
        assert!(bounded(&"x".repeat(255)).is_err());
        assert!(bounded("a\u{0}").is_err());
    }

    #[test]
    fn every_refusal_has_english() {
        crate::web::i18n::assert_english([
            parse_person("山田").unwrap_err(),
            parse_date("25/11/2026", false).unwrap_err(),
            Refusal::new("msg.date_out_of_range"),
            too_long(),
        ]);
    }
}
