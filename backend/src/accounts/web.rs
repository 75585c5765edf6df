//! The HTTP side of sessions shared by the server's middleware and the server functions: cookie names, their
//! attributes, and the signed-in user placed in request extensions.

pub use domain::cookie::read_cookie;
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
    config.http.is_https() || !config.http.is_loopback()
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
