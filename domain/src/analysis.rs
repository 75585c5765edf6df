//! What analysis produces for each clip candidate: bounds, the four virality scores, a title, a call to action and
//! a one-line reason. The LLM path and the local analyzer both produce these.

use serde::{Deserialize, Serialize};

use crate::{ClipLayout, ClipStatus};

/// Virality scores, each 0–100, stored as `clips.virality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Virality {
    /// How strongly the first seconds grab attention.
    pub hook: u8,
    /// How much the passage speaks to and involves the viewer.
    pub engagement: u8,
    /// How well it flows and stands alone (pace, clean start and end).
    pub flow: u8,
    /// How central it is to what the video is about.
    pub trend: u8,
    /// The weighted total.
    pub total: u8,
}

/// One clip the analysis proposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipCandidate {
    /// Start, seconds (a word's start).
    pub start: f64,
    /// End, seconds (a word's end, or a little after it inside the following pause).
    pub end: f64,
    /// The scores.
    pub virality: Virality,
    /// A short title.
    pub title: String,
    /// A call to action.
    pub cta: String,
    /// Why it scored as it did, in one line.
    pub reason: String,
}

/// A clip as the pages show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipCard {
    /// The clip's id (UUID).
    pub id: String,
    /// The video it was cut from (UUID).
    pub video_id: String,
    /// Where rendering is.
    pub status: ClipStatus,
    /// Rendering progress, 0–100.
    pub progress: u8,
    /// Why rendering failed.
    pub error: Option<crate::Failure>,
    /// Bounds, scores and texts.
    pub candidate: ClipCandidate,
    /// Caption style preset id ([`crate::captions::PRESETS`]).
    pub subtitle_style: String,
    /// How the frame is reframed to 9:16.
    pub layout: ClipLayout,
    /// Whether a thumbnail is stored (`/api/clips/<id>/thumbnail`).
    pub has_thumbnail: bool,
    /// Whether a rendered file is stored: it plays and downloads, even while a new render is on its way.
    #[serde(default)]
    pub has_file: bool,
    /// Finished renders so far: the player and the thumbnail ask for the files again when it changes.
    #[serde(default)]
    pub revision: u32,
    /// When the clip was chosen, RFC 3339.
    pub created_at: String,
}

impl ClipCard {
    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        self.candidate.end - self.candidate.start
    }

    /// Whether a rendered file can be played and downloaded (the previous one while the clip renders again).
    pub fn playable(&self) -> bool {
        self.has_file
    }

    /// The thumbnail's URL (of this revision).
    pub fn thumbnail_url(&self) -> String {
        format!("/api/clips/{}/thumbnail?r={}", self.id, self.revision)
    }

    /// The rendered file of this revision, streamed with HTTP Range for the player.
    pub fn stream_url(&self) -> String {
        format!("/api/clips/{}/stream?r={}", self.id, self.revision)
    }

    /// The clip editor's page.
    pub fn editor_url(&self) -> String {
        format!("/clips/{}/edit", self.id)
    }
}

/// One clip on its own page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipDetail {
    /// The clip.
    pub card: ClipCard,
    /// The title of the video it comes from.
    pub video_title: String,
    /// Whether the caller may edit and re-render it (their own clip, or a team role that edits).
    #[serde(default)]
    pub editable: bool,
}

/// What the clip editor opens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    /// The clip.
    pub card: ClipCard,
    /// The title of its video.
    pub video_title: String,
    /// The saved edit (an unedited clip: its range, nothing cut).
    pub edit: crate::edit::ClipEdit,
    /// Every word of the video's transcript (the edit's word indices point into it).
    pub words: Vec<crate::transcript::Word>,
    /// The transcript's language (filler words).
    pub language: String,
    /// The source's length, seconds.
    pub source_seconds: f64,
    /// The longest clip the plan allows, seconds.
    pub max_clip_seconds: f64,
    /// The waveform and filmstrip, once built.
    pub timeline: Option<crate::timeline::TimelineAssets>,
    /// Whether the caller may save (a team viewer opens it read-only).
    pub editable: bool,
}

impl EditorData {
    /// The source for the preview player.
    pub fn source_url(&self) -> String {
        format!("/api/videos/{}/source", self.card.video_id)
    }

    /// A timeline file (`peaks.u8`, a sprite sheet).
    pub fn timeline_url(&self, name: &str) -> String {
        format!("/api/videos/{}/timeline/{name}", self.card.video_id)
    }
}

/// How the Clips page orders clips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ClipSort {
    /// Highest virality total first.
    #[default]
    Score,
    /// Newest first.
    Newest,
}

impl ClipSort {
    /// Both orders, the default first.
    pub const ALL: [ClipSort; 2] = [ClipSort::Score, ClipSort::Newest];

    /// The name used in the page's query string.
    pub fn as_str(self) -> &'static str {
        match self {
            ClipSort::Score => "score",
            ClipSort::Newest => "newest",
        }
    }

    /// Reads the query-string name; unknown names give the default.
    pub fn parse(s: &str) -> ClipSort {
        ClipSort::ALL.into_iter().find(|o| o.as_str() == s).unwrap_or_default()
    }
}
