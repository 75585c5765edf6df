//! The editor timeline's media: a waveform's peaks and a filmstrip of thumbnails, computed once per video by the
//! worker and stored next to the source.
//!
//! - **Peaks** (`peaks.u8`): [`PEAKS_PER_SECOND`] bytes a second, each the loudest sample of its 20 ms on a square-root
//!   scale ([`peak_byte`]), so quiet speech still shows: 180 KB an hour.
//! - **Sprites** (`sprite-000.jpg` …): JPEG sheets of [`SPRITE_COLUMNS`]×[`SPRITE_ROWS`] tiles of
//!   [`TILE_WIDTH`]×[`TILE_HEIGHT`], one tile every [`sprite_interval`] seconds, in reading order.

use serde::{Deserialize, Serialize};

use crate::edit::Span;

/// Peaks a second.
pub const PEAKS_PER_SECOND: u32 = 50;
/// A filmstrip tile's width in pixels.
pub const TILE_WIDTH: u32 = 160;
/// A filmstrip tile's height in pixels (16:9; other shapes are letterboxed).
pub const TILE_HEIGHT: u32 = 90;
/// Tiles across a sprite sheet.
pub const SPRITE_COLUMNS: u32 = 10;
/// Tile rows in a sprite sheet.
pub const SPRITE_ROWS: u32 = 10;
/// The most tiles a video gets: a long video's tiles are further apart.
pub const MAX_TILES: u32 = 600;
/// A peak at or below this byte is silence for snapping (about −34 dBFS).
pub const SILENCE_PEAK: u8 = 36;
/// The shortest silence the handles snap to, seconds.
pub const MIN_SILENCE_SECONDS: f64 = 0.25;

/// What was built for a video, stored as `videos.timeline`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineAssets {
    /// Peaks stored (`PEAKS_PER_SECOND` a second).
    pub peaks: u32,
    /// Sprite sheets stored (0 for a source without pictures).
    pub sheets: u32,
    /// Tiles in all sheets.
    pub tiles: u32,
    /// Seconds between tiles.
    pub interval: f64,
    /// Bytes stored in all (peaks and sheets), for the benchmark and the page.
    pub bytes: u64,
}

impl TimelineAssets {
    /// The sheet and the tile (column, row) that shows source time `t`.
    pub fn tile_at(&self, t: f64) -> Option<(u32, u32, u32)> {
        if self.tiles == 0 || self.interval.is_nan() || self.interval <= 0.0 || !t.is_finite() {
            return None;
        }
        let n = ((t.max(0.0) / self.interval) as u32).min(self.tiles - 1);
        let per_sheet = SPRITE_COLUMNS * SPRITE_ROWS;
        Some((n / per_sheet, n % SPRITE_COLUMNS, (n % per_sheet) / SPRITE_COLUMNS))
    }
}

/// Seconds between filmstrip tiles for a video of `duration` seconds: one a second, further apart past
/// [`MAX_TILES`] tiles.
pub fn sprite_interval(duration: f64) -> f64 {
    let d = if duration.is_finite() { duration.max(0.0) } else { 0.0 };
    (d / f64::from(MAX_TILES)).ceil().max(1.0)
}

/// The object key of a video's timeline file `name` (`peaks.u8`, `sprite-000.jpg`).
pub fn object_key(video_id: &str, name: &str) -> String {
    format!("sources/{video_id}/timeline/{name}")
}

/// The name of sprite sheet `n`.
pub fn sheet_name(n: u32) -> String {
    format!("sprite-{n:03}.jpg")
}

/// Whether `name` is a timeline file name this module writes (what the download route accepts).
pub fn is_file_name(name: &str) -> bool {
    name == "peaks.u8"
        || name
            .strip_prefix("sprite-")
            .and_then(|r| r.strip_suffix(".jpg"))
            .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A sample's amplitude (0–1) as a stored peak byte, on a square-root scale.
pub fn peak_byte(amplitude: f32) -> u8 {
    let a = if amplitude.is_finite() { amplitude.abs().min(1.0) } else { 0.0 };
    (a.sqrt() * 255.0).round() as u8
}

/// A stored peak byte back as an amplitude (0–1).
pub fn peak_amplitude(byte: u8) -> f32 {
    let r = f32::from(byte) / 255.0;
    r * r
}

/// Folds samples (any rate) into peaks: the loudest of every `samples_per_peak`.
#[derive(Debug, Clone)]
pub struct PeakFolder {
    samples_per_peak: usize,
    count: usize,
    loudest: f32,
    /// The peaks so far.
    pub peaks: Vec<u8>,
}

impl PeakFolder {
    /// A folder for audio at `rate` samples a second.
    pub fn new(rate: u32) -> PeakFolder {
        PeakFolder {
            samples_per_peak: (rate / PEAKS_PER_SECOND).max(1) as usize,
            count: 0,
            loudest: 0.0,
            peaks: Vec::new(),
        }
    }

    /// Adds samples (−1…1).
    pub fn push(&mut self, samples: &[f32]) {
        for s in samples {
            let a = if s.is_finite() { s.abs() } else { 0.0 };
            self.loudest = self.loudest.max(a);
            self.count += 1;
            if self.count == self.samples_per_peak {
                self.peaks.push(peak_byte(self.loudest));
                (self.count, self.loudest) = (0, 0.0);
            }
        }
    }

    /// The peaks, the last partial one included.
    pub fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.peaks.push(peak_byte(self.loudest));
        }
        self.peaks
    }
}

/// The silences the editor's handles snap to, from stored peaks.
pub fn silences(peaks: &[u8]) -> Vec<Span> {
    crate::edit::silences(peaks, f64::from(PEAKS_PER_SECOND), SILENCE_PEAK, MIN_SILENCE_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_fold_twenty_milliseconds_each_on_a_square_root_scale() {
        let mut f = PeakFolder::new(8000);
        let mut samples = vec![0.0f32; 160];
        samples[10] = -0.25;
        samples.extend(std::iter::repeat_n(1.0, 170));
        f.push(&samples);
        assert_eq!(f.finish(), [128, 255, 255], "0.25 → half scale; the tail makes a last partial peak");
        assert_eq!(peak_byte(f32::NAN), 0);
        assert!((peak_amplitude(peak_byte(0.04)) - 0.04).abs() < 0.005);
    }

    #[test]
    fn tiles_are_a_second_apart_up_to_six_hundred() {
        assert_eq!(sprite_interval(30.0), 1.0);
        assert_eq!(sprite_interval(3.0 * 3600.0), 18.0);
        let a = TimelineAssets { peaks: 0, sheets: 2, tiles: 150, interval: 2.0, bytes: 0 };
        assert_eq!(a.tile_at(0.0), Some((0, 0, 0)));
        assert_eq!(a.tile_at(25.0), Some((0, 2, 1)));
        assert_eq!(a.tile_at(250.0), Some((1, 5, 2)), "tile 125 is the 26th of the second sheet");
        assert_eq!(a.tile_at(1e9), Some((1, 9, 4)), "past the end: the last tile");
    }

    #[test]
    fn only_timeline_file_names_are_accepted() {
        assert!(is_file_name("peaks.u8") && is_file_name(&sheet_name(7)));
        for bad in ["sprite-1.jpg", "../source.mp4", "sprite-abc.jpg", "sprite-001.jpg/x", ""] {
            assert!(!is_file_name(bad), "{bad}");
        }
    }
}
