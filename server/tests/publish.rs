//! Publishing clips over HTTP against the real services and a fake Telegram Bot API on loopback: a post goes out once
//! with its link recorded and the clip published; Telegram's 429 is waited out; an oversized file and a revoked token
//! fail with clear reasons (the latter flagging the connection); scheduled posts are enqueued when their time comes
//! (time moved, not waited for); requests that cannot be carried out say why and write nothing. Rutube (a fake Rutube
//! API that really downloads the clip from its presigned link): one clip goes to both platforms, a worker killed
//! while Rutube processes the upload finishes without a second upload, 429s are waited out, a revoked token flags the
//! connection, and the stats collector fills the time series.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use testkit::{
    TestApp,
    fake_rutube::{self, FakeRutube},
    fake_telegram::{BOT_TOKEN, CHANNEL, FakeTelegram},
};
use uuid::Uuid;

/// What the fixture clip's file holds: an MP4 header and 3 MB, the size of a real 20-second clip (more than the 2 MB
/// a default HTTP body limit lets through).
fn clip_bytes() -> Vec<u8> {
    let mut bytes = b"\x00\x00\x00\x18ftypisom".to_vec();
    bytes.resize(3 * 1024 * 1024, 7);
    bytes
}

struct Setup {
    app: TestApp,
    telegram: FakeTelegram,
    rutube: FakeRutube,
    client: reqwest::Client,
    clip: Uuid,
}

/// A signed-in user with a ready clip and Telegram connected.
async fn setup() -> Setup {
    let telegram = FakeTelegram::start().await;
    let rutube = FakeRutube::start().await;
    let (url, rutube_url) = (telegram.url().to_owned(), rutube.url().to_owned());
    let app = TestApp::spawn_with(move |v| {
        v.insert("TELEGRAM_API_URL", url);
        v.insert("RUTUBE_API_URL", rutube_url);
        v.insert("PLATFORM_POLL_MS", "20".into());
    })
    .await;
    let (client, _, user) = app.signed_in().await;
    let (_, clip) = app.ready_clip(user, None, &clip_bytes()).await;
    let res = app
        .call(&client, "platform/connect", &[("platform", "telegram"), ("token", BOT_TOKEN), ("target", CHANNEL)])
        .await;
    assert_eq!(res.status(), 200);
    Setup { app, telegram, rutube, client, clip }
}

/// Connects the fake Rutube channel.
async fn connect_rutube(s: &Setup) {
    let res = s
        .app
        .call(&s.client, "platform/connect", &[("platform", "rutube"), ("token", fake_rutube::TOKEN), ("target", "")])
        .await;
    assert_eq!(res.status(), 200);
}

fn rutube_target(title: &str) -> String {
    json!([{ "platform": "rutube", "text": { "title": title, "description": "Подпишитесь", "hashtags": ["бизнес"] } }])
        .to_string()
}

/// Publishes to Rutube now and returns the publication's id.
async fn published_to_rutube(s: &Setup) -> Uuid {
    let res = publish(s, &rutube_target("Три шага"), None).await;
    assert_eq!(res.status(), 200);
    let created: Vec<Value> = res.json().await.unwrap();
    created[0]["id"].as_str().unwrap().parse().unwrap()
}

async fn status_of(s: &Setup, id: Uuid) -> (String, Option<String>, Option<String>) {
    let row = s
        .app
        .db
        .client()
        .await
        .query_one("SELECT status, platform_post_id, error FROM publications WHERE id = $1", &[&id])
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

fn telegram_target(title: &str) -> String {
    json!([{ "platform": "telegram", "text": { "title": title, "description": "Подпишитесь", "hashtags": ["бизнес", "#советы"] } }])
        .to_string()
}

async fn publish(s: &Setup, targets: &str, at: Option<i64>) -> reqwest::Response {
    let clip = s.clip.to_string();
    let at = at.map(|a| a.to_string());
    let mut form = vec![("clip_id", clip.as_str()), ("targets", targets)];
    if let Some(at) = &at {
        form.push(("at", at));
    }
    s.app.call(&s.client, "publish/publish", &form).await
}

/// Publishes to Telegram now and returns the publication's id.
async fn published_now(s: &Setup) -> Uuid {
    let res = publish(s, &telegram_target("Как начать: три шага"), None).await;
    assert_eq!(res.status(), 200);
    let created: Vec<Value> = res.json().await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["status"], "scheduled");
    created[0]["id"].as_str().unwrap().parse().unwrap()
}

