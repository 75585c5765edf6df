//! The clip editor's rules, shared by the browser (the timeline and the preview) and the worker (the render), so what
//! the creator sees is what gets burned in.
//!
//! A clip's edit ([`ClipEdit`]) is a range of the source plus the words cut out of it, corrected word texts, caption
//! line breaks and the caption look. Everything else is derived: the [`segments`] the clip plays (the range minus the
//! cut words), the caption lines ([`caption_lines`]) in the output's time, the snapping points for the handles
//! ([`snap_points`], [`snap`]), the range limits ([`Limits`]), the timeline's time ↔ pixel mapping ([`Viewport`]) and
//! the undo stack ([`History`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{
    captions::{self, CaptionStyle, Line, Position},
    transcript::Word,
};

/// The shortest clip range, seconds.
pub const MIN_CLIP_SECONDS: f64 = 15.0;
/// Pieces of a clip shorter than this (about one frame) are dropped rather than rendered.
pub const MIN_SEGMENT_SECONDS: f64 = 0.04;
/// The audio fade in and out at every cut, seconds (long enough to avoid a click, too short to hear).
pub const CUT_FADE_SECONDS: f64 = 0.005;
/// How close (seconds) a handle must come to a word boundary or a silence to snap to it, at a zoom where
/// `px_per_s` pixels make a second: 8 pixels.
pub fn snap_tolerance(px_per_s: f64) -> f64 {
    (8.0 / px_per_s.max(1e-6)).min(2.0)
}

/// A stretch of the source, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Start.
    pub start: f64,
    /// End (after `start`).
    pub end: f64,
}

impl Span {
    /// Its length.
    pub fn len(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() <= 0.0
    }
}

/// The caption look a creator chose on top of a preset. `None` keeps the preset's value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaptionLook {
    /// The preset id ([`captions::PRESETS`]); empty: the clip's stored style.
    #[serde(default)]
    pub preset: String,
    /// Font size in pixels on the 1080×1920 frame (32–140).
    #[serde(default)]
    pub size: Option<u32>,
    /// Where the line sits.
    #[serde(default)]
    pub position: Option<Position>,
    /// Text colour, `0xRRGGBB`.
    #[serde(default)]
    pub colour: Option<u32>,
    /// Highlight colour of the spoken word, `0xRRGGBB`.
    #[serde(default)]
    pub highlight: Option<u32>,
}

/// The smallest and largest caption size a creator may pick.
pub const CAPTION_SIZES: std::ops::RangeInclusive<u32> = 32..=140;

impl CaptionLook {
    /// The preset with these overrides applied (sizes clamped to [`CAPTION_SIZES`]).
    pub fn style(&self, stored: &str) -> CaptionStyle {
        let preset = if self.preset.is_empty() { stored } else { &self.preset };
        let mut style = *CaptionStyle::get(preset);
        if let Some(size) = self.size {
            style.size = size.clamp(*CAPTION_SIZES.start(), *CAPTION_SIZES.end());
        }
        if let Some(position) = self.position {
            style.position = position;
        }
        if let Some(colour) = self.colour {
            style.colour = colour & 0xFF_FFFF;
        }
        if let Some(highlight) = self.highlight {
            style.highlight = Some(highlight & 0xFF_FFFF);
        }
        style
    }
}

/// Everything the editor changes about a clip. Word indices are positions in the transcript's word list
/// ([`crate::transcript::Transcript::words`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipEdit {
    /// Start of the range in the source, seconds.
    pub start: f64,
    /// End of the range in the source, seconds.
    pub end: f64,
    /// Words cut out of the clip.
    #[serde(default)]
    pub cut: BTreeSet<usize>,
    /// Corrected text of words (a misheard word fixed).
    #[serde(default)]
    pub fixes: BTreeMap<usize, String>,
    /// Caption lines forced to start at these words.
    #[serde(default)]
    pub breaks: BTreeSet<usize>,
    /// Words that never start a caption line (a line merged into the one before).
    #[serde(default)]
    pub joins: BTreeSet<usize>,
    /// The caption look.
    #[serde(default)]
    pub captions: CaptionLook,
}

impl ClipEdit {
    /// An unedited clip over `start..end`.
    pub fn new(start: f64, end: f64) -> ClipEdit {
        ClipEdit {
            start,
            end,
            cut: BTreeSet::new(),
            fixes: BTreeMap::new(),
            breaks: BTreeSet::new(),
            joins: BTreeSet::new(),
            captions: CaptionLook::default(),
        }
    }

