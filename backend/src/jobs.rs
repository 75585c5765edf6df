//! Job payloads enqueued by the server and run by the worker. The handlers live in the `worker` crate; the types
//! live here so both sides agree on names, queues and fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::queue::{Job, QueueName};

/// The `downloading` stage of a video: bring its source into storage and validate it. The source is the browser's
/// completed upload, a URL to fetch (SSRF-checked, size-capped), or the demo's generated sample. The stored file must
/// be media ffprobe can read, and its length must fit the owner's remaining minutes. Then the video moves on
/// (`transcribing`; the demo, which has no pipeline yet, ends `completed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchSource {
    /// The video.
    pub video_id: Uuid,
}

impl Job for FetchSource {
    const NAME: &'static str = "fetch-source";
    const QUEUE: QueueName = QueueName::Download;
}

/// The `source_url` that marks a demo video: the worker generates its sample instead of fetching anything.
pub const DEMO_SOURCE: &str = "demo:sample";

/// The `transcribing` stage: extract the audio, run speech-to-text (local Whisper by default, the transcription APIs
/// when configured), store the transcript, charge the minutes once, then hand the video to analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcribe {
    /// The video.
    pub video_id: Uuid,
}

impl Job for Transcribe {
    const NAME: &'static str = "transcribe";
    const QUEUE: QueueName = QueueName::Stt;
}

/// The `analyzing` stage: pick the moments, score them and store them as pending clips, then queue their renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analyze {
    /// The video.
    pub video_id: Uuid,
}

impl Job for Analyze {
    const NAME: &'static str = "analyze";
    const QUEUE: QueueName = QueueName::LlmAnalyze;
}

/// Renders one clip: trim, reframe to 9:16, burn in the captions (and the watermark on Free), encode, thumbnail,
/// store; the clip becomes ready or failed and its video completes when no clip is left to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderClip {
    /// The clip.
    pub clip_id: Uuid,
}

impl Job for RenderClip {
    const NAME: &'static str = "render-clip";
    const QUEUE: QueueName = QueueName::VideoRender;
}

/// The daily retention pass ([`crate::retention`]), enqueued by the worker's cron.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleanup {
    /// The cron tick (RFC 3339) that enqueued it.
    pub tick: String,
}

impl Job for Cleanup {
    const NAME: &'static str = "cleanup";
    const QUEUE: QueueName = QueueName::Cleanup;
}
