//! The clip editor end to end below the browser: an edit saved through `backend::editor` is checked, stored and
//! rendered again by the real worker with real FFmpeg: the range moves, cut words leave the picture and the sound
//! (the render is shorter by their length), a corrected word is what the stored captions say, the previous render
//! stays playable meanwhile, and the video's timeline media (peaks, filmstrip) are built and served.

mod common;

use backend::{
    clips::ClipEditError,
    editor,
    teams::{self, Actor},
};
use common::{
    InProcessWorker,
    media::{probe, source_video, tempdir},
    spawn,
};
use domain::{
    edit::ClipEdit,
    timeline::{PEAKS_PER_SECOND, object_key},
    transcript::Word,
};
use testkit::{TestApp, eventually, speech::timed_transcript};
use uuid::Uuid;

fn sentences() -> Vec<&'static str> {
    vec![
        "Hello everyone, today we talk about short videos.",
        "The first step is simple: find a strong opening.",
        "The second step: keep the pace and cut the pauses.",
        "The third step: end with a call to action.",
        "Record once a week and publish every day.",
        "That is all for today, see you next time.",
    ]
}

async fn ready(app: &TestApp, clip: Uuid) -> (String, u32) {
    let row =
        app.db.client().await.query_one("SELECT status, revision FROM clips WHERE id = $1", &[&clip]).await.unwrap();
    (row.get(0), row.get::<_, i32>(1) as u32)
}

async fn stored_text(app: &TestApp, key: &str) -> String {
    let dir = tempdir();
    let file = dir.path().join("f");
    app.state.storage.download_to_file(key, &file).await.unwrap();
    std::fs::read_to_string(file).unwrap()
}

