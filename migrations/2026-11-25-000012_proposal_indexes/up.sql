-- Indexes for proposals at scale (100,000 proposals, 1,000,000 comments; tests/bench/proposals.sh).
-- Each serves a query that otherwise scans or sorts a whole table.

-- The public list, newest first, with its keyset `(created_at, id) < (…)`: read in index order,
-- no sort, however deep the page. Replaces the (created_at DESC, id) index, whose id order was
-- the opposite of the list's.
DROP INDEX proposals_created;
CREATE INDEX proposals_public_created ON proposals (created_at DESC, id DESC) WHERE state <> 'draft';
-- The list filtered by state, in the same order.
DROP INDEX proposals_state_created;
CREATE INDEX proposals_state_created ON proposals (state, created_at DESC, id DESC);

-- The Atom feed (src/proposals/feed.rs): the newest submissions and decisions, read in order
-- from the timeline instead of sorting every transition.
CREATE INDEX proposal_transitions_feed ON proposal_transitions (at DESC, id DESC)
    WHERE to_state IN ('submitted', 'adopted', 'not_adopted');
