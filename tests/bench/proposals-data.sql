-- Benchmark data for citizen proposals (issue 5): N proposals spread over the detailed measures,
-- every state of the workflow with its timeline, supports, follows, organisations, the city's
-- responses, and M comments with replies, one "hot" proposal holding many of them.
-- Not a test, and never for production: it writes thousands of fake accounts.
--
-- Run with psql into a database migrated and seeded by the app (tests/bench/proposals.sh does):
--   psql -X -v ON_ERROR_STOP=1 -v proposals=100000 -v comments=1000000 -v hot_comments=10000 \
--        -f tests/bench/proposals-data.sql kyodo
-- Variables (all optional):
--   proposals     proposals to make (default 100000); one in 20 stays a private draft
--   comments      comments in all (default 1000000), hot_comments of them on the hot proposal
--   hot_comments  comments on the hot proposal (default 10000; at most comments)
--   accounts      residents who write, support and comment (default proposals / 5, at least 1000)
--   organisations organisations (default 300); a fifth of the proposals are in their name,
--                 and one in 30 more in the name of the first, so that its list (the bench's
--                 target filtered by organisation) is a full page at every scale
-- Everything is generated with generate_series and derived ids (md5 of a label and a number),
-- so a run takes minutes, not hours, and the same variables give the same rows. The hot
-- proposal is the adopted one titled 「（ベンチマーク）コメントの多い提案」.
-- Only the columns the comments table had when proposals came (migration 000007) are written;
-- columns added later take their defaults.

\set QUIET on
\if :{?proposals} \else \set proposals 100000 \endif
\if :{?comments} \else \set comments 1000000 \endif
\if :{?hot_comments} \else \set hot_comments 10000 \endif
\if :{?accounts} \else
  SELECT greatest(1000, :proposals / 5) AS accounts \gset
\endif
\if :{?organisations} \else \set organisations 300 \endif
\set QUIET off

SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
SET work_mem = '64MB';
\timing on

BEGIN;

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM proposals) THEN
        RAISE EXCEPTION 'proposals exist already: the generator fills an empty database';
    END IF;
END $$;

-- The residents, and the reviewer (account 0) who decides.
INSERT INTO accounts (id, email, email_verified_at, display_name, unsubscribe_token, created_at)
SELECT md5('account' || n)::uuid,
       'bench' || n || '@example.jp',
       now() - interval '400 days',
       CASE WHEN n = 0 THEN '審査 ベンチ' ELSE '市民' || n END,
       md5('unsubscribe' || n),
       now() - interval '400 days'
FROM generate_series(0, :accounts) AS n;

INSERT INTO organisations (id, name, kind, description, created_by, created_at, verified_at)
SELECT md5('organisation' || n)::uuid,
       (ARRAY['本庄', '児玉', '駅北口', '早稲田の杜', '仁手', '旭', '北泉', '藤田'])[n % 8 + 1]
           || (ARRAY['自治会', 'まちづくりNPO', 'ボランティアの会', '子ども会', '商店会'])[n % 5 + 1]
           || n,
       (ARRAY['jichikai', 'npo', 'volunteer', 'other', 'company'])[n % 5 + 1],
       '地域で活動する団体です。',
       md5('account' || n)::uuid,
       now() - interval '390 days',
       CASE WHEN n % 10 <> 0 THEN now() - interval '380 days' END
FROM generate_series(1, :organisations) AS n;

INSERT INTO organisation_members (organisation_id, account_id, role)
SELECT md5('organisation' || n)::uuid, md5('account' || n)::uuid, 'representative'
FROM generate_series(1, :organisations) AS n;

-- The path of each state through the workflow: step, from, to, action, role, reason.
CREATE TEMP TABLE bench_paths (state text, step int, from_state text, to_state text,
                               action text, role text, reason text) ON COMMIT DROP;
