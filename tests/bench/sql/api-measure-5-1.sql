-- The SQL statements GET /api/v1/measures/5-1 sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposal_state_counts"."proposals" FROM "proposal_state_counts" WHERE ("proposal_state_counts"."state" = ANY('{adopted,in_progress,completed}'));
