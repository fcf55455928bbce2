-- A proposal is public once it has been submitted (a draft withdrawn before submission never
-- was), so the public indexes take that as their predicate.
DROP INDEX proposals_public_created;
CREATE INDEX proposals_public_created ON proposals (created_at DESC, id DESC)
    WHERE submitted_at IS NOT NULL;
DROP INDEX proposals_queue;
CREATE INDEX proposals_queue ON proposals (submitted_at, id) WHERE submitted_at IS NOT NULL;

-- The public list's other orders: most supported (賛同の多い順) and recently decided (決定の新しい順).
-- Both keys live on the proposal so that each order is read from one index, page after page.
-- Triggers keep them, so no writer (the app, the demo, the benchmark's generator) can forget.

ALTER TABLE proposals
    ADD COLUMN support_count integer NOT NULL DEFAULT 0 CHECK (support_count >= 0),
    -- The latest adoption or rejection; NULL while undecided.
    ADD COLUMN decided_at timestamptz;

UPDATE proposals p
   SET support_count = (SELECT count(*) FROM proposal_supports s WHERE s.proposal_id = p.id);
UPDATE proposals p
   SET decided_at = (SELECT max(t.at) FROM proposal_transitions t
                      WHERE t.proposal_id = p.id AND t.to_state IN ('adopted', 'not_adopted'));

CREATE FUNCTION proposals_count_support() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE proposals SET support_count = support_count + 1 WHERE id = NEW.proposal_id;
    ELSE
        UPDATE proposals SET support_count = support_count - 1 WHERE id = OLD.proposal_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER proposal_supports_count AFTER INSERT OR DELETE ON proposal_supports
    FOR EACH ROW EXECUTE FUNCTION proposals_count_support();

CREATE FUNCTION proposals_note_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposals SET decided_at = NEW.at WHERE id = NEW.proposal_id;
    RETURN NULL;
END $$;
CREATE TRIGGER proposal_transitions_decided AFTER INSERT ON proposal_transitions
    FOR EACH ROW WHEN (NEW.to_state IN ('adopted', 'not_adopted'))
    EXECUTE FUNCTION proposals_note_decision();

CREATE INDEX proposals_public_supported ON proposals (support_count DESC, created_at DESC, id DESC)
    WHERE submitted_at IS NOT NULL;
CREATE INDEX proposals_decided ON proposals (decided_at DESC, id DESC)
    WHERE decided_at IS NOT NULL;
