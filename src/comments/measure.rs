//! Taking part on a measure's page (施策のページ): its comments and following the measure
//! (フォロー; followers hear when a consultation about it opens).

use super::view::{self, CommentForm};
use super::{Cursor, Page, Subject};
use crate::db::schema::{measure_follows as mf, measures};
use crate::error::{Error, Result};
use crate::plan::sections::{Section, SectionLoader};
use crate::web::i18n::{translate, Lang};
use crate::web::visitor::Viewer;
use actix_web::HttpRequest;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Uuid as SqlUuid};
use serde_json::{json, Value};
use uuid::Uuid;

/// `NotFound` unless the measure exists.
pub fn require_measure(conn: &mut PgConnection, code: &str) -> Result<()> {
    let found: bool =
        diesel::select(diesel::dsl::exists(measures::table.find(code))).get_result(conn)?;
    if found {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Follows (`on`) or unfollows a measure. Idempotent.
pub fn set_follow(conn: &mut PgConnection, account: Uuid, code: &str, on: bool) -> Result<()> {
    require_measure(conn, code)?;
    if on {
        diesel::insert_into(mf::table)
            .values((mf::measure_code.eq(code), mf::account_id.eq(account)))
            .on_conflict_do_nothing()
            .execute(conn)?;
    } else {
        diesel::delete(
            mf::table
                .filter(mf::measure_code.eq(code))
                .filter(mf::account_id.eq(account)),
        )
        .execute(conn)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Flags {
    #[diesel(sql_type = Bool)]
    followed: bool,
    #[diesel(sql_type = Bool)]
    premoderated: bool,
}

/// The comments part of a measure's page.
pub struct MeasureComments {
    code: String,
    page: Page,
    organisations: Vec<(Uuid, String)>,
    followed: bool,
    premoderated: bool,
}

/// At most three queries (the page with its replies, the flags, the viewer's organisations),
/// however many comments the measure has.
pub fn load(
    conn: &mut PgConnection,
    code: &str,
    viewer: Option<Uuid>,
    after: Option<Cursor>,
) -> Result<MeasureComments> {
    let subject = Subject::Measure(code.to_owned());
    let page = super::page(conn, &subject, viewer, after)?;
    let flags: Flags = crate::db::prepared(diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM measure_follows WHERE measure_code = $1 AND account_id = $2)
                  AS followed,
                EXISTS (SELECT 1 FROM comment_premoderation WHERE subject_type = 'measure'
                   AND subject_id = $1) AS premoderated",
    )
    .bind::<Text, _>(code)
    .bind::<Nullable<SqlUuid>, _>(viewer))
    .get_result(conn)?;
    Ok(MeasureComments {
        code: code.to_owned(),
        page,
        organisations: match viewer {
            Some(account) => crate::orgs::model::organisations_of(conn, account)?,
            None => Vec::new(),
        },
        followed: flags.followed,
        premoderated: flags.premoderated,
    })
}

impl MeasureComments {
    pub fn json(&self, lang: Lang, viewer: Option<&Viewer>, form: &CommentForm) -> Value {
        let path = format!("/measures/{}", self.code);
        let mut value = view::json(
            lang,
            &view::Section {
                path: path.clone(),
                page: &self.page,
                viewer,
                organisations: &self.organisations,
                form,
                premoderated: self.premoderated,
            },
        );
        value["follow_action"] = json!(format!(
            "{path}/{}",
            if self.followed { "unfollow" } else { "follow" }
        ));
        value["follow_label"] = json!(translate(
            lang,
            if self.followed {
                "comments.unfollow_measure"
            } else {
                "comments.follow_measure"
            },
            &[]
        ));
        value
    }
}

/// The comments section of the measure page (registered by `app`), with the form the request
/// keeps after a refusal.
pub const SECTION: Section = Section {
    key: "comments",
    prepare,
};

fn prepare(req: &HttpRequest) -> Result<SectionLoader> {
    let form = CommentForm::of(req)?;
    let viewer = crate::web::visitor::viewer(req);
    let lang = Lang::of(req);
    Ok(Box::new(move |conn, code| {
        let comments = load(
            conn,
            &code.to_string(),
            viewer.as_ref().map(|v| v.id),
            form.after,
        )?;
        Ok(comments.json(lang, viewer.as_ref(), &form))
    }))
}
