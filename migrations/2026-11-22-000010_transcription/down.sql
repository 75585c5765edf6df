DROP INDEX IF EXISTS usage_records_stt_once;
