-- The SQL statements GET /measures/6-1 sends, in order, as one pgbench transaction.
-- Captured from PostgreSQL itself by `tests/bench/bench.sh --capture` on 2026-11-25
-- from a release build of the commit a6fd474, exported with git archive (BENCH_REV=HEAD):
-- log_statement = 'all' on the app's cluster for one request, the bind parameters
-- ($1 …) written in as the literals the log shows.
-- `SELECT 1` is the r2d2 connection check (test_on_check_out) every request pays;
-- the email worker's polling, on the same pool, is left out.
-- The app sends no BEGIN/COMMIT: each statement is its own transaction, as here.
-- tests/bench/bench.sh re-captures the statements on every run and warns if they differ.
SELECT 1;
SELECT "measures"."code", "measures"."title", "measures"."detailed", "measures"."goals", "measures"."situation", "measures"."collaboration", "measures"."sdgs", "measures"."satisfaction_statement", "measures"."satisfaction_percent", "measures"."column_title", "measures"."column_body", "chapters"."number", "chapters"."title", "chapters"."tagline", "chapters"."voices", "chapters"."detailed" FROM ("measures" INNER JOIN "chapters" ON ("measures"."chapter_number" = "chapters"."number")) WHERE ("measures"."code" = '6-1') LIMIT '1';
SELECT "kpis"."id", "kpis"."measure_code", "kpis"."name", "kpis"."definition", "kpis"."unit", "kpis"."baseline", "kpis"."target", "kpis"."direction", "kpis"."note" FROM "kpis" WHERE ("kpis"."measure_code" = ANY('{6-1}')) ORDER BY "kpis"."measure_code", "kpis"."position";
SELECT "kpi_actuals"."kpi_id", "kpi_actuals"."fiscal_year", "kpi_actuals"."value", "kpi_actuals"."source", "kpi_actuals"."note" FROM "kpi_actuals" WHERE ("kpi_actuals"."kpi_id" = ANY('{15,16,17}')) ORDER BY "kpi_actuals"."kpi_id", "kpi_actuals"."fiscal_year";
SELECT "sub_measures"."number", "sub_measures"."title", "sub_measures"."body" FROM "sub_measures" WHERE ("sub_measures"."measure_code" = '6-1') ORDER BY "sub_measures"."number";
SELECT "plan_initiatives"."plan_number", "plan_initiatives"."title", "plan_initiatives"."body", "plan_initiatives"."measure_codes" FROM "plan_initiatives" ORDER BY "plan_initiatives"."plan_number", "plan_initiatives"."position";
SELECT "plans"."number", "plans"."name", "plans"."subtitle", "plans"."summary", "plans"."strategy_targets" FROM "plans" ORDER BY "plans"."number";
