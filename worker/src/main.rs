//! The `worker` binary: connects to the same database, Redis and storage as the server and waits for work.
//! Job handling arrives with the queue; for now it starts, reports ready, and stops cleanly on SIGTERM.

use std::{process::ExitCode, time::Duration};

use anyhow::Context as _;
use backend::AppState;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match backend::process::start() {
        Ok(c) => c,
        Err(code) => return code,
    };
    backend::process::finish("worker", run(config).await)
}

async fn run(config: backend::Config) -> anyhow::Result<()> {
    backend::db::migrate(&config.database.url).await?;
    let state = AppState::new(config)?;
    state.redis.wait_connected(Duration::from_secs(15)).await?;
    state.storage.check().await.context("checking object storage")?;
    tracing::info!(pid = std::process::id(), "worker ready");
    backend::process::shutdown_signal().await;
    tracing::info!("worker stopping");
    Ok(())
}
