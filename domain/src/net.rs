//! Classifying network addresses: which ones are on the public internet, so that fetching a user-supplied URL can
//! never reach the server's own network (server-side request forgery). The fetching itself lives in
//! `backend::fetch`; this is the pure rule it applies to every address it would connect to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a public unicast address.
///
/// Refused for IPv4: this-network (0/8), loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16,
/// where cloud metadata lives), CGNAT (100.64/10), IETF protocol assignments (192.0.0/24), documentation,
/// benchmarking (198.18/15), multicast, reserved (240/4) and broadcast.
///
/// Refused for IPv6: unspecified, loopback, multicast, unique local (fc00::/7), link-local (fe80::/10), site-local
/// (fec0::/10), documentation (2001:db8::/32), and the transition prefixes that tunnel to an IPv4 address the
/// network may route anywhere: 6to4 (2002::/16), Teredo (2001::/32) and local-use NAT64 (64:ff9b:1::/48). Forms
/// that embed one IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, well-known NAT64
/// `64:ff9b::a.b.c.d`) are judged by that address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = v6.segments();
    // Well-known NAT64 (64:ff9b::/96) and the deprecated IPv4-compatible form embed an IPv4 address.
    if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]) || s[0..6] == [0, 0, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return !v6.is_loopback() && !v6.is_unspecified() && is_public_v4(v4);
    }
    !(v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0] == 0x2002 // 6to4
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)) // local-use NAT64
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_pass() {
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused} must be refused");
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed} must be allowed");
        }
    }

    #[test]
    fn ipv6_transition_prefixes_are_refused() {
        for refused in [
            // 6to4 wrapping a public and a private IPv4 address: the relay decides where either goes.
            "2002::1",
            "2002:808:808::1",
            "2002:7f00:1::1",
            "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            // Teredo.
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
            // Local-use NAT64, whatever it embeds.
            "64:ff9b:1::808:808",
            "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused} must be refused");
        }
        // Neighbours of those prefixes are ordinary global addresses.
        for allowed in ["2001:200::1", "2001:4860:4860::8888", "2003::1", "2a02:6b8::2:242"] {
            assert!(is_public(allowed.parse().unwrap()), "{allowed} must be allowed");
        }
    }
}
