//! A loopback HTTP forward proxy through which `yt-dlp` makes every connection, so that a page link cannot reach a
//! private address through `yt-dlp`'s own DNS lookups, redirects or embedded URLs.
//!
//! One [`Egress`] is started per `yt-dlp` run on `127.0.0.1` with a random port and stops when dropped, closing every
//! connection it still carries. It serves `CONNECT host:port` (HTTPS: the bytes are tunnelled) and absolute-form plain
//! HTTP requests (`GET http://host:port/path`: forwarded in origin form with `Connection: close`). For every
//! connection the proxy resolves the host itself, checks each address with [`SafeFetch::resolve_host_port`] (public
//! unicast on port 80 or 443, or an exact allowed address) and connects to exactly the address it checked. A refused
//! connection is answered `403 Forbidden`, logged with its host and port (never a path or query) and remembered, so
//! the caller can tell the user why the page failed.

use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};

use backend::fetch::{FetchError, SafeFetch};
use reqwest::Url;
use tokio::{
    io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
    task::JoinSet,
};

/// Connections carried at once; more are answered `503 Service Unavailable`.
pub const MAX_CONNECTIONS: usize = 32;
/// How long opening a connection to a checked address may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest request or response head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;
/// Headers that concern one hop only and are not forwarded.
const HOP_BY_HOP: &[&str] =
    &["connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "te", "upgrade"];

/// A running egress proxy. Stops, with every connection it carries, when dropped.
pub struct Egress {
    addr: SocketAddr,
    refusal: Arc<Mutex<Option<FetchError>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Egress {
    /// Binds `127.0.0.1:0` and serves connections checked by `fetch`'s address rules.
    pub async fn start(fetch: SafeFetch) -> std::io::Result<Egress> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let refusal = Arc::new(Mutex::new(None));
        let task = tokio::spawn(serve(listener, Arc::new(fetch), refusal.clone()));
        Ok(Egress { addr, refusal, task })
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's URL, for `yt-dlp --proxy`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Why the first refused connection was refused ([`FetchError::Forbidden`] or [`FetchError::Port`]), if any was.
    pub fn refusal(&self) -> Option<FetchError> {
        self.refusal.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Egress {
    fn drop(&mut self) {
        // The accept loop owns the connections' JoinSet: aborting it aborts them all.
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, fetch: Arc<SafeFetch>, refusal: Arc<Mutex<Option<FetchError>>>) {
    let mut conns = JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "the egress proxy could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
        };
        if conns.len() >= MAX_CONNECTIONS {
            tracing::warn!(limit = MAX_CONNECTIONS, "the egress proxy is carrying too many connections; one refused");
            let _ = stream.try_write(&status_response(503, "Service Unavailable"));
            continue;
        }
        conns.spawn(handle(stream, fetch.clone(), refusal.clone()));
    }
}

/// A minimal response with no body that closes the connection.
fn status_response(code: u16, reason: &str) -> Vec<u8> {
    format!("HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}

/// A message head: its first line and its headers (names as sent, values as raw bytes).
struct Head {
    first: String,
    headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// Parses the bytes up to and including the blank line; `None` when malformed.
    fn parse(bytes: &[u8]) -> Option<Head> {
        let mut lines = bytes.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let first = String::from_utf8_lossy(lines.next()?).into_owned();
        let mut headers = Vec::new();
        for line in lines {
            if line.is_empty() {
                break;
            }
            let colon = line.iter().position(|b| *b == b':')?;
            let name = std::str::from_utf8(&line[..colon]).ok()?;
            // Obsolete line folding and names with spaces are refused rather than guessed at.
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
                return None;
            }
            headers.push((name.to_owned(), line[colon + 1..].trim_ascii().to_vec()));
        }
        Some(Head { first, headers })
    }

    /// The header's first value.
    fn get(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    /// Writes the head back with `first` as its first line, without hop-by-hop headers (and those `Connection`
    /// names), plus `extra` and `Connection: close`.
    fn forward(&self, first: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
        let named: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, v)| {
                String::from_utf8_lossy(v).split(',').map(|t| t.trim().to_ascii_lowercase()).collect::<Vec<_>>()
            })
            .collect();
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(first.as_bytes());
        out.extend_from_slice(b"\r\n");
        let kept = self.headers.iter().filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            !HOP_BY_HOP.contains(&n.as_str()) && !named.contains(&n)
        });
        for (name, value) in kept.map(|(n, v)| (n.as_str(), v.as_slice())).chain(extra.iter().copied()) {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out
    }
}

/// Reads a message head (up to [`MAX_HEAD`] bytes); returns it and whatever was read past it.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let searched_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf[searched_from..].windows(4).position(|w| w == b"\r\n\r\n") {
            let end = searched_from + end + 4;
            let rest = buf.split_off(end);
            return Ok((buf, rest));
        }
        if buf.len() > MAX_HEAD {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "the message head is too long"));
        }
    }
}

