//! A fake VK for tests and the development simulator, over real HTTP on loopback.
//!
//! VK ID (`id.vk.com`): `/authorize` redirects back with a code, `/oauth2/auth` exchanges it only for the right
//! client, redirect URI and PKCE verifier (S256) and swaps a refresh token (`grant_type=refresh_token`, with the
//! device id) for new tokens, `/oauth2/user_info` returns the user. Error replies use VK ID's shape:
//! `{"error": "...", "error_description": "..."}`.
//!
//! The VK API (`api.vk.com/method`), under `/method/<name>` (form fields `access_token`, `v` and the method's
//! parameters; replies `{"response": …}` or, with HTTP 200, `{"error": {"error_code", "error_msg"}}`): `users.get`,
//! `groups.get` (the communities the user edits), `video.save` (returns an `upload_url` on this server), `video.get`
//! (with `processing: 1` until the upload is processed, views, likes, reposts, comments). The upload URL takes the
//! file as multipart `video_file`. Like VK, more than [`REQUESTS_PER_SECOND`] calls with one token within a second
//! are refused with error 6; an unknown or revoked token is error 5.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Form, Json, Router,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::FakeServer;

/// The client id the fake accepts.
pub const CLIENT_ID: &str = "51234567";
/// The access token the simulator's VK ID hands out (and its API accepts) in development and the browser tests.
pub const SIMULATED_TOKEN: &str = backend::vkid::SIMULATED_ACCESS_TOKEN;
/// The community the fake user edits.
pub const GROUP_ID: i64 = 77_001;
/// Its name.
pub const GROUP_NAME: &str = "ClipMaker Test Community";
/// How many API calls per second VK allows one token.
pub const REQUESTS_PER_SECOND: usize = 5;

/// What the fake VK user looks like and how the fake misbehaves.
#[derive(Clone, Debug)]
pub struct VkBehaviour {
    /// VK user id.
    pub user_id: String,
    /// Email shared by the user, if any.
    pub email: Option<String>,
    /// Refuse every code exchange with `invalid_grant`.
    pub refuse_token: bool,
    /// Refuse `user_info` with `invalid_token`.
    pub refuse_user_info: bool,
}

impl Default for VkBehaviour {
    fn default() -> Self {
        VkBehaviour {
            user_id: format!("{}", 100_000 + rand_suffix()),
            email: None,
            refuse_token: false,
            refuse_user_info: false,
        }
    }
}

fn rand_suffix() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32 % 1_000_000
}

/// A video the fake API holds.
#[derive(Debug, Clone)]
pub struct VkVideo {
    /// Its id.
    pub id: i64,
    /// The page or community (negative) it belongs to.
    pub owner_id: i64,
    /// Title (`name` in `video.save`).
    pub title: String,
    /// Description.
    pub description: String,
    /// Bytes received at the upload URL (0 until uploaded).
    pub bytes: usize,
    /// Reads of `video.get` left until processing ends.
    pub processing: u32,
    /// Views.
    pub views: i64,
}

#[derive(Default)]
struct Inner {
    behaviour: Option<VkBehaviour>,
    codes: HashMap<String, (String, String)>, // code -> (challenge, redirect_uri)
    tokens: HashMap<String, ()>,
    refresh: HashMap<String, String>, // refresh token -> device id
    refreshes: usize,
    revoked: bool,
    fail: VecDeque<i64>,
    processing_polls: u32,
    start_views: i64,
    calls: Vec<Instant>,
    /// Every API call's arrival, for tests to check the rate seen.
    log: Vec<Instant>,
    videos: Vec<VkVideo>,
    uploads: HashMap<String, usize>, // upload key -> index into videos
}

type Shared = Arc<Mutex<Inner>>;

