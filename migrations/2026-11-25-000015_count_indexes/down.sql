DROP INDEX proposals_unsubmitted;
DROP INDEX comments_visible;
DROP INDEX proposals_organisation;
CREATE INDEX proposals_organisation ON proposals (organisation_id) WHERE organisation_id IS NOT NULL;