async fn publications(s: &Setup) -> Vec<Value> {
    let res = s.app.call(&s.client, "publish/status", &[("clip_id", &s.clip.to_string())]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn clip_status(s: &Setup) -> String {
    s.app.db.client().await.query_one("SELECT status FROM clips WHERE id = $1", &[&s.clip]).await.unwrap().get(0)
}

async fn retry(s: &Setup) -> reqwest::Response {
    s.app.call(&s.client, "publish/retry", &[("clip_id", &s.clip.to_string()), ("platform", "telegram")]).await
}

fn send_video_calls(t: &FakeTelegram) -> usize {
    t.server.requests().iter().filter(|r| r.uri.ends_with("/sendVideo")).count()
}

#[tokio::test]
async fn a_clip_is_posted_once_with_its_link_and_becomes_published() {
    let s = setup().await;
    // The render's small thumbnail goes along with the video.
    let video: Uuid =
        s.app.db.client().await.query_one("SELECT video_id FROM clips WHERE id = $1", &[&s.clip]).await.unwrap().get(0);
    let small = std::env::temp_dir().join(format!("thumb-{}.jpg", s.clip));
    std::fs::write(&small, b"\xFF\xD8\xFF\xE0 small jpeg").unwrap();
    let key = backend::clips::post_thumbnail_key(video, s.clip);
    s.app.state.storage.put_file(&key, &small, "image/jpeg").await.unwrap();
    std::fs::remove_file(&small).unwrap();
    let id = published_now(&s).await;
    backend::publish::run(&s.app.state, id).await.unwrap();

    let posts = s.telegram.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].caption, "Как начать: три шага\n\nПодпишитесь\n\n#бизнес #советы");
    assert_eq!(posts[0].video_bytes, clip_bytes().len());
    assert_eq!(posts[0].fields.get("supports_streaming").map(String::as_str), Some("true"));
    assert!(posts[0].thumbnail, "the thumbnail was sent");
    assert_eq!(posts[0].fields.get("duration").map(String::as_str), Some("30"));
    assert_eq!((posts[0].fields["width"].as_str(), posts[0].fields["height"].as_str()), ("1080", "1920"));
    let listed = publications(&s).await;
    assert_eq!(listed[0]["status"], "published");
    assert_eq!(listed[0]["url"], "https://t.me/clipmaker_test/1");
    assert!(listed[0]["published_at"].is_i64());
    assert_eq!(clip_status(&s).await, "published");

    // The job again (a retry after the post was recorded, or a duplicate delivery): nothing is posted twice.
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(s.telegram.posts().len(), 1);
    // The clip's job went to the publish queue when it was requested.
    let stats = s.app.state.queue.stats(backend::queue::QueueName::Publish).await.unwrap();
    assert_eq!(stats.depth(), 1);
}

#[tokio::test]
async fn telegrams_429_is_waited_out_and_the_post_goes_out() {
    let s = setup().await;
    let id = published_now(&s).await;
    s.telegram.fail_next(&[(429, Some(1))]);
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(send_video_calls(&s.telegram), 2, "refused once, then sent");
    assert_eq!(s.telegram.posts().len(), 1);
    assert_eq!(publications(&s).await[0]["status"], "published");
}

