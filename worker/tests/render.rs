//! Rendering: real FFmpeg on generated video, real storage, the real queue. The rendered files are checked with
//! ffprobe and by comparing pixels of extracted frames.

mod common;

use common::{
    InProcessWorker,
    media::{difference, mean, probe, region, source_video, tempdir},
    spawn,
};
use domain::{ClipLayout, captions::CaptionStyle};
use testkit::{TestApp, eventually, speech::timed_transcript};
use uuid::Uuid;
use worker::render::{self, Spec};

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

/// Videos whose processing time was recorded (`clipmaker_video_processing_seconds_count`), every source together.
fn processing_times_recorded() -> u64 {
    let text = backend::metrics::Metrics::new().encode();
    text.lines()
        .filter(|l| l.starts_with("clipmaker_video_processing_seconds_count{"))
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(_, v)| v.parse::<u64>().expect("a count"))
        .sum()
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
    let free_video = common::rendering_video(&app, free_user, &source, &transcript).await;
    let pro_video = common::rendering_video(&app, pro_user, &source, &transcript).await;
    let good = common::pending_clip(&app, free_user, free_video, 2.0, 8.0).await;
    let outside = common::pending_clip(&app, free_user, free_video, 500.0, 510.0).await;
    let pro = common::pending_clip(&app, pro_user, pro_video, 2.0, 8.0).await;

    let recorded = processing_times_recorded();
    let worker = InProcessWorker::start(&app);
    for video in [free_video, pro_video] {
        eventually("the videos complete", async || common::status(&app, &video.to_string()).await == "completed").await;
    }
    worker.stop().await;
    // Three clips settled two videos: each video's processing time is recorded once, when it completed.
    assert_eq!(processing_times_recorded() - recorded, 2);

    let (status, file_key, thumb_key, error) = common::clip_row(&app, good).await;
    assert_eq!((status.as_str(), error), ("ready", None));
    let (status, _, _, error) = common::clip_row(&app, outside).await;
    assert_eq!(status, "failed", "only the clip outside the video fails");
    assert_eq!(error.as_deref().map(domain::Failure::from_stored), Some(domain::Failure::ClipOutside));
    assert_eq!(common::clip_row(&app, pro).await.0, "ready");
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
    // And the small one Telegram takes with a post (at most 320 px and 200 kB).
    let small = dir.path().join("thumb-320.jpg");
    app.state.storage.download_to_file(&backend::clips::post_thumbnail_key(free_video, good), &small).await.unwrap();
    let p = probe(&small);
    assert_eq!((p["streams"][0]["width"].as_u64(), p["streams"][0]["height"].as_u64()), (Some(180), Some(320)));
    assert!(std::fs::metadata(&small).unwrap().len() < 200 * 1024);

    // The watermark sits in the top-right corner of Free clips only.
    let pro_file = dir.path().join("pro.mp4");
    let (_, pro_key, ..) = common::clip_row(&app, pro).await;
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
        let spec = Spec::new(0.5, 4.5, ClipLayout::Fit, CaptionStyle::get(style), false);
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
