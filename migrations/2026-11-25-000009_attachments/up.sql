-- Attachments (添付ファイル) of proposals, consultations and scanned paper comments: PDF and
-- images, their type decided from their bytes (never from the name or the browser's claim).
-- The bytes live here in PostgreSQL, not on disk: one backup (pg_dump) holds everything and
-- the two-command setup needs no storage to configure. Files are small (10 MB at most, a few
-- per owner), which PostgreSQL keeps well (TOAST, out of line).
CREATE TABLE attachments (
    id            uuid PRIMARY KEY,
    owner_type    text NOT NULL CHECK (owner_type IN ('proposal', 'consultation', 'consultation_comment')),
    -- The owner's id as text (like comments.subject_id): a proposal's uuid, a consultation's or
    -- a consultation comment's integer id.
    owner_id      text NOT NULL CHECK (char_length(owner_id) BETWEEN 1 AND 64),
    -- Sanitised: no path, no control characters; shown to people and used in the download name.
    filename      text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 200),
    -- The sniffed type, one of those the application accepts.
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp')),
    byte_size     bigint NOT NULL CHECK (byte_size > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data          bytea NOT NULL,
    uploaded_by   uuid NOT NULL REFERENCES accounts (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (octet_length(data) = byte_size)
);
CREATE INDEX attachments_owner ON attachments (owner_type, owner_id, created_at);
-- PDFs and images are compressed already: store them out of line without trying again.
ALTER TABLE attachments ALTER COLUMN data SET STORAGE EXTERNAL;