    /// The range as a span.
    pub fn range(&self) -> Span {
        Span { start: self.start, end: self.end }
    }

    /// A word's text after the creator's correction.
    pub fn text<'a>(&'a self, index: usize, word: &'a Word) -> &'a str {
        self.fixes.get(&index).map_or(word.text.as_str(), |t| t.as_str())
    }

    /// Splits the caption line before word `index` (it starts a line).
    pub fn split_line_at(&mut self, index: usize) {
        self.joins.remove(&index);
        self.breaks.insert(index);
    }

    /// Merges the line starting at word `index` into the line before.
    pub fn merge_line_at(&mut self, index: usize) {
        self.breaks.remove(&index);
        self.joins.insert(index);
    }
}

/// What a clip's range may be: inside the source, at least [`MIN_CLIP_SECONDS`] (or the whole source when shorter),
/// at most the plan's longest clip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The source's length, seconds.
    pub source: f64,
    /// The shortest range.
    pub min: f64,
    /// The longest range.
    pub max: f64,
}

impl Limits {
    /// The limits for a source of `source` seconds on a plan whose clips run at most `max` seconds.
    pub fn new(source: f64, max: f64) -> Limits {
        let source = if source.is_finite() { source.max(0.0) } else { 0.0 };
        let max = max.min(source).max(0.0);
        Limits { source, min: MIN_CLIP_SECONDS.min(max), max }
    }

    /// Moves the start to `t`, keeping the end, within the limits.
    pub fn move_start(&self, range: Span, t: f64) -> Span {
        let end = range.end.clamp(self.min, self.source);
        let t = if t.is_nan() { range.start } else { t };
        let start = t.max(end - self.max).min(end - self.min).max(0.0);
        Span { start, end }
    }

    /// Moves the end to `t`, keeping the start, within the limits.
    pub fn move_end(&self, range: Span, t: f64) -> Span {
        let start = range.start.clamp(0.0, self.source - self.min);
        let t = if t.is_nan() { range.end } else { t };
        let end = t.min(start + self.max).max(start + self.min).min(self.source);
        Span { start, end }
    }

    /// The nearest range inside the limits: the start is kept where it can be.
    pub fn clamp(&self, range: Span) -> Span {
        self.move_end(self.move_start(range, range.start), range.end)
    }
}

/// The pieces of the source the clip plays, in order: its range minus the cut words. A run of cut words next to each
/// other goes with the pause between them; pieces shorter than [`MIN_SEGMENT_SECONDS`] are dropped.
pub fn segments(edit: &ClipEdit, words: &[Word]) -> Vec<Span> {
    let range = edit.range();
    if range.len() <= 0.0 {
        return Vec::new();
    }
    // The cut stretches, merged where consecutive words are both cut.
    let mut holes: Vec<Span> = Vec::new();
    let mut previous: Option<usize> = None;
    for &i in &edit.cut {
        let Some(w) = words.get(i) else { continue };
        if !(w.start.is_finite() && w.end.is_finite()) || w.end <= w.start {
            continue;
        }
        match (previous, holes.last_mut()) {
            (Some(p), Some(last)) if p + 1 == i && w.start >= last.start => last.end = last.end.max(w.end),
            _ => holes.push(Span { start: w.start, end: w.end }),
        }
        previous = Some(i);
    }
    holes.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut out = Vec::new();
    let mut at = range.start;
    for hole in holes {
        if hole.end <= at {
            continue;
        }
        if hole.start >= range.end {
            break;
        }
        if hole.start > at {
            out.push(Span { start: at, end: hole.start });
        }
        at = hole.end;
    }
    if at < range.end {
        out.push(Span { start: at, end: range.end });
    }
    out.retain(|s| s.len() >= MIN_SEGMENT_SECONDS);
    out
}

/// The clip's length once its segments are joined.
pub fn output_duration(segments: &[Span]) -> f64 {
    segments.iter().map(Span::len).sum()
}

/// Where source time `t` plays in the output, or `None` when it is cut out or outside the clip.
pub fn to_output(segments: &[Span], t: f64) -> Option<f64> {
    let mut before = 0.0;
    for s in segments {
        if t >= s.start && t <= s.end {
            return Some(before + t - s.start);
        }
        before += s.len();
    }
    None
}

