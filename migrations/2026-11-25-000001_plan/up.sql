-- The city's comprehensive plan (総合振興計画 後期基本計画), chapters 5–7, as data.
-- Rows are owned by the seed loader (seeds/*.toml) except kpi_actuals, which staff record.

CREATE TABLE chapters (
    number     integer PRIMARY KEY CHECK (number BETWEEN 1 AND 9),
    title      text,
    tagline    text,
    voices     text[] NOT NULL DEFAULT '{}',
    detailed   boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Explanatory text of a chapter (chapter 7 has it).
CREATE TABLE chapter_sections (
    chapter_number integer NOT NULL REFERENCES chapters (number) ON DELETE CASCADE,
    position       integer NOT NULL,
    heading        text NOT NULL DEFAULT '',
    paragraphs     text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (chapter_number, position)
);

CREATE TABLE measures (
    code                   text PRIMARY KEY CHECK (code ~ '^[1-9]-[1-9][0-9]?$'),
    chapter_number         integer NOT NULL REFERENCES chapters (number),
    number                 integer NOT NULL,
    title                  text NOT NULL,
    detailed               boolean NOT NULL DEFAULT false,
    goals                  text[] NOT NULL DEFAULT '{}',
    situation              text[] NOT NULL DEFAULT '{}',
    collaboration          text[] NOT NULL DEFAULT '{}',
    sdgs                   integer[] NOT NULL DEFAULT '{}',
    satisfaction_statement text,
    satisfaction_percent   numeric,
    column_title           text,
    column_body            text[] NOT NULL DEFAULT '{}',
    updated_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chapter_number, number)
);

CREATE TABLE sub_measures (
    measure_code text NOT NULL REFERENCES measures (code) ON DELETE CASCADE,
    number       integer NOT NULL,
    title        text NOT NULL,
    body         text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (measure_code, number)
);

CREATE TABLE kpis (
    id           serial PRIMARY KEY,
    measure_code text NOT NULL REFERENCES measures (code),
    position     integer NOT NULL,
    name         text NOT NULL,
    definition   text,
    unit         text NOT NULL,
    baseline     numeric,
    target       numeric NOT NULL,
    direction    text NOT NULL CHECK (direction IN ('increase', 'decrease', 'upper_bound', 'maintain')),
    note         text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (measure_code, position)
);

-- 実績値: yearly actual values recorded by staff (never by the seed loader).
CREATE TABLE kpi_actuals (
    id          serial PRIMARY KEY,
    kpi_id      integer NOT NULL REFERENCES kpis (id),
    fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    value       numeric NOT NULL,
    source      text NOT NULL,
    note        text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kpi_id, fiscal_year)
);

-- 政策連携プラン
CREATE TABLE plans (
    number           integer PRIMARY KEY,
    name             text NOT NULL,
    subtitle         text NOT NULL,
    summary          text NOT NULL,
    strategy_targets text[] NOT NULL DEFAULT '{}',
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- 推進のための取組, each citing measures by code.
CREATE TABLE plan_initiatives (
    plan_number   integer NOT NULL REFERENCES plans (number) ON DELETE CASCADE,
    position      integer NOT NULL,
    title         text NOT NULL,
    body          text NOT NULL,
    measure_codes text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (plan_number, position)
);
