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

diesel::joinable!(chapter_sections -> chapters (chapter_number));
diesel::joinable!(measures -> chapters (chapter_number));
diesel::joinable!(sub_measures -> measures (measure_code));
diesel::joinable!(kpis -> measures (measure_code));
diesel::joinable!(kpi_actuals -> kpis (kpi_id));
diesel::joinable!(plan_initiatives -> plans (plan_number));

diesel::allow_tables_to_appear_in_same_query!(
    chapters,
    chapter_sections,
    measures,
    sub_measures,
    kpis,
    kpi_actuals,
    plans,
    plan_initiatives,
);
