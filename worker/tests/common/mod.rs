//! Helpers shared by the worker's integration tests.
#![allow(dead_code)]

use std::{process::Command, sync::Arc};

pub mod media;

use backend::metrics::Metrics;
use serde_json::{Value, json};
use testkit::TestApp;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The app with a 2-second demo sample, fast retries and a short shutdown grace, plus `extra` settings.
pub async fn spawn(extra: &[(&'static str, &str)]) -> TestApp {
    let extra: Vec<(&'static str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
    TestApp::spawn_with(move |env| {
        env.insert("DEMO_SAMPLE_SECONDS", "2".into());
        env.insert("JOB_BACKOFF_MS", "50".into());
        env.insert("WORKER_SHUTDOWN_GRACE_MS", "200".into());
        for (k, v) in extra {
            env.insert(k, v);
        }
    })
    .await
}

/// Runs the worker runtime in this process until dropped.
pub struct InProcessWorker {
    stop: CancellationToken,
    /// The runtime's metrics.
    pub metrics: Arc<Metrics>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl InProcessWorker {
    /// Starts the runtime with every handler.
    pub fn start(app: &TestApp) -> InProcessWorker {
        let metrics = Arc::new(Metrics::new());
        let stop = CancellationToken::new();
        let task = tokio::spawn(worker::runtime(&app.state, &metrics).run(stop.clone()));
        InProcessWorker { stop, metrics, task: Some(task) }
    }

    /// Stops it and waits until it has.
    pub async fn stop(mut self) {
        self.stop.cancel();
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

impl Drop for InProcessWorker {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// (status, progress, file key, duration, size, failure) of a video.
pub async fn video(
    app: &TestApp,
    id: &str,
) -> (String, i16, Option<String>, Option<f64>, Option<i64>, Option<domain::Failure>) {
    let id = Uuid::parse_str(id).unwrap();
    let row = app
        .db
        .client()
        .await
        .query_one(
            "SELECT status, progress, file_key, duration_seconds, size_bytes, error FROM videos WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let error: Option<String> = row.get(5);
    (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), error.as_deref().map(domain::Failure::from_stored))
}

/// Imports `url` as `client` (`POST /api/videos/import`).
pub async fn import(client: &reqwest::Client, app: &TestApp, url: &str) -> reqwest::Response {
    client.post(format!("{}/api/videos/import", app.url)).form(&[("url", url)]).send().await.unwrap()
}

/// A video's status.
pub async fn status(app: &TestApp, id: &str) -> String {
    video(app, id).await.0
}

/// A video of `user` waiting in `analyzing` with `transcript`.
pub async fn analyzing_video(app: &TestApp, user: Uuid, transcript: &domain::transcript::Transcript) -> Uuid {
    let id = Uuid::now_v7();
    let db = app.db.client().await;
    db.execute(
        "INSERT INTO videos (id, user_id, title, status, source_kind, duration_seconds)
         VALUES ($1, $2, 'talk', 'analyzing', 'file', 300)",
        &[&id, &user],
    )
    .await
    .unwrap();
    let segments = serde_json::to_string(&transcript.segments).unwrap();
    db.execute(
        "INSERT INTO transcripts (video_id, language, segments, full_text, stt_model)
         VALUES ($1, 'en', $2::text::jsonb, $3, 'test')",
        &[&id, &segments, &transcript.full_text()],
    )
    .await
    .unwrap();
    id
}

/// A real `seconds`-long MP4 made by FFmpeg.
pub fn real_mp4(seconds: u32) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("cm-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("v.mp4");
    let ok = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=320x180:rate=15:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=duration={seconds}"))
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", "-y"])
        .arg(&out)
        .status()
        .expect("running ffmpeg")
        .success();
    assert!(ok);
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// Uploads `data` as one browser would (start, parts, complete); returns the video id and the completion response.
pub async fn upload(client: &reqwest::Client, app: &TestApp, data: &[u8]) -> (String, reqwest::Response) {
    upload_as(client, app, data, "clip.mp4", "video/mp4").await
}

/// [`upload`] under another file name and type.
pub async fn upload_as(
    client: &reqwest::Client,
    app: &TestApp,
    data: &[u8],
    filename: &str,
    mime: &str,
) -> (String, reqwest::Response) {
    let id = send_parts(client, app, data, filename, mime).await;
    let done = complete_upload(client, app, &id, None).await;
    (id, done)
}

/// Starts an upload of `data` and sends every part, as a browser does; returns the video id (not yet complete).
pub async fn send_parts(client: &reqwest::Client, app: &TestApp, data: &[u8], filename: &str, mime: &str) -> String {
    let head = &data[..data.len().min(domain::media::SNIFF_BYTES)];
    let plan: Value = client
        .post(format!("{}/api/videos/upload/start", app.url))
        .json(&json!({ "filename": filename, "mime": mime, "size": data.len(), "head": head }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = plan["video_id"].as_str().expect("an upload plan").to_owned();
    let size = plan["part_size"].as_u64().unwrap() as usize;
    for (i, chunk) in data.chunks(size).enumerate() {
        let res = client
            .put(format!("{}/api/uploads/{id}/parts/{}", app.url, i + 1))
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    id
}

/// Finishes the upload of `id`, sending `sealed` keys in the hand-off header as the browser does when the vault is
/// open.
pub async fn complete_upload(
    client: &reqwest::Client,
    app: &TestApp,
    id: &str,
    sealed: Option<&str>,
) -> reqwest::Response {
    let mut req = client.post(format!("{}/api/videos/upload/complete", app.url)).form(&[("video_id", id)]);
    if let Some(v) = sealed {
        req = req.header(vault::handoff::HEADER, v);
    }
    req.send().await.unwrap()
}

/// A video of `user` in `generating_clips` whose stored source is `file`, with `transcript`.
pub async fn rendering_video(
    app: &TestApp,
    user: Uuid,
    file: &std::path::Path,
    transcript: &domain::transcript::Transcript,
) -> Uuid {
    let id = analyzing_video(app, user, transcript).await;
    let key = format!("sources/{id}/source.mp4");
    app.state.storage.put_file(&key, file, "video/mp4").await.unwrap();
    app.db
        .client()
        .await
        .execute("UPDATE videos SET status = 'generating_clips', file_key = $2 WHERE id = $1", &[&id, &key])
        .await
        .unwrap();
    id
}

/// A pending clip of `video` from `start` to `end`, its render enqueued.
pub async fn pending_clip(app: &TestApp, user: Uuid, video: Uuid, start: f64, end: f64) -> Uuid {
    let id = Uuid::now_v7();
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, virality)
             VALUES ($1, $2, $3, 'clip', $4, $5, '{\"total\": 70}')",
            &[&id, &video, &user, &start, &end],
        )
        .await
        .unwrap();
    backend::clips::enqueue_render(&app.state, id, backend::queue::Priority::Free, None).await;
    id
}

/// (status, file key, thumbnail key, error) of a clip.
pub async fn clip_row(app: &TestApp, id: Uuid) -> (String, Option<String>, Option<String>, Option<String>) {
    let row = app
        .db
        .client()
        .await
        .query_one("SELECT status, file_key, thumbnail_key, error FROM clips WHERE id = $1", &[&id])
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}
