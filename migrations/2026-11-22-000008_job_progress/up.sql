-- Live progress of the job working on a video or clip, so a page that (re)connects reads the current state from
-- the database before it follows live events.
ALTER TABLE videos
    ADD COLUMN stage text,
    ADD COLUMN progress smallint NOT NULL DEFAULT 0 CONSTRAINT videos_progress_range CHECK (progress BETWEEN 0 AND 100);
ALTER TABLE clips
    ADD COLUMN stage text,
    ADD COLUMN progress smallint NOT NULL DEFAULT 0 CONSTRAINT clips_progress_range CHECK (progress BETWEEN 0 AND 100);
