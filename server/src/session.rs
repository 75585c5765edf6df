//! Establishes who is asking on every request: a valid access cookie, or else a refresh cookie that is rotated on
//! the spot (the new cookies go out with the response). The result is [`CurrentUser`] in the request extensions,
//! which server functions and pages read.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use backend::{
    AppState,
    accounts::{
        self, ClientInfo,
        web::{ClientIp, CurrentUser, access_cookie, clear_cookies, read_cookie, refresh_cookie, session_cookies},
    },
};

/// Establishes the client's address once per request ([`ClientIp`]): the TCP peer, or the rightmost untrusted
/// `X-Forwarded-For` hop when the peer is one of `TRUSTED_PROXIES`.
pub async fn client_address(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if let Some(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let ip = state.config.http.trusted_proxies.client_address(peer, forwarded);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

/// Who is calling: the client's address and the User-Agent.
pub fn client_info(request: &Request) -> ClientInfo {
    ClientInfo {
        ip: request.extensions().get::<ClientIp>().map(|c| c.0.to_string()),
        user_agent: request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
    }
}

/// The middleware. Static assets skip it.
pub async fn session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/logo.svg" {
        return next.run(request).await;
    }
    let cookies = request.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let now = chrono::Utc::now();
    let mut user = None;
    let (access_name, refresh_name) = (access_cookie(&state.config), refresh_cookie(&state.config));
    if let Some(access) = read_cookie(&cookies, access_name) {
        user = accounts::authenticate(&state, access, now).await.unwrap_or_else(|e| {
            tracing::error!(error = format!("{e:#}"), "checking the session failed");
            None
        });
    }
    let mut set_cookies: Vec<String> = Vec::new();
    if user.is_none()
        && let Some(refresh) = read_cookie(&cookies, refresh_name)
    {
        match accounts::refresh(&state, refresh, &client_info(&request), now).await {
            Ok(tokens) => {
                user = Some(tokens.user_id);
                set_cookies.extend(session_cookies(&state.config, &tokens));
            }
            Err(accounts::AccountError::Internal(e)) => {
                tracing::error!(error = format!("{e:#}"), "refreshing the session failed");
            }
            Err(_) => set_cookies.extend(clear_cookies(&state.config)),
        }
    }
    request.extensions_mut().insert(CurrentUser(user));
    let mut response = next.run(request).await;
    // The handler's own session cookies (sign-in, sign-out) win over the middleware's.
    let handler_set_session = response.headers().get_all(header::SET_COOKIE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.starts_with(&format!("{access_name}=")) || v.starts_with(&format!("{refresh_name}=")))
    });
    if !handler_set_session {
        for c in set_cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    response
}
