//! Prometheus metrics (the `prometheus-client` crate, one registry per process so tests can run several).
//!
//! Queue gauges are read from Redis when metrics are scraped; job counters and durations are recorded by the worker
//! runtime as jobs run. The operations metrics ([`ops`]: HTTP requests, video processing time, provider errors,
//! payment webhook failures) are recorded from code that has no registry at hand, so they live in one process-wide
//! [`OpsMetrics`] that every [`Metrics`] registry exports. `docs/operations.md` lists every series.

use std::{
    sync::{Arc, OnceLock, atomic::AtomicU64},
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
        // Failures start at zero for every queue, so the first one is seen by `increase()` in the failed-jobs alert.
        for q in QueueName::ALL {
            drop(m.failed.get_or_create(&label(q.as_str())));
        }
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
        ops().register(&mut registry);
        Metrics { registry, jobs, depth, oldest }
    }

    /// The registry in the Prometheus text format as it stands, without reading Redis.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
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
        self.encode()
    }
}

/// The labels of [`OpsMetrics`]'s request counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The request method (`GET`, `POST`, …; anything unusual is `OTHER`).
    pub method: String,
    /// The matched route pattern (`/api/clips/{clip}/stream`), never a raw path; `other` when no route matched.
    pub route: String,
    /// The status class: `2xx`, `3xx`, `4xx` or `5xx`.
    pub status: String,
}

/// The `route` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabel {
    /// The matched route pattern, or `other`.
    pub route: String,
}

/// The labels of the 5xx counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpErrorLabels {
    /// The matched route pattern, or `other`.
    pub route: String,
    /// The status code (`500`, `503`, …).
    pub status: String,
}

/// The `source` label of the processing histograms.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabel {
    /// `file` (uploaded) or `url` (imported from a link).
    pub source: String,
}

/// The labels of the provider error counters.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProviderErrorLabels {
    /// The provider (`cloudru`, `openai`, `anthropic`, …).
    pub provider: String,
    /// `auth` (our key refused), `refused` (request refused), `unavailable` (busy or unreachable after every retry)
    /// or `malformed` (a reply in an unknown shape).
    pub kind: String,
}

/// The `reason` label of the webhook failure counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Why the notification failed (see [`WebhookFailure`]).
    pub reason: String,
}

/// Why a payment notification was not processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFailure {
    /// The body was not a YooKassa notification (answered 400).
    Malformed,
    /// It came from outside YooKassa's networks (answered 403).
    Forbidden,
    /// No shop is configured, so it was acknowledged and dropped.
    Unconfigured,
    /// Handling failed (the API or the database); answered 500 so YooKassa repeats it.
    NotProcessed,
}