#[tokio::test]
async fn an_unreachable_platform_fails_the_attempt_for_the_queue_to_retry() {
    let s = setup().await;
    let id = published_now(&s).await;
    s.telegram.fail_next(&[(502, None)]);
    let err = backend::publish::run(&s.app.state, id).await.unwrap_err();
    assert!(format!("{err:#}").contains("telegram"), "{err:#}");
    assert!(!format!("{err:#}").contains(BOT_TOKEN.split_once(':').unwrap().1), "the token leaked into the error");
    assert_eq!(publications(&s).await[0]["status"], "publishing");
    // The queue's next attempt succeeds.
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(publications(&s).await[0]["status"], "published");
    let attempts: i32 = s
        .app
        .db
        .client()
        .await
        .query_one("SELECT attempts FROM publications WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn a_file_over_the_bot_api_limit_fails_with_a_clear_reason_and_is_not_sent() {
    let s = setup().await;
    let key: String =
        s.app.db.client().await.query_one("SELECT file_key FROM clips WHERE id = $1", &[&s.clip]).await.unwrap().get(0);
    let big = std::env::temp_dir().join(format!("big-{}", s.clip));
    std::fs::write(&big, vec![0u8; 50 * 1024 * 1024 + 1]).unwrap();
    s.app.state.storage.put_file(&key, &big, "video/mp4").await.unwrap();
    std::fs::remove_file(&big).unwrap();

    let id = published_now(&s).await;
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(send_video_calls(&s.telegram), 0);
    let listed = publications(&s).await;
    assert_eq!(listed[0]["status"], "failed");
    assert!(listed[0]["error"].as_str().unwrap().contains("50 МБ"), "{}", listed[0]["error"]);
    assert_eq!(clip_status(&s).await, "ready");
}

#[tokio::test]
async fn a_revoked_token_flags_the_connection_and_tells_the_user() {
    let s = setup().await;
    let id = published_now(&s).await;
    s.telegram.set_revoked(true);
    backend::publish::run(&s.app.state, id).await.unwrap();
    let listed = publications(&s).await;
    assert_eq!(listed[0]["status"], "failed");
    assert!(listed[0]["error"].as_str().unwrap().contains("Unauthorized"), "{}", listed[0]["error"]);
    let connections: Vec<Value> = s.app.call(&s.client, "platform/list", &[]).await.json().await.unwrap();
    assert_eq!(connections[0]["status"], "reconnect");
    // Until it is reconnected, new posts and retries are refused with the reason.
    let res = publish(&s, &telegram_target("Ещё раз"), None).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["Publish"], "NeedsReconnect");
    assert_eq!(retry(&s).await.status(), 422);

    // Reconnected, the retry goes out on the new connection.
    s.telegram.set_revoked(false);
    let res = s
        .app
        .call(&s.client, "platform/connect", &[("platform", "telegram"), ("token", BOT_TOKEN), ("target", CHANNEL)])
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(retry(&s).await.status(), 200);
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(publications(&s).await[0]["status"], "published");
    assert_eq!(s.telegram.posts().len(), 1);
}

#[tokio::test]
async fn a_scheduled_post_is_enqueued_when_its_time_comes() {
    let s = setup().await;
    let at = (Utc::now() + Duration::hours(3)).timestamp();
    let res = publish(&s, &telegram_target("Позже"), Some(at)).await;
    assert_eq!(res.status(), 200);
    let created: Vec<Value> = res.json().await.unwrap();
    assert_eq!(created[0]["scheduled_at"], at);
    let queue = || s.app.state.queue.stats(backend::queue::QueueName::Publish);
    assert_eq!(queue().await.unwrap().depth(), 0, "nothing is queued before its time");

    assert_eq!(backend::publish::enqueue_due(&s.app.state, Utc::now() + Duration::hours(2)).await.unwrap(), 0);
    assert_eq!(queue().await.unwrap().depth(), 0);
    assert_eq!(backend::publish::enqueue_due(&s.app.state, Utc::now() + Duration::hours(4)).await.unwrap(), 1);
    assert_eq!(queue().await.unwrap().depth(), 1);
    // A second sweep before the job ran does not queue it again.
    backend::publish::enqueue_due(&s.app.state, Utc::now() + Duration::hours(4)).await.unwrap();
    assert_eq!(queue().await.unwrap().depth(), 1);

    let id: Uuid = created[0]["id"].as_str().unwrap().parse().unwrap();
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(publications(&s).await[0]["status"], "published");
}

