//! The staff area through real HTTP: the authorisation matrix over every staff route,
//! `kyodo create-admin`, recording KPI actual values end to end, and the audit log.

use crate::support::attachments::{pdf, post_multipart};
use crate::support::db::count;
use crate::support::people::{account_id, department, resident, sign_in, staff_member, PASSWORD};
use crate::support::{csrf_of, run, visible_text, TestApp, Visitor};
use diesel::prelude::*;
use diesel::sql_types::Text;
use kyodo::auth::staff::Method;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

pub const TESTS: &[(&str, fn())] = &[
    (
        "staff::every_route_is_in_the_matrix_and_registered_only_there",
        every_route_is_in_the_matrix_and_registered_only_there,
    ),
    ("staff::authorisation_matrix", authorisation_matrix),
    (
        "staff::create_admin_from_the_command_line",
        create_admin_from_the_command_line,
    ),
    (
        "staff::recording_an_actual_value_end_to_end",
        recording_an_actual_value_end_to_end,
    ),
    (
        "staff::the_audit_log_is_append_only_and_filtered_by_person",
        the_audit_log_is_append_only_and_filtered_by_person,
    ),
    (
        "staff::people_roles_and_departments",
        people_roles_and_departments,
    ),
];

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allowed {
    /// Anyone holding a role (reviewer, moderator, admin).
    AnyStaff,
    /// Reviewers (for their departments' records) and admins; not moderators.
    Reviewers,
    /// Moderators (for their departments' comments) and admins; not reviewers.
    Moderators,
    Admin,
}

/// THE table: every staff route (pattern as in `STAFF_ROUTES`, method) and who may use it.
/// A route in the app without a row here fails `every_route_is_in_the_matrix…`.
const MATRIX: &[(&str, Method, Allowed)] = &[
    ("/staff", Method::Get, Allowed::AnyStaff),
    ("/staff/people", Method::Get, Allowed::Admin),
    ("/staff/people/{id}", Method::Get, Allowed::Admin),
    ("/staff/people/{id}/roles", Method::Post, Allowed::Admin),
    (
        "/staff/people/{id}/roles/revoke",
        Method::Post,
        Allowed::Admin,
    ),
    ("/staff/departments", Method::Get, Allowed::Admin),
    ("/staff/departments", Method::Post, Allowed::Admin),
    ("/staff/departments/{id}", Method::Post, Allowed::Admin),
    ("/staff/organisations", Method::Get, Allowed::Admin),
    (
        "/staff/organisations/{id}/verify",
        Method::Post,
        Allowed::Admin,
    ),
    ("/staff/kpis", Method::Get, Allowed::Admin),
    ("/staff/kpis/{code}", Method::Get, Allowed::Admin),
    ("/staff/kpis/{code}", Method::Post, Allowed::Admin),
    ("/staff/audit", Method::Get, Allowed::Admin),
    ("/staff/outbox", Method::Get, Allowed::Admin),
    ("/staff/figures", Method::Get, Allowed::AnyStaff),
    ("/staff/outbox/{id}/retry", Method::Post, Allowed::Admin),
    ("/staff/proposals.csv", Method::Get, Allowed::Reviewers),
    ("/staff/proposals", Method::Get, Allowed::Reviewers),
    ("/staff/proposals/imports", Method::Get, Allowed::Reviewers),
    (
        "/staff/proposals/imports/template.csv",
        Method::Get,
        Allowed::Reviewers,
    ),
    ("/staff/proposals/imports", Method::Post, Allowed::Reviewers),
    (
        "/staff/proposals/imports/{batch}",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/proposals/imports/{batch}",
        Method::Post,
        Allowed::Reviewers,
    ),
    ("/staff/proposals/{id}", Method::Get, Allowed::Reviewers),
    (
        "/staff/proposals/{id}/assign",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/proposals/{id}/transition",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/proposals/{id}/notes",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/proposals/{id}/responses",
        Method::Post,
        Allowed::Reviewers,
    ),
    ("/staff/measures", Method::Get, Allowed::Admin),
    ("/staff/measures", Method::Post, Allowed::Admin),
    ("/staff/consultations", Method::Get, Allowed::AnyStaff),
    ("/staff/consultations/new", Method::Get, Allowed::Admin),
    ("/staff/consultations", Method::Post, Allowed::Admin),
    ("/staff/consultations/{id}", Method::Get, Allowed::Reviewers),
    (
        "/staff/consultations/{id}/edit",
        Method::Get,
        Allowed::Admin,
    ),
    (
        "/staff/consultations/{id}/edit",
        Method::Post,
        Allowed::Admin,
    ),
    (
        "/staff/consultations/{id}/comments",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/imports",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/imports/template.csv",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/imports",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/imports/{batch}",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/imports/{batch}",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/items",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/exclude",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/publish",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/preview",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/consultations/{id}/announce",
        Method::Post,
        Allowed::Admin,
    ),
    (
        "/staff/consultations/{id}/correct",
        Method::Post,
        Allowed::Admin,
    ),
    (
        "/staff/consultations/{id}/extend",
        Method::Post,
        Allowed::Admin,
    ),
    // After the correction and the extension: the admin withdraws the same one.
    (
        "/staff/consultations/{id}/withdraw",
        Method::Post,
        Allowed::Admin,
    ),
    ("/staff/meetings", Method::Get, Allowed::AnyStaff),
    ("/staff/meetings/new", Method::Get, Allowed::Reviewers),
    ("/staff/meetings", Method::Post, Allowed::Reviewers),
    ("/staff/meetings/{id}", Method::Get, Allowed::Reviewers),
    ("/staff/meetings/{id}/edit", Method::Get, Allowed::Reviewers),
    (
        "/staff/meetings/{id}/edit",
        Method::Post,
        Allowed::Reviewers,
    ),
    // The draft just edited is published (the admin's second click changes nothing).
    (
        "/staff/meetings/{id}/publish",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/meetings/{id}/registrations",
        Method::Post,
        Allowed::Reviewers,
    ),
    // The registration just entered is cancelled.
    (
        "/staff/meetings/{id}/registrations/cancel",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/meetings/{id}/cancel",
        Method::Post,
        Allowed::Reviewers,
    ),
    // After a meeting held two days ago: attendance, minutes, proposals born.
    (
        "/staff/meetings/{id}/attendance",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/meetings/{id}/minutes",
        Method::Post,
        Allowed::Reviewers,
    ),
    // The minutes' files: a PDF uploaded (multipart), then a file of the meeting removed.
    (
        "/staff/meetings/{id}/attachments",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/meetings/{id}/attachments/{attachment}/remove",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/meetings/{id}/proposals",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/meetings/{id}/proposals/draft",
        Method::Post,
        Allowed::Reviewers,
    ),
    ("/staff/surveys", Method::Get, Allowed::AnyStaff),
    ("/staff/surveys/new", Method::Get, Allowed::Reviewers),
    ("/staff/surveys", Method::Post, Allowed::Reviewers),
    // Each request makes a later year's satisfaction survey (one per 年度).
    (
        "/staff/surveys/satisfaction/new",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/satisfaction/new",
        Method::Post,
        Allowed::Reviewers,
    ),
    ("/staff/surveys/{id}", Method::Get, Allowed::Reviewers),
    ("/staff/surveys/{id}/edit", Method::Get, Allowed::Reviewers),
    ("/staff/surveys/{id}/edit", Method::Post, Allowed::Reviewers),
    (
        "/staff/surveys/{id}/sections",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/questions",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/questions/{question}",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/questions/{question}",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/questions/{question}/move",
        Method::Post,
        Allowed::Reviewers,
    ),
    // A question added for each request deletes it.
    (
        "/staff/surveys/{id}/questions/{question}/delete",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/preview",
        Method::Get,
        Allowed::Reviewers,
    ),
    // The draft built above is published (the admin's second click changes nothing).
    (
        "/staff/surveys/{id}/publish",
        Method::Post,
        Allowed::Reviewers,
    ),
    // An open survey of the matrix's department: paper answers, codes (a printable page,
    // 200), free text, results, closed early.
    ("/staff/surveys/{id}/enter", Method::Get, Allowed::Reviewers),
    (
        "/staff/surveys/{id}/enter",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/codes",
        Method::Post,
        Allowed::Reviewers,
    ),
    ("/staff/surveys/{id}/texts", Method::Get, Allowed::Reviewers),
    (
        "/staff/surveys/{id}/texts/{answer}",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/results",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/surveys/{id}/close",
        Method::Post,
        Allowed::Reviewers,
    ),
    // Answer templates and bulk answering (issue 15): a template of the matrix's department
    // (each delete gets a fresh one), a proposal's draft decision, and the drafts page (each
    // publication a fresh draft result item of the closed consultation).
    ("/staff/answer-templates", Method::Get, Allowed::Reviewers),
    ("/staff/answer-templates", Method::Post, Allowed::Reviewers),
    (
        "/staff/answer-templates/{id}",
        Method::Get,
        Allowed::Reviewers,
    ),
    (
        "/staff/answer-templates/{id}",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/answer-templates/{id}/delete",
        Method::Post,
        Allowed::Reviewers,
    ),
    (
        "/staff/proposals/{id}/draft",
        Method::Post,
        Allowed::Reviewers,
    ),
    ("/staff/drafts", Method::Get, Allowed::Reviewers),
    ("/staff/drafts/publish", Method::Post, Allowed::Reviewers),
    ("/staff/moderation", Method::Get, Allowed::Moderators),
    (
        "/staff/moderation/{id}/hide",
        Method::Post,
        Allowed::Moderators,
    ),
    (
        "/staff/moderation/{id}/restore",
        Method::Post,
        Allowed::Moderators,
    ),
    (
        "/staff/moderation/{id}/approve",
        Method::Post,
        Allowed::Moderators,
    ),
    (
        "/staff/moderation/{id}/dismiss",
        Method::Post,
        Allowed::Moderators,
    ),
    (
        "/staff/moderation/premoderation",
        Method::Post,
        Allowed::Moderators,
    ),
    ("/staff/moderation/settings", Method::Get, Allowed::Admin),
    ("/staff/moderation/settings", Method::Post, Allowed::Admin),
    ("/staff/moderation/blocks", Method::Get, Allowed::Moderators),
    (
        "/staff/moderation/blocks",
        Method::Post,
        Allowed::Moderators,
    ),
    (
        "/staff/moderation/blocks/{id}/lift",
        Method::Post,
        Allowed::Moderators,
    ),
];

