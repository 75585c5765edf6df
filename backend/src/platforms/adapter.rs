//! One adapter per platform behind [`PlatformAdapter`]: upload a clip, wait until the platform has processed it, and
//! read a post's counters. Every call an adapter makes passes the throttles every worker shares (Redis) and rides out
//! short waits the platform asks for ([`patiently`]).

use std::{future::Future, time::Duration};

use domain::{Platform, TextEnum as _, publish::Refusal};

use super::{PlatformError, rutube, telegram, vk};
use crate::AppState;

/// The longest wait for a platform's `retry_after` inside one job; longer waits fail the attempt instead.
pub const LONGEST_INLINE_WAIT: Duration = Duration::from_secs(120);
/// How many refusals with a wait one attempt rides out.
const INLINE_RETRIES: u32 = 5;

/// A post the platform has accepted: its id there and its public link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The platform's id for it.
    pub id: String,
    /// Its public link.
    pub url: String,
}

/// A post's counters as the platform reports them (cumulative).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Views.
    pub views: i64,
    /// Likes.
    pub likes: i64,
    /// Shares (reposts).
    pub shares: i64,
    /// Comments.
    pub comments: i64,
}

/// The clip to upload.
pub struct ClipUpload<'a> {
    /// Its object key in storage.
    pub file_key: &'a str,
    /// The object key of its small thumbnail (`clips::post_thumbnail_key`; may not exist for older renders).
    pub thumbnail_key: &'a str,
    /// Its length in seconds.
    pub duration: f64,
    /// Its title (empty for Telegram, where everything is the caption).
    pub title: &'a str,
    /// Its description or caption, hashtags included.
    pub body: &'a str,
}

/// What publishing needs from a platform.
pub trait PlatformAdapter {
    /// Uploads the clip; returns the post's id and link the moment the platform knows them (it may still be
    /// processing the video).
    fn upload(&self, clip: &ClipUpload<'_>) -> impl Future<Output = Result<Posted, PlatformError>> + Send;

    /// Waits until the uploaded post `id` is processed and public.
    fn wait_ready(&self, id: &str) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// The counters of post `id`; `None` where the platform does not expose them (Telegram's Bot API).
    fn stats(&self, id: &str) -> impl Future<Output = Result<Option<Counts>, PlatformError>> + Send;
}

/// Waits until every throttle of a call to `platform` (for `channel`) lets it through.
pub async fn throttle(state: &AppState, platform: Platform, channel: &str) {
    for t in domain::publish::throttles(platform, Some(channel)) {
        let limit = crate::ratelimit::Limit { name: t.name, max: t.limit, window: Duration::from_millis(t.window_ms) };
        while let Some(wait) = crate::ratelimit::over(&state.redis, &limit, &t.subject).await {
            tokio::time::sleep(wait.min(Duration::from_secs(5))).await;
        }
    }
}

/// Makes `call` under the platform's shared throttles, waiting out up to five rate-limit refusals of at most
/// [`LONGEST_INLINE_WAIT`] each; any other outcome is returned as it is.
pub async fn patiently<T, F, Fut>(
    state: &AppState,
    platform: Platform,
    channel: &str,
    mut call: F,
) -> Result<T, PlatformError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, PlatformError>>,
{
    let mut waits = 0;
    loop {
        throttle(state, platform, channel).await;
        match call().await {
            Err(PlatformError::Refused { refusal: Refusal::RateLimited { after_secs }, .. })
                if waits < INLINE_RETRIES && Duration::from_secs(after_secs) <= LONGEST_INLINE_WAIT =>
            {
                waits += 1;
                tracing::info!(platform = platform.as_str(), after_secs, "the platform asked to wait");
                tokio::time::sleep(Duration::from_secs(after_secs)).await;
            }
            other => return other,
        }
    }
}

/// The largest thumbnail the Bot API takes with a video.
const TELEGRAM_MAX_THUMBNAIL_BYTES: i64 = 200 * 1024;

/// Reads an object (a clip's file, its thumbnail) from storage into memory (the Bot API and VK take the bytes).
async fn clip_bytes(state: &AppState, key: &str) -> Result<Vec<u8>, PlatformError> {
    let dir = std::env::temp_dir().join(format!("clipmaker-publish-{}", uuid::Uuid::new_v4().simple()));
    let read = async {
        tokio::fs::create_dir_all(&dir).await?;
        let path = dir.join("clip.mp4");
        state.storage.download_to_file(key, &path).await.map_err(std::io::Error::other)?;
        tokio::fs::read(&path).await
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    read.map_err(|e| PlatformError::Unreachable(format!("reading the clip: {e}")))
}

/// Telegram: `sendVideo` to the channel; the message exists (and is public) as soon as the call returns.
pub struct TelegramAdapter<'a> {
    /// Throttles and storage.
    pub state: &'a AppState,
    /// The bot token.
    pub token: &'a str,
    /// The channel's chat id.
    pub chat: &'a str,
}

impl PlatformAdapter for TelegramAdapter<'_> {
    async fn upload(&self, clip: &ClipUpload<'_>) -> Result<Posted, PlatformError> {
        let file = clip_bytes(self.state, clip.file_key).await?;
        // The small thumbnail goes along when the render made one that fits the Bot API's limits.
        let thumbnail = match self.state.storage.size(clip.thumbnail_key).await {
            Ok(Some(n)) if n <= TELEGRAM_MAX_THUMBNAIL_BYTES => clip_bytes(self.state, clip.thumbnail_key).await.ok(),
            _ => None,
        };
        let api = telegram::Telegram::new(&self.state.config.platforms.telegram_api_url);
        let message = patiently(self.state, Platform::Telegram, self.chat, || {
            let video = telegram::Video {
                file: file.clone(),
                thumbnail: thumbnail.clone(),
                caption: clip.body.to_owned(),
                width: 1080,
                height: 1920,
                duration: clip.duration.round() as u32,
            };
            let api = &api;
            async move { api.send_video(self.token, self.chat, video).await }
        })
        .await?;
        Ok(Posted {
            id: message.message_id.to_string(),
            url: domain::publish::telegram_link(message.chat.username.as_deref(), message.chat.id, message.message_id),
        })
    }

