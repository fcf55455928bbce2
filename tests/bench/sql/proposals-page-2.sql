-- The SQL statements GET /proposals?before={cursor} sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE (("proposals"."submitted_at" IS NOT NULL) AND ("proposals"."created_at", "proposals"."id") < ('2026-12-05 21:22:41.836652+00', '569d7aa1-a3ac-2f1f-c136-dc168ebac823')) ORDER BY "proposals"."created_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{890cf420-1b92-84d6-2378-9d6a32a4cd45,b960ac49-2e32-7a0c-dea0-0e294058699c,f31298f3-3859-ec8d-8e5d-e1c13bd6f634,373b3bf1-a4db-4f93-9950-c11f00ac7c3a,63e3d479-aa09-0661-1b41-0c62026f087f,8fb96c43-c0ba-b290-cd7f-39d66a1e7fca,d1462a30-0f1f-da66-de95-5af2d17e8a23,4b9ac63f-2402-87ba-d650-05ed7e152e89,8ee2a997-b1ff-cb47-d4ce-a350448a0769,5336cc28-6790-a444-7da7-5e9180ec58e6,d2fa3775-b94f-eb62-cdf0-80a3fdd3447f,7f89d139-128e-ec6e-250d-c8d00a59a70e,bb562ca3-dbcf-b79b-241e-3aeda467dcae,cb7f8013-ab66-43a8-687f-82296efa203c,58cfe57c-b9b4-20c4-b92a-5d51293657cc,2e9289d1-fde9-96c6-c0d5-2128241b058b,dc95b008-3084-13d0-c7f1-dd9533b59a7d,eacbc55a-af7b-948a-c732-50099cd0bb0a,005d2505-05c0-7708-9c54-87d9e4e1f5df,5f7f8bad-4cc1-0109-978e-49f49a66e812}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
