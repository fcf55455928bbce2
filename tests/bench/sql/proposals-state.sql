-- The SQL statements GET /proposals?state=adopted sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE (("proposals"."submitted_at" IS NOT NULL) AND ("proposals"."state" = 'adopted')) ORDER BY "proposals"."created_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{b44e6a20-83c8-ab7e-562f-6c03530133bd,cd626399-5f00-45d5-e409-33003a49f783,3da1bbea-29d5-70e2-7376-0303d0edd1de,d1462a30-0f1f-da66-de95-5af2d17e8a23,4b9ac63f-2402-87ba-d650-05ed7e152e89,8ee2a997-b1ff-cb47-d4ce-a350448a0769,d875c7ec-138b-15f4-7297-131236e4a6cb,b2a9bc72-2f99-1893-007c-558a2e9f985b,40e227b4-e5f6-8b33-22da-9a89efa2a6f5,2e368ddb-a13c-c626-31c0-081f1a2389dc,7a52c2ae-cf97-cf33-bdc0-64912fd99eae,14d686df-d750-15a3-2ce6-186f171bfbb0,818ce1a2-9fe6-5cc3-e220-3e7b7ec36869,5b6187c3-7f34-2a04-f57b-dfabcbcf0889,f5db3291-caac-2d22-15de-240d3ee383d2,644edd4b-46c6-a859-e633-26eee2f071d9,05734a58-efcc-5265-5582-60c796932bab,6f182746-9aa6-5192-7997-d31aedb5bff2,3a1df41e-3610-4c0a-9837-15f47f724b9c,c72b52a3-e870-be5e-74be-4a660d739a93}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
