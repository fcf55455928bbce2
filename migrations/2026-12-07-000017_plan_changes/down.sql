DROP TRIGGER plan_changed ON plan_initiatives;
DROP TRIGGER plan_changed ON plans;
DROP TRIGGER plan_changed ON sub_measures;
DROP TRIGGER plan_changed ON kpi_actuals;
DROP TRIGGER plan_changed ON kpis;
DROP TRIGGER plan_changed ON measures;
DROP TRIGGER plan_changed ON chapter_sections;
DROP TRIGGER plan_changed ON chapters;
DROP FUNCTION kyodo_plan_changed();