#[tokio::test]
async fn requests_that_cannot_be_carried_out_say_why_and_write_nothing() {
    let s = setup().await;
    let problem = |res: reqwest::Response| async move {
        assert_eq!(res.status(), 422);
        res.json::<Value>().await.unwrap()["Publish"].as_str().unwrap().to_owned()
    };
    let dzen = json!([{ "platform": "dzen", "text": { "title": "T", "description": "", "hashtags": [] } }]).to_string();
    assert_eq!(problem(publish(&s, &dzen, None).await).await, "NoUploadApi");
    let rutube =
        json!([{ "platform": "rutube", "text": { "title": "T", "description": "", "hashtags": [] } }]).to_string();
    assert_eq!(problem(publish(&s, &rutube, None).await).await, "NotConnected");
    let past = (Utc::now() - Duration::hours(1)).timestamp();
    assert_eq!(problem(publish(&s, &telegram_target("T"), Some(past)).await).await, "InThePast");
    let far = (Utc::now() + Duration::days(100)).timestamp();
    assert_eq!(problem(publish(&s, &telegram_target("T"), Some(far)).await).await, "TooFar");
    assert_eq!(publish(&s, "[]", None).await.status(), 422);
    assert_eq!(publish(&s, "not json", None).await.status(), 422);
    s.app.db.client().await.execute("UPDATE clips SET status = 'rendering' WHERE id = $1", &[&s.clip]).await.unwrap();
    assert_eq!(problem(publish(&s, &telegram_target("T"), None).await).await, "NotReady");
    assert!(publications(&s).await.is_empty());
    assert!(s.telegram.posts().is_empty());
}

#[tokio::test]
async fn one_clip_goes_to_telegram_and_rutube_and_the_stats_collector_fills_the_series() {
    let s = setup().await;
    connect_rutube(&s).await;
    let both = json!([
        { "platform": "telegram", "text": { "title": "Три шага", "description": "Подпишитесь", "hashtags": [] } },
        { "platform": "rutube", "text": { "title": "Три шага", "description": "Подпишитесь", "hashtags": ["бизнес"] } },
    ])
    .to_string();
    let res = publish(&s, &both, None).await;
    assert_eq!(res.status(), 200);
    let created: Vec<Value> = res.json().await.unwrap();
    assert_eq!(created.len(), 2);
    for p in &created {
        backend::publish::run(&s.app.state, p["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
    }

    // Rutube downloaded the clip itself from the link it was given.
    let videos = s.rutube.videos();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0].bytes, clip_bytes().len());
    assert_eq!((videos[0].title.as_str(), videos[0].description.as_str()), ("Три шага", "Подпишитесь\n\n#бизнес"));
    assert_eq!(s.telegram.posts().len(), 1);
    let listed = publications(&s).await;
    let link = |platform: &str| {
        let p = listed.iter().find(|p| p["platform"] == platform).unwrap();
        assert_eq!(p["status"], "published", "{p}");
        p["url"].as_str().unwrap().to_owned()
    };
    assert_eq!(link("rutube"), format!("https://rutube.ru/video/{}/", videos[0].id));
    assert_eq!(link("telegram"), "https://t.me/clipmaker_test/1");
    assert_eq!(clip_status(&s).await, "published");

    // Every six hours the collector samples Rutube's counters; Telegram's Bot API has none to read.
    let now = Utc::now();
    s.rutube.set_hits(1234);
    let report = backend::publish::collect_stats(&s.app.state, now).await.unwrap();
    assert_eq!((report.sampled, report.failed), (1, 0));
    s.rutube.set_hits(2000);
    backend::publish::collect_stats(&s.app.state, now + Duration::hours(6)).await.unwrap();
    let db = s.app.db.client().await;
    let series: Vec<(String, i64)> = db
        .query(
            "SELECT p.platform, s.views FROM publication_stats s JOIN publications p ON p.id = s.publication_id \
             ORDER BY s.taken_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(series, vec![("rutube".to_owned(), 1234), ("rutube".to_owned(), 2000)]);
    let latest: i64 =
        db.query_one("SELECT views FROM publications WHERE platform = 'rutube'", &[]).await.unwrap().get(0);
    assert_eq!(latest, 2000);
}

#[tokio::test]
async fn a_worker_killed_while_rutube_processes_the_upload_finishes_without_uploading_again() {
    let s = setup().await;
    connect_rutube(&s).await;
    s.rutube.set_processing_polls(u32::MAX);
    let id = published_to_rutube(&s).await;
    // The worker dies while it waits for Rutube: the job's future is dropped mid-poll.
    let killed = tokio::time::timeout(std::time::Duration::from_secs(4), backend::publish::run(&s.app.state, id)).await;
    assert!(killed.is_err(), "the job was still waiting for Rutube");
    let (status, post_id, _) = status_of(&s, id).await;
    assert_eq!(status, "publishing");
    assert_eq!(
        post_id.as_deref(),
        Some(s.rutube.videos()[0].id.as_str()),
        "the id was recorded the moment it was known"
    );

    // The queue runs the job again: it waits for the same video instead of uploading another.
    s.rutube.finish_processing();
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(s.rutube.videos().len(), 1, "exactly one post on the platform");
    assert_eq!(status_of(&s, id).await.0, "published");
}

#[tokio::test]
async fn rutube_429_is_waited_out_and_a_revoked_token_asks_for_reconnection() {
    let s = setup().await;
    connect_rutube(&s).await;
    let id = published_to_rutube(&s).await;
    s.rutube.fail_next(&[(429, Some(1))]);
    backend::publish::run(&s.app.state, id).await.unwrap();
    assert_eq!(s.rutube.videos().len(), 1);
    assert_eq!(status_of(&s, id).await.0, "published");

    let again = published_to_rutube(&s).await;
    s.rutube.set_revoked(true);
    backend::publish::run(&s.app.state, again).await.unwrap();
    let (status, _, error) = status_of(&s, again).await;
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("Invalid token."));
    let connections: Vec<Value> = s.app.call(&s.client, "platform/list", &[]).await.json().await.unwrap();
    let rutube = connections.iter().find(|c| c["platform"] == "rutube").unwrap();
    assert_eq!(rutube["status"], "reconnect");
    // The collector does not ask with a token that needs reconnecting.
    let report = backend::publish::collect_stats(&s.app.state, Utc::now()).await.unwrap();
    assert_eq!((report.sampled, report.failed), (0, 0));
}

