-- Pages whose cost grew with the data although they show the same thing (issue 12, measured
-- by tests/bench/all.sh at 100,000 proposals and 5,000 opinions).

-- The list filtered by measure, newest first: each measure's proposals in the list's order,
-- so the page is a range of this index (plus one probe of each listed proposal), where the
-- measure's every proposal was read. A proposal's creation time never changes; triggers copy
-- it so that no writer (the app, the demo, the benchmark's generator) can forget.
ALTER TABLE proposal_measures ADD COLUMN proposal_created_at timestamptz;
UPDATE proposal_measures m SET proposal_created_at = p.created_at
  FROM proposals p WHERE p.id = m.proposal_id;
ALTER TABLE proposal_measures ALTER COLUMN proposal_created_at SET NOT NULL;

CREATE FUNCTION proposal_measures_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.proposal_created_at := (SELECT created_at FROM proposals WHERE id = NEW.proposal_id);
    RETURN NEW;
END $$;
CREATE TRIGGER proposal_measures_created BEFORE INSERT OR UPDATE OF proposal_id
    ON proposal_measures FOR EACH ROW EXECUTE FUNCTION proposal_measures_created();

CREATE FUNCTION proposals_created_to_measures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposal_measures SET proposal_created_at = NEW.created_at
     WHERE proposal_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER proposals_created_to_measures AFTER UPDATE OF created_at ON proposals
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION proposals_created_to_measures();

CREATE INDEX proposal_measures_newest
    ON proposal_measures (measure_code, proposal_created_at DESC, proposal_id DESC);

-- A consultation's opinions (意見), counted on its page, its result and the list: kept by a
-- trigger in the writer's transaction (as proposals' counts are, migration 000018), where the
-- pages counted every opinion. An opinion is written under the consultation's row lock (its
-- receipt number), so the update waits for nobody.
ALTER TABLE consultations
    ADD COLUMN comment_count integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0);
UPDATE consultations c
   SET comment_count = (SELECT count(*) FROM consultation_comments o
                         WHERE o.consultation_id = c.id);

CREATE FUNCTION consultation_comments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE consultations SET comment_count = comment_count - 1 WHERE id = OLD.consultation_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE consultations SET comment_count = comment_count + 1 WHERE id = NEW.consultation_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER consultation_comments_count AFTER INSERT OR DELETE ON consultation_comments
    FOR EACH ROW EXECUTE FUNCTION consultation_comments_count();
CREATE TRIGGER consultation_comments_move_count AFTER UPDATE OF consultation_id
    ON consultation_comments FOR EACH ROW
    WHEN (OLD.consultation_id IS DISTINCT FROM NEW.consultation_id)
    EXECUTE FUNCTION consultation_comments_count();