/// Where output time `t` comes from in the source (the last instant of the clip for a `t` past its end).
pub fn to_source(segments: &[Span], t: f64) -> Option<f64> {
    let mut left = t.max(0.0);
    for s in segments {
        if left < s.len() {
            return Some(s.start + left);
        }
        left -= s.len();
    }
    segments.last().map(|s| s.end)
}

/// Where a preview playing the clip's `segments` should be at source time `t`: `t` itself inside a piece, the start
/// of the next piece in a cut or before the clip, `None` once the clip has ended.
pub fn playback_position(segments: &[Span], t: f64) -> Option<f64> {
    segments.iter().find(|s| t < s.end).map(|s| t.max(s.start))
}

/// The words the clip shows, with their corrected text and their times in the output, paired with their index.
/// A word split by a cut keeps the part that plays.
pub fn output_words(edit: &ClipEdit, words: &[Word], segments: &[Span]) -> Vec<(usize, Word)> {
    let mut out = Vec::new();
    let mut before = 0.0;
    for s in segments {
        for (i, w) in words.iter().enumerate() {
            if edit.cut.contains(&i) || w.end <= s.start || w.start >= s.end || edit.text(i, w).trim().is_empty() {
                continue;
            }
            if !(w.start.is_finite() && w.end.is_finite()) {
                continue;
            }
            let start = before + (w.start.max(s.start) - s.start);
            let end = before + (w.end.min(s.end) - s.start);
            // A word that straddles two segments is listed once, in the first.
            if out.last().is_some_and(|(j, _): &(usize, Word)| *j == i) {
                continue;
            }
            out.push((i, Word { start, end, text: edit.text(i, w).trim().to_owned() }));
        }
        before += s.len();
    }
    out
}

/// The caption lines of the edited clip, in the output's time: [`captions::line_breaks`] with the creator's forced
/// breaks and joins.
pub fn caption_lines(edit: &ClipEdit, words: &[Word], style: &CaptionStyle) -> Vec<Line> {
    let segments = segments(edit, words);
    let shown = output_words(edit, words, &segments);
    captions::group(shown, style.words_per_line, &edit.breaks, &edit.joins)
}

/// The points the handles snap to, sorted: every word's start and end and the middle of every silence.
pub fn snap_points(words: &[Word], silences: &[Span]) -> Vec<f64> {
    let mut points: Vec<f64> = words
        .iter()
        .flat_map(|w| [w.start, w.end])
        .chain(silences.iter().map(|s| (s.start + s.end) / 2.0))
        .filter(|t| t.is_finite())
        .collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    points
}

/// `t` moved to the nearest of `points` (sorted) within `tolerance`, or `t` itself when none is that close.
/// Snapping a snapped time changes nothing.
pub fn snap(t: f64, points: &[f64], tolerance: f64) -> f64 {
    if t.is_nan() {
        return t;
    }
    let i = points.partition_point(|p| *p < t);
    let nearest = [i.checked_sub(1), Some(i)]
        .into_iter()
        .flatten()
        .filter_map(|k| points.get(k))
        .min_by(|a, b| (*a - t).abs().total_cmp(&(*b - t).abs()));
    match nearest {
        Some(p) if (p - t).abs() <= tolerance => *p,
        _ => t,
    }
}

/// Quiet stretches of the audio from its peaks (`rate` values a second, 0–255): runs at or below `threshold` lasting
/// at least `min_seconds`.
pub fn silences(peaks: &[u8], rate: f64, threshold: u8, min_seconds: f64) -> Vec<Span> {
    let mut out = Vec::new();
    let mut from: Option<usize> = None;
    for (i, &p) in peaks.iter().chain(std::iter::once(&u8::MAX)).enumerate() {
        match (p <= threshold && i < peaks.len(), from) {
            (true, None) => from = Some(i),
            (false, Some(f)) => {
                let span = Span { start: f as f64 / rate, end: i as f64 / rate };
                if span.len() >= min_seconds {
                    out.push(span);
                }
                from = None;
            }
            _ => {}
        }
    }
    out
}

/// Filler words for a language (lower case, without punctuation). One action cuts them all.
pub fn fillers(language: &str) -> &'static [&'static str] {
    match language {
        "ru" => &["э", "ээ", "эээ", "эм", "эмм", "ну", "мм", "ммм", "хм", "типа", "короче", "вот", "значит"],
        "uk" => &["е", "ее", "ну", "мм", "хм", "типу", "короче"],
        "de" => &["äh", "ähm", "öh", "hm", "mhm"],
        "fr" => &["euh", "heu", "bah", "ben", "hum"],
        "es" => &["eh", "em", "este", "pues", "mmm"],
        _ => &["um", "umm", "uh", "uhm", "uhh", "er", "erm", "ah", "hmm", "mm", "mhm"],
    }
}

