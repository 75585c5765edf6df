//! The `downloading` stage for real sources: a browser upload is probed and waits for transcription; files that are
//! not media or too long for the plan fail with the reason and are deleted; URL imports download from a loopback test
//! server (page links through yt-dlp), links to private addresses are refused at once or, through a redirect or a
//! page's player, when the job runs, and a download that outlasts its time limit fails.

use std::process::Command;

use axum::{Router, http::header, response::IntoResponse, routing::get};
use domain::Failure;
use serde_json::{Value, json};
use testkit::{FakeServer, TestApp, eventually};

mod common;
use common::{InProcessWorker, import, real_mp4, status, upload, upload_as, video};

/// The app, its worker serving only the `download` queue: these tests stop where transcription would start.
async fn spawn(extra: &[(&'static str, &str)]) -> TestApp {
    let mut vars = vec![("WORKER_QUEUES", "download")];
    vars.extend_from_slice(extra);
    common::spawn(&vars).await
}

async fn stored_objects(app: &TestApp) -> i32 {
    testkit::s3_client().list_objects_v2().bucket(app.bucket.name()).send().await.unwrap().key_count().unwrap_or(0)
}

#[tokio::test]
async fn an_uploaded_video_is_probed_and_waits_for_transcription() {
    let app = spawn(&[]).await;
    let (client, _, _) = app.signed_in().await;
    let worker = InProcessWorker::start(&app);
    let (id, done) = upload(&client, &app, &real_mp4(2)).await;
    assert_eq!(done.status(), 200);
    eventually("the upload is probed", async || status(&app, &id).await == "transcribing").await;
    let (_, _, key, duration, _, error) = video(&app, &id).await;
    assert!(duration.is_some_and(|d| (1.5..=2.6).contains(&d)), "{duration:?}");
    assert_eq!(key.as_deref(), Some(format!("sources/{id}/source.mp4").as_str()));
    assert_eq!(error, None);
    let list: Value = client.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["stage"], "waiting_stt");
    let stt = app.state.queue.stats(backend::queue::QueueName::Stt).await.unwrap();
    assert_eq!(stt.waiting, 1, "transcription is queued");
    worker.stop().await;
}

#[tokio::test]
async fn a_video_longer_than_the_minutes_left_fails_with_the_reason_and_is_deleted() {
    let app = spawn(&[]).await;
    let (client, _, user) = app.signed_in().await;
    // The free plan has 30 minutes a month; 30 are used.
    app.db.client().await.execute("UPDATE users SET minutes_used = 30 WHERE id = $1", &[&user]).await.unwrap();
    let worker = InProcessWorker::start(&app);
    let (id, _) = upload(&client, &app, &real_mp4(2)).await;
    eventually("the video failed", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(Failure::OverQuota { minutes: 1, left: 0 }));
    assert_eq!(stored_objects(&app).await, 0, "the file was deleted");
    worker.stop().await;
}

/// A silent MP3 of `seconds` (8 kbit/s mono: about 1 KB a second).
fn silent_mp3(seconds: u32) -> Vec<u8> {
    let out = std::env::temp_dir().join(format!("cm-test-{}.mp3", uuid::Uuid::new_v4().simple()));
    let ok = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t"])
        .arg(seconds.to_string())
        .args(["-c:a", "libmp3lame", "-b:a", "8k", "-y"])
        .arg(&out)
        .status()
        .expect("running ffmpeg")
        .success();
    assert!(ok);
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    bytes
}

#[tokio::test]
async fn ten_uploads_probed_at_once_cannot_overspend_the_plans_minutes() {
    // Ten 29-minute files on the Free plan (30 minutes), probed by ten jobs at once. The ten wait on one user row
    // while each holds a connection; the pool has room for them and their progress reports, so the race under test
    // is the quota's, not the pool's (with the default 10 a loaded machine timed out waiting for a connection).
    let app = spawn(&[("WORKER_CONCURRENCY", "download=10"), ("DATABASE_POOL_SIZE", "30")]).await;
    let (client, _, user) = app.signed_in().await;
    let mp3 = silent_mp3(28 * 60 + 30); // 29 started minutes
    let mut ids = Vec::new();
    for _ in 0..10 {
        let (id, done) = upload_as(&client, &app, &mp3, "talk.mp3", "audio/mpeg").await;
        assert_eq!(done.status(), 200);
        ids.push(id);
    }
    let worker = InProcessWorker::start(&app);
    let mut statuses = Vec::new();
    for id in &ids {
        eventually("the probe finished", async || status(&app, id).await != "downloading").await;
        statuses.push(status(&app, id).await);
    }
    assert_eq!(statuses.iter().filter(|s| *s == "transcribing").count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| *s == "failed").count(), 9, "{statuses:?}");
    for id in &ids {
        if status(&app, id).await == "failed" {
            assert_eq!(video(&app, id).await.5, Some(Failure::OverQuota { minutes: 29, left: 1 }));
        }
    }
    let db = app.db.client().await;
    let (used, reserved): (i32, i32) = {
        let row =
            db.query_one("SELECT minutes_used, minutes_reserved FROM users WHERE id = $1", &[&user]).await.unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((used, reserved), (0, 29), "one video's minutes are held until it is transcribed");

    // Deleting the one that proceeded gives its minutes back.
    let kept = ids.iter().find(|id| statuses[ids.iter().position(|x| x == *id).unwrap()] == "transcribing").unwrap();
    let res = app.call(&client, "videos/delete", &[("video_id", kept)]).await;
    assert_eq!(res.status(), 200);
    let reserved: i32 =
        db.query_one("SELECT minutes_reserved FROM users WHERE id = $1", &[&user]).await.unwrap().get(0);
    assert_eq!(reserved, 0);
    worker.stop().await;
}

#[tokio::test]
async fn a_file_that_only_looks_like_media_fails_the_probe_and_is_deleted() {
    let app = spawn(&[]).await;
    let (client, _, _) = app.signed_in().await;
    let worker = InProcessWorker::start(&app);
    let mut fake = b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41".to_vec();
    fake.resize(64 * 1024, 0x5A);
    let (id, done) = upload(&client, &app, &fake).await;
    assert_eq!(done.status(), 200, "the first bytes look like MP4");
    eventually("the video failed", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(Failure::Unreadable));
    assert_eq!(stored_objects(&app).await, 0);
    worker.stop().await;
}

async fn media_server(mp4: Vec<u8>) -> FakeServer {
    let private = format!("http://127.0.0.1:{}/clip.mp4", testkit::closed_port());
    let private_page = private.clone();
    FakeServer::start(
        Router::new()
            .route("/files/clip.mp4", get(move || async move { ([(header::CONTENT_TYPE, "video/mp4")], mp4) }))
            .route("/share", get(|| async { (axum::http::StatusCode::FOUND, [(header::LOCATION, "/files/clip.mp4")]) }))
            .route(
                "/sneaky",
                get(move || async move { (axum::http::StatusCode::FOUND, [(header::LOCATION, private)]).into_response() }),
            )
            .route("/page.html", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>hello</html>") }))
            // A platform-like page whose player yt-dlp's generic extractor finds.
            .route(
                "/watch",
                get(|| async {
                    let page = "<html><head><title>My talk</title></head><body>\
                                <video src=\"/files/clip.mp4\" controls></video></body></html>";
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page)
                }),
            )
            // A page whose player points at a private address.
            .route(
                "/watch-private",
                get(move || async move {
                    let page = format!("<html><body><video src=\"{private_page}\"></video></body></html>");
                    ([(header::CONTENT_TYPE, "text/html")], page)
                }),
            )
            // A file that trickles in: 64 bytes every 100 ms, forever.
            .route(
                "/slow.mp4",
                get(|| async {
                    let chunks = futures::stream::unfold(0u32, |n| async move {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        Some((Ok::<_, std::io::Error>(vec![0u8; 64]), n + 1))
                    });
                    ([(header::CONTENT_TYPE, "video/mp4")], axum::body::Body::from_stream(chunks))
                }),
            ),
    )
    .await
}

#[tokio::test]
async fn a_video_imported_by_url_is_downloaded_through_redirects_and_probed() {
    let mp4 = real_mp4(2);
    let server = media_server(mp4.clone()).await;
    // Without yt-dlp, links to pages cannot be followed.
    let app = spawn(&[("URL_IMPORT_ALLOW", &server.addr().to_string()), ("YTDLP_PATH", "off")]).await;
    let (client, _, _) = app.signed_in().await;
    let worker = InProcessWorker::start(&app);
    let res = import(&client, &app, &format!("{}/share", server.url())).await;
    assert_eq!(res.status(), 200);
    let card: Value = res.json().await.unwrap();
    assert_eq!(card["status"], "downloading");
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the import is probed", async || {
        ["transcribing", "analyzing"].contains(&status(&app, &id).await.as_str())
    })
    .await;
    let (_, _, key, _, size, _) = video(&app, &id).await;
    assert_eq!(key.as_deref(), Some(format!("sources/{id}/source.mp4").as_str()));
    assert_eq!(size, Some(mp4.len() as i64));

    // A page, not a media file: the video fails with the reason.
    let card: Value = import(&client, &app, &format!("{}/page.html", server.url())).await.json().await.unwrap();
    let page = card["id"].as_str().unwrap().to_owned();
    eventually("the page import failed", async || status(&app, &page).await == "failed").await;
    assert_eq!(video(&app, &page).await.5, Some(Failure::PageUnsupported));
    worker.stop().await;
}