INSERT INTO bench_paths VALUES
    ('submitted', 1, 'draft', 'submitted', 'submit', 'proposer', NULL),
    ('under_review', 1, 'draft', 'submitted', 'submit', 'proposer', NULL),
    ('under_review', 2, 'submitted', 'under_review', 'start_review', 'reviewer', NULL),
    ('revision_requested', 1, 'draft', 'submitted', 'submit', 'proposer', NULL),
    ('revision_requested', 2, 'submitted', 'under_review', 'start_review', 'reviewer', NULL),
    ('revision_requested', 3, 'under_review', 'revision_requested', 'request_revision', 'reviewer',
        '予算の内訳と実施体制を具体的に書き加えてください。'),
    ('withdrawn', 1, 'draft', 'submitted', 'submit', 'proposer', NULL),
    ('withdrawn', 2, 'submitted', 'withdrawn', 'withdraw', 'proposer', NULL),
    ('not_adopted', 1, 'draft', 'submitted', 'submit', 'proposer', NULL),
    ('not_adopted', 2, 'submitted', 'under_review', 'start_review', 'reviewer', NULL),
    ('not_adopted', 3, 'under_review', 'not_adopted', 'reject', 'reviewer',
        '同様の事業を市が実施しているため、今回は採択を見送ります。');
-- Decided proposals went through one revision first.
INSERT INTO bench_paths
SELECT s.state, p.step, p.from_state, p.to_state, p.action, p.role, p.reason
FROM (VALUES ('adopted', 0), ('in_progress', 1), ('completed', 2)) AS s (state, extra)
CROSS JOIN (VALUES
    (1, 'draft', 'submitted', 'submit', 'proposer', NULL),
    (2, 'submitted', 'under_review', 'start_review', 'reviewer', NULL),
    (3, 'under_review', 'revision_requested', 'request_revision', 'reviewer',
        '連携する団体の役割を明記してください。'),
    (4, 'revision_requested', 'under_review', 'resubmit', 'proposer', NULL),
    (5, 'under_review', 'adopted', 'adopt', 'reviewer',
        '地域の課題に応える協働の取組として、効果が見込まれるため採択します。'),
    (6, 'adopted', 'in_progress', 'start_work', 'reviewer', NULL),
    (7, 'in_progress', 'completed', 'complete', 'reviewer', NULL)
) AS p (step, from_state, to_state, action, role, reason)
WHERE p.step <= 5 + s.extra;

-- Proposal i: its state by i mod 20 (one draft in 20), created 5 minutes after i - 1.
CREATE TEMP TABLE bench_states (r int PRIMARY KEY, state text) ON COMMIT DROP;
INSERT INTO bench_states VALUES
    (0, 'draft'), (1, 'submitted'), (2, 'submitted'), (3, 'submitted'), (4, 'submitted'),
    (5, 'under_review'), (6, 'under_review'), (7, 'under_review'), (8, 'revision_requested'),
    (9, 'submitted'), (10, 'adopted'), (11, 'adopted'), (12, 'adopted'), (13, 'not_adopted'),
    (14, 'not_adopted'), (15, 'in_progress'), (16, 'in_progress'), (17, 'completed'),
    (18, 'withdrawn'), (19, 'under_review');

CREATE TEMP TABLE bench_topics (r int PRIMARY KEY, topic text, issue text) ON COMMIT DROP;
INSERT INTO bench_topics VALUES
    (0, '空き店舗を使った子ども食堂', '子どもが一人で夕食をとる家庭があります。'),
    (1, '河川敷の清掃と生きもの観察会', '河川敷にごみが目立ち、生きものにふれる機会が減っています。'),
    (2, '高齢者の買い物支援ボランティア', '車を手放した高齢者が買い物に困っています。'),
    (3, '通学路の見守りと花いっぱい運動', '通学路の見守りの担い手が足りません。'),
    (4, '多世代が集うふれあい農園', '世代を超えて顔を合わせる機会が減っています。'),
    (5, '外国人住民のための日本語サロン', '外国人住民が地域の情報を得にくい状況です。'),
    (6, '商店街の空きスペースで若者の起業体験', '若者が市外に出て、商店街の担い手が減っています。'),
    (7, '防災マップづくりワークショップ', '避難場所を知らない住民が多くいます。'),
    (8, '図書館で読み聞かせと絵本の交換会', '子どもが本にふれる機会が減っています。'),
    (9, '公園の遊具点検と子ども会の清掃活動', '公園の遊具の傷みに気づく人が少ない状況です。');

CREATE TEMP TABLE bench_measures AS
SELECT row_number() OVER (ORDER BY chapter_number, number) - 1 AS r, code
FROM measures WHERE detailed;
SELECT count(*) AS measure_count FROM bench_measures \gset