fn vk_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown client_id");
    }
    if q.get("response_type").map(String::as_str) != Some("code")
        || q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_request", "PKCE S256 and response_type=code are required");
    }
    let (Some(challenge), Some(redirect), Some(state)) =
        (q.get("code_challenge"), q.get("redirect_uri"), q.get("state"))
    else {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_request", "missing parameter");
    };
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    s.lock().unwrap().codes.insert(code.clone(), (challenge.clone(), redirect.clone()));
    Redirect::to(&format!("{redirect}?code={code}&state={state}&device_id=device-1&type=code_v2&expires_in=600"))
        .into_response()
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let mut inner = s.lock().unwrap();
    if inner.behaviour.as_ref().is_some_and(|b| b.refuse_token) {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "code is invalid or expired");
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("grant_type") == "refresh_token" {
        if get("client_id") != CLIENT_ID || inner.refresh.remove(&get("refresh_token")) != Some(get("device_id")) {
            return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "refresh token is invalid or expired");
        }
        inner.refreshes += 1;
        return Json(issue(&mut inner, &get("device_id"), &get("state"))).into_response();
    }
    if get("grant_type") != "authorization_code" || get("client_id") != CLIENT_ID || get("device_id").is_empty() {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_request", "bad grant_type, client_id or device_id");
    }
    let Some((challenge, redirect)) = inner.codes.remove(&get("code")) else {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "code is invalid or expired");
    };
    if URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes())) != challenge {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "code_verifier does not match code_challenge");
    }
    if get("redirect_uri") != redirect {
        return vk_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri mismatch");
    }
    Json(issue(&mut inner, &get("device_id"), &get("state"))).into_response()
}

/// New tokens for the fake user: an access token the API accepts for an hour and a single-use refresh token bound to
/// the device.
fn issue(inner: &mut Inner, device_id: &str, state: &str) -> Value {
    let access = format!("vk1.a.{}", uuid::Uuid::new_v4().simple());
    let refresh = format!("vk1.r.{}", uuid::Uuid::new_v4().simple());
    inner.tokens.insert(access.clone(), ());
    inner.refresh.insert(refresh.clone(), device_id.to_owned());
    let user_id = inner.behaviour.as_ref().map(|b| b.user_id.clone()).unwrap_or_default();
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "id_token": "header.payload.signature",
        "token_type": "Bearer",
        "expires_in": 3600,
        "user_id": user_id.parse::<u64>().unwrap_or(0),
        "state": state,
        "scope": "email video groups",
    })
}

fn api_error(code: i64, msg: &str) -> Response {
    // VK answers API errors with HTTP 200.
    Json(json!({"error": {"error_code": code, "error_msg": msg, "request_params": []}})).into_response()
}

fn user_id_of(inner: &Inner) -> i64 {
    inner.behaviour.as_ref().and_then(|b| b.user_id.parse().ok()).unwrap_or(1)
}

fn video_json(v: &VkVideo) -> Value {
    let mut item = json!({
        "id": v.id,
        "owner_id": v.owner_id,
        "title": v.title,
        "description": v.description,
        "duration": 30,
        "views": v.views,
        "comments": v.views / 50,
        "likes": { "count": v.views / 10, "user_likes": 0 },
        "reposts": { "count": v.views / 100 },
        "player": format!("https://vk.com/video_ext.php?oid={}&id={}", v.owner_id, v.id),
    });
    if v.processing > 0 {
        item["processing"] = json!(1);
    }
    item
}

