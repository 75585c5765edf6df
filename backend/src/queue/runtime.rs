//! The worker runtime: consumes every registered queue with its own concurrency, heart-beats running jobs, claims
//! jobs of dead workers, promotes delayed jobs, fires cron schedules and runs periodic tasks (the reconciler).
//!
//! Shutdown: when the token given to [`Runtime::run`] is cancelled, no new job is taken; running jobs get the grace
//! period to finish; whatever is still running then is aborted and handed back to its stream at once, so another
//! worker starts it without waiting for the visibility timeout.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    future::Future,
    marker::PhantomData,
    pin::Pin,
    str::FromStr as _,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use fred::{
    prelude::{ClientLike as _, LuaInterface as _},
    types::{CustomCommand, Value},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument as _;
use uuid::Uuid;

use super::{
    DEAD_LETTERS_KEPT, DeadLetter, EnqueueOptions, Envelope, GROUP, Job, Priority, Queue, QueueName, now_ms, scripts,
};
use crate::metrics::JobMetrics;

type BoxFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

/// What a handler knows about the job it runs.
#[derive(Clone)]
pub struct JobContext {
    /// The job's id (stable across retries).
    pub id: Uuid,
    /// The job type's name.
    pub name: String,
    /// The job's queue.
    pub queue: QueueName,
    /// This attempt's number, from 1.
    pub attempt: u32,
    /// Attempts allowed in all.
    pub max_attempts: u32,
    /// The subject the job holds, if any.
    pub subject: Option<String>,
    /// The queue, for enqueueing follow-up jobs.
    pub jobs: Queue,
    /// Cancelled when the worker starts shutting down; long handlers may stop early and return an error (the job
    /// is then handed back or retried).
    pub shutdown: CancellationToken,
}

impl JobContext {
    /// Whether a failure now is final.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// Runs jobs of type `J`. Handlers must be idempotent: delivery is at least once, so a job may run again after a
/// crash and must then find its work done (or redo it without doubling any side effect).
pub trait JobHandler<J: Job>: Send + Sync + 'static {
    /// Does the work. An error fails this attempt.
    fn run(&self, ctx: JobContext, job: J) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Called once the last attempt has failed, before the job goes to the dead-letter list: mark the video or
    /// clip failed with the reason here.
    fn failed(&self, ctx: JobContext, job: J, error: String) -> impl Future<Output = anyhow::Result<()>> + Send {
        let _ = (ctx, job, error);
        async { Ok(()) }
    }
}

/// A handler made of a closure; see [`handler_fn`].
pub struct FnHandler<F>(F);

/// Wraps `f(ctx, job)` as a [`JobHandler`].
pub fn handler_fn<F>(f: F) -> FnHandler<F> {
    FnHandler(f)
}

impl<J, F, Fut> JobHandler<J> for FnHandler<F>
where
    J: Job,
    F: Fn(JobContext, J) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    fn run(&self, ctx: JobContext, job: J) -> impl Future<Output = anyhow::Result<()>> + Send {
        (self.0)(ctx, job)
    }
}

trait Erased: Send + Sync + 'static {
    fn queue(&self) -> QueueName;
    fn run(self: Arc<Self>, ctx: JobContext, payload: serde_json::Value) -> BoxFuture;
    fn failed(self: Arc<Self>, ctx: JobContext, payload: serde_json::Value, error: String) -> BoxFuture;
}

struct Typed<J, H> {
    handler: H,
    job: PhantomData<fn() -> J>,
}

impl<J: Job, H: JobHandler<J>> Erased for Typed<J, H> {
    fn queue(&self) -> QueueName {
        J::QUEUE
    }

    fn run(self: Arc<Self>, ctx: JobContext, payload: serde_json::Value) -> BoxFuture {
        Box::pin(async move {
            let job: J = serde_json::from_value(payload).context("the job's payload does not match its type")?;
            self.handler.run(ctx, job).await
        })
    }

