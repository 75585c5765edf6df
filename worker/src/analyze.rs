//! The `analyzing` stage ([`Analyze`]): pick the clips from the transcript, score them, store them as pending clips
//! and queue their renders.
//!
//! The local analyzer ([`crate::analysis`]) does the choosing: it needs no key. (The LLM router's providers are the
//! rest of the analysis issue; they will take over when a key is configured.) Clips are 15–60 s, as many as the
//! owner's plan allows. A transcript with no passage long enough fails the video with the reason.
//!
//! Idempotent: a redelivered job finds the video past `analyzing` and does nothing; a rerun replaces the pending
//! clips of the previous run.

use backend::{
    AppState, clips,
    jobs::Analyze,
    queue::{JobContext, JobHandler},
    transcripts, videos,
};
use domain::{Plan, VideoStatus, videos::stage};

use crate::{Rejected, analysis, progress};

/// Runs [`Analyze`] jobs.
pub struct AnalyzeHandler {
    state: AppState,
}

impl AnalyzeHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> AnalyzeHandler {
        AnalyzeHandler { state }
    }

    async fn analyze(&self, job: &Analyze) -> anyhow::Result<()> {
        let state = &self.state;
        let id = job.video_id;
        let Some(target) = clips::analysis_target(state, id).await? else {
            tracing::info!("the video no longer exists; nothing to do");
            return Ok(());
        };
        if target.status != VideoStatus::Analyzing {
            tracing::info!(status = %target.status, "the video has moved on; nothing to do");
            return Ok(());
        }
        let transcript = transcripts::for_user(state, target.user_id, id)
            .await?
            .ok_or_else(|| Rejected("the video has no transcript to analyze".into()))?;
        progress::report(state, id, stage::SELECTING, 10).await;
        let request =
            analysis::Request { plan_max: Plan::get(target.plan).max_clips_per_video as usize, ..Default::default() };
        let candidates = analysis::analyze(&transcript, request);
        if candidates.is_empty() {
            return Err(Rejected(format!(
                "no clips: the video has no passage of at least {} s of speech",
                request.min_seconds
            ))
            .into());
        }
        if let Some(ids) = clips::save_candidates(state, id, &candidates).await? {
            tracing::info!(clips = ids.len(), best = candidates[0].virality.total, "clips chosen");
        }
        Ok(())
    }
}

impl JobHandler<Analyze> for AnalyzeHandler {
    async fn run(&self, _ctx: JobContext, job: Analyze) -> anyhow::Result<()> {
        crate::settle(&self.state, job.video_id, self.analyze(&job).await, false).await
    }

    async fn failed(&self, _ctx: JobContext, job: Analyze, error: String) -> anyhow::Result<()> {
        videos::fail(&self.state, job.video_id, &error).await
    }
}
