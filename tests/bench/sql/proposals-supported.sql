-- The SQL statements GET /proposals?sort=supported sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE ("proposals"."submitted_at" IS NOT NULL) ORDER BY "proposals"."support_count" DESC, "proposals"."created_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{cd626399-5f00-45d5-e409-33003a49f783,2e9289d1-fde9-96c6-c0d5-2128241b058b,d071e2c7-487b-441d-95ca-6aa522a69227,6a780d61-8cda-1d00-480c-eaa117feb9cb,ba12c892-1b46-5c82-a691-6645330ff751,4b9ac63f-2402-87ba-d650-05ed7e152e89,12142fc1-759d-3219-06d2-312f1fee3457,909dac35-4d4a-b23a-7607-34ad9e196493,cd23521b-ceea-8661-a373-ef8f1a48756b,b44e6a20-83c8-ab7e-562f-6c03530133bd,0e69ecda-4573-a9e5-2a80-a05f0e5826a2,07d21999-a72c-cf43-da86-24d8d28acad4,ed5936c8-f4e8-9a3e-5d2c-6de22f467800,24c578d0-a154-b307-0a6f-d4b0dfd9899a,c72b52a3-e870-be5e-74be-4a660d739a93,19ad6b9b-be1f-e580-2f10-86aa6eeb3b48,86074bf7-a6d0-545a-3fd2-9343955d53cd,19c8700c-5a4e-76a3-5973-b59b85d43648,07bc5969-1a28-11fe-55df-00a1a7af17ad,1e1751e0-c303-7178-db2e-d6c9ee9f283e}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
WITH RECURSIVE proposing (id) AS (
           (SELECT organisation_id FROM proposals
            WHERE organisation_id IS NOT NULL AND submitted_at IS NOT NULL
            ORDER BY organisation_id LIMIT 1)
           UNION ALL
           SELECT (SELECT p.organisation_id FROM proposals p
                   WHERE p.organisation_id > proposing.id AND p.submitted_at IS NOT NULL
                   ORDER BY p.organisation_id LIMIT 1)
           FROM proposing WHERE proposing.id IS NOT NULL)
         SELECT o.id, o.name FROM organisations o JOIN proposing ON proposing.id = o.id
         ORDER BY o.name, o.id;
