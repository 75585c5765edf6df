//! The HTTP side of sessions shared by the server's middleware and the server functions: cookie names, their
//! attributes, and the signed-in user placed in request extensions.

pub use domain::cookie::read_cookie;
use uuid::Uuid;

use super::Tokens;
use crate::Config;

/// Cookie holding the access JWT (served over plain HTTP on loopback; see [`access_cookie`]).
pub const ACCESS_COOKIE: &str = "cm_at";
/// Cookie holding the refresh secret (see [`refresh_cookie`]).
pub const REFRESH_COOKIE: &str = "cm_rt";

/// The access cookie's name in this deployment: `__Host-cm_at` wherever cookies are `Secure`, so a sibling
/// subdomain or a plain-HTTP page cannot plant or overwrite it.
pub fn access_cookie(config: &Config) -> &'static str {
    if secure_cookies(config) { "__Host-cm_at" } else { ACCESS_COOKIE }
}

/// The refresh cookie's name in this deployment (`__Host-cm_rt` wherever cookies are `Secure`).
pub fn refresh_cookie(config: &Config) -> &'static str {
    if secure_cookies(config) { "__Host-cm_rt" } else { REFRESH_COOKIE }
}

/// The client's address as the server's client-address middleware established it (the TCP peer, or the address
/// a trusted proxy forwarded: see [`crate::client_ip`]). Rate limits and session records use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Who is asking, as established by the session middleware (`None`: nobody signed in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser(pub Option<Uuid>);

/// Cookies are `Secure` except when the app is served from a loopback host over plain HTTP.
pub fn secure_cookies(config: &Config) -> bool {
    config.http.is_https() || !config.http.is_loopback()
}

fn cookie(config: &Config, name: &str, value: &str, max_age: i64) -> String {
    let secure = if secure_cookies(config) { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// `Set-Cookie` values that store a session's tokens.
pub fn session_cookies(config: &Config, tokens: &Tokens) -> [String; 2] {
    [
        cookie(config, access_cookie(config), &tokens.access, crate::auth::tokens::ACCESS_TTL.num_seconds()),
        cookie(config, refresh_cookie(config), &tokens.refresh, crate::auth::tokens::REFRESH_TTL.num_seconds()),
    ]
}

/// `Set-Cookie` values that delete both session cookies.
pub fn clear_cookies(config: &Config) -> [String; 2] {
    [cookie(config, access_cookie(config), "", 0), cookie(config, refresh_cookie(config), "", 0)]
}