async fn method(
    State(s): State<Shared>,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let mut inner = s.lock().unwrap();
    let now = Instant::now();
    inner.calls.retain(|t| now.duration_since(*t) < Duration::from_secs(1));
    inner.calls.push(now);
    inner.log.push(now);
    if inner.calls.len() > REQUESTS_PER_SECOND {
        return api_error(6, "Too many requests per second");
    }
    if let Some(code) = inner.fail.pop_front() {
        let msg = match code {
            9 => "Flood control",
            10 => "Internal server error",
            15 => "Access denied",
            _ => "Unknown error occurred",
        };
        return api_error(code, msg);
    }
    let token = f.get("access_token").cloned().unwrap_or_default();
    let known = token == SIMULATED_TOKEN || inner.tokens.contains_key(&token);
    if inner.revoked || !known {
        return api_error(5, "User authorization failed: invalid access_token (4).");
    }
    if f.get("v").is_none_or(|v| v.is_empty()) {
        return api_error(8, "Invalid request: v (version) is required");
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let user = user_id_of(&inner);
    match name.as_str() {
        "users.get" => {
            Json(json!({"response": [{"id": user, "first_name": "Иван", "last_name": "Петров"}]})).into_response()
        }
        "groups.get" => Json(json!({"response": {"count": 1, "items": [
            {"id": GROUP_ID, "name": GROUP_NAME, "screen_name": "clipmaker_test", "is_admin": 1, "admin_level": 2}
        ]}}))
        .into_response(),
        "video.save" => {
            let owner_id = match get("group_id").parse::<i64>() {
                Ok(GROUP_ID) => -GROUP_ID,
                Ok(_) => return api_error(15, "Access denied: no access to this group"),
                Err(_) => user,
            };
            let id = 456_239_000 + inner.videos.len() as i64 + 1;
            let key = uuid::Uuid::new_v4().simple().to_string();
            let video = VkVideo {
                id,
                owner_id,
                title: get("name"),
                description: get("description"),
                bytes: 0,
                processing: inner.processing_polls,
                views: inner.start_views,
            };
            inner.videos.push(video);
            let index = inner.videos.len() - 1;
            inner.uploads.insert(key.clone(), index);
            // The upload URL is on this server, wherever it is mounted.
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
            let prefix = headers.get("x-fake-prefix").and_then(|h| h.to_str().ok()).unwrap_or("");
            Json(json!({"response": {
                "upload_url": format!("http://{host}{prefix}/upload/{key}"),
                "video_id": id,
                "owner_id": owner_id,
                "title": get("name"),
                "description": get("description"),
                "access_key": "a1b2c3",
            }}))
            .into_response()
        }
        "video.get" => {
            let wanted: Vec<(i64, i64)> = get("videos")
                .split(',')
                .filter_map(|v| v.split_once('_'))
                .filter_map(|(o, i)| Some((o.parse().ok()?, i.parse().ok()?)))
                .collect();
            let mut items = vec![];
            for v in inner.videos.iter_mut().filter(|v| wanted.contains(&(v.owner_id, v.id)) && v.bytes > 0) {
                items.push(video_json(v));
                v.processing = v.processing.saturating_sub(1);
            }
            Json(json!({"response": {"count": items.len(), "items": items}})).into_response()
        }
        _ => api_error(3, "Unknown method passed"),
    }
}

async fn upload(State(s): State<Shared>, Path(key): Path<String>, mut multipart: Multipart) -> Response {
    let mut bytes = 0;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("video_file") {
            bytes = field.bytes().await.map(|b| b.len()).unwrap_or(0);
        }
    }
    let mut inner = s.lock().unwrap();
    let Some(&index) = inner.uploads.get(&key) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "invalid upload url"}))).into_response();
    };
    if bytes == 0 {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "no video_file"}))).into_response();
    }
    inner.uploads.remove(&key);
    let v = &mut inner.videos[index];
    v.bytes = bytes;
    Json(json!({"size": bytes, "owner_id": v.owner_id, "video_id": v.id, "video_hash": "f00d"})).into_response()
}

async fn user_info(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let inner = s.lock().unwrap();
    let b = inner.behaviour.clone().unwrap_or_default();
    let known = f.get("access_token").is_some_and(|t| inner.tokens.contains_key(t));
    if b.refuse_user_info || !known || f.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return vk_error(StatusCode::UNAUTHORIZED, "invalid_token", "access token is invalid or expired");
    }
    Json(json!({"user": {
        "user_id": b.user_id,
        "first_name": "Иван",
        "last_name": "Петров",
        "avatar": "https://sun.userapi.com/avatar.jpg",
        "email": b.email,
        "sex": 2,
        "verified": false,
        "birthday": "01.01.1990",
    }}))
    .into_response()
}

