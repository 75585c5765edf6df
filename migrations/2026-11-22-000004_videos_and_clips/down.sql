DROP TABLE clips;
DROP TABLE transcripts;
DROP TABLE videos;
