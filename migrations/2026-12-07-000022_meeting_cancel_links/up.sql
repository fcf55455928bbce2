-- The cancel links of people staff registered keep only a digest (tokens::digest), as every
-- emailed link: a leaked table gives no working link. `meeting_registrations.cancel_token` holds
-- the digest of the first link (the confirmation's); each later email (moved up, reminder,
-- change, cancellation) carries a fresh secret whose digest is kept here, so every link sent
-- keeps working.
COMMENT ON COLUMN meeting_registrations.cancel_token IS
    'SHA-256 (hex) of the secret of the first emailed cancel/unsubscribe link; never the secret';
CREATE TABLE meeting_registration_links (
    token_hash      text PRIMARY KEY,
    registration_id integer NOT NULL REFERENCES meeting_registrations (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meeting_registration_links_registration ON meeting_registration_links (registration_id);
