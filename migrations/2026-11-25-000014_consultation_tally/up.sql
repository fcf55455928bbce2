-- The published result's counts (submitters, opinions by channel), kept with the consultation
-- when the result is published and whenever an opinion is added after that: the public result
-- page then reads them instead of counting every opinion on every visit. NULL: count live.
ALTER TABLE consultations ADD COLUMN tally jsonb;
