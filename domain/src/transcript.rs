//! Transcripts: segments with per-word timings, as every speech-to-text engine produces them, and the views built
//! from them (paragraphs for reading, search, SRT / WebVTT / plain-text exports).

use serde::{Deserialize, Serialize};

/// One word with its timing, in seconds from the start of the video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// Start.
    pub start: f64,
    /// End.
    pub end: f64,
    /// The word as spoken, with its punctuation, without surrounding spaces.
    pub text: String,
}

/// A stretch of speech (a sentence or a phrase), as the engine split it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// The text.
    pub text: String,
    /// Its words (may be empty when an engine gives no word timings).
    #[serde(default)]
    pub words: Vec<Word>,
}

/// A whole transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// ISO 639-1 language code (`en`, `ru`, …).
    pub language: String,
    /// Segments in time order.
    pub segments: Vec<Segment>,
    /// Which engine and model produced it, e.g. `local/whisper-tiny.en` or `openai/whisper-1`.
    pub model: String,
}

impl Transcript {
    /// The full text, segments joined by spaces.
    pub fn full_text(&self) -> String {
        self.segments.iter().map(|s| s.text.trim()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ")
    }

    /// Every word in order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.segments.iter().flat_map(|s| s.words.iter())
    }

    /// Segments grouped into paragraphs for reading: a new paragraph after a pause of `pause` seconds or more, or
    /// once a paragraph holds `max_segments` segments. Returns index ranges into `segments`.
    pub fn paragraphs(&self, pause: f64, max_segments: usize) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=self.segments.len() {
            let brk = i == self.segments.len()
                || self.segments[i].start - self.segments[i - 1].end >= pause
                || i - start >= max_segments.max(1);
            if brk {
                out.push(start..i);
                start = i;
            }
        }
        out
    }

    /// The indices of segments whose text contains `query` (case-insensitive); empty for an empty query.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        self.segments.iter().enumerate().filter(|(_, s)| s.text.to_lowercase().contains(&q)).map(|(i, _)| i).collect()
    }

    /// SubRip subtitles, one cue per segment.
    pub fn to_srt(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.cues().enumerate() {
            out.push_str(&format!(
                "{}\n{} --> {}\n{}\n\n",
                i + 1,
                timestamp(s.start, ','),
                timestamp(s.end, ','),
                s.text.trim()
            ));
        }
        out
    }

    /// WebVTT subtitles, one cue per segment.
    pub fn to_vtt(&self) -> String {
        let mut out = String::from("WEBVTT\n\n");
        for s in self.cues() {
            out.push_str(&format!("{} --> {}\n{}\n\n", timestamp(s.start, '.'), timestamp(s.end, '.'), s.text.trim()));
        }
        out
    }

    /// Plain text, one paragraph per line.
    pub fn to_txt(&self) -> String {
        let mut out = String::new();
        for p in self.paragraphs(2.0, 6) {
            let text: Vec<&str> = self.segments[p].iter().map(|s| s.text.trim()).collect();
            out.push_str(&text.join(" "));
            out.push('\n');
        }
        out
    }

    fn cues(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(|s| !s.text.trim().is_empty())
    }
}

/// `HH:MM:SS,mmm` (SRT, `sep` = ',') or `HH:MM:SS.mmm` (WebVTT, `sep` = '.').
pub fn timestamp(seconds: f64, sep: char) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}{sep}{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// `M:SS` or `H:MM:SS`, for timestamps beside paragraphs.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Word error rate of `hypothesis` against `reference`: word-level edit distance over the reference's word count,
/// comparing lower-cased words without punctuation (and Russian `ё` as `е`, which writers often leave out).
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let norm = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric() || *c == '\'')
                    .collect::<String>()
                    .to_lowercase()
                    .replace('ё', "е")
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let (r, h) = (norm(reference), norm(hypothesis));
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for i in 1..=r.len() {
        let mut cur = vec![i; h.len() + 1];
        for j in 1..=h.len() {
            let cost = usize::from(r[i - 1] != h[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[h.len()] as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, text: &str) -> Segment {
        Segment { start, end, text: text.into(), words: Vec::new() }
    }

    fn sample() -> Transcript {
        Transcript {
            language: "en".into(),
            segments: vec![seg(0.0, 1.5, " Hello there."), seg(1.6, 3.25, "How are you?"), seg(6.0, 3661.5, "Fine.")],
            model: "test".into(),
        }
    }

    #[test]
    fn srt_and_vtt_have_numbered_timed_cues() {
        let t = sample();
        assert_eq!(
            t.to_srt(),
            "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n00:00:01,600 --> 00:00:03,250\nHow are you?\n\n\
             3\n00:00:06,000 --> 01:01:01,500\nFine.\n\n"
        );
        assert!(t.to_vtt().starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there.\n\n"));
    }

    #[test]
    fn paragraphs_break_at_pauses_and_text_follows_them() {
        let t = sample();
        assert_eq!(t.paragraphs(2.0, 6), vec![0..2, 2..3]);
        assert_eq!(t.paragraphs(2.0, 1), vec![0..1, 1..2, 2..3]);
        assert_eq!(t.to_txt(), "Hello there. How are you?\nFine.\n");
        assert_eq!(t.full_text(), "Hello there. How are you? Fine.");
    }

    #[test]
    fn search_is_case_insensitive_and_ignores_empty_queries() {
        let t = sample();
        assert_eq!(t.search("HOW"), vec![1]);
        assert_eq!(t.search("e"), vec![0, 1, 2]);
        assert!(t.search("  ").is_empty());
    }

    #[test]
    fn word_error_rate_counts_edits_over_reference_words() {
        assert_eq!(word_error_rate("the cat sat", "The cat sat."), 0.0);
        assert!((word_error_rate("the cat sat down", "the bat sat") - 0.5).abs() < 1e-9);
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(clock(75.2), "1:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
