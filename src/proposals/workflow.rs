//! The proposal workflow (市民提案の審査): a pure state machine, with the actor's role checked in
//! every transition. No database here; callers load the state, apply, and record the result.
//!
//! ```text
//! draft → submitted → under_review → revision_requested → under_review (resubmitted)
//! under_review → adopted | not_adopted          adopted → in_progress → completed
//! draft | submitted | under_review | revision_requested → withdrawn (by the proposer)
//! ```

use serde::Serialize;
use std::{fmt, str::FromStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Submitted,
    UnderReview,
    RevisionRequested,
    Adopted,
    NotAdopted,
    InProgress,
    Completed,
    Withdrawn,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Draft,
        State::Submitted,
        State::UnderReview,
        State::RevisionRequested,
        State::Adopted,
        State::NotAdopted,
        State::InProgress,
        State::Completed,
        State::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::UnderReview => "under_review",
            State::RevisionRequested => "revision_requested",
            State::Adopted => "adopted",
            State::NotAdopted => "not_adopted",
            State::InProgress => "in_progress",
            State::Completed => "completed",
            State::Withdrawn => "withdrawn",
        }
    }

    /// Only the author sees a draft; every other state is public.
    pub fn is_public(self) -> bool {
        self != State::Draft
    }

    /// Whether the city has decided (a decision is final; withdrawal is no longer possible).
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            State::Adopted | State::NotAdopted | State::InProgress | State::Completed
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = crate::refusal::Refusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| {
                crate::refusal::Refusal::new("msg.proposal_state_unknown").with("state", s)
            })
    }
}

/// Who acts, as seen from this proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The author (or, for an organisation's proposal, the member who wrote it).
    Proposer,
    /// Staff with the reviewer role in the department responsible for one of its measures.
    Reviewer,
    /// A global admin.
    Admin,
    /// Anyone else, staff of other departments included.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    StartReview,
    RequestRevision,
    Resubmit,
    Adopt,
    Reject,
    StartWork,
    Complete,
    Withdraw,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Submit,
        Action::StartReview,
        Action::RequestRevision,
        Action::Resubmit,
        Action::Adopt,
        Action::Reject,
        Action::StartWork,
        Action::Complete,
        Action::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::StartReview => "start_review",
            Action::RequestRevision => "request_revision",
            Action::Resubmit => "resubmit",
            Action::Adopt => "adopt",
            Action::Reject => "reject",
            Action::StartWork => "start_work",
            Action::Complete => "complete",
            Action::Withdraw => "withdraw",
        }
    }

    /// Decisions and revision requests are published with their reason; it must be given.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Action::RequestRevision | Action::Adopt | Action::Reject
        )
    }

    /// The states this action leaves from, and where it leads.
    fn edge(self) -> (&'static [State], State) {
        use State::*;
        match self {
            Action::Submit => (&[Draft], Submitted),
            Action::StartReview => (&[Submitted], UnderReview),
            Action::RequestRevision => (&[UnderReview], RevisionRequested),
            Action::Resubmit => (&[RevisionRequested], UnderReview),
            Action::Adopt => (&[UnderReview], Adopted),
            Action::Reject => (&[UnderReview], NotAdopted),
            Action::StartWork => (&[Adopted], InProgress),
            Action::Complete => (&[InProgress], Completed),
            Action::Withdraw => (
                &[Draft, Submitted, UnderReview, RevisionRequested],
                Withdrawn,
            ),
        }
    }

    /// Who may take this action.
    fn allowed(self, actor: Actor) -> bool {
        match self {
            Action::Submit | Action::Resubmit | Action::Withdraw => actor == Actor::Proposer,
            Action::StartReview
            | Action::RequestRevision
            | Action::Adopt
            | Action::Reject
            | Action::StartWork
            | Action::Complete => matches!(actor, Actor::Reviewer | Actor::Admin),
        }
    }
}

impl FromStr for Action {
    type Err = crate::refusal::Refusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| {
                crate::refusal::Refusal::new("msg.proposal_action_unknown").with("action", s)
            })
    }
}

/// Why a transition was refused; said to the person through [`Refusal::refusal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    WrongState(State),
    NotAllowed,
    ReasonRequired,
}

