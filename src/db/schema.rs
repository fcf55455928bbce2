// Written to match migrations/; `diesel print-schema` gives the same.

diesel::table! {
    chapters (number) {
        number -> Int4,
        title -> Nullable<Text>,
        tagline -> Nullable<Text>,
        voices -> Array<Text>,
        detailed -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    chapter_sections (chapter_number, position) {
        chapter_number -> Int4,
        position -> Int4,
        heading -> Text,
        paragraphs -> Array<Text>,
    }
}

diesel::table! {
    measures (code) {
        code -> Text,
        chapter_number -> Int4,
        number -> Int4,
        title -> Text,
        detailed -> Bool,
        goals -> Array<Text>,
        situation -> Array<Text>,
        collaboration -> Array<Text>,
        sdgs -> Array<Int4>,
        satisfaction_statement -> Nullable<Text>,
        satisfaction_percent -> Nullable<Numeric>,
        column_title -> Nullable<Text>,
        column_body -> Array<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sub_measures (measure_code, number) {
        measure_code -> Text,
        number -> Int4,
        title -> Text,
        body -> Array<Text>,
    }
}

diesel::table! {
    kpis (id) {
        id -> Int4,
        measure_code -> Text,
        position -> Int4,
        name -> Text,
        definition -> Nullable<Text>,
        unit -> Text,
        baseline -> Nullable<Numeric>,
        target -> Numeric,
        direction -> Text,
        note -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    kpi_actuals (id) {
        id -> Int4,
        kpi_id -> Int4,
        fiscal_year -> Int4,
        value -> Numeric,
        source -> Text,
        note -> Nullable<Text>,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    plans (number) {
        number -> Int4,
        name -> Text,
        subtitle -> Text,
        summary -> Text,
        strategy_targets -> Array<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    plan_initiatives (plan_number, position) {
        plan_number -> Int4,
        position -> Int4,
        title -> Text,
        body -> Text,
        measure_codes -> Array<Text>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Uuid,
        email -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamptz>,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        real_name -> Nullable<Text>,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        unsubscribe_token -> Text,
        lang -> Text,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        account_id -> Uuid,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        account_id -> Uuid,
        purpose -> Text,
        new_email -> Nullable<Text>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rate_limits (bucket, subject, window_start) {
        bucket -> Text,
        subject -> Text,
        window_start -> Timestamptz,
        hits -> Int4,
    }
}

diesel::table! {
    departments (id) {
        id -> Int4,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    staff_roles (id) {
        id -> Int4,
        account_id -> Uuid,
        role -> Text,
        department_id -> Nullable<Int4>,
        granted_at -> Timestamptz,
    }
}

diesel::table! {
    organisations (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        description -> Text,
        contact -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        verified_at -> Nullable<Timestamptz>,
        verified_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    organisation_members (organisation_id, account_id) {
        organisation_id -> Uuid,
        account_id -> Uuid,
        role -> Text,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    organisation_invitations (token_hash) {
        token_hash -> Text,
        organisation_id -> Uuid,
        email -> Text,
        invited_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        to_address -> Text,
        to_name -> Nullable<Text>,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        category -> Text,
        unsubscribe_url -> Nullable<Text>,
        created_at -> Timestamptz,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        failed_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        claimed_until -> Nullable<Timestamptz>,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_body -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        record_type -> Nullable<Text>,
        record_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Jsonb,
    }
}

diesel::table! {
    proposals (id) {
        id -> Uuid,
        author_id -> Uuid,
        organisation_id -> Nullable<Uuid>,
        state -> Text,
        title -> Text,
        summary -> Text,
        local_issue -> Text,
        activity_plan -> Text,
        expected_effect -> Text,
        partners -> Text,
        period -> Text,
        budget_yen -> Nullable<Int8>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
        assignee_id -> Nullable<Uuid>,
        support_count -> Int4,
        decided_at -> Nullable<Timestamptz>,
        channel -> Text,
        entered_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    measure_departments (measure_code) {
        measure_code -> Text,
        department_id -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    proposal_notes (id) {
        id -> Int8,
        proposal_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    proposal_responses (id) {
        id -> Int8,
        proposal_id -> Uuid,
        author_id -> Uuid,
        department_id -> Nullable<Int4>,
        body -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    proposal_measures (proposal_id, measure_code) {
        proposal_id -> Uuid,
        measure_code -> Text,
        position -> Int4,
        proposal_created_at -> Timestamptz,
    }
}

diesel::table! {
    proposal_state_counts (state) {
        state -> Text,
        proposals -> Int8,
    }
}

diesel::table! {
    measure_proposal_counts (measure_code) {
        measure_code -> Text,
        proposals -> Int8,
    }
}

diesel::table! {
    proposal_transitions (id) {
        id -> Int8,
        proposal_id -> Uuid,
        from_state -> Text,
        to_state -> Text,
        action -> Text,
        actor_id -> Nullable<Uuid>,
        actor_role -> Text,
        reason -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::table! {
    proposal_supports (proposal_id, account_id) {
        proposal_id -> Uuid,
        account_id -> Uuid,
        at -> Timestamptz,
    }
}

diesel::table! {
    proposal_follows (proposal_id, account_id) {
        proposal_id -> Uuid,
        account_id -> Uuid,
        at -> Timestamptz,
    }
}

diesel::table! {
    comments (id) {
        id -> Uuid,
        subject_type -> Text,
        subject_id -> Text,
        author_id -> Uuid,
        organisation_id -> Nullable<Uuid>,
        parent_id -> Nullable<Uuid>,
        body -> Text,
        created_at -> Timestamptz,
        hidden_at -> Nullable<Timestamptz>,
        hidden_reason -> Nullable<Text>,
        hidden_by -> Nullable<Uuid>,
        answered_as_department -> Nullable<Int4>,
        pending -> Bool,
        approved_at -> Nullable<Timestamptz>,
        approved_by -> Nullable<Uuid>,
        hidden_automatically -> Bool,
    }
}

diesel::table! {
    measure_follows (measure_code, account_id) {
        measure_code -> Text,
        account_id -> Uuid,
        at -> Timestamptz,
    }
}

diesel::table! {
    comment_reports (id) {
        id -> Uuid,
        comment_id -> Uuid,
        reporter_id -> Uuid,
        reason -> Text,
        created_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
        resolved_by -> Nullable<Uuid>,
        outcome -> Nullable<Text>,
        category -> Text,
    }
}

diesel::table! {
    comment_premoderation (subject_type, subject_id) {
        subject_type -> Text,
        subject_id -> Text,
        enabled_by -> Nullable<Uuid>,
        enabled_at -> Timestamptz,
    }
}

diesel::table! {
    consultations (id) {
        id -> Int4,
        title -> Text,
        department_id -> Int4,
        summary -> Text,
        opens_on -> Date,
        closes_on -> Date,
        short_period_reason -> Nullable<Text>,
        identity_required -> Bool,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        notified_open_at -> Nullable<Timestamptz>,
        result_published_at -> Nullable<Timestamptz>,
        tally -> Nullable<Jsonb>,
        published_at -> Nullable<Timestamptz>,
        withdrawn_at -> Nullable<Timestamptz>,
        comment_count -> Int4,
    }
}

diesel::table! {
    consultation_notices (id) {
        id -> Int4,
        consultation_id -> Int4,
        kind -> Text,
        body -> Text,
        closes_on_before -> Nullable<Date>,
        closes_on_after -> Nullable<Date>,
        posted_at -> Timestamptz,
        posted_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    consultation_measures (consultation_id, measure_code) {
        consultation_id -> Int4,
        measure_code -> Text,
    }
}

diesel::table! {
    consultation_sections (id) {
        id -> Int4,
        consultation_id -> Int4,
        number -> Int4,
        heading -> Text,
        body -> Text,
    }
}

diesel::table! {
    consultation_result_items (id) {
        id -> Int4,
        consultation_id -> Int4,
        number -> Int4,
        summary -> Text,
        response -> Text,
        changed -> Bool,
        change -> Nullable<Text>,
    }
}

diesel::table! {
    consultation_comments (id) {
        id -> Int4,
        consultation_id -> Int4,
        receipt_seq -> Int4,
        receipt_number -> Text,
        channel -> Text,
        received_at -> Timestamptz,
        section_id -> Nullable<Int4>,
        body -> Text,
        account_id -> Nullable<Uuid>,
        organisation_name -> Nullable<Text>,
        submitter_name -> Nullable<Text>,
        submitter_address -> Nullable<Text>,
        submitter_email -> Nullable<Text>,
        notify_token -> Nullable<Text>,
        entered_by -> Nullable<Uuid>,
        item_id -> Nullable<Int4>,
        excluded_reason -> Nullable<Text>,
        excluded_by -> Nullable<Uuid>,
        excluded_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(chapter_sections -> chapters (chapter_number));
diesel::joinable!(measures -> chapters (chapter_number));
diesel::joinable!(sub_measures -> measures (measure_code));
diesel::joinable!(kpis -> measures (measure_code));
diesel::joinable!(kpi_actuals -> kpis (kpi_id));
diesel::joinable!(plan_initiatives -> plans (plan_number));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(email_tokens -> accounts (account_id));
diesel::joinable!(staff_roles -> accounts (account_id));
diesel::joinable!(staff_roles -> departments (department_id));
diesel::joinable!(organisation_members -> accounts (account_id));
diesel::joinable!(organisation_members -> organisations (organisation_id));
diesel::joinable!(organisation_invitations -> organisations (organisation_id));
diesel::joinable!(proposals -> accounts (author_id));
diesel::joinable!(proposals -> organisations (organisation_id));
diesel::joinable!(proposal_measures -> proposals (proposal_id));
diesel::joinable!(proposal_measures -> measures (measure_code));
diesel::joinable!(proposal_transitions -> proposals (proposal_id));
diesel::joinable!(measure_departments -> measures (measure_code));
diesel::joinable!(measure_departments -> departments (department_id));
diesel::joinable!(proposal_notes -> proposals (proposal_id));
diesel::joinable!(proposal_notes -> accounts (author_id));
diesel::joinable!(proposal_responses -> proposals (proposal_id));
diesel::joinable!(proposal_responses -> departments (department_id));
diesel::joinable!(proposal_supports -> proposals (proposal_id));
diesel::joinable!(proposal_follows -> proposals (proposal_id));
diesel::joinable!(comments -> organisations (organisation_id));
diesel::joinable!(comments -> accounts (author_id));
diesel::joinable!(comments -> departments (answered_as_department));
diesel::joinable!(measure_follows -> measures (measure_code));
diesel::joinable!(comment_reports -> comments (comment_id));

diesel::joinable!(consultations -> departments (department_id));
diesel::joinable!(consultation_measures -> consultations (consultation_id));
diesel::joinable!(consultation_measures -> measures (measure_code));
diesel::joinable!(consultation_sections -> consultations (consultation_id));
diesel::joinable!(consultation_result_items -> consultations (consultation_id));
diesel::joinable!(consultation_comments -> consultations (consultation_id));
diesel::joinable!(consultation_notices -> consultations (consultation_id));
diesel::joinable!(consultation_comments -> consultation_sections (section_id));
diesel::joinable!(consultation_comments -> consultation_result_items (item_id));
diesel::table! {
    attachments (id) {
        id -> Uuid,
        owner_type -> Text,
        owner_id -> Text,
        filename -> Text,
        content_type -> Text,
        byte_size -> Int8,
        sha256 -> Text,
        data -> Bytea,
        uploaded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(attachments -> accounts (uploaded_by));
diesel::table! {
    meetings (id) {
        id -> Int4,
        kind -> Text,
        title -> Text,
        description -> Text,
        department_id -> Int4,
        consultation_id -> Nullable<Int4>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        venue_name -> Nullable<Text>,
        venue_address -> Nullable<Text>,
        access_notes -> Nullable<Text>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<Int4>,
        registration_opens_at -> Nullable<Timestamptz>,
        registration_closes_at -> Nullable<Timestamptz>,
        sign_language -> Bool,
        childcare -> Bool,
        wheelchair -> Bool,
        accessibility_notes -> Nullable<Text>,
        published_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        reminded_at -> Nullable<Timestamptz>,
        attendance -> Nullable<Int4>,
        attendance_recorded_at -> Nullable<Timestamptz>,
        minutes_summary -> Nullable<Text>,
        minutes_published_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    meeting_measures (meeting_id, measure_code) {
        meeting_id -> Int4,
        measure_code -> Text,
    }
}

diesel::table! {
    meeting_registrations (id) {
        id -> Int4,
        meeting_id -> Int4,
        account_id -> Nullable<Uuid>,
        organisation_id -> Nullable<Uuid>,
        channel -> Text,
        name -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        needs -> Nullable<Text>,
        status -> Text,
        registered_at -> Timestamptz,
        confirmed_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        attended -> Nullable<Bool>,
        entered_by -> Nullable<Uuid>,
        cancel_token -> Nullable<Text>,
    }
}

diesel::table! {
    meeting_notices (id) {
        id -> Int4,
        meeting_id -> Int4,
        kind -> Text,
        body -> Text,
        posted_at -> Timestamptz,
        posted_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    meeting_minutes (id) {
        id -> Int4,
        meeting_id -> Int4,
        number -> Int4,
        topic -> Text,
        said -> Text,
        response -> Nullable<Text>,
    }
}

diesel::table! {
    meeting_proposals (meeting_id, proposal_id) {
        meeting_id -> Int4,
        proposal_id -> Uuid,
        linked_by -> Nullable<Uuid>,
        linked_at -> Timestamptz,
    }
}

diesel::table! {
    surveys (id) {
        id -> Int4,
        kind -> Text,
        access -> Text,
        title -> Text,
        description -> Text,
        department_id -> Int4,
        fiscal_year -> Nullable<Int4>,
        opens_at -> Timestamptz,
        closes_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
        results_mode -> Text,
        results_published_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    survey_sections (id) {
        id -> Int4,
        survey_id -> Int4,
        position -> Int4,
        title -> Text,
        description -> Text,
    }
}

diesel::table! {
    survey_questions (id) {
        id -> Int4,
        survey_id -> Int4,
        section_id -> Nullable<Int4>,
        position -> Int4,
        kind -> Text,
        text -> Text,
        help -> Text,
        required -> Bool,
        max_choices -> Nullable<Int4>,
        min_value -> Nullable<Int4>,
        max_value -> Nullable<Int4>,
        condition_question_id -> Nullable<Int4>,
        condition_choice_id -> Nullable<Int4>,
        measure_code -> Nullable<Text>,
        wording_note -> Nullable<Text>,
        wording_changed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    survey_choices (id) {
        id -> Int4,
        question_id -> Int4,
        position -> Int4,
        label -> Text,
        role -> Text,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> Int4,
        survey_id -> Int4,
        respondent -> Text,
        account_id -> Nullable<Uuid>,
        status -> Text,
        channel -> Text,
        is_test -> Bool,
        receipt -> Nullable<Text>,
        entered_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    survey_answers (id) {
        id -> Int4,
        response_id -> Int4,
        question_id -> Int4,
        row_id -> Nullable<Int4>,
        choice_id -> Nullable<Int4>,
        number -> Nullable<Int4>,
        text -> Nullable<Text>,
        text_state -> Nullable<Text>,
    }
}

diesel::table! {
    survey_codes (survey_id, digest) {
        survey_id -> Int4,
        digest -> Text,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    measure_satisfaction (measure_code, fiscal_year) {
        measure_code -> Text,
        fiscal_year -> Int4,
        percent -> Numeric,
        respondents -> Int4,
        survey_id -> Nullable<Int4>,
        recorded_at -> Timestamptz,
    }
}

diesel::joinable!(meetings -> departments (department_id));
diesel::joinable!(meeting_measures -> meetings (meeting_id));
diesel::joinable!(meeting_measures -> measures (measure_code));
diesel::joinable!(meeting_registrations -> meetings (meeting_id));
diesel::joinable!(meeting_notices -> meetings (meeting_id));
diesel::joinable!(meeting_minutes -> meetings (meeting_id));
diesel::joinable!(meeting_proposals -> meetings (meeting_id));
diesel::joinable!(meeting_proposals -> proposals (proposal_id));
diesel::joinable!(surveys -> departments (department_id));
diesel::joinable!(survey_sections -> surveys (survey_id));
diesel::joinable!(survey_questions -> surveys (survey_id));
diesel::joinable!(survey_questions -> survey_sections (section_id));
diesel::joinable!(survey_questions -> measures (measure_code));
diesel::joinable!(survey_choices -> survey_questions (question_id));
diesel::joinable!(survey_responses -> surveys (survey_id));
diesel::joinable!(survey_answers -> survey_responses (response_id));
diesel::joinable!(survey_answers -> survey_questions (question_id));
diesel::joinable!(survey_codes -> surveys (survey_id));
diesel::joinable!(measure_satisfaction -> measures (measure_code));
diesel::joinable!(measure_satisfaction -> surveys (survey_id));
diesel::allow_tables_to_appear_in_same_query!(
    chapters,
    chapter_sections,
    measures,
    sub_measures,
    kpis,
    kpi_actuals,
    plans,
    plan_initiatives,
    accounts,
    sessions,
    email_tokens,
    rate_limits,
    departments,
    staff_roles,
    organisations,
    organisation_members,
    organisation_invitations,
    outbox,
    audit_log,
    proposals,
    proposal_measures,
    proposal_transitions,
    measure_departments,
    proposal_notes,
    proposal_responses,
    proposal_supports,
    proposal_follows,
    comments,
    measure_follows,
    comment_reports,
    comment_premoderation,
    consultations,
    consultation_measures,
    consultation_sections,
    consultation_result_items,
    consultation_comments,
    consultation_notices,
    attachments,
    proposal_state_counts,
    measure_proposal_counts,
    meetings,
    meeting_measures,
    meeting_registrations,
    meeting_notices,
    meeting_minutes,
    meeting_proposals,
    surveys,
    survey_sections,
    survey_questions,
    survey_choices,
    survey_responses,
    survey_answers,
    survey_codes,
    measure_satisfaction,
);

// Issue 15 (A): answer templates and draft answers (migration 000027).
diesel::table! {
    answer_templates (id) {
        id -> Int4,
        department_id -> Int4,
        purpose -> Text,
        title -> Text,
        body -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    proposal_decision_drafts (proposal_id) {
        proposal_id -> Uuid,
        action -> Text,
        reason -> Text,
        author_id -> Uuid,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    consultation_item_drafts (item_id) {
        item_id -> Int4,
        author_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(answer_templates -> departments (department_id));
diesel::joinable!(proposal_decision_drafts -> proposals (proposal_id));
diesel::joinable!(consultation_item_drafts -> consultation_result_items (item_id));
diesel::allow_tables_to_appear_in_same_query!(answer_templates, departments);
diesel::allow_tables_to_appear_in_same_query!(proposal_decision_drafts, proposals);
diesel::allow_tables_to_appear_in_same_query!(consultation_item_drafts, consultation_result_items);
diesel::allow_tables_to_appear_in_same_query!(consultation_item_drafts, consultations);
diesel::allow_tables_to_appear_in_same_query!(consultation_item_drafts, consultation_comments);

// 15 (B): imports of paper submissions.
diesel::table! {
    import_batches (id) {
        id -> Int8,
        consultation_id -> Nullable<Int4>,
        sha256 -> Text,
        filename -> Text,
        bytes -> Bytea,
        status -> Text,
        row_count -> Nullable<Int4>,
        uploaded_by -> Uuid,
        imported_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        imported_at -> Nullable<Timestamptz>,
        kind -> Text,
    }
}

diesel::table! {
    import_rows (batch_id, line) {
        batch_id -> Int8,
        line -> Int4,
        comment_id -> Nullable<Int4>,
        proposal_id -> Nullable<Uuid>,
    }
}

diesel::joinable!(import_rows -> import_batches (batch_id));
diesel::allow_tables_to_appear_in_same_query!(import_batches, import_rows);
diesel::allow_tables_to_appear_in_same_query!(import_batches, accounts);

// Issue 15 (D): moderation settings and posting blocks (migration 000030).
diesel::table! {
    moderation_settings (id) {
        id -> Bool,
        auto_hide_reports -> Int4,
        updated_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    posting_blocks (id) {
        id -> Uuid,
        account_id -> Uuid,
        reason -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        lifted_at -> Nullable<Timestamptz>,
        lifted_by -> Nullable<Uuid>,
    }
}

diesel::joinable!(posting_blocks -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(posting_blocks, accounts);

// 15 (C): notification preferences, the inbox and digests.
diesel::table! {
    notification_preferences (account_id, kind) {
        account_id -> Uuid,
        kind -> Text,
        delivery -> Text,
    }
}

diesel::table! {
    digests (id) {
        id -> Int8,
        account_id -> Uuid,
        cadence -> Text,
        period -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        account_id -> Uuid,
        kind -> Text,
        template -> Text,
        summary -> Text,
        link -> Nullable<Text>,
        proposal_id -> Nullable<Uuid>,
        measure_code -> Nullable<Text>,
        consultation_id -> Nullable<Int4>,
        cadence -> Nullable<Text>,
        digest_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(notifications -> accounts (account_id));
diesel::allow_tables_to_appear_in_same_query!(notifications, accounts, digests);
