//! The job queue and the worker runtime against the real Redis: exactly-once processing under concurrency, retries
//! with backoff, dead letters, idempotency keys, delays, priorities, reclaiming, cron ticks and shutdown hand-back.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use backend::queue::{
    EnqueueOptions, Enqueued, Job, JobContext, JobHandler, Priority, Queue, QueueName, QueueSettings, Runtime,
    handler_fn,
};
use serde::{Deserialize, Serialize};
use testkit::{TestRedis, eventually};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Numbered {
    n: u32,
}

impl Job for Numbered {
    const NAME: &'static str = "test-numbered";
    const QUEUE: QueueName = QueueName::Cleanup;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ticked {
    tick_ms: i64,
}

impl Job for Ticked {
    const NAME: &'static str = "test-ticked";
    const QUEUE: QueueName = QueueName::StatsCollector;
}

fn settings(backoff_ms: u64, visibility_ms: u64) -> QueueSettings {
    QueueSettings {
        max_attempts: 3,
        backoff_base: Duration::from_millis(backoff_ms),
        visibility_timeout: Duration::from_millis(visibility_ms),
        idempotency_ttl: Duration::from_secs(600),
    }
}

async fn queue(redis: &TestRedis, settings: QueueSettings) -> Queue {
    Queue::new(redis.connect().await, settings)
}

struct Running {
    stop: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    async fn stop(self) {
        self.stop.cancel();
        self.handle.await.expect("the runtime task").expect("the runtime");
    }
}

fn start(runtime: Runtime) -> Running {
    let stop = CancellationToken::new();
    let handle = tokio::spawn(runtime.run(stop.clone()));
    Running { stop, handle }
}

#[tokio::test]
async fn a_thousand_jobs_through_three_workers_run_exactly_once() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(100, 30_000)).await;
    for n in 0..1000 {
        let priority = [Priority::Paid, Priority::Free, Priority::Cron][n as usize % 3];
        q.enqueue(&Numbered { n }, EnqueueOptions::new().priority(priority)).await.unwrap();
    }
    let runs: Arc<Mutex<HashMap<u32, u32>>> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..3 {
        let runs = runs.clone();
        let handler = handler_fn(move |_ctx: JobContext, job: Numbered| {
            let runs = runs.clone();
            async move {
                *runs.lock().unwrap().entry(job.n).or_default() += 1;
                tokio::task::yield_now().await;
                Ok(())
            }
        });
        let runtime = Runtime::new(q.clone()).handle::<Numbered, _>(handler).concurrency(QueueName::Cleanup, 4);
        workers.push(start(runtime));
    }
    eventually("all 1000 jobs ran", async || runs.lock().unwrap().len() == 1000).await;
    eventually("the queue is empty", async || {
        let s = q.stats(QueueName::Cleanup).await.unwrap();
        s.waiting == 0 && s.running == 0 && s.delayed == 0
    })
    .await;
    for w in workers {
        w.stop().await;
    }
    let runs = runs.lock().unwrap().clone();
    let twice: Vec<_> = runs.iter().filter(|(_, c)| **c != 1).collect();
    assert!(twice.is_empty(), "jobs that ran more than once: {twice:?}");
    assert_eq!(q.stats(QueueName::Cleanup).await.unwrap().dead, 0);
}

