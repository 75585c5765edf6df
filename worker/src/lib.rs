//! The worker: job handlers, media processing, the reconciler and the worker's own metrics endpoint.
//! [`runtime`] wires every handler into the queue runtime; the binary (`main.rs`) runs it until SIGTERM.

pub mod analysis;
pub mod analyze;
pub mod billing_cron;
pub mod cleanup;
pub mod cli;
pub mod egress;
pub mod llm;
pub mod media;
pub mod progress;
pub mod publish;
pub mod reconcile;
pub mod render;
pub mod scratch;
pub mod source;
pub mod stats;
pub mod stt;
pub mod timeline;
pub mod ytdlp;

use std::{net::SocketAddr, sync::Arc};

/// A stage failure retrying cannot fix (a file that is not media, a refused key, no sound): the video fails at once
/// with `reason`, which its owner reads translated; `cause`, the raw error, goes to the log only.
#[derive(Debug)]
pub struct Rejected {
    /// What the owner reads.
    pub reason: domain::Failure,
    /// The raw error behind it, if any (logged, never stored).
    pub cause: Option<String>,
}

impl Rejected {
    /// A rejection with nothing more to log than its reason.
    pub fn new(reason: domain::Failure) -> Rejected {
        Rejected { reason, cause: None }
    }

    /// A rejection caused by `cause` (formatted with its chain).
    pub fn because(reason: domain::Failure, cause: impl std::fmt::Display) -> Rejected {
        Rejected { reason, cause: Some(format!("{cause:#}")) }
    }
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason.key())?;
        match &self.cause {
            Some(cause) => write!(f, ": {cause}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Rejected {}

impl From<domain::Failure> for Rejected {
    fn from(reason: domain::Failure) -> Rejected {
        Rejected::new(reason)
    }
}

/// Logs a stage's raw `error` (scrubbed of storage URLs) when retries are exhausted, and returns `reason`: what the
/// owner reads instead.
pub fn exhausted(state: &AppState, error: &str, reason: domain::Failure) -> domain::Failure {
    tracing::error!(
        error = backend::redact::for_log(&state.config, error),
        reason = reason.key(),
        "the stage failed for good"
    );
    reason
}

/// Picks the [`Rejected`] error out of a run's `result`: `Ok(Some(reason))` for one (logged with its cause, scrubbed),
/// which fails the work at once instead of retrying; `Ok(None)` for success; any other error as it was, for the queue.
pub fn rejection(state: &AppState, result: anyhow::Result<()>) -> anyhow::Result<Option<domain::Failure>> {
    match result.map_err(|e| e.downcast::<Rejected>()) {
        Ok(()) => Ok(None),
        Err(Ok(rejected)) => {
            tracing::warn!(
                error = backend::redact::for_log(&state.config, &rejected.to_string()),
                "the work cannot succeed; it fails without retrying"
            );
            Ok(Some(rejected.reason))
        }
        Err(Err(other)) => Err(other),
    }
}

/// Ends a stage's run: a [`Rejected`] error fails the video at once with its reason (after deleting the stored
/// source when `delete_source`), so the queue does not retry; any other result goes back to the queue as it is.
pub async fn settle(
    state: &AppState,
    video_id: uuid::Uuid,
    result: anyhow::Result<()>,
    delete_source: bool,
) -> anyhow::Result<()> {
    let Some(reason) = rejection(state, result)? else { return Ok(()) };
    if delete_source {
        backend::uploads::delete_objects(state, video_id).await?;
    }
    backend::videos::fail(state, video_id, &reason).await
}

use anyhow::Context as _;
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use backend::{
    AppState,
    jobs::{
        Analyze, BillingCron, BuildTimeline, Cleanup, CollectStats, FetchSource, PublishClip, RenderClip, Transcribe,
    },
    metrics::{self, Metrics},
    queue::Runtime,
};

/// The queue runtime with every handler, the configured concurrency, shutdown grace and the reconciler.
pub fn runtime(state: &AppState, metrics: &Metrics) -> Runtime {
    let jobs = &state.config.jobs;
    // WORKER_QUEUES limits a process to some queues (a speech-recognition machine, say).
    let serves = |q: backend::queue::QueueName| jobs.queues.as_ref().is_none_or(|set| set.contains(&q));
    let mut runtime =
        Runtime::new(state.queue.clone()).shutdown_grace(jobs.shutdown_grace).metrics(metrics.jobs.clone());
    if serves(<FetchSource as backend::queue::Job>::QUEUE) {
        runtime = runtime.handle::<FetchSource, _>(source::FetchSourceHandler::new(state.clone()));
    }
    if serves(<Transcribe as backend::queue::Job>::QUEUE) {
        runtime = runtime.handle::<Transcribe, _>(stt::TranscribeHandler::new(state.clone()));
    }
    if serves(<Analyze as backend::queue::Job>::QUEUE) {
        runtime = runtime.handle::<Analyze, _>(analyze::AnalyzeHandler::new(state.clone()));
    }
    if serves(<RenderClip as backend::queue::Job>::QUEUE) {
        runtime = runtime.handle::<RenderClip, _>(render::job::RenderClipHandler::new(state.clone()));
    }
    if serves(<BuildTimeline as backend::queue::Job>::QUEUE) {
        runtime = runtime.handle::<BuildTimeline, _>(timeline::BuildTimelineHandler::new(state.clone()));
    }
    if serves(<Cleanup as backend::queue::Job>::QUEUE) {
        runtime = runtime
            .handle::<Cleanup, _>(cleanup::CleanupHandler::new(state.clone()))
            .cron::<Cleanup>(&jobs.cleanup_cron, |tick| Cleanup { tick: tick.to_rfc3339() })
            .expect("CLEANUP_CRON is validated with the configuration");
    }
    if serves(<BillingCron as backend::queue::Job>::QUEUE) {
        runtime = runtime
            .handle::<BillingCron, _>(billing_cron::BillingCronHandler::new(state.clone()))
            .cron::<BillingCron>(&state.config.billing.cron, |tick| BillingCron { tick: tick.to_rfc3339() })
            .expect("BILLING_CRON is validated with the configuration");
    }
    if serves(<CollectStats as backend::queue::Job>::QUEUE) {
        runtime = runtime
            .handle::<CollectStats, _>(stats::CollectStatsHandler::new(state.clone()))
            .cron::<CollectStats>(&jobs.stats_cron, |tick| CollectStats { tick: tick.to_rfc3339() })
            .expect("STATS_CRON is validated with the configuration");
    }
    if serves(<PublishClip as backend::queue::Job>::QUEUE) {
        let sweeper = state.clone();
        runtime = runtime.handle::<PublishClip, _>(publish::PublishHandler::new(state.clone())).every(
            "scheduled publications",
            publish::SWEEP,
            move || {
                let state = sweeper.clone();
                async move {
                    backend::publish::enqueue_due(&state, chrono::Utc::now()).await?;
                    Ok(())
                }
            },
        );
    }
    for (queue, n) in &jobs.concurrency {
        runtime = runtime.concurrency(*queue, *n);
    }
    let (state, stale_after) = (state.clone(), jobs.reconcile_after);
    runtime.every("reconciler", jobs.reconcile_interval, move || {
        let state = state.clone();
        async move {
            reconcile::reconcile_once(&state, stale_after).await?;
            Ok(())
        }
    })
}

#[derive(Clone)]
struct MetricsState {
    app: AppState,
    metrics: Arc<Metrics>,
}

async fn metrics_route(State(s): State<MetricsState>, headers: HeaderMap) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !metrics::authorized(s.app.config.jobs.metrics_token.as_ref(), auth) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], s.metrics.render(&s.app.queue).await).into_response()
}

/// Binds the worker's `/metrics` listener on `addr` and serves it in the background.
pub async fn serve_metrics(addr: SocketAddr, app: AppState, metrics: Arc<Metrics>) -> anyhow::Result<SocketAddr> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr} (WORKER_METRICS_ADDR)"))?;
    let bound = listener.local_addr()?;
    let router = Router::new().route("/metrics", get(metrics_route)).with_state(MetricsState { app, metrics });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(bound)
}
