ALTER TABLE videos DROP COLUMN upload_id;
