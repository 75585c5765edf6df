//! Crafted files against the real FFmpeg: a playlist hidden behind an ID3 tag is never followed (the demuxer is
//! pinned from the sniffed type and protocols are whitelisted), and an MP3 whose header claims one minute over
//! twenty minutes of sound is refused after decoding a little more than the minute.

use std::process::Command;

use axum::{Router, routing::get};
use domain::Failure;
use testkit::FakeServer;
use worker::{
    media,
    render::{self, Spec},
};

mod common;

/// An ID3v2 tag (empty) followed by an HLS playlist whose segments are a loopback URL and a local file.
fn playlist_behind_id3(segment_url: &str) -> Vec<u8> {
    let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(
        format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10,\n{segment_url}\n\
             #EXTINF:10,\nfile:///etc/hostname.ts\n#EXT-X-ENDLIST\n"
        )
        .as_bytes(),
    );
    bytes
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cm-untrusted-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn a_playlist_behind_an_id3_tag_is_never_followed() {
    // What a playlist would make FFmpeg fetch: an internal service on loopback.
    let internal = FakeServer::start(Router::new().route("/seg.ts", get(|| async { "secret" }))).await;
    let evil = playlist_behind_id3(&format!("{}/seg.ts", internal.url()));
    // Storage serving the "MP3" the way the render job reads sources: a presigned URL ending in the sniffed type.
    let served = evil.clone();
    let storage =
        FakeServer::start(Router::new().route("/b/sources/v/source.mp3", get(move || async move { served.clone() })))
            .await;
    let url = format!("{}/b/sources/v/source.mp3?X-Amz-Signature=abc", storage.url());

    // The threat is real: left to guess, ffprobe reads the file as a playlist and fetches the internal URL.
    // (tokio's process: this test's runtime also serves the fake servers.)
    let unpinned = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-rw_timeout", "5000000", "-show_format", &url])
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&unpinned.stderr).contains("hls"), "{unpinned:?}");
    assert!(!internal.requests().is_empty(), "the unpinned control fetched the segment");
    let before = internal.requests().len();

    // Our render reads the same URL as MP3 only: it fails and nothing else is fetched.
    let dir = temp_file("x", b"").parent().unwrap().to_owned();
    let spec = Spec::new(0.0, 5.0, domain::ClipLayout::Crop, domain::captions::CaptionStyle::get("classic"), false);
    let settings = backend::config::PipelineConfig::from_env().expect("defaults").render;
    let (tx, _rx) = tokio::sync::watch::channel(0.0);
    let rendered = render::render(&spec, &settings, &[], &url, &dir, &dir.join("out.mp4"), tx).await;
    assert!(rendered.is_err(), "{rendered:?}");

    // The same bytes as an uploaded local file: probing and audio extraction refuse it too.
    let local = temp_file("upload.mp3", &evil);
    let probed = media::probe(&local).await;
    assert!(probed.is_err(), "{probed:?}");
    assert!(media::extract_pcm(&local, 20.0).await.is_err());
    let extracted = media::extract_mp3(&local, 20.0, &local.with_extension("out.mp3")).await;
    assert!(extracted.is_err());
    assert_eq!(internal.requests().len(), before, "no request reached the internal server");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(local.parent().unwrap());
}

fn lame(seconds: u32, xing: bool, out: &std::path::Path) {
    let mut command = Command::new("ffmpeg");
    command
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t"])
        .arg(seconds.to_string())
        .args(["-ac", "1", "-c:a", "libmp3lame", "-q:a", "9"]);
    if !xing {
        command.args(["-write_xing", "0", "-id3v2_version", "0"]);
    }
    assert!(command.arg("-y").arg(out).status().unwrap().success());
}

