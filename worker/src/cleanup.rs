//! The `cleanup` job ([`Cleanup`]): one retention pass ([`backend::retention`]), enqueued daily by the worker's cron
//! (`CLEANUP_CRON`). Running it twice does nothing the second time.

use backend::{
    AppState,
    jobs::Cleanup,
    queue::{JobContext, JobHandler},
    retention,
};

/// Runs [`Cleanup`] jobs.
pub struct CleanupHandler {
    state: AppState,
}

impl CleanupHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> CleanupHandler {
        CleanupHandler { state }
    }
}

impl JobHandler<Cleanup> for CleanupHandler {
    async fn run(&self, _ctx: JobContext, job: Cleanup) -> anyhow::Result<()> {
        let done = retention::cleanup(&self.state, chrono::Utc::now()).await?;
        tracing::info!(tick = %job.tick, expired = done.expired_videos, clips = done.deleted_clips,
            abandoned_uploads = done.abandoned_uploads, "retention pass done");
        Ok(())
    }
}
