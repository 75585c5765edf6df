//! The dashboard's figures over HTTP against the real services: videos, clips, publications and a connection are
//! seeded with SQL for a user (and for another user whose rows must never count), then `dashboard/summary` is read
//! and compared with what the rows hold: the minutes meter of the paying plan, the counts, the recent videos, the
//! best clips and the first-run checklist; a team member sees the team's figures and the owner's minutes; anonymous
//! callers get 401.

use serde_json::Value;
use testkit::TestApp;
use uuid::Uuid;

/// A video of `user` (in `team`, or outside any team) in `status`; its id. Ids are UUID v7: later calls are newer.
async fn video(app: &TestApp, user: Uuid, team: Option<Uuid>, title: &str, status: &str) -> Uuid {
    let id = Uuid::now_v7();
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO videos (id, user_id, team_id, title, status, source_kind) VALUES ($1, $2, $3, $4, $5, 'file')",
            &[&id, &user, &team, &title, &status],
        )
        .await
        .expect("inserting a video");
    id
}

/// A clip of `video` in `status` with the virality total `score`; its id.
async fn clip(app: &TestApp, video: Uuid, user: Uuid, title: &str, status: &str, score: i32) -> Uuid {
    let id = Uuid::now_v7();
    let virality = serde_json::json!({ "total": score, "hook": score, "reason": "" });
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, status, virality)
             VALUES ($1, $2, $3, $4, 0, 30, $5, $6::text::jsonb)",
            &[&id, &video, &user, &title, &status, &virality.to_string()],
        )
        .await
        .expect("inserting a clip");
    id
}

/// A publication of `clip` on `platform` in `status` with `views`.
async fn publication(app: &TestApp, clip: Uuid, user: Uuid, platform: &str, status: &str, views: i64) {
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO publications (clip_id, user_id, platform, status, published_at, views)
             VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'published' THEN now() END, $5)",
            &[&clip, &user, &platform, &status, &views],
        )
        .await
        .expect("inserting a publication");
}

