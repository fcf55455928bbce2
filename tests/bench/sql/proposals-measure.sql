-- The SQL statements GET /proposals?measure=5-1 sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = '5-1'))) WHERE (("proposals"."submitted_at" IS NOT NULL) AND ("proposal_measures"."proposal_id" IS NOT NULL)) ORDER BY "proposal_measures"."proposal_created_at" DESC, "proposal_measures"."proposal_id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{620d831b-6d18-9c0a-7ba3-38edc925873c,bc2a9389-1012-c21c-2992-9a73b8dd7129,4b9ac63f-2402-87ba-d650-05ed7e152e89,a80cb5a3-4296-7cc7-a023-07e23bf5358b,82892f37-748a-17fc-5408-673049045ed6,b6be6676-6301-03e2-08bc-917843da7bc7,bd6c24ca-56b6-5381-f6c8-edb9e7f7de78,c7aec828-370d-19f1-c643-906a3824c354,c244b3a3-3ac2-c6e1-c08c-0f6d1687a913,8b02e495-61a2-2d9a-854d-fb6f3219cfa3,3a1df41e-3610-4c0a-9837-15f47f724b9c,9bf0b068-7e69-e2e4-8367-afa1bfc88e48,701b6126-9b4a-a70d-08c6-42636a6040ec,e6f16a16-7b83-5bca-cae9-06cfc3c821c3,c543b325-9e75-c57a-b82d-f4afbe3c0ab4,1fe4c93e-8c51-3d21-41a8-165c2819091a,5f455f9b-3f35-2946-a1b6-fab9fe793d46,42d215aa-2986-e402-05e7-a0e7f394266a,64515b05-c086-c4d5-e869-1630a1932911,8fba3c7d-3658-8e40-5906-2f34965edf46}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