impl WebhookFailure {
    /// The `reason` label.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFailure::Malformed => "malformed",
            WebhookFailure::Forbidden => "forbidden",
            WebhookFailure::Unconfigured => "unconfigured",
            WebhookFailure::NotProcessed => "not_processed",
        }
    }
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn http_histogram() -> Histogram {
    // 5 ms … 10 s; 0.5 s is a bound, so the p99 alert's threshold falls on a bucket edge.
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

fn processing_histogram() -> Histogram {
    // 15 s … about 4.3 hours.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(15.0, 2.0, 11))
}

fn per_minute_histogram() -> Histogram {
    // Seconds of processing per minute of source; 5 (five minutes for an hour) is the alert's bound.
    Histogram::new([0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 7.5, 10.0, 15.0, 30.0, 60.0, 120.0])
}

/// Request methods kept as labels; any other method is counted as `OTHER`, so clients cannot invent label values.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// The operations metrics: one set per process ([`ops`]), exported by every [`Metrics`] registry of the process.
pub struct OpsMetrics {
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Histograms<RouteLabel>,
    http_errors: Family<HttpErrorLabels, Counter>,
    processing: Histograms<SourceLabel>,
    processing_per_minute: Histograms<SourceLabel>,
    llm_errors: Family<ProviderErrorLabels, Counter>,
    stt_errors: Family<ProviderErrorLabels, Counter>,
    webhook_failures: Family<ReasonLabel, Counter>,
}

/// LLM providers a model spec may name (`config::llm`), whose error series start at zero.
const LLM_PROVIDERS: [&str; 6] = ["cloudru", "openrouter", "openai", "google", "anthropic", "local"];
/// Speech-to-text API providers (`config::SttConfig`), whose error series start at zero.
const STT_PROVIDERS: [&str; 2] = ["cloudru", "openai"];
/// The `kind` label values of the provider error counters.
const ERROR_KINDS: [&str; 4] = ["auth", "refused", "unavailable", "malformed"];

/// The process's operations metrics.
///
/// The series the alerts count are created at zero up front (providers, webhook reasons, video sources): Prometheus
/// cannot see the first increment of a series that appears already at 1, so "more than 3 errors" would need 5.
pub fn ops() -> &'static OpsMetrics {
    static OPS: OnceLock<OpsMetrics> = OnceLock::new();
    OPS.get_or_init(|| {
        let ops = OpsMetrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(http_histogram),
            http_errors: Family::default(),
            processing: Family::new_with_constructor(processing_histogram),
            processing_per_minute: Family::new_with_constructor(per_minute_histogram),
            llm_errors: Family::default(),
            stt_errors: Family::default(),
            webhook_failures: Family::default(),
        };
        for kind in ERROR_KINDS {
            for provider in LLM_PROVIDERS {
                drop(
                    ops.llm_errors.get_or_create(&ProviderErrorLabels { provider: provider.into(), kind: kind.into() }),
                );
            }
            for provider in STT_PROVIDERS {
                drop(
                    ops.stt_errors.get_or_create(&ProviderErrorLabels { provider: provider.into(), kind: kind.into() }),
                );
            }
        }
        for reason in [
            WebhookFailure::Malformed,
            WebhookFailure::Forbidden,
            WebhookFailure::Unconfigured,
            WebhookFailure::NotProcessed,
        ] {
            drop(ops.webhook_failures.get_or_create(&ReasonLabel { reason: reason.as_str().into() }));
        }
        for source in ["file", "url"] {
            drop(ops.processing.get_or_create(&SourceLabel { source: source.into() }));
            drop(ops.processing_per_minute.get_or_create(&SourceLabel { source: source.into() }));
        }
        ops
    })
}

impl OpsMetrics {
    /// Adds every series to `registry` (the values are shared: registering into several registries is fine).
    fn register(&self, registry: &mut Registry) {
        registry.register(
            "clipmaker_http_requests",
            "HTTP requests by method, matched route and status class",
            self.http_requests.clone(),
        );
        registry.register(
            "clipmaker_http_request_duration_seconds",
            "Time from a request's arrival to its response headers, by matched route",
            self.http_duration.clone(),
        );
        registry.register(
            "clipmaker_http_server_errors",
            "HTTP responses with a 5xx status, by matched route and status",
            self.http_errors.clone(),
        );
        registry.register(
            "clipmaker_video_processing_seconds",
            "Time from a video's creation (upload start or link import) to completed",
            self.processing.clone(),
        );
        registry.register(
            "clipmaker_video_processing_seconds_per_source_minute",
            "Processing time of a completed video divided by its length in minutes",
            self.processing_per_minute.clone(),
        );
        registry.register(
            "clipmaker_llm_provider_errors",
            "LLM calls that failed at the provider, after retries (users' own refused keys excluded)",
            self.llm_errors.clone(),
        );
        registry.register(
            "clipmaker_stt_provider_errors",
            "Speech-to-text API requests that failed at the provider, after retries (users' own refused keys excluded)",
            self.stt_errors.clone(),
        );
        registry.register(
            "clipmaker_payment_webhook_failures",
            "Payment notifications that were not processed, by reason",
            self.webhook_failures.clone(),
        );
    }

    /// Records one HTTP request: `route` is the matched pattern (or `None` when no route matched), `status` the
    /// response's status code, `elapsed` the time until the response headers.
    pub fn http_request(&self, method: &str, route: Option<&str>, status: u16, elapsed: Duration) {
        let method = METHODS.iter().find(|m| **m == method).copied().unwrap_or("OTHER");
        // axum names the catch-all of a fallback with a private parameter; that is no route of ours.
        let route = route.filter(|r| !r.contains("__private__axum")).unwrap_or("other");
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.http_requests
            .get_or_create(&HttpLabels { method: method.into(), route: route.into(), status: class.into() })
            .inc();
        self.http_duration.get_or_create(&RouteLabel { route: route.into() }).observe(elapsed.as_secs_f64());
        if status >= 500 {
            self.http_errors.get_or_create(&HttpErrorLabels { route: route.into(), status: status.to_string() }).inc();
        }
    }

