-- The SQL statements GET /proposals/{hot} sends, in order, as one pgbench script
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
WITH top AS (
           SELECT c.id FROM comments c
           WHERE c.subject_type = 'proposal' AND c.subject_id = '3da1bbea-29d5-70e2-7376-0303d0edd1de' AND c.parent_id IS NULL
             AND (NOT c.pending OR c.author_id = NULL) AND NULL::timestamptz IS NULL AND NULL::uuid IS NULL
           ORDER BY c.created_at, c.id LIMIT 51)
         SELECT * FROM (
           SELECT c.id, c.parent_id, c.author_id, a.display_name, a.deleted_at IS NOT NULL AS author_deleted,
        o.id AS org_id, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified,
        d.name AS department, c.body, c.created_at, c.hidden_at, c.hidden_reason, c.pending,
        c.hidden_automatically
    FROM comments c
    JOIN accounts a ON a.id = c.author_id
    LEFT JOIN organisations o ON o.id = c.organisation_id
    LEFT JOIN departments d ON d.id = c.answered_as_department JOIN top t ON t.id = c.id
           UNION ALL
           SELECT c.id, c.parent_id, c.author_id, a.display_name, a.deleted_at IS NOT NULL AS author_deleted,
        o.id AS org_id, o.name AS org_name, o.verified_at IS NOT NULL AS org_verified,
        d.name AS department, c.body, c.created_at, c.hidden_at, c.hidden_reason, c.pending,
        c.hidden_automatically
    FROM comments c
    JOIN accounts a ON a.id = c.author_id
    LEFT JOIN organisations o ON o.id = c.organisation_id
    LEFT JOIN departments d ON d.id = c.answered_as_department JOIN top t ON t.id = c.parent_id WHERE (NOT c.pending OR c.author_id = NULL)
         ) x ORDER BY x.created_at, x.id;
SELECT "proposal_responses"."body", "departments"."name", "proposal_responses"."at" FROM ("proposal_responses" LEFT OUTER JOIN "departments" ON ("proposal_responses"."department_id" = "departments"."id")) WHERE ("proposal_responses"."proposal_id" = '3da1bbea-29d5-70e2-7376-0303d0edd1de') ORDER BY "proposal_responses"."at", "proposal_responses"."id";
SELECT "attachments"."id", "attachments"."filename", "attachments"."content_type", "attachments"."byte_size", "attachments"."sha256", "attachments"."created_at" FROM "attachments" WHERE (("attachments"."owner_type" = 'proposal') AND ("attachments"."owner_id" = '3da1bbea-29d5-70e2-7376-0303d0edd1de')) ORDER BY "attachments"."created_at", "attachments"."id";
