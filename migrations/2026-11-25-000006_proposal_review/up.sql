-- The staff review of citizen proposals: which department (担当課) is responsible for a measure,
-- the reviewer a proposal is assigned to, internal notes (never public) and public responses.

-- Set by admins; one responsible department per measure.
CREATE TABLE measure_departments (
    measure_code   text PRIMARY KEY REFERENCES measures (code) ON UPDATE CASCADE ON DELETE CASCADE,
    department_id  integer NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX measure_departments_department ON measure_departments (department_id, measure_code);

ALTER TABLE proposals ADD COLUMN assignee_id uuid REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX proposals_assignee ON proposals (assignee_id) WHERE assignee_id IS NOT NULL;
-- The review queue: oldest submissions first.
CREATE INDEX proposals_queue ON proposals (submitted_at, id) WHERE state <> 'draft';

-- Internal notes of the reviewers. NEVER shown publicly: no public page, feed, export or API
-- reads this table.
CREATE TABLE proposal_notes (
    id           bigserial PRIMARY KEY,
    proposal_id  uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    author_id    uuid NOT NULL REFERENCES accounts (id),
    body         text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposal_notes_proposal ON proposal_notes (proposal_id, at, id);

-- Public responses of the city (shown in the proposal's timeline), progress updates included.
CREATE TABLE proposal_responses (
    id             bigserial PRIMARY KEY,
    proposal_id    uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    author_id      uuid NOT NULL REFERENCES accounts (id),
    department_id  integer REFERENCES departments (id) ON DELETE SET NULL,
    body           text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposal_responses_proposal ON proposal_responses (proposal_id, at, id);