/// Whether `text` is a filler word in `language` (case and surrounding punctuation ignored).
pub fn is_filler(text: &str, language: &str) -> bool {
    let bare = text.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    !bare.is_empty() && fillers(language).contains(&bare.as_str())
}

/// The filler words inside the clip's range that are not cut yet.
pub fn filler_words(edit: &ClipEdit, words: &[Word], language: &str) -> Vec<usize> {
    words
        .iter()
        .enumerate()
        .filter(|(i, w)| {
            !edit.cut.contains(i) && w.start >= edit.start && w.end <= edit.end && is_filler(edit.text(*i, w), language)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The timeline's window onto the source: which second is at its left edge and how many pixels make a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// The source time at the left edge, seconds.
    pub start: f64,
    /// Pixels per second.
    pub px_per_s: f64,
    /// The timeline's width in pixels.
    pub width: f64,
    /// The source's length, seconds.
    pub duration: f64,
}

/// The most zoomed-in view shows this many seconds across the timeline.
pub const MIN_VISIBLE_SECONDS: f64 = 1.0;

impl Viewport {
    /// The whole source across `width` pixels.
    pub fn fit(duration: f64, width: f64) -> Viewport {
        let duration = if duration.is_finite() { duration.max(MIN_VISIBLE_SECONDS) } else { MIN_VISIBLE_SECONDS };
        let width = width.max(1.0);
        Viewport { start: 0.0, px_per_s: width / duration, width, duration }
    }

    /// A view of `span` with a margin of a quarter of its length on each side, within the zoom limits.
    pub fn around(duration: f64, width: f64, span: Span) -> Viewport {
        let fit = Viewport::fit(duration, width);
        let seen = (span.len() * 1.5).max(MIN_VISIBLE_SECONDS);
        let v = Viewport { px_per_s: fit.width / seen, ..fit }.clamped();
        Viewport { start: span.start - span.len() * 0.25, ..v }.clamped()
    }

    /// The fewest pixels per second: the whole source fits.
    pub fn min_px_per_s(&self) -> f64 {
        self.width / self.duration
    }

    /// The most pixels per second: [`MIN_VISIBLE_SECONDS`] fill the timeline.
    pub fn max_px_per_s(&self) -> f64 {
        (self.width / MIN_VISIBLE_SECONDS).max(self.min_px_per_s())
    }

    /// The seconds the timeline shows.
    pub fn visible(&self) -> Span {
        Span { start: self.start, end: self.start + self.width / self.px_per_s }
    }

    /// The source time under pixel `x`.
    pub fn time_at(&self, x: f64) -> f64 {
        self.start + x / self.px_per_s
    }

    /// The pixel of source time `t`.
    pub fn x_at(&self, t: f64) -> f64 {
        (t - self.start) * self.px_per_s
    }

    /// The same view with the zoom and the scroll brought inside their limits.
    pub fn clamped(self) -> Viewport {
        let px_per_s = if self.px_per_s.is_finite() { self.px_per_s } else { self.min_px_per_s() };
        let px_per_s = px_per_s.clamp(self.min_px_per_s(), self.max_px_per_s());
        let seen = self.width / px_per_s;
        let start = if self.start.is_finite() { self.start } else { 0.0 };
        Viewport { start: start.min(self.duration - seen).max(0.0), px_per_s, ..self }
    }

    /// Zoomed by `factor` (above 1: in) keeping the time under pixel `x` where it is.
    pub fn zoom(self, factor: f64, x: f64) -> Viewport {
        let anchor = self.time_at(x);
        let zoomed = Viewport { px_per_s: self.px_per_s * factor, ..self }.clamped();
        Viewport { start: anchor - x / zoomed.px_per_s, ..zoomed }.clamped()
    }

    /// Scrolled by `dx` pixels (positive: later).
    pub fn scroll(self, dx: f64) -> Viewport {
        Viewport { start: self.start + dx / self.px_per_s, ..self }.clamped()
    }

    /// Scrolled the least needed to show `t`.
    pub fn reveal(self, t: f64) -> Viewport {
        let v = self.visible();
        if t < v.start {
            Viewport { start: t, ..self }.clamped()
        } else if t > v.end {
            Viewport { start: t - v.len(), ..self }.clamped()
        } else {
            self
        }
    }
}

/// An undo stack over snapshots of a value: every edit is [`History::apply`]'d, [`History::undo`] and
/// [`History::redo`] walk back and forth, and a new edit after an undo drops the redo branch.
#[derive(Debug, Clone, PartialEq)]
pub struct History<T> {
    past: Vec<T>,
    present: T,
    future: Vec<T>,
    limit: usize,
}

impl<T: Clone + PartialEq> History<T> {
    /// A history starting at `start`, keeping at most `limit` steps back.
    pub fn new(start: T, limit: usize) -> History<T> {
        History { past: Vec::new(), present: start, future: Vec::new(), limit: limit.max(1) }
    }

    /// The current value.
    pub fn present(&self) -> &T {
        &self.present
    }

    /// Makes `next` current; a value equal to the current one is not a step.
    pub fn apply(&mut self, next: T) -> bool {
        if next == self.present {
            return false;
        }
        self.past.push(std::mem::replace(&mut self.present, next));
        if self.past.len() > self.limit {
            self.past.remove(0);
        }
        self.future.clear();
        true
    }

    /// Steps back; `false` when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.past.pop() else { return false };
        self.future.push(std::mem::replace(&mut self.present, previous));
        true
    }

    /// Steps forward again; `false` when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.future.pop() else { return false };
        self.past.push(std::mem::replace(&mut self.present, next));
        true
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Forgets every step and starts again from `start` (after a save).
    pub fn reset(&mut self, start: T) {
        *self = History::new(start, self.limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: f64, end: f64, text: &str) -> Word {
        Word { start, end, text: text.into() }
    }

    fn words() -> Vec<Word> {
        vec![
            w(10.0, 10.4, "Привет,"),
            w(10.5, 10.7, "э"),
            w(10.8, 11.2, "друзья."),
            w(12.0, 12.3, "Ну"),
            w(12.4, 12.9, "начнём."),
        ]
    }

    #[test]
    fn cutting_words_splits_the_range_and_runs_of_cut_words_go_with_their_pause() {
        let mut e = ClipEdit::new(9.0, 30.0);
        assert_eq!(segments(&e, &words()), [Span { start: 9.0, end: 30.0 }]);
        e.cut.insert(1);
        assert_eq!(segments(&e, &words()), [Span { start: 9.0, end: 10.5 }, Span { start: 10.7, end: 30.0 }]);
        e.cut.insert(2);
        assert_eq!(segments(&e, &words()), [Span { start: 9.0, end: 10.5 }, Span { start: 11.2, end: 30.0 }]);
        let s = segments(&e, &words());
        assert!((output_duration(&s) - (21.0 - 0.7)).abs() < 1e-9);
        assert_eq!(to_output(&s, 10.6), None);
        assert_eq!(to_output(&s, 11.2), Some(1.5));
        assert_eq!(to_source(&s, 1.5), Some(11.2));
    }

    #[test]
    fn the_preview_jumps_over_cuts_and_stops_at_the_end() {
        let s = [Span { start: 2.0, end: 4.0 }, Span { start: 5.0, end: 9.0 }];
        assert_eq!(playback_position(&s, 0.0), Some(2.0));
        assert_eq!(playback_position(&s, 3.0), Some(3.0));
        assert_eq!(playback_position(&s, 4.2), Some(5.0));
        assert_eq!(playback_position(&s, 9.0), None);
    }

    #[test]
    fn captions_skip_cut_words_show_fixes_and_follow_forced_breaks() {
        let mut e = ClipEdit::new(10.0, 30.0);
        e.cut.insert(1);
        e.fixes.insert(4, "начнем!".into());
        let style = CaptionStyle::get("classic");
        let lines = caption_lines(&e, &words(), style);
        let texts: Vec<Vec<&str>> = lines.iter().map(|l| l.words.iter().map(|w| w.text.as_str()).collect()).collect();
        assert_eq!(texts, [vec!["Привет,", "друзья."], vec!["Ну", "начнем!"]]);
        // The cut word's 0.2 s are gone from the times after it.
        assert!((lines[0].words[1].start - 0.6).abs() < 1e-9, "{lines:?}");
        e.split_line_at(4);
        e.merge_line_at(3);
        let lines = caption_lines(&e, &words(), style);
        let texts: Vec<Vec<&str>> = lines.iter().map(|l| l.words.iter().map(|w| w.text.as_str()).collect()).collect();
        assert_eq!(texts, [vec!["Привет,", "друзья.", "Ну"], vec!["начнем!"]]);
    }

    #[test]
    fn limits_keep_the_range_long_enough_short_enough_and_inside() {
        let l = Limits::new(100.0, 60.0);
        let r = Span { start: 10.0, end: 40.0 };
        assert_eq!(l.move_end(r, 20.0), Span { start: 10.0, end: 25.0 }, "15 s at least");
        assert_eq!(l.move_end(r, 95.0), Span { start: 10.0, end: 70.0 }, "60 s at most");
        assert_eq!(l.move_end(r, 200.0).end, 70.0);
        assert_eq!(l.move_start(r, -5.0), Span { start: 0.0, end: 40.0 });
        assert_eq!(l.move_start(r, 39.0), Span { start: 25.0, end: 40.0 });
        let short = Limits::new(8.0, 60.0);
        assert_eq!(short.clamp(Span { start: 0.0, end: 30.0 }), Span { start: 0.0, end: 8.0 });
    }

    #[test]
    fn snapping_takes_the_nearest_point_within_tolerance() {
        let points = snap_points(&words(), &[Span { start: 11.2, end: 12.0 }]);
        assert!(points.contains(&11.6));
        assert_eq!(snap(10.45, &points, 0.1), 10.4);
        assert_eq!(snap(11.5, &points, 0.15), 11.6);
        assert_eq!(snap(20.0, &points, 0.5), 20.0);
    }

    #[test]
    fn silences_are_quiet_runs_long_enough() {
        let peaks = [200, 3, 2, 1, 0, 200, 1, 200, 0, 0, 0];
        let s = silences(&peaks, 10.0, 5, 0.3);
        assert_eq!(s, [Span { start: 0.1, end: 0.5 }, Span { start: 0.8, end: 1.1 }]);
    }

    #[test]
    fn fillers_are_found_per_language() {
        let e = ClipEdit::new(9.0, 30.0);
        assert_eq!(filler_words(&e, &words(), "ru"), [1, 3]);
        assert!(is_filler("Um,", "en") && !is_filler("umbrella", "en"));
    }

    #[test]
    fn the_viewport_zooms_around_the_pointer_between_the_whole_video_and_one_second() {
        let v = Viewport::fit(3.0 * 3600.0, 1000.0);
        assert_eq!(v.visible(), Span { start: 0.0, end: 10_800.0 });
        let z = v.zoom(1e9, 500.0);
        assert!((z.visible().len() - 1.0).abs() < 1e-9, "{z:?}");
        assert!((z.time_at(500.0) - 5400.0).abs() < 1e-6);
        assert_eq!(z.zoom(1e-9, 0.0), v, "zooming all the way out shows everything");
        assert_eq!(v.scroll(-100.0), v);
        let around = Viewport::around(600.0, 1000.0, Span { start: 100.0, end: 140.0 });
        assert!(around.visible().start <= 100.0 && around.visible().end >= 140.0);
    }

    #[test]
    fn history_undoes_and_redoes_and_drops_the_redo_branch() {
        let mut h = History::new(1, 10);
        assert!(h.apply(2) && h.apply(3) && !h.apply(3));
        assert!(h.undo());
        assert_eq!(*h.present(), 2);
        assert!(h.redo() && !h.redo());
        h.undo();
        h.apply(5);
        assert!(!h.can_redo());
        assert!(h.undo() && h.undo() && !h.undo());
        assert_eq!(*h.present(), 1);
    }

    #[test]
    fn caption_look_overrides_the_preset() {
        let look = CaptionLook {
            preset: "highlight".into(),
            size: Some(500),
            position: Some(Position::Top),
            colour: Some(0x00FF00),
            highlight: None,
        };
        let s = look.style("classic");
        assert_eq!(
            (s.id, s.size, s.position, s.colour, s.highlight),
            ("highlight", 140, Position::Top, 0x00FF00, Some(0xFFD400))
        );
        assert_eq!(CaptionLook::default().style("minimal").id, "minimal");
    }

    #[test]
    fn the_edit_round_trips_through_json() {
        let mut e = ClipEdit::new(1.0, 20.0);
        e.cut.insert(3);
        e.fixes.insert(7, "слово".into());
        e.captions.position = Some(Position::Top);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<ClipEdit>(&json).unwrap(), e);
        let bare: ClipEdit = serde_json::from_str(r#"{"start":1,"end":20}"#).unwrap();
        assert_eq!(bare, ClipEdit::new(1.0, 20.0));
    }
}
