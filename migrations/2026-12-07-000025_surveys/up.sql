-- Surveys (アンケート) and the 市民意識調査 that measures each measure's 施策に係る市民満足度.
-- As meetings and consultations, the state (draft → scheduled → open → closed) is never
-- stored: it follows from published_at and the answering window.

CREATE TABLE surveys (
    id                    serial PRIMARY KEY,
    kind                  text NOT NULL CHECK (kind IN ('general', 'satisfaction')),
    -- Who may answer: anyone signed in (once), anyone with a per-browser token, or whoever
    -- holds a one-time code printed on a paper invitation.
    access                text NOT NULL CHECK (access IN ('account', 'anonymous', 'code')),
    title                 text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description           text NOT NULL DEFAULT '' CHECK (char_length(description) <= 8000),
    department_id         integer NOT NULL REFERENCES departments (id),
    -- 年度 the survey measures; a satisfaction survey records its percentages for it.
    fiscal_year           integer CHECK (fiscal_year BETWEEN 2000 AND 2100),
    opens_at              timestamptz NOT NULL,
    closes_at             timestamptz NOT NULL,
    -- NULL while a draft only staff see (and test).
    published_at          timestamptz,
    results_mode          text NOT NULL DEFAULT 'on_publish'
                          CHECK (results_mode IN ('live', 'on_publish')),
    results_published_at  timestamptz,
    created_by            uuid REFERENCES accounts (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- Bumped by every change staff save, so two editors cannot overwrite each other.
    version               integer NOT NULL DEFAULT 1,
    CHECK (closes_at > opens_at),
    CHECK (kind <> 'satisfaction' OR fiscal_year IS NOT NULL),
    CHECK (results_published_at IS NULL OR published_at IS NOT NULL)
);
CREATE INDEX surveys_opens ON surveys (opens_at, id);
CREATE INDEX surveys_department ON surveys (department_id);
-- One 市民意識調査 a 年度: its results become that year's satisfaction of every measure.
CREATE UNIQUE INDEX surveys_satisfaction_year ON surveys (fiscal_year) WHERE kind = 'satisfaction';

CREATE TABLE survey_sections (
    id           serial PRIMARY KEY,
    survey_id    integer NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    title        text NOT NULL DEFAULT '' CHECK (char_length(title) <= 200),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
    -- Deferred, so the builder may swap two positions in one transaction.
    UNIQUE (survey_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE survey_questions (
    id                     serial PRIMARY KEY,
    survey_id              integer NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    section_id             integer REFERENCES survey_sections (id) ON DELETE SET NULL,
    position               integer NOT NULL CHECK (position >= 0),
    kind                   text NOT NULL CHECK (kind IN ('single', 'multiple', 'scale5', 'number',
                                                         'short_text', 'long_text', 'matrix')),
    text                   text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 1000),
    help                   text NOT NULL DEFAULT '' CHECK (char_length(help) <= 2000),
    required               boolean NOT NULL DEFAULT false,
    max_choices            integer CHECK (max_choices >= 1),
    min_value              integer,
    max_value              integer,
    -- Shown only when this earlier question was answered with this choice.
    condition_question_id  integer REFERENCES survey_questions (id) ON DELETE CASCADE,
    condition_choice_id    integer,
    -- The measure whose 満足度 statement this is (satisfaction surveys).
    measure_code           text REFERENCES measures (code),
    -- Said beside the question when its wording changed after answers arrived.
    wording_note           text CHECK (char_length(wording_note) <= 1000),
    wording_changed_at     timestamptz,
    UNIQUE (survey_id, position) DEFERRABLE INITIALLY DEFERRED,
    CHECK (max_choices IS NULL OR kind = 'multiple'),
    CHECK ((min_value IS NULL AND max_value IS NULL) OR kind = 'number'),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value),
    CHECK ((condition_question_id IS NULL) = (condition_choice_id IS NULL))
);
CREATE INDEX survey_questions_section ON survey_questions (section_id);
CREATE INDEX survey_questions_condition ON survey_questions (condition_question_id);

-- A question's choices; a matrix's statements are its `row`s and its scale's points its
-- `choice`s.
CREATE TABLE survey_choices (
    id           serial PRIMARY KEY,
    question_id  integer NOT NULL REFERENCES survey_questions (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    label        text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 500),
    role         text NOT NULL DEFAULT 'choice' CHECK (role IN ('choice', 'row')),
    UNIQUE (question_id, role, position) DEFERRABLE INITIALLY DEFERRED
);

ALTER TABLE survey_questions
    ADD FOREIGN KEY (condition_choice_id) REFERENCES survey_choices (id) ON DELETE CASCADE;
CREATE INDEX survey_questions_condition_choice ON survey_questions (condition_choice_id);

-- One person's answer to a survey. `respondent` is the digest of a one-per-person key (an
-- account, a per-browser token or a printed code, salted with the survey's id), so anonymous
-- and code answers cannot be tied to an account: account_id is set only for access = account.
CREATE TABLE survey_responses (
    id            serial PRIMARY KEY,
    survey_id     integer NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    respondent    text NOT NULL CHECK (char_length(respondent) = 64),
    account_id    uuid REFERENCES accounts (id) ON DELETE SET NULL,
    status        text NOT NULL CHECK (status IN ('draft', 'submitted')),
    channel       text NOT NULL DEFAULT 'web'
                  CHECK (channel IN ('web', 'paper', 'phone', 'counter', 'other')),
    -- Staff test mode on a draft survey; deleted when the survey is published.
    is_test       boolean NOT NULL DEFAULT false,
    -- The short code on the receipt page.
    receipt       text CHECK (char_length(receipt) BETWEEN 1 AND 20),
    -- Staff who typed in a paper (or phone, counter …) answer.
    entered_by    uuid REFERENCES accounts (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    submitted_at  timestamptz,
    -- Two tabs sending at once give one answer.
    UNIQUE (survey_id, respondent),
    CHECK ((status = 'submitted') = (submitted_at IS NOT NULL)),
    CHECK ((status = 'submitted') = (receipt IS NOT NULL)),
    CHECK (channel = 'web' OR entered_by IS NOT NULL)
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, status, is_test);
CREATE INDEX survey_responses_account ON survey_responses (account_id) WHERE account_id IS NOT NULL;

-- One answer: a choice (a matrix's row × column), a number or a text.
CREATE TABLE survey_answers (
    id           serial PRIMARY KEY,
    response_id  integer NOT NULL REFERENCES survey_responses (id) ON DELETE CASCADE,
    question_id  integer NOT NULL REFERENCES survey_questions (id) ON DELETE CASCADE,
    row_id       integer REFERENCES survey_choices (id) ON DELETE CASCADE,
    choice_id    integer REFERENCES survey_choices (id) ON DELETE CASCADE,
    number       integer,
    text         text CHECK (char_length(text) BETWEEN 1 AND 4000),
    -- Free text is moderated before it is public.
    text_state   text CHECK (text_state IN ('pending', 'shown', 'hidden')),
    CHECK (num_nonnulls(choice_id, number, text) = 1),
    CHECK ((text IS NULL) = (text_state IS NULL)),
    CHECK (row_id IS NULL OR choice_id IS NOT NULL)
);
CREATE INDEX survey_answers_response ON survey_answers (response_id);
CREATE INDEX survey_answers_question ON survey_answers (question_id, choice_id);
CREATE INDEX survey_answers_pending ON survey_answers (question_id) WHERE text_state = 'pending';

-- One-time codes printed on paper invitations (無作為抽出). Only their digests: the database
-- never knows who got which.
CREATE TABLE survey_codes (
    survey_id  integer NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    digest     text NOT NULL CHECK (char_length(digest) = 64),
    used_at    timestamptz,
    PRIMARY KEY (survey_id, digest)
);

-- Each measure's 施策に係る市民満足度 per 年度, recorded when a satisfaction survey's results are
-- published (replacing that year's).
CREATE TABLE measure_satisfaction (
    measure_code  text NOT NULL REFERENCES measures (code),
    fiscal_year   integer NOT NULL CHECK (fiscal_year BETWEEN 2000 AND 2100),
    percent       numeric(4, 1) NOT NULL CHECK (percent BETWEEN 0 AND 100),
    respondents   integer NOT NULL CHECK (respondents >= 0),
    survey_id     integer REFERENCES surveys (id) ON DELETE SET NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (measure_code, fiscal_year)
);
CREATE INDEX measure_satisfaction_survey ON measure_satisfaction (survey_id);
