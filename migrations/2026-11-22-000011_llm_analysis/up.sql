-- LLM analysis: every call is a usage record with what it was for and whose key paid; tiers are the router's 0–3.
ALTER TABLE usage_records DROP CONSTRAINT IF EXISTS usage_records_tier_check;
ALTER TABLE usage_records ADD CONSTRAINT usage_records_tier_check CHECK (tier BETWEEN 0 AND 3);
ALTER TABLE usage_records ADD COLUMN task text;
-- 'server' (our key, charged), 'user' (the user's own key, cost 0), 'server_after_user_refused' (the user's key got
-- 401/403 and the server's key was used instead).
ALTER TABLE usage_records ADD COLUMN key_source text
    CONSTRAINT usage_records_key_source_check CHECK (key_source IN ('server', 'user', 'server_after_user_refused'));

-- What the user asks analysis for: how many clips (NULL: as many as the plan allows) and how long.
ALTER TABLE users ADD COLUMN clip_count smallint CHECK (clip_count BETWEEN 1 AND 100);
ALTER TABLE users ADD COLUMN clip_min_seconds smallint NOT NULL DEFAULT 15;
ALTER TABLE users ADD COLUMN clip_max_seconds smallint NOT NULL DEFAULT 60;
ALTER TABLE users ADD CONSTRAINT users_clip_length_check
    CHECK (clip_min_seconds >= 5 AND clip_max_seconds <= 600 AND clip_min_seconds < clip_max_seconds);
