//! The `billing-cron` job ([`BillingCron`]): one pass of [`backend::billing::cron`], enqueued by the worker's cron
//! (`BILLING_CRON`, daily by default) once per tick however many workers run. Overlapping passes charge once and
//! send each email once.

use backend::{
    AppState, billing,
    jobs::BillingCron,
    queue::{JobContext, JobHandler},
};

/// Runs [`BillingCron`] jobs.
pub struct BillingCronHandler {
    state: AppState,
}

impl BillingCronHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> BillingCronHandler {
        BillingCronHandler { state }
    }
}

impl JobHandler<BillingCron> for BillingCronHandler {
    async fn run(&self, _ctx: JobContext, job: BillingCron) -> anyhow::Result<()> {
        let report = billing::cron::run(&self.state, chrono::Utc::now()).await.map_err(anyhow::Error::from)?;
        tracing::info!(tick = %job.tick, ?report, "billing cron done");
        Ok(())
    }
}
