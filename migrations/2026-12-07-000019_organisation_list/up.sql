-- The list filtered by organisation, newest first: read in order from the index, a page at a
-- time, where the organisation's every public proposal was fetched, joined with all accounts
-- and sorted (issue 12: an organisation with hundreds of proposals). The filter form's
-- "has a public proposal" probe uses its first column as it used the old index.
DROP INDEX proposals_organisation;
CREATE INDEX proposals_organisation ON proposals (organisation_id, created_at DESC, id DESC)
    WHERE organisation_id IS NOT NULL AND submitted_at IS NOT NULL;
