//! The `worker` binary: connects to the same database, Redis and storage as the server and works through the job
//! queues until SIGTERM, then stops taking jobs, lets running ones finish within the grace period and hands back
//! the rest. `worker process <file>` and `worker render <file> …` run the pipeline on local files instead
//! ([`worker::cli`]).

use std::{process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context as _;
use backend::{AppState, metrics::Metrics};
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(result) = worker::cli::run(&args).await {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
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
    let metrics = Arc::new(Metrics::new());
    if let Some(addr) = state.config.jobs.worker_metrics_addr {
        let bound = worker::serve_metrics(addr, state.clone(), metrics.clone()).await?;
        tracing::info!(%bound, "worker metrics listening");
    }
    let shutdown = CancellationToken::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        backend::process::shutdown_signal().await;
        tracing::info!("worker stopping");
        signal.cancel();
    });
    match worker::ytdlp::available(state.config.jobs.ytdlp.as_deref()).await {
        Ok(version) => tracing::info!(%version, "yt-dlp found: links to video platform pages can be imported"),
        Err(e) => {
            tracing::info!(reason = format!("{e:#}"), "yt-dlp unavailable: only direct links to media files import")
        }
    }
    tracing::info!(pid = std::process::id(), "worker ready");
    worker::runtime(&state, &metrics).run(shutdown).await?;
    tracing::info!("worker stopped");
    Ok(())
}
