DROP TABLE admin_audit;
ALTER TABLE users DROP COLUMN blocked_at, DROP COLUMN is_admin;
