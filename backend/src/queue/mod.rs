//! A durable job queue on Redis Streams, and the runtime that works through it.
//!
//! Shape (see `docs/jobs.md` for the guarantees):
//! - each queue has three streams, one per [`Priority`], read by the consumer group `workers`; a worker reads the
//!   paid stream first, then free, then cron;
//! - delayed jobs and retries wait in a sorted set scored by due time and are moved to their stream when due;
//! - an idempotency key (`SET NX` with a TTL) makes enqueueing the same key twice give one job;
//! - a job may name a *subject* (`video:<id>`, `clip:<id>`); the subject's live marker says a job for it is queued or
//!   running, which the reconciler uses to find work that Redis lost;
//! - a job whose worker stopped heart-beating is claimed by another worker after the visibility timeout
//!   (`XAUTOCLAIM`); failures are retried with exponential backoff and end in a dead-letter list with the error.
//!
//! Every transition is one Lua script, so a crash between two commands cannot lose or duplicate a job.

mod runtime;
mod scripts;

use std::{fmt, str::FromStr, time::Duration};

use anyhow::Context as _;
use fred::prelude::{KeysInterface as _, ListInterface as _, LuaInterface as _};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::{config::JobsConfig, redis::Redis};

pub use runtime::{FnHandler, JobContext, JobHandler, Runtime, handler_fn};

/// The consumer group every worker joins.
pub const GROUP: &str = "workers";

/// How many dead letters each queue keeps (newest first).
pub const DEAD_LETTERS_KEPT: usize = 10_000;

/// The queues (DESIGN.md "Jobs"). Each job type belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueName {
    /// Fetching a video from a URL (for now, the demo sample job).
    Download,
    /// Speech to text.
    Stt,
    /// Moment selection and virality scoring.
    LlmAnalyze,
    /// FFmpeg rendering of clips.
    VideoRender,
    /// Publishing to platforms.
    Publish,
    /// Collecting views and likes (cron).
    StatsCollector,
    /// Subscription renewals (cron).
    BillingCron,
    /// Removing temporary files and expired data.
    Cleanup,
}

impl QueueName {
    /// Every queue.
    pub const ALL: [QueueName; 8] = [
        QueueName::Download,
        QueueName::Stt,
        QueueName::LlmAnalyze,
        QueueName::VideoRender,
        QueueName::Publish,
        QueueName::StatsCollector,
        QueueName::BillingCron,
        QueueName::Cleanup,
    ];

    /// The queue's name in keys, config and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Download => "download",
            QueueName::Stt => "stt",
            QueueName::LlmAnalyze => "llm-analyze",
            QueueName::VideoRender => "video-render",
            QueueName::Publish => "publish",
            QueueName::StatsCollector => "stats-collector",
            QueueName::BillingCron => "billing-cron",
            QueueName::Cleanup => "cleanup",
        }
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QueueName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        QueueName::ALL.into_iter().find(|q| q.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = QueueName::ALL.iter().map(|q| q.as_str()).collect();
            format!("unknown queue {s:?} (one of {})", names.join(", "))
        })
    }
}

/// Job priority (seed 000 §11): paid users first, then free users, then scheduled housekeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// 1: users on a paid plan.
    Paid = 1,
    /// 2: users on the free plan.
    Free = 2,
    /// 3: cron jobs (stats, billing).
    Cron = 3,
}

impl Priority {
    /// All priorities, most urgent first.
    pub const ALL: [Priority; 3] = [Priority::Paid, Priority::Free, Priority::Cron];

    /// The number stored in the envelope (1, 2 or 3).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The priority for a number; anything unknown is treated as [`Priority::Free`].
    pub fn from_number(n: u8) -> Priority {
        match n {
            1 => Priority::Paid,
            3 => Priority::Cron,
            _ => Priority::Free,
        }
    }

    /// Paid plans get [`Priority::Paid`], the free plan [`Priority::Free`].
    pub fn for_plan(plan: domain::enums::PlanId) -> Priority {
        if plan == domain::enums::PlanId::Free { Priority::Free } else { Priority::Paid }
    }
}

