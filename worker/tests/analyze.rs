//! The `analyze` job with the local analyzer: a transcribed video becomes pending clips with scores (no more than
//! the plan allows), renders are queued, a rerun replaces rather than duplicates, and a transcript with no passage
//! long enough fails the video with the reason.

use backend::{
    jobs::Analyze,
    queue::{EnqueueOptions, QueueName},
};
use domain::transcript::Transcript;
use testkit::{TestApp, eventually};
use uuid::Uuid;

mod common;
use common::{InProcessWorker, analyzing_video, spawn, status};

fn transcript(sentences: &[&str]) -> Transcript {
    testkit::speech::timed_transcript(sentences, 0.6)
}

/// These tests look at the clips as analysis leaves them, so this worker renders nothing.
const ANALYSIS_ONLY: &[(&str, &str)] = &[("WORKER_QUEUES", "llm-analyze")];

async fn clips(app: &TestApp, video: Uuid) -> Vec<(String, f64, f64, String, i64)> {
    app.db
        .client()
        .await
        .query(
            "SELECT title, start_s, end_s, status, (virality->>'total')::bigint FROM clips WHERE video_id = $1
             ORDER BY (virality->>'total')::bigint DESC",
            &[&video],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

#[tokio::test]
async fn a_transcribed_video_gets_scored_pending_clips_and_queued_renders() {
    const BLAND: &str = "The weather was mild and the meeting went on as planned with the usual agenda items.";
    let mut sentences = vec![BLAND; 40];
    sentences[20] = "Why do 90 percent of your videos never get views?";
    sentences[21] = "Because you bury the best moment at the end, so move it to the first three seconds.";
    let t = transcript(&sentences);
    let app = spawn(ANALYSIS_ONLY).await;
    let (_, _, user) = app.signed_in().await;
    let id = analyzing_video(&app, user, &t).await;
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new().key("a")).await.unwrap();
    eventually("the clips are chosen", async || status(&app, &id.to_string()).await == "generating_clips").await;

    let chosen = clips(&app, id).await;
    assert_eq!(chosen.len(), 3, "a Free plan gets 3 clips: {chosen:?}");
    assert!(chosen.iter().all(|c| c.3 == "pending" && (15.0..=60.3).contains(&(c.2 - c.1))), "{chosen:?}");
    assert!(chosen[0].0.starts_with("Why do 90 percent"), "the hook ranks first: {chosen:?}");
    assert!(chosen[0].1 <= t.segments[20].start && t.segments[20].start < chosen[0].2);
    let renders = app.state.queue.stats(QueueName::VideoRender).await.unwrap();
    assert_eq!(renders.waiting, 3, "one render per clip is queued");

    // A rerun (the job delivered again after the video was reset) replaces the pending clips.
    app.db.client().await.execute("UPDATE videos SET status = 'analyzing' WHERE id = $1", &[&id]).await.unwrap();
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new().key("b")).await.unwrap();
    eventually("the rerun finishes", async || status(&app, &id.to_string()).await == "generating_clips").await;
    let again = clips(&app, id).await;
    assert_eq!(again.len(), 3);
    assert_eq!(again.iter().map(|c| c.1).collect::<Vec<_>>(), chosen.iter().map(|c| c.1).collect::<Vec<_>>());

    // A Pro user gets more.
    app.db.client().await.execute("UPDATE users SET plan_id = 'pro' WHERE id = $1", &[&user]).await.unwrap();
    let pro = analyzing_video(&app, user, &t).await;
    app.state.queue.enqueue(&Analyze { video_id: pro }, EnqueueOptions::new()).await.unwrap();
    eventually("the Pro clips are chosen", async || status(&app, &pro.to_string()).await == "generating_clips").await;
    assert!(clips(&app, pro).await.len() > 3);
    worker.stop().await;
}

#[tokio::test]
async fn the_owners_clip_count_and_length_are_followed() {
    const BLAND: &str = "The weather was mild and the meeting went on as planned with the usual agenda items.";
    let t = transcript(&[BLAND; 40]);
    let app = spawn(ANALYSIS_ONLY).await;
    let (_, _, user) = app.signed_in().await;
    app.db
        .client()
        .await
        .execute(
            "UPDATE users SET clip_count = 2, clip_min_seconds = 30, clip_max_seconds = 60 WHERE id = $1",
            &[&user],
        )
        .await
        .unwrap();
    let id = analyzing_video(&app, user, &t).await;
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new()).await.unwrap();
    eventually("the clips are chosen", async || status(&app, &id.to_string()).await == "generating_clips").await;
    let chosen = clips(&app, id).await;
    assert_eq!(chosen.len(), 2, "{chosen:?}");
    assert!(chosen.iter().all(|c| (30.0..=60.3).contains(&(c.2 - c.1))), "{chosen:?}");
    worker.stop().await;
}

#[tokio::test]
async fn a_transcript_too_short_for_a_clip_fails_the_video_with_the_reason() {
    let app = spawn(ANALYSIS_ONLY).await;
    let (_, _, user) = app.signed_in().await;
    let id = analyzing_video(&app, user, &transcript(&["Hello there.", "Short talk."])).await;
    let worker = InProcessWorker::start(&app);
    app.state.queue.enqueue(&Analyze { video_id: id }, EnqueueOptions::new()).await.unwrap();
    eventually("the video fails", async || status(&app, &id.to_string()).await == "failed").await;
    let error: String =
        app.db.client().await.query_one("SELECT error FROM videos WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(domain::Failure::from_stored(&error), domain::Failure::NoClips { min_seconds: 15 });
    assert!(clips(&app, id).await.is_empty());
    worker.stop().await;
}
