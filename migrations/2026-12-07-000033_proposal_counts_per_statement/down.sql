DROP TRIGGER proposal_measures_inserted_count ON proposal_measures;
DROP FUNCTION proposal_measures_inserted_count();
DROP TRIGGER proposal_measures_count ON proposal_measures;
CREATE TRIGGER proposal_measures_count AFTER INSERT OR DELETE ON proposal_measures
    FOR EACH ROW EXECUTE FUNCTION proposal_measures_count();
DROP TRIGGER proposals_inserted_count ON proposals;
DROP FUNCTION proposals_inserted_count();
DROP TRIGGER proposals_state_count ON proposals;
CREATE TRIGGER proposals_state_count AFTER INSERT OR DELETE ON proposals
    FOR EACH ROW EXECUTE FUNCTION proposals_count_state();
