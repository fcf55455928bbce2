-- Moderation that keeps up (issue 15): report categories, one report per person and comment,
-- comments hidden automatically at N reports from distinct people (N kept here, set by
-- admins), and posting blocks (投稿停止) with a reason and an end.

-- 通報の種類. The note (reason) becomes optional: '' when none was written.
ALTER TABLE comment_reports ADD COLUMN category text NOT NULL DEFAULT 'other'
    CHECK (category IN ('spam', 'offensive', 'personal', 'off_topic', 'other'));
ALTER TABLE comment_reports DROP CONSTRAINT comment_reports_reason_check;
ALTER TABLE comment_reports ADD CONSTRAINT comment_reports_reason_check
    CHECK (char_length(reason) <= 1000);

-- One report per person and comment, ever: a second report (even after a moderator resolved
-- the first) counts nothing. Earlier repeats go; the audit log keeps them.
DELETE FROM comment_reports r USING comment_reports s
 WHERE r.comment_id = s.comment_id AND r.reporter_id = s.reporter_id
   AND (r.created_at, r.id) > (s.created_at, s.id);
DROP INDEX comment_reports_open_once;
CREATE UNIQUE INDEX comment_reports_once ON comment_reports (comment_id, reporter_id);
-- The dashboard counts reports by week.
CREATE INDEX comment_reports_created ON comment_reports (created_at);
CREATE INDEX comments_created ON comments (created_at);

-- 自動で非表示: hidden by reports, waiting for a moderator to confirm or restore.
ALTER TABLE comments ADD COLUMN hidden_automatically boolean NOT NULL DEFAULT false;

-- The moderation settings: one row.
CREATE TABLE moderation_settings (
    id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
    auto_hide_reports  integer NOT NULL DEFAULT 3 CHECK (auto_hide_reports BETWEEN 1 AND 100),
    updated_by         uuid REFERENCES accounts (id) ON DELETE SET NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
INSERT INTO moderation_settings (id) VALUES (true);

-- 投稿停止: while now < ends_at and not lifted, the account may not post comments or proposals.
CREATE TABLE posting_blocks (
    id          uuid PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    created_by  uuid REFERENCES accounts (id) ON DELETE SET NULL,
    lifted_at   timestamptz,
    lifted_by   uuid REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX posting_blocks_account ON posting_blocks (account_id, ends_at) WHERE lifted_at IS NULL;
