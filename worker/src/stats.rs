//! The `collect-stats` job ([`CollectStats`]): one pass of [`backend::publish::collect_stats`], enqueued every six
//! hours by the worker's cron (`STATS_CRON`). A pass samples every recent post once; running it again adds a sample.

use backend::{
    AppState,
    jobs::CollectStats,
    queue::{JobContext, JobHandler},
};

/// Runs [`CollectStats`] jobs.
pub struct CollectStatsHandler {
    state: AppState,
}

impl CollectStatsHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> CollectStatsHandler {
        CollectStatsHandler { state }
    }
}

impl JobHandler<CollectStats> for CollectStatsHandler {
    async fn run(&self, _ctx: JobContext, job: CollectStats) -> anyhow::Result<()> {
        let report = backend::publish::collect_stats(&self.state, chrono::Utc::now()).await?;
        tracing::info!(tick = %job.tick, sampled = report.sampled, failed = report.failed, "stats collected");
        Ok(())
    }
}
