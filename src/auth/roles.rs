//! Staff roles and what they allow: the one place where authorisation is decided. Pure: no
//! database here; the `Staff` extractor (`super::Staff`) loads a person's grants and asks
//! [`allows`].
//!
//! - `reviewer` works the proposals of their department (担当課);
//! - `moderator` moderates the comments of their department;
//! - `admin` is global: people and roles, departments, organisations, the plan's actual values,
//!   the audit log and the email outbox.

use crate::refusal::Refusal;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reviewer,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Reviewer, Role::Moderator, Role::Admin];

    /// The value stored in `staff_roles.role`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Reviewers and moderators act for one department; admins for the whole city.
    pub fn per_department(self) -> bool {
        self != Role::Admin
    }
}

/// One role held by a person, for a department when the role is per department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub department: Option<i32>,
}

/// What a staff member may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The staff dashboard: anyone holding a role.
    ViewStaffArea,
    /// Accounts and their roles.
    ManagePeople,
    /// Create and rename departments (担当課).
    ManageDepartments,
    /// Verify organisations (団体).
    VerifyOrganisations,
    /// Record KPI actual values (実績値). Admin only for now: measures are not yet tied to the
    /// departments responsible for them, so no department can be checked. Once they are, a
    /// reviewer of the measure's department may record too (`department` is that department).
    RecordKpiActuals { department: Option<i32> },
    /// Read the audit log.
    ReadAudit,
    /// See failed emails and retry them.
    ManageOutbox,
    /// Work the proposals of a department (later issues).
    ReviewProposals { department: i32 },
    /// Moderate the comments of a department (later issues).
    ModerateComments { department: i32 },
    /// Create consultations (意見公募) and decide what the public is told of them: announce
    /// (公示), correct, extend and withdraw. Admin only.
    CreateConsultations,
    /// Enter paper opinions, write and publish the result of a department's consultation:
    /// its reviewers.
    WorkConsultation { department: i32 },
    /// Create, change, cancel and record the meetings (意見を聴く場) of a department: its
    /// reviewers.
    RunMeetings { department: i32 },
    /// Build, test, publish and enter paper answers to the surveys (アンケート) of a
    /// department, moderate their free text and publish their results: its reviewers.
    RunSurveys { department: i32 },
    /// Set how many reports hide a comment automatically (自動非表示の件数). Admin only.
    ConfigureModeration,
}

fn holds(grants: &[Grant], role: Role, department: Option<i32>) -> bool {
    grants
        .iter()
        .any(|g| g.role == role && (department.is_none() || g.department == department))
}

/// Whether `grants` allow `action`. Admins may do everything; the others only what their role
/// covers, in their own department.
pub fn allows(grants: &[Grant], action: Action) -> bool {
    if holds(grants, Role::Admin, None) {
        return true;
    }
    match action {
        Action::ViewStaffArea => !grants.is_empty(),
        Action::ReviewProposals { department } => holds(grants, Role::Reviewer, Some(department)),
        Action::ModerateComments { department } => holds(grants, Role::Moderator, Some(department)),
        Action::WorkConsultation { department } => holds(grants, Role::Reviewer, Some(department)),
        Action::RunMeetings { department } => holds(grants, Role::Reviewer, Some(department)),
        Action::RunSurveys { department } => holds(grants, Role::Reviewer, Some(department)),
        Action::ManagePeople
        | Action::ManageDepartments
        | Action::VerifyOrganisations
        | Action::RecordKpiActuals { .. }
        | Action::ReadAudit
        | Action::ManageOutbox
        | Action::CreateConsultations
        | Action::ConfigureModeration => false,
    }
}

