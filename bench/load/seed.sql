-- bench/load: the data of the signed-up load users (emails 'load-NN@example.com', registered through the API by
-- bench/load/run before this runs). Per user: 40 videos in mixed statuses over the last ~15 days, 120 clips with
-- virality scores on the completed ones, publications of the published clips (VK and Telegram, Rutube for every
-- third, with views) and scheduled ones for some ready clips, and a VK connection for every other workspace.
-- Users 41-45 and 46-50 form two teams of five (owner, admin, member, member, viewer): their videos are the team's,
-- so their lists and dashboards read 200 videos and 600 clips each through the team branch of the visibility filter.
-- Run with psql -v ON_ERROR_STOP=1 in one transaction; ids are UUID v7 like the app's, so newest-first orders hold.

-- A UUID v7 for a moment (48-bit milliseconds, version 7, variant 10, random rest).
CREATE FUNCTION pg_temp.uuid7(at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7'
            || substr(md5(random()::text), 1, 3) || to_hex(8 + floor(random() * 4)::int)
            || substr(md5(random()::text), 1, 15))::uuid
$$;

CREATE TEMP TABLE load_users AS
SELECT id, row_number() OVER (ORDER BY email)::int AS n
FROM users WHERE email LIKE 'load-%@example.com';

DO $$ BEGIN
    IF (SELECT count(*) FROM load_users) = 0 THEN RAISE EXCEPTION 'no load users to seed'; END IF;
END $$;

UPDATE users u SET plan_id = (ARRAY['free', 'start', 'pro', 'business'])[1 + l.n % 4],
                   minutes_used = (l.n * 7) % 30, extra_minutes = (l.n % 3) * 10
FROM load_users l WHERE u.id = l.id;

-- Two teams of five: users 41-45 and 46-50 (when there are that many), owned by 41 and 46.
CREATE TEMP TABLE load_teams AS
SELECT gen_random_uuid() AS id, l.id AS owner_id, l.n AS first_n
FROM load_users l WHERE l.n IN (41, 46);
INSERT INTO teams (id, name, owner_id) SELECT id, 'Load team ' || first_n, owner_id FROM load_teams;
INSERT INTO team_members (team_id, user_id, role)
SELECT t.id, l.id, (ARRAY['owner', 'admin', 'member', 'member', 'viewer'])[1 + l.n - t.first_n]
FROM load_teams t JOIN load_users l ON l.n BETWEEN t.first_n AND t.first_n + 4;

CREATE TEMP TABLE load_membership AS
SELECT l.id AS user_id, l.n, m.team_id, t.owner_id
FROM load_users l LEFT JOIN team_members m ON m.user_id = l.id LEFT JOIN load_teams t ON t.id = m.team_id;

-- Videos: i = 1 is the newest. The three newest are still being processed, every tenth failed, the rest completed.
CREATE TEMP TABLE load_videos AS
SELECT pg_temp.uuid7(at) AS id, m.user_id, m.team_id, coalesce(m.owner_id, m.user_id) AS billed_to, m.n, i, at,
       CASE WHEN i = 1 THEN 'transcribing' WHEN i = 2 THEN 'analyzing' WHEN i = 3 THEN 'generating_clips'
            WHEN i % 10 = 0 THEN 'failed' ELSE 'completed' END AS status
FROM load_membership m,
     generate_series(1, 40) AS i,
     LATERAL (SELECT now() - make_interval(hours => i * 9, mins => m.n) AS at) t;

INSERT INTO videos (id, user_id, team_id, billed_to, title, status, source_kind, source_url, duration_seconds,
                    file_key, mime_type, size_bytes, error, created_at, updated_at)
SELECT id, user_id, team_id, billed_to, 'Выпуск подкаста №' || (41 - i) || ' — гость ' || n, status,
       CASE WHEN i % 4 = 0 THEN 'url' ELSE 'file' END,
       CASE WHEN i % 4 = 0 THEN 'https://rutube.ru/video/' || md5(id::text) || '/' END,
       600 + (i * 97 + n * 31) % 3000,
       'sources/' || id || '/source.mp4', 'video/mp4', 50000000 + (i * 7919 + n) % 900000000,
       CASE WHEN status = 'failed' THEN 'ffmpeg could not read the source' END, at, at
FROM load_videos;

