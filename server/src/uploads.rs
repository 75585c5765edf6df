//! Byte routes of uploads and playback: `PUT /api/uploads/{video}/parts/{n}` streams one part to S3 (development's
//! `USE_S3_PROXY` path; production browsers PUT to presigned URLs), and `GET /api/videos/{video}/source` streams the
//! stored source with HTTP Range support for the player; `GET /api/clips/{clip}/stream` and `/thumbnail` do the same
//! for rendered clips (development's download path; production downloads from presigned URLs). All serve the
//! signed-in owner only.

use aws_sdk_s3::primitives::ByteStream;
use axum::{
    Extension,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use backend::{
    AppState,
    accounts::web::CurrentUser,
    uploads::{self, UploadError},
};
use futures::StreamExt as _;
use uuid::Uuid;

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, message.to_owned()).into_response()
}

/// Streams an axum request body into an S3 `ByteStream` without buffering it (the SDK needs a `Sync` body, which
/// axum's is not, so the bytes pass through a small channel).
fn byte_stream(body: Body) -> ByteStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut data = body.into_data_stream();
        while let Some(chunk) = data.next().await {
            let item = chunk.map(http_body::Frame::data).map_err(std::io::Error::other);
            if tx.send(item).await.is_err() {
                break;
            }
        }
    });
    ByteStream::from_body_1_x(http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx)))
}

/// Who is asking (the user and their team), or a 500 reply if the database cannot say.
pub(crate) async fn actor(app: &AppState, user_id: Uuid) -> Result<backend::teams::Actor, Response> {
    backend::teams::actor(app, user_id).await.map_err(|e| {
        tracing::error!(error = format!("{e:#}"), "reading the user's team failed");
        refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
    })
}

/// `PUT /api/uploads/{video}/parts/{n}` with the part's bytes; answers the part's ETag.
pub async fn put_part(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((video_id, n)): Path<(Uuid, u32)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(user_id) = user.0 else { return refuse(StatusCode::UNAUTHORIZED, "sign in to upload") };
    if let Some(wait) =
        backend::ratelimit::over(&app.redis, &uploads::parts_limit(&app.config), &user_id.to_string()).await
    {
        return crate::limits::too_many(crate::limits::lang_of(&headers), false, wait);
    }
    let Some(len) = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
    else {
        return refuse(StatusCode::LENGTH_REQUIRED, "Content-Length is required");
    };
    match uploads::put_part(&app, user_id, video_id, n, len, byte_stream(body)).await {
        Ok(etag) => ([(header::ETAG, etag)], "").into_response(),
        Err(UploadError::NotFound) => refuse(StatusCode::NOT_FOUND, "no such upload"),
        Err(UploadError::BadPart(_)) => refuse(StatusCode::UNPROCESSABLE_ENTITY, "wrong part number or size"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), %video_id, part = n, "storing an upload part failed");
            refuse(StatusCode::BAD_GATEWAY, "storing the part failed; retry it")
        }
    }
}