/// One minute of MP3 with a VBR (Xing) header, followed by twenty more minutes of frames; the Xing header's byte
/// count is patched to the whole file so FFmpeg believes its frame count: the header says 60 s.
fn mp3_claiming_one_minute_over_twenty() -> std::path::PathBuf {
    let dir = temp_file("x", b"").parent().unwrap().to_owned();
    let (head, tail) = (dir.join("head.mp3"), dir.join("tail.mp3"));
    lame(60, true, &head);
    lame(20 * 60, false, &tail);
    let mut bytes = std::fs::read(&head).unwrap();
    bytes.extend(std::fs::read(&tail).unwrap());
    let at = bytes.windows(4).position(|w| w == b"Xing" || w == b"Info").expect("a Xing header");
    let flags = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap());
    assert!(flags & 2 != 0, "the Xing header carries a byte count");
    let total = (bytes.len() as u32).to_be_bytes();
    bytes[at + 12..at + 16].copy_from_slice(&total);
    let liar = dir.join("liar.mp3");
    std::fs::write(&liar, bytes).unwrap();
    liar
}

#[tokio::test]
async fn an_mp3_whose_header_claims_one_minute_over_twenty_is_refused() {
    let liar = mp3_claiming_one_minute_over_twenty();
    let header = media::probe(&liar).await.unwrap().duration_seconds;
    assert!((55.0..65.0).contains(&header), "the header claims a minute: {header}");

    // Streamed: decoding stops as soon as the sound passes the header's claim (60 s + 10 % + 1 s), not 20 min later.
    let refused = media::extract_pcm(&liar, header).await.unwrap_err();
    let refused = refused.downcast_ref::<media::AudioError>().expect("an audio error").failure();
    assert!(matches!(refused, Failure::LengthMismatch { header_seconds: 60, decoded_seconds: 67..=70 }), "{refused:?}");
    assert!(refused.message(domain::Lang::Ru.dict()).contains("60 с"), "the owner reads it in Russian");
    let refused = media::extract_mp3(&liar, header, &liar.with_extension("api.mp3")).await.unwrap_err().failure();
    assert!(matches!(refused, Failure::LengthMismatch { header_seconds: 60, .. }), "{refused:?}");

    // An honest file of the same length passes and reports its decoded length.
    let honest = liar.with_file_name("head.mp3");
    let samples = media::extract_pcm(&honest, header).await.unwrap();
    assert!((samples.len() as f64 / 16_000.0 - 60.0).abs() < 1.0);
    let _ = std::fs::remove_dir_all(liar.parent().unwrap());
}

/// The transcription job on the same lying MP3: the video fails with the translated reason, the minute reserved at
/// the probe goes back, and nothing is charged.
#[tokio::test]
async fn a_transcription_job_on_a_lying_mp3_fails_with_the_reason_and_charges_nothing() {
    use backend::{jobs::Transcribe, queue::EnqueueOptions};
    let liar = mp3_claiming_one_minute_over_twenty();
    let app = common::spawn(&[("WORKER_QUEUES", "stt")]).await;
    let (_, _, user) = app.signed_in().await;
    let id = uuid::Uuid::now_v7();
    let key = format!("sources/{id}/source.mp3");
    app.state.storage.put_file(&key, &liar, "audio/mpeg").await.unwrap();
    let db = app.db.client().await;
    // As the probe leaves it: 60 s from the header, one minute reserved.
    db.execute(
        "INSERT INTO videos (id, user_id, title, status, source_kind, file_key, mime_type, duration_seconds,
                             minutes_reserved)
         VALUES ($1, $2, 'liar', 'transcribing', 'file', $3, 'audio/mpeg', 60.0, 1)",
        &[&id, &user, &key],
    )
    .await
    .unwrap();
    db.execute("UPDATE users SET minutes_reserved = 1 WHERE id = $1", &[&user]).await.unwrap();
    let worker = common::InProcessWorker::start(&app);
    app.state.queue.enqueue(&Transcribe { video_id: id }, EnqueueOptions::new()).await.unwrap();
    testkit::eventually("the video fails", async || common::status(&app, &id.to_string()).await == "failed").await;
    worker.stop().await;
    let failure = common::video(&app, &id.to_string()).await.5;
    assert!(matches!(failure, Some(Failure::LengthMismatch { header_seconds: 60, .. })), "{failure:?}");
    let row = db.query_one("SELECT minutes_used, minutes_reserved FROM users WHERE id = $1", &[&user]).await.unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1)), (0, 0), "nothing charged, the reservation released");
    let _ = std::fs::remove_dir_all(liar.parent().unwrap());
}
