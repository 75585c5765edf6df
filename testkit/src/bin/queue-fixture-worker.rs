//! The worker process of the queue process tests; see `testkit::queue_fixture`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    testkit::queue_fixture::run_from_env().await
}
