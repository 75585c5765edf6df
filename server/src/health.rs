//! `GET /api/health`: 200 when the database, Redis and storage all answer, 503 naming what is down.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::IntoResponse,
};
use backend::AppState;

/// Reports `{db, redis, storage, down}`; each part is `"ok"` or `"down"`.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let report = backend::health::check(&state).await;
    let status = if report.is_healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(report))
}
