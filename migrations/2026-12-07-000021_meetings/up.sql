-- Meetings and workshops (意見を聴く場): 対話集会, ワークショップ, 説明会, 懇談会, 審議会 …, tied
-- to measures and counted beside KPI 6-1 once held. Like consultations, the state (draft →
-- upcoming → held, or cancelled) is never stored: it follows from the times and milestones.

CREATE TABLE meetings (
    id                      serial PRIMARY KEY,
    kind                    text NOT NULL
                            CHECK (kind IN ('dialogue', 'workshop', 'briefing', 'roundtable', 'council', 'other')),
    title                   text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description             text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 8000),
    department_id           integer NOT NULL REFERENCES departments (id),
    -- The consultation the meeting serves (e.g. a 説明会 on a draft), if any.
    consultation_id         integer REFERENCES consultations (id) ON DELETE SET NULL,
    starts_at               timestamptz NOT NULL,
    ends_at                 timestamptz NOT NULL,
    -- A venue, an on-line URL, or both (hybrid). The URL is shown only to registered people.
    venue_name              text CHECK (char_length(venue_name) BETWEEN 1 AND 200),
    venue_address           text CHECK (char_length(venue_address) <= 400),
    access_notes            text CHECK (char_length(access_notes) <= 2000),
    online_url              text CHECK (char_length(online_url) BETWEEN 1 AND 1000),
    -- NULL: no limit and no waiting list.
    capacity                integer CHECK (capacity BETWEEN 1 AND 100000),
    -- Registration window; NULL opens: from publication; NULL closes: until the start.
    registration_opens_at   timestamptz,
    registration_closes_at  timestamptz,
    -- 情報保障・配慮: offered at the meeting.
    sign_language           boolean NOT NULL DEFAULT false,
    childcare               boolean NOT NULL DEFAULT false,
    wheelchair              boolean NOT NULL DEFAULT false,
    accessibility_notes     text CHECK (char_length(accessibility_notes) <= 2000),
    -- NULL while a draft only staff see.
    published_at            timestamptz,
    cancelled_at            timestamptz,
    -- Registrants were reminded the day before (set once).
    reminded_at             timestamptz,
    -- Recorded after the meeting: it was held, with this many people (registered or not).
    attendance              integer CHECK (attendance BETWEEN 0 AND 1000000),
    attendance_recorded_at  timestamptz,
    -- 議事録・実施報告: the overview; topics in meeting_minutes.
    minutes_summary         text CHECK (char_length(minutes_summary) <= 20000),
    minutes_published_at    timestamptz,
    created_by              uuid REFERENCES accounts (id) ON DELETE SET NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    -- Bumped by every change staff save, so two editors cannot overwrite each other.
    version                 integer NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at),
    CHECK (venue_name IS NOT NULL OR online_url IS NOT NULL),
    CHECK (registration_closes_at IS NULL OR registration_opens_at IS NULL
           OR registration_closes_at > registration_opens_at),
    CHECK (cancelled_at IS NULL OR published_at IS NOT NULL),
    CHECK ((attendance IS NULL) = (attendance_recorded_at IS NULL)),
    CHECK (minutes_published_at IS NULL OR minutes_summary IS NOT NULL)
);
CREATE INDEX meetings_starts ON meetings (starts_at, id);

CREATE TABLE meeting_measures (
    meeting_id    integer NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    measure_code  text NOT NULL REFERENCES measures (code),
    PRIMARY KEY (meeting_id, measure_code)
);
CREATE INDEX meeting_measures_measure ON meeting_measures (measure_code, meeting_id);

-- A seat asked for: on line by an account (possibly for an organisation), or taken by staff by
-- phone or at the counter with the person's name and contact. Private: no public query selects
-- a registration's person; pages show counts only.
CREATE TABLE meeting_registrations (
    id               serial PRIMARY KEY,
    meeting_id       integer NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    account_id       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    organisation_id  uuid REFERENCES organisations (id) ON DELETE SET NULL,
    channel          text NOT NULL CHECK (channel IN ('web', 'phone', 'counter', 'email', 'fax')),
    -- For registrations staff entered (NULL on line: the account says who).
    name             text CHECK (char_length(name) BETWEEN 1 AND 200),
    phone            text CHECK (char_length(phone) <= 40),
    email            text CHECK (char_length(email) <= 254),
    -- What the person asked for (手話通訳, 託児 …).
    needs            text CHECK (char_length(needs) <= 1000),
    status           text NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    -- The waiting list's order: the time the person joined it.
    registered_at    timestamptz NOT NULL,
    confirmed_at     timestamptz,
    cancelled_at     timestamptz,
    -- Recorded after the meeting; NULL: not recorded.
    attended         boolean,
    entered_by       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    -- Lets a person without an account cancel from the email's link.
    cancel_token     text UNIQUE,
    CHECK (account_id IS NOT NULL OR name IS NOT NULL OR channel = 'web'),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK (status <> 'confirmed' OR confirmed_at IS NOT NULL)
);
-- One live registration per account and meeting: two tabs registering at once make one.
CREATE UNIQUE INDEX meeting_registrations_once
    ON meeting_registrations (meeting_id, account_id)
    WHERE account_id IS NOT NULL AND status <> 'cancelled';
CREATE INDEX meeting_registrations_meeting ON meeting_registrations (meeting_id, status, registered_at, id);
CREATE INDEX meeting_registrations_account ON meeting_registrations (account_id);

-- What changed after publication (time, venue, cancellation): shown at the top of the page
-- and emailed once to every registrant.
CREATE TABLE meeting_notices (
    id          serial PRIMARY KEY,
    meeting_id  integer NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('changed', 'cancelled')),
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    posted_at   timestamptz NOT NULL,
    posted_by   uuid REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX meeting_notices_meeting ON meeting_notices (meeting_id, id);

-- 議事録 by topic: what was said, and the city's response.
CREATE TABLE meeting_minutes (
    id          serial PRIMARY KEY,
    meeting_id  integer NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    number      integer NOT NULL CHECK (number >= 1),
    topic       text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 200),
    said        text NOT NULL CHECK (char_length(said) BETWEEN 1 AND 8000),
    response    text CHECK (char_length(response) <= 8000),
    UNIQUE (meeting_id, number)
);

-- 生まれた提案: proposals born in a meeting, or linked to it by staff.
CREATE TABLE meeting_proposals (
    meeting_id   integer NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    proposal_id  uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    linked_by    uuid REFERENCES accounts (id) ON DELETE SET NULL,
    linked_at    timestamptz NOT NULL,
    PRIMARY KEY (meeting_id, proposal_id)
);
CREATE INDEX meeting_proposals_proposal ON meeting_proposals (proposal_id);

-- An email may carry one file: a meeting's .ics.
ALTER TABLE outbox ADD COLUMN attachment_name text;
ALTER TABLE outbox ADD COLUMN attachment_type text;
ALTER TABLE outbox ADD COLUMN attachment_body text;
ALTER TABLE outbox ADD CHECK ((attachment_name IS NULL) = (attachment_body IS NULL));
ALTER TABLE outbox ADD CHECK ((attachment_name IS NULL) = (attachment_type IS NULL));
