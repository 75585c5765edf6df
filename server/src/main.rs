//! The `server` binary. Configuration comes from the environment (see `.env.example`).
//!
//! - `server` serves the app (migrating first).
//! - `server prepare` runs migrations and creates the bucket, then exits (used by `scripts/dev` and deploys).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match backend::process::start() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => server::run(config).await,
        Some("prepare") => server::prepare(&config).await,
        Some(other) => {
            eprintln!("unknown command {other:?}; usage: server [serve|prepare]");
            return ExitCode::from(2);
        }
    };
    backend::process::finish("server", result)
}
