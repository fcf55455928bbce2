-- Public-comment consultations (意見公募・パブリックコメント): what the city consults on, the
-- formal opinions (意見) received on line and on paper, and the published result
-- (意見募集の結果). The state (scheduled → open → closed → result_published) is never stored:
-- the application computes it from the dates and the clock.

CREATE TABLE consultations (
    id                   serial PRIMARY KEY,
    title                text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    department_id        integer NOT NULL REFERENCES departments (id),
    summary              text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 4000),
    -- Calendar days in Asia/Tokyo, both inclusive: open from 00:00 JST of opens_on until
    -- 00:00 JST of the day after closes_on.
    opens_on             date NOT NULL,
    closes_on            date NOT NULL,
    -- Why the period is shorter than 30 days (required then, shown on the page).
    short_period_reason  text CHECK (char_length(short_period_reason) <= 1000),
    -- Whether an on-line opinion needs the submitter's name and address (the city's rule).
    identity_required    boolean NOT NULL DEFAULT true,
    created_by           uuid REFERENCES accounts (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    -- Followers of its measures were told it opened (set once).
    notified_open_at     timestamptz,
    result_published_at  timestamptz,
    CHECK (closes_on >= opens_on)
);

CREATE TABLE consultation_measures (
    consultation_id  integer NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    measure_code     text NOT NULL REFERENCES measures (code),
    PRIMARY KEY (consultation_id, measure_code)
);
CREATE INDEX consultation_measures_measure ON consultation_measures (measure_code);

-- The numbered sections of a draft document (案).
CREATE TABLE consultation_sections (
    id               serial PRIMARY KEY,
    consultation_id  integer NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    number           integer NOT NULL CHECK (number >= 1),
    heading          text NOT NULL CHECK (char_length(heading) BETWEEN 1 AND 200),
    body             text NOT NULL CHECK (char_length(body) <= 20000),
    UNIQUE (consultation_id, number)
);

-- One row of the result table: an opinion summary (意見の要旨), the city's view (市の考え方)
-- and whether the draft was changed (修正の有無).
CREATE TABLE consultation_result_items (
    id               serial PRIMARY KEY,
    consultation_id  integer NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    number           integer NOT NULL CHECK (number >= 1),
    summary          text NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 4000),
    response         text NOT NULL CHECK (char_length(response) BETWEEN 1 AND 4000),
    changed          boolean NOT NULL,
    change           text CHECK (char_length(change) <= 4000),
    UNIQUE (consultation_id, number)
);

CREATE TABLE consultation_comments (
    id                 serial PRIMARY KEY,
    consultation_id    integer NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    -- 受付番号, e.g. PC-2026-0001-000123 (sequence per consultation).
    receipt_seq        integer NOT NULL CHECK (receipt_seq >= 1),
    receipt_number     text NOT NULL UNIQUE,
    channel            text NOT NULL CHECK (channel IN ('web', 'paper', 'post', 'fax', 'email', 'counter')),
    received_at        timestamptz NOT NULL,
    -- NULL: on the whole draft.
    section_id         integer REFERENCES consultation_sections (id),
    body               text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    -- The resident's account for on-line opinions; NULL for paper.
    account_id         uuid REFERENCES accounts (id) ON DELETE SET NULL,
    organisation_name  text CHECK (char_length(organisation_name) <= 200),
    -- Private: never selected by a public query.
    submitter_name     text CHECK (char_length(submitter_name) <= 200),
    submitter_address  text CHECK (char_length(submitter_address) <= 400),
    submitter_email    text CHECK (char_length(submitter_email) <= 254),
    -- The one-click unsubscribe token of emails to a submitter without an account.
    notify_token       text UNIQUE,
    -- The staff member who typed in a paper opinion.
    entered_by         uuid REFERENCES accounts (id) ON DELETE SET NULL,
    item_id            integer REFERENCES consultation_result_items (id) ON DELETE SET NULL,
    excluded_reason    text CHECK (char_length(excluded_reason) <= 1000),
    excluded_by        uuid REFERENCES accounts (id) ON DELETE SET NULL,
    excluded_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consultation_id, receipt_seq),
    CHECK ((excluded_at IS NULL) = (excluded_reason IS NULL))
);
CREATE INDEX consultation_comments_consultation ON consultation_comments (consultation_id, id);
CREATE INDEX consultation_comments_account ON consultation_comments (account_id);
