-- Citizen proposals (市民提案型事業): the proposal, the measures it answers and its public
-- timeline. Comments, supports, follows, attachments, internal notes and assignments come later,
-- each in its own table referring to proposals (id).

CREATE TABLE proposals (
    id               uuid PRIMARY KEY,
    -- The author; their account may be deleted later (shown as 退会したユーザー), the proposal stays.
    author_id        uuid NOT NULL REFERENCES accounts (id),
    -- Proposed in the name of an organisation the author belongs to, if any.
    organisation_id  uuid REFERENCES organisations (id) ON DELETE SET NULL,
    state            text NOT NULL DEFAULT 'draft' CHECK (state IN (
                         'draft', 'submitted', 'under_review', 'revision_requested', 'adopted',
                         'not_adopted', 'in_progress', 'completed', 'withdrawn')),
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    summary          text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 1000),
    -- 地域の課題
    local_issue      text NOT NULL DEFAULT '' CHECK (char_length(local_issue) <= 4000),
    activity_plan    text NOT NULL DEFAULT '' CHECK (char_length(activity_plan) <= 4000),
    expected_effect  text NOT NULL DEFAULT '' CHECK (char_length(expected_effect) <= 4000),
    partners         text NOT NULL DEFAULT '' CHECK (char_length(partners) <= 4000),
    period           text NOT NULL DEFAULT '' CHECK (char_length(period) <= 4000),
    budget_yen       bigint CHECK (budget_yen >= 0),
    -- Optimistic locking: every change bumps it; a form carries the version it was read at.
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    submitted_at     timestamptz
);
-- The public list: by state, newest first (keyset on created_at, id).
CREATE INDEX proposals_state_created ON proposals (state, created_at DESC, id);
CREATE INDEX proposals_created ON proposals (created_at DESC, id);
CREATE INDEX proposals_author ON proposals (author_id, created_at DESC);
CREATE INDEX proposals_organisation ON proposals (organisation_id) WHERE organisation_id IS NOT NULL;

-- The measures (施策) a proposal answers, in the order the author gave them.
CREATE TABLE proposal_measures (
    proposal_id   uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    measure_code  text NOT NULL REFERENCES measures (code) ON UPDATE CASCADE,
    position      integer NOT NULL,
    PRIMARY KEY (proposal_id, measure_code)
);
CREATE INDEX proposal_measures_measure ON proposal_measures (measure_code, proposal_id);

-- Every state change, shown publicly as the proposal's timeline.
CREATE TABLE proposal_transitions (
    id           bigserial PRIMARY KEY,
    proposal_id  uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    from_state   text NOT NULL,
    to_state     text NOT NULL,
    action       text NOT NULL,
    actor_id     uuid REFERENCES accounts (id) ON DELETE SET NULL,
    actor_role   text NOT NULL CHECK (actor_role IN ('proposer', 'reviewer', 'admin')),
    -- Published with the transition (decisions and revision requests require it).
    reason       text CHECK (char_length(reason) <= 4000),
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposal_transitions_proposal ON proposal_transitions (proposal_id, at, id);
