//! Process lifecycle helpers shared by the server and the worker.

/// Completes when the process is asked to stop: SIGTERM (containers, `kill`) or Ctrl-C.
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let term = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
}

/// The start of every binary's `main`: reads the configuration and installs logging. A configuration error is
/// printed (it names the variable) and turned into exit code 2.
pub fn start() -> Result<crate::Config, std::process::ExitCode> {
    match crate::Config::from_env() {
        Ok(config) => {
            crate::telemetry::init(config.env);
            Ok(config)
        }
        Err(e) => {
            eprintln!("{e}");
            Err(std::process::ExitCode::from(2))
        }
    }
}

/// The end of every binary's `main`: success is exit code 0; a failure is logged with its whole chain, printed, and
/// exit code 1.
pub fn finish(service: &str, result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "{service} failed");
            eprintln!("{service} failed: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
