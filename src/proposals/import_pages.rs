//! Importing proposals received on paper from a file (紙の提案の一括取込), for reviewers (the
//! measures of their departments) and admins (every measure): upload an xlsx or CSV file, see
//! every row with what is wrong with it, then import the whole file at once, or nothing. The
//! file is kept (its batch) from the preview to the import, so what is imported is exactly what
//! was previewed; the same file twice adds nothing. A reviewer sees the files they uploaded.

use super::import_store::{self as store, Importer, Uploader};
use super::imports::{self, Checked, Rules, COLUMNS, EXAMPLE};
use super::review::reviewed_departments;
use crate::attachments::sniff::Refusal as UploadRefusal;
use crate::attachments::upload;
use crate::auth::roles::{refused, Action};
use crate::auth::staff::{get, post, Staff, StaffRoute};
use crate::error::{Error, Result};
use crate::imports::Batch;
use crate::refusal::Refusal;
use crate::wareki::day_of;
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

const BASE: &str = "/staff/proposals/imports";

/// The staff routes of paper proposals (the template before `{batch}`, which it would match;
/// chained before `/staff/proposals/{id}`, which would match them all).
pub const STAFF_ROUTES: &[StaffRoute] = &[
    get("/staff/proposals/imports", |r| r.to(list)),
    get("/staff/proposals/imports/template.csv", |r| r.to(template)),
    post("/staff/proposals/imports", |r| r.to(upload)),
    get("/staff/proposals/imports/{batch}", |r| r.to(preview)),
    post("/staff/proposals/imports/{batch}", |r| r.to(import)),
];

/// Who may import: a reviewer (of their departments' measures) or an admin (`None`: every
/// measure). Anyone else is refused.
fn scope(staff: &Staff) -> Result<Option<Vec<i32>>> {
    let scope = reviewed_departments(&staff.grants);
    if scope.as_ref().is_some_and(Vec::is_empty) {
        return Err(Error::forbidden(refused(Action::ReviewProposals {
            department: 0,
        })));
    }
    Ok(scope)
}

/// The batches this person sees: an admin every one, a reviewer their own.
fn sees(staff: &Staff, scope: &Option<Vec<i32>>) -> Uploader {
    scope.as_ref().map(|_| staff.id())
}

/// `GET /staff/proposals/imports`: the upload form and the files uploaded so far.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    let scope = scope(&staff)?;
    list_page(
        &req,
        &hb,
        &state,
        sees(&staff, &scope),
        None,
        StatusCode::OK,
    )
    .await
}

/// The list page, saying why an upload was refused (400).
async fn list_page(
    req: &HttpRequest,
    hb: &Templates,
    state: &AppState,
    sees: Uploader,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> Result<HttpResponse> {
    let lang = Lang::of(req);
    let batches = state.db(move |conn| store::list(conn, sees)).await?;
    let batches: Vec<Value> = batches.iter().map(|b| batch_json(lang, b)).collect();
    let title = t(lang, "staff.proposal_imports.title");
    crate::web::render_page_as(
        req,
        hb,
        "staff/proposal_imports",
        &title,
        &crumbs(lang, &title, None),
        &json!({
            "imports": BASE,
            "batches": batches,
            "refusal": refusal,
            "columns": COLUMNS.iter().map(|c| json!({ "heading": c.heading, "required": c.required })).collect::<Vec<_>>(),
            "max": sheet::MAX_LABEL,
            "max_rows": sheet::MAX_ROWS,
        }),
        status,
    )
}

fn crumbs(lang: Lang, title: &str, batch: Option<&str>) -> Vec<crate::web::Crumb> {
    let queue = t(lang, "staff.proposals.title");
    let mut trail = vec![(queue.as_str(), Some("/staff/proposals".to_owned()))];
    match batch {
        Some(name) => {
            trail.push((title, Some(BASE.to_owned())));
            trail.push((name, None));
        }
        None => trail.push((title, None)),
    }
    staff_crumbs(lang, &trail)
}

fn batch_json(lang: Lang, b: &Batch) -> Value {
    json!({
        "href": format!("{BASE}/{}", b.id),
        "filename": b.filename,
        "sha256": &b.sha256[..12],
        "uploaded": date_time(lang, b.created_at),
        "imported": b.imported_at.map(|at| date_time(lang, at)),
        "importer": b.importer,
        "rows": b.row_count,
    })
}

/// `GET /staff/proposals/imports/template.csv`: the columns a file must have, with one example
/// row (UTF-8 with a byte order mark, so Excel opens it as it is).
pub async fn template(staff: Staff) -> Result<HttpResponse> {
    scope(&staff)?;
    let headings = COLUMNS.iter().map(|c| c.heading);
    let rows: [Vec<&str>; 2] = [headings.collect(), EXAMPLE.to_vec()];
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={}", Encoding::Utf8Bom.charset()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"paper-proposals.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv::encode(&csv::text(rows), Encoding::Utf8Bom)))
}

