-- Proposals received on paper (紙で提出された提案, issue 15): a proposal records how it came
-- (on the web, or on paper typed in by the city) and who entered it. Its submitted_at is the
-- day the paper was received, so no column of its own is needed for that.
ALTER TABLE proposals
    ADD COLUMN channel text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'paper')),
    ADD COLUMN entered_by uuid REFERENCES accounts (id),
    ADD CONSTRAINT proposals_paper_entered CHECK ((channel = 'paper') = (entered_by IS NOT NULL));

-- A batch is now a file of opinions for a consultation, or a file of proposals (for no
-- consultation); a file of proposals is imported once (its sha256), whoever uploads it.
ALTER TABLE import_batches
    ALTER COLUMN consultation_id DROP NOT NULL,
    ADD COLUMN kind text NOT NULL DEFAULT 'opinions' CHECK (kind IN ('opinions', 'proposals')),
    ADD CONSTRAINT import_batches_kind_target
        CHECK ((kind = 'opinions') = (consultation_id IS NOT NULL));
CREATE UNIQUE INDEX import_batches_proposals_sha256 ON import_batches (sha256)
    WHERE kind = 'proposals';

-- A row made an opinion or a proposal.
ALTER TABLE import_rows
    ALTER COLUMN comment_id DROP NOT NULL,
    ADD COLUMN proposal_id uuid UNIQUE REFERENCES proposals (id) ON DELETE CASCADE,
    ADD CONSTRAINT import_rows_one_record CHECK ((comment_id IS NULL) <> (proposal_id IS NULL));
