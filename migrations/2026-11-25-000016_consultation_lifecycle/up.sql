-- A consultation's course besides its dates: saved as a draft (公示前) that only staff see,
-- announced (公示) when the city makes it public, and possibly withdrawn (中止). What the city
-- tells the public on the way (正誤・締切の延長・中止) are its notices, shown at the top of its page
-- and emailed to the people following it. States stay computed, never stored.

-- 公示: NULL while a draft.
ALTER TABLE consultations ADD COLUMN published_at timestamptz;
-- 中止: no more opinions from then on, and no result; the reason is its withdrawal notice.
ALTER TABLE consultations ADD COLUMN withdrawn_at timestamptz;
-- Until now a consultation was public from the moment it was saved.
UPDATE consultations SET published_at = created_at;
ALTER TABLE consultations ADD CHECK (withdrawn_at IS NULL OR published_at IS NOT NULL);

CREATE TABLE consultation_notices (
    id               serial PRIMARY KEY,
    consultation_id  integer NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('correction', 'extension', 'withdrawal')),
    -- What was corrected, or the reason for the extension or the withdrawal.
    body             text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 1000),
    -- An extension's last day before and after.
    closes_on_before date,
    closes_on_after  date,
    posted_at        timestamptz NOT NULL,
    posted_by        uuid REFERENCES accounts (id) ON DELETE SET NULL,
    CHECK ((kind = 'extension') = (closes_on_before IS NOT NULL AND closes_on_after IS NOT NULL)),
    CHECK (closes_on_after IS NULL OR closes_on_after > closes_on_before)
);
CREATE INDEX consultation_notices_consultation ON consultation_notices (consultation_id, id);