    fn failed(self: Arc<Self>, ctx: JobContext, payload: serde_json::Value, error: String) -> BoxFuture {
        Box::pin(async move {
            let job: J = serde_json::from_value(payload).context("the job's payload does not match its type")?;
            self.handler.failed(ctx, job, error).await
        })
    }
}

type CronEnqueue = Arc<dyn Fn(Queue, DateTime<Utc>) -> BoxFuture + Send + Sync>;

struct CronEntry {
    name: &'static str,
    schedule: cron::Schedule,
    enqueue: CronEnqueue,
}

type PeriodicTask = Arc<dyn Fn() -> BoxFuture + Send + Sync>;

struct Periodic {
    name: &'static str,
    interval: Duration,
    task: PeriodicTask,
}

/// The worker runtime. Build it with the builder methods, then [`Runtime::run`] it.
pub struct Runtime {
    queue: Queue,
    handlers: HashMap<&'static str, Arc<dyn Erased>>,
    concurrency: BTreeMap<QueueName, usize>,
    crons: Vec<CronEntry>,
    periodic: Vec<Periodic>,
    metrics: Option<Arc<JobMetrics>>,
    consumer: String,
    grace: Duration,
    block: Duration,
    tick: Duration,
}

impl Runtime {
    /// A runtime on `queue` with no handlers, a 25 s shutdown grace period and a unique consumer name.
    pub fn new(queue: Queue) -> Runtime {
        let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "worker".into());
        let consumer = format!("{host}-{}-{}", std::process::id(), &Uuid::new_v4().simple().to_string()[..8]);
        Runtime {
            queue,
            handlers: HashMap::new(),
            concurrency: BTreeMap::new(),
            crons: Vec::new(),
            periodic: Vec::new(),
            metrics: None,
            consumer,
            grace: Duration::from_secs(25),
            block: Duration::from_secs(1),
            tick: Duration::from_millis(200),
        }
    }

    /// Registers the handler of job type `J`; its queue is served (concurrency 1 unless set).
    pub fn handle<J: Job, H: JobHandler<J>>(mut self, handler: H) -> Self {
        self.handlers.insert(J::NAME, Arc::new(Typed::<J, H> { handler, job: PhantomData }));
        self
    }

    /// How many jobs of `queue` run at once in this process. Only queues with a registered handler are served:
    /// jobs of a queue nobody handles yet wait in Redis rather than failing.
    pub fn concurrency(mut self, queue: QueueName, jobs: usize) -> Self {
        self.concurrency.insert(queue, jobs.max(1));
        self
    }

    /// How long running jobs may take to finish after shutdown starts.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Records job counts and durations in `metrics`.
    pub fn metrics(mut self, metrics: Arc<JobMetrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Enqueues `make(tick)` at each tick of the cron `schedule` (seconds first: `sec min hour day month weekday`).
    /// However many workers run, each tick enqueues one job: the tick's time is the idempotency key.
    pub fn cron<J: Job>(
        mut self,
        schedule: &str,
        make: impl Fn(DateTime<Utc>) -> J + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let parsed = cron::Schedule::from_str(schedule)
            .with_context(|| format!("parsing the cron schedule {schedule:?} of {}", J::NAME))?;
        let make = Arc::new(make);
        self.crons.push(CronEntry {
            name: J::NAME,
            schedule: parsed,
            enqueue: Arc::new(move |queue: Queue, tick: DateTime<Utc>| {
                let job = make(tick);
                Box::pin(async move {
                    let options = EnqueueOptions::new().priority(Priority::Cron).key(format!(
                        "cron:{}:{}",
                        J::NAME,
                        tick.timestamp_millis()
                    ));
                    queue.enqueue(&job, options).await.map(|_| ())
                })
            }),
        });
        Ok(self)
    }

    /// Runs `task` every `interval` while the runtime runs (the reconciler, for one).
    pub fn every<F, Fut>(mut self, name: &'static str, interval: Duration, task: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.periodic.push(Periodic { name, interval, task: Arc::new(move || Box::pin(task())) });
        self
    }

    /// This process's consumer name in the group.
    pub fn consumer_name(&self) -> &str {
        &self.consumer
    }

    /// Serves the registered queues until `shutdown` is cancelled, then stops as described in the module docs.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let served: std::collections::BTreeSet<QueueName> = self.handlers.values().map(|h| h.queue()).collect();
        let concurrency: BTreeMap<QueueName, usize> =
            served.iter().map(|q| (*q, self.concurrency.get(q).copied().unwrap_or(1))).collect();
        let inner = Arc::new(Inner {
            queue: self.queue.clone(),
            handlers: self.handlers,
            metrics: self.metrics,
            consumer: self.consumer,
            inflight: Mutex::new(HashMap::new()),
            hard_stop: CancellationToken::new(),
            tracker: TaskTracker::new(),
            shutdown: shutdown.clone(),
            block: self.block,
        });
        let queues: Vec<QueueName> = concurrency.keys().copied().collect();
        for q in &queues {
            inner.ensure_groups(*q).await?;
        }
        tracing::info!(consumer = %inner.consumer, queues = ?queues.iter().map(|q| q.as_str()).collect::<Vec<_>>(),
            "job runtime started");

        let mut consumers = tokio::task::JoinSet::new();
        for (queue, jobs) in concurrency {
            consumers.spawn(inner.clone().consume(queue, jobs));
        }
        let background = CancellationToken::new();
        let mut aux = tokio::task::JoinSet::new();
        aux.spawn(inner.clone().promote_loop(queues.clone(), self.tick, background.clone()));
        aux.spawn(inner.clone().heartbeat_loop(background.clone()));
        if !self.crons.is_empty() {
            aux.spawn(inner.clone().cron_loop(self.crons, self.tick, shutdown.clone()));
        }
        for p in self.periodic {
            aux.spawn(periodic_loop(p, shutdown.clone()));
        }

        shutdown.cancelled().await;
        tracing::info!(grace_ms = self.grace.as_millis() as u64, "stopping: no new jobs are taken");
        while consumers.join_next().await.is_some() {}
        inner.tracker.close();
        if tokio::time::timeout(self.grace, inner.tracker.wait()).await.is_err() {
            tracing::warn!("shutdown grace period over: handing back unfinished jobs");
            inner.hard_stop.cancel();
            inner.tracker.wait().await;
        }
        background.cancel();
        while aux.join_next().await.is_some() {}
        tracing::info!("job runtime stopped");
        Ok(())
    }
}