async fn summary(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = app.call(client, "dashboard/summary", &[]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v["id"].as_str().or(v["card"]["id"].as_str()).unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_new_user_sees_zeros_empty_lists_and_the_whole_checklist() {
    let app = TestApp::spawn().await;
    let (client, _, user) = app.signed_in().await;
    app.db.client().await.execute("UPDATE users SET email_verified_at = NULL WHERE id = $1", &[&user]).await.unwrap();
    let d = summary(&app, &client).await;
    assert_eq!(d["minutes"]["plan"], "free");
    assert_eq!(d["minutes"]["used"], 0);
    let free = domain::Plan::get(domain::PlanId::Free).minutes_per_month.unwrap();
    assert_eq!(
        (d["minutes"]["available"].as_u64(), d["minutes"]["left"].as_u64()),
        (Some(free.into()), Some(free.into()))
    );
    for figure in ["videos_processed", "clips_ready", "clips_published", "views"] {
        assert_eq!(d[figure], 0, "{figure}");
    }
    assert_eq!(d["recent_videos"], serde_json::json!([]));
    assert_eq!(d["best_clips"], serde_json::json!([]));
    assert_eq!(
        d["checklist"],
        serde_json::json!({ "email_confirmed": false, "first_video": false, "platform_connected": false })
    );
}

#[tokio::test]
async fn the_figures_equal_what_the_database_holds() {
    let app = TestApp::spawn().await;
    let (client, _, user) = app.signed_in().await;
    let db = app.db.client().await;
    db.execute("UPDATE users SET plan_id = 'start', minutes_used = 25, extra_minutes = 10 WHERE id = $1", &[&user])
        .await
        .unwrap();

    // Seven videos: five completed (one with clips), one transcribing, one failed.
    let talk = video(&app, user, None, "Разговор", "completed").await;
    let ready = clip(&app, talk, user, "Готовый", "ready", 90).await;
    let published = clip(&app, talk, user, "Опубликованный", "published", 70).await;
    clip(&app, talk, user, "Сломанный", "failed", 99).await;
    clip(&app, talk, user, "В работе", "rendering", 95).await;
    let mut newest = vec![];
    for i in 0..4 {
        newest.push(video(&app, user, None, &format!("Выпуск {i}"), "completed").await);
    }
    newest.push(video(&app, user, None, "Идёт", "transcribing").await);
    newest.push(video(&app, user, None, "Сорвалось", "failed").await);
    newest.reverse();

    publication(&app, published, user, "vk", "published", 1000).await;
    publication(&app, published, user, "telegram", "published", 0).await;
    publication(&app, published, user, "rutube", "failed", 5000).await;
    publication(&app, ready, user, "rutube", "published", 300).await;
    publication(&app, ready, user, "vk", "scheduled", 0).await;

    // Someone else's rows never count.
    let other = app.create_user(&testkit::mailbox::unique_address("other")).await;
    let theirs = video(&app, other, None, "Чужое", "completed").await;
    let their_clip = clip(&app, theirs, other, "Чужой клип", "ready", 100).await;
    publication(&app, their_clip, other, "vk", "published", 777_777).await;
    // Their connection is theirs; the user has none yet.
    let d = summary(&app, &client).await;
    assert_eq!(d["checklist"]["platform_connected"], false);
    db.execute(
        "INSERT INTO platform_connections (user_id, platform, account_id, access_token_encrypted, nonce, key_version)
         VALUES ($1, 'vk', 'x', '\\x00', '\\x00', 1)",
        &[&other],
    )
    .await
    .unwrap();
    assert_eq!(summary(&app, &client).await["checklist"]["platform_connected"], false);

    let start = domain::Plan::get(domain::PlanId::Start).minutes_per_month.unwrap();
    let d = summary(&app, &client).await;
    assert_eq!(d["minutes"]["plan"], "start");
    assert_eq!(d["minutes"]["used"], 25);
    assert_eq!(d["minutes"]["available"].as_u64(), Some(u64::from(start) + 10));
    assert_eq!(d["minutes"]["left"].as_u64(), Some(u64::from(start) + 10 - 25));
    assert_eq!(d["videos_processed"], 5);
    assert_eq!(d["clips_ready"], 2, "ready and published clips; not failed or rendering ones");
    assert_eq!(d["clips_published"], 2, "clips with a published publication");
    assert_eq!(d["views"], 1300, "published publications only");
    assert_eq!(ids(&d["recent_videos"]), newest[..5].iter().map(Uuid::to_string).collect::<Vec<_>>());
    assert_eq!(d["recent_videos"][0]["status"], "failed");
    assert_eq!(ids(&d["best_clips"]), [ready.to_string(), published.to_string()], "finished clips, best first");
    assert_eq!(d["best_clips"][0]["video_title"], "Разговор");
    assert_eq!(
        d["checklist"],
        serde_json::json!({ "email_confirmed": true, "first_video": true, "platform_connected": false })
    );

    db.execute(
        "INSERT INTO platform_connections (user_id, platform, account_id, access_token_encrypted, nonce, key_version)
         VALUES ($1, 'telegram', 'y', '\\x00', '\\x00', 1)",
        &[&user],
    )
    .await
    .unwrap();
    assert_eq!(summary(&app, &client).await["checklist"]["platform_connected"], true);
}

#[tokio::test]
async fn a_team_member_sees_the_teams_figures_and_the_owners_minutes() {
    let app = TestApp::spawn().await;
    let (owner, _, owner_id) = app.signed_in().await;
    let db = app.db.client().await;
    db.execute("UPDATE users SET plan_id = 'pro', minutes_used = 400 WHERE id = $1", &[&owner_id]).await.unwrap();
    assert_eq!(app.call(&owner, "team/create", &[("name", "Студия")]).await.status(), 200);
    let team: Uuid = db.query_one("SELECT id FROM teams WHERE owner_id = $1", &[&owner_id]).await.unwrap().get(0);
    let (member, _, member_id) = app.signed_in().await;
    db.execute("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, 'viewer')", &[&team, &member_id])
        .await
        .unwrap();
    let shared = video(&app, owner_id, Some(team), "Командное", "completed").await;
    let c = clip(&app, shared, owner_id, "Командный клип", "ready", 80).await;
    publication(&app, c, owner_id, "vk", "published", 42).await;
    db.execute(
        "INSERT INTO platform_connections (user_id, team_id, platform, account_id, access_token_encrypted, nonce,
                                           key_version)
         VALUES ($1, $2, 'vk', 'x', '\\x00', '\\x00', 1)",
        &[&owner_id, &team],
    )
    .await
    .unwrap();

    let pro = domain::Plan::get(domain::PlanId::Pro).minutes_per_month.unwrap();
    for client in [&owner, &member] {
        let d = summary(&app, client).await;
        assert_eq!((d["minutes"]["plan"].as_str(), d["minutes"]["used"].as_u64()), (Some("pro"), Some(400)));
        assert_eq!(d["minutes"]["left"].as_u64(), Some(u64::from(pro) - 400));
        assert_eq!((d["videos_processed"].as_u64(), d["clips_ready"].as_u64()), (Some(1), Some(1)));
        assert_eq!((d["clips_published"].as_u64(), d["views"].as_i64()), (Some(1), Some(42)));
        assert_eq!(ids(&d["recent_videos"]), [shared.to_string()]);
        assert_eq!(d["checklist"]["platform_connected"], true, "the team's connection");
    }
    // Outside the team nothing of it shows.
    let (outsider, _, _) = app.signed_in().await;
    let d = summary(&app, &outsider).await;
    assert_eq!((d["videos_processed"].as_u64(), d["views"].as_i64()), (Some(0), Some(0)));
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    let app = TestApp::spawn().await;
    let res = app.call(&app.browser(), "dashboard/summary", &[]).await;
    assert_eq!(res.status(), 401);
}
