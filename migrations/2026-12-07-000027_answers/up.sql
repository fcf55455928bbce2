-- Answer templates (回答テンプレート) and draft answers (回答の下書き), issue 15.

-- A department's reusable text for a proposal decision or a consultation result item, with
-- placeholders ({氏名} {件名} {施策}) filled when staff pick it.
CREATE TABLE answer_templates (
    id SERIAL PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('decision', 'result')),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_by UUID NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX answer_templates_department ON answer_templates (department_id, purpose, title);

-- A decision written but not yet published: no state change, no email, never public. One per
-- proposal; publishing it runs the workflow's transition and deletes the draft.
CREATE TABLE proposal_decision_drafts (
    proposal_id UUID PRIMARY KEY REFERENCES proposals(id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('adopt', 'reject')),
    reason TEXT NOT NULL DEFAULT '',
    author_id UUID NOT NULL REFERENCES accounts(id),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A result item saved as a draft: hidden from the public result and the API until published.
CREATE TABLE consultation_item_drafts (
    item_id INTEGER PRIMARY KEY REFERENCES consultation_result_items(id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
