//! The queue runtime as real processes: a worker killed with SIGKILL mid-job has its job finished by another worker
//! with the side effect applied once, and SIGTERM hands an unfinished job back at once.
//!
//! The worker processes are the `queue-fixture-worker` binary (`testkit::queue_fixture`), which serves one job type
//! whose handler writes its side effect first (idempotently) and then keeps working.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use backend::queue::{EnqueueOptions, Queue, QueueName};
use testkit::{
    TestDb, TestRedis, eventually,
    queue_fixture::{Effect, TABLES, settings},
};

struct Worker {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Worker {
    fn start(db: &TestDb, redis: &TestRedis, visibility_ms: u64, grace_ms: u64) -> Worker {
        let mut child = Command::new(env!("CARGO_BIN_EXE_queue-fixture-worker"))
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
    client.batch_execute(TABLES).await.unwrap();
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
