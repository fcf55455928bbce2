DROP TABLE proposal_responses;
DROP TABLE proposal_notes;
DROP INDEX proposals_queue;
DROP INDEX proposals_assignee;
ALTER TABLE proposals DROP COLUMN assignee_id;
DROP TABLE measure_departments;
