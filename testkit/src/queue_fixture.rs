//! A worker process for tests of the queue runtime as real processes (`testkit/tests/queue_process.rs`): the
//! `queue-fixture-worker` binary serves one job type, [`Effect`], whose handler writes its side effect first
//! (idempotently, into the test's database) and then keeps working, so a test can kill it mid-job.

use std::time::Duration;

use backend::{
    config::RedisConfig,
    queue::{Job, JobContext, JobHandler, Queue, QueueName, QueueSettings, Runtime},
    redis::Redis,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::services;

/// The fixture's job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Effect {
    /// Names the side effect.
    pub key: String,
    /// How long the first run keeps working after its side effect; later runs finish at once.
    pub work_ms: u64,
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

/// The tables the handler writes to; create them in the test's database first.
pub const TABLES: &str = "CREATE TABLE runs (key text, pid int); CREATE TABLE effects (key text PRIMARY KEY);";

/// Queue settings with the given visibility timeout.
pub fn settings(visibility_ms: u64) -> QueueSettings {
    QueueSettings {
        max_attempts: 3,
        backoff_base: Duration::from_millis(100),
        visibility_timeout: Duration::from_millis(visibility_ms),
        idempotency_ttl: Duration::from_secs(600),
    }
}

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).map_err(|_| anyhow::anyhow!("{name} must be set by the test that starts this process"))
}

/// What the binary does: reads `FIXTURE_DATABASE_URL`, `FIXTURE_REDIS_PREFIX`, `FIXTURE_VISIBILITY_MS` and
/// `FIXTURE_GRACE_MS`, prints `fixture ready`, serves [`Effect`] jobs until SIGTERM, prints `fixture stopped`.
pub async fn run_from_env() -> anyhow::Result<()> {
    let (db, conn) = tokio_postgres::connect(&var("FIXTURE_DATABASE_URL")?, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let redis = Redis::connect(&RedisConfig { url: services::redis_url(), key_prefix: var("FIXTURE_REDIS_PREFIX")? })?;
    redis.wait_connected(Duration::from_secs(10)).await?;
    let queue = Queue::new(redis, settings(var("FIXTURE_VISIBILITY_MS")?.parse()?));
    let stop = CancellationToken::new();
    let signal = stop.clone();
    tokio::spawn(async move {
        backend::process::shutdown_signal().await;
        signal.cancel();
    });
    let grace = Duration::from_millis(var("FIXTURE_GRACE_MS")?.parse()?);
    let runtime = Runtime::new(queue).handle::<Effect, _>(EffectHandler { db }).shutdown_grace(grace);
    println!("fixture ready");
    runtime.run(stop).await?;
    println!("fixture stopped");
    Ok(())
}
