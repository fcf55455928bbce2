//! 数字で見る (`/staff/figures`): proposals by state and by age, opinions by consultation and
//! channel, comments and reports by week, and the outbox, each as a bar chart with the table
//! of the same numbers (`crate::surveys::chart`, counted in 件). Proposals and opinions are
//! limited to the departments a staff member works for; admins see all. The SQL only counts;
//! the shaping (age buckets, weeks from Monday in Asia/Tokyo, empty weeks) is pure, below.

use crate::auth::roles::{Action, Grant};
use crate::auth::staff::Staff;
use crate::consultations::fields::Channel;
use crate::error::Result;
use crate::proposals::workflow::State;
use crate::surveys::chart::{bar_chart_in, Unit};
use crate::surveys::tally::{single, Tally};
use crate::wareki::jst;
use crate::web::i18n::{translate, Lang};
use crate::web::present;
use crate::web::{AppState, Templates};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Integer, Text, Timestamptz};
use serde_json::{json, Value};

/// How many weeks of comments and reports, and how many consultations, are shown.
pub const WEEKS: usize = 12;
pub const CONSULTATIONS: i64 = 10;

/// The age buckets of an open proposal, in days since submission: under 7, 30, 90, and more.
pub const AGE_KEYS: [&str; 4] = ["under_7", "under_30", "under_90", "over_90"];

/// The departments whose proposals and opinions `grants` count: `None` means all (an admin).
pub fn departments(grants: &[Grant]) -> Option<Vec<i32>> {
    if crate::proposals::review::is_admin(grants) {
        return None;
    }
    let mut departments: Vec<i32> = grants.iter().filter_map(|g| g.department).collect();
    departments.sort_unstable();
    departments.dedup();
    Some(departments)
}

/// The bucket of a proposal submitted on `day`, seen on `today` (both in Tokyo).
pub fn age_bucket(today: NaiveDate, day: NaiveDate) -> usize {
    match (today - day).num_days() {
        ..7 => 0,
        7..30 => 1,
        30..90 => 2,
        _ => 3,
    }
}

/// Counts per day of submission, summed into the age buckets.
pub fn age_buckets(today: NaiveDate, days: &[(NaiveDate, i64)]) -> [u64; 4] {
    let mut buckets = [0; 4];
    for (day, count) in days {
        buckets[age_bucket(today, *day)] += count.unsigned_abs();
    }
    buckets
}

/// The Monday starting the Tokyo week of `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The Tokyo day of `at`.
pub fn tokyo_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&jst()).date_naive()
}

/// The starts of the last [`WEEKS`] weeks up to the one of `today`, oldest first.
pub fn weeks(today: NaiveDate) -> Vec<NaiveDate> {
    let this = week_start(today);
    (0..WEEKS as u64)
        .rev()
        .map(|back| this - Days::new(7 * back))
        .collect()
}

/// Counts per day summed into `weeks` (a week without any is 0; days outside are dropped).
pub fn by_week(weeks: &[NaiveDate], days: &[(NaiveDate, i64)]) -> Vec<u64> {
    let mut counts = vec![0; weeks.len()];
    for (day, count) in days {
        if let Some(i) = weeks.iter().position(|w| *w == week_start(*day)) {
            counts[i] += count.unsigned_abs();
        }
    }
    counts
}

/// A consultation's opinions per channel in the order of [`Channel::ALL`], from rows of
/// (consultation, channel, count) in the consultations' order (a consultation without
/// opinions comes with no channel).
pub fn by_channel(rows: &[(i32, String, Option<String>, i64)]) -> Vec<(String, Vec<u64>)> {
    let mut out: Vec<(i32, String, Vec<u64>)> = Vec::new();
    for (id, title, channel, count) in rows {
        if out.last().is_none_or(|(last, _, _)| last != id) {
            out.push((*id, title.clone(), vec![0; Channel::ALL.len()]));
        }
        let counts = &mut out.last_mut().expect("just pushed").2;
        if let Some(i) = channel
            .as_deref()
            .and_then(|c| Channel::ALL.iter().position(|k| k.code() == c))
        {
            counts[i] += count.unsigned_abs();
        }
    }
    out.into_iter().map(|(_, t, c)| (t, c)).collect()
}

