//! Importing paper opinions from a file (紙の意見の一括取込), for the consultation's department
//! (and admins): upload an xlsx or CSV file, see every row with what is wrong with it, then
//! import the whole file at once, or nothing. The file is kept (its batch) from the preview to
//! the import, so what is imported is exactly what was previewed; the same file twice adds
//! nothing.

use super::authorise;
use crate::attachments::sniff::Refusal as UploadRefusal;
use crate::attachments::upload;
use crate::auth::staff::{get, post, Staff, StaffRoute};
use crate::consultations::imports::{self, Checked, Rules, COLUMNS, EXAMPLE};
use crate::consultations::model::imports::{self as store, Batch};
use crate::consultations::model::Consultation;
use crate::consultations::period::day_of;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::csv::{self, Encoding};
use crate::web::forms::CsrfOnly;
use crate::web::i18n::{t, Lang};
use crate::web::present::date_time;
use crate::web::sheet;
use crate::web::visitor::check_csrf;
use crate::web::{see_other, staff_crumbs, AppState, Templates};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

/// The staff routes of imports (the template before `{batch}`, which it would match).
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/consultations/{id}/imports", |r| r.to(list)),
    get("/staff/consultations/{id}/imports/template.csv", |r| {
        r.to(template)
    }),
    post("/staff/consultations/{id}/imports", |r| r.to(upload)),
    get("/staff/consultations/{id}/imports/{batch}", |r| {
        r.to(preview)
    }),
    post("/staff/consultations/{id}/imports/{batch}", |r| {
        r.to(import)
    }),
];

/// `GET /staff/consultations/{id}/imports`: the upload form and the files uploaded so far.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let consultation = authorise(&state, &staff, id.into_inner()).await?;
    list_page(&req, &hb, &state, &consultation, None, StatusCode::OK).await
}

/// The list page, saying why an upload was refused (400).
async fn list_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    c: &Consultation,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let id = c.id;
    let batches = state.db(move |conn| store::list(conn, id)).await?;
    let batches: Vec<Value> = batches.iter().map(|b| batch_json(lang, id, b)).collect();
    let title = t(lang, "staff.imports.title");
    crate::web::render_page_as(
        req,
        hb,
        "staff/consultation_imports",
        &title,
        &crumbs(lang, c, &title, None),
        &json!({
            "consultation": { "id": id, "title": c.title },
            "imports": format!("/staff/consultations/{id}/imports"),
            "batches": batches,
            "refusal": refusal,
            "columns": COLUMNS.iter().map(|c| json!({ "heading": c.heading, "required": c.required })).collect::<Vec<_>>(),
            "max": sheet::MAX_LABEL,
            "max_rows": sheet::MAX_ROWS,
        }),
        status,
    )
}

fn crumbs(
    lang: Lang,
    c: &Consultation,
    title: &str,
    batch: Option<&str>,
) -> Vec<crate::web::Crumb> {
    let list = t(lang, "staff.consultations.title");
    let imports = format!("/staff/consultations/{}/imports", c.id);
    let mut trail = vec![
        (list.as_str(), Some("/staff/consultations".to_owned())),
        (
            c.title.as_str(),
            Some(format!("/staff/consultations/{}", c.id)),
        ),
    ];
    match batch {
        Some(name) => {
            trail.push((title, Some(imports)));
            trail.push((name, None));
        }
        None => trail.push((title, None)),
    }
    staff_crumbs(lang, &trail)
}

fn batch_json(lang: Lang, consultation: i32, b: &Batch) -> Value {
    json!({
        "href": format!("/staff/consultations/{consultation}/imports/{}", b.id),
        "filename": b.filename,
        "sha256": &b.sha256[..12],
        "uploaded": date_time(lang, b.created_at),
        "imported": b.imported_at.map(|at| date_time(lang, at)),
        "importer": b.importer,
        "rows": b.row_count,
    })
}

/// `GET /staff/consultations/{id}/imports/template.csv`: the columns a file must have, with one
/// example row (UTF-8 with a byte order mark, so Excel opens it as it is).
pub async fn template(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = authorise(&state, &staff, id.into_inner()).await?.id;
    let headings = COLUMNS.iter().map(|c| c.heading);
    let rows: [Vec<&str>; 2] = [headings.collect(), EXAMPLE.to_vec()];
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={}", Encoding::Utf8Bom.charset()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"consultation-{id}-opinions.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv::encode(&csv::text(rows), Encoding::Utf8Bom)))
}

