//! Logging setup: human-readable in development, JSON in production.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::AppEnv;

/// Targets held at `info` whatever `RUST_LOG` says: at debug level they print SQL bind parameters (password
/// hashes, token hashes), SMTP traffic, and the storage endpoint, request URLs and presigned signatures (the AWS
/// SDK's orchestrator and signer, the HTTP clients under it).
const QUIET_TARGETS: &[&str] = &[
    "tokio_postgres=info",
    "lettre=info",
    "aws_sdk_s3=info",
    "aws_smithy_runtime=info",
    "aws_smithy_runtime_api=info",
    "aws_smithy_http_client=info",
    "aws_sigv4=info",
    "aws_config=info",
    "hyper_util=info",
    "reqwest=info",
];

/// The log filter: `base` (a `RUST_LOG` value) followed by the quiet targets, which therefore win.
pub fn filter(base: &str) -> EnvFilter {
    let mut spec = base.to_owned();
    for t in QUIET_TARGETS {
        spec.push(',');
        spec.push_str(t);
    }
    EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new(format!("info,{}", QUIET_TARGETS.join(","))))
}

/// Installs the global tracing subscriber with [`filter`] of `RUST_LOG` (default `info`).
/// Calling it twice is harmless (the second call does nothing), which keeps tests simple.
pub fn init(env: AppEnv) {
    let filter = filter(&std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if env == AppEnv::Production {
        registry.with(fmt::layer().json().flatten_event(true).with_current_span(true).with_span_list(false)).try_init()
    } else {
        registry.with(fmt::layer().with_target(true)).try_init()
    };
    drop(result);
}
