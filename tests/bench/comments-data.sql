-- Benchmark data for comments and consultations (issue 6): one measure with many comments
-- (replies, organisations, hidden and pending ones, the city's answers) and one consultation
-- (意見公募) with a published result and many opinions (on line and on paper, some excluded).
-- Not a test, and never for production: it writes fake accounts and sessions with known secrets.
--
-- Run with psql into a database migrated and seeded by the app (tests/bench/comments.sh does):
--   psql -X -v ON_ERROR_STOP=1 -v comments=10000 -v opinions=5000 \
--        -f tests/bench/comments-data.sql kyodo
-- Variables (all optional):
--   measure        the measure's code (default 5-1)
--   comments       comments on it (default 10000): 7 in 10 top-level, the rest replies; one
--                  top-level in 8 posted as an organisation, one in 25 hidden, one in 500
--                  pending; one reply in 10 is the city's answer, one in 40 hidden
--   opinions       opinions on the consultation (default 5000): 3 in 5 on line, the rest on
--                  paper, by post, fax, email or at the counter; one in 50 excluded
--   accounts       residents who comment (default comments / 10, at least 100)
--   organisations  organisations (default 30)
--   submitters     residents with a session, for the posting run (default 64)
-- Sessions: resident n (1 … submitters) has the cookie kyodo_session=kyodo-bench-comments-
-- resident-n, the staff member who answers for the city kyodo-bench-comments-staff; the table
-- keeps their SHA-256, as the app does. tests/bench/comment.lua posts with them.
-- Ids derive from md5 of a label and a number, so the same variables give the same rows.
-- The consultation is titled 「（ベンチマーク）意見の多い意見公募」.

\set QUIET on
\if :{?measure} \else \set measure 5-1 \endif
\if :{?comments} \else \set comments 10000 \endif
\if :{?opinions} \else \set opinions 5000 \endif
\if :{?accounts} \else
  SELECT greatest(100, :comments / 10) AS accounts \gset
\endif
\if :{?organisations} \else \set organisations 30 \endif
\if :{?submitters} \else \set submitters 64 \endif
SELECT greatest(1, :comments * 7 / 10) AS top_level, :comments - greatest(1, :comments * 7 / 10) AS replies \gset
\set QUIET off

SET synchronous_commit = off;
SET work_mem = '64MB';
\timing on

BEGIN;

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM accounts WHERE email LIKE 'cbench%@example.jp') THEN
        RAISE EXCEPTION 'benchmark accounts exist already: the generator fills a fresh database';
    END IF;
END $$;

-- The responsible department (担当課) of the measure, made when it has none (a fresh database
-- has no departments); the staff member reviews for it, so that their replies are the city's
-- answers.
INSERT INTO departments (name)
SELECT '協働推進課（ベンチマーク）'
WHERE NOT EXISTS (SELECT 1 FROM measure_departments WHERE measure_code = :'measure');
INSERT INTO measure_departments (measure_code, department_id)
SELECT :'measure', id FROM departments WHERE name = '協働推進課（ベンチマーク）'
ON CONFLICT (measure_code) DO NOTHING;
SELECT department_id AS department FROM measure_departments WHERE measure_code = :'measure' \gset

-- Residents 1 … accounts, and the staff member (0).
INSERT INTO accounts (id, email, email_verified_at, display_name, unsubscribe_token, created_at)
SELECT md5('cbench-account' || n)::uuid,
       'cbench' || n || '@example.jp',
       now() - interval '400 days',
       CASE WHEN n = 0 THEN '本庄市 担当 ベンチ' ELSE '市民' || n END,
       md5('cbench-unsubscribe' || n),
       now() - interval '400 days'
FROM generate_series(0, :accounts) AS n;

INSERT INTO staff_roles (account_id, role, department_id)
VALUES (md5('cbench-account0')::uuid, 'reviewer', :department);

-- Organisation n is represented by resident n; one in 10 is not verified yet.
INSERT INTO organisations (id, name, kind, description, created_by, created_at, verified_at)
SELECT md5('cbench-organisation' || n)::uuid,
       (ARRAY['本庄', '児玉', '駅北口', '早稲田の杜', '仁手', '旭'])[n % 6 + 1]
           || (ARRAY['自治会', 'まちづくりNPO', 'ボランティアの会', '子ども会', '商店会'])[n % 5 + 1]
           || 'ベンチ' || n,
       (ARRAY['jichikai', 'npo', 'volunteer', 'other', 'company'])[n % 5 + 1],
       '地域で活動する団体です。',
       md5('cbench-account' || n)::uuid,
       now() - interval '390 days',
       CASE WHEN n % 10 <> 0 THEN now() - interval '380 days' END
