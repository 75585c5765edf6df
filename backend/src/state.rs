//! The shared application state: configuration and clients, cheap to clone.

use std::sync::Arc;

use crate::{
    Config,
    db::{self, DbPool},
    mail::Mailer,
    queue::{Queue, QueueSettings},
    redis::Redis,
    storage::Storage,
};

/// Pools, clients and configuration shared by every request and job.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the process started with.
    pub config: Arc<Config>,
    /// PostgreSQL pool.
    pub db: DbPool,
    /// Redis client.
    pub redis: Redis,
    /// Object storage.
    pub storage: Storage,
    /// Outgoing mail.
    pub mail: Mailer,
    /// The job queue (enqueue, stats).
    pub queue: Queue,
}

impl AppState {
    /// Builds the clients. Nothing is contacted yet, so this succeeds while a dependency is down; the health
    /// endpoint reports what is unreachable.
    pub fn new(config: Config) -> anyhow::Result<AppState> {
        let db = db::pool(&config.database.url, config.database.pool_size)?;
        let redis = Redis::connect(&config.redis)?;
        let storage = Storage::new(&config.storage);
        let mail = Mailer::new(&config.mail)?;
        let queue = Queue::new(redis.clone(), QueueSettings::from_config(&config.jobs));
        Ok(AppState { config: Arc::new(config), db, redis, storage, mail, queue })
    }
}
