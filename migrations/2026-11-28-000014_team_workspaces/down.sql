DROP TRIGGER videos_billed_to ON videos;
DROP FUNCTION videos_default_billed_to();
ALTER TABLE videos DROP COLUMN billed_to;
ALTER TABLE team_invites DROP COLUMN revoked_at, DROP COLUMN uses, DROP COLUMN max_uses;
DROP INDEX team_members_one_team_per_user;