FROM generate_series(1, :organisations) AS n;

INSERT INTO organisation_members (organisation_id, account_id, role)
SELECT md5('cbench-organisation' || n)::uuid, md5('cbench-account' || n)::uuid, 'representative'
FROM generate_series(1, :organisations) AS n;

-- Sessions with known secrets (the table keeps the hex SHA-256 of the cookie's value).
INSERT INTO sessions (id_hash, account_id, expires_at)
SELECT encode(sha256(convert_to('kyodo-bench-comments-resident-' || n, 'UTF8')), 'hex'),
       md5('cbench-account' || n)::uuid, now() + interval '29 days'
FROM generate_series(1, least(:submitters, :accounts)) AS n
UNION ALL
SELECT encode(sha256(convert_to('kyodo-bench-comments-staff', 'UTF8')), 'hex'),
       md5('cbench-account0')::uuid, now() + interval '29 days';

-- Top-level comment k: one minute after k - 1.
INSERT INTO comments (id, subject_type, subject_id, author_id, organisation_id, body, created_at,
                      hidden_at, hidden_reason, hidden_by, pending)
SELECT md5('cbench-comment' || k)::uuid,
       'measure', :'measure',
       CASE WHEN k % 8 = 0 THEN md5('cbench-account' || ((k / 8) % :organisations + 1))::uuid
            ELSE md5('cbench-account' || ((k * 7) % :accounts + 1))::uuid END,
       CASE WHEN k % 8 = 0 THEN md5('cbench-organisation' || ((k / 8) % :organisations + 1))::uuid END,
       (ARRAY['駅前の自転車置き場が足りず、歩道にあふれています。',
              '子どもの遊び場をもっと増やしてほしいです。週末は公園が混み合っています。',
              '地域の清掃活動に参加したいのですが、日程はどこで確認できますか。',
              '高齢の親が一人で暮らしており、見守りの仕組みがあると安心です。',
              '市の取組を広報紙だけでなく、ウェブでも分かりやすく知らせてください。'])[k % 5 + 1]
           || repeat('具体的には、平日の夕方と週末に人が集まる場所での取組を希望します。', k % 4)
           || '（' || k || '）',
       now() - interval '300 days' + k * interval '1 minute',
       CASE WHEN k % 25 = 0 THEN now() - interval '10 days' END,
       CASE WHEN k % 25 = 0 THEN '個人を特定できる情報が含まれていたため非表示にしました。' END,
       CASE WHEN k % 25 = 0 THEN md5('cbench-account0')::uuid END,
       k % 500 = 250
FROM generate_series(1, :top_level) AS k;

-- Reply j: to a top-level comment, seconds after it; one in 10 the city's answer.
INSERT INTO comments (id, subject_type, subject_id, author_id, parent_id, body, created_at,
                      hidden_at, hidden_reason, hidden_by, answered_as_department)
SELECT md5('cbench-reply' || j)::uuid,
       'measure', :'measure',
       CASE WHEN j % 10 = 0 THEN md5('cbench-account0')::uuid
            ELSE md5('cbench-account' || ((j * 11) % :accounts + 1))::uuid END,
       md5('cbench-comment' || p)::uuid,
       CASE WHEN j % 10 = 0
            THEN 'ご意見ありがとうございます。担当課で検討し、来年度の事業計画に反映できるよう調整します。'
            ELSE '同感です。私の地域でも同じ状況です。' END || '（返信 ' || j || '）',
       now() - interval '300 days' + p * interval '1 minute' + (j % 50 + 1) * interval '1 second',
       CASE WHEN j % 40 = 0 THEN now() - interval '5 days' END,
       CASE WHEN j % 40 = 0 THEN '他の利用者を傷つける表現があったため非表示にしました。' END,
       CASE WHEN j % 40 = 0 THEN md5('cbench-account0')::uuid END,
       CASE WHEN j % 10 = 0 THEN :department END
FROM generate_series(1, :replies) AS j,
     LATERAL (SELECT (j * 13) % :top_level + 1 AS p) AS parent;

-- The consultation: open 60 to 31 days ago, its result published yesterday.
INSERT INTO consultations (title, department_id, summary, opens_on, closes_on, identity_required,
                           created_by, created_at, published_at, notified_open_at, result_published_at)
VALUES ('（ベンチマーク）意見の多い意見公募', :department,
        '協働のまちづくりを進めるための計画の案について、市民の皆さんの意見を募集しました。',
        current_date - 60, current_date - 31, false, md5('cbench-account0')::uuid,
        now() - interval '70 days', now() - interval '65 days', now() - interval '60 days',
        now() - interval '1 day')
RETURNING id AS consultation \gset

INSERT INTO consultation_measures (consultation_id, measure_code) VALUES (:consultation, :'measure');

INSERT INTO consultation_sections (consultation_id, number, heading, body)
SELECT :consultation, n, '第' || n || '章 計画の柱 ' || n,
       repeat('市民と市が役割を分担し、地域の課題に共に取り組みます。', 10)
FROM generate_series(1, 10) AS n;

INSERT INTO consultation_result_items (consultation_id, number, summary, response, changed, change)
SELECT :consultation, n,
       '第' || (n % 10 + 1) || '章について、取組の対象をより具体的に示してほしいという意見。',
       '御意見を踏まえ、対象となる地域と時期を明記します。' || repeat('市の考え方を補足します。', n % 3),
       n % 3 = 0,
       CASE WHEN n % 3 = 0 THEN '第' || (n % 10 + 1) || '章に対象地域を追記しました。' END
FROM generate_series(1, 20) AS n;

-- consultations.comment_count is kept by a statement trigger (migration 000031): this one
-- INSERT updates the consultation's row once.
INSERT INTO consultation_comments (consultation_id, receipt_seq, receipt_number, channel,
    received_at, section_id, body, account_id, organisation_name, submitter_name,
    submitter_address, submitter_email, entered_by, item_id, excluded_reason, excluded_by,
    excluded_at, created_at)
SELECT :consultation, n, 'PC-BENCH-' || :consultation || '-' || lpad(n::text, 6, '0'), ch.channel,
       now() - interval '60 days' + n * (interval '29 days' / :opinions),
       (SELECT id FROM consultation_sections WHERE consultation_id = :consultation AND number = n % 10 + 1),
       '第' || (n % 10 + 1) || '章について意見します。'
           || repeat('地域の実情に合わせて、段階的に進めてください。', n % 6 + 1) || '（' || n || '）',
       CASE WHEN ch.channel = 'web' THEN md5('cbench-account' || (n % :accounts + 1))::uuid END,
       CASE WHEN n % 9 = 0 THEN '本庄ベンチ自治会' END,
       CASE WHEN ch.channel <> 'web' THEN '本庄 太郎' || n END,
       CASE WHEN ch.channel <> 'web' THEN '埼玉県本庄市本庄三丁目' || n END,
       CASE WHEN ch.channel = 'email' THEN 'cbench-opinion' || n || '@example.jp' END,
       CASE WHEN ch.channel <> 'web' THEN md5('cbench-account0')::uuid END,
       (SELECT id FROM consultation_result_items WHERE consultation_id = :consultation AND number = n % 20 + 1),
       CASE WHEN n % 50 = 0 THEN '意見募集の対象外の内容のため除外しました。' END,
       CASE WHEN n % 50 = 0 THEN md5('cbench-account0')::uuid END,
       CASE WHEN n % 50 = 0 THEN now() - interval '2 days' END,
       now() - interval '60 days' + n * (interval '29 days' / :opinions)
FROM generate_series(1, :opinions) AS n,
     LATERAL (SELECT (ARRAY['web', 'web', 'web', 'paper', 'post', 'fax', 'email', 'counter',
                            'web', 'paper'])[n % 10 + 1] AS channel) AS ch;

-- Publishing keeps the counts with the consultation (model::publish, migration 000014): the
-- same JSON, made here with the same rules.
UPDATE consultations SET tally = jsonb_build_object(
    'submitters', (SELECT count(DISTINCT coalesce(account_id::text, lower(submitter_email),
                          submitter_name || '/' || submitter_address, receipt_number))
                   FROM consultation_comments WHERE consultation_id = :consultation),
    'by_channel', (SELECT jsonb_object_agg(ch, (SELECT count(*) FROM consultation_comments
                                                  WHERE consultation_id = :consultation AND channel = ch))
                   FROM unnest(ARRAY['web', 'paper', 'post', 'fax', 'email', 'counter']) AS ch))
WHERE id = :consultation;

COMMIT;

-- As autovacuum would leave them: statistics, and the visibility map that index-only scans need.
VACUUM (ANALYZE) accounts, sessions, organisations, organisation_members, comments, consultations,
        consultation_sections, consultation_result_items, consultation_comments;

SELECT :'measure' AS measure, :consultation AS consultation,
       (SELECT count(*) FROM comments WHERE subject_type = 'measure' AND subject_id = :'measure') AS comments,
       (SELECT count(*) FROM consultation_comments WHERE consultation_id = :consultation) AS opinions;