/// A file of one paper opinion received within the matrix's closed consultation.
const IMPORT_CSV: &str =
    "受付日,意見,氏名,住所\r\n2020/1/12,行列の紙の意見,本庄 次郎,本庄市2-2\r\n";

/// A paper proposal on 5-1 (the matrix's reviewer's measure).
const PROPOSALS_CSV: &str =
    "受付日,氏名,住所,事業名,概要,施策\r\n2020/1/12,本庄 三郎,本庄市3-3,行列の紙の提案,概要,5-1\r\n";

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The `id` a statement returns (an INSERT … RETURNING too).
fn one(app: &TestApp, sql: &str) -> String {
    diesel::sql_query(sql)
        .get_result::<Id>(&mut app.db())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .id
}

fn staff_source_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            staff_source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn every_route_is_in_the_matrix_and_registered_only_there() {
    let routes: Vec<_> = kyodo::app::staff_routes().collect();
    let in_app: BTreeSet<(&str, String)> = routes
        .iter()
        .map(|r| (r.path, format!("{:?}", r.method)))
        .collect();
    let in_matrix: BTreeSet<(&str, String)> = MATRIX
        .iter()
        .map(|(p, m, _)| (*p, format!("{m:?}")))
        .collect();
    let missing: Vec<_> = in_app.difference(&in_matrix).collect();
    let stale: Vec<_> = in_matrix.difference(&in_app).collect();
    assert!(
        missing.is_empty(),
        "staff routes without a row in the authorisation matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows of the matrix that are no staff route: {stale:?}"
    );
    assert_eq!(in_app.len(), routes.len(), "no route twice");
    // Staff routes are registered from the domains' STAFF_ROUTES tables only: no file adds one.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    staff_source_files(&root, &mut files);
    let own = root.join("auth").join("staff.rs");
    for file in files.iter().filter(|f| **f != own) {
        let text = std::fs::read_to_string(file).unwrap();
        for pattern in [
            "route(\"/staff",
            "resource(\"/staff",
            "scope(\"/staff",
            "service(\"/staff",
        ] {
            assert!(
                !text.contains(pattern),
                "{} registers a staff route outside STAFF_ROUTES",
                file.display()
            );
        }
    }
    let own_text = std::fs::read_to_string(&own).unwrap();
    assert_eq!(
        own_text.matches("cfg.route(").count(),
        1,
        "src/auth/staff.rs registers routes only in the loop over the staff route tables"
    );
}

/// What the matrix needs to exist: a person to grant roles to, a role to revoke, a department,
/// an organisation, a failed email, a KPI.
struct Fixture {
    target: String,
    revocable: String,
    department: i32,
    organisation: String,
    email: String,
    kpi: String,
    /// A closed consultation of the matrix's department, with one opinion.
    consultation: String,
    /// A draft (only those can be edited, previewed before and announced).
    scheduled: String,
    /// An announced one, open: corrected, extended and withdrawn.
    open: String,
    /// A submitted proposal on measure 5-1, whose department the matrix's reviewer reviews.
    proposal: String,
    reviewer: String,
    /// A reported comment on measure 5-1, whose department the matrix's moderator moderates.
    comment: String,
    /// A posting block (投稿停止) in force on Taro, to lift.
    block: String,
    /// Meetings of the matrix's department: a draft (edited, then published), an upcoming one
    /// (registrations), another (cancelled) and one held two days ago (its record).
    meeting_draft: String,
    meeting_upcoming: String,
    meeting_cancellable: String,
    meeting_held: String,
    /// Surveys of the matrix's department: a draft being built (one question), and an open
    /// one answered by code with a free-text answer.
    survey_build: String,
    survey_question: String,
    survey_open: String,
    survey_open_question: String,
    survey_open_choice: String,
    survey_answer: String,
    /// An answer template of the matrix's department.
    answer_template: String,
    /// A file of paper opinions uploaded for `consultation`, previewed (the reviewer imports
    /// it; the admin's import adds nothing).
    import_batch: String,
    /// A file of paper proposals on 5-1 the reviewer uploaded, previewed (the reviewer imports
    /// it; the admin's import adds nothing).
    proposal_batch: String,
}

