//! Burned-in captions: the built-in style presets and the ASS (Advanced SubStation Alpha) script the renderer burns
//! into a clip, built from the transcript's word timings.
//!
//! Words are grouped into short caption lines (a few words, a pause or a sentence end closes a line). Every preset
//! shows one line at a time; presets with a highlight colour (`highlight`) colour the word being spoken, as
//! OpusClip and Submagic do, by writing one event per word with that word's colour overridden.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::transcript::Word;

/// Where the captions sit on the 9:16 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Near the top (below the platform's own header).
    Top,
    /// Just below the middle, where short-form captions usually are.
    Middle,
    /// Near the bottom (above the platform's own buttons).
    Bottom,
}

impl Position {
    /// Every position, top first.
    pub const ALL: [Position; 3] = [Position::Top, Position::Middle, Position::Bottom];

    /// The name stored in an edit and used in the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Top => "top",
            Position::Middle => "middle",
            Position::Bottom => "bottom",
        }
    }

    /// The position named `s`, if any.
    pub fn parse(s: &str) -> Option<Position> {
        Position::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// How far the line's baseline sits from the frame's top or bottom edge, as a share of the frame's height:
    /// what the renderer's ASS margin and the editor's preview overlay both use.
    pub fn margin_share(self) -> f64 {
        match self {
            Position::Top => 0.1,
            Position::Middle => 0.3,
            Position::Bottom => 1.0 / 7.0,
        }
    }
}

/// One caption style preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptionStyle {
    /// The id stored in `users.caption_style` and `clips.subtitle_style`.
    pub id: &'static str,
    /// Font family (must have Cyrillic: the renderer ships DejaVu Sans).
    pub font: &'static str,
    /// Font size in pixels on the 1080×1920 frame.
    pub size: u32,
    /// Bold text.
    pub bold: bool,
    /// Text colour, `0xRRGGBB`.
    pub colour: u32,
    /// Colour of the word being spoken, `0xRRGGBB`; `None`: no word-by-word highlight.
    pub highlight: Option<u32>,
    /// Outline thickness in pixels (black).
    pub outline: u32,
    /// Shadow distance in pixels.
    pub shadow: u32,
    /// Where the line sits.
    pub position: Position,
    /// Upper-case the words.
    pub uppercase: bool,
    /// The most words on one caption line.
    pub words_per_line: usize,
}

/// The built-in presets, the default first: the seed's white bold text with a shadow; a word-by-word highlight;
/// a small, quiet one.
pub const PRESETS: [CaptionStyle; 3] = [
    CaptionStyle {
        id: "classic",
        font: "DejaVu Sans",
        size: 64,
        bold: true,
        colour: 0xFFFFFF,
        highlight: None,
        outline: 3,
        shadow: 3,
        position: Position::Bottom,
        uppercase: false,
        words_per_line: 6,
    },
    CaptionStyle {
        id: "highlight",
        font: "DejaVu Sans",
        size: 80,
        bold: true,
        colour: 0xFFFFFF,
        highlight: Some(0xFFD400),
        outline: 5,
        shadow: 2,
        position: Position::Middle,
        uppercase: true,
        words_per_line: 3,
    },
    CaptionStyle {
        id: "minimal",
        font: "DejaVu Sans",
        size: 52,
        bold: false,
        colour: 0xFFFFFF,
        highlight: None,
        outline: 2,
        shadow: 0,
        position: Position::Bottom,
        uppercase: false,
        words_per_line: 7,
    },
];

impl CaptionStyle {
    /// The preset with this id, or the default (`classic`) for an unknown one.
    pub fn get(id: &str) -> &'static CaptionStyle {
        PRESETS.iter().find(|p| p.id == id).unwrap_or(&PRESETS[0])
    }

    /// Whether `id` names a preset.
    pub fn exists(id: &str) -> bool {
        PRESETS.iter().any(|p| p.id == id)
    }
}

/// One caption line: its words (times relative to the clip's start).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The words, in order.
    pub words: Vec<Word>,
}

