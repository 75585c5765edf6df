DROP TABLE team_invites;
DROP TABLE team_members;
DROP TABLE teams;
