-- The S3 multipart upload a video in `uploading` is receiving, so the browser can resume it.
ALTER TABLE videos ADD COLUMN upload_id text;
