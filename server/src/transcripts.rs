//! `GET /api/videos/{video}/transcript.{srt,vtt,txt}`: the owner's transcript as a subtitle or text file download.

use axum::{
    Extension,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use backend::{AppState, accounts::web::CurrentUser};
use uuid::Uuid;

/// Serves the transcript in the format its file name asks for.
pub async fn download(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((video_id, file)): Path<(Uuid, String)>,
) -> Response {
    let Some(user_id) = user.0 else { return (StatusCode::UNAUTHORIZED, "sign in first").into_response() };
    let (content_type, render): (&str, fn(&domain::transcript::Transcript) -> String) = match file.as_str() {
        "transcript.srt" => ("application/x-subrip; charset=utf-8", |t| t.to_srt()),
        "transcript.vtt" => ("text/vtt; charset=utf-8", |t| t.to_vtt()),
        "transcript.txt" => ("text/plain; charset=utf-8", |t| t.to_txt()),
        _ => return (StatusCode::NOT_FOUND, "unknown format").into_response(),
    };
    let actor = match crate::uploads::actor(&app, user_id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match backend::transcripts::for_user(&app, &actor, video_id).await {
        Ok(Some(t)) => {
            let name = format!("attachment; filename=\"{video_id}.{}\"", file.trim_start_matches("transcript."));
            ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, name)], render(&t))
                .into_response()
        }
        Ok(None) | Err(backend::teams::AccessError::Denied(_)) => {
            (StatusCode::NOT_FOUND, "no transcript").into_response()
        }
        Err(backend::teams::AccessError::Internal(e)) => {
            tracing::error!(error = format!("{e:#}"), "reading a transcript failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "try again").into_response()
        }
    }
}
