//! Helpers shared by the worker's integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use backend::metrics::Metrics;
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
