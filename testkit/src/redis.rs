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
