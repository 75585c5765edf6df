//! Transcription: the local Whisper engine on generated speech (word error rate, timestamps, word timings), the
//! `transcribe` job end to end (transcript stored, minutes charged once even when the job runs again, analysis
//! queued), and the API engine against fake OpenAI-compatible servers (verbose_json, pieces cut at silences and
//! re-based, 429 retried, fallback to the second provider, a refused key failing at once).

use std::{path::Path, process::Command};

use backend::{jobs::Transcribe, queue::EnqueueOptions};
use domain::transcript::word_error_rate;
use testkit::{TestApp, eventually, fake_stt::FakeStt, speech};
use uuid::Uuid;
use worker::stt::local::LocalWhisper;

mod common;
use common::{InProcessWorker, status};

/// The app, its worker serving only the `stt` queue: these tests stop where analysis would start.
async fn spawn(extra: &[(&'static str, &str)]) -> TestApp {
    let mut vars = vec![("WORKER_QUEUES", "stt")];
    vars.extend_from_slice(extra);
    common::spawn(&vars).await
}

/// The engine as `scripts/dev` configures it: multilingual base, with tiny.en for English recordings, four windows
/// decoded at once.
fn default_engine() -> LocalWhisper {
    let mut engine = LocalWhisper::load(&speech::whisper_model_dir(), "int8", 2, "auto")
        .expect("the default model loads (scripts/test installs it)")
        .with_batch(4);
    engine.add_english(&speech::english_model_dir()).expect("tiny.en loads beside it");
    engine
}

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cm-stt-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_local_engine_transcribes_a_minute_of_speech_with_timed_words() {
    let dir = scratch();
    let sentences = &speech::SCRIPT[..14];
    let wav = speech::speech_wav(&dir, "en-us", sentences, 1.0);
    let duration = speech::duration_of(&wav);
    assert!(duration >= 60.0, "the recording is {duration} s");
    let samples = worker::media::extract_pcm(&wav, 0.0).await.unwrap();
    // Where a silence split puts the sentences: each pause of the script ends where a sentence starts.
    let starts: Vec<f64> = worker::media::silences(&wav)
        .await
        .unwrap()
        .into_iter()
        .filter(|(a, b)| b - a >= 0.8)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(starts.len(), sentences.len() - 1, "one pause before every sentence but the first");

    // Two windows at a time: the three windows of this minute take two batches, each reporting progress.
    let model = tokio::task::spawn_blocking(|| default_engine().with_batch(2)).await.unwrap();
    let english = model.english_model_name().expect("the English model is loaded");
    let (transcript, shares) = tokio::task::spawn_blocking(move || {
        let mut shares = Vec::new();
        let t = model.transcribe(&samples, &mut |s| shares.push(s)).unwrap();
        (t, shares)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let wer = word_error_rate(&sentences.join(" "), &transcript.full_text());
    eprintln!("English: word error rate {wer:.3}");
    assert!(wer <= 0.25, "word error rate {wer:.2}: {}", transcript.full_text());
    assert_eq!(transcript.language, "en");
    assert_eq!(transcript.model, english, "English goes to the English-only model");
    assert!(shares.len() >= 2 && shares.windows(2).all(|w| w[0] <= w[1]), "progress: {shares:?}");
    assert!((shares.last().unwrap() - 1.0).abs() < 1e-9, "progress ends at 100 %: {shares:?}");

    // Timestamps: in order and inside the audio, segments and words alike.
    let segs = &transcript.segments;
    assert!(segs.len() >= 5, "{segs:?}");
    for s in segs {
        assert!(0.0 <= s.start && s.start <= s.end && s.end <= duration + 0.05, "segment {s:?} in 0..{duration}");
    }
    assert!(segs.windows(2).all(|w| w[0].start <= w[1].start), "segments in order");
    let words: Vec<_> = transcript.words().collect();
    assert!(words.len() as f64 >= 0.8 * sentences.join(" ").split_whitespace().count() as f64);
    for w in &words {
        assert!(0.0 <= w.start && w.start <= w.end && w.end <= duration + 0.05, "word {w:?}");
    }
    assert!(words.windows(2).all(|w| w[0].start <= w[1].start), "words in order");

    // Word timings: a word starts within 0.5 s of every sentence start the silence split found.
    for start in starts {
        let nearest = words.iter().map(|w| (w.start - start).abs()).fold(f64::MAX, f64::min);
        assert!(nearest <= 0.5, "no word starts within 0.5 s of {start:.2} s (nearest is {nearest:.2} s off)");
    }
}

/// The default local model (multilingual Whisper base) on a minute of Russian read by Festival: the language is
/// detected as Russian and the word error rate stays within 0.30 (case, punctuation and ё/е aside; the script has no
/// numbers).
#[tokio::test]
async fn the_default_local_model_transcribes_russian_speech_and_detects_the_language() {
    let dir = scratch();
    let wav = speech::russian_speech_wav(&dir, &speech::SCRIPT_RU, 0.8);
    let duration = speech::duration_of(&wav);
    assert!(duration >= 60.0, "the recording is {duration} s");
    let samples = worker::media::extract_pcm(&wav, 0.0).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let model = tokio::task::spawn_blocking(default_engine).await.unwrap();
    let (main, english) = (model.model_name(), model.english_model_name());
    let transcript =
        tokio::task::spawn_blocking(move || model.transcribe(&samples, &mut |_| {}).unwrap()).await.unwrap();
    assert_eq!(transcript.language, "ru", "{}", transcript.full_text());
    assert_eq!(transcript.model, main, "Russian stays with the multilingual model");
    assert!(english.is_some_and(|e| e != main), "the English model was loaded beside it");
    let wer = word_error_rate(&speech::SCRIPT_RU.join(" "), &transcript.full_text());
    eprintln!("Russian, {} words: word error rate {wer:.3}", speech::SCRIPT_RU.join(" ").split_whitespace().count());
    assert!(wer <= 0.30, "word error rate {wer:.2}: {}", transcript.full_text());
    assert!(transcript.segments.iter().all(|s| !s.words.is_empty()), "every segment has timed words");
}

/// Long silences are skipped without losing the words on either side, and the words after them keep their place in
/// time: 35 s of digital silence (the absolute floor), two sentences, 40 s of faint noise (far below the speech), two
/// more sentences. The language is still detected on the first window with sound and routed to the English model.
#[tokio::test]
async fn words_on_both_sides_of_long_silences_are_kept_at_their_times() {
    let dir = scratch();
    let before = speech::speech_wav(&dir.join("a"), "en-us", &speech::SCRIPT[1..3], 0.3);
    let after = speech::speech_wav(&dir.join("b"), "en-us", &speech::SCRIPT[3..5], 0.3);
    let wav = dir.join("gaps.wav");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(["-f", "lavfi", "-t", "35", "-i", "anullsrc=r=16000:cl=mono", "-i"])
        .arg(&before)
        .args(["-f", "lavfi", "-i", "anoisesrc=d=40:c=white:r=16000:a=0.001", "-i"])
        .arg(&after)
        .args(["-filter_complex", "[0:a][1:a][2:a][3:a]concat=n=4:v=0:a=1", "-y"])
        .arg(&wav)
        .status()
        .unwrap();
    assert!(status.success());
    let speech_start = 35.0;
    let gap_start = speech_start + speech::duration_of(&before);
    let gap_end = gap_start + 40.0;
    let samples = worker::media::extract_pcm(&wav, 0.0).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let engine = tokio::task::spawn_blocking(default_engine).await.unwrap();
    let english = engine.english_model_name().expect("the English model is loaded");
    let transcript =
        tokio::task::spawn_blocking(move || engine.transcribe(&samples, &mut |_| {}).unwrap()).await.unwrap();
    assert_eq!(transcript.language, "en");
    assert_eq!(transcript.model, english);
    let text = transcript.full_text();
    let wer = word_error_rate(&speech::SCRIPT[1..5].join(" "), &text);
    assert!(wer <= 0.25, "word error rate {wer:.2}: {text}");

    let words: Vec<_> = transcript.words().collect();
    let plain = |w: &domain::transcript::Word| w.text.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    let first = words.first().expect("words");
    assert_eq!(plain(first), "the", "the first word is kept whole: {words:?}");
    assert!((first.start - speech_start).abs() <= 0.5, "the speech starts at {speech_start} s: {first:?}");
    let last_before = words.iter().rfind(|w| w.start < gap_start).expect("words before the gap");
    assert_eq!(plain(last_before), "time", "the last word before the gap is kept: {words:?}");
    let first_after = words.iter().find(|w| w.start >= gap_start).expect("words after the gap");
    assert_eq!(plain(first_after), "that", "the first word after the gap is kept whole: {words:?}");
    assert!(
        (first_after.start - gap_end).abs() <= 0.5,
        "the first word after the gap starts at {:.2} s, the speech at {gap_end:.2} s",
        first_after.start
    );
    assert!(words.iter().all(|w| w.start < gap_start || w.start >= gap_end - 0.5), "no words in the noise: {words:?}");
}

/// Stores `file` as the source of a new video of `user` that waits in `transcribing`; returns its id.
async fn transcribing_video(app: &TestApp, user: Uuid, file: &Path, mime: &str, duration: f64) -> Uuid {
    let id = Uuid::now_v7();
    let key = format!("sources/{id}/source");
    app.state.storage.put_file(&key, file, mime).await.unwrap();
    let size = std::fs::metadata(file).unwrap().len() as i64;
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO videos (id, user_id, title, status, source_kind, file_key, mime_type, size_bytes, duration_seconds)
             VALUES ($1, $2, 'talk', 'transcribing', 'file', $3, $4, $5, $6)",
            &[&id, &user, &key, &mime, &size, &duration],
        )
        .await
        .unwrap();
    id
}

async fn enqueue(app: &TestApp, id: Uuid, key: &str) {
    app.state.queue.enqueue(&Transcribe { video_id: id }, EnqueueOptions::new().key(key)).await.unwrap();
}

/// (minutes used by the user, stt usage records of the video, their minutes).
async fn charged(app: &TestApp, user: Uuid, video: Uuid) -> (i32, i64, i64) {
    let db = app.db.client().await;
    let used: i32 = db.query_one("SELECT minutes_used FROM users WHERE id = $1", &[&user]).await.unwrap().get(0);
    let row = db
        .query_one(
            "SELECT count(*), coalesce(sum(minutes_consumed), 0)::bigint FROM usage_records
             WHERE video_id = $1 AND kind = 'stt'",
            &[&video],
        )
        .await
        .unwrap();
    (used, row.get(0), row.get(1))
}

async fn transcript_row(app: &TestApp, video: Uuid) -> Option<(String, String, serde_json::Value, String)> {
    let db = app.db.client().await;
    db.query_opt(
        "SELECT language, full_text, segments::text, stt_model FROM transcripts WHERE video_id = $1",
        &[&video],
    )
    .await
    .unwrap()
    .map(|r| (r.get(0), r.get(1), serde_json::from_str(r.get::<_, &str>(2)).unwrap(), r.get(3)))
}

#[tokio::test]
async fn a_transcribed_video_moves_to_analysis_and_a_rerun_charges_nothing_more() {
    let dir = scratch();
    let wav = speech::speech_wav(&dir, "en-us", &speech::SCRIPT[..3], 0.8);
    let video = dir.join("talk.mp4");
    speech::talking_video(&wav, &video);
    let duration = speech::duration_of(&video);
    let app = spawn(&[]).await;
    let (_, _, user) = app.signed_in().await;
    let id = transcribing_video(&app, user, &video, "video/mp4", duration).await;
    let _ = std::fs::remove_dir_all(&dir);
    let worker = InProcessWorker::start(&app);
    enqueue(&app, id, "first").await;
    eventually("the video is transcribed", async || status(&app, &id.to_string()).await == "analyzing").await;

    let (language, text, segments, model) = transcript_row(&app, id).await.expect("a transcript");
    assert_eq!(language, "en");
    assert!(text.to_lowercase().contains("short videos"), "{text}");
    assert!(segments.as_array().unwrap().iter().all(|s| !s["words"].as_array().unwrap().is_empty()));
    assert!(model.starts_with("local/"));
    assert_eq!(charged(&app, user, id).await, (1, 1, 1), "one minute charged once");
    let stats = app.state.queue.stats(backend::queue::QueueName::LlmAnalyze).await.unwrap();
    assert_eq!(stats.waiting, 1, "the analysis job is queued");

    // The job runs again (a retry after the commit, or a duplicate delivery that found the video reset).
    app.db.client().await.execute("UPDATE videos SET status = 'transcribing' WHERE id = $1", &[&id]).await.unwrap();
    enqueue(&app, id, "second").await;
    // Charging and the status change are one transaction: once the video is back in analysis, the rerun is done.
    eventually("the rerun finishes", async || status(&app, &id.to_string()).await == "analyzing").await;
    assert_eq!(charged(&app, user, id).await, (1, 1, 1), "no second charge");
    let count: i64 = app.db.client().await.query_one("SELECT count(*) FROM transcripts", &[]).await.unwrap().get(0);
    assert_eq!(count, 1);
    worker.stop().await;
}

/// Tones with one-second silences at 10–11, 21–22 and 32–33 s: 43 s of MP3.
fn tones_with_pauses(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("tones.mp3");
    let tone = "sine=frequency=440:sample_rate=16000:duration=10";
    let pause = "anullsrc=r=16000:cl=mono:d=1";
    let ok = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error"])
        .args(["-f", "lavfi", "-i", tone, "-f", "lavfi", "-i", pause, "-f", "lavfi", "-i", tone])
        .args(["-f", "lavfi", "-i", pause, "-f", "lavfi", "-i", tone, "-f", "lavfi", "-i", pause])
        .args(["-f", "lavfi", "-i", tone])
        .args(["-filter_complex", "[0][1][2][3][4][5][6]concat=n=7:v=0:a=1[a]", "-map", "[a]"])
        .args(["-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k", "-y"])
        .arg(&out)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    out
}

async fn api_app(cloudru: &FakeStt, openai: &FakeStt, extra: &[(&'static str, &str)]) -> TestApp {
    let (c, o) = (cloudru.base_url(), openai.base_url());
    let mut vars = vec![
        ("STT_ENGINE", "api"),
        ("CLOUDRU_BASE_URL", c.as_str()),
        ("CLOUDRU_API_KEY", testkit::fake_stt::KEY),
        ("OPENAI_BASE_URL", o.as_str()),
        ("OPENAI_API_KEY", testkit::fake_stt::KEY),
        ("STT_API_BACKOFF_MS", "20"),
        ("STT_API_ATTEMPTS", "3"),
    ];
    vars.extend_from_slice(extra);
    spawn(&vars).await
}

#[tokio::test]
async fn the_api_engine_cuts_large_audio_at_silences_and_rebases_the_pieces() {
    let dir = scratch();
    let audio = tones_with_pauses(&dir);
    let (cloudru, openai) = (FakeStt::start(&[]).await, FakeStt::start(&[]).await);
    let app = api_app(&cloudru, &openai, &[("STT_API_MAX_BYTES", "100000")]).await;
    let (_, _, user) = app.signed_in().await;
    let id = transcribing_video(&app, user, &audio, "audio/mpeg", 43.0).await;
    let _ = std::fs::remove_dir_all(&dir);
    let worker = InProcessWorker::start(&app);
    enqueue(&app, id, "k").await;
    eventually("the video is transcribed", async || status(&app, &id.to_string()).await == "analyzing").await;

    let (language, text, segments, model) = transcript_row(&app, id).await.unwrap();
    assert_eq!((language.as_str(), model.as_str()), ("en", "cloudru/openai/whisper-large-v3"));
    assert_eq!(text, "piece 1 piece 2 piece 3 piece 4");
    // Each piece starts in the middle of a pause (10.5, 21.5, 32.5 s); its segment starts 0.2 s into it.
    let starts: Vec<f64> = segments.as_array().unwrap().iter().map(|s| s["start"].as_f64().unwrap()).collect();
    for (got, want) in starts.iter().zip([0.2, 10.7, 21.7, 32.7]) {
        assert!((got - want).abs() <= 0.15, "segment starts {starts:?}");
    }
    let word = &segments[3]["words"][1];
    assert_eq!(word["text"], "4");
    assert!((word["start"].as_f64().unwrap() - 33.1).abs() <= 0.15, "{word}");
    // Every request stayed under the limit and carried the documented fields.
    let requests = cloudru.server.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert!(r.body.len() < 100_000, "a request of {} bytes", r.body.len());
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("name=\"model\"\r\n\r\nopenai/whisper-large-v3\r\n"));
        assert!(body.contains("Content-Type: audio/mpeg"));
    }
    assert_eq!(openai.calls(), 0);
    assert_eq!(charged(&app, user, id).await.1, 1);
    let provider: String = app
        .db
        .client()
        .await
        .query_one("SELECT provider FROM usage_records WHERE video_id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(provider, "cloudru");
    worker.stop().await;
}

#[tokio::test]
async fn the_api_engine_retries_429_and_falls_back_to_the_second_provider() {
    let dir = scratch();
    let audio = tones_with_pauses(&dir);
    // Cloud.ru: busy once, then fine. Then Cloud.ru down for good: OpenAI takes over.
    let (cloudru, openai) = (FakeStt::start(&[429]).await, FakeStt::start(&[]).await);
    let app = api_app(&cloudru, &openai, &[]).await;
    let (_, _, user) = app.signed_in().await;
    let first = transcribing_video(&app, user, &audio, "audio/mpeg", 43.0).await;
    let worker = InProcessWorker::start(&app);
    enqueue(&app, first, "a").await;
    eventually("the first video is transcribed", async || status(&app, &first.to_string()).await == "analyzing").await;
    assert_eq!(cloudru.calls(), 2, "one 429, one success");
    assert_eq!(openai.calls(), 0);
    assert_eq!(transcript_row(&app, first).await.unwrap().3, "cloudru/openai/whisper-large-v3");
    worker.stop().await;

    let unavailable = backend::metrics::ops().stt_error_count("cloudru", "unavailable");
    let (down, openai) = (FakeStt::failing(503).await, FakeStt::start(&[]).await);
    let app = api_app(&down, &openai, &[]).await;
    let (_, _, user) = app.signed_in().await;
    let second = transcribing_video(&app, user, &audio, "audio/mpeg", 43.0).await;
    let worker = InProcessWorker::start(&app);
    enqueue(&app, second, "b").await;
    eventually("the second video is transcribed", async || status(&app, &second.to_string()).await == "analyzing")
        .await;
    assert_eq!(down.calls(), 3, "STT_API_ATTEMPTS tries");
    assert_eq!(openai.calls(), 1);
    // Counted once, after the retries; the 429 that was retried successfully for the first video was not an error.
    assert_eq!(backend::metrics::ops().stt_error_count("cloudru", "unavailable") - unavailable, 1);
    assert_eq!(transcript_row(&app, second).await.unwrap().3, "openai/whisper-1");

    // A Global user's audio goes to OpenAI first.
    app.db.client().await.execute("UPDATE users SET llm_strategy = 'global' WHERE id = $1", &[&user]).await.unwrap();
    let third = transcribing_video(&app, user, &audio, "audio/mpeg", 43.0).await;
    enqueue(&app, third, "c").await;
    eventually("the third video is transcribed", async || status(&app, &third.to_string()).await == "analyzing").await;
    assert_eq!((down.calls(), openai.calls()), (3, 2));
    let _ = std::fs::remove_dir_all(&dir);
    worker.stop().await;
}

#[tokio::test]
async fn a_refused_key_fails_the_video_at_once_with_a_clear_message() {
    let dir = scratch();
    let audio = tones_with_pauses(&dir);
    let (cloudru, openai) = (FakeStt::failing(401).await, FakeStt::failing(401).await);
    let app = api_app(&cloudru, &openai, &[("JOB_MAX_ATTEMPTS", "3")]).await;
    let refused = |provider: &str| backend::metrics::ops().stt_error_count(provider, "auth");
    let before = (refused("cloudru"), refused("openai"));
    let (_, _, user) = app.signed_in().await;
    let id = transcribing_video(&app, user, &audio, "audio/mpeg", 43.0).await;
    let _ = std::fs::remove_dir_all(&dir);
    let worker = InProcessWorker::start(&app);
    enqueue(&app, id, "k").await;
    eventually("the video fails", async || status(&app, &id.to_string()).await == "failed").await;
    let error: String =
        app.db.client().await.query_one("SELECT error FROM videos WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(domain::Failure::from_stored(&error), domain::Failure::SttRefused { provider: "cloudru".into() });
    assert!(!error.contains(testkit::fake_stt::KEY) && !error.contains("sk-"), "no key in the message: {error}");
    // Not retried: one request each, and nothing charged.
    assert_eq!((cloudru.calls(), openai.calls()), (1, 1));
    // The server's keys refused: a provider error each, in clipmaker_stt_provider_errors_total.
    assert_eq!((refused("cloudru") - before.0, refused("openai") - before.1), (1, 1));
    assert_eq!(charged(&app, user, id).await, (0, 0, 0));
    assert!(transcript_row(&app, id).await.is_none());
    worker.stop().await;
}
