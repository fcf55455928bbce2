-- The SQL statements GET /api/v1/proposals/{hot} sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
SELECT "proposals"."id", "proposals"."author_id", "proposals"."state", "proposals"."title", "proposals"."summary", "proposals"."local_issue", "proposals"."activity_plan", "proposals"."expected_effect", "proposals"."partners", "proposals"."period", "proposals"."budget_yen", "proposals"."version", "proposals"."created_at", "proposals"."updated_at", "proposals"."submitted_at", "accounts"."display_name", "accounts"."deleted_at", "organisations"."id", "organisations"."name", "organisations"."verified_at" FROM (("proposals" INNER JOIN "accounts" ON ("proposals"."author_id" = "accounts"."id")) LEFT OUTER JOIN "organisations" ON ("proposals"."organisation_id" = "organisations"."id")) WHERE ("proposals"."id" = '3da1bbea-29d5-70e2-7376-0303d0edd1de') LIMIT '1';
SELECT "proposal_measures"."measure_code", "measures"."title" FROM ("proposal_measures" INNER JOIN "measures" ON ("proposal_measures"."measure_code" = "measures"."code")) WHERE ("proposal_measures"."proposal_id" = '3da1bbea-29d5-70e2-7376-0303d0edd1de') ORDER BY "proposal_measures"."position";
SELECT "proposal_transitions"."from_state", "proposal_transitions"."to_state", "proposal_transitions"."action", "proposal_transitions"."actor_role", "proposal_transitions"."reason", "proposal_transitions"."at" FROM "proposal_transitions" WHERE ("proposal_transitions"."proposal_id" = '3da1bbea-29d5-70e2-7376-0303d0edd1de') ORDER BY "proposal_transitions"."at", "proposal_transitions"."id";
SELECT (SELECT count(*) FROM proposal_supports WHERE proposal_id = '3da1bbea-29d5-70e2-7376-0303d0edd1de') AS supports,
                (SELECT count(*) FROM comments WHERE subject_type = 'proposal'
                   AND subject_id = '3da1bbea-29d5-70e2-7376-0303d0edd1de'::text AND hidden_at IS NULL AND NOT pending) AS comments,
                EXISTS (SELECT 1 FROM proposal_supports WHERE proposal_id = '3da1bbea-29d5-70e2-7376-0303d0edd1de' AND account_id = NULL)
                  AS supported,
                EXISTS (SELECT 1 FROM proposal_follows WHERE proposal_id = '3da1bbea-29d5-70e2-7376-0303d0edd1de' AND account_id = NULL)
                  AS followed,
                EXISTS (SELECT 1 FROM comment_premoderation WHERE subject_type = 'proposal'
                   AND subject_id = '3da1bbea-29d5-70e2-7376-0303d0edd1de'::text) AS premoderated;
SELECT "attachments"."id", "attachments"."filename", "attachments"."content_type", "attachments"."byte_size", "attachments"."sha256", "attachments"."created_at" FROM "attachments" WHERE (("attachments"."owner_type" = 'proposal') AND ("attachments"."owner_id" = '3da1bbea-29d5-70e2-7376-0303d0edd1de')) ORDER BY "attachments"."created_at", "attachments"."id";
