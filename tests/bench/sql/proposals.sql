-- The SQL statements GET /proposals sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE ("proposals"."submitted_at" IS NOT NULL) ORDER BY "proposals"."created_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{56c1f185-fe59-8e3f-0c64-ca83287cc2ce,f36ff24b-3bf0-c47a-d15a-7ccb04e03873,55e66bf4-661c-5be7-c84d-aa11bb596bb0,5d49155f-6796-bcd4-eabc-c656f4d6602c,5b7697bc-cb7f-e976-7378-9aa31b0ad4ed,53c9de9d-88ff-d509-3a4f-f7beb4a9eab1,620d831b-6d18-9c0a-7ba3-38edc925873c,b44e6a20-83c8-ab7e-562f-6c03530133bd,cd626399-5f00-45d5-e409-33003a49f783,3da1bbea-29d5-70e2-7376-0303d0edd1de,24c578d0-a154-b307-0a6f-d4b0dfd9899a,81758caf-3d9b-deb7-03e0-2a30365127b1,12aaa676-97bb-17bb-f6c5-e96d4582fa97,76fd78e8-7eb2-0c93-66d6-3f8d9d48e54a,08aa1837-414f-567a-4560-084c48537d14,51d107ff-f5e0-701e-b383-3093b834c842,8e5997f6-79cb-8ddd-d821-7cbfc8eea520,bc2a9389-1012-c21c-2992-9a73b8dd7129,d7609be4-1b26-90e5-1084-bb703c129435,569d7aa1-a3ac-2f1f-c136-dc168ebac823}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
