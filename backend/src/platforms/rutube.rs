//! A small Rutube API client: every call carries `Authorization: Token <token>`; a video is created from a URL Rutube
//! downloads it from (a presigned link to the clip), then read until processed. Errors are HTTP statuses with a
//! Django REST `{"detail": …}` body, read into [`PlatformError`] by [`domain::publish::http_refusal`] (a 429's
//! `Retry-After` header included). The token is only ever in a header, never logged or returned.

use std::time::Duration;

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::PlatformError;

/// Rutube's "other" category, where clips go unless the creator moves them.
const CATEGORY_OTHER: u32 = 13;

/// A video as Rutube describes it (the fields we keep).
#[derive(Debug, Clone, Deserialize)]
pub struct RutubeVideo {
    /// 32 hex digits.
    pub id: String,
    /// Its public page.
    pub video_url: String,
    /// `null` while Rutube still processes the upload.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Views.
    #[serde(default)]
    pub hits: i64,
    /// Deleted by its owner.
    #[serde(default)]
    pub is_deleted: bool,
    /// Who uploaded it.
    #[serde(default)]
    pub author: Option<Author>,
}

impl RutubeVideo {
    /// Whether processing has finished and the video plays.
    pub fn ready(&self) -> bool {
        self.duration.is_some()
    }
}

/// A video's author (the channel).
#[derive(Debug, Clone, Deserialize)]
pub struct Author {
    /// The channel's name.
    pub name: String,
}

#[derive(Deserialize)]
struct Page {
    results: Vec<RutubeVideo>,
}

#[derive(Deserialize)]
struct Created {
    video_id: String,
}

/// Rutube's API at `base` (`https://rutube.ru`).
#[derive(Clone)]
pub struct Rutube {
    http: reqwest::Client,
    base: String,
}

impl Rutube {
    /// A client of the API at `base`.
    pub fn new(base: &str) -> Rutube {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .expect("HTTP client");
        Rutube { http, base: base.trim_end_matches('/').to_owned() }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        request: impl FnOnce(&reqwest::Client, String) -> reqwest::RequestBuilder,
    ) -> Result<T, PlatformError> {
        let response = request(&self.http, format!("{}{path}", self.base))
            .header("Authorization", format!("Token {token}"))
            .send()
            .await
            .map_err(|e| PlatformError::Unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response.bytes().await.map_err(|e| PlatformError::Unreachable(e.without_url().to_string()))?;
        if !(200..300).contains(&status) {
            // `{"detail": "…"}`, or a field's list of errors (`{"url": ["…"]}`) on a 400.
            let text = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| match v.get("detail").and_then(Value::as_str) {
                    Some(d) => Some(d.to_owned()),
                    None => v.as_object().map(|o| {
                        o.iter()
                            .map(|(k, v)| format!("{k}: {}", v.as_array().and_then(|a| a.first()).unwrap_or(v)))
                            .collect::<Vec<_>>()
                            .join("; ")
                    }),
                })
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(PlatformError::refused(domain::publish::http_refusal(status, retry_after), text));
        }
        serde_json::from_slice(&body).map_err(|e| PlatformError::Malformed(format!("Rutube {path}: {e}")))
    }

    /// The token's channel name (from its latest video; "Rutube" for a channel with none yet). A refused token is
    /// `Refusal::Reconnect`.
    pub async fn me(&self, token: &str) -> Result<String, PlatformError> {
        let page: Page = self.call(token, "/api/video/person/", |c, url| c.get(url)).await?;
        Ok(page.results.into_iter().find_map(|v| v.author).map_or_else(|| "Rutube".to_owned(), |a| a.name))
    }

    /// Creates a public video Rutube downloads from `url`; returns its id.
    pub async fn create(
        &self,
        token: &str,
        url: &str,
        title: &str,
        description: &str,
    ) -> Result<String, PlatformError> {
        let body = json!({
            "url": url,
            "title": title,
            "description": description,
            "is_hidden": 0,
            "category_id": CATEGORY_OTHER,
        });
        let created: Created = self.call(token, "/api/video/", |c, u| c.post(u).json(&body)).await?;
        Ok(created.video_id)
    }

    /// One video.
    pub async fn video(&self, token: &str, id: &str) -> Result<RutubeVideo, PlatformError> {
        if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PlatformError::Malformed(format!("not a Rutube video id: {id:?}")));
        }
        self.call(token, &format!("/api/video/{id}/"), |c, url| c.get(url)).await
    }
}
