//! The general request budget and `Cache-Control` for private responses, applied once to the whole router so that
//! every server function and `/api` route, present and future, gets them without opting in.
//!
//! Budget: `RATE_API_PER_MINUTE` (seed: 100) requests a minute per signed-in user, or per client address when
//! nobody is signed in, counted in Redis so every server process shares it. Over budget the answer is 429 with
//! `Retry-After`: a server function gets [`app::api::ApiError::RateLimited`] (the page shows it translated), any
//! other route a translated plain-text message. Narrower budgets (password reset, re-renders, upload parts …) are
//! applied where those actions happen, on top of this one.

use std::{collections::HashSet, sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use backend::{
    AppState,
    accounts::web::{ClientIp, CurrentUser},
    ratelimit::{self, Limit},
};
use domain::Lang;

/// What the middleware needs: the app state and the paths of the server functions.
#[derive(Clone)]
pub struct RequestLimits {
    app: AppState,
    server_fns: Arc<HashSet<String>>,
}

impl RequestLimits {
    /// Collects the registered server functions' paths (they answer errors in their own encoding).
    pub fn new(app: AppState) -> RequestLimits {
        let server_fns = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
        RequestLimits { app, server_fns: Arc::new(server_fns) }
    }
}

/// Who a request counts against: the signed-in user, else the client's address.
pub fn subject(request: &Request) -> String {
    match request.extensions().get::<CurrentUser>().and_then(|u| u.0) {
        Some(user) => format!("user:{user}"),
        None => match request.extensions().get::<ClientIp>() {
            Some(ip) => format!("ip:{}", backend::client_ip::limit_key(ip.0)),
            None => "ip:unknown".into(),
        },
    }
}

/// The UI language of a request (its `lang` cookie), for messages outside the pages.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).map(Lang::from_cookie_header).unwrap_or_default()
}

/// 429 with `Retry-After` and a translated message: the server functions' error encoding for their paths, plain
/// text elsewhere.
pub fn too_many(lang: Lang, server_fn: bool, retry_after: Duration) -> Response {
    let retry_after_secs = retry_after.as_secs().max(1);
    let mut response = if server_fn {
        let body =
            serde_json::to_string(&app::api::ApiError::RateLimited { retry_after_secs }).expect("ApiError serialises");
        (StatusCode::TOO_MANY_REQUESTS, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    } else {
        let message = (lang.dict().auth.err_rate_limited)(retry_after_secs);
        (StatusCode::TOO_MANY_REQUESTS, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// The middleware: counts `/api` requests against the general budget and marks private responses `no-store`.
pub async fn limit(State(limits): State<RequestLimits>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let signed_in = request.extensions().get::<CurrentUser>().is_some_and(|u| u.0.is_some());
    let server_fn = limits.server_fns.contains(&path);
    if path.starts_with("/api/") {
        let budget = Limit::per_minute("api", limits.app.config.limits.api_per_minute);
        if let Some(wait) = ratelimit::over(&limits.app.redis, &budget, &subject(&request)).await {
            tracing::info!(path, "request budget exhausted");
            return with_no_store(too_many(lang_of(request.headers()), server_fn, wait));
        }
    }
    let response = next.run(request).await;
    // Server-function replies and pages rendered for a signed-in user are private: never cached by the browser or
    // a proxy. Media streams set their own caching.
    if server_fn || (signed_in && !response.headers().contains_key(header::CACHE_CONTROL)) {
        with_no_store(response)
    } else {
        response
    }
}

fn with_no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
