//! Prometheus metrics (the `prometheus-client` crate, one registry per process so tests can run several).
//!
//! Queue gauges are read from Redis when metrics are scraped; job counters and durations are recorded by the worker
//! runtime as jobs run.

use std::{
    sync::{Arc, atomic::AtomicU64},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::queue::{Queue, QueueName};

/// The `queue` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabel {
    /// The queue's name.
    pub queue: String,
}

/// The `queue` and `state` labels of the depth gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueStateLabel {
    /// The queue's name.
    pub queue: String,
    /// waiting, running, delayed or dead.
    pub state: String,
}

fn label(queue: &str) -> QueueLabel {
    QueueLabel { queue: queue.to_owned() }
}

type DurationFamily = Family<QueueLabel, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    // 50 ms … about 7 minutes.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.05, 2.0, 14))
}

/// Counters and durations of jobs, per queue.
pub struct JobMetrics {
    started: Family<QueueLabel, Counter>,
    succeeded: Family<QueueLabel, Counter>,
    failed: Family<QueueLabel, Counter>,
    retried: Family<QueueLabel, Counter>,
    duration: DurationFamily,
}

impl JobMetrics {
    fn register(registry: &mut Registry) -> JobMetrics {
        let m = JobMetrics {
            started: Family::default(),
            succeeded: Family::default(),
            failed: Family::default(),
            retried: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
        };
        registry.register("clipmaker_jobs_started", "Job attempts started", m.started.clone());
        registry.register("clipmaker_jobs_succeeded", "Jobs that succeeded", m.succeeded.clone());
        registry.register(
            "clipmaker_jobs_failed",
            "Jobs that failed their last attempt and went to the dead-letter list",
            m.failed.clone(),
        );
        registry.register("clipmaker_jobs_retried", "Failed attempts scheduled for a retry", m.retried.clone());
        registry.register("clipmaker_job_duration_seconds", "How long job attempts ran", m.duration.clone());
        m
    }

    /// An attempt started.
    pub fn started(&self, queue: &str) {
        self.started.get_or_create(&label(queue)).inc();
    }

    /// An attempt succeeded after `elapsed`.
    pub fn succeeded(&self, queue: &str, elapsed: Duration) {
        self.succeeded.get_or_create(&label(queue)).inc();
        self.observe(queue, elapsed);
    }

    /// A failed attempt will be retried.
    pub fn retried(&self, queue: &str) {
        self.retried.get_or_create(&label(queue)).inc();
    }

    /// A job went to the dead-letter list.
    pub fn failed(&self, queue: &str) {
        self.failed.get_or_create(&label(queue)).inc();
    }

    /// Records an attempt's duration.
    pub fn observe(&self, queue: &str, elapsed: Duration) {
        self.duration.get_or_create(&label(queue)).observe(elapsed.as_secs_f64());
    }

    /// How many jobs of `queue` succeeded (for tests and the admin view).
    pub fn succeeded_count(&self, queue: &str) -> u64 {
        self.succeeded.get_or_create(&label(queue)).get()
    }
}

/// A process's registry: job metrics plus queue gauges refreshed from Redis at each scrape.
pub struct Metrics {
    registry: Registry,
    /// Job counters (recorded by the worker runtime).
    pub jobs: Arc<JobMetrics>,
    depth: Family<QueueStateLabel, Gauge>,
    oldest: Family<QueueLabel, Gauge<f64, AtomicU64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let jobs = Arc::new(JobMetrics::register(&mut registry));
        let depth = Family::<QueueStateLabel, Gauge>::default();
        let oldest = Family::<QueueLabel, Gauge<f64, AtomicU64>>::default();
        registry.register("clipmaker_queue_jobs", "Jobs per queue and state", depth.clone());
        registry.register(
            "clipmaker_queue_oldest_waiting_seconds",
            "How long the oldest waiting job of each queue has waited (0 when none waits)",
            oldest.clone(),
        );
        Metrics { registry, jobs, depth, oldest }
    }

    /// Reads every queue's counts from Redis, then renders the Prometheus text format. If Redis is unreachable the
    /// gauges keep their last values and the error is logged.
    pub async fn render(&self, queue: &Queue) -> String {
        for q in QueueName::ALL {
            match queue.stats(q).await {
                Ok(s) => {
                    for (state, n) in
                        [("waiting", s.waiting), ("running", s.running), ("delayed", s.delayed), ("dead", s.dead)]
                    {
                        self.depth
                            .get_or_create(&QueueStateLabel { queue: q.as_str().into(), state: state.into() })
                            .set(n as i64);
                    }
                    self.oldest
                        .get_or_create(&label(q.as_str()))
                        .set(s.oldest_waiting.map_or(0.0, |d| d.as_secs_f64()));
                }
                Err(e) => {
                    tracing::warn!(queue = %q, error = format!("{e:#}"), "reading queue stats for metrics failed");
                    break;
                }
            }
        }
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// Whether a scrape may read metrics: always when no token is configured, otherwise only with
/// `Authorization: Bearer <token>`.
pub fn authorized(token: Option<&crate::config::MetricsToken>, authorization: Option<&str>) -> bool {
    match token {
        None => true,
        Some(t) => authorization.and_then(|a| a.strip_prefix("Bearer ")).is_some_and(|given| {
            // Digests are compared, not the token itself, so comparison timing reveals nothing about it.
            use sha2::Digest as _;
            sha2::Sha256::digest(given.as_bytes()) == sha2::Sha256::digest(t.0.as_bytes())
        }),
    }
}

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
