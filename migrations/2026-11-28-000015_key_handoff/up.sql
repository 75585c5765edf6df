-- Issue 19: a creator's own keys reach the worker sealed, through Redis. The row only says that keys were sent,
-- so a job whose sealed keys expired or did not open can record that it fell back to the server's keys.
ALTER TABLE videos ADD COLUMN own_keys boolean NOT NULL DEFAULT false;
-- A job whose user's keys were sent but expired or did not open runs on the server's key and says so.
ALTER TABLE usage_records DROP CONSTRAINT usage_records_key_source_check;
ALTER TABLE usage_records ADD CONSTRAINT usage_records_key_source_check
    CHECK (key_source IN ('server', 'user', 'server_after_user_refused', 'server_handoff_lost'));
