//! The `worker` binary: connects to the same database, Redis and storage as the server and waits for work.
//! Job handling arrives with the queue; for now it starts, reports ready, and stops cleanly on SIGTERM.

use std::{process::ExitCode, time::Duration};

use anyhow::Context as _;
use backend::AppState;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match backend::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    backend::telemetry::init(config.env);
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "worker failed");
            eprintln!("worker failed: {e:#}");
            ExitCode::FAILURE
        }
    }
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
