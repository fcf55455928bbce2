DELETE FROM attachments WHERE owner_type = 'meeting';
ALTER TABLE attachments DROP CONSTRAINT attachments_owner_type_check;
ALTER TABLE attachments ADD CONSTRAINT attachments_owner_type_check
    CHECK (owner_type IN ('proposal', 'consultation', 'consultation_comment'));
