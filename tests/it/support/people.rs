//! The people of the tests: residents signed up and verified through the real forms, staff
//! given their roles in SQL, the departments they work in.

use super::db::text;
use super::mail::link_in_outbox;
use super::{TestApp, Visitor};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

/// Everyone's password.
pub const PASSWORD: &str = "kawa-no-nagare-2026";

/// The department that `responsible` makes answer for measure 5-1.
pub const DEPARTMENT: &str = "市民活動推進課";

pub async fn sign_up(visitor: &Visitor, email: &str, name: &str) -> reqwest::Response {
    visitor
        .submit(
            "/signup",
            "/signup",
            &[
                ("email", email),
                ("display_name", name),
                ("password", PASSWORD),
            ],
        )
        .await
}

/// A verified resident, signed in on `visitor`.
pub async fn resident(app: &TestApp, visitor: &Visitor, email: &str, name: &str) {
    assert_eq!(sign_up(visitor, email, name).await.status(), 200);
    let link = link_in_outbox(app, email, "/verify?token=");
    assert_eq!(visitor.get(&link).await.status(), 200);
    let response = log_in(visitor, email).await;
    assert_eq!(response.status(), 303, "signed in");
}

/// Signs `email` in on `visitor` through the sign-in form, with [`PASSWORD`], sent on to `/`.
pub async fn log_in(visitor: &Visitor, email: &str) -> reqwest::Response {
    visitor
        .submit(
            "/login",
            "/login",
            &[("email", email), ("password", PASSWORD), ("next", "/")],
        )
        .await
}

/// `email` signed in with `password` on a new visitor, sent on to the staff pages.
pub async fn sign_in(app: &TestApp, email: &str, password: &str) -> Visitor {
    let visitor = app.visitor();
    let response = visitor
        .submit(
            "/login",
            "/login",
            &[("email", email), ("password", password), ("next", "/staff")],
        )
        .await;
    assert_eq!(response.status(), 303, "{email} signs in");
    visitor
}

/// The id of the account of `email`, as text.
pub fn account_id(app: &TestApp, email: &str) -> String {
    text(
        app,
        &format!("SELECT id::text AS id FROM accounts WHERE email = '{email}'"),
    )
}

/// A department by name (created when missing); its id.
pub fn department(app: &TestApp, name: &str) -> i32 {
    #[derive(QueryableByName)]
    struct Dept {
        #[diesel(sql_type = Integer)]
        id: i32,
    }
    diesel::sql_query(
        "WITH new AS (INSERT INTO departments (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id)
         SELECT id FROM new UNION ALL SELECT id FROM departments WHERE name = $1",
    )
    .bind::<Text, _>(name)
    .get_result::<Dept>(&mut app.db())
    .unwrap()
    .id
}

/// A verified resident signed in on a new visitor, then given `roles` (role, department) by SQL.
pub async fn staff_member(
    app: &TestApp,
    email: &str,
    name: &str,
    roles: &[(&str, Option<&str>)],
) -> Visitor {
    let visitor = app.visitor();
    resident(app, &visitor, email, name).await;
    let id = account_id(app, email);
    for (role, dept) in roles {
        let department = dept
            .map(|d| department(app, d).to_string())
            .unwrap_or_else(|| "NULL".into());
        diesel::sql_query(format!("INSERT INTO staff_roles (account_id, role, department_id) VALUES ('{id}', '{role}', {department})"))
            .execute(&mut app.db())
            .unwrap();
    }
    visitor
}

/// 5-1 is the responsibility of 市民活動推進課.
pub fn responsible(app: &TestApp) -> i32 {
    let id = department(app, DEPARTMENT);
    diesel::sql_query(format!(
        "INSERT INTO measure_departments (measure_code, department_id) VALUES ('5-1', {id})"
    ))
    .execute(&mut app.db())
    .unwrap();
    id
}

/// The reviewer of the department that `responsible` makes answer for proposals, signed in.
pub async fn reviewer(app: &TestApp) -> Visitor {
    staff_member(
        app,
        "reviewer@example.jp",
        "審査 一郎",
        &[("reviewer", Some(DEPARTMENT))],
    )
    .await
}

/// A verified organisation with `member` as its representative; its id.
pub fn organisation(app: &TestApp, member: &str, name: &str) -> String {
    let account = account_id(app, member);
    let id = uuid::Uuid::new_v4().to_string();
    for sql in [
        format!("INSERT INTO organisations (id, name, kind, verified_at) VALUES ('{id}', '{name}', 'jichikai', now())"),
        format!("INSERT INTO organisation_members (organisation_id, account_id, role) VALUES ('{id}', '{account}', 'representative')"),
    ] {
        diesel::sql_query(sql).execute(&mut app.db()).unwrap();
    }
    id
}