fn concrete(pattern: &str, f: &Fixture) -> String {
    match pattern {
        p if p.starts_with("/staff/people/{id}") => p.replace("{id}", &f.target),
        p if p.starts_with("/staff/departments/{id}") => {
            p.replace("{id}", &f.department.to_string())
        }
        p if p.starts_with("/staff/organisations/{id}") => p.replace("{id}", &f.organisation),
        p if p.starts_with("/staff/outbox/{id}") => p.replace("{id}", &f.email),
        p if p.starts_with("/staff/kpis/{code}") => p.replace("{code}", "5-1"),
        "/staff/proposals/imports/{batch}" => {
            "/staff/proposals/imports/{batch}".replace("{batch}", &f.proposal_batch)
        }
        p if p.starts_with("/staff/proposals/{id}") => p.replace("{id}", &f.proposal),
        p if p.starts_with("/staff/answer-templates/{id}") => p.replace("{id}", &f.answer_template),
        p if p.starts_with("/staff/consultations/{id}/")
            && matches!(p.rsplit('/').next(), Some("edit" | "preview" | "announce")) =>
        {
            p.replace("{id}", &f.scheduled)
        }
        p if p.starts_with("/staff/consultations/{id}/")
            && matches!(
                p.rsplit('/').next(),
                Some("correct" | "extend" | "withdraw")
            ) =>
        {
            p.replace("{id}", &f.open)
        }
        p if p.starts_with("/staff/consultations/{id}") => p
            .replace("{id}", &f.consultation)
            .replace("{batch}", &f.import_batch),
        "/staff/moderation/blocks/{id}/lift" => {
            "/staff/moderation/blocks/{id}/lift".replace("{id}", &f.block)
        }
        p if p.starts_with("/staff/moderation/{id}") => p.replace("{id}", &f.comment),
        p if p.starts_with("/staff/meetings/{id}/")
            && matches!(p.rsplit('/').next(), Some("edit" | "publish")) =>
        {
            p.replace("{id}", &f.meeting_draft)
        }
        "/staff/meetings/{id}/cancel" => {
            "/staff/meetings/{id}/cancel".replace("{id}", &f.meeting_cancellable)
        }
        p if p.starts_with("/staff/meetings/{id}/")
            && matches!(
                p.rsplit('/').next(),
                Some("attendance" | "minutes" | "attachments" | "remove" | "proposals" | "draft")
            ) =>
        {
            p.replace("{id}", &f.meeting_held)
        }
        p if p.starts_with("/staff/meetings/{id}") => p.replace("{id}", &f.meeting_upcoming),
        p if p.starts_with("/staff/surveys/{id}/")
            && matches!(
                p.rsplit('/').next(),
                Some("enter" | "codes" | "texts" | "{answer}" | "results" | "close")
            ) =>
        {
            p.replace("{id}", &f.survey_open)
                .replace("{answer}", &f.survey_answer)
        }
        p if p.starts_with("/staff/surveys/{id}") => p
            .replace("{id}", &f.survey_build)
            .replace("{question}", &f.survey_question),
        p => {
            assert!(
                !p.contains('{'),
                "the matrix test does not know how to fill in {p}"
            );
            p.to_owned()
        }
    }
}

