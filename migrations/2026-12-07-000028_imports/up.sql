-- Imports of paper submissions (一括取込, issue 15): a file staff upload is kept as a batch
-- (its bytes, between the preview and the import), and each row it added is linked to the
-- record it made. A file is imported once per consultation (its sha256); a row once per file.
CREATE TABLE import_batches (
    id              bigserial PRIMARY KEY,
    consultation_id integer NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    filename        text NOT NULL CHECK (char_length(filename) <= 200),
    bytes           bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 10485760),
    status          text NOT NULL DEFAULT 'previewed' CHECK (status IN ('previewed', 'imported')),
    row_count       integer CHECK (row_count >= 0),
    uploaded_by     uuid NOT NULL REFERENCES accounts (id),
    imported_by     uuid REFERENCES accounts (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    imported_at     timestamptz,
    UNIQUE (consultation_id, sha256),
    CHECK ((status = 'imported') = (imported_at IS NOT NULL AND imported_by IS NOT NULL AND row_count IS NOT NULL))
);

CREATE TABLE import_rows (
    batch_id   bigint NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    line       integer NOT NULL CHECK (line > 0),
    comment_id integer NOT NULL UNIQUE REFERENCES consultation_comments (id) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, line)
);