/// `POST /staff/consultations/{id}/imports`: keeps the file (a batch) and shows its preview.
/// Nothing is imported yet.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    id: web::Path<i32>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let c = authorise(&state, &staff, id.into_inner()).await?;
    let (name, bytes) = match upload::read_file(&req, payload, sheet::MAX_BYTES).await? {
        Ok(file) => file,
        Err(refused) => {
            let refusal = match refused {
                UploadRefusal::TooLarge => {
                    Refusal::new("msg.import_too_large").with("max", sheet::MAX_LABEL)
                }
                _ => Refusal::new("msg.import_empty"),
            };
            return list_page(
                &req,
                &hb,
                &state,
                &c,
                Some(refusal),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let (id, by) = (c.id, staff.id());
    let batch = state
        .db(move |conn| store::keep(conn, id, &name, &bytes, by))
        .await?;
    Ok(see_other(&format!(
        "/staff/consultations/{id}/imports/{batch}"
    )))
}

/// The batch of the consultation and its file read and checked row by row (or why it cannot
/// be read).
async fn checked(
    state: &AppState,
    c: &Consultation,
    batch: i64,
) -> Result<(Batch, std::result::Result<Checked, Refusal>)> {
    let id = c.id;
    let (found, context) = state
        .db(move |conn| Ok((store::find(conn, id, batch)?, store::context(conn, id)?)))
        .await?;
    let (batch, bytes) = found.ok_or(Error::NotFound)?;
    let (sections, known) = context;
    let rules = Rules {
        period: c.period,
        today: day_of(state.clock.now()),
        identity_required: c.identity_required,
        sections: &sections,
        known: &known,
    };
    let checked = sheet::read(&batch.filename, &bytes).and_then(|s| imports::check(&s, &rules));
    Ok((batch, checked))
}

/// `GET /staff/consultations/{id}/imports/{batch}`: every row with what is wrong with it.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i64)>,
) -> Result<HttpResponse> {
    let (id, batch) = path.into_inner();
    let c = authorise(&state, &staff, id).await?;
    preview_page(&req, &hb, &state, &c, batch, None, StatusCode::OK).await
}

/// The preview page; `refusal` says why an import was refused (400).
async fn preview_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    c: &Consultation,
    batch: i64,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let (batch, checked) = checked(state, c, batch).await?;
    let mut page = crate::imports::preview(&COLUMNS, &checked, batch.imported());
    page["consultation"] = json!({ "id": c.id, "title": c.title });
    page["imports"] = json!(format!("/staff/consultations/{}/imports", c.id));
    page["done_href"] = json!(format!("/staff/consultations/{}#opinions", c.id));
    page["batch"] = batch_json(lang, c.id, &batch);
    page["action"] = json!(format!(
        "/staff/consultations/{}/imports/{}",
        c.id, batch.id
    ));
    page["refusal"] = json!(refusal);
    let title = t(lang, "staff.imports.preview");
    crate::web::render_page_as(
        req,
        hb,
        "staff/consultation_import",
        &title,
        &crumbs(
            lang,
            c,
            &t(lang, "staff.imports.title"),
            Some(&batch.filename),
        ),
        &page,
        status,
    )
}

/// `POST /staff/consultations/{id}/imports/{batch}`: imports every row of the file, or none
/// (a file with any row to fix is refused). Importing it again adds nothing.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    path: web::Path<(i32, i64)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    let (id, batch) = path.into_inner();
    let c = authorise(&state, &staff, id).await?;
    check_csrf(&req, &form.csrf)?;
    let done = see_other(&format!("/staff/consultations/{id}/imports/{batch}"));
    let (found, checked) = checked(&state, &c, batch).await?;
    if found.imported() {
        return Ok(done);
    }
    let refused = |r: Refusal| {
        preview_page(
            &req,
            &hb,
            &state,
            &c,
            batch,
            Some(r),
            StatusCode::BAD_REQUEST,
        )
    };
    let papers = match checked.map(Checked::records) {
        Ok(Some(papers)) => papers,
        Ok(None) => return refused(Refusal::new("msg.import_has_errors")).await,
        Err(r) => return refused(r).await,
    };
    let (now, actor, ip) = (
        state.clock.now(),
        staff.id(),
        crate::web::proxy::client_ip(&req),
    );
    let public_url = state.public_url.clone();
    let result = state
        .db(move |conn| {
            let at = crate::consultations::lifecycle::Change {
                now,
                actor,
                ip: ip.as_deref(),
            };
            store::import(conn, id, batch, papers, at, &public_url)
        })
        .await;
    match result {
        Ok(_) => Ok(done),
        Err(Error::Refused(r)) => refused(r).await,
        Err(e) => Err(e),
    }
}
