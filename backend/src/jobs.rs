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

/// The `source_url` prefix that marks a demo video: the worker generates its sample (a short talk in the language
/// that follows, `demo:sample:ru`) instead of fetching anything.
pub const DEMO_SOURCE: &str = "demo:sample";

/// The `source_url` of a demo video whose talk is in `lang`.
pub fn demo_source(lang: domain::Lang) -> String {
    format!("{DEMO_SOURCE}:{}", lang.code())
}

/// The language of the demo's talk when `source_url` marks a demo (a bare `demo:sample`, from before the talk had a
/// language, is Russian); `None` for anything else.
pub fn demo_lang(source_url: &str) -> Option<domain::Lang> {
    match source_url.strip_prefix(DEMO_SOURCE)? {
        "" => Some(domain::Lang::Ru),
        rest => rest.strip_prefix(':').and_then(domain::Lang::from_code),
    }
}

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

/// Builds a video's timeline media for the clip editor (waveform peaks and a filmstrip of sprite sheets, see
/// [`domain::timeline`]), stored next to the source. Runs beside transcription on the FFmpeg queue; its failure costs
/// the editor its waveform, never the video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildTimeline {
    /// The video.
    pub video_id: Uuid,
}

impl Job for BuildTimeline {
    const NAME: &'static str = "build-timeline";
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

/// One billing cron pass ([`crate::billing::cron`]): renewals, reminders and downgrades (seed 000 §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingCron {
    /// The cron tick (RFC 3339) that enqueued it.
    pub tick: String,
}

impl Job for BillingCron {
    const NAME: &'static str = "billing-cron";
    const QUEUE: QueueName = QueueName::BillingCron;
}

/// Posts one publication to its platform ([`crate::publish::run`]); its subject is the publication, so one job at a
/// time works on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishClip {
    /// The publication.
    pub publication_id: Uuid,
}

impl Job for PublishClip {
    const NAME: &'static str = "publish";
    const QUEUE: QueueName = QueueName::Publish;
}

#[cfg(test)]
mod tests {
    use domain::Lang;

    use super::*;

    #[test]
    fn demo_sources_carry_the_talk_language() {
        assert_eq!(demo_source(Lang::Ru), "demo:sample:ru");
        assert_eq!(demo_lang(&demo_source(Lang::En)), Some(Lang::En));
        assert_eq!(demo_lang("demo:sample"), Some(Lang::Ru), "older demos were Russian");
        assert_eq!(demo_lang("demo:sample:de"), None);
        assert_eq!(demo_lang("https://example.com/demo:sample"), None);
    }
}

/// One pass of the stats collector ([`crate::publish::collect_stats`]): samples the counters of recent published posts
/// on platforms that report them. Enqueued every six hours by the worker's cron (priority 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectStats {
    /// The cron tick (RFC 3339) that enqueued it.
    pub tick: String,
}

impl Job for CollectStats {
    const NAME: &'static str = "collect-stats";
    const QUEUE: QueueName = QueueName::StatsCollector;
}
