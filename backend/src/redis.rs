//! The Redis client (fred) and key naming. Every key goes through [`Redis::key`], so one Redis can serve several
//! deployments or tests, each under its own prefix.

use std::time::Duration;

use anyhow::Context as _;
use fred::prelude::{Builder, ClientLike as _, Config as FredConfig, ReconnectPolicy};

use crate::config::RedisConfig;

/// A shared, reconnecting Redis client plus the key prefix.
#[derive(Clone)]
pub struct Redis {
    client: fred::prelude::Client,
    prefix: String,
}

impl Redis {
    /// Creates the client and starts connecting in the background. It returns at once, even if Redis is down:
    /// commands then fail quickly and the client keeps reconnecting.
    pub fn connect(cfg: &RedisConfig) -> anyhow::Result<Redis> {
        let config = FredConfig::from_url(&cfg.url).context("parsing REDIS_URL")?;
        let client = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(2);
                c.internal_command_timeout = Duration::from_secs(5);
            })
            .with_performance_config(|p| {
                // While Redis is unreachable, commands wait for a reconnection this long, then fail. Blocking
                // commands (stream reads) set their own timeout per call.
                p.default_command_timeout = Duration::from_secs(3);
            })
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
            .build()
            .context("building the Redis client")?;
        // The connection task runs for the client's lifetime, reconnecting after drops.
        drop(client.connect());
        Ok(Redis { client, prefix: cfg.key_prefix.clone() })
    }

    /// The underlying client.
    pub fn client(&self) -> &fred::prelude::Client {
        &self.client
    }

    /// The prefix every key of this app starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A full key name: the prefix followed by `name`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Waits until the first connection is up, or fails after `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> anyhow::Result<()> {
        tokio::time::timeout(timeout, self.client.wait_for_connect())
            .await
            .context("timed out connecting to Redis")?
            .context("connecting to Redis")
    }

    /// Sends PING and expects PONG.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let reply: String = self.client.ping(None).await.context("PING")?;
        anyhow::ensure!(reply == "PONG", "unexpected PING reply {reply:?}");
        Ok(())
    }
}
