//! `GET /metrics`: queue gauges in the Prometheus text format (the worker serves job counters on its own port).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
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