-- Clips: four on each of the first 30 completed videos (120 per user). Of every ten: two published, one failed, one
-- rendering, one pending, five ready.
CREATE TEMP TABLE load_clips AS
SELECT pg_temp.uuid7(v.at + make_interval(mins => 20 + c % 4)) AS id, v.id AS video_id, v.user_id, v.n, c,
       CASE c % 10 WHEN 0 THEN 'published' WHEN 1 THEN 'published' WHEN 2 THEN 'failed'
                   WHEN 3 THEN 'rendering' WHEN 4 THEN 'pending' ELSE 'ready' END AS status,
       v.at + make_interval(mins => 20 + c % 4) AS at,
       40 + (c * 37 + v.n * 11) % 60 AS hook, 40 + (c * 53 + v.n * 7) % 60 AS engagement,
       40 + (c * 29 + v.n * 13) % 60 AS flow, 40 + (c * 71 + v.n * 3) % 60 AS trend
FROM (SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY i) AS k FROM load_videos WHERE status = 'completed') v,
     generate_series(1, 120) AS c
WHERE v.k = (c - 1) / 4 + 1;

INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, virality, cta, status, file_key, thumbnail_key,
                   error, created_at, updated_at)
SELECT id, video_id, user_id, 'Момент ' || c || ': как начать и не бросить', 60 * (c % 4) + 5, 60 * (c % 4) + 50,
       jsonb_build_object('hook', hook, 'engagement', engagement, 'flow', flow, 'trend', trend,
                          'total', (hook + engagement + flow + trend) / 4,
                          'reason', 'Сильное начало, конкретный совет и ясный вывод в конце.'),
       'Подпишитесь, чтобы не пропустить продолжение', status,
       CASE WHEN status IN ('ready', 'published') THEN 'clips/' || video_id || '/' || id || '.mp4' END,
       CASE WHEN status IN ('ready', 'published') THEN 'thumbs/' || video_id || '/' || id || '.jpg' END,
       CASE WHEN status = 'failed' THEN 'render failed' END, at, at
FROM load_clips;

-- Publications: every published clip on VK and Telegram (views on VK), every third also on Rutube; a failed Rutube
-- attempt on some; every fifth ready clip scheduled on VK for tomorrow.
INSERT INTO publications (clip_id, user_id, platform, status, platform_post_id, platform_url, published_at, views,
                          likes, shares, comments, title, stats_updated_at)
SELECT c.id, c.user_id, p.platform, 'published', md5(c.id::text || p.platform),
       'https://example.com/' || p.platform || '/' || md5(c.id::text), now() - make_interval(days => c.c % 45),
       CASE p.platform WHEN 'telegram' THEN 0 ELSE (c.c * 7919 + c.n * 104729) % 50000 END,
       CASE p.platform WHEN 'telegram' THEN 0 ELSE (c.c * 31 + c.n) % 2000 END,
       CASE p.platform WHEN 'telegram' THEN 0 ELSE (c.c * 7 + c.n) % 300 END,
       CASE p.platform WHEN 'telegram' THEN 0 ELSE (c.c * 3 + c.n) % 150 END,
       'Момент ' || c.c, now() - interval '1 hour'
FROM load_clips c
JOIN (VALUES ('vk'), ('telegram'), ('rutube')) AS p(platform) ON p.platform <> 'rutube' OR c.c % 3 = 0
WHERE c.status = 'published';

INSERT INTO publications (clip_id, user_id, platform, status, error, title)
SELECT id, user_id, 'rutube', 'failed', 'Rutube refused the upload', 'Момент ' || c
FROM load_clips WHERE status = 'published' AND c % 3 <> 0 AND c % 2 = 0;

INSERT INTO publications (clip_id, user_id, platform, status, scheduled_at, title)
SELECT id, user_id, 'vk', 'scheduled', now() + interval '1 day', 'Момент ' || c
FROM load_clips WHERE status = 'ready' AND c % 5 = 0;

-- A VK connection for every other workspace (a team's for the teams' owners; none for the other members).
INSERT INTO platform_connections (user_id, team_id, platform, account_id, account_name, access_token_encrypted, nonce,
                                  key_version, target_id, target_name)
SELECT m.user_id, m.team_id, 'vk', 'vk' || m.n, 'Load ' || m.n, '\x00', '\x00', 1, m.n::text, 'Load ' || m.n
FROM load_membership m
WHERE (m.team_id IS NULL AND m.n % 2 = 0) OR m.owner_id = m.user_id;

ANALYZE;

SELECT (SELECT count(*) FROM load_users) AS users, (SELECT count(*) FROM videos) AS videos,
       (SELECT count(*) FROM clips) AS clips, (SELECT count(*) FROM publications) AS publications,
       (SELECT count(*) FROM team_members) AS team_members;