    /// Records a video that just completed: `elapsed` since it was created, `source` `file` or `url`, and the
    /// source's length (the per-minute series is skipped when the length is unknown or under a second).
    pub fn video_completed(&self, source: &str, elapsed: Duration, duration_seconds: Option<f64>) {
        let label = SourceLabel { source: source.into() };
        let secs = elapsed.as_secs_f64();
        self.processing.get_or_create(&label).observe(secs);
        if let Some(d) = duration_seconds.filter(|d| *d >= 1.0) {
            self.processing_per_minute.get_or_create(&label).observe(secs / (d / 60.0));
        }
    }

    /// Records an LLM call that failed at `provider` with `kind` (`auth`, `refused`, `unavailable`, `malformed`).
    pub fn llm_error(&self, provider: &str, kind: &str) {
        self.llm_errors.get_or_create(&ProviderErrorLabels { provider: provider.into(), kind: kind.into() }).inc();
    }

    /// Records a speech-to-text request that failed at `provider` with `kind`.
    pub fn stt_error(&self, provider: &str, kind: &str) {
        self.stt_errors.get_or_create(&ProviderErrorLabels { provider: provider.into(), kind: kind.into() }).inc();
    }

    /// Records a payment notification that was not processed.
    pub fn webhook_failure(&self, reason: WebhookFailure) {
        self.webhook_failures.get_or_create(&ReasonLabel { reason: reason.as_str().into() }).inc();
    }

    /// How many LLM errors of `provider` and `kind` were counted (for tests).
    pub fn llm_error_count(&self, provider: &str, kind: &str) -> u64 {
        self.llm_errors.get_or_create(&ProviderErrorLabels { provider: provider.into(), kind: kind.into() }).get()
    }

    /// How many speech-to-text errors of `provider` and `kind` were counted (for tests).
    pub fn stt_error_count(&self, provider: &str, kind: &str) -> u64 {
        self.stt_errors.get_or_create(&ProviderErrorLabels { provider: provider.into(), kind: kind.into() }).get()
    }

    /// How many payment notifications failed for `reason` (for tests).
    pub fn webhook_failure_count(&self, reason: WebhookFailure) -> u64 {
        self.webhook_failures.get_or_create(&ReasonLabel { reason: reason.as_str().into() }).get()
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The sample lines of `text` (no comments), as `(series with labels, value)`.
    fn samples(text: &str) -> Vec<(&str, &str)> {
        text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.rsplit_once(' ')).collect()
    }

