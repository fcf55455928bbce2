-- Per kind of notification, how a person hears of it: at once (no row: the default), in a daily
-- or weekly digest, or never (the inbox only). Replaces the one on/off switch.
CREATE TABLE notification_preferences (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind text NOT NULL,
    delivery text NOT NULL CHECK (delivery IN ('immediate', 'daily', 'weekly', 'never')),
    PRIMARY KEY (account_id, kind)
);

-- Who had turned update emails off keeps them off: never, for every kind one chooses.
INSERT INTO notification_preferences (account_id, kind, delivery)
SELECT a.id, k.kind, 'never'
FROM accounts a
CROSS JOIN (VALUES ('proposals'), ('comments'), ('consultations'), ('organisation'), ('staff')) AS k (kind)
WHERE NOT a.notify_updates;

ALTER TABLE accounts DROP COLUMN notify_updates;

-- One digest per account, cadence and period (the JST day, or the week's Monday): the unique
-- key makes a second instance's attempt insert nothing, so each digest is sent exactly once.
CREATE TABLE digests (
    id bigserial PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cadence text NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    period date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, cadence, period)
);

-- Every notification an account was sent or would have been: the inbox, and what digests list.
CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind text NOT NULL,
    template text NOT NULL,
    summary text NOT NULL,
    link text,
    proposal_id uuid,
    measure_code text,
    consultation_id integer,
    -- The digest it waits for (the person's choice when it happened), and the one it went in.
    cadence text CHECK (cadence IN ('daily', 'weekly')),
    digest_id bigint REFERENCES digests (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz
);

CREATE INDEX notifications_inbox ON notifications (account_id, id DESC);
CREATE INDEX notifications_unread ON notifications (account_id) WHERE read_at IS NULL;
CREATE INDEX notifications_waiting ON notifications (cadence, account_id, created_at)
    WHERE cadence IS NOT NULL AND digest_id IS NULL;
