//! The queue runtime as real processes: a worker killed with SIGKILL mid-job has its job finished by another worker
//! with the side effect applied once, and SIGTERM hands an unfinished job back at once.
//!
//! The worker processes are this test binary re-run with the ignored `fixture_worker_process` test, which serves one
//! job type whose handler writes its side effect first (idempotently) and then keeps working.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use backend::{
    config::RedisConfig,
    queue::{EnqueueOptions, Job, JobContext, JobHandler, Queue, QueueName, QueueSettings, Runtime},
    redis::Redis,
};
use serde::{Deserialize, Serialize};
use testkit::{TestDb, TestRedis, eventually, services};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Effect {
    key: String,
    /// How long the first run keeps working after its side effect; later runs finish at once.
    work_ms: u64,
}

impl Job for Effect {
    const NAME: &'static str = "test-effect";
    const QUEUE: QueueName = QueueName::Cleanup;
}

struct EffectHandler {
    db: tokio_postgres::Client,
}

impl JobHandler<Effect> for EffectHandler {
    async fn run(&self, _ctx: JobContext, job: Effect) -> anyhow::Result<()> {
        let pid = std::process::id() as i32;
        let earlier: i64 = self.db.query_one("SELECT count(*) FROM runs WHERE key = $1", &[&job.key]).await?.get(0);
        self.db.execute("INSERT INTO runs (key, pid) VALUES ($1, $2)", &[&job.key, &pid]).await?;
        // The side effect, idempotent: a redelivered job finds it done.
        self.db.execute("INSERT INTO effects (key) VALUES ($1) ON CONFLICT DO NOTHING", &[&job.key]).await?;
        if earlier == 0 {
            tokio::time::sleep(Duration::from_millis(job.work_ms)).await;
        }
        Ok(())
    }
}

fn settings(visibility_ms: u64) -> QueueSettings {
    QueueSettings {
        max_attempts: 3,
        backoff_base: Duration::from_millis(100),
        visibility_timeout: Duration::from_millis(visibility_ms),
        idempotency_ttl: Duration::from_secs(600),
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent test"))
}

#[tokio::test]
#[ignore = "a worker process started by the other tests in this file, not a test itself"]
async fn fixture_worker_process() {
    let (db, conn) = tokio_postgres::connect(&var("FIXTURE_DATABASE_URL"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let redis =
        Redis::connect(&RedisConfig { url: services::redis_url(), key_prefix: var("FIXTURE_REDIS_PREFIX") }).unwrap();
    redis.wait_connected(Duration::from_secs(10)).await.unwrap();
    let queue = Queue::new(redis, settings(var("FIXTURE_VISIBILITY_MS").parse().unwrap()));
    let stop = CancellationToken::new();
    let signal = stop.clone();
    tokio::spawn(async move {
        backend::process::shutdown_signal().await;
        signal.cancel();
    });
    let grace = Duration::from_millis(var("FIXTURE_GRACE_MS").parse().unwrap());
    let runtime = Runtime::new(queue).handle::<Effect, _>(EffectHandler { db }).shutdown_grace(grace);
    println!("fixture ready");
    runtime.run(stop).await.unwrap();
    println!("fixture stopped");
}

struct Worker {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Worker {
    fn start(db: &TestDb, redis: &TestRedis, visibility_ms: u64, grace_ms: u64) -> Worker {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["fixture_worker_process", "--exact", "--ignored", "--nocapture", "--test-threads", "1"])
            .env("FIXTURE_DATABASE_URL", db.url())
            .env("FIXTURE_REDIS_PREFIX", redis.prefix())
            .env("FIXTURE_VISIBILITY_MS", visibility_ms.to_string())
            .env("FIXTURE_GRACE_MS", grace_ms.to_string())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the fixture worker");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let w = Worker { child, lines };
        w.wait_for_line("fixture ready");
        w
    }

    fn wait_for_line(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100))
                && line.contains(text)
            {
                return;
            }
        }
        panic!("the fixture worker never printed {text:?}");
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill").args([sig, &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill {sig} failed");
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn setup() -> (TestDb, TestRedis, tokio_postgres::Client, Queue) {
    testkit::init_tracing();
    let (db, redis) = (TestDb::empty().await, TestRedis::new());
    let client = db.client().await;
    client
        .batch_execute("CREATE TABLE runs (key text, pid int); CREATE TABLE effects (key text PRIMARY KEY);")
        .await
        .unwrap();
    let queue = Queue::new(redis.connect().await, settings(600_000));
    (db, redis, client, queue)
}

async fn count(db: &tokio_postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_worker_killed_mid_job_has_its_job_finished_by_another_with_the_side_effect_once() {
    let (db, redis, client, queue) = setup().await;
    let first = Worker::start(&db, &redis, 1000, 5000);
    queue.enqueue(&Effect { key: "k".into(), work_ms: 600_000 }, EnqueueOptions::new()).await.unwrap();
    eventually("the first worker is mid-job", async || count(&client, "SELECT count(*) FROM runs").await == 1).await;
    let first_pid = first.child.id() as i32;
    first.signal("-KILL");
    drop(first);

    let second = Worker::start(&db, &redis, 1000, 5000);
    eventually("another worker finished the job", async || {
        let s = queue.stats(QueueName::Cleanup).await.unwrap();
        count(&client, "SELECT count(*) FROM runs").await == 2 && s.running == 0 && s.waiting == 0
    })
    .await;
    let pids: Vec<i32> = client
        .query("SELECT pid FROM runs ORDER BY pid = $1 DESC", &[&first_pid])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(pids, vec![first_pid, second.child.id() as i32], "the job ran in the killed worker, then in the other");
    assert_eq!(count(&client, "SELECT count(*) FROM effects").await, 1, "the side effect happened once");
    assert_eq!(queue.stats(QueueName::Cleanup).await.unwrap().dead, 0);
}

#[tokio::test]
async fn sigterm_hands_an_unfinished_job_back_at_once() {
    let (db, redis, client, queue) = setup().await;
    // The visibility timeout (10 minutes) is far beyond the test: only a hand-back lets the second worker start.
    let mut first = Worker::start(&db, &redis, 600_000, 300);
    queue.enqueue(&Effect { key: "k".into(), work_ms: 600_000 }, EnqueueOptions::new()).await.unwrap();
    eventually("the first worker is mid-job", async || count(&client, "SELECT count(*) FROM runs").await == 1).await;
    first.signal("-TERM");
    first.wait_for_line("fixture stopped");
    let status = first.child.wait().unwrap();
    assert!(status.success(), "the worker exits cleanly after SIGTERM: {status}");
    let s = queue.stats(QueueName::Cleanup).await.unwrap();
    assert_eq!((s.waiting, s.running), (1, 0), "the job is back in the queue");

    let _second = Worker::start(&db, &redis, 600_000, 300);
    eventually("the second worker finished the job", async || {
        let s = queue.stats(QueueName::Cleanup).await.unwrap();
        count(&client, "SELECT count(*) FROM runs").await == 2 && s.running == 0 && s.waiting == 0
    })
    .await;
    assert_eq!(count(&client, "SELECT count(*) FROM effects").await, 1);
}
