-- The sender claims due emails with a lease instead of holding row locks for a whole batch, so
-- each outcome is committed as soon as it is known. A claimed row is not due again until its
-- lease ends (a crashed sender's rows are retried then). The due-rows scan still uses outbox_due:
-- at most a few batches of rows are claimed at any time.
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;

-- A recipient's email is not due while an earlier one waits for its retry or is being sent (the
-- order a person reads them in): the claim looks the earlier ones up here.
CREATE INDEX outbox_recipient_waiting ON outbox (lower(to_address), id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
