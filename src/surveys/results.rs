//! A survey's results (調査結果) page and the CSV of every answer: public once the results
//! are (live while open or closed, or after staff published them); before that only the
//! department's staff see them, under a 「非公開」 banner, and everyone else gets a 404. The
//! reads aggregate in SQL (GROUP BY) over submitted, non-test responses; none selects a
//! respondent, account or receipt.

use super::chart::bar_chart;
use super::model::{self, Full};
use super::rules::{Channel, QuestionKind, State};
use super::summary::{self, Answer, Found, Numbers, Outcome, Response};
use crate::auth::roles::{allows, Action};
use crate::db::schema::{survey_answers as sa, survey_responses as sr};
use crate::error::{Error, Result};
use crate::web::csv::{self, Encoding};
use crate::web::i18n::{t, translate, Lang};
use crate::web::visitor::{viewer, Viewer};
use crate::web::{render_page, AppState, Templates};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

#[derive(QueryableByName)]
struct NumberRow {
    #[diesel(sql_type = Integer)]
    question_id: i32,
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = Nullable<Double>)]
    mean: Option<f64>,
    #[diesel(sql_type = Nullable<Integer>)]
    min: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    max: Option<i32>,
    #[diesel(sql_type = Nullable<Double>)]
    median: Option<f64>,
}

/// The figures of every number question of survey `id`. One query.
fn numbers(conn: &mut PgConnection, id: i32) -> Result<HashMap<i32, Numbers>> {
    let rows: Vec<NumberRow> = crate::db::prepared(
        diesel::sql_query(
            "SELECT a.question_id, count(*) AS count, avg(a.number)::float8 AS mean,
                min(a.number) AS min, max(a.number) AS max,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY a.number)::float8 AS median
         FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id
         WHERE r.survey_id = $1 AND r.status = 'submitted' AND NOT r.is_test
           AND a.number IS NOT NULL
         GROUP BY a.question_id",
        )
        .bind::<Integer, _>(id),
    )
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let numbers = Numbers {
                count: r.count,
                mean: r.mean,
                min: r.min,
                max: r.max,
                median: r.median,
            };
            (r.question_id, numbers)
        })
        .collect())
}

/// The free texts moderation showed, per question, oldest first. One query.
fn shown_texts(conn: &mut PgConnection, id: i32) -> Result<HashMap<i32, Vec<String>>> {
    let rows: Vec<(i32, Option<String>)> = sa::table
        .inner_join(sr::table)
        .filter(sr::survey_id.eq(id))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .filter(sa::text_state.eq("shown"))
        .filter(sa::text.is_not_null())
        .order((sr::submitted_at, sa::id))
        .select((sa::question_id, sa::text))
        .load(conn)?;
    let mut texts: HashMap<i32, Vec<String>> = HashMap::new();
    for (question, text) in rows {
        texts.entry(question).or_default().extend(text);
    }
    Ok(texts)
}

/// Everything the results of survey `id` show per question. Four queries.
pub fn found(conn: &mut PgConnection, id: i32) -> Result<Found> {
    Ok(Found {
        counts: model::tally(conn, id)?,
        numbers: numbers(conn, id)?,
        texts: shown_texts(conn, id)?,
    })
}

/// Responses per channel (web, paper …), in the order of `Channel::ALL`, only those with
/// any. One query.
pub fn channels(conn: &mut PgConnection, id: i32) -> Result<Vec<(Channel, i64)>> {
    let rows: Vec<(String, i64)> = sr::table
        .filter(sr::survey_id.eq(id))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .group_by(sr::channel)
        .select((sr::channel, diesel::dsl::count_star()))
        .load(conn)?;
    let by: HashMap<String, i64> = rows.into_iter().collect();
    Ok(Channel::ALL
        .iter()
        .filter_map(|ch| by.get(ch.as_str()).map(|n| (*ch, *n)))
        .collect())
}

