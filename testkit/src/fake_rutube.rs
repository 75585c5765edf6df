//! A fake Rutube API over real HTTP on loopback, for the tests and the development simulator.
//!
//! It speaks the shapes of Rutube's public API (a Django REST service, as its official PHP client uses it): every call
//! carries `Authorization: Token <token>`; an unknown token is 401 `{"detail": "Invalid token."}`, an unknown video
//! 404 `{"detail": "Not found."}`, a throttled call 429 `{"detail": …}` with a `Retry-After` header, a server fault 500.
//! - `GET /api/video/person/`: the account's videos, paginated (`count`, `next`, `previous`, `results`).
//! - `POST /api/video/` with JSON `url`, `title`, `description`, `is_hidden`, `category_id`: Rutube downloads the file
//!   from `url` (the fake really fetches it: an unreadable URL is 400 `{"url": [...]}`) and answers
//!   `{"video_id": "<32 hex>"}`.
//! - `GET /api/video/<id>/`: the video; `duration` stays `null` while Rutube processes it (the fake: for the first
//!   [`FakeRutube::set_processing_polls`] reads), `hits` is its view count.
//!
//! Tests can queue failures, revoke the token, set view counts and read what was uploaded.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::FakeServer;

/// The API token the fake accepts.
pub const TOKEN: &str = "rutube-fake-token-0123456789abcdef";
/// The channel's (author's) name.
pub const AUTHOR: &str = "ClipMaker Тест";
/// The author's id.
pub const AUTHOR_ID: i64 = 31_337;

/// A video the fake holds.
#[derive(Debug, Clone)]
pub struct Video {
    /// Its id (32 hex digits).
    pub id: String,
    /// Title and description as sent.
    pub title: String,
    /// The description.
    pub description: String,
    /// How many bytes were fetched from the source URL.
    pub bytes: usize,
    /// Reads left until processing ends.
    pub processing: u32,
    /// Views.
    pub hits: i64,
}

#[derive(Default)]
struct Inner {
    revoked: bool,
    processing_polls: u32,
    start_hits: i64,
    fail: VecDeque<(u16, Option<u64>)>,
    videos: Vec<Video>,
    calls: usize,
}

type Shared = Arc<Mutex<Inner>>;

fn detail(status: u16, text: &str, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, Json(json!({ "detail": text }))).into_response();
    if let Some(s) = retry_after {
        res.headers_mut().insert("retry-after", s.to_string().parse().expect("header"));
    }
    res
}

/// Checks the token and pops a queued failure; `Some` is the reply to send instead.
fn gate(s: &Shared, headers: &HeaderMap) -> Option<Response> {
    let mut inner = s.lock().unwrap();
    inner.calls += 1;
    if let Some((status, after)) = inner.fail.pop_front() {
        let text = match status {
            429 => "Request was throttled.",
            401 => "Invalid token.",
            404 => "Not found.",
            _ => "Server error.",
        };
        return Some(detail(status, text, after));
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if inner.revoked || auth != format!("Token {TOKEN}") {
        return Some(detail(401, "Invalid token.", None));
    }
    None
}

fn video_json(v: &Video) -> Value {
    json!({
        "id": v.id,
        "title": v.title,
        "description": v.description,
        "video_url": format!("https://rutube.ru/video/{}/", v.id),
        "thumbnail_url": format!("https://pic.rutube.ru/video/{}.jpg", v.id),
        "duration": if v.processing > 0 { Value::Null } else { json!(30) },
        "hits": v.hits,
        "is_deleted": false,
        "is_hidden": false,
        "author": { "id": AUTHOR_ID, "name": AUTHOR },
    })
}

async fn person(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    let inner = s.lock().unwrap();
    let results: Vec<Value> = inner.videos.iter().rev().map(video_json).collect();
    Json(json!({ "count": results.len(), "next": null, "previous": null, "results": results })).into_response()
}

async fn create(State(s): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    let Some(url) = body.get("url").and_then(Value::as_str) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "url": ["Обязательное поле."] }))).into_response();
    };
    // Rutube downloads the file from the URL it is given.
    let bytes = match reqwest::get(url).await {
        Ok(r) if r.status().is_success() => r.bytes().await.map(|b| b.len()).unwrap_or(0),
        _ => 0,
    };
    if bytes == 0 {
        return (StatusCode::BAD_REQUEST, Json(json!({ "url": ["Не удалось загрузить видео по ссылке."] })))
            .into_response();
    }
    let mut inner = s.lock().unwrap();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let video = Video {
        id: id.clone(),
        title: body.get("title").and_then(Value::as_str).unwrap_or_default().to_owned(),
        description: body.get("description").and_then(Value::as_str).unwrap_or_default().to_owned(),
        bytes,
        processing: inner.processing_polls,
        hits: inner.start_hits,
    };
    inner.videos.push(video);
    (StatusCode::CREATED, Json(json!({ "video_id": id }))).into_response()
}