impl Line {
    fn start(&self) -> f64 {
        self.words.first().map_or(0.0, |w| w.start)
    }
    fn end(&self) -> f64 {
        self.words.last().map_or(0.0, |w| w.end)
    }
}

/// The words of `words` inside `start..end` (seconds of the source), shifted so the clip starts at 0 and clamped to
/// the clip, grouped into caption lines of at most `per_line` words; a pause of 0.6 s or more, or a word ending a
/// sentence, closes a line early. An empty or undefined clip (`end <= start`, a NaN bound) has no lines.
pub fn lines<'a>(words: impl IntoIterator<Item = &'a Word>, start: f64, end: f64, per_line: usize) -> Vec<Line> {
    let length = end - start;
    if length.is_nan() || length <= 0.0 {
        return Vec::new();
    }
    let shown = words
        .into_iter()
        .filter(|w| !(w.end <= start || w.start >= end || w.text.trim().is_empty()))
        .map(|w| Word {
            // `max` then `min` rather than `clamp`, which panics on NaN or an empty clip.
            start: (w.start - start).max(0.0).min(length),
            end: (w.end - start).max(0.0).min(length),
            text: w.text.trim().to_owned(),
        })
        .enumerate();
    group(shown, per_line, &BTreeSet::new(), &BTreeSet::new())
}

/// Groups words already in the clip's time (each with an index that names it in `breaks` and `joins`) into caption
/// lines of at most `per_line` words. A line ends early at a pause of 0.6 s or more and after a word ending a
/// sentence; a word in `breaks` always starts a line, a word in `joins` never does (its line may then run longer).
pub fn group(
    words: impl IntoIterator<Item = (usize, Word)>,
    per_line: usize,
    breaks: &BTreeSet<usize>,
    joins: &BTreeSet<usize>,
) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut current: Vec<Word> = Vec::new();
    for (i, word) in words {
        if let Some(last) = current.last() {
            let pause = word.start - last.end >= 0.6;
            let sentence = last.text.ends_with(['.', '!', '?', '…']);
            let new_line =
                !joins.contains(&i) && (breaks.contains(&i) || pause || sentence || current.len() >= per_line.max(1));
            if new_line {
                out.push(Line { words: std::mem::take(&mut current) });
            }
        }
        current.push(word);
    }
    if !current.is_empty() {
        out.push(Line { words: current });
    }
    out
}

/// `h:mm:ss.cc`, ASS's time format.
fn ass_time(seconds: f64) -> String {
    let cs = (seconds.max(0.0) * 100.0).round() as u64;
    format!("{}:{:02}:{:02}.{:02}", cs / 360_000, (cs / 6000) % 60, (cs / 100) % 60, cs % 100)
}

