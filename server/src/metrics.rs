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
pub async fn metrics(
    State(app): State<AppState>,
    State(registry): State<Arc<Metrics>>,
    headers: HeaderMap,
) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !metrics::authorized(app.config.jobs.metrics_token.as_ref(), auth) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], registry.render(&app.queue).await).into_response()
}
