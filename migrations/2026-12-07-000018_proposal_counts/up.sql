-- Counts the measure pages show, kept by triggers in the writer's transaction (as
-- proposals.support_count is), so that a page reads a row where it counted index entries: the
-- live count beside KPI 5-1 counted every adopted proposal, a measure's page every proposal of
-- the measure, both growing with the data (issue 12).

-- Proposals by state, every state present: a change of state updates its two rows in one
-- statement, so concurrent changes lock them in the same order.
CREATE TABLE proposal_state_counts (
    state      text PRIMARY KEY,
    proposals  bigint NOT NULL CHECK (proposals >= 0)
);

-- Public (submitted) proposals answering each measure; a measure without any has no row.
CREATE TABLE measure_proposal_counts (
    measure_code  text PRIMARY KEY,
    proposals     bigint NOT NULL CHECK (proposals >= 0)
);

-- Both counts from the rows, for this migration and for writers that load in bulk with the
-- triggers off (tests/bench/proposals-data.sql).
CREATE FUNCTION proposal_counts_recount() RETURNS void LANGUAGE sql AS $$
    DELETE FROM proposal_state_counts;
    INSERT INTO proposal_state_counts (state, proposals)
    SELECT s.state, (SELECT count(*) FROM proposals p WHERE p.state = s.state)
    FROM unnest(ARRAY['draft', 'submitted', 'under_review', 'revision_requested', 'adopted',
                      'not_adopted', 'in_progress', 'completed', 'withdrawn']) AS s (state);
    DELETE FROM measure_proposal_counts;
    INSERT INTO measure_proposal_counts (measure_code, proposals)
    SELECT m.measure_code, count(*)
    FROM proposal_measures m JOIN proposals p ON p.id = m.proposal_id
    WHERE p.submitted_at IS NOT NULL
    GROUP BY m.measure_code;
$$;
SELECT proposal_counts_recount();

CREATE FUNCTION proposals_count_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE proposal_state_counts SET proposals = proposals + 1 WHERE state = NEW.state;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE proposal_state_counts SET proposals = proposals - 1 WHERE state = OLD.state;
    ELSE
        UPDATE proposal_state_counts
           SET proposals = proposals + CASE WHEN state = NEW.state THEN 1 ELSE -1 END
         WHERE state IN (OLD.state, NEW.state);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER proposals_state_count AFTER INSERT OR DELETE ON proposals
    FOR EACH ROW EXECUTE FUNCTION proposals_count_state();
CREATE TRIGGER proposals_state_change_count AFTER UPDATE OF state ON proposals
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION proposals_count_state();

-- Adds step (1 or -1) to the count of each of a proposal's measures, in code order so that
-- concurrent writers lock the rows in the same order. (The row a conflict would update is
-- checked as inserted first, so it never holds -1.)
CREATE FUNCTION measure_proposal_counts_add(proposal uuid, step integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO measure_proposal_counts AS c (measure_code, proposals)
    SELECT measure_code, greatest(step, 0) FROM proposal_measures WHERE proposal_id = proposal
    ORDER BY measure_code
    ON CONFLICT (measure_code) DO UPDATE SET proposals = c.proposals + step;
$$;

-- Submitted (or, never by the app, back to unsubmitted) and deleted proposals; deleted before
-- their measures go with them, as a measure row deleted after its proposal finds no proposal.
CREATE FUNCTION proposals_count_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM measure_proposal_counts_add(OLD.id, -1);
        RETURN OLD;
    END IF;
    PERFORM measure_proposal_counts_add(NEW.id,
        CASE WHEN NEW.submitted_at IS NULL THEN -1 ELSE 1 END);
    RETURN NULL;
END $$;
CREATE TRIGGER proposals_public_count AFTER UPDATE OF submitted_at ON proposals
    FOR EACH ROW WHEN ((OLD.submitted_at IS NULL) <> (NEW.submitted_at IS NULL))
    EXECUTE FUNCTION proposals_count_public();
CREATE TRIGGER proposals_public_delete_count BEFORE DELETE ON proposals
    FOR EACH ROW WHEN (OLD.submitted_at IS NOT NULL)
    EXECUTE FUNCTION proposals_count_public();

-- A submitted proposal's measures changed (or a measure's code, cascaded).
CREATE FUNCTION proposal_measures_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE measure_proposal_counts SET proposals = proposals - 1
         WHERE measure_code = OLD.measure_code
           AND EXISTS (SELECT 1 FROM proposals
                        WHERE id = OLD.proposal_id AND submitted_at IS NOT NULL);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO measure_proposal_counts AS c (measure_code, proposals)
        SELECT NEW.measure_code, 1 FROM proposals
         WHERE id = NEW.proposal_id AND submitted_at IS NOT NULL
        ON CONFLICT (measure_code) DO UPDATE SET proposals = c.proposals + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER proposal_measures_count AFTER INSERT OR DELETE ON proposal_measures
    FOR EACH ROW EXECUTE FUNCTION proposal_measures_count();
CREATE TRIGGER proposal_measures_change_count
    AFTER UPDATE OF proposal_id, measure_code ON proposal_measures
    FOR EACH ROW EXECUTE FUNCTION proposal_measures_count();
