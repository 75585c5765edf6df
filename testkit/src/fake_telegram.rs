//! A fake Telegram Bot API over real HTTP on loopback, for the tests and the development simulator.
//!
//! It speaks the documented shapes: `POST {base}/bot<token>/<method>` with a JSON, form or multipart body; replies
//! `{"ok": true, "result": …}` or `{"ok": false, "error_code": N, "description": "…"}`, with
//! `"parameters": {"retry_after": S}` on 429. An unknown token is 401 `Unauthorized`; an unknown chat is 400
//! `Bad Request: chat not found`; a video over the Bot API's 50 MB upload limit is 413 `Request Entity Too Large`.
//! Methods: `getMe`, `getChat`, `getChatMember`, `sendVideo` (multipart: `video`, `thumbnail`, `caption`,
//! `supports_streaming`, `width`, `height`, `duration`). Tests can queue failures ([`FakeTelegram::fail_next`]),
//! revoke the token, or make the bot lose its right to post.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{FromRequest as _, Multipart, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};

use crate::FakeServer;

/// The bot token the fake accepts.
pub const BOT_TOKEN: &str = "7000000001:AAFakeBotTokenForClipMakerTests-123";
/// The bot's user id (the number before the colon of its token).
pub const BOT_ID: i64 = 7_000_000_001;
/// The channel the bot is an administrator of.
pub const CHANNEL: &str = "@clipmaker_test";
/// That channel's numeric id.
pub const CHANNEL_ID: i64 = -1_001_234_567_890;
/// The Bot API's upload limit.
pub const MAX_UPLOAD: usize = 50 * 1024 * 1024;

/// A video the fake accepted.
#[derive(Debug, Clone)]
pub struct Post {
    /// The channel's numeric id.
    pub chat_id: i64,
    /// The message id.
    pub message_id: i64,
    /// The caption.
    pub caption: String,
    /// The video's size in bytes.
    pub video_bytes: usize,
    /// Whether a thumbnail came with it.
    pub thumbnail: bool,
    /// `supports_streaming`, `width`, `height` and `duration` as sent.
    pub fields: HashMap<String, String>,
}

#[derive(Default)]
struct Inner {
    revoked: bool,
    can_post: bool,
    fail: VecDeque<(u16, Option<u64>)>,
    posts: Vec<Post>,
    next_message: i64,
}

type Shared = Arc<Mutex<Inner>>;

fn ok(result: Value) -> Response {
    Json(json!({ "ok": true, "result": result })).into_response()
}

fn fail(status: u16, description: &str, retry_after: Option<u64>) -> Response {
    let mut body = json!({ "ok": false, "error_code": status, "description": description });
    if let Some(s) = retry_after {
        body["parameters"] = json!({ "retry_after": s });
    }
    (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), Json(body)).into_response()
}

fn description(status: u16) -> &'static str {
    match status {
        400 => "Bad Request: wrong file identifier/HTTP URL specified",
        401 => "Unauthorized",
        403 => "Forbidden: bot is not a member of the channel chat",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests: retry after 3",
        _ => "Internal Server Error",
    }
}

/// The parameters of a call, whatever its encoding; files are returned with their sizes.
async fn params(request: Request) -> Result<(HashMap<String, String>, HashMap<String, usize>), Response> {
    let kind = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut fields = HashMap::new();
    let mut files = HashMap::new();
    if kind.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|_| fail(400, "Bad Request: invalid multipart body", None))?;
        loop {
            match form.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let is_file = field.file_name().is_some();
                    let bytes = field.bytes().await.map_err(|_| fail(413, description(413), None))?;
                    if is_file {
                        files.insert(name, bytes.len());
                    } else {
                        fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
                Ok(None) => break,
                Err(_) => return Err(fail(413, description(413), None)),
            }
        }
    } else {
        let body = axum::body::to_bytes(request.into_body(), 1024 * 1024)
            .await
            .map_err(|_| fail(413, description(413), None))?;
        if kind.starts_with("application/json") {
            let v: Value = serde_json::from_slice(&body).map_err(|_| fail(400, "Bad Request: invalid JSON", None))?;
            for (k, v) in v.as_object().into_iter().flatten() {
                fields.insert(k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()));
            }
        } else {
            fields.extend(url::form_urlencoded::parse(&body).into_owned());
        }
    }
    Ok((fields, files))
}

fn chat() -> Value {
    json!({ "id": CHANNEL_ID, "type": "channel", "title": "ClipMaker test channel", "username": CHANNEL.trim_start_matches('@') })
}

fn known_chat(id: Option<&String>) -> bool {
    id.is_some_and(|c| c == CHANNEL || *c == CHANNEL_ID.to_string())
}