/// Valid fields for each POST route, so an admin's request succeeds (303).
fn fields(app: &TestApp, pattern: &str, f: &Fixture) -> Vec<(&'static str, String)> {
    // The proposal's forms carry the version they were read at, and the workflow action
    // possible now.
    if pattern.starts_with("/staff/proposals/{id}/") {
        let row = one(
            app,
            &format!(
                "SELECT state || ' ' || version AS id FROM proposals WHERE id = '{}'",
                f.proposal
            ),
        );
        let (state, version) = row.split_once(' ').unwrap();
        let mut fields = vec![("version", version.to_owned())];
        match pattern {
            "/staff/proposals/{id}/assign" => fields.push(("assignee", f.reviewer.clone())),
            "/staff/proposals/{id}/draft" => {
                fields.push(("action", "adopt".into()));
                fields.push(("reason", "下書きの理由".into()));
            }
            "/staff/proposals/{id}/transition" => {
                let action = if state == "submitted" {
                    "start_review"
                } else {
                    "adopt"
                };
                fields.push(("action", action.into()));
                fields.push(("reason", "地域の課題に合致するため。".into()));
            }
            _ => fields.push(("body", "確認しました。".into())),
        }
        return fields;
    }
    match pattern {
        "/staff/answer-templates" | "/staff/answer-templates/{id}" => vec![
            ("department", f.department.to_string()),
            ("purpose", "decision".into()),
            ("title", "行列の定型文".into()),
            ("body", "{氏名}様".into()),
        ],
        "/staff/drafts/publish" => {
            let item = one(
                app,
                &format!("WITH i AS (INSERT INTO consultation_result_items (consultation_id, number, summary, response, changed)
                     SELECT {0}, coalesce(max(number), 0) + 1, '要旨', '市の考え方', false FROM consultation_result_items WHERE consultation_id = {0}
                     RETURNING id)
                 INSERT INTO consultation_item_drafts (item_id, author_id) SELECT id, '{1}' FROM i RETURNING item_id::text AS id",
                    f.consultation, f.reviewer),
            );
            vec![("chosen", format!("item:{item}"))]
        }
        "/staff/measures" => vec![
            ("measure", "5-2".into()),
            ("department", f.department.to_string()),
        ],
        "/staff/people/{id}/roles" => vec![
            ("role", "moderator".into()),
            ("department", f.department.to_string()),
        ],
        "/staff/people/{id}/roles/revoke" => vec![("grant", f.revocable.clone())],
        "/staff/departments" => vec![("name", "新設の課".into())],
        "/staff/consultations" | "/staff/consultations/{id}/edit" => vec![
            ("title", "行列の意見公募".into()),
            ("department", f.department.to_string()),
            ("measures", "5-1".into()),
            ("summary", "概要".into()),
            ("opens_on", "2030-04-01".into()),
            ("closes_on", "2030-04-30".into()),
        ],
        "/staff/consultations/{id}/comments" => vec![
            ("channel", "paper".into()),
            ("received_on", "2020-01-10".into()),
            ("body", "書面の意見".into()),
            ("name", "本庄一郎".into()),
            ("address", "本庄市1-1".into()),
        ],
        // Every opinion not yet answered (the reviewer's paper one too), so publishing works.
        "/staff/consultations/{id}/items" => vec![
            ("receipts", one(app, &format!("SELECT coalesce(string_agg(receipt_number, ' '), '') AS id FROM consultation_comments WHERE consultation_id = {} AND item_id IS NULL", f.consultation))),
            ("summary", "要旨".into()),
            ("response", "市の考え方".into()),
            ("changed", "no".into()),
        ],
        "/staff/consultations/{id}/correct" => vec![
            ("title", "行列の意見公募（訂正）".into()),
            ("summary", "概要".into()),
            ("sections", "## 第1章\n本文".into()),
            ("note", "件名の誤字を訂正しました。".into()),
        ],
        "/staff/consultations/{id}/extend" => vec![
            ("closes_on", "2099-12-31".into()),
            ("reason", "説明会を追加で開くため。".into()),
        ],
        "/staff/consultations/{id}/withdraw" => vec![("reason", "計画の見直しのため。".into())],
        "/staff/consultations/{id}/exclude" => vec![
            ("receipt", "PC-2020-0001-000001".into()),
            ("reason", "第三者の権利を害するため".into()),
        ],
        "/staff/departments/{id}" => vec![("name", "名前を変えた課".into())],
        "/staff/meetings" | "/staff/meetings/{id}/edit" => vec![
            ("kind", "workshop".into()),
            ("title", "行列のワークショップ".into()),
            ("description", "協働のまちづくりを話し合います。".into()),
            ("department", f.department.to_string()),
            ("measures", "5-1".into()),
            ("starts_at", "2030-05-10T14:00".into()),
            ("ends_at", "2030-05-10T16:00".into()),
            ("venue_name", "本庄市役所".into()),
            ("capacity", "20".into()),
            (
                "version",
                one(app, &format!("SELECT version::text AS id FROM meetings WHERE id = {}", f.meeting_draft)),
            ),
        ],
        "/staff/surveys" | "/staff/surveys/{id}/edit" => vec![
            ("title", "行列のアンケート".into()),
            ("department", f.department.to_string()),
            ("access", "code".into()),
            ("opens_at", "2030-05-10T09:00".into()),
            ("closes_at", "2030-06-10T17:00".into()),
            ("results_mode", "on_publish".into()),
            (
                "version",
                one(app, &format!("SELECT version::text AS id FROM surveys WHERE id = {}", f.survey_build)),
            ),
        ],
        "/staff/surveys/satisfaction/new" => vec![
            (
                "fiscal_year",
                one(app, "SELECT (coalesce(max(fiscal_year), 2030) + 1)::text AS id FROM surveys WHERE kind = 'satisfaction'"),
            ),
            ("department", f.department.to_string()),
            ("access", "code".into()),
            ("opens_at", "2030-05-10T09:00".into()),
            ("closes_at", "2030-06-10T17:00".into()),
        ],
        "/staff/surveys/{id}/sections" => vec![("title", "地域について".into())],
        "/staff/surveys/{id}/questions" | "/staff/surveys/{id}/questions/{question}" => vec![
            ("kind", "single".into()),
            ("text", "行列の設問".into()),
            ("choices", "はい\nいいえ".into()),
        ],
        "/staff/surveys/{id}/questions/{question}/move" => vec![("direction", "down".into())],
        "/staff/surveys/{id}/enter" => vec![
            ("channel", "paper".into()),
            // The form's field of the question (`q{id}`), leaked: the matrix's fields are static.
            (
                Box::leak(format!("q{}", f.survey_open_question).into_boxed_str()),
                f.survey_open_choice.clone(),
            ),
        ],
        "/staff/surveys/{id}/codes" => vec![("count", "2".into()), ("format", "html".into())],
        "/staff/surveys/{id}/texts/{answer}" => vec![("state", "shown".into())],
        "/staff/meetings/{id}/registrations" => vec![
            ("channel", "phone".into()),
            ("name", "電話 花子".into()),
            ("phone", "0495-00-0000".into()),
        ],
        "/staff/meetings/{id}/registrations/cancel" => vec![(
            "registration",
            one(app, &format!("SELECT coalesce(max(id)::text, '0') AS id FROM meeting_registrations WHERE meeting_id = {} AND status <> 'cancelled'", f.meeting_upcoming)),
        )],
        "/staff/meetings/{id}/cancel" => vec![("reason", "台風の接近のため。".into())],
        "/staff/meetings/{id}/attendance" => vec![("count", "12".into())],
        "/staff/meetings/{id}/minutes" => vec![
            ("summary", "12人が参加しました。".into()),
            ("topics", "1".into()),
            ("topic-1", "駐輪場".into()),
            ("said-1", "駅前の駐輪場が足りない。".into()),
            ("response-1", "来年度に検討します。".into()),
            ("publish", "1".into()),
        ],
        "/staff/meetings/{id}/proposals" => vec![("proposal", f.proposal.clone())],
        "/staff/meetings/{id}/proposals/draft" => vec![("topic", "1".into())],
        "/staff/moderation/{id}/hide" => vec![("reason", "個人を中傷しているため".into())],
        "/staff/moderation/premoderation" => vec![("measure", "5-1".into()), ("on", "1".into())],
        "/staff/moderation/settings" => vec![("threshold", "4".into())],
        "/staff/moderation/blocks" => vec![
            ("account", f.target.clone()),
            ("length", "7".into()),
            ("reason", "宣伝の書き込みを繰り返したため".into()),
        ],
        "/staff/kpis/{code}" => vec![
            ("kpi", f.kpi.clone()),
            ("fiscal_year", "2024".into()),
            ("value", "44".into()),
            ("source", "県の名簿".into()),
        ],
        _ => vec![],
    }
}

async fn csrf(visitor: &Visitor, signed_in: bool) -> String {
    csrf_of(&visitor.page(if signed_in { "/" } else { "/login" }).await)
}