/// A running fake VK ID.
pub struct FakeVk {
    /// The HTTP server (its URL goes into `VK_ID_BASE_URL`; its request log is available).
    pub server: FakeServer,
    shared: Shared,
}

impl FakeVk {
    /// Starts the fake with `behaviour`.
    pub async fn start(behaviour: VkBehaviour) -> FakeVk {
        let shared: Shared =
            Arc::new(Mutex::new(Inner { behaviour: Some(behaviour), processing_polls: 1, ..Default::default() }));
        FakeVk { server: FakeServer::start(Self::router(shared.clone())).await, shared }
    }

    fn router(shared: Shared) -> Router {
        Router::new()
            .route("/authorize", get(authorize))
            .route("/oauth2/auth", post(token))
            .route("/oauth2/user_info", post(user_info))
            .route("/method/{name}", post(method))
            .route("/upload/{key}", post(upload))
            .layer(axum::extract::DefaultBodyLimit::max(512 * 1024 * 1024))
            .with_state(shared)
    }

    /// The API routes alone for the simulator, which mounts them under `prefix` (`/vk`): its users are signed in by
    /// the app's own VK ID simulation with [`SIMULATED_TOKEN`], and new videos start with `views` views.
    pub fn routes(prefix: &'static str, views: i64) -> Router {
        let shared: Shared = Arc::new(Mutex::new(Inner {
            behaviour: Some(VkBehaviour { user_id: "700001".into(), ..Default::default() }),
            processing_polls: 1,
            start_views: views,
            ..Default::default()
        }));
        Self::router(shared).layer(axum::middleware::from_fn(
            move |mut req: axum::extract::Request, next: axum::middleware::Next| async move {
                req.headers_mut().insert("x-fake-prefix", axum::http::HeaderValue::from_static(prefix));
                next.run(req).await
            },
        ))
    }

    /// The VK API's base URL on this fake (`https://api.vk.com/method` in production).
    pub fn api_url(&self) -> String {
        format!("{}/method", self.server.url())
    }

    /// Revokes every token (VK then answers error 5).
    pub fn set_revoked(&self, revoked: bool) {
        self.shared.lock().unwrap().revoked = revoked;
    }

    /// The next API calls fail with these VK error codes, one per call.
    pub fn fail_next(&self, codes: &[i64]) {
        self.shared.lock().unwrap().fail.extend(codes.iter().copied());
    }

    /// How many reads of a new video answer `processing: 1`.
    pub fn set_processing_polls(&self, polls: u32) {
        self.shared.lock().unwrap().processing_polls = polls;
    }

    /// Sets every video's views (likes, reposts and comments follow from them).
    pub fn set_views(&self, views: i64) {
        for v in &mut self.shared.lock().unwrap().videos {
            v.views = views;
        }
    }

    /// The videos saved so far.
    pub fn videos(&self) -> Vec<VkVideo> {
        self.shared.lock().unwrap().videos.clone()
    }

    /// The most API calls that arrived within any one second.
    pub fn busiest_second(&self) -> usize {
        let log = self.shared.lock().unwrap().log.clone();
        (0..log.len())
            .map(|i| log[i..].iter().take_while(|t| t.duration_since(log[i]) < Duration::from_secs(1)).count())
            .max()
            .unwrap_or(0)
    }

    /// How many API calls arrived.
    pub fn api_calls(&self) -> usize {
        self.shared.lock().unwrap().log.len()
    }

    /// How many refresh-token grants were served.
    pub fn refreshes(&self) -> usize {
        self.shared.lock().unwrap().refreshes
    }

    /// Changes how the fake behaves from now on.
    pub fn set(&self, behaviour: VkBehaviour) {
        self.shared.lock().unwrap().behaviour = Some(behaviour);
    }
}