/// Needs `yt-dlp` on PATH (scripts/test installs it from PyPI).
#[tokio::test]
async fn a_link_to_a_page_is_resolved_by_yt_dlp_and_fetched_through_the_checked_client() {
    let mp4 = real_mp4(2);
    let server = media_server(mp4.clone()).await;
    let app = spawn(&[("URL_IMPORT_ALLOW", &server.addr().to_string()), ("JOB_MAX_ATTEMPTS", "1")]).await;
    let (client, _, _) = app.signed_in().await;
    let worker = InProcessWorker::start(&app);
    let card: Value = import(&client, &app, &format!("{}/watch", server.url())).await.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the page import is probed", async || status(&app, &id).await != "downloading").await;
    let (now, _, _, _, size, error) = video(&app, &id).await;
    assert_eq!((now.as_str(), error), ("transcribing", None));
    assert_eq!(size, Some(mp4.len() as i64));
    let list: Value = client.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert!(list[0]["title"].as_str().unwrap().starts_with("My talk"), "the platform's title: {}", list[0]["title"]);
    // The media file came through our client, which pins every hop to a checked address.
    assert_eq!(server.requests().iter().filter(|r| r.uri == "/files/clip.mp4").count(), 1);

    // A page that points its player at a private address: the download is refused, not retried.
    let card: Value = import(&client, &app, &format!("{}/watch-private", server.url())).await.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the private media is refused", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(Failure::LinkPrivate));

    // A page with no video at all.
    let card: Value = import(&client, &app, &format!("{}/page.html", server.url())).await.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the empty page fails", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(Failure::PageNoMedia));
    worker.stop().await;
}