fn duration_of(file: &std::path::Path) -> f64 {
    probe(file)["format"]["duration"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_edit_renders_the_new_range_without_the_cut_words_and_with_the_corrected_one() {
    let app = spawn(&[]).await;
    let dir = tempdir();
    let source = dir.path().join("source.mp4");
    source_video(&source, 30);
    let transcript = timed_transcript(&sentences(), 0.5);
    let words: Vec<Word> = transcript.words().cloned().collect();
    let user = app.create_user(&testkit::mailbox::unique_address("editor")).await;
    let video = common::rendering_video(&app, user, &source, &transcript).await;
    app.db.client().await.execute("UPDATE videos SET duration_seconds = 30 WHERE id = $1", &[&video]).await.unwrap();
    let clip = common::pending_clip(&app, user, video, 1.0, 17.0).await;
    let worker = InProcessWorker::start(&app);
    eventually("the clip renders", async || ready(&app, clip).await == ("ready".into(), 1)).await;
    let actor: Actor = teams::actor(&app.state, user).await.unwrap();

    // The editor opens with the clip's range, every word, the plan's limit and, once built, the timeline.
    backend::editor::request_timeline(&app.state, video).await;
    eventually("the timeline is built", async || {
        editor::open(&app.state, &actor, clip).await.unwrap().unwrap().timeline.is_some()
    })
    .await;
    let data = editor::open(&app.state, &actor, clip).await.unwrap().unwrap();
    assert_eq!((data.edit.start, data.edit.end), (1.0, 17.0));
    assert_eq!(data.words.len(), words.len());
    for (got, sent) in data.words.iter().zip(&words) {
        // jsonb keeps numbers as decimals: the last bits of a float may differ.
        assert_eq!(got.text, sent.text);
        assert!((got.start - sent.start).abs() < 1e-9 && (got.end - sent.end).abs() < 1e-9);
    }
    assert_eq!((data.source_seconds, data.max_clip_seconds, data.editable), (30.0, 60.0, true));
    let timeline = data.timeline.unwrap();
    let expected_peaks = 30 * PEAKS_PER_SECOND;
    assert!(timeline.peaks.abs_diff(expected_peaks) <= 2, "{} peaks for 30 s", timeline.peaks);
    assert_eq!((timeline.sheets, timeline.tiles), (1, 30), "one sheet of 30 one-second tiles");
    let peaks_key = object_key(&video.to_string(), "peaks.u8");
    assert_eq!(app.state.storage.size(&peaks_key).await.unwrap(), Some(i64::from(timeline.peaks)));
    assert!(app.state.storage.size(&object_key(&video.to_string(), "sprite-000.jpg")).await.unwrap().is_some());

    // Bad edits are refused and change nothing.
    let mut too_short = data.edit.clone();
    too_short.end = too_short.start + 5.0;
    let mut past_the_end = data.edit.clone();
    past_the_end.end = 31.0;
    let mut foreign_word = data.edit.clone();
    foreign_word.cut.insert(words.len());
    for bad in [too_short, past_the_end, foreign_word] {
        assert!(matches!(editor::save(&app.state, &actor, clip, bad).await, Err(ClipEditError::BadInput)));
    }
    assert_eq!(ready(&app, clip).await, ("ready".into(), 1));

    // Extend the range past the AI's end, cut two words and fix a third.
    let (first_cut, second_cut, fixed) = (3, 12, 20);
    let mut edit = ClipEdit::new(1.0, 19.0);
    edit.cut.extend([first_cut, second_cut]);
    edit.fixes.insert(fixed, "CORRECTED".into());
    let cut_seconds: f64 = [first_cut, second_cut].iter().map(|&i| words[i].end - words[i].start).sum();
    let card = editor::save(&app.state, &actor, clip, edit.clone()).await.unwrap();
    assert!(card.playable(), "the previous render stays playable while the new one is made");
    assert!(matches!(editor::save(&app.state, &actor, clip, edit.clone()).await, Err(ClipEditError::Busy)));
    eventually("the clip renders again", async || ready(&app, clip).await == ("ready".into(), 2)).await;
    worker.stop().await;

    let (_, file_key, ..) = common::clip_row(&app, clip).await;
    let file = dir.path().join("edited.mp4");
    app.state.storage.download_to_file(&file_key.unwrap(), &file).await.unwrap();
    let duration = duration_of(&file);
    let expected = 18.0 - cut_seconds;
    assert!((duration - expected).abs() <= 0.1, "rendered {duration:.3} s, expected {expected:.3} s");
    let ass = stored_text(&app, &backend::clips::captions_key(video, clip)).await;
    assert!(ass.contains("CORRECTED"), "{ass}");
    assert!(!ass.contains(&format!(" {} ", words[fixed].text)), "the misheard word is gone: {ass}");
    for i in [first_cut, second_cut] {
        let text = words[i].text.trim_matches(|c: char| !c.is_alphanumeric());
        let shown = ass.lines().filter(|l| l.starts_with("Dialogue:")).any(|l| {
            l.rsplit(",,")
                .next()
                .unwrap()
                .split_whitespace()
                .any(|w| w.trim_matches(|c: char| !c.is_alphanumeric()) == text)
        });
        assert!(!shown, "cut word {text:?} is still in the captions: {ass}");
    }
    let reopened = editor::open(&app.state, &actor, clip).await.unwrap().unwrap();
    assert_eq!(reopened.edit, edit, "the editor opens with what was saved");
    assert_eq!((reopened.card.candidate.start, reopened.card.candidate.end), (1.0, 19.0));
}

#[tokio::test]
async fn a_team_viewer_opens_the_editor_read_only_and_cannot_save() {
    let app = spawn(&[]).await;
    let owner = app.create_user(&testkit::mailbox::unique_address("owner")).await;
    app.db.client().await.execute("UPDATE users SET plan_id = 'pro' WHERE id = $1", &[&owner]).await.unwrap();
    let team = backend::teams::create(&app.state, owner, "Студия").await.unwrap();
    let viewer = app.create_user(&testkit::mailbox::unique_address("viewer")).await;
    app.db
        .client()
        .await
        .execute("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, 'viewer')", &[&team, &viewer])
        .await
        .unwrap();
    let (_, clip) = app.ready_clip(owner, Some(team), b"0123456789abcdef").await;
    let viewer_actor = teams::actor(&app.state, viewer).await.unwrap();
    let data = editor::open(&app.state, &viewer_actor, clip).await.unwrap().unwrap();
    assert!(!data.editable);
    let edit = ClipEdit::new(12.0, 40.0);
    assert!(matches!(editor::save(&app.state, &viewer_actor, clip, edit.clone()).await, Err(ClipEditError::Forbidden)));
    let stranger =
        teams::actor(&app.state, app.create_user(&testkit::mailbox::unique_address("x")).await).await.unwrap();
    assert!(editor::open(&app.state, &stranger, clip).await.unwrap().is_none());
    assert!(matches!(editor::save(&app.state, &stranger, clip, edit).await, Err(ClipEditError::NotFound)));
}
