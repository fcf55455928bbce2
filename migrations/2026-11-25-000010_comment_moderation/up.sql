-- Comments on measures and their moderation: measure follows, reports, the city's answer,
-- pre-moderation. Hiding never deletes: the text stays, the reason is kept.

-- Followers of a measure (施策のフォロー) hear when a consultation about it opens.
CREATE TABLE measure_follows (
    measure_code  text NOT NULL REFERENCES measures (code) ON UPDATE CASCADE ON DELETE CASCADE,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (measure_code, account_id)
);
CREATE INDEX measure_follows_account ON measure_follows (account_id);

-- 市の回答: set when staff of the responsible department reply as the city.
ALTER TABLE comments ADD COLUMN answered_as_department integer REFERENCES departments (id) ON DELETE SET NULL;
-- Pre-moderation (事前承認): a pending comment is shown only to its author until approved.
ALTER TABLE comments ADD COLUMN pending boolean NOT NULL DEFAULT false;
ALTER TABLE comments ADD COLUMN approved_at timestamptz;
ALTER TABLE comments ADD COLUMN approved_by uuid REFERENCES accounts (id) ON DELETE SET NULL;

-- Keyset pages of a subject's top-level comments stay flat however many replies there are.
CREATE INDEX comments_subject_top ON comments (subject_type, subject_id, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_pending ON comments (subject_type, subject_id, created_at) WHERE pending;

-- 通報: a reason is required; resolving keeps the report with its outcome.
CREATE TABLE comment_reports (
    id           uuid PRIMARY KEY,
    comment_id   uuid NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reporter_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reason       text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    resolved_by  uuid REFERENCES accounts (id) ON DELETE SET NULL,
    outcome      text CHECK (outcome IN ('hidden', 'dismissed', 'restored')),
    CHECK ((resolved_at IS NULL) = (outcome IS NULL))
);
-- One open report per person and comment.
CREATE UNIQUE INDEX comment_reports_open_once ON comment_reports (comment_id, reporter_id) WHERE resolved_at IS NULL;
CREATE INDEX comment_reports_open ON comment_reports (created_at) WHERE resolved_at IS NULL;

-- Subjects whose new comments wait for a moderator (a row means pre-moderation is on).
CREATE TABLE comment_premoderation (
    subject_type  text NOT NULL CHECK (subject_type IN ('proposal', 'measure', 'consultation')),
    subject_id    text NOT NULL,
    enabled_by    uuid REFERENCES accounts (id) ON DELETE SET NULL,
    enabled_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_type, subject_id)
);
