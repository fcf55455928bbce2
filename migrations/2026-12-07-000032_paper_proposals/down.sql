DELETE FROM import_batches WHERE kind = 'proposals';
ALTER TABLE import_rows
    DROP CONSTRAINT import_rows_one_record,
    DROP COLUMN proposal_id,
    ALTER COLUMN comment_id SET NOT NULL;
DROP INDEX import_batches_proposals_sha256;
ALTER TABLE import_batches
    DROP CONSTRAINT import_batches_kind_target,
    DROP COLUMN kind,
    ALTER COLUMN consultation_id SET NOT NULL;
DELETE FROM proposals WHERE channel = 'paper';
ALTER TABLE proposals
    DROP CONSTRAINT proposals_paper_entered,
    DROP COLUMN entered_by,
    DROP COLUMN channel;