#[derive(QueryableByName)]
struct StateCount {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct DayCount {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct OpinionCount {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    channel: Option<String>,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct OutboxCount {
    #[diesel(sql_type = BigInt)]
    pending: i64,
    #[diesel(sql_type = BigInt)]
    failed: i64,
    #[diesel(sql_type = BigInt)]
    sent: i64,
}

/// Everything the page counts, straight from the database.
struct Counts {
    states: Vec<StateCount>,
    open_days: Vec<DayCount>,
    opinions: Vec<OpinionCount>,
    comment_days: Vec<DayCount>,
    report_days: Vec<DayCount>,
    outbox: OutboxCount,
}

const IN_SCOPE: &str = "($1 OR EXISTS (SELECT 1 FROM proposal_measures m
    JOIN measure_departments d ON d.measure_code = m.measure_code
    WHERE m.proposal_id = p.id AND d.department_id = ANY($2)))";

fn counts(
    conn: &mut PgConnection,
    scope: &Option<Vec<i32>>,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<Counts> {
    let all = scope.is_none();
    let departments = scope.clone().unwrap_or_default();
    let states = crate::db::prepared(
        diesel::sql_query(format!(
            "SELECT p.state, count(*) AS count FROM proposals p
             WHERE p.state <> 'draft' AND {IN_SCOPE} GROUP BY p.state"
        ))
        .bind::<Bool, _>(all)
        .bind::<Array<Integer>, _>(&departments),
    )
    .load(conn)?;
    let open_days = crate::db::prepared(
        diesel::sql_query(format!(
            "SELECT (p.submitted_at AT TIME ZONE 'Asia/Tokyo')::date AS day, count(*) AS count
         FROM proposals p
         WHERE p.state IN ('submitted', 'under_review', 'revision_requested')
           AND p.submitted_at IS NOT NULL AND {IN_SCOPE} GROUP BY 1"
        ))
        .bind::<Bool, _>(all)
        .bind::<Array<Integer>, _>(&departments),
    )
    .load(conn)?;
    let opinions = crate::db::prepared(
        diesel::sql_query(
            "SELECT c.id, c.title, o.channel, count(o.id) AS count
             FROM (SELECT id, title, created_at FROM consultations
                   WHERE $1 OR department_id = ANY($2)
                   ORDER BY created_at DESC, id DESC LIMIT $3) c
             LEFT JOIN consultation_comments o ON o.consultation_id = c.id
             GROUP BY c.id, c.title, c.created_at, o.channel
             ORDER BY c.created_at DESC, c.id DESC, o.channel",
        )
        .bind::<Bool, _>(all)
        .bind::<Array<Integer>, _>(&departments)
        .bind::<BigInt, _>(CONSULTATIONS),
    )
    .load(conn)?;
    let by_day = |table: &str| {
        format!(
            "SELECT (created_at AT TIME ZONE 'Asia/Tokyo')::date AS day, count(*) AS count
             FROM {table} WHERE created_at >= $1 GROUP BY 1"
        )
    };
    let comment_days =
        crate::db::prepared(diesel::sql_query(by_day("comments")).bind::<Timestamptz, _>(since))
            .load(conn)?;
    let report_days = crate::db::prepared(
        diesel::sql_query(by_day("comment_reports")).bind::<Timestamptz, _>(since),
    )
    .load(conn)?;
    let outbox = crate::db::prepared(
        diesel::sql_query(
            "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS pending,
                count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NOT NULL) AS failed,
                count(*) FILTER (WHERE sent_at >= $1 - interval '24 hours') AS sent
         FROM outbox",
        )
        .bind::<Timestamptz, _>(now),
    )
    .get_result(conn)?;
    Ok(Counts {
        states,
        open_days,
        opinions,
        comment_days,
        report_days,
        outbox,
    })
}

/// The partial's parameters for one chart: the counts in `rows`, named `name`.
fn chart(lang: Lang, id: &str, name: String, rows: &[(String, u64)]) -> Value {
    let tally: Tally = single(rows);
    json!({
        "id": id,
        "name": name,
        "chart": bar_chart_in(lang, &tally, Unit::Items),
        "tally": tally,
    })
}

/// Midnight in Tokyo starting `day`.
fn tokyo_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(jst())
        .single()
        .expect("a fixed offset has one midnight")
        .with_timezone(&Utc)
}

