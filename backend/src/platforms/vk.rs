//! A small VK API client: `POST {base}/<method>` with the form fields `access_token`, `v` and the method's
//! parameters; replies `{"response": …}` or, with HTTP 200, `{"error": {"error_code", "error_msg"}}`, read into
//! [`PlatformError`] by [`domain::publish::vk_refusal`] (5 → reconnect, 6 and 9 → wait, 15 → no rights). A video is
//! published in three steps: `video.save` names it and returns an upload URL, the file goes there as multipart
//! `video_file`, and `video.get` says `processing: 1` until VK has converted it. The token only ever travels in a
//! form body, never in a URL or a log line.

use std::time::Duration;

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use super::PlatformError;

/// The API version every call names.
pub const API_VERSION: &str = "5.199";

/// A VK user (`users.get`).
#[derive(Debug, Clone, Deserialize)]
pub struct VkUser {
    /// The user id.
    pub id: i64,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
}

/// A community the user manages (`groups.get` with `extended=1`).
#[derive(Debug, Clone, Deserialize)]
pub struct VkGroup {
    /// The community id (positive; videos there have owner id `-id`).
    pub id: i64,
    /// Its name.
    pub name: String,
}

#[derive(Deserialize)]
struct Groups {
    items: Vec<VkGroup>,
}

/// What `video.save` returns.
#[derive(Debug, Clone, Deserialize)]
pub struct Saved {
    /// Where the file goes.
    pub upload_url: String,
    /// The new video's id.
    pub video_id: i64,
    /// Its owner (the user, or minus the community).
    pub owner_id: i64,
}

/// A counter object (`{"count": N}`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Count {
    /// The count.
    #[serde(default)]
    pub count: i64,
}

/// A video (`video.get`), with the fields we keep.
#[derive(Debug, Clone, Deserialize)]
pub struct VkVideo {
    /// Its id.
    pub id: i64,
    /// Its owner.
    pub owner_id: i64,
    /// 1 while VK still converts the upload.
    #[serde(default)]
    pub processing: Option<u8>,
    /// Views.
    #[serde(default)]
    pub views: i64,
    /// Comments.
    #[serde(default)]
    pub comments: i64,
    /// Likes.
    #[serde(default)]
    pub likes: Count,
    /// Reposts.
    #[serde(default)]
    pub reposts: Count,
}

#[derive(Deserialize)]
struct Videos {
    items: Vec<VkVideo>,
}

#[derive(Deserialize)]
struct ApiError {
    error_code: i64,
    #[serde(default)]
    error_msg: String,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    response: Option<Value>,
    #[serde(default)]
    error: Option<ApiError>,
}

#[derive(Deserialize)]
struct Uploaded {
    #[serde(default)]
    video_id: Option<i64>,
    #[serde(default)]
    error: Option<Value>,
}

/// VK's API at `base` (`https://api.vk.com/method`).
#[derive(Clone)]
pub struct Vk {
    http: reqwest::Client,
    base: String,
}

impl Vk {
    /// A client of the API at `base`; uploads may take minutes.
    pub fn new(base: &str) -> Vk {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(600))
            .build()
            .expect("HTTP client");
        Vk { http, base: base.trim_end_matches('/').to_owned() }
    }

    /// Sends `request` and returns the status and body; transport failures are `Unreachable`, and a 5xx without a
    /// readable body is a refusal to retry later.
    async fn send(&self, request: reqwest::RequestBuilder, what: &str) -> Result<bytes::Bytes, PlatformError> {
        let response = request.send().await.map_err(|e| PlatformError::Unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| PlatformError::Unreachable(e.without_url().to_string()))?;
        if !(200..300).contains(&status) && serde_json::from_slice::<Value>(&body).is_err() {
            return Err(PlatformError::refused(
                domain::publish::http_refusal(status, None),
                format!("VK {what}: HTTP {status}"),
            ));
        }
        Ok(body)
    }

    /// Calls API `method` with `params`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        token: &str,
        method: &str,
        params: &[(&str, String)],
    ) -> Result<T, PlatformError> {
        let mut form: Vec<(&str, String)> = vec![("access_token", token.to_owned()), ("v", API_VERSION.to_owned())];
        form.extend(params.iter().cloned());
        let body = self.send(self.http.post(format!("{}/{method}", self.base)).form(&form), method).await?;
        let reply: Reply = serde_json::from_slice(&body)
            .map_err(|e| PlatformError::Malformed(format!("VK {method}: not an API reply: {e}")))?;
        if let Some(e) = reply.error {
            return Err(PlatformError::refused(domain::publish::vk_refusal(e.error_code), e.error_msg));
        }
        let response = reply.response.ok_or_else(|| PlatformError::Malformed(format!("VK {method}: no response")))?;
        serde_json::from_value(response).map_err(|e| PlatformError::Malformed(format!("VK {method}: {e}")))
    }

    /// The token's user.
    pub async fn me(&self, token: &str) -> Result<VkUser, PlatformError> {
        let users: Vec<VkUser> = self.call(token, "users.get", &[]).await?;
        users.into_iter().next().ok_or_else(|| PlatformError::Malformed("VK users.get: no user".into()))
    }

    /// The communities the user administers or edits (where they may upload video).
    pub async fn editor_groups(&self, token: &str) -> Result<Vec<VkGroup>, PlatformError> {
        let groups: Groups =
            self.call(token, "groups.get", &[("filter", "admin,editor".into()), ("extended", "1".into())]).await?;
        Ok(groups.items)
    }

    /// `video.save`: a new video on the user's page (`group` is `None`) or in community `group`.
    pub async fn save(
        &self,
        token: &str,
        group: Option<i64>,
        name: &str,
        description: &str,
    ) -> Result<Saved, PlatformError> {
        let mut params =
            vec![("name", name.to_owned()), ("description", description.to_owned()), ("wallpost", "0".into())];
        if let Some(g) = group {
            params.push(("group_id", g.to_string()));
        }
        self.call(token, "video.save", &params).await
    }

    /// Uploads the file to the URL `video.save` returned; returns the video id VK confirms.
    pub async fn upload_file(&self, upload_url: &str, file: Vec<u8>) -> Result<i64, PlatformError> {
        let part = reqwest::multipart::Part::bytes(file)
            .file_name("clip.mp4")
            .mime_str("video/mp4")
            .map_err(|e| PlatformError::Malformed(format!("multipart part: {e}")))?;
        let form = reqwest::multipart::Form::new().part("video_file", part);
        let body = self.send(self.http.post(upload_url).multipart(form), "upload").await?;
        let reply: Uploaded = serde_json::from_slice(&body)
            .map_err(|e| PlatformError::Malformed(format!("VK upload: unreadable reply: {e}")))?;
        match (reply.video_id, reply.error) {
            (Some(id), None) => Ok(id),
            (_, error) => Err(PlatformError::refused(
                domain::publish::Refusal::Rejected,
                format!("VK refused the upload: {}", error.unwrap_or(Value::Null)),
            )),
        }
    }

    /// One video by its `<owner>_<id>`; `None` when VK does not list it (deleted, or not uploaded).
    pub async fn video(&self, token: &str, full_id: &str) -> Result<Option<VkVideo>, PlatformError> {
        let videos: Videos = self.call(token, "video.get", &[("videos", full_id.to_owned())]).await?;
        Ok(videos.items.into_iter().next())
    }
}
