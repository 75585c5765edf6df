//! SSRF protection of URL imports against a real HTTP server on loopback: private, metadata and loopback targets are
//! refused directly and through redirects; allowed redirects are followed.

use axum::{Router, http::header, response::IntoResponse, routing::get};
use backend::fetch::{FetchError, SafeFetch};
use testkit::FakeServer;

fn redirect(to: String) -> impl IntoResponse {
    (axum::http::StatusCode::FOUND, [(header::LOCATION, to)])
}

async fn fake() -> FakeServer {
    let other_loopback = format!("http://127.0.0.1:{}/video.mp4", testkit::closed_port());
    FakeServer::start(
        Router::new()
            .route("/video.mp4", get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], vec![7u8; 1024]) }))
            .route("/moved", get(|| async { redirect("/video.mp4".into()) }))
            .route("/to-private", get(|| async { redirect("http://10.0.0.1/video.mp4".into()) }))
            .route("/to-metadata", get(|| async { redirect("http://169.254.169.254/latest/meta-data/".into()) }))
            .route("/to-loopback", get(move || async move { redirect(other_loopback) }))
            .route("/to-file", get(|| async { redirect("file:///etc/passwd".into()) }))
            .route("/loop", get(|| async { redirect("/loop".into()) })),
    )
    .await
}

#[tokio::test]
async fn loopback_private_and_metadata_addresses_are_refused() {
    let server = fake().await;
    let strict = SafeFetch::new();
    let url = format!("{}/video.mp4", server.url());
    assert_eq!(strict.get(&url).await.unwrap_err(), FetchError::Forbidden("127.0.0.1".parse().unwrap()));
    for (url, ip) in [
        ("http://10.0.0.1/a.mp4", "10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]:8080/a.mp4", "::1"),
        ("http://0.0.0.0/a.mp4", "0.0.0.0"),
    ] {
        assert_eq!(strict.get(url).await.unwrap_err(), FetchError::Forbidden(ip.parse().unwrap()), "{url}");
    }
    assert_eq!(strict.get("file:///etc/passwd").await.unwrap_err(), FetchError::Scheme);
    assert!(server.requests().is_empty(), "nothing was requested");
}

#[tokio::test]
async fn redirects_are_checked_hop_by_hop() {
    let server = fake().await;
    let fetch = SafeFetch::new().allowing([server.addr()]);

    let (final_url, res) = fetch.get(&format!("{}/moved", server.url())).await.unwrap();
    assert_eq!(final_url.path(), "/video.mp4");
    assert_eq!(res.bytes().await.unwrap().len(), 1024);

    for (path, ip) in [("/to-private", "10.0.0.1"), ("/to-metadata", "169.254.169.254"), ("/to-loopback", "127.0.0.1")]
    {
        let err = fetch.get(&format!("{}{path}", server.url())).await.unwrap_err();
        assert_eq!(err, FetchError::Forbidden(ip.parse().unwrap()), "{path}");
    }
    assert_eq!(fetch.get(&format!("{}/to-file", server.url())).await.unwrap_err(), FetchError::Scheme);
    assert_eq!(fetch.get(&format!("{}/loop", server.url())).await.unwrap_err(), FetchError::TooManyRedirects);
    assert_eq!(fetch.get(&format!("{}/missing", server.url())).await.unwrap_err(), FetchError::Status(404));
}