fn authorisation_matrix() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let reviewer = staff_member(
            &app,
            "reviewer@example.jp",
            "審査担当",
            &[("reviewer", Some("市民活動推進課"))],
        )
        .await;
        let moderator = staff_member(
            &app,
            "moderator@example.jp",
            "コメント担当",
            &[("moderator", Some("市民活動推進課"))],
        )
        .await;
        let citizen = app.visitor();
        resident(&app, &citizen, "taro@example.jp", "太郎").await;
        let anonymous = app.visitor();
        let department = department(&app, "市民活動推進課");
        let target = account_id(&app, "taro@example.jp");
        let revocable = one(
            &app,
            &format!("INSERT INTO staff_roles (account_id, role, department_id) VALUES ('{target}', 'reviewer', {department}) RETURNING id::text AS id"),
        );
        // Taro holds a role now; the matrix asks as a resident with none.
        let plain = app.visitor();
        resident(&app, &plain, "jiro@example.jp", "次郎").await;
        let organisation = one(&app, "INSERT INTO organisations (id, name, kind) VALUES (gen_random_uuid(), '北口自治会', 'jichikai') RETURNING id::text AS id");
        let email = one(
            &app,
            "INSERT INTO outbox (to_address, subject, text_body, html_body, category, attempts, failed_at, last_error)
             VALUES ('x@example.jp', '件名', '本文', '<p>本文</p>', 'security', 5, now(), '550 mailbox unavailable') RETURNING id::text AS id",
        );
        let kpi = one(
            &app,
            "SELECT id::text AS id FROM kpis WHERE measure_code = '5-1' AND name = 'NPO法人登録数'",
        );
        diesel::sql_query(format!(
            "INSERT INTO measure_departments (measure_code, department_id) VALUES ('5-1', {department})"
        ))
        .execute(&mut app.db())
        .unwrap();
        let proposal = one(
            &app,
            &format!("WITH p AS (INSERT INTO proposals (id, author_id, state, title, summary, submitted_at)
                 VALUES (gen_random_uuid(), '{target}', 'submitted', '行列の提案', '概要', now()) RETURNING id)
             INSERT INTO proposal_measures (proposal_id, measure_code, position) SELECT id, '5-1', 0 FROM p
             RETURNING proposal_id::text AS id"),
        );
        let reviewer_id = account_id(&app, "reviewer@example.jp");
        let block = one(
            &app,
            &format!("INSERT INTO posting_blocks (id, account_id, reason, starts_at, ends_at)
                 VALUES (gen_random_uuid(), '{target}', '行列の停止', now(), now() + interval '30 days') RETURNING id::text AS id"),
        );
        let consultation = one(
            &app,
            &format!("WITH c AS (INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at)
                 VALUES ('行列の意見公募', {department}, '概要', '2020-01-01', '2020-01-31', '2019-12-01') RETURNING id)
             INSERT INTO consultation_comments (consultation_id, receipt_seq, receipt_number, channel, received_at, body)
             SELECT id, 1, 'PC-2020-' || lpad(id::text, 4, '0') || '-000001', 'web', '2020-01-05', '意見' FROM c
             RETURNING consultation_id::text AS id"),
        );
        let scheduled = one(
            &app,
            &format!("INSERT INTO consultations (title, department_id, summary, opens_on, closes_on)
                 VALUES ('公示前の意見公募', {department}, '概要', '2030-04-01', '2030-04-30') RETURNING id::text AS id"),
        );
        let open = one(
            &app,
            &format!("INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, published_at)
                 VALUES ('募集中の意見公募', {department}, '概要', '2020-01-01', '2099-12-30', '2019-12-01') RETURNING id::text AS id"),
        );
        let comment = one(
            &app,
            &format!("WITH c AS (INSERT INTO comments (id, subject_type, subject_id, author_id, body)
                 VALUES (gen_random_uuid(), 'measure', '5-1', '{target}', '通報されたコメント') RETURNING id)
             INSERT INTO comment_reports (id, comment_id, reporter_id, reason)
             SELECT gen_random_uuid(), id, '{target}', '宣伝のため' FROM c RETURNING comment_id::text AS id"),
        );
        let meeting = |title: &str, published: &str, starts: &str| {
            one(
                &app,
                &format!("INSERT INTO meetings (kind, title, description, department_id, starts_at, ends_at, venue_name, capacity, published_at)
                     VALUES ('dialogue', '{title}', '説明', {department}, {starts}, {starts} + interval '2 hours', '本庄市役所', 10, {published})
                     RETURNING id::text AS id"),
            )
        };
        let meeting_draft = meeting("公開前の会", "NULL", "now() + interval '40 days'");
        let meeting_upcoming = meeting(
            "開催予定の会",
            "now() - interval '1 day'",
            "now() + interval '30 days'",
        );
        let meeting_cancellable = meeting(
            "中止する会",
            "now() - interval '1 day'",
            "now() + interval '30 days'",
        );
        let meeting_held = meeting(
            "開催した会",
            "now() - interval '10 days'",
            "now() - interval '2 days'",
        );
        diesel::sql_query(format!(
            "INSERT INTO meeting_measures (meeting_id, measure_code) VALUES ({meeting_held}, '5-1')"
        ))
        .execute(&mut app.db())
        .unwrap();
        let survey = |title: &str, published: &str| {
            one(
                &app,
                &format!("INSERT INTO surveys (kind, access, title, department_id, opens_at, closes_at, published_at)
                     VALUES ('general', 'code', '{title}', {department}, now() - interval '1 day', now() + interval '30 days', {published})
                     RETURNING id::text AS id"),
            )
        };
        let survey_question_of = |survey: &str, kind: &str| {
            one(
                &app,
                &format!("INSERT INTO survey_questions (survey_id, position, kind, text)
                     SELECT {survey}, coalesce(max(position) + 1, 0), '{kind}', '行列の設問' FROM survey_questions WHERE survey_id = {survey}
                     RETURNING id::text AS id"),
            )
        };
        let choices_of = |question: &str| {
            one(
                &app,
                &format!("INSERT INTO survey_choices (question_id, position, label) VALUES ({question}, 0, 'はい'), ({question}, 1, 'いいえ')
                     RETURNING id::text AS id"),
            )
        };
        let survey_build = survey("作成中のアンケート", "NULL");
        let survey_question = survey_question_of(&survey_build, "single");
        let _ = choices_of(&survey_question);
        let survey_open = survey("受付中のアンケート", "now() - interval '2 days'");
        let survey_open_question = survey_question_of(&survey_open, "single");
        let survey_open_choice = choices_of(&survey_open_question);
        let survey_open_text = survey_question_of(&survey_open, "long_text");
        let survey_answer = one(
            &app,
            &format!("WITH r AS (INSERT INTO survey_responses (survey_id, respondent, status, receipt, submitted_at)
                 VALUES ({survey_open}, repeat('a', 64), 'submitted', 'MATRIX01', now()) RETURNING id)
             INSERT INTO survey_answers (response_id, question_id, text, text_state)
             SELECT r.id, {survey_open_text}, '行列の自由記述', 'pending' FROM r RETURNING id::text AS id"),
        );
        let answer_template = one(
            &app,
            &format!("INSERT INTO answer_templates (department_id, purpose, title, body, created_by)
                 VALUES ({department}, 'decision', '行列の定型文', '{{氏名}}様', '{reviewer_id}') RETURNING id::text AS id"),
        );
        let import_batch = one(
            &app,
            &format!("INSERT INTO import_batches (consultation_id, sha256, filename, bytes, uploaded_by)
                 VALUES ({consultation}, encode(sha256(convert_to('{IMPORT_CSV}', 'UTF8')), 'hex'), '紙の意見.csv', convert_to('{IMPORT_CSV}', 'UTF8'), '{reviewer_id}')
                 RETURNING id::text AS id"),
        );
        let proposal_batch = one(
            &app,
            &format!("INSERT INTO import_batches (kind, sha256, filename, bytes, uploaded_by)
                 VALUES ('proposals', encode(sha256(convert_to('{PROPOSALS_CSV}', 'UTF8')), 'hex'), '紙の提案.csv', convert_to('{PROPOSALS_CSV}', 'UTF8'), '{reviewer_id}')
                 RETURNING id::text AS id"),
        );
        let fixture = Fixture {
            proposal_batch,
            answer_template,
            target,
            revocable,
            department,
            organisation,
            email,
            kpi,
            consultation,
            scheduled,
            open,
            proposal,
            reviewer: reviewer_id,
            comment,
            block,
            meeting_draft,
            meeting_upcoming,
            meeting_cancellable,
            meeting_held,
            survey_build,
            survey_question,
            survey_open,
            survey_open_question,
            survey_open_choice,
            survey_answer,
            import_batch,
        };

        let mut failures = Vec::new();
        let visitors: [(&str, &Visitor, bool); 5] = [
            ("anonymous", &anonymous, false),
            ("resident", &plain, true),
            ("reviewer", &reviewer, true),
            ("moderator", &moderator, true),
            ("admin", &admin, true),
        ];
        for (who, visitor, signed_in) in visitors {
            let token = csrf(visitor, signed_in).await;
            for (pattern, method, allowed) in MATRIX {
                let mut path = concrete(pattern, &fixture);
                if path.contains("{attachment}") {
                    // A file of the meeting for each request to remove.
                    let file = one(&app, &format!("INSERT INTO attachments (id, owner_type, owner_id, filename, content_type, byte_size, sha256, data, uploaded_by)
                         VALUES (gen_random_uuid(), 'meeting', '{}', '資料.pdf', 'application/pdf', 4, encode(sha256('%PDF'::bytea), 'hex'), '%PDF'::bytea, '{}')
                         RETURNING id::text AS id", fixture.meeting_held, fixture.reviewer));
                    path = path.replace("{attachment}", &file);
                }
                if *pattern == "/staff/answer-templates/{id}/delete" {
                    // A template for each request to delete.
                    let doomed = one(&app, &format!("INSERT INTO answer_templates (department_id, purpose, title, body, created_by)
                         VALUES ({}, 'result', '消す定型文', '本文', '{}') RETURNING id::text AS id", fixture.department, fixture.reviewer));
                    path = format!("/staff/answer-templates/{doomed}/delete");
                }
                if *pattern == "/staff/surveys/{id}/questions/{question}/delete" {
                    // A question of the draft for each request to delete.
                    let question = one(&app, &format!("INSERT INTO survey_questions (survey_id, position, kind, text)
                         SELECT {0}, coalesce(max(position), 0) + 1, 'short_text', '消す設問' FROM survey_questions WHERE survey_id = {0}
                         RETURNING id::text AS id", fixture.survey_build));
                    path = format!(
                        "/staff/surveys/{}/questions/{question}/delete",
                        fixture.survey_build
                    );
                }
                let response = match method {
                    Method::Get => visitor.get(&path).await,
                    Method::Post if *pattern == "/staff/meetings/{id}/attachments" => {
                        post_multipart(visitor, &path, Some(&token), "資料.pdf", &pdf()).await
                    }
                    Method::Post if *pattern == "/staff/proposals/imports" => {
                        let csv = PROPOSALS_CSV.replace("行列", who);
                        post_multipart(visitor, &path, Some(&token), "紙.csv", csv.as_bytes()).await
                    }
                    Method::Post if *pattern == "/staff/consultations/{id}/imports" => {
                        let csv = IMPORT_CSV.replace("行列", who);
                        post_multipart(visitor, &path, Some(&token), "紙.csv", csv.as_bytes()).await
                    }
                    Method::Post => {
                        let mut body: Vec<(&str, String)> = vec![("csrf", token.clone())];
                        body.extend(fields(&app, pattern, &fixture));
                        visitor
                            .client
                            .post(visitor.url(&path))
                            .form(&body)
                            .send()
                            .await
                            .unwrap()
                    }
                };
                let status = response.status().as_u16();
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let may = matches!(
                    (who, allowed),
                    ("admin", _)
                        | ("reviewer" | "moderator", Allowed::AnyStaff)
                        | ("reviewer", Allowed::Reviewers)
                        | ("moderator", Allowed::Moderators)
                );
                let ok = match (who, may, method) {
                    ("anonymous", _, _) => status == 303 && location.starts_with("/login?next="),
                    (_, false, _) => status == 403,
                    (_, true, Method::Get) => status == 200,
                    // The codes are shown once, on the page the form answers with.
                    (_, true, Method::Post) if *pattern == "/staff/surveys/{id}/codes" => {
                        status == 200
                    }
                    (_, true, Method::Post) => status == 303 && !location.starts_with("/login"),
                };
                if !ok {
                    let body = visible_text(&response.text().await.unwrap_or_default());
                    failures.push(format!(
                        "{who} {method:?} {path}: {status} {location} {}",
                        body.chars().take(300).collect::<String>()
                    ));
                }
            }
        }
        // What the admin's requests did.
        assert_eq!(count(&app, "SELECT count(*) AS n FROM kpi_actuals"), 1);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM departments WHERE name IN ('新設の課', '名前を変えた課')"), 2);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM organisations WHERE verified_at IS NOT NULL"
            ),
            1
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM outbox WHERE failed_at IS NULL AND to_address = 'x@example.jp'"), 1);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM staff_roles WHERE role = 'moderator' AND account_id = (SELECT id FROM accounts WHERE email = 'taro@example.jp')"), 1);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM staff_roles WHERE role = 'reviewer' AND account_id = (SELECT id FROM accounts WHERE email = 'taro@example.jp')"), 0);
        for action in [
            "staff.grant_role",
            "staff.revoke_role",
            "staff.create_department",
            "staff.rename_department",
            "organisation.verify",
            "kpi.record_actual",
            "outbox.retry",
            "consultation.announce",
            "consultation.correct",
            "consultation.extend",
            "consultation.withdraw",
        ] {
            assert_eq!(
                count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = '{action}' AND actor_id = (SELECT id FROM accounts WHERE email = 'admin@example.jp') AND ip IS NOT NULL")),
                1,
                "{action} recorded with its actor and address"
            );
        }
        // The reviewer imported the file; the admin's import of it added nothing.
        assert_eq!(count(&app, "SELECT count(*) AS n FROM consultation_comments WHERE body = '行列の紙の意見' AND channel = 'paper' AND entered_by = (SELECT id FROM accounts WHERE email = 'reviewer@example.jp')"), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM import_rows WHERE comment_id IS NOT NULL"
            ),
            1
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposals WHERE title = '行列の紙の提案' AND channel = 'paper' AND entered_by = (SELECT id FROM accounts WHERE email = 'reviewer@example.jp')"), 1);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM import_rows WHERE proposal_id IS NOT NULL"
            ),
            1
        );
        // The reviewer started the review, the admin adopted; notes and responses of both.
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM proposal_transitions WHERE action IN ('start_review', 'adopt')"),
            2
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM proposal_notes"), 2);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM proposal_responses"),
            2
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM measure_departments WHERE measure_code = '5-2'"
            ),
            1
        );
        // Surveys: one created by each, the draft published, a paper answer each, two codes
        // each, the free text shown, results published and the survey closed.
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM surveys WHERE title = '行列のアンケート'"
            ),
            3
        );
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM surveys WHERE id = {} AND published_at IS NOT NULL",
                    fixture.survey_build
                )
            ),
            1
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM survey_responses WHERE channel = 'paper' AND entered_by IS NOT NULL"), 2);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM survey_codes"), 4);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM surveys WHERE kind = 'satisfaction'"
            ),
            2,
            "a satisfaction survey made by each"
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM survey_answers WHERE text_state = 'shown'"
            ),
            1
        );
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM surveys WHERE id = {} AND results_published_at IS NOT NULL AND closes_at <= now()", fixture.survey_open)), 1);
        // Meetings: one created by each, the draft published, a phone registration entered and
        // cancelled by each, the cancellation noticed once, the record kept.
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM meetings WHERE title = '行列のワークショップ'"
            ),
            3
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM meetings WHERE published_at IS NOT NULL AND title = '行列のワークショップ'"), 1);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM meeting_registrations WHERE status = 'cancelled' AND channel = 'phone'"), 2);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM meeting_notices WHERE kind = 'cancelled'"
            ),
            1
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM meetings WHERE attendance = 12 AND minutes_published_at IS NOT NULL"), 1);
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM meeting_proposals"),
            3
        );
        // The reviewer and the admin each uploaded a file of the minutes and removed one of the
        // five put there for each visitor to try.
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM attachments WHERE owner_type = 'meeting'"
            ),
            2 + 5 - 2
        );
        // A POST without the CSRF token does nothing, even for an admin.
        let refused = admin
            .post("/staff/departments", &[("name", "偽の課")])
            .await;
        assert_eq!(refused.status(), 403);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM departments WHERE name = '偽の課'"
            ),
            0
        );
        // The account page links to the staff area for staff only.
        assert!(visible_text(&admin.page("/account").await).contains("職員ページへ"));
        assert!(!visible_text(&plain.page("/account").await).contains("職員ページへ"));
        assert!(
            failures.is_empty(),
            "authorisation matrix:\n{}",
            failures.join("\n")
        );
    })
}

