//! Analytics over HTTP against the real services: publications and the stats collector's samples are seeded with SQL
//! for a user (and for another user whose numbers must never show), then the four server functions, the CSV export
//! and the server-rendered page are read: overview sums, the by-platform table (Telegram's figures not available,
//! not zero), the top clips' order, the views-by-day series, the CSV's lines and headers, team workspaces, and
//! refusals (anonymous 401, impossible periods 422).

use domain::analytics::{DAY, day_start, iso_date};
use serde_json::Value;
use testkit::TestApp;
use uuid::Uuid;

/// A completed video of `user` (in `team`, or outside any team) with one ready clip titled `title`; the clip's id.
async fn clip(app: &TestApp, user: Uuid, team: Option<Uuid>, title: &str) -> Uuid {
    let (video, clip) = (Uuid::now_v7(), Uuid::now_v7());
    let db = app.db.client().await;
    db.execute(
        "INSERT INTO videos (id, user_id, team_id, title, status, source_kind) VALUES ($1, $2, $3, 'talk', 'completed', 'file')",
        &[&video, &user, &team],
    )
    .await
    .expect("inserting a video");
    db.execute(
        "INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, status) VALUES ($1, $2, $3, $4, 0, 30, 'published')",
        &[&clip, &video, &user, &title],
    )
    .await
    .expect("inserting a clip");
    clip
}

/// The latest counters of a publication.
#[derive(Clone, Copy)]
struct Figures {
    views: i64,
    likes: i64,
    shares: i64,
    comments: i64,
}

const NONE: Figures = Figures { views: 0, likes: 0, shares: 0, comments: 0 };

/// A publication of `clip` on `platform` in `status`, published at `at` (Unix seconds; `None`: not published).
async fn publication(
    app: &TestApp,
    clip: Uuid,
    user: Uuid,
    platform: &str,
    status: &str,
    at: Option<i64>,
    f: Figures,
) -> Uuid {
    let id = Uuid::now_v7();
    let url = format!("https://example.com/{platform}/{id}");
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO publications (id, clip_id, user_id, platform, status, platform_url, published_at, views, likes,
                                       shares, comments)
             VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::bigint), $8, $9, $10, $11)",
            &[&id, &clip, &user, &platform, &status, &url, &at, &f.views, &f.likes, &f.shares, &f.comments],
        )
        .await
        .expect("inserting a publication");
    id
}

/// One of the stats collector's samples: `views` of `publication` at `at`.
async fn sample(app: &TestApp, publication: Uuid, at: i64, views: i64) {
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO publication_stats (publication_id, taken_at, views, likes, shares, comments)
             VALUES ($1, to_timestamp($2::bigint), $3, 0, 0, 0)",
            &[&publication, &at, &views],
        )
        .await
        .expect("inserting a sample");
}

/// What [`seeded`] made.
struct Seeded {
    app: TestApp,
    client: reqwest::Client,
    /// The user's email address.
    email: String,
    /// Start of today (UTC).
    today: i64,
    /// «Как начать: три шага»: VK (1000 views) and Telegram.
    first: Uuid,
    /// «Вторая часть»: Rutube (400 views), and a failed VK attempt.
    second: Uuid,
    /// «Только в Telegram».
    telegram_only: Uuid,
    /// «Старый выпуск»: VK 40 days ago (9999 views).
    old: Uuid,
}

/// A signed-in user with four published clips, and another user with a clip of their own.
async fn seeded() -> Seeded {
    let app = TestApp::spawn().await;
    let (client, email, user) = app.signed_in().await;
    let today = day_start(chrono::Utc::now().timestamp());
    let (d2, d1) = (today - 2 * DAY, today - DAY);

    let first = clip(&app, user, None, "Как начать: три шага").await;
    let vk = publication(
        &app,
        first,
        user,
        "vk",
        "published",
        Some(d2 + 3600),
        Figures { views: 1000, likes: 50, shares: 10, comments: 5 },
    )
    .await;
    publication(&app, first, user, "telegram", "published", Some(d2 + 7200), NONE).await;
    sample(&app, vk, d2 + 4 * 3600, 300).await;
    sample(&app, vk, d1 + 4 * 3600, 800).await;
    sample(&app, vk, today + 60, 1000).await;

    let second = clip(&app, user, None, "Вторая часть").await;
    let rutube = publication(
        &app,
        second,
        user,
        "rutube",
        "published",
        Some(d1 + 3600),
        Figures { views: 400, likes: 80, shares: 4, comments: 2 },
    )
    .await;
    sample(&app, rutube, d1 + 5 * 3600, 100).await;
    sample(&app, rutube, today + 120, 400).await;
    // A failed attempt never counts.
    let failed = Figures { views: 123_456, likes: 1, shares: 1, comments: 1 };
    publication(&app, second, user, "vk", "failed", None, failed).await;

    let telegram_only = clip(&app, user, None, "Только в Telegram").await;
    publication(&app, telegram_only, user, "telegram", "published", Some(d1), NONE).await;

    let old = clip(&app, user, None, "Старый выпуск").await;
    let old_vk = publication(
        &app,
        old,
        user,
        "vk",
        "published",
        Some(today - 40 * DAY),
        Figures { views: 9999, likes: 9, shares: 9, comments: 9 },
    )
    .await;
    sample(&app, old_vk, today - 40 * DAY + 3600, 9999).await;

    // Someone else's numbers.
    let other = app.create_user(&testkit::mailbox::unique_address("other")).await;
    let theirs = clip(&app, other, None, "Чужой клип").await;
    let foreign = publication(
        &app,
        theirs,
        other,
        "vk",
        "published",
        Some(d1),
        Figures { views: 777_777, likes: 7777, shares: 777, comments: 77 },
    )
    .await;
    sample(&app, foreign, today + 60, 777_777).await;

    Seeded { app, client, email, today, first, second, telegram_only, old }
}

