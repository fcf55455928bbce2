-- The SQL statements GET /api/v1/measures/6-1 sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
(SELECT "meetings"."kind", COUNT(*) FROM "meetings" WHERE ((((("meetings"."published_at" <= '2026-12-07 23:07:48.649315+00') AND ("meetings"."cancelled_at" IS NULL)) AND ("meetings"."attendance_recorded_at" IS NOT NULL)) AND ("meetings"."starts_at" >= '2026-03-31 15:00:00+00')) AND ("meetings"."starts_at" < '2027-03-31 15:00:00+00')) GROUP BY "meetings"."kind") UNION ALL (SELECT 'consultation', COUNT(*) FROM "consultations" WHERE (((("consultations"."opens_on" >= '2026-04-01') AND ("consultations"."opens_on" <= '2026-12-08')) AND ("consultations"."published_at" IS NOT NULL)) AND (withdrawn_at IS NULL OR withdrawn_at >= opens_on::timestamp AT TIME ZONE 'Asia/Tokyo')));
