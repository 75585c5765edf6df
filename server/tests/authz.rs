//! The authorization matrix: every server function and HTTP route has a row here, and every row that takes a video,
//! clip or upload id is called by eight callers — the owner, an admin, a member (who made the rows), a viewer of
//! the team, a member of another team, a user in no team, a site operator (who sees nobody's videos), and an
//! anonymous visitor — against fresh rows of the team. The admin console's rows are called by the same eight: only
//! the operator gets through.
//! Refusals are 401 for the anonymous, 404 for a row the caller may not see (no existence leak) and 403 for a row
//! they see but may not change; anything else counts as allowed. `every_endpoint_has_a_row` enumerates what the
//! server registers, so a new endpoint without a row fails it.

use std::collections::BTreeSet;

use domain::{Action, TeamRole};
use testkit::TestApp;
use uuid::Uuid;

/// How an endpoint is authorised.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Takes no row id: public, or about the caller's own account and team (covered by the accounts and teams
    /// tests). The text says which.
    NoId(&'static str),
    /// A video of the team, needing this action; the arguments (`$video`, `$clip` are filled in).
    Video(Action, &'static [(&'static str, &'static str)]),
    /// A clip of the team, needing this action.
    Clip(Action, &'static [(&'static str, &'static str)]),
    /// An upload in progress: its uploader only (404 for everyone else, who cannot see an unfinished upload).
    Uploader(&'static [(&'static str, &'static str)]),
    /// The admin console: site operators only (404 for everyone else, 401 for the anonymous). `$user` is a fresh
    /// user, `$job` a fresh dead job of the cleanup queue.
    Operator(&'static [(&'static str, &'static str)]),
}

fn table() -> Vec<(&'static str, Rule)> {
    use Action::*;
    use Rule::*;
    const VIDEO: &[(&str, &str)] = &[("video_id", "$video")];
    const CLIP: &[(&str, &str)] = &[("clip_id", "$clip")];
    const PATH: &[(&str, &str)] = &[];
    vec![
        ("/api/auth/register", NoId("public: creates an account")),
        ("/api/auth/login", NoId("public: signs in")),
        ("/api/auth/logout", NoId("own session")),
        ("/api/auth/logout-everywhere", NoId("own sessions")),
        ("/api/auth/verify-email", NoId("public: a mailed token")),
        ("/api/auth/resend-verification", NoId("own account")),
        ("/api/auth/forgot-password", NoId("public: mails a token")),
        ("/api/auth/reset-password", NoId("public: a mailed token")),
        ("/api/auth/vk-enabled", NoId("public: a setting")),
        ("/api/user/me", NoId("own account")),
        ("/api/user/update-profile", NoId("own account")),
        ("/api/user/update-settings", NoId("own account")),
        ("/api/user/clip-preferences", NoId("own account")),
        ("/api/videos/list", NoId("lists what the caller sees (teams.rs)")),
        ("/api/videos/demo", NoId("creates in the caller's workspace; viewers refused (teams.rs)")),
        ("/api/videos/upload/start", NoId("creates in the caller's workspace; viewers refused (teams.rs)")),
        ("/api/videos/import", NoId("creates in the caller's workspace; viewers refused (teams.rs)")),
        ("/api/vault/handoff-key", NoId("public key, signed-in callers")),
        ("/api/vault/test-key", NoId("the caller's own sealed key, bound to their id (handoff.rs)")),
        ("/api/clips/list", NoId("lists what the caller sees (teams.rs)")),
        ("/api/team/create", NoId("own team")),
        ("/api/team/get", NoId("own team")),
        ("/api/team/members", NoId("own team")),
        ("/api/team/rename", NoId("own team, by role (teams.rs)")),
        ("/api/team/invite", NoId("own team, by role (teams.rs)")),
        ("/api/team/revoke", NoId("own team's invites, by role (teams.rs)")),
        ("/api/team/invite-preview", NoId("public: an invite token")),
        ("/api/team/accept", NoId("an invite token")),
        ("/api/team/role", NoId("members of the own team, by role (teams.rs)")),
        ("/api/team/remove", NoId("members of the own team, by role (teams.rs)")),
        ("/api/team/leave", NoId("own membership")),
        ("/api/team/transfer", NoId("own team, owner only (teams.rs)")),
        ("/api/team/delete", NoId("own team, owner only (teams.rs)")),
        ("/api/billing/subscription", NoId("own account")),
        ("/api/billing/plans", NoId("signed-in callers: the price list")),
        ("/api/billing/checkout", NoId("own account")),
        ("/api/billing/cancel", NoId("own subscription")),
        ("/api/billing/reactivate", NoId("own subscription")),
        ("/api/billing/check-payment-status", NoId("own payments; another user's payment is 404 (billing.rs)")),
        ("/api/billing/webhook", NoId("YooKassa's networks only, then what the API says (billing.rs)")),
        ("/api/platform/list", NoId("the caller's workspace's connections (platforms.rs)")),
        ("/api/platform/connect", NoId("the caller's workspace, owners and admins only (platforms.rs)")),
        ("/api/platform/disconnect", NoId("the caller's workspace, owners and admins only (platforms.rs)")),
        ("/api/platform/test-connection", NoId("the caller's workspace's connection (platforms.rs)")),
        ("/api/platform/vk-targets", NoId("the caller's workspace's VK connection, managers only (publish.rs vk)")),
        ("/api/platform/vk-target", NoId("the caller's workspace's VK connection, managers only (publish.rs vk)")),
        ("/api/analytics/overview", NoId("the caller's workspace's figures (analytics.rs)")),
        ("/api/analytics/by-platform", NoId("the caller's workspace's figures (analytics.rs)")),
        ("/api/analytics/top-clips", NoId("the caller's workspace's figures (analytics.rs)")),
        ("/api/analytics/timeline", NoId("the caller's workspace's figures (analytics.rs)")),
        ("/api/analytics/export.csv", NoId("the caller's workspace's figures as CSV (analytics.rs)")),
        ("/api/dashboard/summary", NoId("the caller's workspace's figures (dashboard.rs)")),
        ("/api/health", NoId("public: health")),
        ("/api/events", NoId("the caller's own live channel")),
        ("/metrics", NoId("operators: bearer token (health tests)")),
        ("/auth/vk/start", NoId("public: VK ID sign-in")),
        ("/auth/vk/callback", NoId("public: VK ID sign-in")),
        ("/settings/platforms/vk/start", NoId("the signed-in user's workspace; managers only (publish.rs vk)")),
        ("/settings/platforms/vk/callback", NoId("bound to the user and browser that started it (publish.rs vk)")),
        ("/api/videos/get", Video(View, VIDEO)),
        ("/api/videos/transcript", Video(View, VIDEO)),
        ("/api/videos/clips", Video(View, VIDEO)),
        ("/api/videos/delete", Video(Edit, VIDEO)),
        ("/api/videos/{video}/source", Video(Download, PATH)),
        ("/api/videos/{video}/{file}", Video(Download, PATH)),
        ("/api/clips/get", Clip(View, CLIP)),
        ("/api/clips/update", Clip(Edit, &[("clip_id", "$clip"), ("title", "Новое"), ("cta", "")])),
        ("/api/clips/restyle", Clip(Render, &[("clip_id", "$clip"), ("style", "classic"), ("layout", "crop")])),
        ("/api/clips/download-url", Clip(Download, CLIP)),
        ("/api/clips/{clip}/stream", Clip(Download, PATH)),
        ("/api/clips/{clip}/thumbnail", Clip(View, PATH)),
        ("/api/clips/{clip}/captions", Clip(Download, PATH)),
        ("/api/videos/{video}/timeline/{file}", Video(View, PATH)),
        ("/api/clips/editor", Clip(View, CLIP)),
        ("/api/publish/status", Clip(View, CLIP)),
        (
            "/api/publish/publish",
            Clip(
                Publish,
                &[
                    ("clip_id", "$clip"),
                    ("targets", r#"[{"platform":"telegram","text":{"title":"T","description":"","hashtags":[]}}]"#),
                ],
            ),
        ),
        ("/api/publish/retry", Clip(Publish, &[("clip_id", "$clip"), ("platform", "telegram")])),
        ("/api/clips/save-edit", Clip(Render, &[("clip_id", "$clip"), ("edit", r#"{"start":12,"end":40}"#)])),
        ("/api/videos/upload/part-url", Uploader(&[("video_id", "$video"), ("part", "1")])),
        ("/api/videos/upload/parts", Uploader(VIDEO)),
        ("/api/videos/upload/complete", Uploader(VIDEO)),
        ("/api/videos/upload/abort", Uploader(VIDEO)),
        ("/api/uploads/{video}/parts/{n}", Uploader(PATH)),
        ("/api/admin/users", Operator(&[("search", ""), ("plan", ""), ("status", ""), ("signed_up", "")])),
        ("/api/admin/user", Operator(&[("user_id", "$user")])),
        ("/api/admin/set-plan", Operator(&[("user_id", "$user"), ("plan", "pro")])),
        ("/api/admin/grant-minutes", Operator(&[("user_id", "$user"), ("minutes", "30")])),
        ("/api/admin/block", Operator(&[("user_id", "$user")])),
        ("/api/admin/unblock", Operator(&[("user_id", "$user")])),
        ("/api/admin/queues", Operator(&[])),
        ("/api/admin/dead-jobs", Operator(&[])),
        ("/api/admin/retry-job", Operator(&[("queue", "cleanup"), ("job_id", "$job")])),
        ("/api/admin/discard-job", Operator(&[("queue", "cleanup"), ("job_id", "$job")])),
        ("/api/admin/costs", Operator(&[])),
        ("/api/admin/audit", Operator(&[])),
    ]
}

#[test]
fn every_endpoint_has_a_row() {
    let registered: BTreeSet<String> = server::server_function_paths()
        .into_iter()
        .chain(server::http_routes().into_iter().map(|(p, _)| p.to_owned()))
        .collect();
    let rows: BTreeSet<String> = table().into_iter().map(|(p, _)| p.to_owned()).collect();
    for (path, rule) in table() {
        if let Rule::NoId(why) = rule {
            assert!(!why.trim().is_empty(), "{path}: say why it takes no id");
        }
    }
    let missing: Vec<_> = registered.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&registered).collect();
    assert!(missing.is_empty(), "endpoints without a row in the authorization matrix: {missing:?}");
    assert!(stale.is_empty(), "rows for endpoints that no longer exist: {stale:?}");
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Role(TeamRole),
    OtherTeam,
    NoTeam,
    /// A site operator in no team: the admin console, nobody's videos.
    Operator,
    Anonymous,
}

/// A dead job of the cleanup queue (as the runtime leaves one after the last attempt); its id.
async fn dead_job(app: &TestApp) -> Uuid {
    use fred::prelude::ListInterface as _;
    let id = Uuid::now_v7();
    let letter = serde_json::json!({
        "job": {
            "id": id, "name": "authz-noop", "queue": "cleanup", "priority": 3, "attempt": 3, "payload": {},
            "subject": null, "enqueued_at_ms": 0, "last_error": "boom"
        },
        "error": "boom",
        "failed_at_ms": 0
    });
    let key = app.state.redis.key("q:cleanup:dead");
    let _: i64 = app.state.redis.client().lpush(key, letter.to_string()).await.unwrap();
    id
}

/// An upload in progress started by `creator` (a real multipart upload).
async fn pending_upload(app: &TestApp, creator: Uuid) -> Uuid {
    let actor = backend::teams::actor(&app.state, creator).await.unwrap();
    let head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41";
    backend::uploads::start(&app.state, &actor, "talk.mp4", "video/mp4", 1000, head).await.unwrap().video_id
}

/// Calls `path` as `client` with `args` (`$video` and `$clip` filled in); returns the status.
async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    args: &[(&str, &str)],
    video: Uuid,
    clip: Uuid,
) -> u16 {
    let fill = |v: &str| {
        v.replace("$video", &video.to_string())
            .replace("$clip", &clip.to_string())
            .replace("$user", &video.to_string())
            .replace("$job", &clip.to_string())
    };
    if path.contains('{') {
        let url = format!("{}{}", app.url, path)
            .replace("{video}", &video.to_string())
            .replace("{clip}", &clip.to_string())
            .replace("timeline/{file}", "timeline/peaks.u8")
            .replace("{file}", "transcript.srt")
            .replace("{n}", "1");
        let req = if path.starts_with("/api/uploads/") {
            client.put(url).header("Content-Length", "4").body("abcd")
        } else {
            client.get(url)
        };
        return req.send().await.unwrap().status().as_u16();
    }
    let form: Vec<(String, String)> = args.iter().map(|(k, v)| ((*k).to_owned(), fill(v))).collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(client, path.trim_start_matches("/api/"), &form).await.status().as_u16()
}

fn verdict(status: u16) -> &'static str {
    match status {
        401 => "401",
        403 => "403",
        404 => "404",
        _ => "allowed",
    }
}

#[tokio::test]
async fn each_caller_gets_exactly_what_their_role_allows_on_every_endpoint_with_an_id() {
    // Eight people sign in from one address and call about a hundred and fifty times.
    let app = TestApp::spawn_with(|env| {
        env.insert("AUTH_ATTEMPTS_PER_MINUTE", "1000".into());
        env.insert("RATE_API_PER_MINUTE", "100000".into());
    })
    .await;
    let (owner, _, owner_id) = app.signed_in().await;
    app.db.client().await.execute("UPDATE users SET plan_id = 'business' WHERE id = $1", &[&owner_id]).await.unwrap();
    assert_eq!(app.call(&owner, "team/create", &[("name", "Студия")]).await.status(), 200);
    let team: Uuid =
        app.db.client().await.query_one("SELECT id FROM teams WHERE owner_id = $1", &[&owner_id]).await.unwrap().get(0);
    let mut clients = vec![(Caller::Role(TeamRole::Owner), owner)];
    let mut member_id = Uuid::nil();
    for role in [TeamRole::Admin, TeamRole::Member, TeamRole::Viewer] {
        let (client, _, id) = app.signed_in().await;
        app.db
            .client()
            .await
            .execute(
                "INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3)",
                &[&team, &id, &role.to_string()],
            )
            .await
            .unwrap();
        if role == TeamRole::Member {
            member_id = id;
        }
        clients.push((Caller::Role(role), client));
    }
    let (other_owner, _, other_id) = app.signed_in().await;
    app.db.client().await.execute("UPDATE users SET plan_id = 'pro' WHERE id = $1", &[&other_id]).await.unwrap();
    assert_eq!(app.call(&other_owner, "team/create", &[("name", "Другая")]).await.status(), 200);
    clients.push((Caller::OtherTeam, other_owner));
    clients.push((Caller::NoTeam, app.signed_in().await.0));
    let (operator, _, operator_id) = app.signed_in().await;
    app.db.client().await.execute("UPDATE users SET is_admin = true WHERE id = $1", &[&operator_id]).await.unwrap();
    clients.push((Caller::Operator, operator));
    clients.push((Caller::Anonymous, app.browser()));

    let mut unexpected = Vec::new();
    let mut checked = 0;
    for (path, rule) in table() {
        let (action, args) = match rule {
            Rule::NoId(_) | Rule::Operator(_) => continue,
            Rule::Video(a, args) | Rule::Clip(a, args) => (Some(a), args),
            Rule::Uploader(args) => (None, args),
        };
        // The uploader goes last: their call may finish or cancel the upload the others were refused.
        let upload = match action {
            None => Some(pending_upload(&app, member_id).await),
            Some(_) => None,
        };
        let mut order: Vec<&(Caller, reqwest::Client)> = clients.iter().collect();
        order.sort_by_key(|(c, _)| *c == Caller::Role(TeamRole::Member));
        for (caller, client) in order {
            let expected = match (caller, action) {
                (Caller::Anonymous, _) => "401",
                (Caller::OtherTeam | Caller::NoTeam | Caller::Operator, _) => "404",
                (Caller::Role(TeamRole::Member), None) => "allowed",
                (Caller::Role(_), None) => "404",
                (Caller::Role(role), Some(a)) => {
                    if domain::teams::allows(*role, a) {
                        "allowed"
                    } else {
                        "403"
                    }
                }
            };
            let (video, clip) = match upload {
                Some(v) => (v, Uuid::nil()),
                None => app.ready_clip(member_id, Some(team), b"0123456789abcdef").await,
            };
            let got = verdict(call(&app, client, path, args, video, clip).await);
            checked += 1;
            if got != expected {
                unexpected.push(format!("{path} as {caller:?}: expected {expected}, got {got}"));
            }
        }
    }
    // The admin console: operators get through; everyone else gets 404 (the anonymous 401), whatever they send.
    let mut operator_rows = 0;
    for (path, rule) in table() {
        let Rule::Operator(args) = rule else { continue };
        operator_rows += 1;
        for (caller, client) in &clients {
            let expected = match caller {
                Caller::Anonymous => "401",
                Caller::Operator => "allowed",
                _ => "404",
            };
            let user = app.create_user(&testkit::mailbox::unique_address("target")).await;
            let job = dead_job(&app).await;
            let got = verdict(call(&app, client, path, args, user, job).await);
            checked += 1;
            if got != expected {
                unexpected.push(format!("{path} as {caller:?}: expected {expected}, got {got}"));
            }
        }
    }
    assert_eq!(operator_rows, 12, "every admin server function has a row");
    assert!(checked >= 21 * 8, "every row with an id was called by every caller ({checked})");
    assert!(unexpected.is_empty(), "{} unexpected results:\n{}", unexpected.len(), unexpected.join("\n"));
}