async fn periodic_loop(p: Periodic, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(p.interval) => {}
        }
        if let Err(e) = (p.task)().await {
            tracing::warn!(task = p.name, error = format!("{e:#}"), "periodic task failed");
        }
    }
}

/// One entry read from a stream.
struct Delivery {
    stream: String,
    entry_id: String,
    raw: String,
    envelope: Result<Envelope, String>,
}

struct Inner {
    queue: Queue,
    handlers: HashMap<&'static str, Arc<dyn Erased>>,
    metrics: Option<Arc<JobMetrics>>,
    consumer: String,
    /// Entries this consumer holds (running or buffered): entry id → stream key. Heart-beaten.
    inflight: Mutex<HashMap<String, String>>,
    hard_stop: CancellationToken,
    tracker: TaskTracker,
    shutdown: CancellationToken,
    block: Duration,
}

fn is_nogroup(e: &anyhow::Error) -> bool {
    format!("{e:#}").contains("NOGROUP")
}

impl Inner {
    async fn ensure_groups(&self, queue: QueueName) -> anyhow::Result<()> {
        for stream in self.queue.stream_keys(queue) {
            let args: Vec<Value> =
                vec!["CREATE".into(), stream.as_str().into(), GROUP.into(), "0".into(), "MKSTREAM".into()];
            let r: Result<Value, _> =
                self.queue.redis().client().custom(CustomCommand::new_static("XGROUP", None, false), args).await;
            if let Err(e) = r
                && !e.to_string().contains("BUSYGROUP")
            {
                return Err(e).with_context(|| format!("creating the consumer group of {stream}"));
            }
        }
        Ok(())
    }

