ALTER TABLE videos DROP COLUMN minutes_reserved;
ALTER TABLE users DROP COLUMN minutes_reserved;