fn kyodo_create_admin(
    app: &TestApp,
    email: &str,
    name: &str,
    stdin: Option<&str>,
) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .args(["create-admin", "--email", email, "--name", name])
        .env("DATABASE_URL", &app.database.url)
        .env_remove("KYODO_LISTEN")
        .env(
            "KYODO_DATA_DIR",
            std::env::temp_dir().join("kyodo-create-admin-test"),
        )
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn create_admin_from_the_command_line() {
    run(async {
        let app = TestApp::start().await;
        // The password from standard input.
        let output = kyodo_create_admin(
            &app,
            "boss@example.jp",
            "市の管理者",
            Some("kawa-no-nagare-kanri-2026\n"),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("管理者アカウントを作成しました"),
            "{stdout}"
        );
        assert!(
            !stdout.contains("kawa-no-nagare-kanri-2026"),
            "a typed password is never printed"
        );
        let boss = sign_in(&app, "boss@example.jp", "kawa-no-nagare-kanri-2026").await;
        let dashboard = visible_text(&boss.page("/staff").await);
        assert!(
            dashboard.contains("職員ページ") && dashboard.contains("利用者と権限"),
            "{dashboard}"
        );
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'staff.create_admin'"
            ),
            1
        );
        assert_eq!(count(&app, "SELECT count(*) AS n FROM accounts WHERE email = 'boss@example.jp' AND email_verified_at IS NOT NULL"), 1);

        // No password given: one is generated and printed once.
        let output = kyodo_create_admin(&app, "second@example.jp", "二人目", None);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let password = stdout
            .lines()
            .find_map(|l| {
                l.split_once("shown only once): ")
                    .map(|(_, p)| p.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no password in {stdout}"));
        assert!(password.chars().count() >= 20, "{password}");
        let second = sign_in(&app, "second@example.jp", &password).await;
        assert_eq!(second.get("/staff/audit").await.status(), 200);

        // An existing resident is promoted; a running twice changes nothing more.
        resident(&app, &app.visitor(), "hanako@example.jp", "花子").await;
        for _ in 0..2 {
            let output = kyodo_create_admin(&app, "hanako@example.jp", "花子", None);
            assert!(output.status.success());
            assert!(String::from_utf8_lossy(&output.stdout).contains("既存のアカウント"));
        }
        let hanako = sign_in(&app, "hanako@example.jp", PASSWORD).await;
        assert_eq!(hanako.get("/staff/people").await.status(), 200);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM staff_roles WHERE role = 'admin'"
            ),
            3
        );

        // Bad input: a clear message, nothing written.
        let output = kyodo_create_admin(
            &app,
            "not-an-email",
            "名前",
            Some("kawa-no-nagare-kanri-2026\n"),
        );
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("メールアドレスの形式"));
        let output = kyodo_create_admin(&app, "weak@example.jp", "名前", Some("password\n"));
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("10文字以上"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM accounts WHERE email IN ('weak@example.jp')"
            ),
            0
        );
    })
}

