//! Fetching URLs that users supply (video imports) without server-side request forgery.
//!
//! Only `http` and `https` are allowed. The host is resolved here and every address must be public: loopback,
//! private, link-local (which includes cloud metadata at 169.254.169.254), multicast, CGNAT, documentation and
//! reserved ranges are refused, for IPv4, IPv6 and IPv4 embedded in IPv6, as are the IPv6 transition prefixes
//! (6to4, Teredo, local-use NAT64); the rule is [`domain::net::is_public`], shared so it is tested once. The
//! request then goes to exactly the address that was checked (no second DNS lookup a rebinding attacker could
//! answer differently). Redirects are followed by hand, each hop checked the same way. Only the standard ports 80
//! and 443 are reached. Tests may allow specific loopback `host:port` pairs (their fake servers, on any port) and
//! nothing else.
//!
//! The same rules apply per connection to everything `yt-dlp` fetches: the worker's egress proxy calls
//! [`SafeFetch::resolve_host_port`] for every connection it opens.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use url::Url;

/// Why a URL was not fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Not a well-formed absolute URL.
    #[error("not a valid URL")]
    Invalid,
    /// A scheme other than http or https (`file:`, `ftp:`, `gopher:` …).
    #[error("only http and https links can be imported")]
    Scheme,
    /// The host did not resolve.
    #[error("the host could not be found")]
    Unresolvable,
    /// The host resolves to an address that is not on the public internet.
    #[error("the link points to a private or local address ({0})")]
    Forbidden(IpAddr),
    /// A public address on a port other than 80 and 443.
    #[error("only links on the standard ports 80 and 443 can be imported (port {0})")]
    Port(u16),
    /// More redirects than allowed.
    #[error("too many redirects")]
    TooManyRedirects,
    /// The server answered with an error status.
    #[error("the server answered {0}")]
    Status(u16),
    /// Connection, TLS or timeout failure.
    #[error("the download failed: {0}")]
    Network(String),
}

/// The address rule every connection is checked with (re-exported so callers keep `backend::fetch::is_public`).
pub use domain::net::is_public;

/// Fetches user-supplied URLs safely. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SafeFetch {
    allowed: Vec<SocketAddr>,
    max_redirects: usize,
    timeout: Duration,
}

impl Default for SafeFetch {
    fn default() -> Self {
        SafeFetch { allowed: Vec::new(), max_redirects: 5, timeout: Duration::from_secs(30) }
    }
}

impl SafeFetch {
    /// Public addresses only, at most 5 redirects, 30 s to connect and receive the headers.
    pub fn new() -> SafeFetch {
        SafeFetch::default()
    }

    /// Also allows these exact addresses (tests: the fake server). Never configure this in production.
    pub fn allowing(mut self, addrs: impl IntoIterator<Item = SocketAddr>) -> SafeFetch {
        self.allowed.extend(addrs);
        self
    }

