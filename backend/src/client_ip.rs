//! The client's address behind reverse proxies.
//!
//! `X-Forwarded-For` is only believed when the TCP peer is one of `TRUSTED_PROXIES`: then the header is read from
//! the right, skipping trusted hops, and the first untrusted address is the client (the rightmost untrusted hop). A
//! client that talks to us directly, or through an untrusted hop, cannot choose its address by sending the header.

use std::{fmt, net::IpAddr, str::FromStr};

/// An IP network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a /32 or /128.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` lies inside this network. IPv4-mapped IPv6 addresses match IPv4 networks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Debug for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| format!("{s:?} is not an address or CIDR network"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: bad prefix length"))?,
            None => max,
        };
        // `::ffff:10.0.0.0/104` is the IPv4 network 10.0.0.0/8.
        match canonical(network) {
            IpAddr::V4(v4) if network.is_ipv6() => {
                Ok(Cidr { network: IpAddr::V4(v4), prefix: prefix.saturating_sub(96) })
            }
            _ => Ok(Cidr { network, prefix }),
        }
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as dual-stack sockets report IPv4 peers) becomes plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`, comma-separated CIDR list; empty by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parses a comma-separated list of networks; an empty string trusts nobody.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',').filter(|s| !s.trim().is_empty()).map(str::parse).collect::<Result<_, _>>().map(TrustedProxies)
    }

    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the peer itself unless it is trusted; then the rightmost address in
    /// `X-Forwarded-For` (all such headers, in order) that is not a trusted proxy. A malformed entry stops the walk
    /// at the last trusted hop, so garbage in the header never becomes somebody else's address.
    pub fn client_address<'a>(&self, peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.into_iter().flat_map(|h| h.split(',')).map(str::trim).collect();
        let mut current = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { return current };
            current = canonical(ip);
            if !self.trusts(current) {
                return current;
            }
        }
        current
    }
}

/// One `X-Forwarded-For` entry: an address, possibly `[v6]:port` or `v4:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())
}

/// What rate limits count a client address under: an IPv4 address itself (an IPv4-mapped IPv6 address as its IPv4
/// address), an IPv6 address by its /64 network — one subscriber usually holds a whole /64, and counting each of
/// its 2^64 addresses apart would let one client spread its requests over as many budgets as it likes.
pub fn limit_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let key = |s: &str| super::limit_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
    }

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_match_their_addresses_only() {
        let net: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.200.3.4")) && net.contains(ip("::ffff:10.1.1.1")));
        assert!(!net.contains(ip("11.0.0.1")) && !net.contains(ip("fd00::1")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::/129", "1.2.3.4/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let none = TrustedProxies::default();
        assert_eq!(none.client_address(ip("203.0.113.5"), ["1.1.1.1"]), ip("203.0.113.5"));

        let proxies = TrustedProxies::parse("127.0.0.1/32, 10.0.0.0/8").unwrap();
        // Direct client that forges the header: ignored.
        assert_eq!(proxies.client_address(ip("203.0.113.5"), ["1.1.1.1"]), ip("203.0.113.5"));
        // Through our proxy: the rightmost untrusted hop, whatever the client prepended.
        assert_eq!(proxies.client_address(ip("127.0.0.1"), ["6.6.6.6, 198.51.100.4"]), ip("198.51.100.4"));
        // Two trusted hops (load balancer then nginx), split across headers.
        assert_eq!(proxies.client_address(ip("127.0.0.1"), ["6.6.6.6, 198.51.100.4", "10.1.2.3"]), ip("198.51.100.4"));
        // Ports and brackets are tolerated; mapped addresses are canonical.
        assert_eq!(proxies.client_address(ip("::ffff:127.0.0.1"), ["[2001:db8::9]:443"]), ip("2001:db8::9"));
        assert_eq!(proxies.client_address(ip("127.0.0.1"), ["198.51.100.4:5555"]), ip("198.51.100.4"));
        // Garbage stops at the last trusted hop; an empty header leaves the proxy itself.
        assert_eq!(proxies.client_address(ip("127.0.0.1"), ["198.51.100.4, nonsense"]), ip("127.0.0.1"));
        assert_eq!(proxies.client_address(ip("127.0.0.1"), []), ip("127.0.0.1"));
        assert!(TrustedProxies::parse("").unwrap() == TrustedProxies::default());
        assert!(TrustedProxies::parse("10.0.0.0/8, bogus").is_err());
    }
}