impl Refusal {
    /// What the person is told, in their language at the edge.
    pub fn refusal(self) -> crate::refusal::Refusal {
        use crate::refusal::Refusal as Said;
        match self {
            Refusal::WrongState(state) => {
                Said::new("msg.proposal_wrong_state").label("state", state.label_key())
            }
            Refusal::NotAllowed => Said::new("msg.proposal_action_not_allowed"),
            Refusal::ReasonRequired => Said::new("msg.proposal_reason_required"),
        }
    }
}

impl From<Refusal> for crate::refusal::Refusal {
    fn from(refusal: Refusal) -> Self {
        refusal.refusal()
    }
}

/// A refused action is forbidden to this person, or wrong for this proposal now.
impl From<Refusal> for crate::error::Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotAllowed => Self::forbidden(refusal.refusal()),
            Refusal::WrongState(_) | Refusal::ReasonRequired => Self::Refused(refusal.refusal()),
        }
    }
}

impl State {
    /// The i18n key of the state's name (`proposals.state.adopted` → 採択 / Adopted).
    pub fn label_key(self) -> &'static str {
        match self {
            State::Draft => "proposals.state.draft",
            State::Submitted => "proposals.state.submitted",
            State::UnderReview => "proposals.state.under_review",
            State::RevisionRequested => "proposals.state.revision_requested",
            State::Adopted => "proposals.state.adopted",
            State::NotAdopted => "proposals.state.not_adopted",
            State::InProgress => "proposals.state.in_progress",
            State::Completed => "proposals.state.completed",
            State::Withdrawn => "proposals.state.withdrawn",
        }
    }
}

/// The state after `action`, or why it is refused. The role is checked before the state, so a
/// stranger learns nothing about a proposal's progress from the refusal.
pub fn apply(
    state: State,
    action: Action,
    actor: Actor,
    reason: Option<&str>,
) -> Result<State, Refusal> {
    if !action.allowed(actor) {
        return Err(Refusal::NotAllowed);
    }
    let (from, to) = action.edge();
    if !from.contains(&state) {
        return Err(Refusal::WrongState(state));
    }
    if action.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Refusal::ReasonRequired);
    }
    Ok(to)
}

