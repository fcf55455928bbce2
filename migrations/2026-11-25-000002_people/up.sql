-- People: accounts, sessions, single-use email tokens, rate limits, departments and staff roles,
-- organisations, the email outbox and the audit log.

CREATE TABLE accounts (
    id                  uuid PRIMARY KEY,
    -- NULL once the account is deleted: what the person wrote stays, shown as 退会したユーザー.
    email               text UNIQUE CHECK (email = lower(email)),
    email_verified_at   timestamptz,
    display_name        text NOT NULL,
    password_hash       text,
    -- Private: the city needs these for some public-comment procedures; never shown publicly.
    real_name           text,
    address             text,
    phone               text,
    -- Notification preferences (security emails are always sent).
    notify_updates      boolean NOT NULL DEFAULT true,
    -- Secret of the one-click unsubscribe links in this person's emails.
    unsubscribe_token   text NOT NULL,
    lang                text NOT NULL DEFAULT 'ja' CHECK (lang IN ('ja', 'en')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz
);

-- Server-side sessions; the cookie holds a random id, the table only its SHA-256.
CREATE TABLE sessions (
    id_hash       text PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    ip            text,
    user_agent    text
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Single-use links by email: verification, password reset, email change. Stored hashed.
CREATE TABLE email_tokens (
    token_hash  text PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify', 'reset', 'email_change')),
    new_email   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX email_tokens_account ON email_tokens (account_id, purpose);

-- Fixed-window counters shared by every app instance.
CREATE TABLE rate_limits (
    bucket        text NOT NULL,
    subject       text NOT NULL,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, subject, window_start)
);

-- 担当課
CREATE TABLE departments (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- reviewer and moderator are per department; admin is global (department NULL).
CREATE TABLE staff_roles (
    id             serial PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role           text NOT NULL CHECK (role IN ('reviewer', 'moderator', 'admin')),
    department_id  integer REFERENCES departments (id) ON DELETE CASCADE,
    granted_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'admin') = (department_id IS NULL))
);
CREATE UNIQUE INDEX staff_roles_unique ON staff_roles (account_id, role, coalesce(department_id, 0));

-- 団体
CREATE TABLE organisations (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('jichikai', 'npo', 'volunteer', 'company', 'school', 'other')),
    description  text NOT NULL DEFAULT '',
    contact      text NOT NULL DEFAULT '',
    created_by   uuid REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    verified_at  timestamptz,
    verified_by  uuid REFERENCES accounts (id) ON DELETE SET NULL
);

CREATE TABLE organisation_members (
    organisation_id  uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role             text NOT NULL CHECK (role IN ('representative', 'member')),
    joined_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, account_id)
);
-- Exactly one representative per organisation at most.
CREATE UNIQUE INDEX organisation_one_representative ON organisation_members (organisation_id) WHERE role = 'representative';

CREATE TABLE organisation_invitations (
    token_hash       text PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email            text NOT NULL,
    invited_by       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz
);

-- Every email, written in the transaction of the change that causes it; a worker sends it.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    to_address       text NOT NULL,
    to_name          text,
    subject          text NOT NULL,
    text_body        text NOT NULL,
    html_body        text NOT NULL,
    -- 'security' emails (verification, reset) carry no unsubscribe link.
    category         text NOT NULL CHECK (category IN ('security', 'notification')),
    unsubscribe_url  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    failed_at        timestamptz,
    last_error       text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Append-only: who did what to which record, when and from where.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid,
    action       text NOT NULL,
    record_type  text,
    record_id    text,
    ip           text,
    details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

ALTER TABLE kpi_actuals ADD COLUMN recorded_by uuid REFERENCES accounts (id) ON DELETE SET NULL;
