//! `GET /metrics`: queue gauges and the operations metrics in the Prometheus text format (the worker serves job
//! counters on its own port), and [`track`], the middleware that counts and times every request.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use backend::{
    AppState,
    metrics::{self, Metrics},
};

/// Serves the registry after refreshing the queue gauges; 401 when `METRICS_TOKEN` is set and not presented.
/// Without a token only direct scrapers are served: a request a reverse proxy forwarded (it carries
/// `X-Forwarded-For`, `Forwarded` or `X-Real-IP`) is refused with 403, so a proxy on the same host that fronts a
/// loopback-bound app does not publish the metrics.
pub async fn metrics(
    State(app): State<AppState>,
    State(registry): State<Arc<Metrics>>,
    headers: HeaderMap,
) -> Response {
    let token = app.config.jobs.metrics_token.as_ref();
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !metrics::authorized(token, auth) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if token.is_none() && ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|h| headers.contains_key(*h)) {
        return StatusCode::FORBIDDEN.into_response();
    }
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], registry.render(&app.queue).await).into_response()
}

/// Counts and times a request in `clipmaker_http_requests_total`, `clipmaker_http_request_duration_seconds` and
/// (5xx) `clipmaker_http_server_errors_total`, labelled with the route pattern that matched (`MatchedPath`), never
/// the raw path: a request no route matched (static files, 404s) is counted as `other`. The time is until the
/// response headers; a streamed body (media, live events) is not included.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let response = next.run(request).await;
    backend::metrics::ops().http_request(
        method.as_str(),
        route.as_deref(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
