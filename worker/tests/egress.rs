//! The egress proxy `yt-dlp` connects through: tunnels and plain HTTP requests reach allowed addresses only, refused
//! targets see no connection at all, ports other than 80 and 443 are refused on public addresses, the proxy bounds its
//! connections and stops with its owner; end to end, a page that redirects `yt-dlp` to another loopback port fails
//! the import with the private-address reason and that port sees no request.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, http::header, response::IntoResponse, routing::get};
use backend::fetch::{FetchError, SafeFetch};
use reqwest::Url;
use serde_json::Value;
use testkit::{FakeServer, eventually};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};
use worker::egress::{Egress, MAX_CONNECTIONS};

mod common;
use common::{InProcessWorker, status, video};

/// A loopback listener that echoes what it receives and counts the connections it accepted.
async fn echo_listener() -> (SocketAddr, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    (addr, accepted, task)
}

/// Sends `CONNECT target` to the proxy; returns the connection and the response head.
async fn connect(proxy: SocketAddr, target: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(proxy).await.unwrap();
    stream.write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte)).await.unwrap().unwrap();
        if n == 0 {
            break;
        }
        head.push(byte[0]);
    }
    (stream, String::from_utf8(head).unwrap())
}

#[tokio::test]
async fn a_tunnel_to_a_loopback_port_that_is_not_allowed_is_refused_before_connecting() {
    let (target, accepted, _task) = echo_listener().await;
    let egress = Egress::start(SafeFetch::new()).await.unwrap();
    for host in [target.to_string(), format!("localhost:{}", target.port())] {
        let (_, head) = connect(egress.addr(), &host).await;
        assert!(head.starts_with("HTTP/1.1 403 "), "{host}: {head}");
    }
    assert_eq!(egress.refusal(), Some(FetchError::Forbidden("127.0.0.1".parse().unwrap())));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "the refused target saw no connection");
}

#[tokio::test]
async fn a_tunnel_to_an_allowed_address_carries_bytes_both_ways() {
    let (target, accepted, _task) = echo_listener().await;
    let egress = Egress::start(SafeFetch::new().allowing([target])).await.unwrap();
    let (mut tunnel, head) = connect(egress.addr(), &target.to_string()).await;
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    tunnel.write_all(b"ping through the tunnel").await.unwrap();
    let mut echoed = [0u8; 23];
    tokio::time::timeout(Duration::from_secs(10), tunnel.read_exact(&mut echoed)).await.unwrap().unwrap();
    assert_eq!(&echoed, b"ping through the tunnel");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(egress.refusal(), None);

    // The proxy stops with its owner, closing the tunnels it carries.
    let addr = egress.addr();
    drop(egress);
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tunnel.read_to_end(&mut rest)).await.unwrap();
    assert!(read.is_err() || rest.is_empty(), "the tunnel was closed");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "the proxy no longer listens");
}

#[tokio::test]
async fn plain_http_requests_are_forwarded_in_origin_form_to_allowed_servers_only() {
    let allowed = FakeServer::start(Router::new().route("/hello", get(|| async { "hello from upstream" }))).await;
    let other = FakeServer::start(Router::new().route("/hello", get(|| async { "must not be reached" }))).await;
    let egress = Egress::start(SafeFetch::new().allowing([allowed.addr()])).await.unwrap();
    let client = reqwest::Client::builder().proxy(reqwest::Proxy::http(egress.url()).unwrap()).build().unwrap();

    let res = client.get(format!("{}/hello?x=1", allowed.url())).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers().get(header::CONNECTION).unwrap(), "close");
    assert_eq!(res.text().await.unwrap(), "hello from upstream");
    let seen = allowed.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].uri, "/hello?x=1", "forwarded in origin form");
    assert_eq!(seen[0].header("connection"), Some("close"));
    assert_eq!(seen[0].header("proxy-connection"), None);

    let res = client.get(format!("{}/hello", other.url())).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(other.requests().is_empty(), "the refused server saw no request");
    assert_eq!(egress.refusal(), Some(FetchError::Forbidden("127.0.0.1".parse().unwrap())));
}

