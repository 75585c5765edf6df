//! The Redis rate limiter against a real Redis.

use std::time::Duration;

use backend::{
    config::RedisConfig,
    ratelimit::{Decision, Limit, hit},
    redis::Redis,
};
use fred::prelude::SortedSetsInterface as _;
use testkit::{TestRedis, closed_port, services};

fn redis(prefix: &TestRedis) -> Redis {
    Redis::connect(&RedisConfig { url: services::redis_url(), key_prefix: prefix.prefix().to_owned() }).unwrap()
}

const FIVE_A_MINUTE: Limit = Limit { name: "test", max: 5, window: Duration::from_secs(60) };

#[tokio::test]
async fn the_sixth_hit_in_a_window_is_refused_with_a_retry_after() {
    let prefix = TestRedis::new();
    let r = redis(&prefix);
    r.wait_connected(Duration::from_secs(5)).await.unwrap();
    for expected_remaining in (0..5).rev() {
        assert_eq!(
            hit(&r, &FIVE_A_MINUTE, "1.2.3.4").await.unwrap(),
            Decision::Allowed { remaining: expected_remaining }
        );
    }
    match hit(&r, &FIVE_A_MINUTE, "1.2.3.4").await.unwrap() {
        Decision::Limited { retry_after } => {
            assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(60), "{retry_after:?}")
        }
        other => panic!("sixth hit was {other:?}"),
    }
    // Refused hits are not recorded, and other subjects have their own budget.
    let recorded: i64 = r.client().zcard(r.key("ratelimit:test:1.2.3.4")).await.unwrap();
    assert_eq!(recorded, 5);
    assert!(hit(&r, &FIVE_A_MINUTE, "5.6.7.8").await.unwrap().is_allowed());
}

#[tokio::test]
async fn the_window_slides() {
    let prefix = TestRedis::new();
    let r = redis(&prefix);
    let short = Limit { name: "short", max: 2, window: Duration::from_millis(400) };
    assert!(hit(&r, &short, "u").await.unwrap().is_allowed());
    assert!(hit(&r, &short, "u").await.unwrap().is_allowed());
    assert!(!hit(&r, &short, "u").await.unwrap().is_allowed());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(hit(&r, &short, "u").await.unwrap().is_allowed(), "old hits must leave the window");
}

#[tokio::test]
async fn concurrent_hits_never_exceed_the_limit() {
    let prefix = TestRedis::new();
    let r = redis(&prefix);
    let tasks: Vec<_> = (0..25)
        .map(|_| {
            let r = r.clone();
            tokio::spawn(async move { hit(&r, &FIVE_A_MINUTE, "burst").await.unwrap() })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        if t.await.unwrap().is_allowed() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
}

#[tokio::test]
async fn redis_down_is_an_error_not_a_pass() {
    let r = Redis::connect(&RedisConfig {
        url: format!("redis://127.0.0.1:{}/0", closed_port()),
        key_prefix: "down:".into(),
    })
    .unwrap();
    let result = tokio::time::timeout(Duration::from_secs(30), hit(&r, &FIVE_A_MINUTE, "x")).await;
    assert!(matches!(result, Ok(Err(_))), "{result:?}");
}
