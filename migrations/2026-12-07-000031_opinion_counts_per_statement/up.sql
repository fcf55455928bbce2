-- A consultation's opinion count (migration 000024) is kept once per statement, not once per
-- row: an import of a file of paper opinions inserts them in a few statements, and updating the
-- consultation's row once per opinion inside that one transaction grew a chain of row versions
-- that every later update walked (10,000 opinions: 20,000 updates of one row, quadratic).
DROP TRIGGER consultation_comments_count ON consultation_comments;

CREATE FUNCTION consultation_comments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE consultations c SET comment_count = c.comment_count + n.count
      FROM (SELECT consultation_id, count(*) AS count FROM new_rows GROUP BY consultation_id) n
     WHERE c.id = n.consultation_id;
    RETURN NULL;
END $$;
CREATE TRIGGER consultation_comments_inserted AFTER INSERT ON consultation_comments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION consultation_comments_inserted();

CREATE FUNCTION consultation_comments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE consultations c SET comment_count = c.comment_count - o.count
      FROM (SELECT consultation_id, count(*) AS count FROM old_rows GROUP BY consultation_id) o
     WHERE c.id = o.consultation_id;
    RETURN NULL;
END $$;
CREATE TRIGGER consultation_comments_deleted AFTER DELETE ON consultation_comments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION consultation_comments_deleted();

-- An opinion moved to another consultation (never done by the app) keeps the per-row trigger
-- consultation_comments_move_count of 000024 and its function.