/// `0xRRGGBB` → ASS's `&H00BBGGRR`.
fn ass_colour(rgb: u32) -> String {
    let (r, g, b) = ((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
    format!("&H00{b:02X}{g:02X}{r:02X}")
}

/// `0xRRGGBB` as CSS's `#rrggbb`.
pub fn css_colour(rgb: u32) -> String {
    format!("#{:06x}", rgb & 0xFF_FFFF)
}

/// `#rrggbb` (or `rrggbb`) as `0xRRGGBB`.
pub fn parse_colour(s: &str) -> Option<u32> {
    let hex = s.trim().trim_start_matches('#');
    if hex.len() != 6 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

/// Text safe inside an ASS event, whatever a transcript word holds: braces (which open and close override blocks)
/// are dropped, backslashes (which start `\N`, `\n`, `\h` and override tags) become `/`, and line breaks and other
/// control characters (which would end the `Dialogue:` line and start a line of the script's own) become spaces.
fn ass_text(text: &str, uppercase: bool) -> String {
    let text = if uppercase { text.to_uppercase() } else { text.to_owned() };
    text.chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .map(|c| match c {
            '\\' => '/',
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => ' ',
            c => c,
        })
        .collect()
}

/// The whole ASS script for a `width`×`height` frame: the style and one event per line (per word, for a highlight
/// style). Each line stays up until the next starts (at most 0.8 s after its last word) so captions do not flicker.
pub fn ass_script(lines: &[Line], style: &CaptionStyle, width: u32, height: u32) -> String {
    let alignment = if style.position == Position::Top { 8 } else { 2 };
    let margin_v = (f64::from(height) * style.position.margin_share()).round() as u32;
    let mut s = format!(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\n\
         ScaledBorderAndShadow: yes\n\n[V4+ Styles]\n\
         Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
         Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, \
         MarginR, MarginV, Encoding\n\
         Style: Default,{font},{size},{colour},{colour},&H00000000,&H80000000,{bold},0,0,0,100,100,0,0,1,{outline},\
         {shadow},{alignment},60,60,{margin_v},1\n\n[Events]\n\
         Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
        font = style.font,
        size = style.size,
        colour = ass_colour(style.colour),
        bold = if style.bold { -1 } else { 0 },
        outline = style.outline,
        shadow = style.shadow,
    );
    for (i, line) in lines.iter().enumerate() {
        let until = lines.get(i + 1).map_or(line.end() + 0.8, |next| next.start().min(line.end() + 0.8));
        let until = until.max(line.end());
        match style.highlight {
            None => {
                let text: Vec<String> = line.words.iter().map(|w| ass_text(&w.text, style.uppercase)).collect();
                s.push_str(&format!(
                    "Dialogue: 0,{},{},Default,,0,0,0,,{}\n",
                    ass_time(line.start()),
                    ass_time(until),
                    text.join(" ")
                ));
            }
            Some(colour) => {
                for (k, w) in line.words.iter().enumerate() {
                    let from = if k == 0 { line.start() } else { w.start };
                    let to = line.words.get(k + 1).map_or(until, |n| n.start);
                    let text: Vec<String> = line
                        .words
                        .iter()
                        .enumerate()
                        .map(|(j, x)| {
                            let t = ass_text(&x.text, style.uppercase);
                            if j == k { format!("{{\\c{}}}{t}{{\\r}}", ass_colour(colour)) } else { t }
                        })
                        .collect();
                    s.push_str(&format!(
                        "Dialogue: 0,{},{},Default,,0,0,0,,{}\n",
                        ass_time(from),
                        ass_time(to.max(from)),
                        text.join(" ")
                    ));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start: f64, end: f64, text: &str) -> Word {
        Word { start, end, text: text.into() }
    }

    #[test]
    fn words_outside_the_clip_are_dropped_and_the_rest_shifted() {
        let words = [w(9.0, 9.5, "before"), w(10.2, 10.5, "Привет"), w(10.6, 11.0, "мир."), w(20.5, 21.0, "after")];
        let l = lines(&words, 10.0, 20.0, 6);
        assert_eq!(l.len(), 1, "the sentence end closes the line");
        let texts: Vec<&str> = l[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Привет", "мир."]);
        assert!((l[0].words[0].start - 0.2).abs() < 1e-9);
    }

    #[test]
    fn lines_break_at_the_word_limit_and_at_pauses() {
        let words: Vec<Word> = (0..7).map(|i| w(f64::from(i) * 0.4, f64::from(i) * 0.4 + 0.3, "a")).collect();
        let l = lines(&words, 0.0, 10.0, 3);
        assert_eq!(l.iter().map(|l| l.words.len()).collect::<Vec<_>>(), [3, 3, 1]);
        let paused = [w(0.0, 0.3, "a"), w(0.4, 0.7, "b"), w(1.5, 1.8, "c")];
        assert_eq!(lines(&paused, 0.0, 10.0, 6).len(), 2);
    }

    #[test]
    fn classic_writes_one_event_per_line_in_the_seed_style() {
        let l = lines(&[w(0.0, 0.5, "hello"), w(0.6, 1.0, "world")], 0.0, 5.0, 6);
        let ass = ass_script(&l, CaptionStyle::get("classic"), 1080, 1920);
        assert!(ass.contains("Style: Default,DejaVu Sans,64,&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,-1,"));
        assert!(ass.contains("Dialogue: 0,0:00:00.00,0:00:01.80,Default,,0,0,0,,hello world\n"));
        assert_eq!(ass.matches("Dialogue:").count(), 1);
    }

    #[test]
    fn highlight_colours_each_spoken_word_in_turn() {
        let l = lines(&[w(0.0, 0.5, "раз"), w(0.6, 1.0, "два")], 0.0, 5.0, 3);
        let ass = ass_script(&l, CaptionStyle::get("highlight"), 1080, 1920);
        assert!(
            ass.contains("Dialogue: 0,0:00:00.00,0:00:00.60,Default,,0,0,0,,{\\c&H0000D4FF}РАЗ{\\r} ДВА\n"),
            "{ass}"
        );
        assert!(
            ass.contains("Dialogue: 0,0:00:00.60,0:00:01.80,Default,,0,0,0,,РАЗ {\\c&H0000D4FF}ДВА{\\r}\n"),
            "{ass}"
        );
    }

    #[test]
    fn override_braces_in_words_cannot_inject_tags() {
        let l = lines(&[w(0.0, 0.5, "{\\fs200}big")], 0.0, 5.0, 3);
        let ass = ass_script(&l, CaptionStyle::get("minimal"), 1080, 1920);
        assert!(ass.contains(",,/fs200big\n"), "{ass}");
    }

    #[test]
    fn escapes_and_line_breaks_in_words_cannot_break_the_event() {
        assert_eq!(ass_text("a\\Nb\\nc\\hd", false), "a/Nb/nc/hd");
        assert_eq!(ass_text("{\\an8}top", false), "/an8top");
        assert_eq!(ass_text("}{", false), "");
        assert_eq!(ass_text("one\r\ntwo\nthree\rfour\tfive\u{2028}six", false), "one  two three four five six");
        assert_eq!(ass_text("\\n", true), "/N", "upper-casing happens before escaping");
        let words =
            [w(0.0, 0.5, "x\nDialogue: 0,0:00:00.00,9:00:00.00,Default,,0,0,0,,{\\fs200}HACK"), w(0.6, 1.0, "y")];
        for style in ["classic", "highlight"] {
            let ass = ass_script(&lines(&words, 0.0, 5.0, 3), CaptionStyle::get(style), 1080, 1920);
            let events: Vec<&str> = ass.lines().filter(|l| l.starts_with("Dialogue:")).collect();
            assert_eq!(events.len(), if style == "classic" { 1 } else { 2 }, "{ass}");
            assert!(!ass.contains("9:00:00.00,Default,,0,0,0,,{"), "{ass}");
            assert!(!ass.contains("\\fs200") && !ass.contains("\\FS200"), "{ass}");
        }
    }

    #[test]
    fn odd_times_never_panic() {
        let words = [w(f64::NAN, 1.0, "a"), w(2.0, f64::INFINITY, "b"), w(-5.0, -1.0, "c"), w(3.0, 4.0, "d")];
        assert!(lines(&words, 10.0, 5.0, 3).is_empty(), "an end before the start is an empty clip");
        assert!(lines(&words, 0.0, f64::NAN, 3).is_empty());
        let l = lines(&words, 0.0, 5.0, 3);
        let times: Vec<(f64, f64)> = l.iter().flat_map(|l| &l.words).map(|w| (w.start, w.end)).collect();
        assert_eq!(times, [(0.0, 1.0), (2.0, 5.0), (3.0, 4.0)], "NaN reads as the clip's start, infinity as its end");
        let ass = ass_script(&l, CaptionStyle::get("highlight"), 1080, 1920);
        assert_eq!(ass.matches("Dialogue:").count(), 3);
    }

    #[test]
    fn unknown_styles_fall_back_to_classic() {
        assert_eq!(CaptionStyle::get("neon").id, "classic");
        assert!(CaptionStyle::exists("highlight") && !CaptionStyle::exists("neon"));
        assert_eq!(ass_time(3725.456), "1:02:05.46");
    }
}