/// `GET /api/videos/{video}/source`: the stored source, whole (200) or the requested range (206).
pub async fn source(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(video_id): Path<Uuid>,
    headers: HeaderMap,
) -> Response {
    let Some(user_id) = user.0 else { return refuse(StatusCode::UNAUTHORIZED, "sign in to watch") };
    let actor = match actor(&app, user_id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match backend::videos::source_of(&app, &actor, video_id).await {
        Ok(Some((key, mime))) => stream_object(&app, &key, &mime, &headers, None).await,
        Ok(None) => refuse(StatusCode::NOT_FOUND, "no such video"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "looking up a video source failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// Query of the clip stream: `?download=1` saves the file under the clip's title instead of playing it.
#[derive(Debug, serde::Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    download: Option<String>,
}

/// `GET /api/clips/{clip}/stream`: the rendered clip with Range support (the player), or as an attachment named
/// after its title with `?download=1`. Its owner and their team.
pub async fn clip_stream(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(clip_id): Path<Uuid>,
    axum::extract::Query(query): axum::extract::Query<StreamQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(user_id) = user.0 else { return refuse(StatusCode::UNAUTHORIZED, "sign in to watch") };
    let actor = match actor(&app, user_id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match backend::clips::file_of(&app, &actor, clip_id).await {
        Ok(Some((key, name))) => {
            let disposition = query.download.is_some().then(|| backend::storage::content_disposition(&name));
            stream_object(&app, &key, "video/mp4", &headers, disposition).await
        }
        Ok(None) => refuse(StatusCode::NOT_FOUND, "no such clip, or it is not rendered yet"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "looking up a clip failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// `GET /api/clips/{clip}/thumbnail`: the clip's JPEG thumbnail. Its owner and their team.
pub async fn clip_thumbnail(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(clip_id): Path<Uuid>,
    headers: HeaderMap,
) -> Response {
    let Some(user_id) = user.0 else { return refuse(StatusCode::UNAUTHORIZED, "sign in to watch") };
    let actor = match actor(&app, user_id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match backend::clips::thumbnail_of(&app, &actor, clip_id).await {
        Ok(Some(key)) => stream_object(&app, &key, "image/jpeg", &headers, None).await,
        Ok(None) => refuse(StatusCode::NOT_FOUND, "no thumbnail"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "looking up a thumbnail failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// `GET /api/clips/{clip}/captions`: the captions (ASS) burned into the clip's latest render, as a download. Its
/// owner and their team.
pub async fn clip_captions(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(clip_id): Path<Uuid>,
    headers: HeaderMap,
) -> Response {
    let Some(user_id) = user.0 else { return refuse(StatusCode::UNAUTHORIZED, "sign in to download") };
    let actor = match actor(&app, user_id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match backend::editor::captions_file(&app, &actor, clip_id).await {
        Ok(Some(key)) => {
            let name = backend::storage::content_disposition("captions.ass");
            stream_object(&app, &key, "text/x-ssa; charset=utf-8", &headers, Some(name)).await
        }
        Ok(None) => refuse(StatusCode::NOT_FOUND, "no such clip, or it is not rendered yet"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "looking up a clip's captions failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// `GET /api/videos/{video}/timeline/{file}`: the editor timeline's peaks (`peaks.u8`) or a filmstrip sheet
/// (`sprite-000.jpg` …) of a video the caller sees. Cached privately: the files never change once built.
pub async fn timeline_file(
    State(app): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path((video_id, file)): Path<(Uuid, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(user_id) = user.0 else { return refuse(StatusCode::UNAUTHORIZED, "sign in to edit") };
    let actor = match actor(&app, user_id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let kind = if file.ends_with(".jpg") { "image/jpeg" } else { "application/octet-stream" };
    match backend::editor::timeline_file(&app, &actor, video_id, &file).await {
        Ok(Some(key)) => {
            let mut response = stream_object(&app, &key, kind, &headers, None).await;
            if response.status().is_success() {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, max-age=86400"));
            }
            response
        }
        Ok(None) => refuse(StatusCode::NOT_FOUND, "no such video, or its timeline is not built yet"),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "looking up a timeline file failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "try again")
        }
    }
}

/// Streams the object `key` from storage: whole (200) or the requested range (206), with `content_type` and, when
/// given, a `Content-Disposition`.
async fn stream_object(
    app: &AppState,
    key: &str,
    content_type: &str,
    headers: &HeaderMap,
    disposition: Option<String>,
) -> Response {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|r| r.starts_with("bytes="));
    let object = app
        .storage
        .client()
        .get_object()
        .bucket(app.storage.bucket())
        .key(key)
        .set_range(range.map(str::to_owned))
        .send()
        .await;
    let object = match object {
        Ok(o) => o,
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
            return refuse(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
        }
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
            return refuse(StatusCode::NOT_FOUND, "the file is no longer stored");
        }
        Err(e) => {
            tracing::error!(error = %aws_sdk_s3::error::DisplayErrorContext(&e), "reading a stored file failed");
            return refuse(StatusCode::BAD_GATEWAY, "the file could not be read");
        }
    };
    let mut res = Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(object.body.into_async_read())));
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = object.content_length {
        h.insert(header::CONTENT_LENGTH, len.into());
    }
    if let Some(v) = object.content_range.as_deref().and_then(|r| HeaderValue::from_str(r).ok()) {
        h.insert(header::CONTENT_RANGE, v);
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    res
}
