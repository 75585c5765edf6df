//! The `server` binary. Configuration comes from the environment (see `.env.example`).
//!
//! - `server` serves the app (migrating first).
//! - `server prepare` runs migrations and creates the bucket, then exits (used by `scripts/dev` and deploys).
//! - `server admin set-plan EMAIL PLAN` sets a user's plan (`free`, `start`, `pro`, `business`) for development,
//!   tests and support.
//! - `server admin reseal-tokens` reseals platform tokens under the current `PLATFORM_TOKEN_KEY` after a rotation.
//! - `server admin grant EMAIL` / `server admin revoke EMAIL` make a user a site operator (the `/admin` console) or
//!   take that away; operator access is never granted through the UI.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Server-side rendering of the largest page (the clip editor) nests deeply; in unoptimised builds it overflowed
    // tokio's default 2 MiB worker stacks and aborted the process.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()
        .expect("starting the tokio runtime")
        .block_on(run())
}

async fn run() -> ExitCode {
    let config = match backend::process::start() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => server::run(config).await,
        Some("prepare") => server::prepare(&config).await,
        Some("admin") => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["set-plan", email, plan] => server::admin::set_plan(&config, email, plan).await,
                ["reseal-tokens"] => server::admin::reseal_tokens(&config).await,
                ["grant", email] => server::admin::set_operator(&config, email, true).await,
                ["revoke", email] => server::admin::set_operator(&config, email, false).await,
                _ => {
                    eprintln!("usage: server admin set-plan EMAIL PLAN   (PLAN: free, start, pro, business)");
                    eprintln!("       server admin reseal-tokens         (after rotating PLATFORM_TOKEN_KEY)");
                    eprintln!("       server admin grant EMAIL           (makes the user a site operator: /admin)");
                    eprintln!("       server admin revoke EMAIL          (takes operator access away)");
                    return ExitCode::from(2);
                }
            }
        }
        Some(other) => {
            eprintln!("unknown command {other:?}; usage: server [serve|prepare|admin]");
            return ExitCode::from(2);
        }
    };
    backend::process::finish("server", result)
}
