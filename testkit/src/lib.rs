//! The test harness.
//!
//! - [`TestDb`]: a fresh PostgreSQL database per test, cloned from a template migrated once per migration set.
//! - [`TestRedis`]: a Redis key prefix per test, its keys deleted afterwards.
//! - [`TestBucket`]: an S3 bucket per test, emptied and deleted afterwards.
//! - [`TestApp`]: the whole server on `127.0.0.1:0` wired to the three above.
//! - [`FakeServer`]: a real HTTP server on loopback standing in for a third-party API, recording what it receives.
//!
//! Service locations come from the environment `scripts/test` sets up (see [`services`]).

mod app;
mod bucket;
mod db;
mod fake;
pub mod fake_llm;
pub mod fake_rutube;
pub mod fake_stt;
pub mod fake_telegram;
pub mod fake_vk;
pub mod fake_yookassa;
pub mod logs;
pub mod mailbox;
pub mod queue_fixture;
mod redis;
pub mod speech;
pub mod traces;

pub use app::{TEST_PASSWORD, TestApp};
pub use bucket::{TestBucket, s3_client};
pub use db::TestDb;
pub use fake::{FakeServer, RecordedRequest};
pub use redis::{PrivateRedis, TestRedis};

/// Where the real services of the test environment are, from the environment with local defaults.
pub mod services {
    fn var(name: &str, default: &str) -> String {
        std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned())
    }

    /// A superuser URL of the PostgreSQL server (its `postgres` database), used to create test databases.
    pub fn postgres_admin_url() -> String {
        var("TEST_DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    }

    /// Redis URL.
    pub fn redis_url() -> String {
        var("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    }

    /// S3 endpoint.
    pub fn s3_endpoint() -> String {
        var("TEST_S3_ENDPOINT", "http://127.0.0.1:9000")
    }

    /// S3 access key id.
    pub fn s3_access_key() -> String {
        var("TEST_S3_ACCESS_KEY_ID", "clipmaker")
    }

    /// S3 secret key.
    pub fn s3_secret_key() -> String {
        var("TEST_S3_SECRET_ACCESS_KEY", "clipmaker-secret")
    }

    /// SMTP sink URL.
    pub fn smtp_url() -> String {
        var("TEST_SMTP_URL", "smtp://127.0.0.1:1025")
    }

    /// The SMTP sink's HTTP API (mailtutan).
    pub fn mail_api_url() -> String {
        var("TEST_MAIL_API_URL", "http://127.0.0.1:1080")
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then released), for "service is down" tests.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// Installs a test log subscriber once (output captured by the test runner; `RUST_LOG` filters).
pub fn init_tracing() {
    use tracing_subscriber::fmt;
    let _ = fmt()
        .with_env_filter(backend::telemetry::filter(&std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into())))
        .with_test_writer()
        .try_init();
}

/// Runs an async cleanup to completion from a `Drop` impl, on a thread of its own (drop may run inside a runtime).
pub(crate) fn cleanup_in_background<F>(f: F)
where
    F: FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + 'static,
{
    let handle = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(f());
        }
    });
    let _ = handle.join();
}

/// Polls `check` every 25 ms until it holds; panics naming `what` after 90 s. A liveness bound for work that happens
/// in the background (jobs, events), not a timing assertion.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while std::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}