async fn call(app: &TestApp, client: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> Value {
    let res = app.call(client, &format!("analytics/{name}"), form).await;
    assert_eq!(res.status(), 200, "{name}: {}", res.text().await.unwrap());
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_overview_sums_the_periods_publications_and_counts_published_clips() {
    let s = seeded().await;
    // The default period: the last 30 days.
    let o = call(&s.app, &s.client, "overview", &[]).await;
    assert_eq!((o["views"].as_i64(), o["likes"].as_i64()), (Some(1400), Some(130)));
    assert_eq!((o["shares"].as_i64(), o["comments"].as_i64()), (Some(14), Some(7)));
    assert_eq!(o["published_clips"], 3, "two with VK or Rutube, one on Telegram only");
    assert_eq!(o["publications"], 4);
    assert_eq!(o["without_stats"], 2, "the Telegram posts");
    assert_eq!(o["any_published"], true);
    assert_eq!(o["period"]["to"].as_i64(), Some(s.today));
    assert_eq!(o["period"]["from"].as_i64(), Some(s.today - 29 * DAY));
    assert_eq!(o, call(&s.app, &s.client, "overview", &[("days", "30")]).await);

    // 90 days reach the old clip.
    let o = call(&s.app, &s.client, "overview", &[("days", "90")]).await;
    assert_eq!((o["views"].as_i64(), o["published_clips"].as_i64()), (Some(1400 + 9999), Some(4)));
    // Two days back to yesterday: only the Rutube and Telegram-only clips.
    let (from, to) = ((s.today - DAY).to_string(), (s.today - DAY + 10).to_string());
    let o = call(&s.app, &s.client, "overview", &[("from", &from), ("to", &to)]).await;
    assert_eq!((o["views"].as_i64(), o["published_clips"].as_i64()), (Some(400), Some(2)));
}

#[tokio::test]
async fn by_platform_has_vk_rutube_and_telegram_whose_figures_are_not_available() {
    let s = seeded().await;
    let rows = call(&s.app, &s.client, "by-platform", &[("days", "30")]).await;
    let rows = rows.as_array().unwrap();
    let platforms: Vec<&str> = rows.iter().map(|r| r["platform"].as_str().unwrap()).collect();
    assert_eq!(platforms, ["vk", "rutube", "telegram"]);
    let (vk, rutube, telegram) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(
        (vk["publications"].as_i64(), vk["views"].as_i64(), vk["likes"].as_i64()),
        (Some(1), Some(1000), Some(50))
    );
    assert_eq!((vk["shares"].as_i64(), vk["comments"].as_i64()), (Some(10), Some(5)));
    assert_eq!((rutube["publications"].as_i64(), rutube["views"].as_i64()), (Some(1), Some(400)));
    assert_eq!((telegram["publications"].as_i64(), telegram["published_clips"].as_i64()), (Some(2), Some(2)));
    for figure in ["views", "likes", "shares", "comments"] {
        assert!(telegram[figure].is_null(), "Telegram {figure} must be not available, not {}", telegram[figure]);
    }
}

#[tokio::test]
async fn top_clips_are_ordered_by_views_and_link_the_clips() {
    let s = seeded().await;
    let top = call(&s.app, &s.client, "top-clips", &[]).await;
    let top = top.as_array().unwrap();
    let ids: Vec<&str> = top.iter().map(|c| c["clip_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [s.first.to_string(), s.second.to_string(), s.telegram_only.to_string()]);
    assert_eq!(top[0]["title"], "Как начать: три шага");
    assert_eq!(top[0]["platforms"], serde_json::json!(["vk", "telegram"]));
    assert_eq!((top[0]["views"].as_i64(), top[0]["likes"].as_i64()), (Some(1000), Some(50)));
    assert_eq!(top[1]["views"], 400);
    assert!(top[2]["views"].is_null(), "a Telegram-only clip has no views to show");
    let with_old = call(&s.app, &s.client, "top-clips", &[("days", "90")]).await;
    assert_eq!(with_old[0]["clip_id"], s.old.to_string());
}

#[tokio::test]
async fn the_timeline_has_each_days_total_views_from_the_samples() {
    let s = seeded().await;
    let series = call(&s.app, &s.client, "timeline", &[("days", "7")]).await;
    let series = series.as_array().unwrap();
    assert_eq!(series.len(), 7);
    let points: Vec<(i64, i64)> =
        series.iter().map(|p| (p["day"].as_i64().unwrap(), p["views"].as_i64().unwrap())).collect();
    let t = s.today;
    assert_eq!(
        points,
        vec![
            (t - 6 * DAY, 0),
            (t - 5 * DAY, 0),
            (t - 4 * DAY, 0),
            (t - 3 * DAY, 0),
            (t - 2 * DAY, 300),
            (t - DAY, 800 + 100),
            (t, 1000 + 400),
        ]
    );
    // The chart ends where the views card does.
    let o = call(&s.app, &s.client, "overview", &[("days", "7")]).await;
    assert_eq!(o["views"].as_i64(), Some(points[6].1));

    let (from, to) = ((t - 2 * DAY).to_string(), t.to_string());
    let short = call(&s.app, &s.client, "timeline", &[("from", &from), ("to", &to)]).await;
    let views: Vec<i64> = short.as_array().unwrap().iter().map(|p| p["views"].as_i64().unwrap()).collect();
    assert_eq!(views, [300, 900, 1400]);
}

#[tokio::test]
async fn the_csv_has_one_line_per_publication_with_headers_in_the_users_language() {
    let s = seeded().await;
    let res = s.client.get(format!("{}/api/analytics/export.csv?days=30", s.app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(res.headers()["content-disposition"], r#"attachment; filename="clipmaker-analytics.csv""#);
    let body = res.text().await.unwrap();
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark for spreadsheets");
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Клип,Площадка,Ссылка,Дата публикации,Просмотры,Лайки,Репосты,Комментарии");
    assert_eq!(lines.len(), 5, "{body}");
    let (d2, d1) = (iso_date(s.today - 2 * DAY), iso_date(s.today - DAY));
    assert!(lines[1].starts_with("Как начать: три шага,ВКонтакте,https://example.com/vk/"), "{}", lines[1]);
    assert!(lines[1].ends_with(&format!(",{d2},1000,50,10,5")), "{}", lines[1]);
    assert!(lines[2].starts_with("Как начать: три шага,Telegram,https://example.com/telegram/"), "{}", lines[2]);
    assert!(lines[2].ends_with(&format!(",{d2},,,,")), "Telegram's figures are empty, not zero: {}", lines[2]);
    assert!(lines[3].starts_with("Только в Telegram,Telegram,"), "{}", lines[3]);
    assert!(lines[4].starts_with("Вторая часть,Rutube,") && lines[4].ends_with(&format!(",{d1},400,80,4,2")));
    assert!(!body.contains("Чужой") && !body.contains("777777"), "another user's publication leaked");
    assert!(!body.contains("123456"), "a failed publication was exported");

    // In English for an English UI.
    let (en, _) = s.app.sign_in_with(s.app.browser_in("en"), &s.email, testkit::TEST_PASSWORD).await;
    let body = en.get(format!("{}/api/analytics/export.csv", s.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("Clip,Platform,Link,Published,Views,Likes,Shares,Comments\r\n"), "{body}");
    assert!(body.contains(",VK,"));
}

#[tokio::test]
async fn another_users_publications_never_show() {
    let s = seeded().await;
    let (stranger, _, _) = s.app.signed_in().await;
    let o = call(&s.app, &stranger, "overview", &[]).await;
    assert_eq!((o["views"].as_i64(), o["published_clips"].as_i64()), (Some(0), Some(0)));
    assert_eq!(o["any_published"], false);
    let rows = call(&s.app, &stranger, "by-platform", &[]).await;
    assert!(rows.as_array().unwrap().iter().all(|r| r["publications"] == 0));
    assert_eq!(call(&s.app, &stranger, "top-clips", &[]).await, serde_json::json!([]));
    let series = call(&s.app, &stranger, "timeline", &[]).await;
    assert!(series.as_array().unwrap().iter().all(|p| p["views"] == 0));
    // And the seeded user's figures hold nothing of the other user's.
    let o = call(&s.app, &s.client, "overview", &[]).await;
    assert!(o["views"].as_i64().unwrap() < 777_777);
}

#[tokio::test]
async fn a_team_sees_the_clips_its_members_published_and_viewers_may_look() {
    let app = TestApp::spawn().await;
    let (owner, _, owner_id) = app.signed_in().await;
    let db = app.db.client().await;
    db.execute("UPDATE users SET plan_id = 'business' WHERE id = $1", &[&owner_id]).await.unwrap();
    assert_eq!(app.call(&owner, "team/create", &[("name", "Студия")]).await.status(), 200);
    let team: Uuid = db.query_one("SELECT id FROM teams WHERE owner_id = $1", &[&owner_id]).await.unwrap().get(0);
    let mut members = Vec::new();
    for role in ["member", "viewer"] {
        let (client, _, id) = app.signed_in().await;
        db.execute("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3)", &[&team, &id, &role])
            .await
            .unwrap();
        members.push((client, id));
    }
    let now = chrono::Utc::now().timestamp();
    let shared = clip(&app, members[0].1, Some(team), "Командный клип").await;
    let f = Figures { views: 250, likes: 5, shares: 1, comments: 0 };
    publication(&app, shared, members[0].1, "vk", "published", Some(now - 3600), f).await;
    // The member's own clip from before they joined stays theirs alone.
    let own = clip(&app, members[0].1, None, "Личный клип").await;
    publication(&app, own, members[0].1, "rutube", "published", Some(now - 3600), Figures { views: 40, ..f }).await;

    for client in [&owner, &members[1].0] {
        let o = call(&app, client, "overview", &[]).await;
        assert_eq!((o["views"].as_i64(), o["published_clips"].as_i64()), (Some(250), Some(1)));
        let top = call(&app, client, "top-clips", &[]).await;
        assert_eq!(top[0]["clip_id"], shared.to_string());
    }
    let o = call(&app, &members[0].0, "overview", &[]).await;
    assert_eq!(o["views"].as_i64(), Some(290), "the member sees the team's clip and their own");
    let (outsider, _, _) = app.signed_in().await;
    assert_eq!(call(&app, &outsider, "overview", &[]).await["views"], 0);
}

#[tokio::test]
async fn anonymous_callers_get_401_and_impossible_periods_422() {
    let s = seeded().await;
    let anonymous = s.app.browser();
    let bad: [&[(&str, &str)]; 3] =
        [&[("days", "0")], &[("days", "400")], &[("from", "1800000000"), ("to", "1700000000")]];
    for name in ["overview", "by-platform", "top-clips", "timeline"] {
        let res = s.app.call(&anonymous, &format!("analytics/{name}"), &[]).await;
        assert_eq!(res.status(), 401, "{name}");
        for form in bad {
            let res = s.app.call(&s.client, &format!("analytics/{name}"), form).await;
            assert_eq!(res.status(), 422, "{name} {form:?}");
        }
    }
    let res = anonymous.get(format!("{}/api/analytics/export.csv", s.app.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = s.client.get(format!("{}/api/analytics/export.csv?days=0", s.app.url)).send().await.unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn the_page_renders_the_cards_table_top_clips_and_chart_on_the_server() {
    let s = seeded().await;
    let html = |client: &reqwest::Client| {
        let req = client.get(format!("{}/analytics", s.app.url));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let body = html(&s.client).await;
    assert!(body.contains("<h1>Аналитика</h1>"), "{body}");
    for (id, value) in [("an-views", 1400), ("an-likes", 130), ("an-shares", 14), ("an-published", 3)] {
        assert!(body.contains(&format!(r#"data-testid="{id}" data-value="{value}""#)), "{id} = {value}");
    }
    assert!(body.contains("1\u{202f}400"), "figures are grouped");
    for platform in ["vk", "rutube", "telegram"] {
        assert!(body.contains(&format!(r#"data-testid="an-platform-{platform}""#)), "{platform} row");
    }
    assert!(body.contains(r#"data-views="na""#) && body.contains("нет данных"), "Telegram's views are not available");
    assert!(body.contains(r#"data-testid="an-top""#));
    assert!(body.contains(&format!(r#"href="/clips/{}""#, s.first)));
    assert_eq!(body.matches(r#"data-testid="an-point""#).count(), 30, "one point per day of the default period");
    let today = domain::Lang::Ru.dict().analytics_page.day(s.today);
    assert!(body.contains(&format!("{today}: 1\u{202f}400 просмотров</title>")), "the last point's tooltip");
    assert!(body.contains(r#"data-testid="an-csv""#) && body.contains("/api/analytics/export.csv?days=30"));
    assert!(!body.contains("Чужой клип"));

    // Nothing published yet: the way to start.
    let (fresh, _, _) = s.app.signed_in().await;
    let body = html(&fresh).await;
    assert!(body.contains(r#"data-testid="an-empty""#));
    assert!(body.contains("Опубликуйте клип") && body.contains(r#"href="/clips""#));
    assert!(!body.contains(r#"data-testid="an-views""#));
}
