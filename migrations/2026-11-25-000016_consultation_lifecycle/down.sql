DROP TABLE consultation_notices;
ALTER TABLE consultations DROP COLUMN withdrawn_at;
ALTER TABLE consultations DROP COLUMN published_at;
