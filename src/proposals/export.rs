//! The staff's CSV export of proposals (`/staff/proposals.csv`): admins get every proposal,
//! reviewers those answering a measure of their departments (担当課). Drafts are never in it
//! (only their author sees them), nor internal notes, emails or real names: the columns are the
//! public fields the list shows.

use super::workflow::State;
use crate::auth::roles::allows;
use crate::auth::roles::Action;
use crate::auth::roles::Grant;
use crate::auth::roles::Role;
use crate::auth::staff::Staff;
use crate::error::{Error, Result};
use crate::refusal::Refusal;
use crate::web::csv::{self, Encoding};
use crate::web::i18n::{t, Lang};
use crate::web::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use serde::Deserialize;
use uuid::Uuid;

/// The header row: the export is for the city's records, in Japanese.
fn columns() -> Vec<String> {
    ["No.", "ID"]
        .map(str::to_owned)
        .into_iter()
        .chain(
            [
                "title",
                "state",
                "measures",
                "organisation",
                "proposer",
                "submitted",
                "budget",
            ]
            .map(|c| t(Lang::Ja, &format!("proposals.csv.{c}"))),
        )
        .collect()
}

/// Whose proposals a staff member may export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Proposals answering a measure these departments are responsible for.
    Departments(Vec<i32>),
}

/// The scope of the export for a staff member holding `grants`, or `None` when they may export
/// nothing.
pub fn scope(grants: &[Grant]) -> Option<Scope> {
    if grants.iter().any(|g| g.role == Role::Admin) {
        return Some(Scope::All);
    }
    let mut departments: Vec<i32> = grants
        .iter()
        .filter(|g| g.role == Role::Reviewer)
        .filter_map(|g| g.department)
        .filter(|&department| allows(grants, Action::ReviewProposals { department }))
        .collect();
    departments.sort_unstable();
    departments.dedup();
    (!departments.is_empty()).then_some(Scope::Departments(departments))
}

#[derive(Debug, QueryableByName)]
pub struct Row {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = Text)]
    pub measures: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub organisation: Option<String>,
    #[diesel(sql_type = Text)]
    pub author: String,
    #[diesel(sql_type = Bool)]
    pub author_deleted: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub budget_yen: Option<i64>,
}

/// The public proposals in `scope`, oldest first. One query.
pub fn rows(conn: &mut PgConnection, scope: &Scope) -> Result<Vec<Row>> {
    let (all, departments) = match scope {
        Scope::All => (true, Vec::new()),
        Scope::Departments(d) => (false, d.clone()),
    };
    Ok(crate::db::prepared(
        diesel::sql_query(
            "SELECT p.id, p.title, p.state,
                coalesce((SELECT string_agg(m.measure_code, ' ' ORDER BY m.position)
                          FROM proposal_measures m WHERE m.proposal_id = p.id), '') AS measures,
                o.name AS organisation, a.display_name AS author,
                a.deleted_at IS NOT NULL AS author_deleted, p.submitted_at, p.budget_yen
         FROM proposals p
         JOIN accounts a ON a.id = p.author_id
         LEFT JOIN organisations o ON o.id = p.organisation_id
         WHERE p.submitted_at IS NOT NULL
           AND ($1 OR EXISTS (SELECT 1 FROM proposal_measures m
                              JOIN measure_departments d ON d.measure_code = m.measure_code
                              WHERE m.proposal_id = p.id AND d.department_id = ANY($2)))
         ORDER BY p.created_at, p.id",
        )
        .bind::<Bool, _>(all)
        .bind::<Array<Integer>, _>(departments),
    )
    .load(conn)?)
}

/// The CSV text of `rows`, header first.
pub fn table(rows: &[Row]) -> String {
    let header = columns();
    let body = rows.iter().enumerate().map(|(i, r)| {
        let state = r
            .state
            .parse::<State>()
            .map(|s| t(Lang::Ja, s.label_key()))
            .unwrap_or_default();
        vec![
            (i + 1).to_string(),
            r.id.to_string(),
            r.title.clone(),
            state,
            r.measures.clone(),
            r.organisation.clone().unwrap_or_default(),
            if r.author_deleted {
                crate::auth::fields::DELETED_NAME.to_owned()
            } else {
                r.author.clone()
            },
            r.submitted_at
                .map(|at| {
                    at.with_timezone(&crate::wareki::jst())
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default(),
            r.budget_yen.map(|y| y.to_string()).unwrap_or_default(),
        ]
    });
    csv::text(std::iter::once(header).chain(body))
}

#[derive(Deserialize)]
pub struct ExportQuery {
    encoding: Option<String>,
}

/// `/staff/proposals.csv[?encoding=cp932]`
pub async fn csv(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    let Some(scope) = scope(&staff.grants) else {
        return Err(Error::forbidden(Refusal::new(
            "msg.proposal_export_refused",
        )));
    };
    let encoding = Encoding::parse(query.encoding.as_deref()).map_err(Error::Refused)?;
    let rows = state.db(move |conn| rows(conn, &scope)).await?;
    let body = csv::encode(&table(&rows), encoding);
    let today = state
        .clock
        .now()
        .with_timezone(&crate::wareki::jst())
        .format("%Y%m%d");
    Ok(HttpResponse::Ok()
        .content_type(format!("text/csv; charset={}", encoding.charset()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"proposals-{today}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rows_become_a_table_with_dates_in_japan() {
        let rows = [Row {
            id: Uuid::nil(),
            title: "駅前, \"まちなか\"\n食堂".into(),
            state: "adopted".into(),
            measures: "5-1 6-1".into(),
            organisation: None,
            author: "本庄花子".into(),
            author_deleted: true,
            // 2026-03-31 20:00 UTC is 1 April in Japan.
            submitted_at: Some(Utc.with_ymd_and_hms(2026, 3, 31, 20, 0, 0).unwrap()),
            budget_yen: Some(150_000),
        }];
        let text = table(&rows);
        let mut lines = text.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("No.,ID,提案名,状態,施策,団体,提案者（表示名）,提出日,予算（円）")
        );
        assert_eq!(
            text.split_once("\r\n").unwrap().1,
            format!(
                "1,{},\"駅前, \"\"まちなか\"\"\r\n食堂\",採択,5-1 6-1,,退会したユーザー,2026-04-01,150000\r\n",
                Uuid::nil()
            )
        );
    }

    #[test]
    fn who_exports_what() {
        let admin = Grant {
            role: Role::Admin,
            department: None,
        };
        let reviewer = |d| Grant {
            role: Role::Reviewer,
            department: Some(d),
        };
        let moderator = Grant {
            role: Role::Moderator,
            department: Some(1),
        };
        assert_eq!(scope(&[admin]), Some(Scope::All));
        assert_eq!(
            scope(&[reviewer(3), reviewer(1), moderator]),
            Some(Scope::Departments(vec![1, 3]))
        );
        assert_eq!(scope(&[moderator]), None);
        assert_eq!(scope(&[]), None);
    }
}
