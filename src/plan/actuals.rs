//! `/staff/kpis`: the measures with their KPIs; `/staff/kpis/{code}`: a form per KPI to record
//! an actual value (実績値) for a fiscal year. A second value for the same year replaces the
//! first (a correction); the public measure page and the API show the latest year at once.

use crate::auth::fields::optional_text;
use crate::auth::roles::Action;
use crate::auth::staff::Staff;
use crate::auth::staff::{get, post, StaffRoute};
use crate::error::{Error, Result};
use crate::plan::model::MeasureCode;
use crate::plan::quantity::Quantity;
use crate::plan::{queries, store, views};
use crate::refusal::Refusal;
use crate::web::forms::FormPage;
use crate::web::i18n::{translate, Lang};
use crate::web::render_page_as;
use crate::web::see_other;
use crate::web::staff_crumbs;
use crate::web::visitor::check_csrf;
use crate::web::AppState;
use crate::web::Templates;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The KPI actual value routes.
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/kpis", |r| r.to(list)),
    get("/staff/kpis/{code}", |r| r.to(show)),
    post("/staff/kpis/{code}", |r| r.to(record)),
];

pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;
pub const VALUE_MAX: usize = 30;
pub const SOURCE_MAX: usize = 200;
pub const NOTE_MAX: usize = 500;

/// Full-width digits and separators (２，９２７) as typed on a Japanese keyboard → ASCII.
fn half_width(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            '，' | '、' => ',',
            '．' => '.',
            '－' | '−' => '-',
            c => crate::web::forms::ascii_digit(c),
        })
        .collect()
}

/// A fiscal year written the Western way: `2024`.
pub fn parse_fiscal_year(raw: &str) -> Result<i32, Refusal> {
    let year = half_width(raw);
    if year.is_empty() {
        return Err(Refusal::new("msg.year_required"));
    }
    let year: i32 = year
        .parse()
        .ok()
        .filter(|_| year.chars().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| Refusal::new("msg.year_format"))?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(Refusal::new("msg.year_range")
            .with("first", FIRST_YEAR)
            .with("last", LAST_YEAR));
    }
    Ok(year)
}

/// A value as the city writes it: `2,927,767`, `82.31`, `-12`.
pub fn parse_value(raw: &str) -> Result<Quantity, Refusal> {
    let value = half_width(raw);
    if value.is_empty() {
        return Err(Refusal::required("label.actual"));
    }
    if value.chars().count() > VALUE_MAX {
        return Err(Refusal::new("msg.value_long").with("max", VALUE_MAX));
    }
    value
        .parse::<Quantity>()
        .map_err(|_| Refusal::new("msg.value_format"))
}

/// The source (出典) is required.
pub fn parse_source(raw: &str) -> Result<String, Refusal> {
    if raw.contains('\n') {
        return Err(Refusal::new("msg.source_one_line"));
    }
    optional_text(raw, "label.source", SOURCE_MAX)?
        .ok_or_else(|| Refusal::new("msg.source_required"))
}

pub fn parse_note(raw: &str) -> Result<Option<String>, Refusal> {
    optional_text(raw, "label.note", NOTE_MAX)
}

fn measure_code(raw: &str) -> Result<MeasureCode> {
    raw.parse().map_err(|_| Error::NotFound)
}

#[derive(Serialize)]
struct MeasureRow {
    code: String,
    title: String,
    kpis: Vec<KpiRow>,
}