async fn call(State(shared): State<Shared>, Path((bot, method)): Path<(String, String)>, request: Request) -> Response {
    if bot.strip_prefix("bot") != Some(BOT_TOKEN) || shared.lock().unwrap().revoked {
        return fail(401, "Unauthorized", None);
    }
    let too_big = request
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_UPLOAD + 1024 * 1024);
    if too_big {
        return fail(413, description(413), None);
    }
    let injected = shared.lock().unwrap().fail.pop_front();
    if let Some((status, retry_after)) = injected {
        return fail(status, description(status), retry_after);
    }
    let (fields, files) = match params(request).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let bot_user =
        json!({ "id": BOT_ID, "is_bot": true, "first_name": "ClipMaker test bot", "username": "clipmaker_test_bot" });
    match method.as_str() {
        "getMe" => ok(bot_user),
        "getChat" if known_chat(fields.get("chat_id")) => ok(chat()),
        "getChatMember" if known_chat(fields.get("chat_id")) => {
            if fields.get("user_id").map(String::as_str) != Some(BOT_ID.to_string().as_str()) {
                return fail(400, "Bad Request: PARTICIPANT_ID_INVALID", None);
            }
            if shared.lock().unwrap().can_post {
                ok(
                    json!({ "status": "administrator", "user": bot_user, "can_post_messages": true, "can_be_edited": false }),
                )
            } else {
                ok(json!({ "status": "left", "user": bot_user }))
            }
        }
        "sendVideo" if known_chat(fields.get("chat_id")) => {
            let Some(&video_bytes) = files.get("video") else {
                return fail(400, "Bad Request: there is no video in the request", None);
            };
            if video_bytes > MAX_UPLOAD {
                return fail(413, description(413), None);
            }
            let mut inner = shared.lock().unwrap();
            if !inner.can_post {
                return fail(403, "Forbidden: bot is not a member of the channel chat", None);
            }
            inner.next_message += 1;
            let message_id = inner.next_message;
            let caption = fields.get("caption").cloned().unwrap_or_default();
            let keep = ["supports_streaming", "width", "height", "duration"];
            inner.posts.push(Post {
                chat_id: CHANNEL_ID,
                message_id,
                caption: caption.clone(),
                video_bytes,
                thumbnail: files.contains_key("thumbnail"),
                fields: fields
                    .iter()
                    .filter(|(k, _)| keep.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
            let number = |k: &str| fields.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            ok(json!({
                "message_id": message_id,
                "sender_chat": chat(),
                "chat": chat(),
                "date": chrono::Utc::now().timestamp(),
                "video": {
                    "file_id": format!("BAACAgIAAxkBAAI{message_id}"),
                    "file_unique_id": format!("AgAD{message_id}"),
                    "width": number("width"),
                    "height": number("height"),
                    "duration": number("duration"),
                    "mime_type": "video/mp4",
                    "file_size": video_bytes,
                },
                "caption": caption,
            }))
        }
        "getChat" | "getChatMember" | "sendVideo" => fail(400, "Bad Request: chat not found", None),
        _ => fail(404, "Not Found", None),
    }
}

/// A running fake Bot API.
pub struct FakeTelegram {
    /// The HTTP server; its request log is available. The Bot API base URL is its URL.
    pub server: FakeServer,
    shared: Shared,
}

impl FakeTelegram {
    /// The fake's routes under a shared state (the simulator nests them under `/telegram`).
    fn router(shared: Shared) -> Router {
        // Uploads up to the Bot API's limit (and a little over, to answer 413 as Telegram does), not axum's 2 MB.
        Router::new()
            .route("/{bot}/{method}", post(call))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD + 2 * 1024 * 1024))
            .with_state(shared)
    }

    fn shared() -> Shared {
        Arc::new(Mutex::new(Inner { can_post: true, ..Default::default() }))
    }

    /// Starts the fake on `127.0.0.1:0`; the bot is an administrator of [`CHANNEL`].
    pub async fn start() -> FakeTelegram {
        let shared = Self::shared();
        FakeTelegram { server: FakeServer::start(Self::router(shared.clone())).await, shared }
    }

    /// The routes alone, for a simulator that serves several fakes on one port.
    pub fn routes() -> Router {
        Self::router(Self::shared())
    }

    /// The Bot API base URL (`https://api.telegram.org` in production).
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// The next calls fail with these statuses (and `retry_after` seconds for 429), one per call.
    pub fn fail_next(&self, failures: &[(u16, Option<u64>)]) {
        self.shared.lock().unwrap().fail.extend(failures.iter().copied());
    }

    /// Whether the bot's token is revoked (BotFather's /revoke): every call is then 401.
    pub fn set_revoked(&self, revoked: bool) {
        self.shared.lock().unwrap().revoked = revoked;
    }

    /// Whether the bot may post to the channel (an administrator with `can_post_messages`).
    pub fn set_can_post(&self, can: bool) {
        self.shared.lock().unwrap().can_post = can;
    }

    /// The videos posted so far.
    pub fn posts(&self) -> Vec<Post> {
        self.shared.lock().unwrap().posts.clone()
    }
}
