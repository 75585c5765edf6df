//! I/O shared by the server, the worker and the app's server side: configuration, the database, Redis,
//! object storage, health checks and telemetry. Services for each feature area are added here as modules.

/// Implements `From` for the database's and the pool's errors on an error enum whose `Internal` variant holds an
/// [`anyhow::Error`], so `?` works on queries and `state.db.get()` in every service.
macro_rules! internal_error_from_db {
    ($error:ident) => {
        impl From<diesel::result::Error> for $error {
            fn from(e: diesel::result::Error) -> Self {
                $error::Internal(e.into())
            }
        }

        impl From<diesel_async::pooled_connection::deadpool::PoolError> for $error {
            fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
                $error::Internal(anyhow::anyhow!("database pool: {e}"))
            }
        }
    };
}
pub(crate) use internal_error_from_db;

pub mod accounts;
pub mod admin;
pub mod ai;
pub mod analytics;
pub mod auth;
pub mod billing;
pub mod client_ip;
pub mod clips;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod editor;
pub mod fetch;
pub mod handoff;
pub mod health;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod platforms;
pub mod process;
pub mod publish;
pub mod queue;
pub mod ratelimit;
pub mod redact;
pub mod redis;
pub mod retention;
pub mod retry;
pub mod speech;
pub mod state;
pub mod storage;
pub mod teams;
pub mod telemetry;
pub mod transcripts;
pub mod uploads;
pub mod videos;
pub mod vkid;

pub use config::Config;
pub use state::AppState;