#[tokio::test]
async fn a_handler_that_fails_twice_succeeds_on_attempt_three_after_the_backoff() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(300, 30_000)).await;
    let attempts: Arc<Mutex<Vec<(u32, Instant)>>> = Arc::default();
    let seen = attempts.clone();
    let handler = handler_fn(move |ctx: JobContext, _job: Numbered| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push((ctx.attempt, Instant::now()));
            anyhow::ensure!(ctx.attempt >= 3, "flaky failure on attempt {}", ctx.attempt);
            Ok(())
        }
    });
    let metrics = Arc::new(backend::metrics::Metrics::new());
    let worker = start(Runtime::new(q.clone()).handle::<Numbered, _>(handler).metrics(metrics.jobs.clone()));
    q.enqueue(&Numbered { n: 7 }, EnqueueOptions::new()).await.unwrap();
    eventually("the third attempt ran", async || attempts.lock().unwrap().len() == 3).await;
    eventually("the job is acknowledged", async || metrics.jobs.succeeded_count("cleanup") == 1).await;
    worker.stop().await;

    let attempts = attempts.lock().unwrap().clone();
    assert_eq!(attempts.iter().map(|a| a.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    // Backoff: no retry before 300 ms after the first failure, nor before 600 ms after the second. Only lower bounds:
    // a slow machine makes gaps longer, never shorter, so these fail only if a retry comes too early.
    let first_gap = attempts[1].1 - attempts[0].1;
    let second_gap = attempts[2].1 - attempts[1].1;
    assert!(first_gap >= Duration::from_millis(290), "first retry after {first_gap:?}");
    assert!(second_gap >= Duration::from_millis(590), "second retry after {second_gap:?}");
    let stats = q.stats(QueueName::Cleanup).await.unwrap();
    assert_eq!((stats.dead, stats.delayed, stats.waiting), (0, 0, 0));
    let text = metrics.render(&q).await;
    assert!(text.contains(r#"clipmaker_jobs_retried_total{queue="cleanup"} 2"#), "{text}");
    assert!(text.contains(r#"clipmaker_jobs_succeeded_total{queue="cleanup"} 1"#), "{text}");
    assert!(text.contains(r#"clipmaker_job_duration_seconds_count{queue="cleanup"} 3"#), "{text}");
}

struct AlwaysFails {
    hooks: Arc<Mutex<Vec<String>>>,
}

impl JobHandler<Numbered> for AlwaysFails {
    async fn run(&self, _ctx: JobContext, job: Numbered) -> anyhow::Result<()> {
        anyhow::bail!("the source file of job {} is corrupt", job.n)
    }

    async fn failed(&self, ctx: JobContext, job: Numbered, error: String) -> anyhow::Result<()> {
        self.hooks.lock().unwrap().push(format!("{} {} {}", job.n, ctx.attempt, error));
        Ok(())
    }
}

#[tokio::test]
async fn a_handler_that_always_fails_lands_in_the_dead_letter_list_with_its_error() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 30_000)).await;
    let hooks: Arc<Mutex<Vec<String>>> = Arc::default();
    let worker = start(Runtime::new(q.clone()).handle::<Numbered, _>(AlwaysFails { hooks: hooks.clone() }));
    let id = q.enqueue(&Numbered { n: 3 }, EnqueueOptions::new().subject("video:test")).await.unwrap().id();
    eventually("the job is dead-lettered", async || q.stats(QueueName::Cleanup).await.unwrap().dead == 1).await;
    worker.stop().await;

    let dead = q.dead_letters(QueueName::Cleanup, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    let job = dead[0].job.as_ref().expect("the envelope is kept");
    assert_eq!((job.id, job.attempt, job.name.as_str()), (id, 3, "test-numbered"));
    assert_eq!(dead[0].error, "the source file of job 3 is corrupt");
    assert_eq!(job.last_error.as_deref(), Some("the source file of job 3 is corrupt"));
    assert_eq!(*hooks.lock().unwrap(), vec!["3 3 the source file of job 3 is corrupt".to_owned()]);
    // Its subject is free again, so the reconciler may act on it.
    assert_eq!(q.live_job("video:test").await.unwrap(), None);
}

#[tokio::test]
async fn a_panicking_handler_fails_its_job_not_the_worker() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(20, 30_000)).await;
    let done: Arc<Mutex<Vec<u32>>> = Arc::default();
    let d = done.clone();
    let handler = handler_fn(move |_ctx: JobContext, job: Numbered| {
        let d = d.clone();
        async move {
            assert_ne!(job.n, 13, "unlucky number");
            d.lock().unwrap().push(job.n);
            Ok(())
        }
    });
    let worker = start(Runtime::new(q.clone()).handle::<Numbered, _>(handler));
    for n in [12, 13, 14] {
        q.enqueue(&Numbered { n }, EnqueueOptions::new()).await.unwrap();
    }
    eventually("the panicking job is dead-lettered", async || q.stats(QueueName::Cleanup).await.unwrap().dead == 1)
        .await;
    eventually("the others ran", async || done.lock().unwrap().len() == 2).await;
    worker.stop().await;
    let dead = q.dead_letters(QueueName::Cleanup, 10).await.unwrap();
    assert!(dead[0].error.contains("panicked") && dead[0].error.contains("unlucky number"), "{:?}", dead[0]);
}

#[tokio::test]
async fn the_same_idempotency_key_gives_one_job() {
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 30_000)).await;
    let first = q.enqueue(&Numbered { n: 1 }, EnqueueOptions::new().key("upload:abc")).await.unwrap();
    let again = q.enqueue(&Numbered { n: 2 }, EnqueueOptions::new().key("upload:abc")).await.unwrap();
    let other = q.enqueue(&Numbered { n: 3 }, EnqueueOptions::new().key("upload:def")).await.unwrap();
    assert!(matches!(first, Enqueued::New(_)));
    assert_eq!(again, Enqueued::Existing(first.id()));
    assert!(matches!(other, Enqueued::New(id) if id != first.id()));
    assert_eq!(q.stats(QueueName::Cleanup).await.unwrap().waiting, 2);

    // A subject with a live job refuses a second "only if idle" job (what the reconciler relies on).
    let live = q.enqueue(&Numbered { n: 4 }, EnqueueOptions::new().subject("video:1")).await.unwrap();
    let twice = q.enqueue(&Numbered { n: 5 }, EnqueueOptions::new().subject("video:1").only_if_subject_idle()).await;
    assert_eq!(twice.unwrap(), Enqueued::Existing(live.id()));
    assert_eq!(q.live_job("video:1").await.unwrap(), Some(live.id()));
}

#[tokio::test]
async fn priorities_are_served_in_order_and_delayed_jobs_wait() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 30_000)).await;
    // Enqueued before any worker runs: cron first, paid last.
    for (n, p) in
        [(30, Priority::Cron), (31, Priority::Cron), (20, Priority::Free), (10, Priority::Paid), (11, Priority::Paid)]
    {
        q.enqueue(&Numbered { n }, EnqueueOptions::new().priority(p)).await.unwrap();
    }
    let enqueued = Instant::now();
    q.enqueue(&Numbered { n: 99 }, EnqueueOptions::new().priority(Priority::Paid).delay(Duration::from_millis(800)))
        .await
        .unwrap();
    let stats = q.stats(QueueName::Cleanup).await.unwrap();
    assert_eq!((stats.waiting, stats.delayed), (5, 1));
    assert!(stats.oldest_waiting.is_some());

    let order: Arc<Mutex<Vec<(u32, Instant)>>> = Arc::default();
    let o = order.clone();
    let handler = handler_fn(move |_ctx: JobContext, job: Numbered| {
        let o = o.clone();
        async move {
            o.lock().unwrap().push((job.n, Instant::now()));
            Ok(())
        }
    });
    let worker = start(Runtime::new(q.clone()).handle::<Numbered, _>(handler).concurrency(QueueName::Cleanup, 1));
    eventually("all six ran", async || order.lock().unwrap().len() == 6).await;
    worker.stop().await;
    let order = order.lock().unwrap();
    assert_eq!(order.iter().map(|o| o.0).collect::<Vec<_>>(), vec![10, 11, 20, 30, 31, 99]);
    assert!(order[5].1 - enqueued >= Duration::from_millis(790), "the delayed job ran early");
}