/// The actions `actor` may take now, for the buttons a page shows.
pub fn available(state: State, actor: Actor) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|action| action.allowed(actor) && action.edge().0.contains(&state))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use State::*;

    const ACTORS: [Actor; 4] = [Actor::Proposer, Actor::Reviewer, Actor::Admin, Actor::Other];
    const REASON: Option<&str> = Some("地域の課題に合致しており、協働の効果が見込めるため。");

    /// The whole table, written out: (from, action, to, who may).
    const TABLE: [(State, Action, State, &[Actor]); 12] = [
        (Draft, Submit, Submitted, &[Actor::Proposer]),
        (
            Submitted,
            StartReview,
            UnderReview,
            &[Actor::Reviewer, Actor::Admin],
        ),
        (
            UnderReview,
            RequestRevision,
            RevisionRequested,
            &[Actor::Reviewer, Actor::Admin],
        ),
        (RevisionRequested, Resubmit, UnderReview, &[Actor::Proposer]),
        (
            UnderReview,
            Adopt,
            Adopted,
            &[Actor::Reviewer, Actor::Admin],
        ),
        (
            UnderReview,
            Reject,
            NotAdopted,
            &[Actor::Reviewer, Actor::Admin],
        ),
        (
            Adopted,
            StartWork,
            InProgress,
            &[Actor::Reviewer, Actor::Admin],
        ),
        (
            InProgress,
            Complete,
            Completed,
            &[Actor::Reviewer, Actor::Admin],
        ),
        (Draft, Withdraw, Withdrawn, &[Actor::Proposer]),
        (Submitted, Withdraw, Withdrawn, &[Actor::Proposer]),
        (UnderReview, Withdraw, Withdrawn, &[Actor::Proposer]),
        (RevisionRequested, Withdraw, Withdrawn, &[Actor::Proposer]),
    ];

    #[test]
    fn every_transition_of_the_table_for_every_actor() {
        for (from, action, to, who) in TABLE {
            for actor in ACTORS {
                let result = apply(from, action, actor, REASON);
                if who.contains(&actor) {
                    assert_eq!(result, Ok(to), "{from} --{action:?}/{actor:?}-->");
                } else {
                    assert_eq!(
                        result,
                        Err(Refusal::NotAllowed),
                        "{from} --{action:?}/{actor:?}-->"
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_outside_the_table_is_possible() {
        for from in State::ALL {
            for action in Action::ALL {
                let listed = TABLE.iter().any(|(f, a, _, _)| *f == from && *a == action);
                for actor in ACTORS {
                    let result = apply(from, action, actor, REASON);
                    if !listed {
                        assert!(
                            result.is_err(),
                            "{from} --{action:?}/{actor:?}--> should be refused"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_role_is_checked_before_the_state() {
        // A stranger is refused as a stranger, whatever the state.
        assert_eq!(
            apply(Completed, Adopt, Actor::Other, REASON),
            Err(Refusal::NotAllowed)
        );
        // The right role in the wrong state learns the state.
        assert_eq!(
            apply(Withdrawn, Adopt, Actor::Reviewer, REASON),
            Err(Refusal::WrongState(Withdrawn))
        );
        assert_eq!(
            crate::web::i18n::refusal(
                crate::web::i18n::Lang::Ja,
                &apply(Adopted, Withdraw, Actor::Proposer, None)
                    .unwrap_err()
                    .refusal()
            ),
            "この提案は現在「採択」のため、この操作はできません。"
        );
    }

    #[test]
    fn decisions_and_revision_requests_need_a_reason() {
        for action in [RequestRevision, Adopt, Reject] {
            assert!(action.needs_reason());
            assert_eq!(
                apply(UnderReview, action, Actor::Reviewer, None),
                Err(Refusal::ReasonRequired)
            );
            assert_eq!(
                apply(UnderReview, action, Actor::Admin, Some("  \n")),
                Err(Refusal::ReasonRequired)
            );
        }
        for action in [Submit, StartReview, Resubmit, StartWork, Complete, Withdraw] {
            assert!(!action.needs_reason());
        }
        assert_eq!(apply(Draft, Submit, Actor::Proposer, None), Ok(Submitted));
        assert_eq!(
            apply(Adopted, StartWork, Actor::Admin, None),
            Ok(InProgress)
        );
    }

    #[test]
    fn available_actions_match_apply() {
        for state in State::ALL {
            for actor in ACTORS {
                let available = available(state, actor);
                for action in Action::ALL {
                    let possible = apply(state, action, actor, REASON).is_ok();
                    assert_eq!(
                        available.contains(&action),
                        possible,
                        "{state} {action:?} {actor:?}"
                    );
                }
            }
        }
        assert_eq!(
            available(UnderReview, Actor::Reviewer),
            [RequestRevision, Adopt, Reject]
        );
        assert_eq!(
            available(RevisionRequested, Actor::Proposer),
            [Resubmit, Withdraw]
        );
        assert!(available(Completed, Actor::Admin).is_empty());
        assert!(available(UnderReview, Actor::Other).is_empty());
    }

    #[test]
    fn states_and_actions_parse_print_and_classify() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
            assert_eq!(state.to_string(), state.as_str());
            crate::web::i18n::assert_keys("", [state.label_key()]);
            assert_eq!(state.is_public(), state != Draft);
        }
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
        assert_eq!(
            "approved".parse::<State>(),
            Err(crate::refusal::Refusal::new("msg.proposal_state_unknown")
                .with("state", "approved"))
        );
        assert_eq!(
            "approve".parse::<Action>(),
            Err(crate::refusal::Refusal::new("msg.proposal_action_unknown")
                .with("action", "approve"))
        );
    }

    #[test]
    fn every_refusal_has_english() {
        crate::web::i18n::assert_english([
            Refusal::WrongState(Adopted).refusal(),
            Refusal::NotAllowed.refusal(),
            Refusal::ReasonRequired.refusal(),
            "x".parse::<State>().unwrap_err(),
            "x".parse::<Action>().unwrap_err(),
        ]);
    }

    #[test]
    fn every_state_and_action_has_its_texts() {
        use crate::web::i18n::assert_keys;
        let states = || State::ALL.into_iter().map(|s| s.as_str());
        let actions = || Action::ALL.into_iter().map(|a| a.as_str());
        assert_keys("proposals.state.", states());
        assert_keys("emails.proposal.next.", states());
        assert_keys("proposals.action.", actions());
        assert_keys("proposals.button.", actions());
    }
}