/// What a client asked the proxy for.
enum Target {
    /// `CONNECT host:port`.
    Tunnel { host: String, port: u16 },
    /// An absolute-form plain HTTP request, forwarded with `origin` (path and query) as its target.
    Forward { method: String, host: String, port: u16, origin: String, version: String },
}

/// Reads the request line; `None` when the proxy does not serve it.
fn target(first: &str) -> Option<Target> {
    let mut parts = first.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return None;
    }
    if method == "CONNECT" {
        // Authority form only: no user information, path, query or fragment.
        if target.contains(['/', '@', '?', '#', '\\']) {
            return None;
        }
        let url = Url::parse(&format!("http://{target}/")).ok()?;
        return Some(Target::Tunnel { host: url.host_str()?.to_owned(), port: url.port_or_known_default()? });
    }
    if !method.bytes().all(|b| b.is_ascii_uppercase()) || !target.starts_with("http://") {
        return None;
    }
    let url = Url::parse(target).ok()?;
    let mut origin = url.path().to_owned();
    if let Some(query) = url.query() {
        origin.push('?');
        origin.push_str(query);
    }
    Some(Target::Forward {
        method: method.to_owned(),
        host: url.host_str()?.to_owned(),
        port: url.port_or_known_default()?,
        origin,
        version: version.to_owned(),
    })
}

async fn handle(mut client: TcpStream, fetch: Arc<SafeFetch>, refusal: Arc<Mutex<Option<FetchError>>>) {
    let Ok(Ok((head, rest))) = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut client)).await else {
        return;
    };
    let Some((head, target)) = Head::parse(&head).and_then(|h| target(&h.first).map(|t| (h, t))) else {
        let _ = client.write_all(&status_response(400, "Bad Request")).await;
        return;
    };
    let (host, port) = match &target {
        Target::Tunnel { host, port } | Target::Forward { host, port, .. } => (host.as_str(), *port),
    };
    let addr = match fetch.resolve_host_port(host, port).await {
        Ok(addr) => addr,
        Err(e @ (FetchError::Forbidden(_) | FetchError::Port(_))) => {
            tracing::info!(host, port, reason = %e, "the egress proxy refused a connection");
            refusal.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
            let _ = client.write_all(&status_response(403, "Forbidden")).await;
            return;
        }
        Err(e) => {
            tracing::info!(host, port, reason = %e, "the egress proxy could not resolve a host");
            let _ = client.write_all(&status_response(502, "Bad Gateway")).await;
            return;
        }
    };
    let mut upstream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(_)) | Err(_) => {
            tracing::info!(host, port, "the egress proxy could not connect");
            let _ = client.write_all(&status_response(502, "Bad Gateway")).await;
            return;
        }
    };
    match target {
        Target::Tunnel { .. } => {
            if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err()
                || upstream.write_all(&rest).await.is_err()
            {
                return;
            }
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
        Target::Forward { method, host, port, origin, version } => {
            let authority = if port == 80 { host.clone() } else { format!("{host}:{port}") };
            let extra: Vec<(&str, &[u8])> =
                if head.get("host").is_none() { vec![("Host", authority.as_bytes())] } else { Vec::new() };
            let request = head.forward(&format!("{method} {origin} {version}"), &extra);
            if upstream.write_all(&request).await.is_err() || upstream.write_all(&rest).await.is_err() {
                return;
            }
            let (mut client_read, mut client_write) = client.split();
            let (mut upstream_read, mut upstream_write) = upstream.split();
            // The request body (if any) flows up while the response flows down; the connection ends with the
            // response.
            let upload = async {
                let _ = tokio::io::copy(&mut client_read, &mut upstream_write).await;
                std::future::pending::<()>().await;
            };
            let download = relay_response(&mut upstream_read, &mut client_write);
            tokio::select! {
                () = upload => {}
                () = download => {}
            }
        }
    }
}

