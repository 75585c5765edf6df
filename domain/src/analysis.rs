//! What analysis produces for each clip candidate: bounds, the four virality scores, a title, a call to action and
//! a one-line reason. The LLM path and the local analyzer both produce these.

use serde::{Deserialize, Serialize};

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

/// A clip as the video page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipCard {
    /// The clip's id (UUID).
    pub id: String,
    /// Its status (`pending`, `rendering`, `ready`, `published`, `failed`).
    pub status: String,
    /// Bounds, scores and texts.
    pub candidate: ClipCandidate,
}