#[tokio::test]
async fn public_addresses_are_reached_on_ports_80_and_443_only() {
    // Literal addresses: refused before any lookup or connection.
    let fetch = SafeFetch::new();
    for (url, port) in [("http://93.184.216.34:8080/", 8080), ("https://93.184.216.34:8443/v.mp4", 8443)] {
        assert_eq!(fetch.resolve(&Url::parse(url).unwrap()).await.unwrap_err(), FetchError::Port(port), "{url}");
    }
    for url in ["http://93.184.216.34/", "https://93.184.216.34/"] {
        assert!(fetch.resolve(&Url::parse(url).unwrap()).await.is_ok(), "{url}");
    }
    // The proxy applies the same rule (and so makes no connection).
    let egress = Egress::start(fetch).await.unwrap();
    let (_, head) = connect(egress.addr(), "93.184.216.34:8080").await;
    assert!(head.starts_with("HTTP/1.1 403 "), "{head}");
    assert_eq!(egress.refusal(), Some(FetchError::Port(8080)));
}

#[tokio::test]
async fn connections_beyond_the_limit_are_turned_away() {
    let (target, _, _task) = echo_listener().await;
    let egress = Egress::start(SafeFetch::new().allowing([target])).await.unwrap();
    let mut open = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        let (tunnel, head) = connect(egress.addr(), &target.to_string()).await;
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
        open.push(tunnel);
    }
    let (_, head) = connect(egress.addr(), &target.to_string()).await;
    assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
    // Closing one makes room again.
    drop(open.pop());
    let mut head = String::new();
    for _ in 0..50 {
        head = connect(egress.addr(), &target.to_string()).await.1;
        if head.starts_with("HTTP/1.1 200 ") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
}

/// Needs `yt-dlp` on PATH (scripts/test installs it from PyPI).
#[tokio::test]
async fn a_page_that_redirects_yt_dlp_to_another_loopback_port_fails_the_import_and_that_port_sees_nothing() {
    let hidden = FakeServer::start(
        Router::new().route("/clip.mp4", get(|| async { ([(header::CONTENT_TYPE, "video/mp4")], vec![0u8; 1024]) })),
    )
    .await;
    let elsewhere = format!("http://127.0.0.1:{}/clip.mp4", hidden.addr().port());
    // Our checked client reads the page first and sees HTML; every later request (yt-dlp's) is redirected.
    let served = Arc::new(AtomicUsize::new(0));
    let page = FakeServer::start(Router::new().route(
        "/watch",
        get(move || async move {
            if served.fetch_add(1, Ordering::SeqCst) == 0 {
                let html = "<html><head><title>My talk</title></head><body>\
                            <video src=\"/files/clip.mp4\" controls></video></body></html>";
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
            } else {
                (axum::http::StatusCode::FOUND, [(header::LOCATION, elsewhere)]).into_response()
            }
        }),
    ))
    .await;
    let app = common::spawn(&[
        ("WORKER_QUEUES", "download"),
        ("URL_IMPORT_ALLOW", &page.addr().to_string()),
        ("JOB_MAX_ATTEMPTS", "1"),
    ])
    .await;
    let (client, _, _) = app.signed_in().await;
    let worker = InProcessWorker::start(&app);
    let card: Value = common::import(&client, &app, &format!("{}/watch", page.url())).await.json().await.unwrap();
    let id = card["id"].as_str().unwrap().to_owned();
    eventually("the redirected page import fails", async || status(&app, &id).await == "failed").await;
    assert_eq!(video(&app, &id).await.5, Some(domain::Failure::LinkPrivate));
    assert_eq!(page.requests().len(), 2, "our client and yt-dlp (through the proxy) each read the page once");
    assert!(hidden.requests().is_empty(), "the other port saw no request: {:?}", hidden.requests());
    worker.stop().await;
}
