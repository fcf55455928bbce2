-- The SQL statements GET /api/v1/consultations/{id} sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /work/target-verify/release/kyodo (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "consultations"."id", "consultations"."title", "consultations"."department_id", "departments"."name", "consultations"."summary", "consultations"."opens_on", "consultations"."closes_on", "consultations"."short_period_reason", "consultations"."identity_required", "consultations"."published_at", "consultations"."withdrawn_at", "consultations"."result_published_at" FROM ("consultations" INNER JOIN "departments" ON ("consultations"."department_id" = "departments"."id")) WHERE ("consultations"."id" = '1') LIMIT '1';
SELECT "measures"."code", "measures"."title" FROM ("consultation_measures" INNER JOIN "measures" ON ("consultation_measures"."measure_code" = "measures"."code")) WHERE ("consultation_measures"."consultation_id" = '1') ORDER BY "measures"."chapter_number", "measures"."number";
SELECT "consultation_sections"."id", "consultation_sections"."number", "consultation_sections"."heading", "consultation_sections"."body" FROM "consultation_sections" WHERE ("consultation_sections"."consultation_id" = '1') ORDER BY "consultation_sections"."number";
SELECT COUNT(*) FROM "consultation_comments" WHERE ("consultation_comments"."consultation_id" = '1');
SELECT "attachments"."id", "attachments"."filename", "attachments"."content_type", "attachments"."byte_size", "attachments"."sha256", "attachments"."created_at" FROM "attachments" WHERE (("attachments"."owner_type" = 'consultation') AND ("attachments"."owner_id" = '1')) ORDER BY "attachments"."created_at", "attachments"."id";
SELECT "consultation_notices"."kind", "consultation_notices"."body", "consultation_notices"."closes_on_before", "consultation_notices"."closes_on_after", "consultation_notices"."posted_at" FROM "consultation_notices" WHERE ("consultation_notices"."consultation_id" = '1') ORDER BY "consultation_notices"."id";
