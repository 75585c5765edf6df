//! A sliding-window rate limiter in Redis, shared by every server process.
//!
//! Each (limit, subject) pair is a sorted set of hit timestamps. One Lua script trims hits older than the window,
//! counts what is left, and either records the new hit or reports when the oldest hit leaves the window. Redis's own
//! clock is used, so servers with skewed clocks agree.

use std::time::Duration;

use anyhow::Context as _;
use fred::prelude::LuaInterface as _;

use crate::redis::Redis;

/// A named limit: at most `max` hits per `window` for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Part of the Redis key; unique per limit.
    pub name: &'static str,
    /// Hits allowed within one window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

impl Limit {
    /// `max` hits per minute under `name`.
    pub const fn per_minute(name: &'static str, max: u32) -> Limit {
        Limit { name, max, window: Duration::from_secs(60) }
    }

    /// `max` hits per hour under `name`.
    pub const fn per_hour(name: &'static str, max: u32) -> Limit {
        Limit { name, max, window: Duration::from_secs(3600) }
    }

    /// Authentication attempts per client IP (seed 000: 5 per minute).
    pub const AUTH_PER_IP: Limit = Limit { name: "auth-ip", max: 5, window: Duration::from_secs(60) };
    /// Authentication attempts per (account, client IP) pair.
    pub const AUTH_PER_ACCOUNT_IP: Limit = Limit { name: "auth-account-ip", max: 5, window: Duration::from_secs(60) };
    /// Authentication attempts per account from every address together: a much higher ceiling than the per-address
    /// limits, so an attacker who exhausts their own addresses does not lock the owner out.
    pub const AUTH_PER_ACCOUNT: Limit = Limit { name: "auth-account", max: 100, window: Duration::from_secs(3600) };
    /// API requests per user (seed 000: 100 per minute).
    pub const API_PER_USER: Limit = Limit { name: "api-user", max: 100, window: Duration::from_secs(60) };
    /// Uploads per user (seed 000: 10 per hour).
    pub const UPLOADS_PER_USER: Limit = Limit { name: "uploads-user", max: 10, window: Duration::from_secs(3600) };
}

/// The limiter's answer for one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The hit is recorded; `remaining` more fit in the window.
    Allowed {
        /// Hits left in the current window.
        remaining: u32,
    },
    /// The hit is refused and not recorded; try again after `retry_after`.
    Limited {
        /// Time until the oldest hit leaves the window (at least one second, for a `Retry-After` header).
        retry_after: Duration,
    },
}

impl Decision {
    /// Whether the hit was allowed.
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

const SCRIPT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < max then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, max - count - 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
"#;

/// Records one hit and answers how long to wait when the limit is reached. Fails open: while Redis is unreachable
/// nothing is limited (the failure is logged), so an outage of the limiter does not lock everyone out.
pub async fn over(redis: &Redis, limit: &Limit, subject: &str) -> Option<Duration> {
    match hit(redis, limit, subject).await {
        Ok(Decision::Limited { retry_after }) => Some(retry_after),
        Ok(Decision::Allowed { .. }) => None,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), limit = limit.name, "rate limiter unavailable; allowing");
            None
        }
    }
}

const LEASE_SCRIPT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"#;

/// A slot among at most `max` held at once by one subject (open live-event streams of a user), shared by every
/// server process. The holder renews it (well within `ttl`) while it lasts and releases it when done; a slot whose
/// holder died without releasing it lapses after `ttl`.
#[derive(Debug)]
pub struct Lease {
    key: String,
    member: String,
}

impl Lease {
    /// Takes a slot, or `Ok(None)` when `max` are already held.
    pub async fn acquire(
        redis: &Redis,
        name: &str,
        subject: &str,
        max: u32,
        ttl: Duration,
    ) -> anyhow::Result<Option<Lease>> {
        let key = redis.key(&format!("lease:{name}:{subject}"));
        let member = uuid::Uuid::new_v4().simple().to_string();
        let got: i64 = redis
            .client()
            .eval(LEASE_SCRIPT, vec![key.clone()], vec![ttl.as_millis().to_string(), max.to_string(), member.clone()])
            .await
            .context("lease script")?;
        Ok((got == 1).then_some(Lease { key, member }))
    }

    /// Keeps the slot alive for another `ttl`.
    pub async fn renew(&self, redis: &Redis, ttl: Duration) -> anyhow::Result<()> {
        const RENEW: &str = "local t = redis.call('TIME') \
            redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[2]) \
            return redis.call('PEXPIRE', KEYS[1], ARGV[1])";
        let _: i64 = redis
            .client()
            .eval(RENEW, vec![self.key.clone()], vec![ttl.as_millis().to_string(), self.member.clone()])
            .await
            .context("renewing a lease")?;
        Ok(())
    }

    /// Gives the slot back.
    pub async fn release(self, redis: &Redis) {
        const RELEASE: &str = "return redis.call('ZREM', KEYS[1], ARGV[1])";
        let removed: Result<i64, _> = redis.client().eval(RELEASE, vec![self.key], vec![self.member]).await;
        if let Err(e) = removed {
            tracing::warn!(error = %e, "releasing a lease failed; it lapses by itself");
        }
    }
}

/// Records one hit of `subject` (an IP, an email, a user id) against `limit`.
pub async fn hit(redis: &Redis, limit: &Limit, subject: &str) -> anyhow::Result<Decision> {
    let key = redis.key(&format!("ratelimit:{}:{subject}", limit.name));
    let member = uuid::Uuid::new_v4().simple().to_string();
    let window_ms = limit.window.as_millis().to_string();
    let reply: Vec<i64> = redis
        .client()
        .eval(SCRIPT, vec![key], vec![window_ms, limit.max.to_string(), member])
        .await
        .context("rate limit script")?;
    match reply.as_slice() {
        [1, remaining] => Ok(Decision::Allowed { remaining: (*remaining).max(0) as u32 }),
        [0, wait_ms] => Ok(Decision::Limited {
            retry_after: Duration::from_millis((*wait_ms).max(0) as u64).max(Duration::from_secs(1)),
        }),
        other => anyhow::bail!("unexpected rate limit reply {other:?}"),
    }
}
