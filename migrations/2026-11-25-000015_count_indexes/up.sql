-- Found by tests/bench/proposals.sh at 100,000 proposals and 1,000,000 comments.

-- The list's organisation filter asks, per organisation, whether it has a public proposal: one
-- index probe each, where the whole-table index also walked every draft of the organisation.
DROP INDEX proposals_organisation;
CREATE INDEX proposals_organisation ON proposals (organisation_id)
    WHERE organisation_id IS NOT NULL AND submitted_at IS NOT NULL;

-- A subject's visible comments, counted on its page and in the lists: an index-only count,
-- without visiting every comment's row to read hidden_at and pending.
CREATE INDEX comments_visible ON comments (subject_type, subject_id)
    WHERE hidden_at IS NULL AND NOT pending;

-- Proposals never submitted (drafts, and drafts withdrawn before submission): a measure's page
-- subtracts those of the measure from all of its proposals, reading only these few.
CREATE INDEX proposals_unsubmitted ON proposals (id) WHERE submitted_at IS NULL;