/// Passes the response on with `Connection: close`, so that the client does not reuse the connection.
async fn relay_response(upstream: &mut (impl AsyncRead + Unpin), client: &mut (impl AsyncWrite + Unpin)) {
    let (head, rest) = match read_head(upstream).await {
        Ok(read) => read,
        Err(_) => {
            let _ = client.write_all(&status_response(502, "Bad Gateway")).await;
            return;
        }
    };
    let Some(head) = Head::parse(&head).filter(|h| h.first.starts_with("HTTP/1.")) else {
        let _ = client.write_all(&status_response(502, "Bad Gateway")).await;
        return;
    };
    if client.write_all(&head.forward(&head.first, &[])).await.is_err() || client.write_all(&rest).await.is_err() {
        return;
    }
    let _ = tokio::io::copy(upstream, client).await;
    let _ = client.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_are_read_as_tunnels_or_absolute_form_requests() {
        let Some(Target::Tunnel { host, port }) = target("CONNECT example.com:443 HTTP/1.1") else { panic!() };
        assert_eq!((host.as_str(), port), ("example.com", 443));
        let Some(Target::Tunnel { host, port }) = target("CONNECT [::1]:8080 HTTP/1.1") else { panic!() };
        assert_eq!((host.as_str(), port), ("[::1]", 8080));
        // Numeric forms are normalised the way the URL parser does for SafeFetch.
        let Some(Target::Tunnel { host, .. }) = target("CONNECT 0x7f000001:80 HTTP/1.1") else { panic!() };
        assert_eq!(host, "127.0.0.1");
        let Some(Target::Forward { method, host, port, origin, version }) =
            target("GET http://example.com/a/b?c=d#frag HTTP/1.1")
        else {
            panic!()
        };
        assert_eq!(
            (method.as_str(), host.as_str(), port, origin.as_str(), version.as_str()),
            ("GET", "example.com", 80, "/a/b?c=d", "HTTP/1.1")
        );
        for refused in [
            "GET /origin-form HTTP/1.1",
            "GET https://example.com/ HTTP/1.1",
            "GET ftp://example.com/ HTTP/1.1",
            "CONNECT user@example.com:443 HTTP/1.1",
            "CONNECT example.com:443/x HTTP/1.1",
            "GET http://example.com/ HTTP/2",
            "GET http://example.com/ HTTP/1.1 extra",
        ] {
            assert!(target(refused).is_none(), "{refused}");
        }
    }

    #[test]
    fn forwarded_heads_drop_hop_by_hop_headers_and_close_the_connection() {
        let head = Head::parse(
            b"GET http://h/ HTTP/1.1\r\nHost: h\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Hop\r\n\
              X-Hop: 1\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\nX-Raw: caf\xe9\r\n\r\n",
        )
        .unwrap();
        let out = head.forward("GET / HTTP/1.1", &[]);
        assert_eq!(
            out,
            b"GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Raw: caf\xe9\r\nConnection: close\r\n\r\n".to_vec()
        );
        assert!(Head::parse(b"GET / HTTP/1.1\r\n folded\r\n\r\n").is_none());
    }
}
