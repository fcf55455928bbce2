-- The SQL statements GET /proposals?q=子ども sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."title", "proposals"."summary", "proposals"."state", "proposals"."created_at", "proposals"."support_count", "proposals"."decided_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM ((("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) LEFT OUTER JOIN "proposal_measures" ON (("proposal_measures"."proposal_id" = "proposals"."id") AND ("proposal_measures"."measure_code" = NULL))) WHERE (("proposals"."submitted_at" IS NOT NULL) AND ("proposals"."title" || ' ' || "proposals"."summary") ILIKE '%子ども%') ORDER BY "proposals"."created_at" DESC, "proposals"."id" DESC LIMIT 21;
SELECT "proposal_measures"."proposal_id", "proposal_measures"."measure_code" FROM "proposal_measures" WHERE ("proposal_measures"."proposal_id" = ANY('{56c1f185-fe59-8e3f-0c64-ca83287cc2ce,3da1bbea-29d5-70e2-7376-0303d0edd1de,24c578d0-a154-b307-0a6f-d4b0dfd9899a,569d7aa1-a3ac-2f1f-c136-dc168ebac823,8ee2a997-b1ff-cb47-d4ce-a350448a0769,5336cc28-6790-a444-7da7-5e9180ec58e6,005d2505-05c0-7708-9c54-87d9e4e1f5df,40e227b4-e5f6-8b33-22da-9a89efa2a6f5,a80cb5a3-4296-7cc7-a023-07e23bf5358b,ac034b9b-c988-5e24-3f9d-00ff14483895,14d686df-d750-15a3-2ce6-186f171bfbb0,a159cbcf-96e1-19ba-8d47-03da22b78746,17f3886f-a810-a5e4-6779-1fca34e4f01e,f5db3291-caac-2d22-15de-240d3ee383d2,2ac0d905-0775-bb77-7dc8-56262ba66406,7a032c07-e0ab-4834-a18d-1bc64563cdc4,6f182746-9aa6-5192-7997-d31aedb5bff2,c2b73f2d-69a9-29c6-231c-eef7f9425021,da4e91cf-c3e6-dac3-2b57-0237f5b87e52,81f49519-bb24-3e50-a9f9-ede1c2c60e24}'::uuid[])) ORDER BY "proposal_measures"."proposal_id", "proposal_measures"."position";
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
