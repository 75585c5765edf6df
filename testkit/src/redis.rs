//! A Redis key prefix per test.

use fred::prelude::{ClientLike as _, KeysInterface as _};

use crate::services;

/// A unique key prefix; every key under it is deleted when this value is dropped.
pub struct TestRedis {
    prefix: String,
}

impl TestRedis {
    /// A fresh prefix.
    pub fn new() -> TestRedis {
        TestRedis { prefix: format!("test:{}:", uuid::Uuid::new_v4().simple()) }
    }

    /// The prefix to put in `REDIS_KEY_PREFIX`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The app's Redis settings for this prefix on the shared test Redis.
    pub fn config(&self) -> backend::config::RedisConfig {
        backend::config::RedisConfig { url: services::redis_url(), key_prefix: self.prefix.clone() }
    }

    /// A connected app client under this prefix.
    pub async fn connect(&self) -> backend::redis::Redis {
        connect(self.config()).await
    }
}

async fn connect(config: backend::config::RedisConfig) -> backend::redis::Redis {
    let redis = backend::redis::Redis::connect(&config).expect("building the Redis client");
    redis.wait_connected(std::time::Duration::from_secs(10)).await.expect("connecting to Redis");
    redis
}

/// A Redis server of its own for one test, for what must not touch the shared one: `FLUSHALL`, restarts.
/// It keeps no data on disk and is killed when dropped.
pub struct PrivateRedis {
    child: std::process::Child,
    port: u16,
}

impl PrivateRedis {
    /// Starts `redis-server` on a free loopback port and waits until it answers.
    pub async fn start() -> PrivateRedis {
        let port = crate::closed_port();
        let child = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("starting redis-server (is it installed?)");
        let me = PrivateRedis { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return me;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {port}");
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The app's Redis settings for it.
    pub fn config(&self) -> backend::config::RedisConfig {
        backend::config::RedisConfig { url: self.url(), key_prefix: "clipmaker:".into() }
    }

    /// A connected app client.
    pub async fn connect(&self) -> backend::redis::Redis {
        connect(self.config()).await
    }

    /// Deletes every key: what a Redis restart without persistence does to the data.
    pub async fn flushall(&self) {
        let redis = self.connect().await;
        let _: () = redis.client().flushall(false).await.expect("FLUSHALL");
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Default for TestRedis {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let pattern = format!("{}*", self.prefix);
        crate::cleanup_in_background(move || {
            Box::pin(async move {
                let Ok(config) = fred::prelude::Config::from_url(&services::redis_url()) else { return };
                let Ok(client) = fred::prelude::Builder::from_config(config).build() else { return };
                if client.init().await.is_err() {
                    return;
                }
                let mut cursor = "0".to_owned();
                loop {
                    let reply: Result<(String, Vec<String>), _> =
                        client.scan_page(cursor.clone(), pattern.clone(), Some(500), None).await;
                    let Ok((next, keys)) = reply else { break };
                    if !keys.is_empty() {
                        let _: Result<i64, _> = client.del(keys).await;
                    }
                    if next == "0" {
                        break;
                    }
                    cursor = next;
                }
                let _ = client.quit().await;
            })
        });
    }
}