    /// Checks `url` and resolves it to one allowed address.
    pub async fn resolve(&self, url: &Url) -> Result<SocketAddr, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Scheme);
        }
        let host = url.host_str().ok_or(FetchError::Invalid)?;
        let port = url.port_or_known_default().ok_or(FetchError::Invalid)?;
        self.resolve_host_port(host, port).await
    }

    /// Resolves `host` (a name, an IPv4 address or an IPv6 address with or without brackets) and checks every
    /// address it has with [`SafeFetch::check_addr`]; returns the first. Callers connect to exactly that address.
    pub async fn resolve_host_port(&self, host: &str, port: u16) -> Result<SocketAddr, FetchError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(FetchError::Invalid);
        }
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port)).await.map_err(|_| FetchError::Unresolvable)?.collect(),
        };
        let first = *addrs.first().ok_or(FetchError::Unresolvable)?;
        // Every address the name has must be allowed; otherwise a name with one public and one private address
        // could be steered to the private one.
        for a in &addrs {
            self.check_addr(*a)?;
        }
        Ok(first)
    }

    /// Whether a connection to `addr` is allowed: an exact address on the allow-list, or a public unicast address
    /// on port 80 or 443.
    pub fn check_addr(&self, addr: SocketAddr) -> Result<(), FetchError> {
        if self.allowed.contains(&addr) {
            return Ok(());
        }
        if !is_public(addr.ip()) {
            return Err(FetchError::Forbidden(addr.ip()));
        }
        if !matches!(addr.port(), 80 | 443) {
            return Err(FetchError::Port(addr.port()));
        }
        Ok(())
    }

    /// GETs `url`, following redirects, and returns the final successful response (its body not yet read).
    pub async fn get(&self, url: &str) -> Result<(Url, reqwest::Response), FetchError> {
        self.get_with(url, &[]).await
    }

    /// As [`SafeFetch::get`], sending `headers` with every request (a platform's media URL may need the
    /// User-Agent and Referer its page was read with). Malformed headers are skipped.
    pub async fn get_with(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<(Url, reqwest::Response), FetchError> {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                map.insert(n, v);
            }
        }
        let mut url = Url::parse(url.trim()).map_err(|_| FetchError::Invalid)?;
        for _ in 0..=self.max_redirects {
            let addr = self.resolve(&url).await?;
            let host = url.host_str().ok_or(FetchError::Invalid)?.to_owned();
            // Pin the checked address: the client must not resolve the name again.
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .resolve(&host, addr)
                .connect_timeout(self.timeout)
                .read_timeout(self.timeout)
                .no_proxy()
                .build()
                .map_err(|e| FetchError::Network(crate::redact::scrub(&e.to_string(), &[])))?;
            let res = client
                .get(url.clone())
                .headers(map.clone())
                .send()
                .await
                .map_err(|e| FetchError::Network(crate::redact::scrub(&e.to_string(), &[])))?;
            let status = res.status();
            if status.is_redirection() {
                let location = res
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or(FetchError::Status(status.as_u16()))?;
                url = url.join(location).map_err(|_| FetchError::Invalid)?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            return Ok((url, res));
        }
        Err(FetchError::TooManyRedirects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_rule_is_the_domain_one() {
        // The full classification is tested in `domain::net`; here only that the re-export is the one applied.
        for refused in ["169.254.169.254", "::1", "2002:a00:1::1", "2001::1", "64:ff9b:1::a00:1"] {
            let addr = SocketAddr::new(refused.parse().unwrap(), 80);
            assert!(!is_public(addr.ip()), "{refused}");
            assert_eq!(SafeFetch::new().check_addr(addr), Err(FetchError::Forbidden(addr.ip())), "{refused}");
        }
        assert!(is_public("8.8.8.8".parse().unwrap()));
    }

    #[tokio::test]
    async fn schemes_other_than_http_are_refused_before_any_lookup() {
        let f = SafeFetch::new();
        for url in ["file:///etc/passwd", "ftp://example.com/a.mp4", "gopher://example.com/"] {
            assert_eq!(f.get(url).await.unwrap_err(), FetchError::Scheme, "{url}");
        }
        assert_eq!(f.get("not a url").await.unwrap_err(), FetchError::Invalid);
    }

    #[tokio::test]
    async fn public_addresses_are_reached_on_ports_80_and_443_only_unless_allowed() {
        // Literal addresses: no lookup and no connection is made.
        let f = SafeFetch::new();
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        for url in ["http://93.184.216.34/", "https://93.184.216.34/", "http://93.184.216.34:443/"] {
            let addr = f.resolve(&Url::parse(url).unwrap()).await.unwrap();
            assert_eq!(addr.ip(), public, "{url}");
        }
        for (url, port) in [("http://93.184.216.34:8080/", 8080), ("https://93.184.216.34:22/", 22)] {
            assert_eq!(f.resolve(&Url::parse(url).unwrap()).await.unwrap_err(), FetchError::Port(port), "{url}");
        }
        // A private address is refused as private whatever its port.
        let err = f.resolve(&Url::parse("http://127.0.0.1:8080/").unwrap()).await.unwrap_err();
        assert_eq!(err, FetchError::Forbidden("127.0.0.1".parse().unwrap()));
        // An exact allowed address may use any port.
        let allowed = SafeFetch::new().allowing([SocketAddr::new(public, 8080)]);
        assert!(allowed.check_addr(SocketAddr::new(public, 8080)).is_ok());
        assert_eq!(allowed.check_addr(SocketAddr::new(public, 8081)), Err(FetchError::Port(8081)));
    }
}
