-- Participation in citizen proposals: supports (賛同), follows (フォロー) and comments.
-- Comments are generic (a subject type and id) so that measures and consultations reuse them,
-- and are never deleted: moderation hides them with a reason that is kept.

-- One support per verified account.
CREATE TABLE proposal_supports (
    proposal_id  uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, account_id)
);
CREATE INDEX proposal_supports_account ON proposal_supports (account_id);

-- Followers hear of decisions (if their account has notify_updates on).
CREATE TABLE proposal_follows (
    proposal_id  uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, account_id)
);
CREATE INDEX proposal_follows_account ON proposal_follows (account_id);

CREATE TABLE comments (
    id               uuid PRIMARY KEY,
    subject_type     text NOT NULL CHECK (subject_type IN ('proposal', 'measure', 'consultation')),
    -- A proposal's uuid, a measure's code or a consultation's id, as text.
    subject_id       text NOT NULL,
    author_id        uuid NOT NULL REFERENCES accounts (id),
    -- Posted "as" this organisation (the author could act for it when posting).
    organisation_id  uuid REFERENCES organisations (id) ON DELETE SET NULL,
    -- One level of replies: the application refuses a parent that is itself a reply.
    parent_id        uuid REFERENCES comments (id),
    body             text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Moderation (later): hidden, never deleted.
    hidden_at        timestamptz,
    hidden_reason    text CHECK (char_length(hidden_reason) <= 1000),
    hidden_by        uuid REFERENCES accounts (id) ON DELETE SET NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
-- A subject's top-level comments, and the replies of a comment, in order.
CREATE INDEX comments_subject ON comments (subject_type, subject_id, created_at, id);
CREATE INDEX comments_parent ON comments (parent_id, created_at, id) WHERE parent_id IS NOT NULL;
CREATE INDEX comments_author ON comments (author_id, created_at DESC);
