ALTER TABLE outbox DROP COLUMN attachment_body;
ALTER TABLE outbox DROP COLUMN attachment_type;
ALTER TABLE outbox DROP COLUMN attachment_name;
DROP TABLE meeting_proposals;
DROP TABLE meeting_minutes;
DROP TABLE meeting_notices;
DROP TABLE meeting_registrations;
DROP TABLE meeting_measures;
DROP TABLE meetings;