mod vk {
    //! VK: connected through VK ID (OAuth 2.1 with PKCE) against the fake VK, publishing to a community through
    //! `video.save` → upload → `video.get`, the access token refreshed before it expires, a revoked token flagging the
    //! connection, and twenty publishes at once staying under VK's five requests a second.

    use super::*;
    use testkit::fake_vk::{CLIENT_ID, FakeVk, GROUP_ID, GROUP_NAME, VkBehaviour};

    pub(super) struct VkSetup {
        pub app: TestApp,
        pub vk: FakeVk,
        pub telegram: FakeTelegram,
        pub rutube: FakeRutube,
        pub client: reqwest::Client,
        pub user: Uuid,
    }

    fn location(res: &reqwest::Response) -> String {
        res.headers()["location"].to_str().unwrap().to_owned()
    }

    /// A signed-in user whose VK is connected through the full VK ID round trip.
    pub(super) async fn vk_setup() -> VkSetup {
        let vk = FakeVk::start(VkBehaviour { user_id: "700001".into(), ..Default::default() }).await;
        let (telegram, rutube) = (FakeTelegram::start().await, FakeRutube::start().await);
        let (base, api) = (vk.server.url().to_owned(), vk.api_url());
        let (telegram_url, rutube_url) = (telegram.url().to_owned(), rutube.url().to_owned());
        let app = TestApp::spawn_with(move |v| {
            v.insert("VK_CLIENT_ID", CLIENT_ID.into());
            v.insert("VK_ID_BASE_URL", base);
            v.insert("VK_API_URL", api);
            v.insert("TELEGRAM_API_URL", telegram_url);
            v.insert("RUTUBE_API_URL", rutube_url);
            v.insert("PLATFORM_POLL_MS", "20".into());
        })
        .await;
        let (client, _, user) = app.signed_in().await;
        let res = client.get(format!("{}/settings/platforms/vk/start", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let authorize = location(&res);
        assert!(authorize.contains("scope=video+groups") && authorize.contains("code_challenge_method=S256"));
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(&authorize)
            .send()
            .await
            .unwrap();
        let callback = location(&res);
        assert!(callback.starts_with(&format!("{}/settings/platforms/vk/callback?code=", app.url)), "{callback}");
        let res = client.get(&callback).send().await.unwrap();
        assert_eq!(location(&res), "/settings/platforms?connected=vk");
        VkSetup { app, vk, telegram, rutube, client, user }
    }

    async fn publish_to_vk(s: &VkSetup, clip: Uuid, title: &str) -> Uuid {
        let targets =
            json!([{ "platform": "vk", "text": { "title": title, "description": "Подпишитесь", "hashtags": [] } }]);
        let res = s
            .app
            .call(&s.client, "publish/publish", &[("clip_id", &clip.to_string()), ("targets", &targets.to_string())])
            .await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
        let created: Vec<Value> = res.json().await.unwrap();
        created[0]["id"].as_str().unwrap().parse().unwrap()
    }

    async fn publication(s: &VkSetup, id: Uuid) -> (String, Option<String>, Option<String>) {
        let row = s
            .app
            .db
            .client()
            .await
            .query_one("SELECT status, platform_url, error FROM publications WHERE id = $1", &[&id])
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    }

    #[tokio::test]
    async fn vk_connects_through_vk_id_posts_to_a_community_and_reports_its_figures() {
        let s = vk_setup().await;
        let connections: Vec<Value> = s.app.call(&s.client, "platform/list", &[]).await.json().await.unwrap();
        assert_eq!(connections[0]["platform"], "vk");
        assert_eq!(connections[0]["account"], "Иван Петров");
        // Both tokens are sealed; the refresh token is there for later.
        let row = s
            .app
            .db
            .client()
            .await
            .query_one(
                "SELECT c::text, refresh_token_encrypted IS NOT NULL, expires_at > now() FROM platform_connections c",
                &[],
            )
            .await
            .unwrap();
        let (text, has_refresh, live): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
        assert!(!text.contains("vk1.a.") && !text.contains("vk1.r."), "plaintext token: {text}");
        assert!(has_refresh && live);

        // The user's page first, then the community they edit; choose the community.
        let targets: Vec<Value> = s.app.call(&s.client, "platform/vk-targets", &[]).await.json().await.unwrap();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0]["id"], "700001");
        assert_eq!(targets[1], json!({ "id": format!("-{GROUP_ID}"), "name": GROUP_NAME }));
        let res = s.app.call(&s.client, "platform/vk-target", &[("target", "-1")]).await;
        assert_eq!(res.status(), 422, "a community the user does not manage is refused");
        let chosen: Value = s
            .app
            .call(&s.client, "platform/vk-target", &[("target", &format!("-{GROUP_ID}"))])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(chosen["target"], GROUP_NAME);

        let (_, clip) = s.app.ready_clip(s.user, None, &clip_bytes()).await;
        s.vk.set_processing_polls(2);
        let id = publish_to_vk(&s, clip, "Три шага").await;
        backend::publish::run(&s.app.state, id).await.unwrap();
        let videos = s.vk.videos();
        assert_eq!(videos.len(), 1);
        assert_eq!((videos[0].owner_id, videos[0].bytes), (-GROUP_ID, clip_bytes().len()));
        assert_eq!(videos[0].title, "Три шага");
        let (status, url, _) = publication(&s, id).await;
        assert_eq!(status, "published");
        assert_eq!(url.unwrap(), format!("https://vk.com/video-{GROUP_ID}_{}", videos[0].id));

        s.vk.set_views(4321);
        let report = backend::publish::collect_stats(&s.app.state, Utc::now()).await.unwrap();
        assert_eq!((report.sampled, report.failed), (1, 0));
        let row = s
            .app
            .db
            .client()
            .await
            .query_one("SELECT views, likes, shares, comments FROM publication_stats", &[])
            .await
            .unwrap();
        let counts: (i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
        assert_eq!(counts, (4321, 432, 43, 86));
    }

    #[tokio::test]
    async fn one_clip_goes_to_vk_rutube_and_telegram_with_every_link_stored() {
        let s = vk_setup().await;
        for (platform, token, target) in [("telegram", BOT_TOKEN, CHANNEL), ("rutube", fake_rutube::TOKEN, "")] {
            let form = [("platform", platform), ("token", token), ("target", target)];
            assert_eq!(s.app.call(&s.client, "platform/connect", &form).await.status(), 200);
        }
        let (_, clip) = s.app.ready_clip(s.user, None, &clip_bytes()).await;
        let text = json!({ "title": "Три шага", "description": "Подпишитесь", "hashtags": ["бизнес"] });
        let targets = json!([
            { "platform": "vk", "text": text },
            { "platform": "rutube", "text": text },
            { "platform": "telegram", "text": text },
        ]);
        let res = s
            .app
            .call(&s.client, "publish/publish", &[("clip_id", &clip.to_string()), ("targets", &targets.to_string())])
            .await;
        assert_eq!(res.status(), 200);
        let created: Vec<Value> = res.json().await.unwrap();
        assert_eq!(created.len(), 3);
        for p in &created {
            backend::publish::run(&s.app.state, p["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
        }
        assert_eq!((s.vk.videos().len(), s.rutube.videos().len(), s.telegram.posts().len()), (1, 1, 1));
        let rows = s
            .app
            .db
            .client()
            .await
            .query("SELECT platform, status, platform_url FROM publications ORDER BY platform", &[])
            .await
            .unwrap();
        let got: Vec<(String, String, String)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        assert_eq!(got[0].0, "rutube");
        assert_eq!(got[0].2, format!("https://rutube.ru/video/{}/", s.rutube.videos()[0].id));
        assert_eq!(got[1].0, "telegram");
        assert_eq!(got[1].2, "https://t.me/clipmaker_test/1");
        assert_eq!(got[2].0, "vk");
        assert_eq!(got[2].2, format!("https://vk.com/video700001_{}", s.vk.videos()[0].id));
        assert!(got.iter().all(|(_, status, _)| status == "published"));
        let status: String =
            s.app.db.client().await.query_one("SELECT status FROM clips WHERE id = $1", &[&clip]).await.unwrap().get(0);
        assert_eq!(status, "published");
    }

    #[tokio::test]
    async fn an_expiring_vk_token_is_refreshed_and_a_revoked_one_asks_for_reconnection() {
        let s = vk_setup().await;
        let db = s.app.db.client().await;
        db.execute("UPDATE platform_connections SET expires_at = now() + interval '1 minute'", &[]).await.unwrap();
        let tested = s.app.call(&s.client, "platform/test-connection", &[("platform", "vk")]).await;
        assert_eq!(tested.status(), 200);
        assert_eq!(s.vk.refreshes(), 1, "refreshed before use");
        let later: bool = db
            .query_one("SELECT expires_at > now() + interval '30 minutes' FROM platform_connections", &[])
            .await
            .unwrap()
            .get(0);
        assert!(later);
        // Not due again: no second refresh.
        s.app.call(&s.client, "platform/test-connection", &[("platform", "vk")]).await;
        assert_eq!(s.vk.refreshes(), 1);

        let (_, clip) = s.app.ready_clip(s.user, None, &clip_bytes()).await;
        let id = publish_to_vk(&s, clip, "Отозван").await;
        s.vk.set_revoked(true);
        backend::publish::run(&s.app.state, id).await.unwrap();
        let (status, _, error) = publication(&s, id).await;
        assert_eq!(status, "failed");
        assert!(error.unwrap().contains("User authorization failed"));
        let connections: Vec<Value> = s.app.call(&s.client, "platform/list", &[]).await.json().await.unwrap();
        assert_eq!(connections[0]["status"], "reconnect");
    }

    #[tokio::test]
    async fn twenty_vk_publishes_at_once_never_exceed_five_requests_a_second() {
        let s = vk_setup().await;
        let mut ids = vec![];
        for i in 0..20 {
            let (_, clip) = s.app.ready_clip(s.user, None, &clip_bytes()[..64 * 1024]).await;
            ids.push(publish_to_vk(&s, clip, &format!("Клип {i}")).await);
        }
        let calls_before = s.vk.api_calls();
        let jobs = ids.iter().map(|id| backend::publish::run(&s.app.state, *id));
        for outcome in futures::future::join_all(jobs).await {
            outcome.unwrap();
        }
        assert_eq!(s.vk.videos().len(), 20);
        for id in ids {
            assert_eq!(publication(&s, id).await.0, "published");
        }
        // video.save and video.get for each of the twenty, at least.
        assert!(s.vk.api_calls() - calls_before >= 40);
        assert!(s.vk.busiest_second() <= testkit::fake_vk::REQUESTS_PER_SECOND, "{}", s.vk.busiest_second());
    }
}
