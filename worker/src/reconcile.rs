//! The reconciler: Postgres says what should be running; Redis may have lost it (a flush, a restart without
//! persistence). Every interval it re-enqueues each video that sits in a non-terminal status, has not changed for
//! the threshold, and has no live job; and each clip waiting for a render the same way.

use std::time::Duration;

use backend::{
    AppState, clips,
    jobs::{Analyze, FetchSource, RenderClip, Transcribe},
    queue::{EnqueueOptions, Enqueued, subject_clip, subject_video},
    videos,
};
use domain::VideoStatus;

/// One pass; returns how many jobs it enqueued.
pub async fn reconcile_once(state: &AppState, stale_after: Duration) -> anyhow::Result<usize> {
    let before = chrono::Utc::now() - chrono::Duration::from_std(stale_after)?;
    let mut enqueued = 0;
    for video in videos::stale(state, before, 500).await? {
        let options =
            EnqueueOptions::new().priority(video.priority).subject(subject_video(video.id)).only_if_subject_idle();
        let outcome = match video.status {
            VideoStatus::Downloading => state.queue.enqueue(&FetchSource { video_id: video.id }, options).await?,
            VideoStatus::Transcribing => state.queue.enqueue(&Transcribe { video_id: video.id }, options).await?,
            VideoStatus::Analyzing => state.queue.enqueue(&Analyze { video_id: video.id }, options).await?,
            VideoStatus::GeneratingClips => {
                // Its clips have their own jobs (below); a video whose last clip finished without completing it
                // (a crash in between) completes here.
                clips::settle_video(state, video.id).await?;
                continue;
            }
            other => {
                tracing::debug!(video_id = %video.id, status = %other, "no job type handles this status yet");
                continue;
            }
        };
        if let Enqueued::New(job_id) = outcome {
            tracing::warn!(video_id = %video.id, status = %video.status, %job_id,
                "re-enqueued a video that had no live job");
            enqueued += 1;
        }
    }
    for (clip_id, priority) in clips::stale_renders(state, before, 500).await? {
        let options = EnqueueOptions::new().priority(priority).subject(subject_clip(clip_id)).only_if_subject_idle();
        if let Enqueued::New(job_id) = state.queue.enqueue(&RenderClip { clip_id }, options).await? {
            tracing::warn!(%clip_id, %job_id, "re-enqueued a clip render that had no live job");
            enqueued += 1;
        }
    }
    Ok(enqueued)
}