/// A job type: a serde payload with a name and a queue.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Unique among all job types; stored in every envelope and used to find the handler.
    const NAME: &'static str;
    /// The queue this job type runs on.
    const QUEUE: QueueName;
}

/// What travels through Redis: the payload plus the bookkeeping the runtime needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The job's id (UUID v7), kept across retries.
    pub id: Uuid,
    /// The job type's [`Job::NAME`].
    pub name: String,
    /// The job type's queue.
    pub queue: QueueName,
    /// 1, 2 or 3 (see [`Priority`]).
    pub priority: u8,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// The serialized job.
    pub payload: serde_json::Value,
    /// The subject whose live marker this job holds (`video:<id>`), if any.
    #[serde(default)]
    pub subject: Option<String>,
    /// When the job was first enqueued (ms since the epoch, by the enqueuer's clock).
    pub enqueued_at_ms: i64,
    /// The error of the previous attempt, if this is a retry.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// A job that exhausted its attempts (or could not be read), with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The job as it was on its last attempt; `None` if the entry was not a valid envelope.
    pub job: Option<Envelope>,
    /// The raw entry when it could not be parsed.
    #[serde(default)]
    pub raw: Option<String>,
    /// The last error.
    pub error: String,
    /// When it was dead-lettered (ms since the epoch).
    pub failed_at_ms: i64,
}

/// How to enqueue: priority, delay, idempotency key and subject.
#[derive(Debug, Clone)]
pub struct EnqueueOptions {
    priority: Priority,
    delay: Duration,
    key: Option<String>,
    subject: Option<String>,
    only_if_subject_idle: bool,
}

impl Default for EnqueueOptions {
    fn default() -> Self {
        EnqueueOptions {
            priority: Priority::Free,
            delay: Duration::ZERO,
            key: None,
            subject: None,
            only_if_subject_idle: false,
        }
    }
}

impl EnqueueOptions {
    /// Free priority, no delay, no key, no subject.
    pub fn new() -> EnqueueOptions {
        EnqueueOptions::default()
    }

    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Runs the job no earlier than `delay` from now.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// An idempotency key: while it lives (the configured TTL), enqueueing it again returns the first job's id.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Marks `subject` (see [`subject_video`]) as having a live job until this job succeeds or is dead-lettered.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Enqueue only if the subject has no live job (what the reconciler does).
    pub fn only_if_subject_idle(mut self) -> Self {
        self.only_if_subject_idle = true;
        self
    }
}

/// The subject name of a video.
pub fn subject_video(id: Uuid) -> String {
    format!("video:{id}")
}

/// The subject name of a clip.
pub fn subject_clip(id: Uuid) -> String {
    format!("clip:{id}")
}

/// The outcome of an enqueue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job was queued.
    New(Uuid),
    /// The idempotency key (or the live subject) already names this job; nothing was queued.
    Existing(Uuid),
}

impl Enqueued {
    /// The job's id either way.
    pub fn id(self) -> Uuid {
        match self {
            Enqueued::New(id) | Enqueued::Existing(id) => id,
        }
    }
}

/// A queue's counts, for metrics and the admin view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Ready to run, not yet taken by a worker.
    pub waiting: u64,
    /// Taken by a worker and not yet acknowledged.
    pub running: u64,
    /// Waiting for their due time (delayed jobs and retries).
    pub delayed: u64,
    /// In the dead-letter list.
    pub dead: u64,
    /// How long the oldest waiting job has waited.
    pub oldest_waiting: Option<Duration>,
}

impl QueueStats {
    /// Waiting plus delayed: work not started yet.
    pub fn depth(&self) -> u64 {
        self.waiting + self.delayed
    }
}

/// Retry and timing settings shared by producers and workers.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// Attempts per job, the first included.
    pub max_attempts: u32,
    /// The first retry's delay; each later one doubles it.
    pub backoff_base: Duration,
    /// A running job not heard from for this long is claimed by another worker.
    pub visibility_timeout: Duration,
    /// How long an idempotency key is remembered.
    pub idempotency_ttl: Duration,
}

