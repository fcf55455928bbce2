-- The SQL statements GET /proposals?organisation={organisation} sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE (("proposals"."submitted_at" IS NOT NULL) AND ("proposals"."organisation_id" = '7a5fddac-eece-c75c-9a13-cb329f6b4b15')) ORDER BY "proposals"."created_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{cd626399-5f00-45d5-e409-33003a49f783,eacbc55a-af7b-948a-c732-50099cd0bb0a,7a52c2ae-cf97-cf33-bdc0-64912fd99eae,af377448-623a-5683-2df6-fa164b65bce5,c72b52a3-e870-be5e-74be-4a660d739a93,8c7a2bb6-b5bb-b9e7-b27a-6d59e76f33ae,8693e6b0-c1ef-f406-5f40-250c0ff67366,a9f7a427-9fa7-044c-501e-328f62e38241,376a9379-d4e2-0310-3208-b4c12823ce6c,4154790c-a68b-0c60-e322-f6d3b3d8ed9a,c7126ce7-8417-6434-dddb-e5e8874e61f9,12b929db-1e9f-8f90-a529-3633b529f121,fdeb1f3f-609b-0031-d597-5b8dfa948de8,05b95e9c-b97b-6151-14c9-d207f2102ac5,ba76f77c-98dd-fce0-443d-91a507d5983a,6a57519b-c4ba-2ec7-af0e-368d0cc20054,cb4d6b45-d607-9ce4-46d6-9bb19593001d,386d9259-8507-710c-71ba-016e37899e9a,4dbe1f76-ee76-3754-b0ab-42e2f853b44d,765ad7a7-2f95-f5b1-3318-cd1fca87b980}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