-- The hot proposal: the newest adopted one.
SELECT :proposals - ((:proposals - 10) % 20 + 20) % 20 AS hot \gset

-- The counts by state and by measure are kept once per INSERT statement (migration 000033):
-- each insert below updates them once.

INSERT INTO proposals (id, author_id, organisation_id, state, title, summary, local_issue,
                       activity_plan, expected_effect, partners, period, budget_yen, version,
                       created_at, updated_at, submitted_at, assignee_id)
SELECT md5('proposal' || i)::uuid,
       md5('account' || ((i * 13) % :accounts + 1))::uuid,
       CASE WHEN i % 5 = 0 THEN md5('organisation' || (i % :organisations + 1))::uuid
            WHEN i % 30 = 1 THEN md5('organisation1')::uuid END,
       s.state,
       CASE WHEN i = :hot THEN '（ベンチマーク）コメントの多い提案'
            ELSE t.topic || '（第' || i || '号）' END,
       t.topic || 'を、地域の団体と協力して進めます。月に2回の活動を予定しています。',
       t.issue || '市民と市が協働して取り組む必要があります。',
       '第2・第4土曜日に活動し、年度末に報告会を開きます。',
       '参加者どうしのつながりが生まれ、地域の課題の解決につながります。',
       '地元の自治会、社会福祉協議会',
       '令和9年4月〜令和10年3月',
       CASE WHEN i % 7 <> 0 THEN (i % 50 + 1) * 10000 END,
       1 + (SELECT count(*) FROM bench_paths b WHERE b.state = s.state),
       c.at, c.at, CASE WHEN s.state <> 'draft' THEN c.at + interval '1 hour' END,
       CASE WHEN s.state NOT IN ('draft', 'submitted', 'withdrawn') THEN md5('account0')::uuid END
FROM generate_series(1, :proposals) AS i
JOIN bench_states s ON s.r = i % 20
JOIN bench_topics t ON t.r = i % 10
CROSS JOIN LATERAL (SELECT now() - (:proposals - i) * interval '5 minutes' - interval '2 days' AS at) c;

-- One to three measures each, spread over all detailed measures.
INSERT INTO proposal_measures (proposal_id, measure_code, position)
SELECT DISTINCT ON (i, m.code) md5('proposal' || i)::uuid, m.code, k
FROM generate_series(1, :proposals) AS i
CROSS JOIN generate_series(1, 3) AS k
JOIN bench_measures m ON m.r = (i * k * 7 + k) % :measure_count
WHERE k <= i % 3 + 1
ORDER BY i, m.code, k;


INSERT INTO proposal_transitions (proposal_id, from_state, to_state, action, actor_id,
                                  actor_role, reason, at)
SELECT p.id, b.from_state, b.to_state, b.action,
       CASE WHEN b.role = 'proposer' THEN p.author_id ELSE md5('account0')::uuid END,
       b.role, b.reason, p.created_at + b.step * interval '3 hours'
FROM proposals p
JOIN bench_paths b ON b.state = p.state
ORDER BY p.created_at, b.step;

-- The city's answer to every proposal it decided to carry out.
INSERT INTO proposal_responses (proposal_id, author_id, body, at)
SELECT id, md5('account0')::uuid, '担当課と打ち合わせを行い、実施の準備を進めています。',
       created_at + interval '20 hours'
FROM proposals WHERE state IN ('adopted', 'in_progress', 'completed');

-- Supports: most proposals few, some many (0 to 60, skewed); the first of them also follow.
-- The trigger that keeps proposals.support_count would update a proposal once per support (a
-- million updates, ten minutes on 2 busy cores): off for the insert, the counts set once after,
-- as migration 000013 sets them.
ALTER TABLE proposal_supports DISABLE TRIGGER proposal_supports_count;
INSERT INTO proposal_supports (proposal_id, account_id, at)
SELECT p.id, md5('account' || ((n * 31 + j) % :accounts + 1))::uuid,
       p.created_at + j * interval '1 minute'
FROM (SELECT id, created_at, row_number() OVER (ORDER BY created_at) AS n,
             floor(60 * power(((hashtext(id::text) & 1023) / 1023.0), 4))::int AS k
      FROM proposals WHERE state <> 'draft') p