impl QueueSettings {
    /// The settings of `config`.
    pub fn from_config(config: &JobsConfig) -> QueueSettings {
        QueueSettings {
            max_attempts: config.max_attempts,
            backoff_base: config.backoff_base,
            visibility_timeout: config.visibility_timeout,
            idempotency_ttl: config.idempotency_ttl,
        }
    }

    /// The delay before the attempt after failed attempt `attempt` (1-based): base, 2×base, 4×base …
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.backoff_base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
    }
}

/// A handle for enqueueing jobs and reading queue state. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    redis: Redis,
    settings: QueueSettings,
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Queue {
    /// A queue handle on `redis` with `settings`.
    pub fn new(redis: Redis, settings: QueueSettings) -> Queue {
        Queue { redis, settings }
    }

    /// The settings this handle uses.
    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    /// The Redis client.
    pub fn redis(&self) -> &Redis {
        &self.redis
    }

    pub(crate) fn stream_key(&self, queue: QueueName, priority: Priority) -> String {
        self.redis.key(&format!("q:{queue}:p{}", priority.number()))
    }

    pub(crate) fn stream_keys(&self, queue: QueueName) -> Vec<String> {
        Priority::ALL.iter().map(|p| self.stream_key(queue, *p)).collect()
    }

    pub(crate) fn delayed_key(&self, queue: QueueName) -> String {
        self.redis.key(&format!("q:{queue}:delayed"))
    }

    pub(crate) fn dead_key(&self, queue: QueueName) -> String {
        self.redis.key(&format!("q:{queue}:dead"))
    }

    fn idempotency_key(&self, key: &str) -> String {
        self.redis.key(&format!("q:key:{key}"))
    }

    pub(crate) fn subject_key(&self, subject: Option<&str>) -> String {
        // Scripts always get a key; a job without a subject gets one that is never set.
        self.redis.key(&format!("q:live:{}", subject.unwrap_or("-")))
    }

    /// Enqueues `job` with `options`.
    pub async fn enqueue<J: Job>(&self, job: &J, options: EnqueueOptions) -> anyhow::Result<Enqueued> {
        let payload = serde_json::to_value(job).context("serializing the job")?;
        let envelope = Envelope {
            id: Uuid::now_v7(),
            name: J::NAME.to_owned(),
            queue: J::QUEUE,
            priority: options.priority.number(),
            attempt: 1,
            payload,
            subject: options.subject.clone(),
            enqueued_at_ms: now_ms(),
            last_error: None,
        };
        self.enqueue_envelope(envelope, &options).await
    }

    async fn enqueue_envelope(&self, envelope: Envelope, options: &EnqueueOptions) -> anyhow::Result<Enqueued> {
        let queue = envelope.queue;
        let keys = vec![
            self.stream_key(queue, options.priority),
            self.delayed_key(queue),
            self.idempotency_key(options.key.as_deref().unwrap_or("-")),
            self.subject_key(options.subject.as_deref()),
        ];
        let flag = |b: bool| if b { "1" } else { "0" }.to_owned();
        let args = vec![
            serde_json::to_string(&envelope)?,
            options.delay.as_millis().to_string(),
            self.settings.idempotency_ttl.as_millis().max(1).to_string(),
            envelope.id.to_string(),
            flag(options.key.is_some()),
            flag(options.only_if_subject_idle && options.subject.is_some()),
            flag(options.subject.is_some()),
        ];
        let (created, id): (i64, String) =
            self.redis.client().eval(scripts::enqueue(), keys, args).await.context("enqueueing a job")?;
        let id = Uuid::parse_str(&id).context("the queue returned a malformed job id")?;
        Ok(if created == 1 { Enqueued::New(id) } else { Enqueued::Existing(id) })
    }

    /// The id of the job holding `subject`'s live marker, if any.
    pub async fn live_job(&self, subject: &str) -> anyhow::Result<Option<Uuid>> {
        let id: Option<String> = self.redis.client().get(self.subject_key(Some(subject))).await?;
        Ok(id.and_then(|s| Uuid::parse_str(&s).ok()))
    }

    /// Counts for `queue`.
    pub async fn stats(&self, queue: QueueName) -> anyhow::Result<QueueStats> {
        let mut keys = self.stream_keys(queue);
        keys.push(self.delayed_key(queue));
        keys.push(self.dead_key(queue));
        let r: Vec<i64> =
            self.redis.client().eval(scripts::stats(), keys, vec![GROUP]).await.context("reading queue stats")?;
        let [waiting, running, delayed, dead, age] = r.as_slice() else {
            anyhow::bail!("unexpected queue stats reply {r:?}")
        };
        Ok(QueueStats {
            waiting: (*waiting).max(0) as u64,
            running: (*running).max(0) as u64,
            delayed: (*delayed).max(0) as u64,
            dead: (*dead).max(0) as u64,
            oldest_waiting: (*age >= 0).then(|| Duration::from_millis(*age as u64)),
        })
    }

    /// The dead letter of job `id` in `queue`, as stored and parsed.
    async fn find_dead(&self, queue: QueueName, id: Uuid) -> anyhow::Result<Option<(String, DeadLetter)>> {
        let raw: Vec<String> =
            self.redis.client().lrange(self.dead_key(queue), 0, DEAD_LETTERS_KEPT as i64 - 1).await?;
        Ok(raw.into_iter().find_map(|r| {
            let letter: DeadLetter = serde_json::from_str(&r).ok()?;
            (letter.job.as_ref()?.id == id).then_some((r, letter))
        }))
    }

    /// Runs dead job `id` of `queue` again from attempt 1, with the same id, priority and subject. The dead letter is
    /// taken out and the job queued in one script, so two operators retrying at once run it once: `false` when it is
    /// no longer in the dead-letter list.
    pub async fn retry_dead(&self, queue: QueueName, id: Uuid) -> anyhow::Result<bool> {
        let Some((raw, DeadLetter { job: Some(mut envelope), .. })) = self.find_dead(queue, id).await? else {
            return Ok(false);
        };
        envelope.attempt = 1;
        envelope.last_error = None;
        let stream = self.stream_key(queue, Priority::from_number(envelope.priority));
        let keys = vec![self.dead_key(queue), stream, self.subject_key(envelope.subject.as_deref())];
        let mark = if envelope.subject.is_some() { "1" } else { "0" };
        let args = vec![raw, serde_json::to_string(&envelope)?, envelope.id.to_string(), mark.to_owned()];
        let moved: i64 = self.redis.client().eval(scripts::REVIVE, keys, args).await.context("retrying a dead job")?;
        Ok(moved == 1)
    }

    /// Drops dead job `id` of `queue` for good; `false` when it is no longer in the dead-letter list.
    pub async fn discard_dead(&self, queue: QueueName, id: Uuid) -> anyhow::Result<bool> {
        let Some((raw, _)) = self.find_dead(queue, id).await? else { return Ok(false) };
        let removed: i64 = self.redis.client().lrem(self.dead_key(queue), 1, raw).await?;
        Ok(removed == 1)
    }

    /// The newest `limit` dead letters of `queue`.
    pub async fn dead_letters(&self, queue: QueueName, limit: usize) -> anyhow::Result<Vec<DeadLetter>> {
        let raw: Vec<String> = self.redis.client().lrange(self.dead_key(queue), 0, limit.max(1) as i64 - 1).await?;
        raw.iter().map(|r| serde_json::from_str(r).context("malformed dead letter")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base() {
        let s = QueueSettings {
            max_attempts: 3,
            backoff_base: Duration::from_secs(30),
            visibility_timeout: Duration::from_secs(30),
            idempotency_ttl: Duration::from_secs(60),
        };
        assert_eq!(s.backoff(1), Duration::from_secs(30));
        assert_eq!(s.backoff(2), Duration::from_secs(60));
        assert_eq!(s.backoff(3), Duration::from_secs(120));
    }

    #[test]
    fn queue_names_round_trip() {
        for q in QueueName::ALL {
            assert_eq!(q.as_str().parse::<QueueName>().unwrap(), q);
            assert_eq!(serde_json::to_value(q).unwrap(), q.as_str());
        }
        assert!("nope".parse::<QueueName>().unwrap_err().contains("video-render"));
    }
}