#[tokio::test]
async fn a_job_held_by_a_dead_consumer_is_reclaimed_after_the_visibility_timeout() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 400)).await;
    let id = q.enqueue(&Numbered { n: 5 }, EnqueueOptions::new()).await.unwrap().id();
    // A consumer that takes the job and dies without acknowledging it.
    let client = redis.connect().await;
    let stream = client.key("q:cleanup:p2");
    let cmd = |name: &'static str, args: Vec<&str>| {
        let args: Vec<fred::types::Value> = args.into_iter().map(fred::types::Value::from).collect();
        fred::prelude::ClientLike::custom::<fred::types::Value, _>(
            client.client(),
            fred::types::CustomCommand::new_static(name, None, false),
            args,
        )
    };
    let _ = cmd("XGROUP", vec!["CREATE", &stream, "workers", "0", "MKSTREAM"]).await;
    let taken =
        cmd("XREADGROUP", vec!["GROUP", "workers", "ghost", "COUNT", "1", "STREAMS", &stream, ">"]).await.unwrap();
    assert!(!taken.is_null(), "the ghost consumer took the job");

    let ran: Arc<Mutex<Vec<uuid::Uuid>>> = Arc::default();
    let r = ran.clone();
    let handler = handler_fn(move |ctx: JobContext, _job: Numbered| {
        let r = r.clone();
        async move {
            r.lock().unwrap().push(ctx.id);
            Ok(())
        }
    });
    let worker = start(Runtime::new(q.clone()).handle::<Numbered, _>(handler));
    eventually("the job was reclaimed and ran", async || ran.lock().unwrap().len() == 1).await;
    eventually("the queue is empty", async || q.stats(QueueName::Cleanup).await.unwrap().running == 0).await;
    worker.stop().await;
    assert_eq!(*ran.lock().unwrap(), vec![id]);
}

