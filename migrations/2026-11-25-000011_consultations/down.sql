DROP TABLE consultation_comments;
DROP TABLE consultation_result_items;
DROP TABLE consultation_sections;
DROP TABLE consultation_measures;
DROP TABLE consultations;
