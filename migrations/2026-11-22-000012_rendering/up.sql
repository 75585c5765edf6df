-- Rendering: how a clip is reframed to 9:16 ('crop': the centre of the frame; 'fit': the whole frame over a blurred
-- copy of itself), and when retention deleted a video's files.
ALTER TABLE clips ADD COLUMN layout text NOT NULL DEFAULT 'crop'
    CONSTRAINT clips_layout_check CHECK (layout IN ('crop', 'fit'));
ALTER TABLE videos ADD COLUMN expired_at timestamptz;
-- The retention job scans finished videos by age.
CREATE INDEX videos_retention_idx ON videos (created_at) WHERE expired_at IS NULL;
