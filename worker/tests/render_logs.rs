//! A render that fails on a bad source: neither the error stored for the user nor anything logged (at trace level)
//! names the presigned URL, its signature or the storage endpoint. One test per binary: it owns the global log
//! subscriber.

mod common;

use backend::clips;
use common::{InProcessWorker, spawn};
use testkit::{eventually, speech::timed_transcript};
use uuid::Uuid;

#[tokio::test]
async fn a_failed_render_names_no_presigned_url_or_storage_endpoint() {
    let capture = testkit::logs::LogCapture::install_trace();
    let app = spawn(&[]).await;
    let user = app.create_user(&testkit::mailbox::unique_address("badsource")).await;
    let transcript = timed_transcript(&["Это видео никогда не отрисуется."], 0.5);
    let video = common::analyzing_video(&app, user, &transcript).await;
    // Stored under an .mp4 key, but the bytes are no MP4: FFmpeg fails reading it through the presigned URL.
    let key = format!("sources/{video}/source.mp4");
    let dir = std::env::temp_dir().join(format!("cm-badsource-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("source.mp4");
    std::fs::write(&garbage, vec![0x42u8; 64 * 1024]).unwrap();
    app.state.storage.put_file(&key, &garbage, "video/mp4").await.unwrap();
    let db = app.db.client().await;
    db.execute("UPDATE videos SET status = 'generating_clips', file_key = $2 WHERE id = $1", &[&video, &key])
        .await
        .unwrap();
    let clip = Uuid::now_v7();
    db.execute(
        "INSERT INTO clips (id, video_id, user_id, title, start_s, end_s, virality)
         VALUES ($1, $2, $3, 'clip', 0.5, 4.0, '{\"total\": 70}')",
        &[&clip, &video, &user],
    )
    .await
    .unwrap();
    clips::enqueue_render(&app.state, clip, backend::queue::Priority::Free, None).await;

    let worker = InProcessWorker::start(&app);
    let failed = async || {
        let row = db.query_one("SELECT status FROM clips WHERE id = $1", &[&clip]).await.unwrap();
        row.get::<_, String>(0) == "failed"
    };
    eventually("the render failed", failed).await;
    worker.stop().await;

    let error: String = db.query_one("SELECT error FROM clips WHERE id = $1", &[&clip]).await.unwrap().get(0);
    // The owner reads a translated reason; FFmpeg's own message (scrubbed) is in the log.
    assert_eq!(domain::Failure::from_stored(&error), domain::Failure::RenderFailed);
    let endpoint = testkit::services::s3_endpoint();
    let host = endpoint.split_once("://").unwrap().1.trim_end_matches('/').to_owned();
    let log = capture.text();
    assert!(log.contains("ffmpeg"), "the raw error is logged");
    for (what, text) in [("stored error", &error), ("logs", &log)] {
        let leak: Vec<&str> = text.lines().filter(|l| l.contains("X-Amz-") || l.contains(&host)).take(3).collect();
        assert!(!text.contains("X-Amz-"), "{what} contain a presigned signature: {leak:?}");
        assert!(!text.contains(&host), "{what} name the storage endpoint {host}");
        assert!(!text.contains(&format!("{video}/source.mp4?")), "{what} contain the presigned URL");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
