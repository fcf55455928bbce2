DROP TABLE measure_satisfaction;
DROP TABLE survey_codes;
DROP TABLE survey_answers;
DROP TABLE survey_responses;
ALTER TABLE survey_questions DROP CONSTRAINT survey_questions_condition_choice_id_fkey;
DROP TABLE survey_choices;
DROP TABLE survey_questions;
DROP TABLE survey_sections;
DROP TABLE surveys;
