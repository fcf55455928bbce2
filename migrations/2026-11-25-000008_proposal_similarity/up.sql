-- Similar proposals while writing (trigram similarity on title and summary). pg_trgm splits text
-- into words by the database's character classes: in a UTF-8 database with a UTF-8 locale
-- (Kyodo's own cluster uses C.UTF-8), kanji and kana are word characters, so Japanese works.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX proposals_text_trgm ON proposals
    USING gin ((title || ' ' || summary) gin_trgm_ops);
