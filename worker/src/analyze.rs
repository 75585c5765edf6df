//! The `analyzing` stage ([`Analyze`]): pick the clips from the transcript, score them, store them as pending clips
//! and queue their renders.
//!
//! Which analyzer runs (`LLM_ANALYZER`): `auto` (the default) uses the LLM router ([`crate::llm`]) when a key (the
//! user's or the server's) reaches the default tier's model of the owner's strategy, else the local analyzer
//! ([`crate::analysis`]), which needs no key; `local` and `llm` force one. Every LLM call is recorded in
//! `usage_records` with its tokens and cost, also when the analysis then fails. An LLM failure is retried by the
//! queue; on the job's last attempt under `auto` the local analyzer steps in, so the video still gets clips.
//!
//! Clips follow the owner's preferences (count, 15–60 s by default), never more than the plan allows. A transcript
//! with no passage long enough fails the video with the reason.
//!
//! Idempotent: a redelivered job finds the video past `analyzing` and does nothing; a rerun replaces the pending
//! clips of the previous run.

use backend::{
    AppState,
    clips::{self, AnalysisTarget, LlmUsage},
    config::AnalyzerChoice,
    jobs::Analyze,
    queue::{JobContext, JobHandler},
    transcripts, videos,
};
use domain::{Plan, VideoStatus, analysis::ClipCandidate, transcript::Transcript, videos::stage};

use crate::{
    Rejected, analysis,
    llm::{
        Tier,
        moments::{self, AnalysisError},
        router::{Call, Router},
    },
    progress,
};

/// Runs [`Analyze`] jobs.
pub struct AnalyzeHandler {
    state: AppState,
}

/// The clip request a target's preferences and plan give.
pub fn request_for(target: &AnalysisTarget) -> analysis::Request {
    analysis::Request {
        count: target.clip_count.map(|c| c as usize),
        min_seconds: f64::from(target.clip_min_seconds),
        max_seconds: f64::from(target.clip_max_seconds),
        plan_max: Plan::get(target.plan).max_clips_per_video as usize,
    }
}

impl From<&Call> for LlmUsage {
    fn from(c: &Call) -> LlmUsage {
        LlmUsage {
            task: c.task.to_owned(),
            tier: c.tier as i16,
            provider: c.provider.to_owned(),
            model: c.model.clone(),
            tokens_in: c.tokens_in,
            tokens_out: c.tokens_out,
            cost_kopecks: c.cost_kopecks,
            key_source: c.key_source.as_str().to_owned(),
        }
    }
}

impl AnalyzeHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> AnalyzeHandler {
        AnalyzeHandler { state }
    }

    /// Records the LLM calls made for `video_id` (also those of a failed analysis).
    async fn record(&self, target: &AnalysisTarget, video_id: uuid::Uuid, calls: &[Call]) {
        let usage: Vec<LlmUsage> = calls.iter().map(LlmUsage::from).collect();
        if let Err(e) = clips::record_llm_usage(&self.state, target.user_id, video_id, &usage).await {
            tracing::error!(error = format!("{e:#}"), calls = usage.len(), "recording LLM usage failed");
        }
        let cost: i64 = usage.iter().map(|u| u.cost_kopecks).sum();
        tracing::info!(calls = usage.len(), cost_kopecks = cost, "LLM calls recorded");
    }

    async fn analyze(&self, ctx: &JobContext, job: &Analyze) -> anyhow::Result<()> {
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
        let transcript =
            transcripts::of_video(state, id).await?.ok_or_else(|| Rejected::new(domain::Failure::NoTranscript))?;
        progress::report(state, id, stage::SELECTING, 10).await;
        let request = request_for(&target);
        let keys = backend::handoff::keys_for(state, id, target.user_id).await?;
        let router = Router::new(&state.config.llm, &keys, &target.strategy)?;
        let mut calls = Vec::new();
        let last_attempt = ctx.attempt >= ctx.max_attempts;
        let chosen = choose_clips(&router, &transcript, request, target.plan, last_attempt, &mut calls).await;
        if !calls.is_empty() {
            self.record(&target, id, &calls).await;
        }
        let (candidates, use_llm) = chosen?;
        if candidates.is_empty() {
            let min_seconds = request.min_seconds.round() as u32;
            return Err(Rejected::new(domain::Failure::NoClips { min_seconds }).into());
        }
        if let Some(ids) = clips::save_candidates(state, id, &candidates).await? {
            tracing::info!(clips = ids.len(), best = candidates[0].virality.total, llm = use_llm, "clips chosen");
        }
        Ok(())
    }
}

/// Picks the clips of `transcript` as `LLM_ANALYZER` says (see the module docs): the LLM router when it may and
/// can, else the local analyzer; `last_attempt` lets the local analyzer stand in for a failing LLM under `auto`.
/// Every LLM call made lands in `calls`. Returns the clips and whether the LLM chose them. The job and
/// `worker process` both pick clips here.
pub async fn choose_clips(
    router: &Router<'_>,
    transcript: &Transcript,
    request: analysis::Request,
    plan: domain::PlanId,
    last_attempt: bool,
    calls: &mut Vec<Call>,
) -> anyhow::Result<(Vec<ClipCandidate>, bool)> {
    let choice = router.config().analyzer;
    let use_llm = match choice {
        AnalyzerChoice::Local => false,
        AnalyzerChoice::Llm => true,
        AnalyzerChoice::Auto => router.available(Tier::Default),
    };
    if choice == AnalyzerChoice::Llm && !router.available(Tier::Default) {
        let model = router.model(Tier::Default);
        return Err(Rejected::because(
            domain::Failure::LlmKeyMissing,
            format_args!("LLM_ANALYZER=llm but no API key reaches {} ({})", model.model, model.provider),
        )
        .into());
    }
    if !use_llm {
        return Ok((analysis::analyze(transcript, request), false));
    }
    let result: Result<Vec<ClipCandidate>, AnalysisError> =
        moments::pick(router, transcript, request, plan, calls).await;
    tracing::info!(calls = calls.len(), ok = result.is_ok(), "LLM analysis done");
    match result {
        Ok(c) if c.is_empty() => {
            tracing::info!("the LLM proposed no usable clip; the local analyzer looks too");
            Ok((analysis::analyze(transcript, request), false))
        }
        Ok(c) => Ok((c, true)),
        Err(e) if choice == AnalyzerChoice::Auto && last_attempt => {
            tracing::warn!(error = %e, "the LLM failed on the last attempt; the local analyzer picks the clips");
            Ok((analysis::analyze(transcript, request), false))
        }
        Err(e) => Err(anyhow::Error::new(e).context("LLM analysis")),
    }
}

impl JobHandler<Analyze> for AnalyzeHandler {
    async fn run(&self, ctx: JobContext, job: Analyze) -> anyhow::Result<()> {
        crate::settle(&self.state, job.video_id, self.analyze(&ctx, &job).await, false).await
    }

    async fn failed(&self, _ctx: JobContext, job: Analyze, error: String) -> anyhow::Result<()> {
        let reason = crate::exhausted(&self.state, &error, domain::Failure::AnalysisFailed);
        videos::fail(&self.state, job.video_id, &reason).await
    }
}
