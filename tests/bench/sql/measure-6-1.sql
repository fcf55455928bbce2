-- The SQL statements GET /measures/6-1 sends, in order, as one pgbench script
-- (tests/bench/all.sh runs it with -M prepared: the ceiling of the page).
-- Captured from PostgreSQL's log by `tests/bench/all.sh --capture` on 2026-12-07, at the small scale.
-- built: /tmp/kyodo-b4f949e (given as APP).
-- The bind parameters ($1 …) are written in as the literals the log shows.
-- tests/bench/all.sh fails when what the page sends differs (instants and UUIDs aside).
(SELECT "meetings"."kind", COUNT(*) FROM "meetings" WHERE ((((("meetings"."published_at" <= '2026-12-07 23:07:48.069633+00') AND ("meetings"."cancelled_at" IS NULL)) AND ("meetings"."attendance_recorded_at" IS NOT NULL)) AND ("meetings"."starts_at" >= '2026-03-31 15:00:00+00')) AND ("meetings"."starts_at" < '2027-03-31 15:00:00+00')) GROUP BY "meetings"."kind") UNION ALL (SELECT 'consultation', COUNT(*) FROM "consultations" WHERE (((("consultations"."opens_on" >= '2026-04-01') AND ("consultations"."opens_on" <= '2026-12-08')) AND ("consultations"."published_at" IS NOT NULL)) AND (withdrawn_at IS NULL OR withdrawn_at >= opens_on::timestamp AT TIME ZONE 'Asia/Tokyo')));
SELECT p.id, p.title, p.state, p.created_at,
                coalesce((SELECT proposals FROM measure_proposal_counts WHERE measure_code = '6-1'), 0)
                    AS total
         FROM proposal_measures m JOIN proposals p ON p.id = m.proposal_id
         WHERE m.measure_code = '6-1' AND p.submitted_at IS NOT NULL
         ORDER BY m.proposal_created_at DESC, m.proposal_id DESC LIMIT 5;
(SELECT m.id, m.kind, m.title, m.starts_at, m.ends_at, false AS held, false AS minutes
              FROM meetings m
              WHERE EXISTS (SELECT 1 FROM meeting_measures mm
                            WHERE mm.meeting_id = m.id AND mm.measure_code = '6-1')
                AND m.published_at <= '2026-12-07 23:07:48.06963+00' AND m.cancelled_at IS NULL
                AND m.attendance_recorded_at IS NULL AND m.ends_at > '2026-12-07 23:07:48.06963+00'
              ORDER BY m.starts_at, m.id
              LIMIT 5)
             UNION ALL
             (SELECT m.id, m.kind, m.title, m.starts_at, m.ends_at, true AS held,
                     coalesce(m.minutes_published_at <= '2026-12-07 23:07:48.06963+00', false) AS minutes
              FROM meetings m
              WHERE EXISTS (SELECT 1 FROM meeting_measures mm
                            WHERE mm.meeting_id = m.id AND mm.measure_code = '6-1')
                AND m.published_at <= '2026-12-07 23:07:48.06963+00' AND m.cancelled_at IS NULL
                AND m.attendance_recorded_at IS NOT NULL
              ORDER BY m.starts_at DESC, m.id DESC
              LIMIT 3);
WITH top AS (
           SELECT c.id FROM comments c
           WHERE c.subject_type = 'measure' AND c.subject_id = '6-1' AND c.parent_id IS NULL
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
SELECT EXISTS (SELECT 1 FROM measure_follows WHERE measure_code = '6-1' AND account_id = NULL)
                  AS followed,
                EXISTS (SELECT 1 FROM comment_premoderation WHERE subject_type = 'measure'
                   AND subject_id = '6-1') AS premoderated;
