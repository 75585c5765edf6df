-- Minutes held for a video from its probe until it is transcribed (then they become minutes_used) or fails (then
-- they are given back). The probe reserves under a lock on the user's row, so concurrent uploads cannot together
-- spend more than the plan's minutes.
ALTER TABLE users ADD COLUMN minutes_reserved integer NOT NULL DEFAULT 0
    CONSTRAINT users_minutes_reserved_check CHECK (minutes_reserved >= 0);
ALTER TABLE videos ADD COLUMN minutes_reserved integer NOT NULL DEFAULT 0
    CONSTRAINT videos_minutes_reserved_check CHECK (minutes_reserved >= 0);