/// `POST /staff/proposals/imports`: keeps the file (a batch) and shows its preview. Nothing is
/// imported yet.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let scope = scope(&staff)?;
    let sees = sees(&staff, &scope);
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
                sees,
                Some(refusal),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let by = staff.id();
    let batch = state
        .db(move |conn| store::keep(conn, &name, &bytes, by, sees))
        .await?;
    match batch {
        Some(batch) => Ok(see_other(&format!("{BASE}/{batch}"))),
        // The same file, uploaded by someone else: it is theirs to import.
        None => {
            let refusal = Refusal::new("msg.import_proposals_taken");
            list_page(&req, &hb, &state, sees, Some(refusal), StatusCode::CONFLICT).await
        }
    }
}

/// The batch and its file read and checked row by row (or why it cannot be read).
async fn checked(
    state: &AppState,
    scope: &Option<Vec<i32>>,
    sees: Uploader,
    batch: i64,
) -> Result<(Batch, std::result::Result<Checked, Refusal>)> {
    let (found, measures, known) = state
        .db(move |conn| {
            Ok((
                store::find(conn, batch, sees)?,
                store::measure_departments(conn)?,
                store::known(conn)?,
            ))
        })
        .await?;
    let (batch, bytes) = found.ok_or(Error::NotFound)?;
    let rules = Rules {
        today: day_of(state.clock.now()),
        measures: &measures,
        departments: scope.as_deref(),
        known: &known,
    };
    let checked = sheet::read(&batch.filename, &bytes).and_then(|s| imports::check(&s, &rules));
    Ok((batch, checked))
}

/// `GET /staff/proposals/imports/{batch}`: every row with what is wrong with it.
pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    batch: web::Path<i64>,
) -> Result<HttpResponse> {
    let scope = scope(&staff)?;
    let page = Preview {
        req: &req,
        hb: &hb,
        state: &state,
        sees: sees(&staff, &scope),
        scope: &scope,
        batch: batch.into_inner(),
    };
    page.render(None, StatusCode::OK).await
}

/// What the preview page is of.
struct Preview<'a> {
    req: &'a HttpRequest,
    hb: &'a Templates,
    state: &'a AppState,
    sees: Uploader,
    scope: &'a Option<Vec<i32>>,
    batch: i64,
}

impl Preview<'_> {
    /// The preview page; `refusal` says why an import was refused (400).
    async fn render(&self, refusal: Option<Refusal>, status: StatusCode) -> Result<HttpResponse> {
        let lang = Lang::of(self.req);
        let (batch, checked) = checked(self.state, self.scope, self.sees, self.batch).await?;
        let mut page = crate::imports::preview(&COLUMNS, &checked, batch.imported());
        page["imports"] = json!(BASE);
        page["done_href"] = json!("/staff/proposals");
        page["batch"] = batch_json(lang, &batch);
        page["action"] = json!(format!("{BASE}/{}", batch.id));
        page["refusal"] = json!(refusal);
        let title = t(lang, "staff.imports.preview");
        crate::web::render_page_as(
            self.req,
            self.hb,
            "staff/proposal_import",
            &title,
            &crumbs(
                lang,
                &t(lang, "staff.proposal_imports.title"),
                Some(&batch.filename),
            ),
            &page,
            status,
        )
    }
}

/// `POST /staff/proposals/imports/{batch}`: imports every row of the file, or none (a file
/// with any row to fix is refused). Importing it again adds nothing.
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
    batch: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse> {
    let scope = scope(&staff)?;
    check_csrf(&req, &form.csrf)?;
    let batch = batch.into_inner();
    let sees = sees(&staff, &scope);
    let done = see_other(&format!("{BASE}/{batch}"));
    let (found, checked) = checked(&state, &scope, sees, batch).await?;
    if found.imported() {
        return Ok(done);
    }
    let page = Preview {
        req: &req,
        hb: &hb,
        state: &state,
        sees,
        scope: &scope,
        batch,
    };
    let proposals = match checked.map(Checked::records) {
        Ok(Some(proposals)) => proposals,
        Ok(None) => {
            return page
                .render(
                    Some(Refusal::new("msg.import_has_errors")),
                    StatusCode::BAD_REQUEST,
                )
                .await
        }
        Err(r) => return page.render(Some(r), StatusCode::BAD_REQUEST).await,
    };
    let (now, id, ip) = (
        state.clock.now(),
        staff.id(),
        crate::web::proxy::client_ip(&req),
    );
    state
        .db(move |conn| {
            let by = Importer {
                id,
                sees,
                now,
                ip: ip.as_deref(),
            };
            store::import(conn, batch, proposals, by)
        })
        .await?;
    Ok(done)
}