/// Every response and its answers, for the CSV: how and when, never who. Two queries.
fn export(conn: &mut PgConnection, id: i32) -> Result<(Vec<Response>, Vec<Answer>)> {
    let rows: Vec<(i32, String, Option<DateTime<Utc>>)> = sr::table
        .filter(sr::survey_id.eq(id))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .order((sr::submitted_at, sr::id))
        .select((sr::id, sr::channel, sr::submitted_at))
        .load(conn)?;
    let responses = rows
        .into_iter()
        .map(|(id, channel, at)| {
            Ok(Response {
                id,
                channel: Channel::parse(&channel)
                    .map_err(|r| Error::Internal(format!("stored channel: {r}")))?,
                submitted_at: at.unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    type AnswerRow = (
        i32,
        i32,
        Option<i32>,
        Option<i32>,
        Option<i32>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<AnswerRow> = sa::table
        .inner_join(sr::table)
        .filter(sr::survey_id.eq(id))
        .filter(sr::status.eq("submitted"))
        .filter(sr::is_test.eq(false))
        .order(sa::id)
        .select((
            sa::response_id,
            sa::question_id,
            sa::row_id,
            sa::choice_id,
            sa::number,
            sa::text,
            sa::text_state,
        ))
        .load(conn)?;
    let answers = rows
        .into_iter()
        .map(
            |(response, question, row, choice, number, text, state)| Answer {
                response,
                question,
                row,
                choice,
                number,
                text,
                shown: state.as_deref() == Some("shown"),
            },
        )
        .collect();
    Ok((responses, answers))
}

/// Whether `viewer` runs surveys for `department` (one query, only for a staff member).
fn runs_surveys(conn: &mut PgConnection, viewer: Option<&Viewer>, department: i32) -> Result<bool> {
    match viewer {
        Some(v) if v.staff => Ok(allows(
            &crate::auth::staff::grants_of(conn, v.id)?,
            Action::RunSurveys { department },
        )),
        _ => Ok(false),
    }
}

/// Who reads a survey's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reader {
    /// The results are public now.
    public: bool,
    /// The department's staff: they also see unpublished results and every free text.
    staff: bool,
}

/// Survey `id` and who reads its results, or 404 when `viewer` may not.
fn readable(
    conn: &mut PgConnection,
    id: i32,
    viewer: Option<&Viewer>,
    now: DateTime<Utc>,
    staff_needed: bool,
) -> Result<(Full, Reader)> {
    let full = model::load(conn, id)?.ok_or(Error::NotFound)?;
    let public = full.survey.state(now).is_public() && full.survey.results_public(now);
    let staff = (staff_needed || !public) && runs_surveys(conn, viewer, full.survey.department_id)?;
    if !public && !staff {
        return Err(Error::NotFound);
    }
    Ok((full, Reader { public, staff }))
}

fn state_label(lang: Lang, state: State) -> String {
    t(lang, state.label())
}

/// A question's part of the page: its chart and table (a matrix: one per statement), its
/// figures, or its shown texts.
fn question_json(lang: Lang, q: &summary::QuestionResult) -> Value {
    let name = translate(
        lang,
        "survey_results.question",
        &[("number", q.number.to_string()), ("text", q.text.clone())],
    );
    let anchor = format!("q-{}", q.id);
    let mut value = json!({
        "anchor": anchor,
        "name": name,
        "kind": t(lang, q.kind.label()),
        "answered": q.answered,
        "multiple": q.kind == QuestionKind::Multiple,
    });
    match &q.outcome {
        Outcome::Choices { tally } => {
            value["charts"] = json!([{
                "id": format!("{anchor}-chart"),
                "name": name,
                "chart": bar_chart(lang, tally),
                "tally": tally,
            }]);
        }
        Outcome::Matrix { tally } => {
            value["charts"] = tally
                .rows
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    json!({
                        "id": format!("{anchor}-row-{i}"),
                        "name": format!("{name}{}{}", summary::JOIN, row.label),
                        "chart": bar_chart(lang, &row.tally),
                        "tally": row.tally,
                    })
                })
                .collect();
        }
        Outcome::Numbers { numbers } => {
            value["numbers"] = json!({
                "count": numbers.count,
                "mean": summary::decimal(numbers.mean),
                "median": summary::decimal(numbers.median),
                "min": numbers.min.map_or("—".to_owned(), |n| n.to_string()),
                "max": numbers.max.map_or("—".to_owned(), |n| n.to_string()),
            });
        }
        Outcome::Texts { texts } => {
            value["is_text"] = json!(true);
            value["texts"] = json!(texts);
        }
    }
    value
}

/// `GET /surveys/{id}/results`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    id: web::Path<i32>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now();
    let who = viewer(&req);
    let (full, reader, found, channels) = state
        .db(move |conn| {
            let (full, reader) = readable(conn, id, who.as_ref(), now, false)?;
            Ok((full, reader, found(conn, id)?, channels(conn, id)?))
        })
        .await?;
    let lang = Lang::of(&req);
    let survey = &full.survey;
    let total: i64 = channels.iter().map(|(_, n)| n).sum();
    let results = summary::questions(&full, &found);
    let title = translate(
        lang,
        "survey_results.title",
        &[("title", survey.title.clone())],
    );
    let context = json!({
        "survey": {
            "title": survey.title,
            "href": format!("/surveys/{id}"),
        },
        "lead": translate(lang, "survey_results.lead", &[
            ("department", survey.department.clone()),
            ("state", state_label(lang, survey.state(now))),
        ]),
        "private": !reader.public,
        "total": total,
        "by_channel": channels.iter().map(|(ch, n)| json!({"label": t(lang, ch.label()), "count": n})).collect::<Vec<_>>(),
        "questions": results.iter().map(|q| question_json(lang, q)).collect::<Vec<_>>(),
        "csv": format!("/surveys/{id}/results.csv"),
    });
    let survey_href = format!("/surveys/{id}");
    render_page(
        &req,
        &hb,
        "surveys/results",
        &title,
        &crate::web::section_crumbs(
            lang,
            ("survey_results.list_crumb", "/surveys"),
            Some((survey_href.as_str(), survey.title.clone())),
            &t(lang, "survey_results.crumb"),
        ),
        &context,
    )
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    encoding: Option<String>,
}

/// `GET /surveys/{id}/results.csv[?encoding=cp932]`: every response, free text only when
/// shown unless the department's staff ask.
pub async fn csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    query: web::Query<CsvQuery>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let encoding = Encoding::parse(query.encoding.as_deref()).map_err(Error::Refused)?;
    let now = state.clock.now();
    let who = viewer(&req);
    let (full, reader, (responses, answers)) = state
        .db(move |conn| {
            let (full, reader) = readable(conn, id, who.as_ref(), now, true)?;
            Ok((full, reader, export(conn, id)?))
        })
        .await?;
    let table = summary::csv_table(&full, &responses, &answers, reader.staff);
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={}", encoding.charset()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"survey-{id}-results.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(csv::encode(&table, encoding)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/surveys/{id}/results", web::get().to(page))
        .route("/surveys/{id}/results.csv", web::get().to(csv));
}