    async fn consume(self: Arc<Self>, queue: QueueName, jobs: usize) {
        // Blocking reads hold their connection, so each queue reads on a connection of its own.
        let client = self.queue.redis().client().clone_new();
        drop(client.connect());
        let slots = Arc::new(Semaphore::new(jobs));
        let mut buffer: VecDeque<Delivery> = VecDeque::new();
        let reclaim_every = (self.queue.settings().visibility_timeout / 2).max(Duration::from_millis(100));
        let mut last_reclaim: Option<Instant> = None;
        loop {
            let permit = tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => break,
                p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            };
            let delivery = match buffer.pop_front() {
                Some(d) => d,
                None => {
                    let reclaim = last_reclaim.is_none_or(|t| t.elapsed() >= reclaim_every);
                    if reclaim {
                        last_reclaim = Some(Instant::now());
                    }
                    match self.fetch(&client, queue, reclaim).await {
                        Ok(found) => {
                            buffer.extend(found);
                            match buffer.pop_front() {
                                Some(d) => d,
                                None => continue,
                            }
                        }
                        Err(e) => {
                            tracing::warn!(queue = %queue, error = format!("{e:#}"), "reading the queue failed");
                            if is_nogroup(&e) {
                                // Redis lost the streams (restart without persistence, FLUSHALL): recreate them.
                                let _ = self.ensure_groups(queue).await;
                            }
                            tokio::select! {
                                _ = self.shutdown.cancelled() => break,
                                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                            }
                            continue;
                        }
                    }
                }
            };
            if self.shutdown.is_cancelled() {
                buffer.push_front(delivery);
                break;
            }
            self.tracker.spawn(self.clone().execute(delivery, permit));
        }
        for d in buffer {
            self.hand_back(&d).await;
        }
        let _ = client.quit().await;
    }

    async fn fetch(
        &self,
        client: &fred::prelude::Client,
        queue: QueueName,
        reclaim: bool,
    ) -> anyhow::Result<Vec<Delivery>> {
        let streams = self.queue.stream_keys(queue);
        if reclaim {
            let mut found = Vec::new();
            for stream in &streams {
                found.extend(self.reclaim(client, queue, stream).await?);
            }
            if !found.is_empty() {
                return Ok(found);
            }
        }
        for stream in &streams {
            let found = self.read(client, std::slice::from_ref(stream), None).await?;
            if !found.is_empty() {
                return Ok(found);
            }
        }
        self.read(client, &streams, Some(self.block)).await
    }

    async fn read(
        &self,
        client: &fred::prelude::Client,
        streams: &[String],
        block: Option<Duration>,
    ) -> anyhow::Result<Vec<Delivery>> {
        let mut args: Vec<Value> =
            vec!["GROUP".into(), GROUP.into(), self.consumer.as_str().into(), "COUNT".into(), 1i64.into()];
        if let Some(b) = block {
            args.push("BLOCK".into());
            args.push((b.as_millis() as i64).into());
        }
        args.push("STREAMS".into());
        args.extend(streams.iter().map(|s| Value::from(s.as_str())));
        args.extend(streams.iter().map(|_| Value::from(">")));
        let reply: Value = client
            .custom(CustomCommand::new_static("XREADGROUP", None, block.is_some()), args)
            .await
            .context("XREADGROUP")?;
        let deliveries = parse_read_reply(reply);
        self.hold(&deliveries);
        Ok(deliveries)
    }

    async fn reclaim(
        &self,
        client: &fred::prelude::Client,
        queue: QueueName,
        stream: &str,
    ) -> anyhow::Result<Vec<Delivery>> {
        let settings = self.queue.settings();
        let args: Vec<String> =
            vec![GROUP.into(), self.consumer.clone(), settings.visibility_timeout.as_millis().to_string(), "10".into()];
        let reply: Value = client.eval(scripts::RECLAIM, vec![stream.to_owned()], args).await.context("reclaiming")?;
        let mut out = Vec::new();
        for item in into_array(reply) {
            let mut parts = into_array(item).into_iter();
            let (Some(id), Some(raw), Some(n)) = (parts.next(), parts.next(), parts.next()) else { continue };
            let (id, raw) = (value_string(id), value_string(raw));
            let deliveries = n.as_i64().unwrap_or(1);
            let d = delivery(stream, id, raw);
            self.hold(std::slice::from_ref(&d));
            tracing::warn!(queue = %queue, entry = %d.entry_id, deliveries, "claimed a job whose worker stopped responding");
            if deliveries > settings.max_attempts as i64 {
                let error = format!("the worker running this job stopped responding {} times", deliveries - 1);
                self.dead(&d, d.envelope.clone().ok(), error).await;
                continue;
            }
            out.push(d);
        }
        Ok(out)
    }

    fn hold(&self, deliveries: &[Delivery]) {
        let mut held = self.inflight.lock().expect("inflight lock");
        for d in deliveries {
            held.insert(d.entry_id.clone(), d.stream.clone());
        }
    }

    fn release(&self, d: &Delivery) {
        self.inflight.lock().expect("inflight lock").remove(&d.entry_id);
    }

    fn context(&self, env: &Envelope) -> JobContext {
        JobContext {
            id: env.id,
            name: env.name.clone(),
            queue: env.queue,
            attempt: env.attempt,
            max_attempts: self.queue.settings().max_attempts,
            subject: env.subject.clone(),
            jobs: self.queue.clone(),
            shutdown: self.shutdown.clone(),
        }
    }

    async fn execute(self: Arc<Self>, d: Delivery, _slot: OwnedSemaphorePermit) {
        let env = match d.envelope.clone() {
            Ok(env) => env,
            Err(e) => {
                self.dead(&d, None, format!("the queue entry is not a valid job: {e}")).await;
                self.release(&d);
                return;
            }
        };
        let queue = env.queue.as_str();
        let span = tracing::info_span!("job", job_id = %env.id, job = %env.name, queue, attempt = env.attempt,
            subject = env.subject.as_deref().unwrap_or(""));
        let Some(handler) = self.handlers.get(env.name.as_str()).cloned() else {
            let error = format!("no handler is registered for job type {:?}", env.name);
            self.fail(&d, env, error, None).instrument(span).await;
            self.release(&d);
            return;
        };
        if let Some(m) = &self.metrics {
            m.started(queue);
        }
        let started = Instant::now();
        let task = tokio::spawn(handler.clone().run(self.context(&env), env.payload.clone()).instrument(span.clone()));
        let abort = task.abort_handle();
        let outcome = tokio::select! {
            r = task => Some(r),
            _ = self.hard_stop.cancelled() => { abort.abort(); None }
        };
        let elapsed = started.elapsed();
        match outcome {
            Some(Ok(Ok(()))) => {
                self.ack(&d, &env).instrument(span.clone()).await;
                if let Some(m) = &self.metrics {
                    m.succeeded(queue, elapsed);
                }
                span.in_scope(|| tracing::info!(duration_ms = elapsed.as_millis() as u64, "job succeeded"));
            }
            Some(Ok(Err(e))) => {
                if let Some(m) = &self.metrics {
                    m.observe(queue, elapsed);
                }
                self.fail(&d, env, format!("{e:#}"), Some(handler)).instrument(span).await;
            }
            Some(Err(join)) if join.is_panic() => {
                if let Some(m) = &self.metrics {
                    m.observe(queue, elapsed);
                }
                let error = format!("the handler panicked: {}", panic_message(join.into_panic()));
                self.fail(&d, env, error, Some(handler)).instrument(span).await;
            }
            Some(Err(_)) | None => {
                span.in_scope(|| tracing::warn!("handing the unfinished job back to the queue"));
                self.hand_back(&d).await;
            }
        }
        self.release(&d);
    }

    async fn ack(&self, d: &Delivery, env: &Envelope) {
        let keys = vec![d.stream.clone(), self.queue.subject_key(env.subject.as_deref())];
        let args = vec![GROUP.to_owned(), d.entry_id.clone(), env.id.to_string()];
        let r: Result<i64, _> = self.queue.redis().client().eval(scripts::ACK, keys, args).await;
        if let Err(e) = r {
            // The entry stays pending and will run again after the visibility timeout: at least once.
            tracing::error!(error = %e, "acknowledging a finished job failed");
        }
    }

    async fn fail(&self, d: &Delivery, env: Envelope, error: String, handler: Option<Arc<dyn Erased>>) {
        let settings = self.queue.settings();
        let queue = env.queue.as_str();
        if env.attempt < settings.max_attempts {
            let delay = settings.backoff(env.attempt);
            let next = Envelope { attempt: env.attempt + 1, last_error: Some(error.clone()), ..env.clone() };
            let keys = vec![d.stream.clone(), self.queue.delayed_key(env.queue)];
            let args = vec![
                GROUP.to_owned(),
                d.entry_id.clone(),
                serde_json::to_string(&next).expect("envelopes serialize"),
                delay.as_millis().to_string(),
            ];
            let r: Result<i64, _> = self.queue.redis().client().eval(scripts::retry(), keys, args).await;
            match r {
                Ok(_) => {
                    if let Some(m) = &self.metrics {
                        m.retried(queue);
                    }
                    tracing::warn!(error, retry_in_ms = delay.as_millis() as u64, "job failed; it will be retried");
                }
                Err(e) => tracing::error!(error = %e, "scheduling a retry failed; the job will be reclaimed"),
            }
            return;
        }
        if let Some(h) = handler {
            let hook = tokio::spawn(h.failed(self.context(&env), env.payload.clone(), error.clone()));
            match hook.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = format!("{e:#}"), "the failure hook failed"),
                Err(e) => tracing::error!(error = %e, "the failure hook panicked"),
            }
        }
        self.dead(d, Some(env), error).await;
    }

    async fn dead(&self, d: &Delivery, env: Option<Envelope>, error: String) {
        let queue = env.as_ref().map(|e| e.queue);
        let subject = env.as_ref().and_then(|e| e.subject.clone());
        let job_id = env.as_ref().map(|e| e.id.to_string()).unwrap_or_default();
        let record = DeadLetter {
            raw: env.is_none().then(|| d.raw.clone()),
            job: env,
            error: error.clone(),
            failed_at_ms: now_ms(),
        };
        let dead_key = match queue {
            Some(q) => self.queue.dead_key(q),
            // An unreadable entry: file it under the stream it came from.
            None => format!("{}:dead", d.stream),
        };
        let keys = vec![d.stream.clone(), dead_key, self.queue.subject_key(subject.as_deref())];
        let args = vec![
            GROUP.to_owned(),
            d.entry_id.clone(),
            serde_json::to_string(&record).expect("dead letters serialize"),
            job_id,
            DEAD_LETTERS_KEPT.to_string(),
        ];
        let r: Result<i64, _> = self.queue.redis().client().eval(scripts::DEAD, keys, args).await;
        match r {
            Ok(_) => {
                if let (Some(m), Some(q)) = (&self.metrics, queue) {
                    m.failed(q.as_str());
                }
                tracing::error!(error, "job failed for good; moved to the dead-letter list");
            }
            Err(e) => tracing::error!(error = %e, "moving a job to the dead-letter list failed"),
        }
    }

    async fn hand_back(&self, d: &Delivery) {
        let args = vec![GROUP.to_owned(), d.entry_id.clone(), d.raw.clone()];
        let r: Result<i64, _> =
            self.queue.redis().client().eval(scripts::HAND_BACK, vec![d.stream.clone()], args).await;
        if let Err(e) = r {
            tracing::error!(error = %e, "handing a job back failed; it will be reclaimed after the visibility timeout");
        }
        self.release(d);
    }

    async fn promote_loop(self: Arc<Self>, queues: Vec<QueueName>, tick: Duration, stop: CancellationToken) {
        loop {
            for q in &queues {
                let mut keys = vec![self.queue.delayed_key(*q)];
                keys.extend(self.queue.stream_keys(*q));
                let r: Result<i64, _> = self.queue.redis().client().eval(scripts::promote(), keys, vec!["100"]).await;
                if let Err(e) = r {
                    tracing::debug!(queue = %q, error = %e, "promoting delayed jobs failed");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(tick) => {}
            }
        }
    }

    async fn heartbeat_loop(self: Arc<Self>, stop: CancellationToken) {
        let every = (self.queue.settings().visibility_timeout / 3).max(Duration::from_millis(50));
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            let held: Vec<(String, String)> =
                self.inflight.lock().expect("inflight lock").iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let mut by_stream: HashMap<String, Vec<String>> = HashMap::new();
            for (id, stream) in held {
                by_stream.entry(stream).or_default().push(id);
            }
            for (stream, ids) in by_stream {
                // XCLAIM to ourselves with min-idle 0 resets the idle time without counting a delivery (JUSTID).
                let mut args: Vec<Value> =
                    vec![stream.as_str().into(), GROUP.into(), self.consumer.as_str().into(), 0i64.into()];
                args.extend(ids.iter().map(|i| Value::from(i.as_str())));
                args.push("JUSTID".into());
                let r: Result<Value, _> =
                    self.queue.redis().client().custom(CustomCommand::new_static("XCLAIM", None, false), args).await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, "heart-beating running jobs failed");
                }
            }
        }
    }

    async fn cron_loop(self: Arc<Self>, crons: Vec<CronEntry>, tick: Duration, stop: CancellationToken) {
        let mut last = Utc::now();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(tick) => {}
            }
            let now = Utc::now();
            for c in &crons {
                for t in c.schedule.after(&last).take_while(|t| *t <= now) {
                    if let Err(e) = (c.enqueue)(self.queue.clone(), t).await {
                        tracing::warn!(job = c.name, tick = %t, error = format!("{e:#}"), "enqueueing a cron job failed");
                    }
                }
            }
            last = now;
        }
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

