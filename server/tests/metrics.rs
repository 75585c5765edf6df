//! The operations metrics on the server's `/metrics`: requests counted by the route that matched (never a raw path
//! with an id in it), 5xx responses, and payment notifications that were not processed.
//!
//! The counters are process-wide; nextest runs each test in a process of its own, so the exact counts hold.

use std::collections::HashMap;

use testkit::{TestApp, closed_port};

/// `/metrics` as `(series with labels → value)`.
async fn scrape(app: &TestApp) -> (String, HashMap<String, String>) {
    let res = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(s, v)| (s.to_owned(), v.to_owned()))
        .collect();
    (text, samples)
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_never_by_raw_path() {
    let app = TestApp::spawn().await;
    let id = uuid::Uuid::new_v4().to_string();
    // A route with an id in it, twice with different ids (no session: refused).
    for video in [id.clone(), uuid::Uuid::new_v4().to_string()] {
        let res = app.client.get(format!("{}/api/videos/{video}/source", app.url)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
    }
    // A path no route knows, with the id in it.
    assert_eq!(app.get(&format!("/no-such-page/{id}")).await.status(), 404);
    // A page and a server function.
    assert_eq!(app.get("/").await.status(), 200);
    let res = app.call(&app.browser(), "billing/subscription", &[]).await;
    let server_fn_status = res.status();

    let (text, samples) = scrape(&app).await;
    assert!(!text.contains(&id), "a raw id became a label:\n{text}");
    assert!(!text.contains("no-such-page"), "a raw path became a label:\n{text}");
    let requests = |method: &str, route: &str, class: &str| {
        samples
            .get(&format!(r#"clipmaker_http_requests_total{{method="{method}",route="{route}",status="{class}"}}"#))
            .cloned()
    };
    assert_eq!(requests("GET", "/api/videos/{video}/source", "4xx").as_deref(), Some("2"), "{text}");
    assert_eq!(requests("GET", "other", "4xx").as_deref(), Some("1"), "{text}");
    assert_eq!(requests("GET", "/", "2xx").as_deref(), Some("1"), "{text}");
    let class = format!("{}xx", server_fn_status.as_u16() / 100);
    assert_eq!(requests("POST", "/api/billing/subscription", &class).as_deref(), Some("1"), "{text}");
    assert_eq!(
        samples
            .get(r#"clipmaker_http_request_duration_seconds_count{route="/api/videos/{video}/source"}"#)
            .map(|s| s.as_str()),
        Some("2"),
        "{text}"
    );
    assert!(!text.contains("clipmaker_http_server_errors_total{"), "no 5xx happened:\n{text}");
}

#[tokio::test]
async fn server_errors_are_counted_with_their_status() {
    // Storage on a closed port: the health check answers 503.
    let port = closed_port();
    let app = TestApp::spawn_with(|v| {
        v.insert("S3_ENDPOINT", format!("http://127.0.0.1:{port}"));
    })
    .await;
    assert_eq!(app.get("/api/health").await.status(), 503);
    let (text, samples) = scrape(&app).await;
    let errors = samples.get(r#"clipmaker_http_server_errors_total{route="/api/health",status="503"}"#);
    assert_eq!(errors.map(|s| s.as_str()), Some("1"), "{text}");
    let requests = samples.get(r#"clipmaker_http_requests_total{method="GET",route="/api/health",status="5xx"}"#);
    assert_eq!(requests.map(|s| s.as_str()), Some("1"), "{text}");
}

#[tokio::test]
async fn payment_notifications_that_fail_are_counted_by_reason() {
    // Notifications accepted from loopback; no shop configured.
    let app = TestApp::spawn_with(|v| {
        v.insert("YOOKASSA_WEBHOOK_NETWORKS", "127.0.0.1/32".into());
    })
    .await;
    let webhook = format!("{}/api/billing/webhook", app.url);
    let client = reqwest::Client::new();
    for body in ["not json", "{}"] {
        assert_eq!(client.post(&webhook).body(body).send().await.unwrap().status(), 400);
    }
    let note = serde_json::json!({"type": "notification", "event": "payment.succeeded", "object": {"id": "p-1"}});
    assert_eq!(client.post(&webhook).json(&note).send().await.unwrap().status(), 200);

    let (text, samples) = scrape(&app).await;
    let failures = |reason: &str| {
        samples.get(&format!(r#"clipmaker_payment_webhook_failures_total{{reason="{reason}"}}"#)).cloned()
    };
    assert_eq!(failures("malformed").as_deref(), Some("2"), "{text}");
    assert_eq!(failures("unconfigured").as_deref(), Some("1"), "{text}");
    assert_eq!(failures("not_processed").as_deref(), Some("0"), "{text}");
}

#[tokio::test]
async fn a_notification_the_payment_service_cannot_confirm_is_counted_as_not_processed() {
    let kassa = testkit::fake_yookassa::FakeYooKassa::start(None).await;
    let api = kassa.api_url();
    let app = TestApp::spawn_with(move |v| {
        v.insert("YOOKASSA_SHOP_ID", testkit::fake_yookassa::SHOP_ID.into());
        v.insert("YOOKASSA_SECRET_KEY", testkit::fake_yookassa::SECRET_KEY.into());
        v.insert("YOOKASSA_API_URL", api);
        v.insert("YOOKASSA_WEBHOOK_NETWORKS", "127.0.0.1/32".into());
    })
    .await;
    // YooKassa's API fails every time it is asked about the payment: the notification must be repeated.
    kassa.fail_next(&[500; 8]);
    let note = serde_json::json!({"type": "notification", "event": "payment.succeeded", "object": {"id": "p-1"}});
    let res = reqwest::Client::new().post(format!("{}/api/billing/webhook", app.url)).json(&note).send().await.unwrap();
    assert_eq!(res.status(), 500);

    let (text, samples) = scrape(&app).await;
    let not_processed = samples.get(r#"clipmaker_payment_webhook_failures_total{reason="not_processed"}"#);
    assert_eq!(not_processed.map(|s| s.as_str()), Some("1"), "{text}");
    let malformed = samples.get(r#"clipmaker_payment_webhook_failures_total{reason="malformed"}"#);
    assert_eq!(malformed.map(|s| s.as_str()), Some("0"), "{text}");
}