    async fn wait_ready(&self, _id: &str) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn stats(&self, _id: &str) -> Result<Option<Counts>, PlatformError> {
        // The Bot API does not tell a bot how many times a channel post was viewed.
        Ok(None)
    }
}

/// Rutube: the video is created from a presigned link to the clip (Rutube downloads it), then read until processed.
pub struct RutubeAdapter<'a> {
    /// Throttles, storage and the poll interval.
    pub state: &'a AppState,
    /// The API token.
    pub token: &'a str,
}

impl RutubeAdapter<'_> {
    fn api(&self) -> rutube::Rutube {
        rutube::Rutube::new(&self.state.config.platforms.rutube_api_url)
    }

    async fn video(&self, id: &str) -> Result<rutube::RutubeVideo, PlatformError> {
        let api = self.api();
        patiently(self.state, Platform::Rutube, "all", || api.video(self.token, id)).await
    }
}

impl PlatformAdapter for RutubeAdapter<'_> {
    async fn upload(&self, clip: &ClipUpload<'_>) -> Result<Posted, PlatformError> {
        // Long enough for Rutube's queue to reach the download even when it is busy.
        let url = self
            .state
            .storage
            .presign_read(clip.file_key, Duration::from_secs(6 * 3600))
            .await
            .map_err(|e| PlatformError::Unreachable(format!("signing the clip's link: {e:#}")))?;
        let api = self.api();
        let id = patiently(self.state, Platform::Rutube, "all", || api.create(self.token, &url, clip.title, clip.body))
            .await?;
        Ok(Posted { url: domain::publish::rutube_link(&id), id })
    }

    async fn wait_ready(&self, id: &str) -> Result<(), PlatformError> {
        let config = &self.state.config.platforms;
        for _ in 0..config.poll_tries {
            let video = self.video(id).await?;
            if video.is_deleted {
                return Err(PlatformError::refused(Refusal::Rejected, "the video was deleted on Rutube"));
            }
            if video.ready() {
                return Ok(());
            }
            tokio::time::sleep(config.poll).await;
        }
        Err(PlatformError::Unreachable("Rutube is still processing the video".into()))
    }

    async fn stats(&self, id: &str) -> Result<Option<Counts>, PlatformError> {
        // Rutube's public API reports views; it has no like, repost or comment counters.
        let video = self.video(id).await?;
        Ok(Some(Counts { views: video.hits, ..Counts::default() }))
    }
}

/// VK: `video.save` on the page or community, the file to the upload URL it returns, then `video.get` until VK has
/// converted it. Post ids are `<owner>_<video>`.
pub struct VkAdapter<'a> {
    /// Throttles, storage and the poll interval.
    pub state: &'a AppState,
    /// The access token (fresh: see `platforms::access`).
    pub token: &'a str,
    /// Where posts go: the user's id, or minus a community's.
    pub target: &'a str,
}

impl VkAdapter<'_> {
    fn api(&self) -> vk::Vk {
        vk::Vk::new(&self.state.config.platforms.vk_api_url)
    }

    async fn video(&self, id: &str) -> Result<vk::VkVideo, PlatformError> {
        let api = self.api();
        patiently(self.state, Platform::Vk, "all", || api.video(self.token, id))
            .await?
            .ok_or_else(|| PlatformError::refused(Refusal::Rejected, "the video is not on VK (deleted?)"))
    }
}

impl PlatformAdapter for VkAdapter<'_> {
    async fn upload(&self, clip: &ClipUpload<'_>) -> Result<Posted, PlatformError> {
        let group = self.target.parse::<i64>().ok().filter(|o| *o < 0).map(|o| -o);
        let file = clip_bytes(self.state, clip.file_key).await?;
        let api = self.api();
        let saved =
            patiently(self.state, Platform::Vk, "all", || api.save(self.token, group, clip.title, clip.body)).await?;
        let video_id = api.upload_file(&saved.upload_url, file).await?;
        let id = format!("{}_{video_id}", saved.owner_id);
        Ok(Posted { url: domain::publish::vk_link(&id), id })
    }

    async fn wait_ready(&self, id: &str) -> Result<(), PlatformError> {
        let config = &self.state.config.platforms;
        for _ in 0..config.poll_tries {
            if self.video(id).await?.processing.unwrap_or(0) == 0 {
                return Ok(());
            }
            tokio::time::sleep(config.poll).await;
        }
        Err(PlatformError::Unreachable("VK is still processing the video".into()))
    }

    async fn stats(&self, id: &str) -> Result<Option<Counts>, PlatformError> {
        let v = self.video(id).await?;
        Ok(Some(Counts { views: v.views, likes: v.likes.count, shares: v.reposts.count, comments: v.comments }))
    }
}
