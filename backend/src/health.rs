//! Health checks of the three dependencies every process needs.

use std::{future::Future, time::Duration};

use diesel_async::RunQueryDsl as _;
use serde::Serialize;

use crate::AppState;

/// The state of one dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartHealth {
    /// Reachable and answering.
    Ok,
    /// Unreachable, failing, or too slow.
    Down,
}

/// The result of checking every dependency.
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    /// PostgreSQL.
    pub db: PartHealth,
    /// Redis.
    pub redis: PartHealth,
    /// Object storage.
    pub storage: PartHealth,
    /// Names of the parts that are down, empty when healthy.
    pub down: Vec<&'static str>,
}

impl HealthReport {
    /// Whether every part is up.
    pub fn is_healthy(&self) -> bool {
        self.down.is_empty()
    }
}

async fn probe(name: &'static str, timeout: Duration, check: impl Future<Output = anyhow::Result<()>>) -> PartHealth {
    match tokio::time::timeout(timeout, check).await {
        Ok(Ok(())) => PartHealth::Ok,
        Ok(Err(e)) => {
            tracing::warn!(part = name, error = format!("{e:#}"), "health check failed");
            PartHealth::Down
        }
        Err(_) => {
            tracing::warn!(part = name, timeout_ms = timeout.as_millis() as u64, "health check timed out");
            PartHealth::Down
        }
    }
}

/// Checks the database (`SELECT 1`), Redis (`PING`) and storage (`HeadBucket`) concurrently, each bounded by the
/// configured timeout.
pub async fn check(state: &AppState) -> HealthReport {
    let timeout = state.config.health_timeout;
    let db = probe("db", timeout, async {
        let mut conn = state.db.get().await?;
        diesel::sql_query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    });
    let redis = probe("redis", timeout, state.redis.ping());
    let storage = probe("storage", timeout, state.storage.check());
    let (db, redis, storage) = tokio::join!(db, redis, storage);
    let down = [("db", db), ("redis", redis), ("storage", storage)]
        .into_iter()
        .filter(|(_, h)| *h == PartHealth::Down)
        .map(|(n, _)| n)
        .collect();
    HealthReport { db, redis, storage, down }
}
