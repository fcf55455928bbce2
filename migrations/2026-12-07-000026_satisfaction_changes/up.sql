-- The plan in memory (src/plan/cache.rs) shows each measure's 施策に係る市民満足度 year by year
-- from measure_satisfaction: a satisfaction survey's recorded results tell every instance, as
-- the plan's other tables do (migration 000017).
CREATE TRIGGER plan_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON measure_satisfaction
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
