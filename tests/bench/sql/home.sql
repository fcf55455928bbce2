-- The SQL statements GET / sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: working tree on c3080a8 (10 files changed or added).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT 1;
SELECT "chapters"."number", "chapters"."title", "chapters"."tagline", "chapters"."voices", "chapters"."detailed" FROM "chapters" ORDER BY "chapters"."number";
SELECT "chapter_sections"."chapter_number", "chapter_sections"."heading", "chapter_sections"."paragraphs" FROM "chapter_sections" ORDER BY "chapter_sections"."chapter_number", "chapter_sections"."position";
SELECT "measures"."code", "measures"."title", "measures"."detailed", "measures"."goals", "measures"."situation", "measures"."collaboration", "measures"."sdgs", "measures"."satisfaction_statement", "measures"."satisfaction_percent", "measures"."column_title", "measures"."column_body" FROM "measures" ORDER BY "measures"."chapter_number", "measures"."number";
SELECT "kpis"."id", "kpis"."measure_code", "kpis"."name", "kpis"."definition", "kpis"."unit", "kpis"."baseline", "kpis"."target", "kpis"."direction", "kpis"."note" FROM "kpis" WHERE ("kpis"."measure_code" = ANY('{5-1,5-2,5-3,5-4,5-5,5-6,6-1,6-2,6-3,6-4,6-5}')) ORDER BY "kpis"."measure_code", "kpis"."position";
SELECT "kpi_actuals"."kpi_id", "kpi_actuals"."fiscal_year", "kpi_actuals"."value", "kpi_actuals"."source", "kpi_actuals"."note" FROM "kpi_actuals" WHERE ("kpi_actuals"."kpi_id" = ANY('{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27}')) ORDER BY "kpi_actuals"."kpi_id", "kpi_actuals"."fiscal_year";
SELECT "plan_initiatives"."plan_number", "plan_initiatives"."title", "plan_initiatives"."body", "plan_initiatives"."measure_codes" FROM "plan_initiatives" ORDER BY "plan_initiatives"."plan_number", "plan_initiatives"."position";
SELECT "plans"."number", "plans"."name", "plans"."subtitle", "plans"."summary", "plans"."strategy_targets" FROM "plans" ORDER BY "plans"."number";
