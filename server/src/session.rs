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
        web::{ACCESS_COOKIE, CurrentUser, REFRESH_COOKIE, clear_cookies, read_cookie, session_cookies},
    },
};

/// Who is calling: the peer address and the User-Agent.
pub fn client_info(request: &Request) -> ClientInfo {
    ClientInfo {
        ip: request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
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
    if let Some(access) = read_cookie(&cookies, ACCESS_COOKIE) {
        user = accounts::authenticate(&state, access, now).await.unwrap_or_else(|e| {
            tracing::error!(error = format!("{e:#}"), "checking the session failed");
            None
        });
    }
    let mut set_cookies: Vec<String> = Vec::new();
    if user.is_none()
        && let Some(refresh) = read_cookie(&cookies, REFRESH_COOKIE)
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
            .is_ok_and(|v| v.starts_with(&format!("{ACCESS_COOKIE}=")) || v.starts_with(&format!("{REFRESH_COOKIE}=")))
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