    fn value<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        samples(text).into_iter().find(|(s, _)| *s == series).map(|(_, v)| v)
    }

    /// Every series name the registry exports, with the suffixes Prometheus sees: `_total` for counters,
    /// `_bucket`/`_sum`/`_count` for histograms, the bare name for gauges. With `histogram_bases`, a histogram's bare
    /// name too (prose names a histogram by it; a query cannot).
    fn exported_names(text: &str, histogram_bases: bool) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("# TYPE ") else { continue };
            let (name, kind) = rest.split_once(' ').expect("a TYPE line names a metric and a type");
            match kind {
                "counter" => {
                    names.insert(format!("{name}_total"));
                }
                "histogram" => {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        names.insert(format!("{name}{suffix}"));
                    }
                    if histogram_bases {
                        names.insert(name.to_owned());
                    }
                }
                _ => {
                    names.insert(name.to_owned());
                }
            }
        }
        names
    }

    /// Every `clipmaker_*` identifier in `text`.
    fn mentioned_names(text: &str) -> BTreeSet<String> {
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut found = BTreeSet::new();
        for (at, _) in text.match_indices("clipmaker_") {
            if text[..at].chars().next_back().is_some_and(ident) {
                continue;
            }
            let name: String = text[at..].chars().take_while(|c| ident(*c)).collect();
            // The bare prefix (`clipmaker_*` in prose) names no series.
            if name.len() > "clipmaker_".len() {
                found.insert(name);
            }
        }
        found
    }

    #[test]
    fn recorded_operations_series_are_rendered() {
        let m = Metrics::new();
        let ops = ops();
        ops.http_request("GET", Some("/api/test/{id}/recorded"), 200, Duration::from_millis(30));
        ops.http_request("POST", Some("/api/test/{id}/recorded"), 503, Duration::from_millis(700));
        ops.video_completed("test-recorded", Duration::from_secs(240), Some(3600.0));
        ops.llm_error("test-llm", "unavailable");
        ops.llm_error("test-llm", "unavailable");
        ops.stt_error("test-stt", "auth");
        ops.webhook_failure(WebhookFailure::Malformed);
        let text = m.encode();

        let route = r#"route="/api/test/{id}/recorded""#;
        assert_eq!(
            value(&text, &format!(r#"clipmaker_http_requests_total{{method="GET",{route},status="2xx"}}"#)),
            Some("1")
        );
        assert_eq!(
            value(&text, &format!(r#"clipmaker_http_requests_total{{method="POST",{route},status="5xx"}}"#)),
            Some("1")
        );
        assert_eq!(value(&text, &format!(r#"clipmaker_http_server_errors_total{{{route},status="503"}}"#)), Some("1"));
        assert_eq!(value(&text, &format!("clipmaker_http_request_duration_seconds_count{{{route}}}")), Some("2"));
        // 30 ms is under the 0.5 s bound, 700 ms above it.
        assert_eq!(
            value(&text, &format!(r#"clipmaker_http_request_duration_seconds_bucket{{le="0.5",{route}}}"#)),
            Some("1")
        );

        let source = r#"source="test-recorded""#;
        assert_eq!(value(&text, &format!("clipmaker_video_processing_seconds_count{{{source}}}")), Some("1"));
        assert_eq!(value(&text, &format!("clipmaker_video_processing_seconds_sum{{{source}}}")), Some("240.0"));
        // Four minutes for an hour of source: 4 s per source minute, inside the 5 s bucket and not the 3 s one.
        let per_minute = "clipmaker_video_processing_seconds_per_source_minute_bucket";
        assert_eq!(value(&text, &format!(r#"{per_minute}{{le="3.0",{source}}}"#)), Some("0"));
        assert_eq!(value(&text, &format!(r#"{per_minute}{{le="5.0",{source}}}"#)), Some("1"));

        assert_eq!(
            value(&text, r#"clipmaker_llm_provider_errors_total{provider="test-llm",kind="unavailable"}"#),
            Some("2")
        );
        assert_eq!(value(&text, r#"clipmaker_stt_provider_errors_total{provider="test-stt",kind="auth"}"#), Some("1"));
        let malformed = value(&text, r#"clipmaker_payment_webhook_failures_total{reason="malformed"}"#);
        assert!(malformed.is_some_and(|v| v.parse::<u64>().unwrap() >= 1), "{text}");
    }

    #[test]
    fn the_series_alerts_count_exist_at_zero_before_anything_happens() {
        let text = Metrics::new().encode();
        for series in [
            r#"clipmaker_llm_provider_errors_total{provider="cloudru",kind="unavailable"}"#,
            r#"clipmaker_llm_provider_errors_total{provider="anthropic",kind="auth"}"#,
            r#"clipmaker_stt_provider_errors_total{provider="openai",kind="refused"}"#,
            r#"clipmaker_payment_webhook_failures_total{reason="not_processed"}"#,
            r#"clipmaker_video_processing_seconds_per_source_minute_count{source="url"}"#,
            r#"clipmaker_jobs_failed_total{queue="stt"}"#,
        ] {
            assert!(value(&text, series).is_some(), "{series} is missing:\n{text}");
        }
    }

    #[test]
    fn every_registry_of_a_process_exports_the_same_operations_values() {
        let (a, b) = (Metrics::new(), Metrics::new());
        ops().stt_error("test-shared", "unavailable");
        let series = r#"clipmaker_stt_provider_errors_total{provider="test-shared",kind="unavailable"}"#;
        assert_eq!(value(&a.encode(), series), Some("1"));
        assert_eq!(value(&b.encode(), series), Some("1"));
    }

    #[test]
    fn unmatched_paths_and_unknown_methods_do_not_become_labels() {
        let m = Metrics::new();
        ops().http_request("BREW", None, 418, Duration::from_millis(1));
        ops().http_request("GET", Some("/{*__private__axum_fallback}"), 404, Duration::from_millis(1));
        let text = m.encode();
        assert!(value(&text, r#"clipmaker_http_requests_total{method="OTHER",route="other",status="4xx"}"#).is_some());
        assert!(!text.contains("BREW") && !text.contains("__private__axum"), "{text}");
    }

    #[test]
    fn a_video_of_unknown_length_has_no_per_minute_figure() {
        let m = Metrics::new();
        ops().video_completed("test-unknown-length", Duration::from_secs(60), None);
        ops().video_completed("test-unknown-length", Duration::from_secs(60), Some(0.2));
        let text = m.encode();
        let source = r#"source="test-unknown-length""#;
        assert_eq!(value(&text, &format!("clipmaker_video_processing_seconds_count{{{source}}}")), Some("2"));
        assert_eq!(
            value(&text, &format!("clipmaker_video_processing_seconds_per_source_minute_count{{{source}}}")),
            None
        );
    }

    /// The alert rules, their unit tests, the Grafana dashboards and the operations guide may name only series the
    /// registry exports, so renaming a metric without them fails here rather than silently in production. Queries
    /// must use the suffixed names; the guide may also name a histogram by its bare name.
    #[test]
    fn deploy_files_and_docs_name_only_exported_series() {
        let text = Metrics::new().encode();
        let (queryable, documentable) = (exported_names(&text, false), exported_names(&text, true));
        assert!(queryable.contains("clipmaker_http_requests_total"), "{queryable:?}");
        assert!(queryable.contains("clipmaker_queue_jobs"), "{queryable:?}");
        assert!(queryable.contains("clipmaker_jobs_failed_total"), "{queryable:?}");

        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = vec![
            (root.join("deploy/prometheus/alerts.yml"), &queryable),
            (root.join("deploy/prometheus/alerts.test.yml"), &queryable),
            (root.join("docs/operations.md"), &documentable),
        ];
        let dashboards = root.join("deploy/grafana/dashboards");
        let json: Vec<_> = std::fs::read_dir(&dashboards)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dashboards.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        assert!(!json.is_empty(), "no dashboard in {}", dashboards.display());
        files.extend(json.into_iter().map(|p| (p, &queryable)));

        let mut unknown = Vec::new();
        for (file, exported) in &files {
            let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            let names = mentioned_names(&text);
            assert!(!names.is_empty(), "{} names no clipmaker_* series", file.display());
            unknown.extend(names.difference(exported).map(|n| format!("{}: {n}", file.display())));
        }
        assert!(unknown.is_empty(), "series the registry does not export:\n{}", unknown.join("\n"));
    }

    /// GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces as hyphens.
    fn anchor(heading: &str) -> String {
        heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect()
    }

    /// Every alert has a severity and a runbook link to a heading of `docs/operations.md` that exists.
    #[test]
    fn every_alert_links_to_its_runbook_section() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let alerts = std::fs::read_to_string(root.join("deploy/prometheus/alerts.yml")).expect("reading alerts.yml");
        let guide = std::fs::read_to_string(root.join("docs/operations.md")).expect("reading docs/operations.md");
        let anchors: BTreeSet<String> =
            guide.lines().filter_map(|l| l.strip_prefix('#')).map(|h| anchor(h.trim_start_matches('#'))).collect();
        let names: Vec<&str> = alerts.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")).collect();
        let links: Vec<&str> =
            alerts.lines().filter_map(|l| l.trim().strip_prefix("runbook_url: docs/operations.md#")).collect();
        let severities = alerts.lines().filter(|l| l.trim().starts_with("severity: ")).count();
        assert_eq!(names.len(), 12, "the seed's table has twelve alerts: {names:?}");
        assert_eq!((links.len(), severities), (names.len(), names.len()), "one runbook link and severity per alert");
        for (name, link) in names.iter().zip(&links) {
            assert_eq!(*link, name.to_lowercase(), "{name} links to another alert's section");
            assert!(anchors.contains(*link), "docs/operations.md has no section #{link}");
        }
    }

    #[test]
    fn name_scanning_finds_whole_identifiers_only() {
        let text =
            "rate(clipmaker_http_requests_total{x=\"1\"}[5m]) and my_clipmaker_x, clipmaker_queue_jobs, clipmaker_*";
        let found: Vec<_> = mentioned_names(text).into_iter().collect();
        assert_eq!(found, ["clipmaker_http_requests_total", "clipmaker_queue_jobs"]);
        let types = "# TYPE a counter\n# TYPE b histogram\n# TYPE c gauge\n";
        let strict = ["a_total", "b_bucket", "b_count", "b_sum", "c"];
        assert_eq!(exported_names(types, false).into_iter().collect::<Vec<_>>(), strict);
        let prose = ["a_total", "b", "b_bucket", "b_count", "b_sum", "c"];
        assert_eq!(exported_names(types, true).into_iter().collect::<Vec<_>>(), prose);
    }
}
