//! `POST /api/billing/webhook`: YooKassa's payment notifications ([`backend::billing::webhook`]). Exempt from the
//! Origin check (YooKassa posts from its servers); believed only from YooKassa's networks, and only as far as the
//! API confirms.

use axum::{Extension, body::Bytes, extract::State, http::StatusCode};
use backend::{accounts::web::ClientIp, billing::WebhookReply};

use crate::ServerState;

/// Handles one notification: 200 when done (or ignored), 400 malformed, 403 from elsewhere, 500 to be repeated.
pub async fn webhook(
    State(state): State<ServerState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    body: Bytes,
) -> StatusCode {
    match backend::billing::webhook(&state.app, ip, &body).await {
        WebhookReply::Done => StatusCode::OK,
        WebhookReply::Malformed => StatusCode::BAD_REQUEST,
        WebhookReply::Forbidden => StatusCode::FORBIDDEN,
        WebhookReply::Retry => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
