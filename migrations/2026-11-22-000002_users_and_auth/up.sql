CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    password_hash text,
    name text NOT NULL DEFAULT '',
    avatar_key text,
    email_verified_at timestamptz,
    vk_user_id text,
    plan_id text NOT NULL DEFAULT 'free'
        CONSTRAINT users_plan_id_check CHECK (plan_id IN ('free', 'start', 'pro', 'business')),
    minutes_used integer NOT NULL DEFAULT 0 CHECK (minutes_used >= 0),
    minutes_limit integer NOT NULL DEFAULT 30 CHECK (minutes_limit >= 0),
    extra_minutes integer NOT NULL DEFAULT 0 CHECK (extra_minutes >= 0),
    ui_language text NOT NULL DEFAULT 'ru' CONSTRAINT users_ui_language_check CHECK (ui_language IN ('ru', 'en')),
    llm_strategy text NOT NULL DEFAULT 'ru'
        CONSTRAINT users_llm_strategy_check CHECK (llm_strategy IN ('ru', 'global')),
    caption_style text NOT NULL DEFAULT 'classic',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Emails are stored normalised (trimmed, lower-case); uniqueness is on that form.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_vk_user_id_key ON users (vk_user_id) WHERE vk_user_id IS NOT NULL;
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Refresh tokens, stored as SHA-256 hashes. Every rotation keeps the family id; reuse of a rotated token
-- revokes the whole family.
CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz,
    user_agent text,
    ip text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_family_id_idx ON sessions (family_id);

-- Single-use tokens sent by email (verification, password reset), stored hashed.
CREATE TABLE email_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CONSTRAINT email_tokens_kind_check CHECK (kind IN ('verify_email', 'reset_password')),
    token_hash bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX email_tokens_token_hash_key ON email_tokens (token_hash);
CREATE INDEX email_tokens_user_id_idx ON email_tokens (user_id);
