//! Publishing clips over HTTP against the real services and a fake Telegram Bot API on loopback: a post goes out once
//! with its link recorded and the clip published; Telegram's 429 is waited out; an oversized file and a revoked token
//! fail with clear reasons (the latter flagging the connection); scheduled posts are enqueued when their time comes
//! (time moved, not waited for); requests that cannot be carried out say why and write nothing.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use testkit::{
    TestApp,
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
    client: reqwest::Client,
    clip: Uuid,
}

/// A signed-in user with a ready clip and Telegram connected.
async fn setup() -> Setup {
    let telegram = FakeTelegram::start().await;
    let url = telegram.url().to_owned();
    let app = TestApp::spawn_with(move |v| {
        v.insert("TELEGRAM_API_URL", url);
    })
    .await;
    let (client, _, user) = app.signed_in().await;
    let (_, clip) = app.ready_clip(user, None, &clip_bytes()).await;
    let res = app
        .call(&client, "platform/connect", &[("platform", "telegram"), ("token", BOT_TOKEN), ("target", CHANNEL)])
        .await;
    assert_eq!(res.status(), 200);
    Setup { app, telegram, client, clip }
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
    let id = published_now(&s).await;
    backend::publish::run(&s.app.state, id).await.unwrap();

    let posts = s.telegram.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].caption, "Как начать: три шага\n\nПодпишитесь\n\n#бизнес #советы");
    assert_eq!(posts[0].video_bytes, clip_bytes().len());
    assert_eq!(posts[0].fields.get("supports_streaming").map(String::as_str), Some("true"));
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
