DROP INDEX proposals_organisation;
CREATE INDEX proposals_organisation ON proposals (organisation_id)
    WHERE organisation_id IS NOT NULL AND submitted_at IS NOT NULL;
