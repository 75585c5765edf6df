CREATE TABLE usage_records (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    video_id uuid REFERENCES videos (id) ON DELETE SET NULL,
    kind text NOT NULL CONSTRAINT usage_records_kind_check CHECK (kind IN ('stt', 'llm', 'render')),
    minutes_consumed integer NOT NULL DEFAULT 0 CHECK (minutes_consumed >= 0),
    llm_tokens_in integer NOT NULL DEFAULT 0,
    llm_tokens_out integer NOT NULL DEFAULT 0,
    llm_cost_kopecks bigint NOT NULL DEFAULT 0,
    provider text,
    model text,
    tier smallint CHECK (tier BETWEEN 1 AND 4),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_records_user_id_idx ON usage_records (user_id, created_at DESC);
CREATE INDEX usage_records_video_id_idx ON usage_records (video_id);
