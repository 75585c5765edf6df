//! The `video-render` job ([`RenderClip`]), one per clip, as many at once as `WORKER_CONCURRENCY` gives the
//! `video-render` queue (default: the cores). The clip goes pending → rendering (with live progress from ffmpeg's
//! `-progress`) → ready, or failed with the reason kept; its video completes when no clip is left to render.
//!
//! The source is read straight from storage through a presigned URL (ffmpeg seeks with HTTP Range), so a clip of a
//! long video reads only its part. A render that cannot succeed (the source is gone, the bounds are outside the
//! video) fails the clip at once; anything else is retried by the queue, and the last failure fails only that clip.
//! Idempotent: a redelivered job finds the clip finished and does nothing.

use std::time::Duration;

use backend::{
    AppState,
    clips::{self, RenderOutcome},
    jobs::RenderClip,
    queue::{JobContext, JobHandler},
    transcripts,
};
use domain::{Plan, captions::CaptionStyle, transcript::Word};

use crate::{
    Rejected, progress,
    render::{self, Spec},
    scratch::Scratch,
};

/// How long the presigned URL ffmpeg reads the source from stays valid.
const SOURCE_URL_TTL: Duration = Duration::from_secs(6 * 3600);

/// Runs [`RenderClip`] jobs.
pub struct RenderClipHandler {
    state: AppState,
}

impl RenderClipHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> RenderClipHandler {
        RenderClipHandler { state }
    }

    async fn render(&self, ctx: &JobContext, job: &RenderClip) -> anyhow::Result<()> {
        let state = &self.state;
        let Some(target) = clips::render_target(state, job.clip_id).await? else {
            tracing::info!("the clip no longer exists; nothing to do");
            return Ok(());
        };
        if target.status.is_terminal() {
            tracing::info!(status = %target.status, "the clip is already rendered; nothing to do");
            return Ok(());
        }
        let key = target.source_key.clone().ok_or_else(|| Rejected::new(domain::Failure::SourceGone))?;
        if target.source_seconds.is_some_and(|d| target.start >= d) {
            return Err(Rejected::because(
                domain::Failure::ClipOutside,
                format_args!(
                    "the clip {:.1}–{:.1} s is outside the video: nothing to render",
                    target.start, target.end
                ),
            )
            .into());
        }
        if !clips::start_render(state, target.clip_id).await? {
            return Ok(());
        }
        clips::settle_video(state, target.video_id).await?;
        let words: Vec<Word> = transcripts::of_video(state, target.video_id)
            .await?
            .map(|t| t.words().cloned().collect())
            .unwrap_or_default();
        let watermark = Plan::get(target.plan).watermark;
        let spec = match target.edit.clone() {
            Some(edit) => Spec::edited(edit, target.layout, &target.style, watermark),
            None => Spec::new(target.start, target.end, target.layout, CaptionStyle::get(&target.style), watermark),
        };
        let scratch = Scratch::new(&format!("render-{}", ctx.id))?;
        let input = state.storage.presign_read(&key, SOURCE_URL_TTL).await?;
        let (out, thumb) = (scratch.0.join("clip.mp4"), scratch.0.join("thumb.jpg"));
        let (tx, rx) = tokio::sync::watch::channel(0.0);
        let clip_id = target.clip_id;
        let report = |pct: u8| async move {
            if let Err(e) = clips::report_render_progress(state, clip_id, pct).await {
                tracing::warn!(error = format!("{e:#}"), "reporting render progress failed");
            }
        };
        let (rendered, ()) = tokio::join!(
            render::render(&spec, &state.config.render, &words, &input, &scratch.0, &out, tx),
            progress::follow(rx, 0, 95, report)
        );
        let rendered = rendered?;
        render::thumbnail(&out, rendered.duration, &thumb).await?;
        let small = scratch.0.join("thumb-320.jpg");
        render::post_thumbnail(&thumb, &small).await?;
        let (file_key, thumbnail_key) =
            (clips::file_key(target.video_id, clip_id), clips::thumbnail_key(target.video_id, clip_id));
        state.storage.put_file(&file_key, &out, "video/mp4").await?;
        state.storage.put_file(&thumbnail_key, &thumb, "image/jpeg").await?;
        state.storage.put_file(&clips::post_thumbnail_key(target.video_id, clip_id), &small, "image/jpeg").await?;
        // The captions burned in, for the creator to download and check.
        let subtitles = scratch.0.join(render::SUBTITLES_FILE);
        let captions_key = clips::captions_key(target.video_id, clip_id);
        if tokio::fs::try_exists(&subtitles).await.unwrap_or(false) {
            state.storage.put_file(&captions_key, &subtitles, "text/x-ssa; charset=utf-8").await?;
        } else {
            state.storage.delete_prefix(&captions_key).await?;
        }
        tracing::info!(%clip_id, duration = rendered.duration, style = spec.style.id, "clip rendered");
        clips::finish_render(state, clip_id, &RenderOutcome::Ready { file_key, thumbnail_key }).await
    }
}

impl JobHandler<RenderClip> for RenderClipHandler {
    async fn run(&self, ctx: JobContext, job: RenderClip) -> anyhow::Result<()> {
        let Some(reason) = crate::rejection(&self.state, self.render(&ctx, &job).await)? else { return Ok(()) };
        clips::finish_render(&self.state, job.clip_id, &RenderOutcome::Failed(reason)).await
    }

    async fn failed(&self, _ctx: JobContext, job: RenderClip, error: String) -> anyhow::Result<()> {
        let reason = crate::exhausted(&self.state, &error, domain::Failure::RenderFailed);
        clips::finish_render(&self.state, job.clip_id, &RenderOutcome::Failed(reason)).await
    }
}
