//! `/api/health` against the real services, and with each service pointed at a closed port.

use serde_json::{Value, json};
use testkit::{TestApp, closed_port};

async fn health(app: &TestApp) -> (u16, Value) {
    let res = app.get("/api/health").await;
    let status = res.status().as_u16();
    (status, res.json().await.expect("health body is JSON"))
}

#[tokio::test]
async fn all_parts_up_gives_200_and_ok_everywhere() {
    let app = TestApp::spawn().await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"db": "ok", "redis": "ok", "storage": "ok", "down": []}));
}

#[tokio::test]
async fn database_down_gives_503_naming_db() {
    let port = closed_port();
    let app = TestApp::spawn_with(|v| {
        v.insert("DATABASE_URL", format!("postgres://postgres@127.0.0.1:{port}/nothing"));
    })
    .await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, json!({"db": "down", "redis": "ok", "storage": "ok", "down": ["db"]}));
}

#[tokio::test]
async fn redis_down_gives_503_naming_redis() {
    let port = closed_port();
    let app = TestApp::spawn_with(|v| {
        v.insert("REDIS_URL", format!("redis://127.0.0.1:{port}/0"));
    })
    .await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, json!({"db": "ok", "redis": "down", "storage": "ok", "down": ["redis"]}));
}

#[tokio::test]
async fn storage_down_gives_503_naming_storage() {
    let port = closed_port();
    let app = TestApp::spawn_with(|v| {
        v.insert("S3_ENDPOINT", format!("http://127.0.0.1:{port}"));
    })
    .await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, json!({"db": "ok", "redis": "ok", "storage": "down", "down": ["storage"]}));
}

#[tokio::test]
async fn a_missing_bucket_counts_as_storage_down() {
    let app = TestApp::spawn_with(|v| {
        v.insert("S3_BUCKET", "no-such-bucket-for-clipmaker".into());
    })
    .await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["down"], json!(["storage"]));
}
