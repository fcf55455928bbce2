-- The app keeps the plan in memory (src/plan/cache.rs). Whoever changes a table it reads (staff
-- recording an actual value, `kyodo seed`, another instance, a person at psql) tells every
-- instance through NOTIFY kyodo_plan, sent when the change commits; an instance that hears it
-- reads the plan again.
CREATE FUNCTION kyodo_plan_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kyodo_plan', '');
    RETURN NULL;
END
$$;

-- Per statement, not per row: a seed load notifies once per statement, and identical
-- notifications of one transaction reach listeners once.
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chapters
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chapter_sections
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON measures
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kpis
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kpi_actuals
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sub_measures
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plans
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
CREATE TRIGGER plan_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plan_initiatives
    FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed();
