DROP TABLE plan_initiatives;
DROP TABLE plans;
DROP TABLE kpi_actuals;
DROP TABLE kpis;
DROP TABLE sub_measures;
DROP TABLE measures;
DROP TABLE chapter_sections;
DROP TABLE chapters;
