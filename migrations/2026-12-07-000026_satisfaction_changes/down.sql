DROP TRIGGER plan_changed ON measure_satisfaction;
