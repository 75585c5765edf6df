CREATE TABLE platform_connections (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform text NOT NULL
        CONSTRAINT platform_connections_platform_check CHECK (platform IN ('vk', 'rutube', 'dzen', 'telegram')),
    account_id text NOT NULL,
    account_name text NOT NULL DEFAULT '',
    -- Tokens are encrypted with AES-256-GCM under a server key; key_version allows rotation.
    access_token_encrypted bytea NOT NULL,
    nonce bytea NOT NULL,
    key_version integer NOT NULL,
    refresh_token_encrypted bytea,
    refresh_nonce bytea,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX platform_connections_account_key ON platform_connections (user_id, platform, account_id);
CREATE TRIGGER platform_connections_updated_at BEFORE UPDATE ON platform_connections
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE publications (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    clip_id uuid NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
    connection_id uuid REFERENCES platform_connections (id) ON DELETE SET NULL,
    platform text NOT NULL
        CONSTRAINT publications_platform_check CHECK (platform IN ('vk', 'rutube', 'dzen', 'telegram')),
    status text NOT NULL DEFAULT 'scheduled' CONSTRAINT publications_status_check CHECK (status IN
        ('scheduled', 'publishing', 'published', 'failed', 'cancelled')),
    platform_post_id text,
    platform_url text,
    scheduled_at timestamptz,
    published_at timestamptz,
    views bigint NOT NULL DEFAULT 0,
    likes bigint NOT NULL DEFAULT 0,
    shares bigint NOT NULL DEFAULT 0,
    stats_updated_at timestamptz,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX publications_clip_id_idx ON publications (clip_id);
CREATE INDEX publications_connection_id_idx ON publications (connection_id);
CREATE TRIGGER publications_updated_at BEFORE UPDATE ON publications FOR EACH ROW EXECUTE FUNCTION set_updated_at();
