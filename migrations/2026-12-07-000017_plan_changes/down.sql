-- Dropping the function drops the plan_changed trigger of every table with it.
DROP FUNCTION kyodo_plan_changed() CASCADE;
