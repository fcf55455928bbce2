//! Staff: a signed-in person with the roles they hold, and the table every staff route is
//! registered from.
//!
//! Authorisation happens in one place: every staff handler takes [`Staff`] (a signed-in person
//! and their roles, loaded with one query) and calls [`Staff::require`] with its [`Action`]
//! first; [`roles::allows`] decides. Every staff route is a [`StaffRoute`] row of its domain's
//! table, carrying its handler; [`register`] is the only way one is added, and the integration
//! tests walk the rows for every kind of visitor, so a route without a guard or a row fails them.

use crate::auth::roles::{self, allows, Action, Grant, Role};
use crate::db::schema::staff_roles as sr;
use crate::error::{Error, Result};
use crate::web::visitor::Viewer;
use crate::web::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use diesel::prelude::*;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A staff route: a path pattern as actix writes it, the method, and what handles it.
#[derive(Clone, Copy)]
pub struct StaffRoute {
    pub path: &'static str,
    pub method: Method,
    /// Attaches the handler to a route of the method (`|r| r.to(handler)`).
    pub handler: fn(actix_web::Route) -> actix_web::Route,
}

impl std::fmt::Debug for StaffRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}", self.method, self.path)
    }
}

pub const fn get(
    path: &'static str,
    handler: fn(actix_web::Route) -> actix_web::Route,
) -> StaffRoute {
    StaffRoute {
        path,
        method: Method::Get,
        handler,
    }
}

pub const fn post(
    path: &'static str,
    handler: fn(actix_web::Route) -> actix_web::Route,
) -> StaffRoute {
    StaffRoute {
        path,
        method: Method::Post,
        handler,
    }
}

/// Registers staff routes: the only place one is added.
pub fn register<'a>(
    cfg: &mut web::ServiceConfig,
    routes: impl IntoIterator<Item = &'a StaffRoute>,
) {
    for route in routes {
        let method = match route.method {
            Method::Get => web::get(),
            Method::Post => web::post(),
        };
        cfg.route(route.path, (route.handler)(method));
    }
}

/// A signed-in staff member: who they are and the roles they hold. Anonymous visitors are sent
/// to sign in (the `Viewer` extractor); a person without a role gets 403 from [`Staff::require`].
#[derive(Debug, Clone)]
pub struct Staff {
    pub viewer: Viewer,
    pub grants: Vec<Grant>,
}

impl Staff {
    pub fn may(&self, action: Action) -> bool {
        allows(&self.grants, action)
    }

    /// Whether the roles allow the action of `in_department` for some department (admins: for
    /// all): who may create a meeting or a survey, before choosing its department.
    pub fn may_somewhere(&self, in_department: impl Fn(i32) -> Action) -> bool {
        // An admin's grant has no department: any one stands for all.
        self.grants
            .iter()
            .any(|g| self.may(in_department(g.department.unwrap_or_default())))
    }

    /// `Error::Forbidden` unless [`Staff::may_somewhere`]: the form that creates one.
    pub fn require_somewhere(&self, in_department: impl Fn(i32) -> Action) -> Result<()> {
        if self.may_somewhere(&in_department) {
            Ok(())
        } else {
            Err(Error::forbidden(roles::refused(in_department(0))))
        }
    }

    /// `Error::Forbidden` with a Japanese message unless the roles allow `action`.
    pub fn require(&self, action: Action) -> Result<()> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Error::forbidden(roles::refused(action)))
        }
    }

    pub fn id(&self) -> Uuid {
        self.viewer.id
    }
}

/// The roles of an account, in one query. An unverified or deleted account holds none.
pub fn grants_of(conn: &mut PgConnection, account: Uuid) -> Result<Vec<Grant>> {
    use crate::db::schema::accounts as a;
    let rows: Vec<(String, Option<i32>)> = sr::table
        .inner_join(a::table)
        .filter(sr::account_id.eq(account))
        .filter(a::email_verified_at.is_not_null())
        .filter(a::deleted_at.is_null())
        .select((sr::role, sr::department_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, department)| Role::parse(&role).map(|role| Grant { role, department }))
        .collect())
}

/// Whether an account holds any staff role (the account page links to `/staff` then).
pub fn has_any_role(conn: &mut PgConnection, account: Uuid) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        sr::table.filter(sr::account_id.eq(account)),
    ))
    .get_result(conn)?)
}

impl FromRequest for Staff {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Staff>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = Viewer::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let viewer = viewer.await?;
            let state = state.ok_or_else(|| Error::Internal("no application state".into()))?;
            let id = viewer.id;
            let grants = if viewer.verified() {
                state.db(move |conn| grants_of(conn, id)).await?
            } else {
                Vec::new()
            };
            Ok(Staff { viewer, grants })
        })
    }
}
