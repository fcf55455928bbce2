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

-- Per statement, not per row; identical notifications of one transaction reach listeners once.
-- The tables are those plan::queries::load reads.
DO $$
DECLARE
    plan_table text;
BEGIN
    FOREACH plan_table IN ARRAY ARRAY['chapters', 'chapter_sections', 'measures', 'kpis',
        'kpi_actuals', 'sub_measures', 'plans', 'plan_initiatives']
    LOOP
        EXECUTE format('CREATE TRIGGER plan_changed
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION kyodo_plan_changed()', plan_table);
    END LOOP;
END
$$;
