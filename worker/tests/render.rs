//! Rendering: real FFmpeg on generated video, real storage, the real queue. The rendered files are checked with
//! ffprobe and by comparing pixels of extracted frames.

mod common;

use std::{path::Path, process::Command};

use backend::clips;
use common::{InProcessWorker, spawn};
use domain::{ClipLayout, captions::CaptionStyle, transcript::Transcript};
use testkit::{TestApp, eventually, speech::timed_transcript};
use uuid::Uuid;
use worker::render::{self, Spec};

/// A scratch directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("clipmaker-render-test-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A `seconds`-long 640×360 test pattern with a tone, written the way cameras do (index at the end), at `out`.
fn source_video(out: &Path, seconds: u32) {
    let ok = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=640x360:rate=25:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=330:sample_rate=44100:duration={seconds}"))
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y"])
        .arg(out)
        .status()
        .expect("running ffmpeg");
    assert!(ok.success());
}

/// The gray pixels of the `w`×`h` region at (`x`, `y`) of the frame at `at` seconds.
fn region(file: &Path, at: f64, (x, y, w, h): (u32, u32, u32, u32)) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-ss", &format!("{at:.2}"), "-i"])
        .arg(file)
        .args(["-frames:v", "1", "-vf", &format!("crop={w}:{h}:{x}:{y},format=gray"), "-f", "rawvideo", "pipe:1"])
        .output()
        .expect("running ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.len(), (w * h) as usize);
    out.stdout
}

