//! The HTTP side of sessions shared by the server's middleware and the server functions: cookie names, their
//! attributes, and the signed-in user placed in request extensions.

use uuid::Uuid;

use super::Tokens;
use crate::Config;

/// Cookie holding the access JWT.
pub const ACCESS_COOKIE: &str = "cm_at";
/// Cookie holding the refresh secret.
pub const REFRESH_COOKIE: &str = "cm_rt";

/// Who is asking, as established by the session middleware (`None`: nobody signed in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser(pub Option<Uuid>);

/// Cookies are `Secure` except when the app is served from a loopback host over plain HTTP.
pub fn secure_cookies(config: &Config) -> bool {
    let host = config.http.public_url.host_str().unwrap_or("");
    config.http.is_https() || !matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1")
}

fn cookie(config: &Config, name: &str, value: &str, max_age: i64) -> String {
    let secure = if secure_cookies(config) { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// `Set-Cookie` values that store a session's tokens.
pub fn session_cookies(config: &Config, tokens: &Tokens) -> [String; 2] {
    [
        cookie(config, ACCESS_COOKIE, &tokens.access, crate::auth::tokens::ACCESS_TTL.num_seconds()),
        cookie(config, REFRESH_COOKIE, &tokens.refresh, crate::auth::tokens::REFRESH_TTL.num_seconds()),
    ]
}

/// `Set-Cookie` values that delete both session cookies.
pub fn clear_cookies(config: &Config) -> [String; 2] {
    [cookie(config, ACCESS_COOKIE, "", 0), cookie(config, REFRESH_COOKIE, "", 0)]
}

/// The value of cookie `name` in a `Cookie` header.
pub fn read_cookie<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| n.trim() == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let h = "lang=en; cm_at=abc.def; xcm_rt=no; cm_rt=r1";
        assert_eq!(read_cookie(h, ACCESS_COOKIE), Some("abc.def"));
        assert_eq!(read_cookie(h, REFRESH_COOKIE), Some("r1"));
        assert_eq!(read_cookie("cm_at=", ACCESS_COOKIE), None);
    }
}