#[tokio::test]
async fn a_long_job_is_heart_beaten_and_not_reclaimed_while_it_runs() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 300)).await;
    let runs: Arc<Mutex<u32>> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let r = runs.clone();
        let handler = handler_fn(move |_ctx: JobContext, _job: Numbered| {
            let r = r.clone();
            async move {
                *r.lock().unwrap() += 1;
                // Five visibility timeouts.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                Ok(())
            }
        });
        workers.push(start(Runtime::new(q.clone()).handle::<Numbered, _>(handler)));
    }
    q.enqueue(&Numbered { n: 1 }, EnqueueOptions::new()).await.unwrap();
    eventually("the job finished", async || {
        let s = q.stats(QueueName::Cleanup).await.unwrap();
        *runs.lock().unwrap() >= 1 && s.running == 0 && s.waiting == 0
    })
    .await;
    for w in workers {
        w.stop().await;
    }
    assert_eq!(*runs.lock().unwrap(), 1, "the running job was taken over by the other worker");
}

#[tokio::test]
async fn a_cron_schedule_fires_once_per_tick_with_three_workers() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 30_000)).await;
    let ticks: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..3 {
        let t = ticks.clone();
        let handler = handler_fn(move |_ctx: JobContext, job: Ticked| {
            let t = t.clone();
            async move {
                t.lock().unwrap().push(job.tick_ms);
                Ok(())
            }
        });
        let runtime = Runtime::new(q.clone())
            .handle::<Ticked, _>(handler)
            .cron::<Ticked>("* * * * * *", |tick| Ticked { tick_ms: tick.timestamp_millis() })
            .unwrap();
        workers.push(start(runtime));
    }
    eventually("four ticks fired", async || {
        let mut seen = ticks.lock().unwrap().clone();
        seen.dedup();
        seen.len() >= 4
    })
    .await;
    for w in workers {
        w.stop().await;
    }
    let ticks = ticks.lock().unwrap();
    let mut counts: HashMap<i64, u32> = HashMap::new();
    for t in ticks.iter() {
        *counts.entry(*t).or_default() += 1;
        assert_eq!(t % 1000, 0, "ticks fall on whole seconds");
    }
    assert!(counts.values().all(|c| *c == 1), "a tick fired more than once: {counts:?}");
}

