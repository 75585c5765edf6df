//! Logging setup: human-readable in development, JSON in production.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::AppEnv;

/// Installs the global tracing subscriber. The filter comes from `RUST_LOG` (default `info`).
/// Calling it twice is harmless (the second call does nothing), which keeps tests simple.
pub fn init(env: AppEnv) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if env == AppEnv::Production {
        registry.with(fmt::layer().json().flatten_event(true).with_current_span(true).with_span_list(false)).try_init()
    } else {
        registry.with(fmt::layer().with_target(true)).try_init()
    };
    drop(result);
}
