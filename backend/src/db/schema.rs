//! Diesel table definitions, kept in step with `migrations/` (a test executes a `SELECT` of every column of every
//! table against the migrated database, so a drift fails the suite).
// @generated-style layout: one `table!` per table, columns in migration order.

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Nullable<Text>,
        name -> Text,
        avatar_key -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamptz>,
        vk_user_id -> Nullable<Text>,
        plan_id -> Text,
        minutes_used -> Int4,
        minutes_limit -> Int4,
        extra_minutes -> Int4,
        ui_language -> Text,
        llm_strategy -> Text,
        caption_style -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        clip_count -> Nullable<Int2>,
        clip_min_seconds -> Int2,
        clip_max_seconds -> Int2,
        minutes_reserved -> Int4,
        is_admin -> Bool,
        blocked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    teams (id) {
        id -> Uuid,
        name -> Text,
        owner_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    team_members (team_id, user_id) {
        team_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    team_invites (id) {
        id -> Uuid,
        team_id -> Uuid,
        invited_by -> Uuid,
        token_hash -> Bytea,
        email -> Nullable<Text>,
        role -> Text,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        accepted_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        max_uses -> Int4,
        uses -> Int4,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    videos (id) {
        id -> Uuid,
        user_id -> Uuid,
        team_id -> Nullable<Uuid>,
        title -> Text,
        status -> Text,
        source_kind -> Text,
        source_url -> Nullable<Text>,
        duration_seconds -> Nullable<Float8>,
        file_key -> Nullable<Text>,
        mime_type -> Nullable<Text>,
        size_bytes -> Nullable<Int8>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        stage -> Nullable<Text>,
        progress -> Int2,
        upload_id -> Nullable<Text>,
        expired_at -> Nullable<Timestamptz>,
        minutes_reserved -> Int4,
        billed_to -> Uuid,
        own_keys -> Bool,
        timeline -> Nullable<Jsonb>,
    }
}

diesel::table! {
    transcripts (id) {
        id -> Uuid,
        video_id -> Uuid,
        language -> Text,
        segments -> Jsonb,
        full_text -> Text,
        stt_model -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    clips (id) {
        id -> Uuid,
        video_id -> Uuid,
        user_id -> Uuid,
        title -> Text,
        start_s -> Float8,
        end_s -> Float8,
        virality -> Jsonb,
        cta -> Nullable<Text>,
        subtitle_style -> Text,
        status -> Text,
        file_key -> Nullable<Text>,
        thumbnail_key -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        stage -> Nullable<Text>,
        progress -> Int2,
        layout -> Text,
        edit -> Nullable<Jsonb>,
        revision -> Int4,
    }
}

diesel::table! {
    platform_connections (id) {
        id -> Uuid,
        user_id -> Uuid,
        platform -> Text,
        account_id -> Text,
        account_name -> Text,
        access_token_encrypted -> Bytea,
        nonce -> Bytea,
        key_version -> Int4,
        refresh_token_encrypted -> Nullable<Bytea>,
        refresh_nonce -> Nullable<Bytea>,
        expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        team_id -> Nullable<Uuid>,
        target_id -> Text,
        target_name -> Text,
        status -> Text,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    publication_stats (publication_id, taken_at) {
        publication_id -> Uuid,
        taken_at -> Timestamptz,
        views -> Int8,
        likes -> Int8,
        shares -> Int8,
        comments -> Int8,
    }
}

diesel::table! {
    publications (id) {
        id -> Uuid,
        clip_id -> Uuid,
        connection_id -> Nullable<Uuid>,
        platform -> Text,
        status -> Text,
        platform_post_id -> Nullable<Text>,
        platform_url -> Nullable<Text>,
        scheduled_at -> Nullable<Timestamptz>,
        published_at -> Nullable<Timestamptz>,
        views -> Int8,
        likes -> Int8,
        shares -> Int8,
        stats_updated_at -> Nullable<Timestamptz>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        user_id -> Nullable<Uuid>,
        title -> Text,
        body -> Text,
        idempotency_key -> Nullable<Text>,
        attempts -> Int4,
        comments -> Int8,
    }
}

diesel::table! {
    refunds (external_id) {
        external_id -> Text,
        payment_id -> Uuid,
        amount_kopecks -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Uuid,
        user_id -> Uuid,
        plan_id -> Text,
        status -> Text,
        payment_method -> Nullable<Text>,
        payment_method_id -> Nullable<Text>,
        current_period_start -> Timestamptz,
        current_period_end -> Timestamptz,
        cancel_at_period_end -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        card_title -> Nullable<Text>,
        reminded_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    payments (id) {
        id -> Uuid,
        user_id -> Uuid,
        subscription_id -> Nullable<Uuid>,
        kind -> Text,
        plan_id -> Nullable<Text>,
        minutes -> Nullable<Int4>,
        amount_kopecks -> Int8,
        currency -> Text,
        status -> Text,
        payment_method -> Text,
        idempotence_key -> Text,
        external_id -> Nullable<Text>,
        confirmation_url -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        failure -> Nullable<Text>,
        refunded_kopecks -> Int8,
    }
}

diesel::table! {
    usage_records (id) {
        id -> Uuid,
        user_id -> Uuid,
        video_id -> Nullable<Uuid>,
        kind -> Text,
        minutes_consumed -> Int4,
        llm_tokens_in -> Int4,
        llm_tokens_out -> Int4,
        llm_cost_kopecks -> Int8,
        provider -> Nullable<Text>,
        model -> Nullable<Text>,
        tier -> Nullable<Int2>,
        created_at -> Timestamptz,
        task -> Nullable<Text>,
        key_source -> Nullable<Text>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(teams -> users (owner_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (user_id));
diesel::joinable!(team_invites -> teams (team_id));
diesel::joinable!(videos -> users (user_id));
diesel::joinable!(videos -> teams (team_id));
diesel::joinable!(transcripts -> videos (video_id));
diesel::joinable!(clips -> videos (video_id));
diesel::joinable!(clips -> users (user_id));
diesel::joinable!(platform_connections -> users (user_id));
diesel::joinable!(platform_connections -> teams (team_id));
diesel::joinable!(publication_stats -> publications (publication_id));
diesel::joinable!(publications -> clips (clip_id));
diesel::joinable!(publications -> platform_connections (connection_id));
diesel::joinable!(publications -> users (user_id));
diesel::joinable!(subscriptions -> users (user_id));
diesel::joinable!(payments -> users (user_id));
diesel::joinable!(payments -> subscriptions (subscription_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::joinable!(usage_records -> users (user_id));
diesel::joinable!(usage_records -> videos (video_id));

diesel::table! {
    admin_audit (id) {
        id -> Uuid,
        admin_id -> Nullable<Uuid>,
        action -> Text,
        target_user_id -> Nullable<Uuid>,
        target -> Text,
        details -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    admin_audit,
    users,
    sessions,
    email_tokens,
    teams,
    team_members,
    team_invites,
    videos,
    transcripts,
    clips,
    platform_connections,
    publications,
    publication_stats,
    subscriptions,
    payments,
    refunds,
    usage_records,
);
