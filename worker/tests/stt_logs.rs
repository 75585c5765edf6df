//! The transcription API keys (server's or user's) never reach the logs, even at trace level, across a run that
//! retries, falls back and fails. One test per binary: it owns the global log subscriber.

use std::process::Command;

use backend::{jobs::Transcribe, queue::EnqueueOptions};
use testkit::{eventually, fake_stt::FakeStt};
use uuid::Uuid;

mod common;
use common::{InProcessWorker, spawn, status};

#[tokio::test]
async fn transcription_keys_never_reach_the_logs() {
    let capture = testkit::logs::LogCapture::install_trace();

    // Cloud.ru refuses its key; OpenAI is busy once, then answers.
    let (cloudru, openai) = (FakeStt::start(&[]).await, FakeStt::start(&[429]).await);
    let refused_key = "sk-cloudru-key-that-gets-refused-0123456789";
    let (c, o) = (cloudru.base_url(), openai.base_url());
    let app = spawn(&[
        ("WORKER_QUEUES", "stt"),
        ("STT_ENGINE", "api"),
        ("CLOUDRU_BASE_URL", &c),
        ("CLOUDRU_API_KEY", refused_key),
        ("OPENAI_BASE_URL", &o),
        ("OPENAI_API_KEY", testkit::fake_stt::KEY),
        ("STT_API_BACKOFF_MS", "10"),
    ])
    .await;
    let (_, _, user) = app.signed_in().await;
    let dir = std::env::temp_dir().join(format!("cm-stt-logs-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let audio = dir.join("tone.mp3");
    let ok = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=3", "-y"])
        .arg(&audio)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let id = Uuid::now_v7();
    let key = format!("sources/{id}/source");
    app.state.storage.put_file(&key, &audio, "audio/mpeg").await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO videos (id, user_id, title, status, source_kind, file_key, mime_type, duration_seconds)
             VALUES ($1, $2, 'tone', 'transcribing', 'file', $3, 'audio/mpeg', 3.0)",
            &[&id, &user, &key],
        )
        .await
        .unwrap();
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Transcribe { video_id: id }, EnqueueOptions::new()).await.unwrap();
    eventually("the video is transcribed", async || status(&app, &id.to_string()).await == "analyzing").await;
    worker.stop().await;
    assert_eq!((cloudru.calls(), openai.calls()), (1, 2), "401, then the fallback, busy once");

    let log = capture.text();
    assert!(log.contains("API busy; retrying") && log.contains("transcribed"), "the capture works");
    for secret in [refused_key, testkit::fake_stt::KEY] {
        assert!(!log.contains(secret), "an API key ({} chars) appears in the logs", secret.len());
    }
    // Not in the stored error or transcript either.
    let row =
        app.db.client().await.query_one("SELECT coalesce(error, '') FROM videos WHERE id = $1", &[&id]).await.unwrap();
    assert!(!row.get::<_, String>(0).contains("sk-"));
}
