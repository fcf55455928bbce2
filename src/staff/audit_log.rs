//! `/staff/audit`: the audit log, newest first, filtered by person (actor email or id), record
//! (type and id) and date range (dates in Japan time), paginated.

use crate::auth::fields::Email;
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::db::schema::{accounts as a, audit_log as l};
use crate::error::Result;
use crate::wareki::jst;
use crate::web::forms::FormPage;
use crate::web::i18n::{translate, Lang};
use crate::web::paging::page_number;
use crate::web::paging::Pager;
use crate::web::paging::PER_PAGE;
use crate::web::render_page_as;
use crate::web::staff_crumbs;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
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

/// Who the person filter names.
#[derive(Debug, Clone, PartialEq)]
pub enum Person {
    Id(Uuid),
    Email(String),
}

pub fn parse_person(raw: &str) -> Result<Option<Person>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = Uuid::parse_str(raw) {
        return Ok(Some(Person::Id(id)));
    }
    Email::parse(raw)
        .map(|e| Some(Person::Email(e.as_str().to_owned())))
        .map_err(|_| "利用者は、メールアドレスまたは ID で指定してください。".to_string())
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
pub fn parse_date(raw: &str, end: bool) -> Result<Option<DateTime<Utc>>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        // chrono reads years PostgreSQL cannot compare (before 4713 BC): four digits only.
        .filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(|| "日付は 2026-11-25 の形で入力してください。".to_string())?;
    let date = if end {
        date.succ_opt()
            .ok_or_else(|| "日付が範囲外です。".to_string())?
    } else {
        date
    };
    Ok(Some(day_start(date)))
}

fn bounded(raw: &str) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.chars().count() > FIELD_MAX || raw.chars().any(char::is_control) {
        return Err(format!("{FIELD_MAX}文字以内で入力してください。"));
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

type Row = (
    i64,
    DateTime<Utc>,
    Option<Uuid>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    serde_json::Value,
);

struct Query {
    person: Option<Person>,
    record_type: Option<String>,
    record_id: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    page: i64,
}

fn search(conn: &mut PgConnection, q: Query) -> Result<(Vec<Row>, bool, HashMap<Uuid, String>)> {
    let actor = match q.person {
        None => None,
        Some(Person::Id(id)) => Some(id),
        Some(Person::Email(email)) => match a::table
            .filter(a::email.eq(email))
            .select(a::id)
            .first::<Uuid>(conn)
            .optional()?
        {
            Some(id) => Some(id),
            None => return Ok((Vec::new(), false, HashMap::new())),
        },
    };
    let mut query = l::table
        .select((
            l::id,
            l::at,
            l::actor_id,
            l::action,
            l::record_type,
            l::record_id,
            l::ip,
            l::details,
        ))
        .order((l::at.desc(), l::id.desc()))
        .offset((q.page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
        .into_boxed();
    if let Some(actor) = actor {
        query = query.filter(l::actor_id.eq(actor));
    }
    if let Some(t) = q.record_type {
        query = query.filter(l::record_type.eq(t));
    }
    if let Some(id) = q.record_id {
        query = query.filter(l::record_id.eq(id));
    }
    if let Some(from) = q.from {
        query = query.filter(l::at.ge(from));
    }
    if let Some(to) = q.to {
        query = query.filter(l::at.lt(to));
    }
    let mut rows: Vec<Row> = query.load(conn)?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.2).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<Uuid, String> = a::table
        .filter(a::id.eq_any(&ids))
        .select((a::id, a::display_name))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect();
    Ok((rows, more, names))
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
    let f = filter.into_inner();
    let raw = |v: &Option<String>| v.clone().unwrap_or_default();
    let (person_raw, type_raw, id_raw, from_raw, to_raw) = (
        raw(&f.person),
        raw(&f.record_type),
        raw(&f.record_id),
        raw(&f.from),
        raw(&f.to),
    );
    let mut form = FormPage::default();
    form.keep("person", &person_raw)
        .keep("record_type", &type_raw)
        .keep("record_id", &id_raw)
        .keep("from", &from_raw)
        .keep("to", &to_raw);
    let person = form.check(
        "person",
        if person_raw.chars().count() > FIELD_MAX {
            Err(format!("{FIELD_MAX}文字以内で入力してください。"))
        } else {
            parse_person(&person_raw)
        },
    );
    let record_type = form.check("record_type", bounded(&type_raw));
    let record_id = form.check("record_id", bounded(&id_raw));
    let from = form.check("from", parse_date(&from_raw, false));
    let to = form.check("to", parse_date(&to_raw, true));
    let number = page_number(f.page.as_deref());
    let valid = !form.has_errors();
    let (rows, more, names) = match (person, record_type, record_id, from, to) {
        (Some(person), Some(record_type), Some(record_id), Some(from), Some(to)) if valid => {
            let q = Query {
                person,
                record_type,
                record_id,
                from,
                to,
                page: number,
            };
            state.db(move |conn| search(conn, q)).await?
        }
        _ => (Vec::new(), false, HashMap::new()),
    };
    let entries: Vec<EntryView> = rows
        .into_iter()
        .map(
            |(_, at, actor_id, action, record_type, record_id, ip, details)| {
                let local = at.with_timezone(&jst());
                EntryView {
                    at: local.format("%Y-%m-%d %H:%M:%S").to_string(),
                    at_iso: crate::wareki::datetime_attr(&local),
                    actor: actor_id
                        .map(|id| names.get(&id).cloned().unwrap_or_else(|| id.to_string())),
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
            },
        )
        .collect();
    let params = [
        ("person", person_raw),
        ("record_type", type_raw),
        ("record_id", id_raw),
        ("from", from_raw),
        ("to", to_raw),
    ];
    let pager = Pager::new("/staff/audit", &params, number, more);
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
        assert_eq!(parse_person(&id.to_string()), Ok(Some(Person::Id(id))));
        assert_eq!(
            parse_person(" Taro@Example.JP "),
            Ok(Some(Person::Email("taro@example.jp".into())))
        );
        assert!(parse_person("山田")
            .unwrap_err()
            .contains("メールアドレスまたは ID"));
    }

    #[test]
    fn dates_are_days_in_japan() {
        assert_eq!(parse_date("", false), Ok(None));
        let from = parse_date("2026-11-25", false).unwrap().unwrap();
        assert_eq!(from.to_rfc3339(), "2026-11-24T15:00:00+00:00");
        let to = parse_date("2026-11-25", true).unwrap().unwrap();
        assert_eq!(to.to_rfc3339(), "2026-11-25T15:00:00+00:00");
        assert!(parse_date("25/11/2026", false)
            .unwrap_err()
            .contains("2026-11-25"));
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
}
