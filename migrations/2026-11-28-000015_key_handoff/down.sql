ALTER TABLE usage_records DROP CONSTRAINT usage_records_key_source_check;
UPDATE usage_records SET key_source = 'server' WHERE key_source = 'server_handoff_lost';
ALTER TABLE usage_records ADD CONSTRAINT usage_records_key_source_check
    CHECK (key_source IN ('server', 'user', 'server_after_user_refused'));
ALTER TABLE videos DROP COLUMN own_keys;