#[derive(Serialize)]
struct KpiRow {
    name: String,
    latest: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::RecordKpiActuals { department: None })?;
    let lang = Lang::of(&req);
    let plan = state.db(queries::load).await?;
    let rows: Vec<MeasureRow> = plan
        .measures()
        .iter()
        .filter(|m| !m.kpis.is_empty())
        .map(|m| MeasureRow {
            code: m.measure.code.to_string(),
            title: m.measure.title.clone(),
            kpis: m
                .kpis
                .iter()
                .map(|k| KpiRow {
                    name: k.name.clone(),
                    latest: views::kpi(lang, k).latest_display,
                })
                .collect(),
        })
        .collect();
    let title = translate(lang, "staff.kpis.title", &[]);
    render_page_as(
        &req,
        &hb,
        "staff/kpis",
        &title,
        &staff_crumbs(lang, &[(&title, None)]),
        &json!({ "measures": rows }),
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The form that failed, by KPI id, with what was typed.
struct Failed {
    kpi: i32,
    form: FormPage,
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    hb: &Templates,
    code: MeasureCode,
    failed: Option<Failed>,
    done: Option<i32>,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    // Read fresh, not from the cache: behind a load balancer the value just recorded may have
    // been written by another instance, whose notification this one may not have heard yet.
    // Staff pages are few; public pages keep reading from memory.
    let plan = state.db(queries::load).await?;
    let detail = plan.measure(code)?;
    let status = if failed.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut failed = failed;
    let kpis: Vec<_> = detail
        .kpis
        .iter()
        .map(|k| {
            let form = match &failed {
                Some(f) if f.kpi == k.id => failed.take().map(|f| f.form).unwrap_or_default(),
                _ => FormPage::default(),
            };
            json!({
                "id": k.id,
                "ids": {
                    "fiscal_year": format!("kpi-{}-fiscal_year", k.id),
                    "value": format!("kpi-{}-value", k.id),
                    "source": format!("kpi-{}-source", k.id),
                    "note": format!("kpi-{}-note", k.id),
                },
                "view": views::kpi(lang, k),
                "form": form,
                "done": done == Some(k.id),
            })
        })
        .collect();
    let title = translate(
        lang,
        "staff.kpis.measure_title",
        &[
            ("code", code.to_string()),
            ("title", detail.measure.title.clone()),
        ],
    );
    let list = translate(lang, "staff.kpis.title", &[]);
    let context = json!({
        "code": code.to_string(),
        "measure_title": detail.measure.title,
        "public_href": views::measure_href(code),
        "kpis": kpis,
        "done": done.is_some(),
    });
    render_page_as(
        req,
        hb,
        "staff/kpi_measure",
        &title,
        &staff_crumbs(lang, &[(&list, Some("/staff/kpis".into())), (&title, None)]),
        &context,
        status,
    )
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    staff.require(Action::RecordKpiActuals { department: None })?;
    let code = measure_code(&path)?;
    let done = query.done.as_deref().and_then(|d| d.parse().ok());
    render(&req, &state, &hb, code, None, done).await
}

#[derive(Deserialize)]
pub struct ActualForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kpi: String,
    #[serde(default)]
    fiscal_year: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    note: String,
}

