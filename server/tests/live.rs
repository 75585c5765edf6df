//! Live progress and queue metrics over HTTP: `/api/events` delivers each user's events to that user only,
//! the videos server functions authorise and enqueue, and `/metrics` reports queue depth.

use std::time::Duration;

use backend::queue::QueueName;
use domain::{
    VideoStatus,
    videos::{LiveEvent, VideoCard},
};
use futures::StreamExt as _;
use serde_json::Value;
use testkit::TestApp;

fn card(id: &str) -> LiveEvent {
    LiveEvent::Video(VideoCard {
        id: id.into(),
        title: "t".into(),
        status: VideoStatus::Downloading,
        stage: Some("generating".into()),
        progress: 40,
        duration_seconds: None,
        error: None,
        expired: false,
        shared: false,
    })
}

/// An open SSE stream, read event by event.
struct Events {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl Events {
    async fn open(client: &reqwest::Client, app: &TestApp) -> Events {
        let res = client.get(format!("{}/api/events", app.url)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Events { body: Box::pin(res.bytes_stream()), buffer: String::new() }
    }

    /// The next event as (event name, data).
    async fn next(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = "message".to_owned();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && name == "message" {
                    continue; // keep-alive comment
                }
                return (name, data);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(30), self.body.next())
                .await
                .expect("an event within 30 s")
                .expect("the stream stays open")
                .unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn live_events_reach_their_user_and_nobody_else() {
    let app = TestApp::spawn().await;
    let (alice, _, alice_id) = app.signed_in().await;
    let (bob, _, bob_id) = app.signed_in().await;
    let mut alice_events = Events::open(&alice, &app).await;
    let mut bob_events = Events::open(&bob, &app).await;
    assert_eq!(alice_events.next().await.0, "ready");
    assert_eq!(bob_events.next().await.0, "ready");

    // The subscription is in place once a published message reaches its listener; publish until Alice sees hers.
    let redis = &app.state.redis;
    let mut alice_first = None;
    for _ in 0..50 {
        backend::videos::publish(redis, alice_id, &card("for-alice")).await;
        if let Ok(e) = tokio::time::timeout(Duration::from_millis(200), alice_events.next()).await {
            alice_first = Some(e);
            break;
        }
    }
    let (name, data) = alice_first.expect("Alice received her event");
    assert_eq!(name, "message");
    assert_eq!(serde_json::from_str::<LiveEvent>(&data).unwrap(), card("for-alice"));

    backend::videos::publish(redis, bob_id, &card("for-bob")).await;
    // Bob's first event is his own: none of Alice's reached him.
    let (_, data) = bob_events.next().await;
    assert_eq!(serde_json::from_str::<LiveEvent>(&data).unwrap(), card("for-bob"));
}

#[tokio::test]
async fn the_event_stream_and_the_videos_api_need_a_session() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser();
    let res = anonymous.get(format!("{}/api/events", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = anonymous.post(format!("{}/api/videos/list", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = anonymous.post(format!("{}/api/videos/demo", app.url)).form(&[("lang", "ru")]).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.state.queue.stats(QueueName::Download).await.unwrap().waiting, 0);
}

#[tokio::test]
async fn the_demo_creates_a_video_of_its_user_and_enqueues_one_job() {
    let app = TestApp::spawn().await;
    let (alice, _, _) = app.signed_in().await;
    let (bob, _, _) = app.signed_in().await;
    let res = alice.post(format!("{}/api/videos/demo", app.url)).form(&[("lang", "en")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "downloading");
    assert_eq!(created["stage"], "queued");
    assert_eq!(created["title"], "Sample video");

    let list: Value = alice.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], created["id"]);
    let others: Value = bob.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(others, serde_json::json!([]), "another user's videos are not listed");

    let stats = app.state.queue.stats(QueueName::Download).await.unwrap();
    assert_eq!(stats.waiting, 1);
    let id = uuid::Uuid::parse_str(created["id"].as_str().unwrap()).unwrap();
    assert!(app.state.queue.live_job(&backend::queue::subject_video(id)).await.unwrap().is_some());
}

#[tokio::test]
async fn demos_count_against_the_upload_limit() {
    // The demo's own budget (RATE_DEMO_PER_HOUR) set out of the way: this test is about the upload limit.
    let app = TestApp::spawn_with(|v| {
        v.insert("RATE_DEMO_PER_HOUR", "100".into());
    })
    .await;
    let (alice, _, _) = app.signed_in().await;
    for _ in 0..10 {
        let res = alice.post(format!("{}/api/videos/demo", app.url)).form(&[("lang", "ru")]).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = alice.post(format!("{}/api/videos/demo", app.url)).form(&[("lang", "ru")]).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(app.state.queue.stats(QueueName::Download).await.unwrap().waiting, 10);
}

#[tokio::test]
async fn metrics_report_queue_depth_and_honour_the_token() {
    let app = TestApp::spawn_with(|env| {
        env.insert("METRICS_TOKEN", "scrape-token-123".into());
    })
    .await;
    let (alice, _, _) = app.signed_in().await;
    for _ in 0..2 {
        alice.post(format!("{}/api/videos/demo", app.url)).form(&[("lang", "ru")]).send().await.unwrap();
    }
    let res = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app.client.get(format!("{}/metrics", app.url)).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app.client.get(format!("{}/metrics", app.url)).bearer_auth("scrape-token-123").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.contains(r#"clipmaker_queue_jobs{queue="download",state="waiting"} 2"#), "{text}");
    assert!(text.contains(r#"clipmaker_queue_jobs{queue="video-render",state="waiting"} 0"#), "{text}");
    assert!(text.contains("clipmaker_queue_oldest_waiting_seconds{queue=\"download\"}"), "{text}");
}

#[tokio::test]
async fn the_video_list_comes_a_page_at_a_time_newest_first() {
    let app = TestApp::spawn().await;
    let (alice, _, alice_id) = app.signed_in().await;
    let db = app.db.client().await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let id = uuid::Uuid::now_v7();
        db.execute(
            "INSERT INTO videos (id, user_id, title, status, source_kind) VALUES ($1, $2, $3, 'completed', 'file')",
            &[&id, &alice_id, &format!("video {i}")],
        )
        .await
        .unwrap();
        ids.push(id.to_string());
    }
    let page = |before: Option<&str>| {
        let mut form = vec![];
        if let Some(b) = before {
            form.push(("before", b.to_owned()));
        }
        alice.post(format!("{}/api/videos/list", app.url)).form(&form).send()
    };
    let first: Value = page(None).await.unwrap().json().await.unwrap();
    let first: Vec<&str> = first.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(first.len(), domain::videos::PAGE_SIZE);
    assert_eq!(first[0], ids[29], "newest first");
    let second: Value = page(Some(first.last().unwrap())).await.unwrap().json().await.unwrap();
    let second: Vec<&str> = second.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(second.len(), 6);
    assert_eq!(second.last(), Some(&ids[0].as_str()));
    assert!(second.iter().all(|id| !first.contains(id)), "pages do not overlap");
    assert_eq!(page(Some("not-an-id")).await.unwrap().status(), 404);
}
