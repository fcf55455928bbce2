//! Meetings (意見を聴く場) written straight into the database, as the staff pages would save
//! them, and verified accounts to register with.

use super::consultations::jst;
use super::people::{department, staff_member};
use super::{TestApp, Visitor};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use kyodo::meetings::registrations::{self, Channel, NewRegistration, Registered, Registrant};
use uuid::Uuid;

/// 令和8年12月12日（土）14:00〜16:00, the meeting's time unless a test moves it.
pub fn starts() -> DateTime<Utc> {
    jst(2026, 12, 12, 14, 0, 0)
}

/// A day on which the meetings of [`meeting`] take registrations.
pub fn registration_day() -> DateTime<Utc> {
    jst(2026, 12, 1, 10, 0, 0)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

/// A 対話集会 of `department` at a venue on [`starts`], published on 令和8年11月20日, with
/// `capacity` seats (`None`: no limit); its id.
pub fn meeting(app: &TestApp, department: i32, title: &str, capacity: Option<i32>) -> i32 {
    diesel::sql_query(
        "INSERT INTO meetings (kind, title, description, department_id, starts_at, ends_at,
                               venue_name, venue_address, capacity, published_at)
         VALUES ('dialogue', $1, '地域の将来について市長と語り合います。', $2, $3,
                 $3 + interval '2 hours', '本庄市役所 7階大会議室', '本庄市本庄3-5-3', $4, $5)
         RETURNING id",
    )
    .bind::<Text, _>(title)
    .bind::<Integer, _>(department)
    .bind::<Timestamptz, _>(starts())
    .bind::<Nullable<Integer>, _>(capacity)
    .bind::<Timestamptz, _>(jst(2026, 11, 20, 9, 0, 0))
    .get_result::<Id>(&mut app.db())
    .unwrap()
    .id
}

/// Changes meeting `id` with `assignments` (`published_at = NULL`, …) in SQL.
pub fn change(app: &TestApp, id: i32, assignments: &str) {
    diesel::sql_query(format!("UPDATE meetings SET {assignments} WHERE id = {id}"))
        .execute(&mut app.db())
        .unwrap();
}

#[derive(QueryableByName)]
struct AccountId {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// A verified account of `email` made in SQL (no password: it registers through the store).
pub fn account(app: &TestApp, email: &str, name: &str) -> Uuid {
    diesel::sql_query(
        "INSERT INTO accounts (id, email, email_verified_at, display_name, unsubscribe_token)
         VALUES (gen_random_uuid(), $1, now(), $2, md5(random()::text)) RETURNING id",
    )
    .bind::<Text, _>(email)
    .bind::<Text, _>(name)
    .get_result::<AccountId>(&mut app.db())
    .unwrap()
    .id
}

/// The account's registration on line.
pub fn on_line(account: Uuid) -> NewRegistration {
    NewRegistration {
        registrant: Registrant::Account {
            account,
            organisation: None,
        },
        channel: Channel::Web,
        needs: None,
        entered_by: None,
    }
}

/// Registers `new` for meeting `id` on [`registration_day`], through the store.
pub fn register(app: &TestApp, id: i32, new: &NewRegistration) -> Registered {
    registrations::register(&mut app.db(), id, new, registration_day(), None, &app.base)
        .unwrap()
        .unwrap_or_else(|refused| panic!("refused: {refused:?}"))
}

/// The department whose staff run the meetings of the tests.
pub const DEPT: &str = "企画課";

/// The department's reviewer, and a reviewer of another department.
pub async fn reviewers(app: &TestApp) -> (Visitor, Visitor, i32) {
    let mine = staff_member(
        app,
        "rev@example.jp",
        "審査 一郎",
        &[("reviewer", Some(DEPT))],
    )
    .await;
    let other = staff_member(
        app,
        "other@example.jp",
        "他課 次郎",
        &[("reviewer", Some("福祉課"))],
    )
    .await;
    (mine, other, department(app, DEPT))
}
