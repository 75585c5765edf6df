CREATE TABLE videos (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
    title text NOT NULL,
    status text NOT NULL DEFAULT 'uploading' CONSTRAINT videos_status_check CHECK (status IN
        ('uploading', 'downloading', 'transcribing', 'analyzing', 'generating_clips', 'completed', 'failed')),
    source_kind text NOT NULL CONSTRAINT videos_source_kind_check CHECK (source_kind IN ('file', 'url')),
    source_url text,
    duration_seconds double precision CHECK (duration_seconds >= 0),
    file_key text,
    mime_type text,
    size_bytes bigint CHECK (size_bytes >= 0),
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX videos_user_id_idx ON videos (user_id, created_at DESC);
CREATE INDEX videos_team_id_idx ON videos (team_id);
-- The reconciler scans videos that are still in progress.
CREATE INDEX videos_in_progress_idx ON videos (updated_at) WHERE status NOT IN ('completed', 'failed');
CREATE TRIGGER videos_updated_at BEFORE UPDATE ON videos FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE transcripts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language text NOT NULL,
    segments jsonb NOT NULL DEFAULT '[]',
    full_text text NOT NULL DEFAULT '',
    stt_model text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX transcripts_video_id_key ON transcripts (video_id);

CREATE TABLE clips (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    start_s double precision NOT NULL CHECK (start_s >= 0),
    end_s double precision NOT NULL,
    virality jsonb NOT NULL DEFAULT '{}',
    cta text,
    subtitle_style text NOT NULL DEFAULT 'classic',
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT clips_status_check CHECK (status IN ('pending', 'rendering', 'ready', 'published', 'failed')),
    file_key text,
    thumbnail_key text,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (end_s > start_s)
);
CREATE INDEX clips_video_id_idx ON clips (video_id);
CREATE INDEX clips_user_id_idx ON clips (user_id, created_at DESC);
CREATE INDEX clips_in_progress_idx ON clips (updated_at) WHERE status IN ('pending', 'rendering');
CREATE TRIGGER clips_updated_at BEFORE UPDATE ON clips FOR EACH ROW EXECUTE FUNCTION set_updated_at();