fn recording_an_actual_value_end_to_end() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let kpi = one(
            &app,
            "SELECT id::text AS id FROM kpis WHERE measure_code = '5-1' AND name = 'NPO法人登録数'",
        );
        let form = admin.page("/staff/kpis/5-1").await;
        assert!(visible_text(&form).contains("NPO法人登録数"));
        assert!(form.contains(&format!("id=\"kpi-{kpi}-value\"")));

        // A value that is no number: the typed fields stay and the message says what to fix.
        let bad = admin
            .submit(
                "/staff/kpis/5-1",
                "/staff/kpis/5-1",
                &[
                    ("kpi", &kpi),
                    ("fiscal_year", "2024"),
                    ("value", "abc"),
                    ("source", "埼玉県 NPO法人名簿"),
                    ("note", "年度末時点"),
                ],
            )
            .await;
        assert_eq!(bad.status(), 400);
        let html = bad.text().await.unwrap();
        assert!(
            html.contains("value=\"abc\"")
                && html.contains("value=\"2024\"")
                && html.contains("value=\"埼玉県 NPO法人名簿\""),
            "typed values kept"
        );
        assert!(html.contains("年度末時点</textarea>"));
        let text = visible_text(&html);
        assert!(text.contains("実績値は数字で入力してください"), "{text}");
        assert!(html.contains("aria-invalid=\"true\""));
        assert_eq!(count(&app, "SELECT count(*) AS n FROM kpi_actuals"), 0);

        // Without the CSRF token: 403, nothing recorded.
        let forged = admin
            .post(
                "/staff/kpis/5-1",
                &[
                    ("kpi", &kpi),
                    ("fiscal_year", "2024"),
                    ("value", "46"),
                    ("source", "埼玉県 NPO法人名簿"),
                ],
            )
            .await;
        assert_eq!(forged.status(), 403);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM kpi_actuals"), 0);

        // A first value, then a correction of the same year.
        for value in ["45", "46"] {
            let ok = admin
                .submit(
                    "/staff/kpis/5-1",
                    "/staff/kpis/5-1",
                    &[
                        ("kpi", &kpi),
                        ("fiscal_year", "2024"),
                        ("value", value),
                        ("source", "埼玉県 NPO法人名簿"),
                        ("note", ""),
                    ],
                )
                .await;
            assert_eq!(ok.status(), 303);
            let location = ok.headers()["location"].to_str().unwrap().to_owned();
            assert!(location.starts_with("/staff/kpis/5-1?done="), "{location}");
            assert!(visible_text(&admin.page(&location).await).contains("実績値を記録しました"));
        }
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM kpi_actuals"),
            1,
            "one value per year"
        );
        assert_eq!(
            count(&app, "SELECT count(*) AS n FROM kpi_actuals WHERE value = 46 AND fiscal_year = 2024 AND recorded_by = (SELECT id FROM accounts WHERE email = 'admin@example.jp')"),
            1
        );
        assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM audit_log WHERE action = 'kpi.record_actual' AND record_type = 'kpi' AND record_id = '{kpi}'")), 2);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM audit_log WHERE action = 'kpi.record_actual' AND details->>'previous' = '45'"), 1);

        // The public page and the API show it, with progress (43 → 50: 46 is 42 %).
        let public = visible_text(&app.page("/measures/5-1").await);
        assert!(public.contains("46 団体（令和6年度）"), "{public}");
        assert!(public.contains("目標までの進捗 42 %"), "{public}");
        assert!(public.contains("埼玉県 NPO法人名簿"));
        let api = app.json("/api/v1/measures/5-1").await;
        let npo = api["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "NPO法人登録数")
            .unwrap();
        assert_eq!(npo["actuals"][0]["fiscal_year"], 2024);
        assert_eq!(npo["actuals"][0]["value"], 46);
        assert_eq!(npo["actuals"][0]["source"], "埼玉県 NPO法人名簿");
        assert_eq!(npo["progress"]["percent"], 42);

        // An unknown measure or a KPI of another measure: nothing recorded.
        let other = one(
            &app,
            "SELECT id::text AS id FROM kpis WHERE measure_code = '6-1' LIMIT 1",
        );
        let wrong = admin
            .submit(
                "/staff/kpis/5-1",
                "/staff/kpis/5-1",
                &[
                    ("kpi", &other),
                    ("fiscal_year", "2024"),
                    ("value", "1"),
                    ("source", "x"),
                ],
            )
            .await;
        assert_eq!(wrong.status(), 404);
        assert_eq!(admin.get("/staff/kpis/9-9").await.status(), 404);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM kpi_actuals"), 1);
    })
}

