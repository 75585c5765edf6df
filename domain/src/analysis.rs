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
    /// When the clip was chosen, RFC 3339.
    pub created_at: String,
}

impl ClipCard {
    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        self.candidate.end - self.candidate.start
    }

    /// Whether the rendered file can be played and downloaded.
    pub fn playable(&self) -> bool {
        matches!(self.status, ClipStatus::Ready | ClipStatus::Published)
    }

    /// The thumbnail's URL.
    pub fn thumbnail_url(&self) -> String {
        format!("/api/clips/{}/thumbnail", self.id)
    }

    /// The rendered file, streamed with HTTP Range for the player.
    pub fn stream_url(&self) -> String {
        format!("/api/clips/{}/stream", self.id)
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
