//! Videos as the UI shows them, and the live events that update them.

use serde::{Deserialize, Serialize};

use crate::VideoStatus;

/// Processing stages a job reports, as stored in `videos.stage`. The UI translates them.
pub mod stage {
    /// Waiting for a worker.
    pub const QUEUED: &str = "queued";
    /// Producing the demo's sample video.
    pub const GENERATING: &str = "generating";
    /// Storing the file in object storage.
    pub const UPLOADING: &str = "uploading";
    /// Reading the stored file's duration and streams with ffprobe.
    pub const PROBING: &str = "probing";
    /// Fetching the video from its URL.
    pub const DOWNLOADING: &str = "downloading";
    /// Stored and checked; waiting for transcription.
    pub const WAITING_STT: &str = "waiting_stt";
    /// Taking the sound track out of the video for speech recognition.
    pub const EXTRACTING_AUDIO: &str = "extracting_audio";
    /// Speech recognition is running (progress = share of the audio done).
    pub const RECOGNIZING: &str = "recognizing";
    /// Transcribed; waiting for the analysis that picks the clips.
    pub const WAITING_ANALYSIS: &str = "waiting_analysis";
    /// Choosing and scoring the moments.
    pub const SELECTING: &str = "selecting";
    /// Clips chosen; waiting for rendering.
    pub const WAITING_RENDER: &str = "waiting_render";
    /// Rendering the clips (progress = share of the clips finished).
    pub const RENDERING: &str = "rendering";
    /// Every stage the UI knows.
    pub const ALL: [&str; 12] = [
        QUEUED,
        GENERATING,
        UPLOADING,
        PROBING,
        DOWNLOADING,
        WAITING_STT,
        EXTRACTING_AUDIO,
        RECOGNIZING,
        WAITING_ANALYSIS,
        SELECTING,
        WAITING_RENDER,
        RENDERING,
    ];
}

/// Videos per page of the list.
pub const PAGE_SIZE: usize = 24;

/// One video in the list, and the payload of its live updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoCard {
    /// The video's id (UUID).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Where it is in its lifecycle.
    pub status: VideoStatus,
    /// The running job's stage (see [`stage`]), if a job is working on it.
    pub stage: Option<String>,
    /// The running stage's progress, 0–100.
    pub progress: u8,
    /// Length in seconds once known.
    pub duration_seconds: Option<f64>,
    /// What went wrong, when `status` is failed.
    pub error: Option<crate::Failure>,
    /// Retention deleted its source and clips (the plan's storage days passed).
    #[serde(default)]
    pub expired: bool,
    /// It belongs to a team (what a member may do with it follows their role); false for a video made outside any
    /// team, which only its creator sees.
    #[serde(default)]
    pub shared: bool,
}

impl VideoCard {
    /// Whether no more work will happen on it.
    pub fn is_finished(&self) -> bool {
        matches!(self.status, VideoStatus::Completed | VideoStatus::Failed)
    }
}

/// One video on its own page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoDetail {
    /// What the list shows.
    pub card: VideoCard,
    /// Stored size in bytes.
    pub size_bytes: Option<i64>,
    /// MIME type of the source.
    pub mime_type: Option<String>,
    /// The link it was imported from.
    pub source_url: Option<String>,
    /// Whether the source can be played (`/api/videos/<id>/source`).
    pub playable: bool,
    /// Whether the caller may change or delete it (their own video, or a team role that edits).
    #[serde(default)]
    pub editable: bool,
    /// What transcription and analysis used, and whose keys paid.
    #[serde(default)]
    pub costs: crate::keys::VideoCosts,
}

/// What the server pushes to a signed-in browser over `/api/events` (one JSON object per event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A video of this user changed.
    Video(VideoCard),
    /// A clip of this user changed (rendering progress, ready, failed, edited).
    Clip(crate::analysis::ClipCard),
}

/// `m:ss` (or `h:mm:ss`) for a duration in seconds.
pub fn format_duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_format_like_a_player() {
        assert_eq!(format_duration(8.04), "0:08");
        assert_eq!(format_duration(61.6), "1:02");
        assert_eq!(format_duration(3725.0), "1:02:05");
        assert_eq!(format_duration(-3.0), "0:00");
    }

    #[test]
    fn live_events_are_tagged_json() {
        let e = LiveEvent::Video(VideoCard {
            id: "1".into(),
            title: "t".into(),
            status: VideoStatus::Downloading,
            stage: Some(stage::PROBING.into()),
            progress: 40,
            duration_seconds: None,
            error: None,
            expired: false,
            shared: false,
        });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "video");
        assert_eq!(json["status"], "downloading");
        assert_eq!(serde_json::from_value::<LiveEvent>(json).unwrap(), e);
    }
}
