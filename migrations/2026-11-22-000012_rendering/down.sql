DROP INDEX videos_retention_idx;
ALTER TABLE videos DROP COLUMN expired_at;
ALTER TABLE clips DROP COLUMN layout;
