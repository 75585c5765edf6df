//! `GET /api/analytics/export.csv`: the analytics of the caller's workspace as a CSV download, one line per
//! publication of the period (`?days=7`, or `?from=…&to=…` in Unix seconds; the last 30 days by default), its header
//! in the UI language. A plain route rather than a server function: the browser downloads it from a link.

use axum::{
    Extension,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use backend::{
    AppState,
    accounts::web::CurrentUser,
    teams::{AccessError, Denied},
};
use serde::Deserialize;

/// The file name the browser saves.
pub const FILE_NAME: &str = "clipmaker-analytics.csv";

/// The period asked for.
#[derive(Debug, Default, Deserialize)]
pub struct Range {
    days: Option<u32>,
    from: Option<i64>,
    to: Option<i64>,
}

/// Serves the CSV to a signed-in user who may see the workspace's analytics.
pub async fn export(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    headers: HeaderMap,
    Query(range): Query<Range>,
) -> Response {
    let Some(user_id) = user.0 else { return (StatusCode::UNAUTHORIZED, "sign in first").into_response() };
    let now = chrono::Utc::now().timestamp();
    let Ok(period) = domain::analytics::Period::resolve(range.days, range.from, range.to, now) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "the period is 1 to 366 days").into_response();
    };
    let lang = crate::limits::lang_of(&headers);
    match backend::analytics::csv(&app, user_id, period, lang).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{FILE_NAME}\"")),
            ],
            body,
        )
            .into_response(),
        Err(AccessError::Denied(Denied::Forbidden)) => (StatusCode::FORBIDDEN, "not allowed").into_response(),
        Err(AccessError::Denied(Denied::NotFound)) => (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(AccessError::Internal(e)) => {
            tracing::error!(error = format!("{e:#}"), "exporting analytics failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response()
        }
    }
}
