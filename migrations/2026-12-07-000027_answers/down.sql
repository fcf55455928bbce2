DROP TABLE consultation_item_drafts;
DROP TABLE proposal_decision_drafts;
DROP TABLE answer_templates;
