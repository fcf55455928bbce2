DROP TABLE posting_blocks;
DROP TABLE moderation_settings;
ALTER TABLE comments DROP COLUMN hidden_automatically;
DROP INDEX comments_created;
DROP INDEX comment_reports_created;
DROP INDEX comment_reports_once;
CREATE UNIQUE INDEX comment_reports_open_once ON comment_reports (comment_id, reporter_id) WHERE resolved_at IS NULL;
ALTER TABLE comment_reports DROP CONSTRAINT comment_reports_reason_check;
UPDATE comment_reports SET reason = category WHERE reason = '';
ALTER TABLE comment_reports ADD CONSTRAINT comment_reports_reason_check
    CHECK (char_length(reason) BETWEEN 1 AND 1000);
ALTER TABLE comment_reports DROP COLUMN category;
