-- A meeting's files (handouts, the 実施報告 PDF, photos of the workshop's sheets) share the
-- attachments table: its owner kinds widen to 'meeting' (owner_id = the meeting's id).
ALTER TABLE attachments DROP CONSTRAINT attachments_owner_type_check;
ALTER TABLE attachments ADD CONSTRAINT attachments_owner_type_check
    CHECK (owner_type IN ('proposal', 'consultation', 'consultation_comment', 'meeting'));
