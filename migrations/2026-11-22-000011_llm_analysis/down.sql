ALTER TABLE users DROP CONSTRAINT users_clip_length_check;
ALTER TABLE users DROP COLUMN clip_max_seconds;
ALTER TABLE users DROP COLUMN clip_min_seconds;
ALTER TABLE users DROP COLUMN clip_count;
ALTER TABLE usage_records DROP COLUMN key_source;
ALTER TABLE usage_records DROP COLUMN task;
ALTER TABLE usage_records DROP CONSTRAINT usage_records_tier_check;
ALTER TABLE usage_records ADD CONSTRAINT usage_records_tier_check CHECK (tier BETWEEN 1 AND 4);