#[tokio::test]
async fn a_download_that_outlasts_the_time_limit_fails_with_the_reason() {
    let server = media_server(Vec::new()).await;
    let app = spawn(&[
        ("URL_IMPORT_ALLOW", &server.addr().to_string()),
        ("URL_IMPORT_TIMEOUT_MS", "1500"),
        ("JOB_MAX_ATTEMPTS", "1"),
    ])
    .await;
    let (client, _, _) = app.signed_in().await;
    let worker = InProcessWorker::start(&app);
    let card: Value = import(&client, &app, &format!("{}/slow.mp4", server.url())).await.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the slow import fails", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(Failure::DownloadFailed));
    assert_eq!(stored_objects(&app).await, 0, "nothing half-downloaded is stored");
    worker.stop().await;
}

#[tokio::test]
async fn links_to_private_addresses_are_refused() {
    let server = media_server(Vec::new()).await;
    let app = spawn(&[("URL_IMPORT_ALLOW", &server.addr().to_string())]).await;
    let (client, _, _) = app.signed_in().await;
    for url in [
        format!("http://127.0.0.1:{}/clip.mp4", testkit::closed_port()),
        "http://10.0.0.1/clip.mp4".into(),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://[::1]/clip.mp4".into(),
        "file:///etc/passwd".into(),
        "not a link".into(),
    ] {
        let res = import(&client, &app, &url).await;
        assert_eq!(res.status(), 422, "{url}");
        assert_eq!(res.json::<Value>().await.unwrap(), json!({ "Upload": "BadUrl" }), "{url}");
    }
    let list: Value = client.post(format!("{}/api/videos/list", app.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list, json!([]), "nothing was created");

    // Allowed at first, but redirected to a private address: the job refuses the hop.
    let worker = InProcessWorker::start(&app);
    let card: Value = import(&client, &app, &format!("{}/sneaky", server.url())).await.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the redirected import failed", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(Failure::LinkPrivate));
    // Refused for good, not retried.
    assert_eq!(server.requests().iter().filter(|r| r.uri == "/sneaky").count(), 1);
    worker.stop().await;
}
