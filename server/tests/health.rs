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

/// Starts the app with `var` pointing at a closed port and checks that exactly `part` is reported down.
async fn assert_only_part_down(var: &'static str, url_at: fn(u16) -> String, part: &str) {
    let port = closed_port();
    let app = TestApp::spawn_with(|v| {
        v.insert(var, url_at(port));
    })
    .await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    let mut expected = json!({"db": "ok", "redis": "ok", "storage": "ok", "down": [part]});
    expected[part] = json!("down");
    assert_eq!(body, expected);
}

#[tokio::test]
async fn database_down_gives_503_naming_db() {
    assert_only_part_down("DATABASE_URL", |p| format!("postgres://postgres@127.0.0.1:{p}/nothing"), "db").await;
}

#[tokio::test]
async fn redis_down_gives_503_naming_redis() {
    assert_only_part_down("REDIS_URL", |p| format!("redis://127.0.0.1:{p}/0"), "redis").await;
}

#[tokio::test]
async fn storage_down_gives_503_naming_storage() {
    assert_only_part_down("S3_ENDPOINT", |p| format!("http://127.0.0.1:{p}"), "storage").await;
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
