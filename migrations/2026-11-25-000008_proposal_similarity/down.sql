DROP INDEX IF EXISTS proposals_text_trgm;
-- The extension stays: other objects may use it, and it holds no data.
