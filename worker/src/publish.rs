//! The `publish` job ([`PublishClip`]): posts one publication through its platform's adapter
//! ([`backend::publish::run`]); after the last failed attempt the publication is marked failed with the reason.
//! Scheduled publications are enqueued by a sweep every [`SWEEP`] when their time comes.

use std::time::Duration;

use backend::{
    AppState,
    jobs::PublishClip,
    queue::{JobContext, JobHandler},
};

/// How often scheduled publications are looked for.
pub const SWEEP: Duration = Duration::from_secs(30);

/// Runs [`PublishClip`] jobs.
pub struct PublishHandler {
    state: AppState,
}

impl PublishHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> PublishHandler {
        PublishHandler { state }
    }
}

impl JobHandler<PublishClip> for PublishHandler {
    async fn run(&self, _ctx: JobContext, job: PublishClip) -> anyhow::Result<()> {
        backend::publish::run(&self.state, job.publication_id).await
    }

    async fn failed(&self, _ctx: JobContext, job: PublishClip, error: String) -> anyhow::Result<()> {
        backend::publish::fail(&self.state, job.publication_id, &error).await
    }
}
