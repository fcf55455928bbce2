-- The SQL statements GET /api/v1/plans sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: working tree on c3080a8 (10 files changed or added).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT 1;
SELECT "plan_initiatives"."plan_number", "plan_initiatives"."title", "plan_initiatives"."body", "plan_initiatives"."measure_codes" FROM "plan_initiatives" ORDER BY "plan_initiatives"."plan_number", "plan_initiatives"."position";
SELECT "plans"."number", "plans"."name", "plans"."subtitle", "plans"."summary", "plans"."strategy_targets" FROM "plans" ORDER BY "plans"."number";
