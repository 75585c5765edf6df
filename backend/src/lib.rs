//! I/O shared by the server, the worker and the app's server side: configuration, the database, Redis,
//! object storage, health checks and telemetry. Services for each feature area are added here as modules.

pub mod accounts;
pub mod ai;
pub mod auth;
pub mod billing;
pub mod client_ip;
pub mod clips;
pub mod config;
pub mod db;
pub mod editor;
pub mod fetch;
pub mod handoff;
pub mod health;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod process;
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