CROSS JOIN LATERAL generate_series(1, p.k) AS j;
ALTER TABLE proposal_supports ENABLE TRIGGER proposal_supports_count;
UPDATE proposals p SET support_count = s.n
FROM (SELECT proposal_id, count(*) AS n FROM proposal_supports GROUP BY proposal_id) s
WHERE s.proposal_id = p.id;

INSERT INTO proposal_follows (proposal_id, account_id, at)
SELECT proposal_id, account_id, at FROM proposal_supports
WHERE (hashtext(account_id::text) & 3) = 0;

-- Comments: in groups of five, three top-level comments and two replies (to the first two),
-- a group's reply 3 positions after its parent.
-- The hot proposal gets hot_comments of them; the rest are spread over the public proposals.
CREATE TEMP TABLE bench_public AS
SELECT row_number() OVER (ORDER BY created_at) AS r, id, created_at
FROM proposals WHERE state <> 'draft' AND title <> '（ベンチマーク）コメントの多い提案';
CREATE INDEX ON bench_public (r);
SELECT count(*) AS public_count FROM bench_public \gset
SELECT least(:hot_comments, :comments) AS hot_n, :comments - least(:hot_comments, :comments) AS spread_n \gset

INSERT INTO comments (id, subject_type, subject_id, author_id, organisation_id, parent_id, body,
                      created_at, hidden_at, hidden_reason, hidden_by)
SELECT md5('hot' || j)::uuid, 'proposal', md5('proposal' || :hot)::uuid::text,
       md5('account' || (j * 17 % :accounts + 1))::uuid,
       NULL,
       CASE WHEN (j - 1) % 5 >= 3 THEN md5('hot' || (j - 3))::uuid END,
       'コメント' || j || '：この提案に賛成です。近所の人にも声をかけて参加したいと思います。',
       now() - interval '2 days' + j * interval '1 second',
       CASE WHEN j % 500 = 0 THEN now() END,
       CASE WHEN j % 500 = 0 THEN '個人情報が含まれていたため' END,
       CASE WHEN j % 500 = 0 THEN md5('account0')::uuid END
FROM generate_series(1, :hot_n) AS j;

INSERT INTO comments (id, subject_type, subject_id, author_id, organisation_id, parent_id, body,
                      created_at, hidden_at, hidden_reason, hidden_by)
SELECT md5('comment' || j)::uuid, 'proposal', b.id::text,
       md5('account' || (j * 17 % :accounts + 1))::uuid,
       CASE WHEN j % 10 = 1 THEN md5('organisation' || (j % :organisations + 1))::uuid END,
       CASE WHEN (j - 1) % 5 >= 3 THEN md5('comment' || (j - 3))::uuid END,
       'コメント' || j || '：活動の日程が決まったら教えてください。手伝えることがあれば参加します。',
       b.created_at + interval '1 day' + ((j - 1) / 5 / :public_count) * interval '1 hour'
           + ((j - 1) % 5) * interval '10 minutes',
       CASE WHEN j % 500 = 0 THEN now() END,
       CASE WHEN j % 500 = 0 THEN '個人情報が含まれていたため' END,
       CASE WHEN j % 500 = 0 THEN md5('account0')::uuid END
FROM generate_series(1, :spread_n) AS j
JOIN bench_public b ON b.r = ((j - 1) / 5 * 7919) % :public_count + 1;

COMMIT;

-- As autovacuum would leave them: statistics, and the visibility map that index-only scans need.
VACUUM (ANALYZE) accounts, organisations, organisation_members, proposals, proposal_measures,
        proposal_transitions, proposal_responses, proposal_supports, proposal_follows, comments;

SELECT (SELECT count(*) FROM proposals) AS proposals,
       (SELECT count(*) FROM proposals WHERE state <> 'draft') AS public,
       (SELECT count(*) FROM proposal_transitions) AS transitions,
       (SELECT count(*) FROM proposal_supports) AS supports,
       (SELECT count(*) FROM comments) AS comments,
       (SELECT count(*) FROM comments WHERE parent_id IS NOT NULL) AS replies,
       md5('proposal' || :hot)::uuid AS hot_proposal;
