DROP INDEX proposal_transitions_feed;
DROP INDEX proposals_state_created;
CREATE INDEX proposals_state_created ON proposals (state, created_at DESC, id);
DROP INDEX proposals_public_created;
CREATE INDEX proposals_created ON proposals (created_at DESC, id);
