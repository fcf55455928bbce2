DROP TABLE meeting_registration_links;
COMMENT ON COLUMN meeting_registrations.cancel_token IS NULL;
