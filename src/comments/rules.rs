//! Who answers for the city and who moderates: pure decisions over a person's staff grants and
//! the departments (担当課) responsible for a comment's subject.

use crate::auth::roles::allows;
use crate::auth::roles::Action;
use crate::auth::roles::Grant;
use crate::auth::roles::Role;

/// The department a staff reply answers for (市の回答): the first responsible department in
/// which the author holds a role, or, for an admin, the first responsible department. `None`
/// when the author is not staff of the subject (or the subject has no department).
pub fn answering_department(grants: &[Grant], responsible: &[i32]) -> Option<i32> {
    let admin = grants.iter().any(|g| g.role == Role::Admin);
    responsible
        .iter()
        .copied()
        .find(|d| grants.iter().any(|g| g.department == Some(*d)))
        .or_else(|| admin.then(|| responsible.first().copied()).flatten())
}

/// Whether the grants moderate a subject with these responsible departments: a moderator of
/// one of them, or an admin (the only one for a subject without a department).
pub fn may_moderate(grants: &[Grant], responsible: &[i32]) -> bool {
    allows(grants, Action::ModerateComments { department: -1 })
        || responsible
            .iter()
            .any(|d| allows(grants, Action::ModerateComments { department: *d }))
}

/// The departments whose comments these grants moderate: `None` means all (an admin).
pub fn moderated_departments(grants: &[Grant]) -> Option<Vec<i32>> {
    if grants.iter().any(|g| g.role == Role::Admin) {
        return None;
    }
    let mut departments: Vec<i32> = grants
        .iter()
        .filter(|g| g.role == Role::Moderator)
        .filter_map(|g| g.department)
        .collect();
    departments.sort_unstable();
    departments.dedup();
    Some(departments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, department: Option<i32>) -> Grant {
        Grant { role, department }
    }

    #[test]
    fn staff_of_a_responsible_department_answer_for_it() {
        let reviewer = [grant(Role::Reviewer, Some(2))];
        assert_eq!(answering_department(&reviewer, &[1, 2]), Some(2));
        assert_eq!(answering_department(&reviewer, &[1]), None);
        let moderator = [grant(Role::Moderator, Some(1))];
        assert_eq!(answering_department(&moderator, &[1, 2]), Some(1));
        assert_eq!(answering_department(&[], &[1]), None);
        let admin = [grant(Role::Admin, None)];
        assert_eq!(answering_department(&admin, &[3, 4]), Some(3));
        assert_eq!(answering_department(&admin, &[]), None);
    }

    #[test]
    fn moderators_moderate_their_departments_and_admins_all() {
        let moderator = [grant(Role::Moderator, Some(1))];
        assert!(may_moderate(&moderator, &[2, 1]));
        assert!(!may_moderate(&moderator, &[2]));
        assert!(!may_moderate(&moderator, &[]));
        assert!(!may_moderate(&[grant(Role::Reviewer, Some(1))], &[1]));
        let admin = [grant(Role::Admin, None)];
        assert!(may_moderate(&admin, &[]));
        assert!(may_moderate(&admin, &[5]));
        assert_eq!(moderated_departments(&admin), None);
        let both = [
            grant(Role::Moderator, Some(3)),
            grant(Role::Reviewer, Some(4)),
            grant(Role::Moderator, Some(1)),
            grant(Role::Moderator, Some(3)),
        ];
        assert_eq!(moderated_departments(&both), Some(vec![1, 3]));
        assert_eq!(moderated_departments(&[]), Some(vec![]));
    }
}