/// Mean absolute difference of two regions, 0–255.
fn difference(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

fn mean(a: &[u8]) -> f64 {
    a.iter().map(|x| f64::from(*x)).sum::<f64>() / a.len() as f64
}

/// ffprobe's streams and format of `file`.
fn probe(file: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(file)
        .output()
        .expect("running ffprobe");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A video of `user` in `generating_clips` whose stored source is `file`, with `transcript`.
async fn rendering_video(app: &TestApp, user: Uuid, file: &Path, transcript: &Transcript) -> Uuid {
    let id = common::analyzing_video(app, user, transcript).await;
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
async fn pending_clip(app: &TestApp, user: Uuid, video: Uuid, start: f64, end: f64) -> Uuid {
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
    clips::enqueue_render(&app.state, id, backend::queue::Priority::Free, None).await;
    id
}

/// (status, file key, thumbnail key, error) of a clip.
async fn clip_row(app: &TestApp, id: Uuid) -> (String, Option<String>, Option<String>, Option<String>) {
    let row = app
        .db
        .client()
        .await
        .query_one("SELECT status, file_key, thumbnail_key, error FROM clips WHERE id = $1", &[&id])
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

async fn set_plan(app: &TestApp, user: Uuid, plan: &str) {
    app.db.client().await.execute("UPDATE users SET plan_id = $2 WHERE id = $1", &[&user, &plan]).await.unwrap();
}

fn sentences() -> Vec<&'static str> {
    vec![
        "Привет всем, сегодня мы говорим о коротких видео.",
        "Первый шаг простой: найдите сильное начало.",
        "Второй шаг: держите темп и не тяните паузы.",
        "Третий шаг: заканчивайте призывом к действию.",
    ]
}

#[tokio::test]
async fn rendered_clips_are_vertical_h264_with_the_index_first_and_a_bad_clip_fails_alone() {
    let app = spawn(&[]).await;
    let dir = tempdir();
    let source = dir.path().join("source.mp4");
    source_video(&source, 20);
    let transcript = timed_transcript(&sentences(), 0.5);
    let free_user = app.create_user(&testkit::mailbox::unique_address("free")).await;
    let pro_user = app.create_user(&testkit::mailbox::unique_address("pro")).await;
    set_plan(&app, pro_user, "pro").await;
    let free_video = rendering_video(&app, free_user, &source, &transcript).await;
    let pro_video = rendering_video(&app, pro_user, &source, &transcript).await;
    let good = pending_clip(&app, free_user, free_video, 2.0, 8.0).await;
    let outside = pending_clip(&app, free_user, free_video, 500.0, 510.0).await;
    let pro = pending_clip(&app, pro_user, pro_video, 2.0, 8.0).await;

    let worker = InProcessWorker::start(&app);
    for video in [free_video, pro_video] {
        eventually("the videos complete", async || common::status(&app, &video.to_string()).await == "completed").await;
    }
    worker.stop().await;

    let (status, file_key, thumb_key, error) = clip_row(&app, good).await;
    assert_eq!((status.as_str(), error), ("ready", None));
    let (status, _, _, error) = clip_row(&app, outside).await;
    assert_eq!(status, "failed", "only the clip outside the video fails");
    assert_eq!(error.as_deref().map(domain::Failure::from_stored), Some(domain::Failure::ClipOutside));
    assert_eq!(clip_row(&app, pro).await.0, "ready");
    let (_, progress, ..) = common::video(&app, &free_video.to_string()).await;
    assert_eq!(progress, 100);

    let file = dir.path().join("clip.mp4");
    app.state.storage.download_to_file(&file_key.unwrap(), &file).await.unwrap();
    let p = probe(&file);
    let streams = p["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    let audio = streams.iter().find(|s| s["codec_type"] == "audio").unwrap();
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(1080), Some(1920)));
    assert_eq!((video["codec_name"].as_str(), audio["codec_name"].as_str()), (Some("h264"), Some("aac")));
    let duration: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((duration - 6.0).abs() <= 0.1, "duration {duration}");
    let bytes = std::fs::read(&file).unwrap();
    let at = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(at(b"moov") < at(b"mdat"), "+faststart puts the index first");

    let thumb = dir.path().join("thumb.jpg");
    app.state.storage.download_to_file(&thumb_key.unwrap(), &thumb).await.unwrap();
    assert_eq!(&std::fs::read(&thumb).unwrap()[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");

    // The watermark sits in the top-right corner of Free clips only.
    let pro_file = dir.path().join("pro.mp4");
    let (_, pro_key, ..) = clip_row(&app, pro).await;
    app.state.storage.download_to_file(&pro_key.unwrap(), &pro_file).await.unwrap();
    let corner = (600, 60, 460, 120);
    let (free_corner, pro_corner) = (region(&file, 1.0, corner), region(&pro_file, 1.0, corner));
    assert!(difference(&free_corner, &pro_corner) > 8.0, "the corners differ");
    assert!(mean(&free_corner) > mean(&pro_corner), "white text brightens the Free corner");
    let middle = (100, 700, 400, 300);
    assert!(difference(&region(&file, 1.0, middle), &region(&pro_file, 1.0, middle)) < 4.0, "the rest is alike");
}

#[tokio::test]
async fn captions_are_burned_into_the_subtitle_band() {
    let dir = tempdir();
    let source = dir.path().join("source.mp4");
    source_video(&source, 6);
    let transcript = timed_transcript(&["Привет всем, это субтитры с кириллицей и без ошибок."], 0.5);
    let words: Vec<_> = transcript.words().cloned().collect();
    let settings = backend::config::PipelineConfig::from_env().unwrap().render;
    let input = source.to_string_lossy().into_owned();
    let mut frames = Vec::new();
    for (name, style, words) in
        [("plain", "classic", &[][..]), ("classic", "classic", &words[..]), ("highlight", "highlight", &words[..])]
    {
        let spec =
            Spec { start: 0.5, end: 4.5, layout: ClipLayout::Fit, style: CaptionStyle::get(style), watermark: false };
        let work = dir.path().join(name);
        std::fs::create_dir_all(&work).unwrap();
        let out = work.join("clip.mp4");
        let (tx, _rx) = tokio::sync::watch::channel(0.0);
        let done = render::render(&spec, &settings, words, &input, &work, &out, tx).await.unwrap();
        assert!((done.duration - 4.0).abs() <= 0.1, "{name}: {}", done.duration);
        let p = probe(&out);
        assert_eq!(p["streams"][0]["width"].as_u64(), Some(1080), "the fit layout is 1080 wide too");
        // Classic captions sit near the bottom, highlight ones below the middle: read both bands.
        frames.push((region(&out, 1.0, (0, 1100, 1080, 700)), region(&out, 1.0, (0, 0, 1080, 300))));
    }
    let (plain, classic, highlight) = (&frames[0], &frames[1], &frames[2]);
    assert!(difference(&plain.0, &classic.0) > 2.0, "classic captions change the subtitle band");
    assert!(difference(&plain.0, &highlight.0) > 2.0, "highlight captions change the subtitle band");
    assert!(difference(&plain.1, &classic.1) < 1.0, "the top of the frame is untouched");
}
