DROP TABLE publication_stats;
DROP INDEX publications_due_idx;
DROP INDEX publications_user_id_idx;
DROP INDEX publications_idempotency_key;
ALTER TABLE publications
    DROP COLUMN comments, DROP COLUMN attempts, DROP COLUMN idempotency_key, DROP COLUMN body, DROP COLUMN title,
    DROP COLUMN user_id;
DROP INDEX platform_connections_workspace_key;
DROP INDEX platform_connections_team_id_idx;
DROP INDEX platform_connections_user_id_idx;
CREATE UNIQUE INDEX platform_connections_account_key ON platform_connections (user_id, platform, account_id);
ALTER TABLE platform_connections
    DROP COLUMN error, DROP COLUMN status, DROP COLUMN target_name, DROP COLUMN target_id, DROP COLUMN team_id;
