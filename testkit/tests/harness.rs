//! The harness itself: isolation and clean-up of databases, Redis prefixes and buckets, and the fake server.

use axum::{Json, Router, http::StatusCode, routing::post};
use fred::prelude::{ClientLike as _, KeysInterface as _};
use serde_json::json;
use testkit::{FakeServer, TestBucket, TestDb, TestRedis, services};

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connecting");
    tokio::spawn(conn);
    client
}

async fn database_exists(name: &str) -> bool {
    connect(&services::postgres_admin_url())
        .await
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap()
        .is_some()
}

async fn user_count(db: &TestDb) -> i64 {
    connect(db.url()).await.query_one("SELECT count(*) FROM users", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn databases_are_migrated_isolated_and_dropped() {
    let (a, b) = (TestDb::new().await, TestDb::new().await);
    assert_ne!(a.name(), b.name());
    a.client()
        .await
        .execute("INSERT INTO users (email, name) VALUES ('a@example.com', 'A')", &[])
        .await
        .expect("the template is migrated");
    assert_eq!(user_count(&a).await, 1);
    assert_eq!(user_count(&b).await, 0);
    let name = a.name().to_owned();
    assert!(database_exists(&name).await);
    drop(a);
    assert!(!database_exists(&name).await, "{name} must be dropped with its TestDb");
}

#[tokio::test]
async fn redis_keys_under_the_prefix_are_removed_and_others_kept() {
    let config = fred::prelude::Config::from_url(&services::redis_url()).unwrap();
    let client = fred::prelude::Builder::from_config(config).build().unwrap();
    client.init().await.unwrap();
    let outside = format!("harness-outside:{}", uuid::Uuid::new_v4());
    let _: () = client.set(&outside, "keep", None, None, false).await.unwrap();

    let redis = TestRedis::new();
    for i in 0..3 {
        let _: () = client.set(format!("{}k{i}", redis.prefix()), i, None, None, false).await.unwrap();
    }
    let first = format!("{}k0", redis.prefix());
    let before: i64 = client.exists(&first).await.unwrap();
    assert_eq!(before, 1);
    drop(redis);
    let after: i64 = client.exists(&first).await.unwrap();
    assert_eq!(after, 0, "keys under the prefix must be deleted");
    let kept: Option<String> = client.get(&outside).await.unwrap();
    assert_eq!(kept.as_deref(), Some("keep"), "keys outside the prefix must stay");
    let _: i64 = client.del(&outside).await.unwrap();
}

#[tokio::test]
async fn buckets_are_emptied_and_deleted() {
    let bucket = TestBucket::new().await;
    let name = bucket.name().to_owned();
    bucket
        .client()
        .put_object()
        .bucket(&name)
        .key("a/b.txt")
        .body(b"hello".to_vec().into())
        .send()
        .await
        .expect("upload into the test bucket");
    drop(bucket);
    let client = testkit::s3_client();
    assert!(client.head_bucket().bucket(&name).send().await.is_err(), "{name} must be deleted");
}

#[tokio::test]
async fn the_fake_server_answers_and_records_what_it_received() {
    let fake = FakeServer::start(Router::new().route(
        "/v1/things",
        post(|Json(body): Json<serde_json::Value>| async move {
            if body["n"] == 1 {
                (StatusCode::CREATED, [("retry-after", "0")], Json(json!({"id": "t1"})))
            } else {
                (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "7")], Json(json!({"error": "slow down"})))
            }
        }),
    ))
    .await;
    let http = reqwest::Client::new();
    let ok = http.post(format!("{}/v1/things?x=1", fake.url())).json(&json!({"n": 1})).send().await.unwrap();
    assert_eq!(ok.status(), 201);
    let limited = http
        .post(format!("{}/v1/things", fake.url()))
        .bearer_auth("secret-token")
        .json(&json!({"n": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");

    let seen = fake.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0].method.as_str(), seen[0].uri.as_str()), ("POST", "/v1/things?x=1"));
    assert_eq!(seen[0].json(), json!({"n": 1}));
    assert_eq!(seen[1].header("Authorization"), Some("Bearer secret-token"));
}