fn the_audit_log_is_append_only_and_filtered_by_person() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let citizen = app.visitor();
        resident(&app, &citizen, "taro@example.jp", "太郎").await;
        let created = admin
            .submit(
                "/staff/departments",
                "/staff/departments",
                &[("name", "市民活動推進課")],
            )
            .await;
        assert_eq!(created.status(), 303);

        // Append-only, in SQL.
        let mut conn = app.db();
        assert!(
            diesel::sql_query("UPDATE audit_log SET action = 'tampered'")
                .execute(&mut conn)
                .is_err()
        );
        assert!(diesel::sql_query("DELETE FROM audit_log")
            .execute(&mut conn)
            .is_err());
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM audit_log WHERE action = 'tampered'"
            ),
            0
        );

        // By person: email or id.
        let taro = visible_text(&admin.page("/staff/audit?person=taro%40example.jp").await);
        assert!(
            taro.contains("session.sign_in") && taro.contains("太郎"),
            "{taro}"
        );
        assert!(!taro.contains("staff.create_department"), "{taro}");
        let admin_id = account_id(&app, "admin@example.jp");
        let mine = visible_text(&admin.page(&format!("/staff/audit?person={admin_id}")).await);
        assert!(
            mine.contains("staff.create_department") && mine.contains("管理者"),
            "{mine}"
        );
        assert!(!mine.contains("太郎"), "{mine}");
        // By record and by date (Japan time).
        let dept = department(&app, "市民活動推進課");
        let record = visible_text(
            &admin
                .page(&format!(
                    "/staff/audit?record_type=department&record_id={dept}"
                ))
                .await,
        );
        assert!(
            record.contains("staff.create_department") && !record.contains("session.sign_in"),
            "{record}"
        );
        let today = chrono::Utc::now()
            .with_timezone(&kyodo::wareki::jst())
            .date_naive();
        let tomorrow = today.succ_opt().unwrap();
        let now = visible_text(
            &admin
                .page(&format!("/staff/audit?from={today}&to={today}"))
                .await,
        );
        assert!(now.contains("staff.create_department"), "{now}");
        let later = visible_text(&admin.page(&format!("/staff/audit?from={tomorrow}")).await);
        assert!(later.contains("条件に合う記録はありません"), "{later}");
        // Bad filters: messages, never 500.
        let bad = admin
            .get("/staff/audit?person=%E5%A4%AA%E9%83%8E&from=25%2F11%2F2026")
            .await;
        assert_eq!(bad.status(), 400);
        let text = visible_text(&bad.text().await.unwrap());
        assert!(
            text.contains("メールアドレスまたは ID") && text.contains("2026-11-25 の形"),
            "{text}"
        );
        assert_eq!(
            admin
                .get(&format!("/staff/audit?record_type={}", "x".repeat(300)))
                .await
                .status(),
            400
        );
    })
}

fn people_roles_and_departments() {
    run(async {
        let app = TestApp::start().await;
        let admin = staff_member(&app, "admin@example.jp", "管理者", &[("admin", None)]).await;
        let citizen = app.visitor();
        resident(&app, &citizen, "taro@example.jp", "本庄太郎").await;
        // Departments: create, a duplicate, too long, rename.
        let dup = department(&app, "市民活動推進課");
        let again = admin
            .submit(
                "/staff/departments",
                "/staff/departments",
                &[("name", " 市民活動推進課 ")],
            )
            .await;
        assert_eq!(again.status(), 400);
        let html = again.text().await.unwrap();
        assert!(visible_text(&html).contains("同じ名前の担当課がすでにあります"));
        let long = "課".repeat(101);
        let too_long = admin
            .submit(
                "/staff/departments",
                "/staff/departments",
                &[("name", &long)],
            )
            .await;
        assert_eq!(too_long.status(), 400);
        assert!(
            too_long
                .text()
                .await
                .unwrap()
                .contains(&format!("value=\"{long}\"")),
            "the typed name stays"
        );
        assert_eq!(
            admin
                .submit(
                    "/staff/departments",
                    "/staff/departments",
                    &[("name", "企画財政課")]
                )
                .await
                .status(),
            303
        );
        let renamed = admin
            .submit(
                "/staff/departments",
                &format!("/staff/departments/{dup}"),
                &[("name", "市民活動推進課（協働）")],
            )
            .await;
        assert_eq!(renamed.status(), 303);
        assert_eq!(count(&app, "SELECT count(*) AS n FROM departments"), 2);

        // Search people by name or email, bounded.
        let found = visible_text(&admin.page("/staff/people?q=%E6%9C%AC%E5%BA%84").await);
        assert!(
            found.contains("taro@example.jp") && !found.contains("admin@example.jp"),
            "{found}"
        );
        let by_email = visible_text(&admin.page("/staff/people?q=ADMIN@").await);
        assert!(
            by_email.contains("admin@example.jp") && !by_email.contains("taro@example.jp"),
            "{by_email}"
        );
        assert!(
            visible_text(&admin.page("/staff/people?q=%25").await)
                .contains("条件に合う利用者は見つかりませんでした"),
            "% matches itself"
        );
        assert_eq!(
            admin
                .get(&format!("/staff/people?q={}", "a".repeat(101)))
                .await
                .status(),
            400
        );

        // Grant: a reviewer needs a department; then the person sees the staff area.
        let taro = account_id(&app, "taro@example.jp");
        let person = format!("/staff/people/{taro}");
        let missing = admin
            .submit(
                &person,
                &format!("{person}/roles"),
                &[("role", "reviewer"), ("department", "")],
            )
            .await;
        assert_eq!(missing.status(), 400);
        assert!(
            visible_text(&missing.text().await.unwrap()).contains("担当課を一覧から選んでください")
        );
        assert_eq!(citizen.get("/staff").await.status(), 403);
        let granted = admin
            .submit(
                &person,
                &format!("{person}/roles"),
                &[("role", "reviewer"), ("department", &dup.to_string())],
            )
            .await;
        assert_eq!(granted.status(), 303);
        let page = visible_text(&admin.page(&person).await);
        assert!(
            page.contains("審査担当（市民活動推進課（協働））"),
            "{page}"
        );
        assert_eq!(citizen.get("/staff").await.status(), 200);
        assert_eq!(citizen.get("/staff/people").await.status(), 403);
        assert!(visible_text(&citizen.page("/account").await).contains("職員ページへ"));
        // Nobody removes their own admin role.
        let admin_id = account_id(&app, "admin@example.jp");
        let own = one(
            &app,
            &format!("SELECT id::text AS id FROM staff_roles WHERE account_id = '{admin_id}'"),
        );
        let refused = admin
            .submit(
                &format!("/staff/people/{admin_id}"),
                &format!("/staff/people/{admin_id}/roles/revoke"),
                &[("grant", &own)],
            )
            .await;
        assert_eq!(refused.status(), 400);
        assert!(visible_text(&refused.text().await.unwrap())
            .contains("ご自身の管理者の権限は解除できません"));
        assert_eq!(
            count(
                &app,
                "SELECT count(*) AS n FROM staff_roles WHERE role = 'admin'"
            ),
            1
        );
        assert_eq!(admin.get("/staff/people/not-a-uuid").await.status(), 404);
    })
}
