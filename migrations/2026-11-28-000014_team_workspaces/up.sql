-- Teams as shared workspaces (issue 18).
-- A user belongs to at most one team.
CREATE UNIQUE INDEX team_members_one_team_per_user ON team_members (user_id);
-- Invite links: a use limit, a use count and revocation. An emailed invite allows one use.
ALTER TABLE team_invites
    ADD COLUMN max_uses integer NOT NULL DEFAULT 1 CONSTRAINT team_invites_max_uses_check CHECK (max_uses BETWEEN 1 AND 100),
    ADD COLUMN uses integer NOT NULL DEFAULT 0 CONSTRAINT team_invites_uses_check CHECK (uses >= 0 AND uses <= max_uses),
    ADD COLUMN revoked_at timestamptz;
-- Whose plan pays for a video's minutes and sets its limits: the team owner's when it was added to a team, else the
-- creator's. Fixed when the video is created, so a reservation is given back to the account it was taken from.
ALTER TABLE videos ADD COLUMN billed_to uuid REFERENCES users (id) ON DELETE CASCADE;
UPDATE videos SET billed_to = user_id;
ALTER TABLE videos ALTER COLUMN billed_to SET NOT NULL;
CREATE INDEX videos_billed_to_idx ON videos (billed_to);
-- A video inserted without a payer (one made outside any team) is billed to its creator.
CREATE FUNCTION videos_default_billed_to() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.billed_to := coalesce(NEW.billed_to, NEW.user_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER videos_billed_to BEFORE INSERT ON videos FOR EACH ROW EXECUTE FUNCTION videos_default_billed_to();
