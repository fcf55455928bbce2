DROP TABLE comment_premoderation;
DROP TABLE comment_reports;
DROP INDEX comments_pending;
DROP INDEX comments_subject_top;
ALTER TABLE comments DROP COLUMN approved_by;
ALTER TABLE comments DROP COLUMN approved_at;
ALTER TABLE comments DROP COLUMN pending;
ALTER TABLE comments DROP COLUMN answered_as_department;
DROP TABLE measure_follows;
