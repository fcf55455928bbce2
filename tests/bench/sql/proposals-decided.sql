-- The SQL statements GET /proposals?sort=decided sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE (("proposals"."submitted_at" IS NOT NULL) AND ("proposals"."decided_at" IS NOT NULL)) ORDER BY "proposals"."decided_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{55e66bf4-661c-5be7-c84d-aa11bb596bb0,5d49155f-6796-bcd4-eabc-c656f4d6602c,5b7697bc-cb7f-e976-7378-9aa31b0ad4ed,b44e6a20-83c8-ab7e-562f-6c03530133bd,cd626399-5f00-45d5-e409-33003a49f783,3da1bbea-29d5-70e2-7376-0303d0edd1de,b960ac49-2e32-7a0c-dea0-0e294058699c,f31298f3-3859-ec8d-8e5d-e1c13bd6f634,373b3bf1-a4db-4f93-9950-c11f00ac7c3a,d1462a30-0f1f-da66-de95-5af2d17e8a23,4b9ac63f-2402-87ba-d650-05ed7e152e89,8ee2a997-b1ff-cb47-d4ce-a350448a0769,90a72177-2759-9326-c13f-12b43c794991,ca7b8174-fdda-e3dd-7ee2-d6f82a31588c,a2b7729a-2a21-2399-ad91-b441763a1b81,d875c7ec-138b-15f4-7297-131236e4a6cb,b2a9bc72-2f99-1893-007c-558a2e9f985b,40e227b4-e5f6-8b33-22da-9a89efa2a6f5,7cb50a3e-db0f-cb76-a46b-f1bb326146a6,3d164106-c385-f4ac-6a83-c015c6926a95}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