async fn video(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(r) = gate(&s, &headers) {
        return r;
    }
    let mut inner = s.lock().unwrap();
    let Some(v) = inner.videos.iter_mut().find(|v| v.id == id) else {
        return detail(404, "Not found.", None);
    };
    let reply = video_json(v);
    v.processing = v.processing.saturating_sub(1);
    Json(reply).into_response()
}

/// A running fake Rutube API.
pub struct FakeRutube {
    /// The HTTP server; its request log is available. The API base URL is its URL.
    pub server: FakeServer,
    shared: Shared,
}

impl FakeRutube {
    fn router(shared: Shared) -> Router {
        Router::new()
            .route("/api/video/person/", get(person))
            .route("/api/video/", post(create))
            .route("/api/video/{id}/", get(video))
            .with_state(shared)
    }

    fn shared() -> Shared {
        Arc::new(Mutex::new(Inner { processing_polls: 1, start_hits: 0, ..Default::default() }))
    }

    /// Starts the fake on `127.0.0.1:0`.
    pub async fn start() -> FakeRutube {
        let shared = Self::shared();
        FakeRutube { server: FakeServer::start(Self::router(shared.clone())).await, shared }
    }

    /// The routes alone, for a simulator that serves several fakes on one port (new videos start with `hits`
    /// views there, so the analytics page has something to show).
    pub fn routes(hits: i64) -> Router {
        let shared = Self::shared();
        shared.lock().unwrap().start_hits = hits;
        Self::router(shared)
    }

    /// The API base URL (`https://rutube.ru` in production).
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// The next calls fail with these statuses (and `Retry-After` seconds), one per call.
    pub fn fail_next(&self, failures: &[(u16, Option<u64>)]) {
        self.shared.lock().unwrap().fail.extend(failures.iter().copied());
    }

    /// Whether the token is revoked: every call is then 401.
    pub fn set_revoked(&self, revoked: bool) {
        self.shared.lock().unwrap().revoked = revoked;
    }

    /// How many reads of a new video answer "still processing" (`duration: null`).
    pub fn set_processing_polls(&self, polls: u32) {
        self.shared.lock().unwrap().processing_polls = polls;
    }

    /// Ends the processing of every video uploaded so far.
    pub fn finish_processing(&self) {
        for v in &mut self.shared.lock().unwrap().videos {
            v.processing = 0;
        }
    }

    /// Sets every video's view count.
    pub fn set_hits(&self, hits: i64) {
        for v in &mut self.shared.lock().unwrap().videos {
            v.hits = hits;
        }
    }

    /// The videos uploaded so far.
    pub fn videos(&self) -> Vec<Video> {
        self.shared.lock().unwrap().videos.clone()
    }

    /// How many calls reached the fake.
    pub fn calls(&self) -> usize {
        self.shared.lock().unwrap().calls
    }
}
