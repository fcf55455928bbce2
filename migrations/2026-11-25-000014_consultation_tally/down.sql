ALTER TABLE consultations DROP COLUMN tally;
