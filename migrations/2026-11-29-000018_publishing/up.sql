-- Publishing (issue 22).
-- A connection belongs to a workspace: a team (managed by its owner and admins) or a user outside any team. One
-- connection per platform per workspace; reconnecting replaces it.
ALTER TABLE platform_connections
    ADD COLUMN team_id uuid REFERENCES teams (id) ON DELETE CASCADE,
    -- Where posts go: a VK owner id (the user, or minus a community id), a Telegram chat id; empty for Rutube.
    ADD COLUMN target_id text NOT NULL DEFAULT '',
    ADD COLUMN target_name text NOT NULL DEFAULT '',
    ADD COLUMN status text NOT NULL DEFAULT 'active'
        CONSTRAINT platform_connections_status_check CHECK (status IN ('active', 'reconnect')),
    -- Why the platform refused the token (shown to the user with the reconnect prompt).
    ADD COLUMN error text;
DROP INDEX platform_connections_account_key;
CREATE INDEX platform_connections_user_id_idx ON platform_connections (user_id);
CREATE INDEX platform_connections_team_id_idx ON platform_connections (team_id);
CREATE UNIQUE INDEX platform_connections_workspace_key
    ON platform_connections ((coalesce(team_id, user_id)), platform);

ALTER TABLE publications
    -- Who asked for the post.
    ADD COLUMN user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN title text NOT NULL DEFAULT '',
    ADD COLUMN body text NOT NULL DEFAULT '',
    -- Written before the upload; the same on every retry, so a retried job finds the post instead of making another.
    ADD COLUMN idempotency_key text,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN comments bigint NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX publications_idempotency_key ON publications (idempotency_key);
CREATE INDEX publications_user_id_idx ON publications (user_id);
CREATE INDEX publications_due_idx ON publications (scheduled_at) WHERE status = 'scheduled';

-- The stats collector's samples: cumulative counters per publication over time.
CREATE TABLE publication_stats (
    publication_id uuid NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    taken_at timestamptz NOT NULL,
    views bigint NOT NULL,
    likes bigint NOT NULL,
    shares bigint NOT NULL,
    comments bigint NOT NULL,
    PRIMARY KEY (publication_id, taken_at)
);
