DROP INDEX outbox_recipient_waiting;
ALTER TABLE outbox DROP COLUMN claimed_until;
