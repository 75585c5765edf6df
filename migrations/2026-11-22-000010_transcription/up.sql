-- Transcription: minutes are charged once per video, however often the stt job runs.
CREATE UNIQUE INDEX usage_records_stt_once ON usage_records (video_id) WHERE kind = 'stt';