/// `/staff/figures`: the figures for this person's departments (all for an admin).
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    hb: Templates,
    staff: Staff,
) -> Result<HttpResponse> {
    staff.require(Action::ViewStaffArea)?;
    let lang = Lang::of(&req);
    let now = state.clock.now();
    let today = tokyo_day(now);
    let weeks = weeks(today);
    let since = tokyo_midnight(weeks[0]);
    let scope = departments(&staff.grants);
    let c = {
        let scope = scope.clone();
        state
            .db(move |conn| counts(conn, &scope, now, since))
            .await?
    };
    let t = |key: &str| translate(lang, key, &[]);

    let states: Vec<(String, u64)> = State::ALL
        .into_iter()
        .filter(|s| s.is_public())
        .map(|s| {
            let n = c.states.iter().find(|r| r.state == s.as_str());
            (t(s.label_key()), n.map_or(0, |r| r.count.unsigned_abs()))
        })
        .collect();
    let days: Vec<(NaiveDate, i64)> = c.open_days.iter().map(|d| (d.day, d.count)).collect();
    let ages: Vec<(String, u64)> = AGE_KEYS
        .iter()
        .zip(age_buckets(today, &days))
        .map(|(k, n)| (t(&format!("staff.figures.age.{k}")), n))
        .collect();

    let rows: Vec<(i32, String, Option<String>, i64)> = c
        .opinions
        .into_iter()
        .map(|o| (o.id, o.title, o.channel, o.count))
        .collect();
    let matrix = by_channel(&rows);
    let totals: Vec<(String, u64)> = matrix
        .iter()
        .map(|(title, counts)| (title.clone(), counts.iter().sum()))
        .collect();
    let opinion_rows: Vec<Value> = matrix
        .iter()
        .map(|(title, counts)| json!({"title": title, "counts": counts, "total": counts.iter().sum::<u64>()}))
        .collect();
    let channels: Vec<String> = Channel::ALL
        .iter()
        .map(|c| t(&format!("consultations.channel.{}", c.code())))
        .collect();

    let week_labels: Vec<String> = weeks
        .iter()
        .map(|w| {
            let date = present::date(lang, tokyo_midnight(*w));
            translate(lang, "staff.figures.weeks.week", &[("date", date)])
        })
        .collect();
    let per_week = |days: &[DayCount]| -> Vec<(String, u64)> {
        let days: Vec<(NaiveDate, i64)> = days.iter().map(|d| (d.day, d.count)).collect();
        week_labels
            .iter()
            .cloned()
            .zip(by_week(&weeks, &days))
            .collect()
    };
    let outbox = [
        ("pending", c.outbox.pending),
        ("failed", c.outbox.failed),
        ("sent", c.outbox.sent),
    ]
    .map(|(k, n)| (t(&format!("staff.figures.outbox.{k}")), n.unsigned_abs()));

    let title = t("staff.figures.title");
    let context = json!({
        "all": scope.is_none(),
        "as_of": present::date_time(lang, now),
        "by_state": chart(lang, "by-state", t("staff.figures.proposals.by_state"), &states),
        "by_age": chart(lang, "by-age", t("staff.figures.proposals.by_age"), &ages),
        "opinions": chart(lang, "opinions", t("staff.figures.opinions.chart"), &totals),
        "opinion_rows": opinion_rows,
        "channels": channels,
        "comments": chart(lang, "comments", t("staff.figures.weeks.comments"), &per_week(&c.comment_days)),
        "reports": chart(lang, "reports", t("staff.figures.weeks.reports"), &per_week(&c.report_days)),
        "outbox": chart(lang, "outbox", t("staff.figures.outbox.chart"), &outbox),
    });
    crate::web::render_page_as(
        &req,
        &hb,
        "staff/figures",
        &title,
        &crate::web::staff_crumbs(lang, &[]),
        &context,
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::roles::Role;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn staff_count_their_departments_and_admins_all() {
        let g = |role, department| Grant { role, department };
        assert_eq!(departments(&[g(Role::Admin, None)]), None);
        assert_eq!(
            departments(&[
                g(Role::Reviewer, Some(3)),
                g(Role::Moderator, Some(1)),
                g(Role::Moderator, Some(3))
            ]),
            Some(vec![1, 3])
        );
        assert_eq!(departments(&[]), Some(vec![]));
    }

    #[test]
    fn ages_fall_into_their_buckets_at_the_edges() {
        let today = d(2026, 12, 7);
        let ago = |n: u64| today - Days::new(n);
        assert_eq!(age_bucket(today, today), 0);
        assert_eq!(age_bucket(today, ago(6)), 0);
        assert_eq!(age_bucket(today, ago(7)), 1);
        assert_eq!(age_bucket(today, ago(29)), 1);
        assert_eq!(age_bucket(today, ago(30)), 2);
        assert_eq!(age_bucket(today, ago(89)), 2);
        assert_eq!(age_bucket(today, ago(90)), 3);
        assert_eq!(age_bucket(today, ago(400)), 3);
        assert_eq!(
            age_buckets(
                today,
                &[(ago(1), 2), (ago(3), 1), (ago(45), 4), (ago(100), 1)]
            ),
            [3, 0, 4, 1]
        );
    }

    #[test]
    fn weeks_start_on_monday_in_tokyo() {
        // Monday 7 December 2026 is its own week's start; Sunday the 13th still in it.
        assert_eq!(week_start(d(2026, 12, 7)), d(2026, 12, 7));
        assert_eq!(week_start(d(2026, 12, 13)), d(2026, 12, 7));
        assert_eq!(week_start(d(2026, 12, 6)), d(2026, 11, 30));
        // Sunday 23:30 UTC is already Monday 08:30 in Tokyo.
        let at = DateTime::parse_from_rfc3339("2026-12-06T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(tokyo_day(at), d(2026, 12, 7));
        assert_eq!(
            tokyo_midnight(d(2026, 12, 7)).to_rfc3339(),
            "2026-12-06T15:00:00+00:00"
        );
        let w = weeks(d(2026, 12, 9));
        assert_eq!(w.len(), WEEKS);
        assert_eq!(w[WEEKS - 1], d(2026, 12, 7));
        assert_eq!(w[0], d(2026, 9, 21));
        assert!(w.windows(2).all(|p| (p[1] - p[0]).num_days() == 7));
    }

    #[test]
    fn empty_weeks_are_zero_and_old_days_are_dropped() {
        let w = weeks(d(2026, 12, 9));
        let counts = by_week(
            &w,
            &[
                (d(2026, 12, 8), 2),
                (d(2026, 12, 13), 1),
                (d(2026, 12, 6), 5),
                (d(2026, 9, 20), 9),
            ],
        );
        assert_eq!(counts.len(), WEEKS);
        assert_eq!(counts[WEEKS - 1], 3);
        assert_eq!(counts[WEEKS - 2], 5);
        assert_eq!(counts.iter().sum::<u64>(), 8);
    }

    #[test]
    fn opinions_line_up_under_their_channels() {
        let rows = vec![
            (5, "新しい".to_owned(), Some("paper".to_owned()), 2),
            (5, "新しい".to_owned(), Some("web".to_owned()), 3),
            (4, "意見なし".to_owned(), None, 0),
            (3, "古い".to_owned(), Some("counter".to_owned()), 1),
            (3, "古い".to_owned(), Some("unknown".to_owned()), 7),
        ];
        assert_eq!(
            by_channel(&rows),
            [
                ("新しい".to_owned(), vec![3, 2, 0, 0, 0, 0]),
                ("意見なし".to_owned(), vec![0; 6]),
                ("古い".to_owned(), vec![0, 0, 0, 0, 0, 1]),
            ]
        );
        assert!(by_channel(&[]).is_empty());
    }
}
