DROP TABLE comments;
DROP TABLE proposal_follows;
DROP TABLE proposal_supports;
