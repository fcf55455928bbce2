DROP TABLE proposal_transitions;
DROP TABLE proposal_measures;
DROP TABLE proposals;
