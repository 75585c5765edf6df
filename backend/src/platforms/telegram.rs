//! A small Telegram Bot API client: `POST {base}/bot<token>/<method>`, replies `{"ok": true, "result": …}` or
//! `{"ok": false, "error_code", "description", "parameters": {"retry_after"}}` read into [`PlatformError`]. The token
//! is part of every URL, so no URL (and no reqwest error that carries one) is ever logged or returned.

use std::time::Duration;

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use super::PlatformError;

/// The bot itself (`getMe`).
#[derive(Debug, Clone, Deserialize)]
pub struct BotUser {
    /// The bot's user id.
    pub id: i64,
    /// `@username` without the `@`.
    #[serde(default)]
    pub username: Option<String>,
    /// Its display name.
    pub first_name: String,
}

/// A chat (`getChat`).
#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    /// The numeric id (`-100…` for channels).
    pub id: i64,
    /// `channel`, `supergroup`, `group` or `private`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The title.
    #[serde(default)]
    pub title: Option<String>,
    /// The public `@username` without the `@`.
    #[serde(default)]
    pub username: Option<String>,
}

/// A member of a chat (`getChatMember`), with the one right that matters here.
#[derive(Debug, Clone, Deserialize)]
pub struct ChatMember {
    /// `creator`, `administrator`, `member`, `restricted`, `left` or `kicked`.
    pub status: String,
    /// For administrators of a channel: whether they may post.
    #[serde(default)]
    pub can_post_messages: Option<bool>,
}

impl ChatMember {
    /// Whether a bot with this membership may post to a channel.
    pub fn may_post(&self) -> bool {
        self.status == "creator" || (self.status == "administrator" && self.can_post_messages.unwrap_or(false))
    }
}

/// A sent message (the fields we keep).
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// Its id in the chat.
    pub message_id: i64,
    /// The chat.
    pub chat: Chat,
}

/// A video to send.
pub struct Video {
    /// The MP4 file.
    pub file: Vec<u8>,
    /// A JPEG thumbnail (at most 320 px and 200 kB for the Bot API).
    pub thumbnail: Option<Vec<u8>>,
    /// The caption.
    pub caption: String,
    /// Width, height and duration in whole seconds.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Duration.
    pub duration: u32,
}

/// The Bot API at `base` (`https://api.telegram.org`).
#[derive(Clone)]
pub struct Telegram {
    http: reqwest::Client,
    base: String,
}

#[derive(Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

impl Telegram {
    /// A client of the Bot API at `base`; uploads may take minutes.
    pub fn new(base: &str) -> Telegram {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .build()
            .expect("HTTP client");
        Telegram { http, base: base.trim_end_matches('/').to_owned() }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        token: &str,
        method: &str,
        request: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<T, PlatformError> {
        let url = format!("{}/bot{token}/{method}", self.base);
        let response = request(self.http.post(url))
            .send()
            .await
            .map_err(|e| PlatformError::Unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| PlatformError::Unreachable(e.without_url().to_string()))?;
        let Ok(reply) = serde_json::from_slice::<Reply>(&body) else {
            return Err(if status >= 500 {
                PlatformError::refused(domain::publish::telegram_refusal(status, None), format!("HTTP {status}"))
            } else {
                PlatformError::Malformed(format!("Telegram {method}: HTTP {status}, not a Bot API reply"))
            });
        };
        if !reply.ok {
            let code = reply.error_code.unwrap_or(status);
            let retry_after = reply.parameters.and_then(|p| p.retry_after);
            let text = reply.description.unwrap_or_else(|| format!("error {code}"));
            return Err(PlatformError::refused(domain::publish::telegram_refusal(code, retry_after), text));
        }
        let result = reply.result.unwrap_or(Value::Null);
        serde_json::from_value(result)
            .map_err(|e| PlatformError::Malformed(format!("Telegram {method}: unexpected result: {e}")))
    }

    /// `getMe`: who the token belongs to.
    pub async fn get_me(&self, token: &str) -> Result<BotUser, PlatformError> {
        self.call(token, "getMe", |r| r).await
    }

    /// `getChat`.
    pub async fn get_chat(&self, token: &str, chat: &str) -> Result<Chat, PlatformError> {
        self.call(token, "getChat", |r| r.json(&serde_json::json!({ "chat_id": chat }))).await
    }

    /// `getChatMember`.
    pub async fn get_chat_member(&self, token: &str, chat: &str, user_id: i64) -> Result<ChatMember, PlatformError> {
        self.call(token, "getChatMember", |r| r.json(&serde_json::json!({ "chat_id": chat, "user_id": user_id }))).await
    }

    /// `sendVideo` as multipart with the file, its thumbnail and its dimensions; `supports_streaming` on.
    pub async fn send_video(&self, token: &str, chat: &str, video: Video) -> Result<Message, PlatformError> {
        let mut form = reqwest::multipart::Form::new()
            .text("chat_id", chat.to_owned())
            .text("caption", video.caption)
            .text("supports_streaming", "true")
            .text("width", video.width.to_string())
            .text("height", video.height.to_string())
            .text("duration", video.duration.to_string())
            .part("video", file_part(video.file, "clip.mp4", "video/mp4")?);
        if let Some(thumb) = video.thumbnail {
            form = form.part("thumbnail", file_part(thumb, "thumbnail.jpg", "image/jpeg")?);
        }
        self.call(token, "sendVideo", |r| r.multipart(form)).await
    }
}

fn file_part(bytes: Vec<u8>, name: &'static str, mime: &str) -> Result<reqwest::multipart::Part, PlatformError> {
    reqwest::multipart::Part::bytes(bytes)
        .file_name(name)
        .mime_str(mime)
        .map_err(|e| PlatformError::Malformed(format!("multipart part: {e}")))
}