fn into_array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Map(m) => m.inner().into_iter().flat_map(|(k, v)| [Value::from(k), v]).collect(),
        _ => Vec::new(),
    }
}

fn value_string(v: Value) -> String {
    v.as_string().unwrap_or_default()
}

fn delivery(stream: &str, entry_id: String, raw: String) -> Delivery {
    let envelope = serde_json::from_str::<Envelope>(&raw).map_err(|e| e.to_string());
    Delivery { stream: stream.to_owned(), entry_id, raw, envelope }
}

/// Parses an XREADGROUP reply: `[[stream, [[id, [field, value …]] …]] …]` (or a map of stream → entries).
fn parse_read_reply(reply: Value) -> Vec<Delivery> {
    let mut out = Vec::new();
    let streams: Vec<(String, Value)> = match reply {
        Value::Map(m) => m.inner().into_iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v)).collect(),
        Value::Array(a) => a
            .into_iter()
            .filter_map(|s| {
                let mut parts = into_array(s).into_iter();
                Some((value_string(parts.next()?), parts.next()?))
            })
            .collect(),
        _ => Vec::new(),
    };
    for (stream, entries) in streams {
        for entry in into_array(entries) {
            let mut parts = into_array(entry).into_iter();
            let Some(id) = parts.next().map(value_string) else { continue };
            let fields = parts.next().map(into_array).unwrap_or_default();
            let mut raw = String::new();
            let mut it = fields.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                if value_string(k) == "job" {
                    raw = value_string(v);
                }
            }
            out.push(delivery(&stream, id, raw));
        }
    }
    out.sort_by_key(|d| d.envelope.as_ref().map(|e| e.priority).unwrap_or(2));
    out
}