#[tokio::test]
async fn shutdown_hands_back_a_job_that_outlives_the_grace_period() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    // A visibility timeout far beyond the test: only a hand-back lets the second worker start the job.
    let q = queue(&redis, settings(50, 600_000)).await;
    let started: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let finished: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let worker = |name: &'static str, work: Duration| {
        let (s, f) = (started.clone(), finished.clone());
        let handler = handler_fn(move |_ctx: JobContext, _job: Numbered| {
            let (s, f) = (s.clone(), f.clone());
            async move {
                s.lock().unwrap().push(name);
                tokio::time::sleep(work).await;
                f.lock().unwrap().push(name);
                Ok(())
            }
        });
        Runtime::new(q.clone()).handle::<Numbered, _>(handler).shutdown_grace(Duration::from_millis(200))
    };
    let first = start(worker("first", Duration::from_secs(3600)));
    q.enqueue(&Numbered { n: 1 }, EnqueueOptions::new()).await.unwrap();
    eventually("the first worker started the job", async || started.lock().unwrap().len() == 1).await;
    first.stop().await;
    assert!(finished.lock().unwrap().is_empty());
    assert_eq!(q.stats(QueueName::Cleanup).await.unwrap().waiting, 1, "the job is back in the queue");

    let second = start(worker("second", Duration::from_millis(10)));
    eventually("the second worker finished the job", async || finished.lock().unwrap().len() == 1).await;
    second.stop().await;
    assert_eq!(*started.lock().unwrap(), vec!["first", "second"]);
    assert_eq!(*finished.lock().unwrap(), vec!["second"]);
}

#[tokio::test]
async fn a_job_that_finishes_within_the_grace_period_is_completed_not_handed_back() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 600_000)).await;
    let finished: Arc<Mutex<u32>> = Arc::default();
    let f = finished.clone();
    let handler = handler_fn(move |_ctx: JobContext, _job: Numbered| {
        let f = f.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            *f.lock().unwrap() += 1;
            Ok(())
        }
    });
    let worker = start(Runtime::new(q.clone()).handle::<Numbered, _>(handler).shutdown_grace(Duration::from_secs(30)));
    q.enqueue(&Numbered { n: 1 }, EnqueueOptions::new()).await.unwrap();
    eventually("the job is running", async || q.stats(QueueName::Cleanup).await.unwrap().running == 1).await;
    worker.stop().await;
    assert_eq!(*finished.lock().unwrap(), 1);
    let s = q.stats(QueueName::Cleanup).await.unwrap();
    assert_eq!((s.waiting, s.running), (0, 0));
}

#[tokio::test]
async fn jobs_of_a_queue_without_a_handler_wait_instead_of_failing() {
    testkit::init_tracing();
    let redis = TestRedis::new();
    let q = queue(&redis, settings(50, 10_000)).await;
    // Concurrency is configured for the analysis queue, but this process has no handler for its jobs.
    let waiting = q.enqueue(&backend::jobs::Analyze { video_id: uuid::Uuid::now_v7() }, EnqueueOptions::new()).await;
    assert!(waiting.is_ok());
    let ran: Arc<Mutex<Vec<u32>>> = Arc::default();
    let r = ran.clone();
    let handler = handler_fn(move |_ctx: JobContext, job: Numbered| {
        let r = r.clone();
        async move {
            r.lock().unwrap().push(job.n);
            Ok(())
        }
    });
    let worker = start(
        Runtime::new(q.clone())
            .handle::<Numbered, _>(handler)
            .concurrency(QueueName::Cleanup, 1)
            .concurrency(QueueName::LlmAnalyze, 4),
    );
    // Two rounds through the served queue: the runtime has been polling for a while.
    q.enqueue(&Numbered { n: 1 }, EnqueueOptions::new()).await.unwrap();
    eventually("the first job ran", async || ran.lock().unwrap().len() == 1).await;
    q.enqueue(&Numbered { n: 2 }, EnqueueOptions::new()).await.unwrap();
    eventually("the second job ran", async || ran.lock().unwrap().len() == 2).await;
    worker.stop().await;
    let stats = q.stats(QueueName::LlmAnalyze).await.unwrap();
    assert_eq!((stats.waiting, stats.running, stats.delayed, stats.dead), (1, 0, 0, 0), "{stats:?}");
}