/// Why the action was refused: 「{what}を利用する権限がありません。…」.
pub fn refused(action: Action) -> Refusal {
    let what = match action {
        Action::ViewStaffArea => "label.staff_area",
        Action::ManagePeople => "label.manage_people",
        Action::ManageDepartments => "label.manage_departments",
        Action::VerifyOrganisations => "label.verify_organisations",
        Action::RecordKpiActuals { .. } => "label.record_kpi_actuals",
        Action::ReadAudit => "label.audit_log",
        Action::ManageOutbox => "label.manage_outbox",
        Action::ReviewProposals { .. } => "label.review_department_proposals",
        Action::ModerateComments { .. } => "label.moderate_department_comments",
        Action::CreateConsultations => "label.create_consultations",
        Action::WorkConsultation { .. } => "label.work_consultation",
        Action::RunMeetings { .. } => "label.run_meetings",
        Action::RunSurveys { .. } => "label.run_surveys",
        Action::ConfigureModeration => "label.configure_moderation",
    };
    Refusal::new("msg.role_refused").label("what", what)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN_ONLY: [Action; 6] = [
        Action::ManagePeople,
        Action::ManageDepartments,
        Action::VerifyOrganisations,
        Action::RecordKpiActuals { department: None },
        Action::ReadAudit,
        Action::ManageOutbox,
    ];

    fn grant(role: Role, department: Option<i32>) -> Grant {
        Grant { role, department }
    }

    #[test]
    fn nobody_without_a_role_may_do_anything() {
        assert!(!allows(&[], Action::ViewStaffArea));
        for action in ADMIN_ONLY {
            assert!(!allows(&[], action), "{action:?}");
        }
        assert!(!allows(&[], Action::ReviewProposals { department: 1 }));
        assert!(!allows(&[], Action::ModerateComments { department: 1 }));
    }

    #[test]
    fn admins_may_do_everything() {
        let admin = [grant(Role::Admin, None)];
        assert!(allows(&admin, Action::ViewStaffArea));
        for action in ADMIN_ONLY {
            assert!(allows(&admin, action), "{action:?}");
        }
        assert!(allows(
            &admin,
            Action::RecordKpiActuals {
                department: Some(3)
            }
        ));
        assert!(allows(&admin, Action::ReviewProposals { department: 7 }));
        assert!(allows(&admin, Action::ModerateComments { department: 7 }));
    }

    #[test]
    fn reviewers_review_their_own_department_only() {
        let reviewer = [grant(Role::Reviewer, Some(1))];
        assert!(allows(&reviewer, Action::ViewStaffArea));
        assert!(allows(&reviewer, Action::ReviewProposals { department: 1 }));
        assert!(!allows(
            &reviewer,
            Action::ReviewProposals { department: 2 }
        ));
        assert!(!allows(
            &reviewer,
            Action::ModerateComments { department: 1 }
        ));
        for action in ADMIN_ONLY {
            assert!(!allows(&reviewer, action), "{action:?}");
        }
        assert!(
            !allows(
                &reviewer,
                Action::RecordKpiActuals {
                    department: Some(1)
                }
            ),
            "admin only for now"
        );
    }

    #[test]
    fn moderators_moderate_their_own_department_only() {
        let moderator = [grant(Role::Moderator, Some(2))];
        assert!(allows(&moderator, Action::ViewStaffArea));
        assert!(allows(
            &moderator,
            Action::ModerateComments { department: 2 }
        ));
        assert!(!allows(
            &moderator,
            Action::ModerateComments { department: 1 }
        ));
        assert!(!allows(
            &moderator,
            Action::ReviewProposals { department: 2 }
        ));
        for action in ADMIN_ONLY {
            assert!(!allows(&moderator, action), "{action:?}");
        }
    }

    #[test]
    fn several_roles_add_up() {
        let both = [
            grant(Role::Reviewer, Some(1)),
            grant(Role::Moderator, Some(2)),
            grant(Role::Reviewer, Some(3)),
        ];
        assert!(allows(&both, Action::ReviewProposals { department: 1 }));
        assert!(allows(&both, Action::ReviewProposals { department: 3 }));
        assert!(allows(&both, Action::ModerateComments { department: 2 }));
        assert!(!allows(&both, Action::ModerateComments { department: 3 }));
        assert!(!allows(&both, Action::ManagePeople));
    }

    #[test]
    fn consultations_are_created_by_admins_and_worked_by_their_departments_reviewers() {
        let reviewer = [grant(Role::Reviewer, Some(1))];
        let moderator = [grant(Role::Moderator, Some(1))];
        let admin = [grant(Role::Admin, None)];
        assert!(allows(&admin, Action::CreateConsultations));
        assert!(!allows(&reviewer, Action::CreateConsultations));
        assert!(allows(&admin, Action::WorkConsultation { department: 2 }));
        assert!(allows(
            &reviewer,
            Action::WorkConsultation { department: 1 }
        ));
        assert!(!allows(
            &reviewer,
            Action::WorkConsultation { department: 2 }
        ));
        assert!(!allows(
            &moderator,
            Action::WorkConsultation { department: 1 }
        ));
        assert!(ja(Action::CreateConsultations).starts_with("意見公募"));
        assert!(ja(Action::WorkConsultation { department: 1 }).contains("意見公募"));
    }

    #[test]
    fn meetings_are_run_by_their_departments_reviewers() {
        let reviewer = [grant(Role::Reviewer, Some(1))];
        let moderator = [grant(Role::Moderator, Some(1))];
        assert!(allows(&reviewer, Action::RunMeetings { department: 1 }));
        assert!(!allows(&reviewer, Action::RunMeetings { department: 2 }));
        assert!(!allows(&moderator, Action::RunMeetings { department: 1 }));
        assert!(!allows(&[], Action::RunMeetings { department: 1 }));
        assert!(allows(
            &[grant(Role::Admin, None)],
            Action::RunMeetings { department: 2 }
        ));
        assert!(ja(Action::RunMeetings { department: 1 }).contains("意見を聴く場"));
    }

    #[test]
    fn surveys_are_run_by_their_departments_reviewers() {
        let reviewer = [grant(Role::Reviewer, Some(1))];
        let moderator = [grant(Role::Moderator, Some(1))];
        assert!(allows(&reviewer, Action::RunSurveys { department: 1 }));
        assert!(!allows(&reviewer, Action::RunSurveys { department: 2 }));
        assert!(!allows(&moderator, Action::RunSurveys { department: 1 }));
        assert!(!allows(&[], Action::RunSurveys { department: 1 }));
        assert!(allows(
            &[grant(Role::Admin, None)],
            Action::RunSurveys { department: 2 }
        ));
        assert!(ja(Action::RunSurveys { department: 1 }).contains("アンケート"));
    }

    #[test]
    fn roles_parse_and_print() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
        assert!(Role::Reviewer.per_department());
        assert!(Role::Moderator.per_department());
        assert!(!Role::Admin.per_department());
    }

    /// The refusal as a Japanese page says it.
    fn ja(action: Action) -> String {
        crate::web::i18n::refusal(crate::web::i18n::Lang::Ja, &refused(action))
    }

    #[test]
    fn refusals_are_in_japanese_with_english_beside_them() {
        use crate::web::i18n::{refusal, Lang};
        for action in ADMIN_ONLY.into_iter().chain([
            Action::ViewStaffArea,
            Action::ReviewProposals { department: 1 },
            Action::ModerateComments { department: 1 },
            Action::CreateConsultations,
            Action::WorkConsultation { department: 1 },
            Action::RunMeetings { department: 1 },
            Action::RunSurveys { department: 1 },
        ]) {
            let japanese = ja(action);
            assert!(japanese.contains("権限がありません"), "{japanese}");
            let english = refusal(Lang::En, &refused(action));
            assert!(
                english.starts_with("You have no permission for ") && english.is_ascii(),
                "{japanese} → {english}"
            );
        }
        assert!(ja(Action::ReadAudit).starts_with("監査ログ"));
    }

    #[test]
    fn every_role_and_refusal_has_its_texts() {
        crate::web::i18n::assert_keys("staff.role.", Role::ALL.into_iter().map(|r| r.code()));
        crate::web::i18n::assert_english([refused(Action::CreateConsultations)]);
    }
}