impl ActualForm {
    /// The typed values back for the form, and the actual value if all of them are valid.
    fn check(&self, kpi_id: i32) -> (FormPage, Option<store::Actual>) {
        let mut page = FormPage::default();
        page.keep("fiscal_year", &self.fiscal_year)
            .keep("value", &self.value)
            .keep("source", &self.source)
            .keep("note", &self.note);
        let year = page.check("fiscal_year", parse_fiscal_year(&self.fiscal_year));
        let value = page.check("value", parse_value(&self.value));
        let source = page.check("source", parse_source(&self.source));
        let note = page.check("note", parse_note(&self.note));
        let actual = match (year, value, source, note) {
            (Some(fiscal_year), Some(value), Some(source), Some(note)) => Some(store::Actual {
                kpi_id,
                fiscal_year,
                value,
                source,
                note,
            }),
            _ => None,
        };
        (page, actual)
    }
}

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<ActualForm>,
) -> Result<HttpResponse> {
    staff.require(Action::RecordKpiActuals { department: None })?;
    check_csrf(&req, &form.csrf)?;
    let code = measure_code(&path)?;
    let kpi_id: i32 = form
        .kpi
        .trim()
        .parse()
        .map_err(|_| Refusal::new("msg.kpi_missing"))?;
    if !state
        .db(move |conn| store::kpi_of_measure(conn, kpi_id, code))
        .await?
    {
        return Err(Error::NotFound);
    }
    let (page, actual) = form.check(kpi_id);
    let Some(actual) = actual else {
        let failed = Failed {
            kpi: kpi_id,
            form: page,
        };
        return render(&req, &state, &hb, code, Some(failed), None).await;
    };
    store::record_actual(&req, &state, staff.id(), code, actual).await?;
    Ok(see_other(&format!(
        "/staff/kpis/{code}?done={kpi_id}#kpi-{kpi_id}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_years_are_western_years_in_range() {
        assert_eq!(parse_fiscal_year(" 2024 "), Ok(2024));
        assert_eq!(parse_fiscal_year("２０２４"), Ok(2024));
        let ja = |r: Refusal| crate::web::i18n::refusal(Lang::Ja, &r);
        assert_eq!(
            parse_fiscal_year(""),
            Err(Refusal::new("msg.year_required"))
        );
        assert_eq!(
            parse_fiscal_year("令和6"),
            Err(Refusal::new("msg.year_format"))
        );
        assert_eq!(
            parse_fiscal_year("+2024"),
            Err(Refusal::new("msg.year_format"))
        );
        assert!(ja(parse_fiscal_year("1999").unwrap_err()).contains("2000から2100"));
        assert!(ja(parse_fiscal_year("2101").unwrap_err()).contains("2000から2100"));
        assert!(parse_fiscal_year("99999999999").is_err());
    }

    #[test]
    fn values_as_the_city_writes_them() {
        assert_eq!(parse_value("2,927,767").unwrap().to_string(), "2,927,767");
        assert_eq!(parse_value("８２．３１").unwrap().to_string(), "82.31");
        assert_eq!(parse_value("-12").unwrap().to_string(), "-12");
        assert_eq!(
            parse_value("").unwrap_err(),
            Refusal::required("label.actual")
        );
        assert_eq!(
            parse_value("abc").unwrap_err(),
            Refusal::new("msg.value_format")
        );
        assert_eq!(
            parse_value("46団体").unwrap_err(),
            Refusal::new("msg.value_format")
        );
        assert_eq!(
            crate::web::i18n::refusal(Lang::Ja, &parse_value(&"1".repeat(31)).unwrap_err()),
            "実績値は30文字以内の数字で入力してください。"
        );
    }

    #[test]
    fn sources_are_required_and_notes_optional() {
        assert_eq!(
            parse_source(" 埼玉県 NPO法人名簿 ").unwrap(),
            "埼玉県 NPO法人名簿"
        );
        assert_eq!(
            parse_source("").unwrap_err(),
            Refusal::new("msg.source_required")
        );
        assert_eq!(
            parse_source(&"あ".repeat(201)).unwrap_err(),
            Refusal::too_long("label.source", 200)
        );
        assert_eq!(
            parse_source("一行目\n二行目").unwrap_err(),
            Refusal::new("msg.source_one_line")
        );
        assert_eq!(parse_note("  "), Ok(None));
        assert_eq!(
            parse_note("年度末時点\n速報値"),
            Ok(Some("年度末時点\n速報値".into()))
        );
        assert_eq!(
            parse_note(&"あ".repeat(501)).unwrap_err(),
            Refusal::too_long("label.note", 500)
        );
    }

    #[test]
    fn every_refusal_has_english() {
        crate::web::i18n::assert_english([
            parse_fiscal_year("").unwrap_err(),
            parse_fiscal_year("令和6").unwrap_err(),
            parse_fiscal_year("1990").unwrap_err(),
            parse_value("").unwrap_err(),
            parse_value(&"1".repeat(40)).unwrap_err(),
            parse_value("八十").unwrap_err(),
            parse_source("").unwrap_err(),
            parse_source("a\nb").unwrap_err(),
            parse_note(&"あ".repeat(501)).unwrap_err(),
        ]);
    }
}
