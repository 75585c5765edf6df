//! Rendering one clip with FFmpeg: trim, reframe to 9:16 at 1080×1920, burn in the captions (ASS built from the
//! word timings, [`domain::captions`]), the watermark on the Free plan, H.264 + AAC with the index first
//! (`+faststart`), then a JPEG thumbnail.
//!
//! Trimming puts `-ss` before the input: FFmpeg seeks to the keyframe before the start (fast, and over HTTP a
//! ranged read of a stored source) and, because the video is re-encoded, decodes and drops the frames up to the
//! exact start, so the clip begins on the right frame. `-t` then cuts it to its length.
//!
//! [`command`] builds the arguments and nothing else, so the benchmark can time the bare command against
//! [`render`] (which adds the captions file, progress and checks), and `worker process` and the job share one path.

pub mod job;

use std::{ffi::OsString, path::Path};

use anyhow::Context as _;
use backend::config::RenderConfig;
use domain::{
    ClipLayout,
    captions::{self, CaptionStyle},
    transcript::Word,
};

use domain::Failure;

use crate::{Rejected, media};

/// The frame every clip is rendered at.
pub const WIDTH: u32 = 1080;
/// The frame's height.
pub const HEIGHT: u32 = 1920;
/// The captions file's name in the render's directory.
pub const SUBTITLES_FILE: &str = "subs.ass";

/// What to render.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Start in the source, seconds.
    pub start: f64,
    /// End in the source, seconds.
    pub end: f64,
    /// How the frame becomes 9:16.
    pub layout: ClipLayout,
    /// The caption style.
    pub style: &'static CaptionStyle,
    /// Draw the watermark (the Free plan).
    pub watermark: bool,
}

impl Spec {
    /// The clip's length in seconds.
    pub fn duration(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }
}

/// A value safe inside a filter option: `\`, `'` and `:` escaped.
fn filter_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'").replace(':', "\\:")
}

/// The video filter graph, from input `[0:v]` to `[v]`. `subtitles`: the ASS file's name (relative to the
/// directory ffmpeg runs in) when there are captions.
pub fn filter_graph(spec: &Spec, settings: &RenderConfig, subtitles: Option<&str>) -> String {
    let (w, h) = (WIDTH, HEIGHT);
    let mut graph = match spec.layout {
        ClipLayout::Crop => {
            format!("[0:v]crop='min(iw,ih*9/16)':'min(ih,iw*16/9)',scale={w}:{h},setsar=1")
        }
        ClipLayout::Fit => format!(
            "[0:v]split=2[bgsrc][fgsrc];\
             [bgsrc]scale={bw}:{bh}:force_original_aspect_ratio=increase,crop={bw}:{bh},gblur=sigma=8,scale={w}:{h}[bg];\
             [fgsrc]scale={w}:{h}:force_original_aspect_ratio=decrease[fg];\
             [bg][fg]overlay=(W-w)/2:(H-h)/2,setsar=1",
            bw = w / 4,
            bh = h / 4,
        ),
    };
    let fonts = filter_value(&settings.fonts_dir.to_string_lossy());
    if let Some(file) = subtitles {
        graph.push_str(&format!(",ass=filename={}:fontsdir={fonts}", filter_value(file)));
    }
    if spec.watermark {
        let font = filter_value(&settings.fonts_dir.join("DejaVuSans-Bold.ttf").to_string_lossy());
        // Letters, digits, spaces, dots and dashes only: nothing that means something to the filter parser.
        let text: String =
            settings.watermark.chars().filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-')).collect();
        graph.push_str(&format!(
            ",drawtext=fontfile={font}:text={}:fontsize=56:fontcolor=white@0.75:\
             shadowcolor=black@0.6:shadowx=3:shadowy=3:x=w-tw-48:y=96",
            text.trim()
        ));
    }
    graph.push_str("[v]");
    graph
}

/// The ffmpeg arguments (after the global ones) that render `spec` from `input` (a path or URL) to `out`.
pub fn command(
    spec: &Spec,
    settings: &RenderConfig,
    input: &str,
    out: &Path,
    subtitles: Option<&str>,
) -> anyhow::Result<Vec<OsString>> {
    let input_args = media::input_args(input)?;
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |a: &str| args.push(a.into());
    if input.starts_with("http://") || input.starts_with("https://") {
        for a in ["-reconnect", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", "5"] {
            push(a);
        }
    }
    push("-ss");
    push(&format!("{:.3}", spec.start));
    args.extend(input_args);
    let mut push = |a: &str| args.push(a.into());
    push("-t");
    push(&format!("{:.3}", spec.duration()));
    push("-filter_complex");
    push(&filter_graph(spec, settings, subtitles));
    for a in ["-map", "[v]", "-map", "0:a?", "-c:v", "libx264", "-preset", &settings.preset, "-crf"] {
        push(a);
    }
    push(&settings.crf.to_string());
    for a in ["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", "-y"] {
        push(a);
    }
    args.push(out.as_os_str().to_owned());
    Ok(args)
}

/// What a render produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Length of the written file, seconds.
    pub duration: f64,
}

/// Renders `spec` from `input` into `out`, with captions from `words` (source timings), working in `dir` (the
/// captions file goes there). `progress` gets the share done. A clip that comes out empty (bounds outside the
/// video) is [`Rejected`].
pub async fn render(
    spec: &Spec,
    settings: &RenderConfig,
    words: &[Word],
    input: &str,
    dir: &Path,
    out: &Path,
    progress: tokio::sync::watch::Sender<f64>,
) -> anyhow::Result<Rendered> {
    let lines = captions::lines(words, spec.start, spec.end, spec.style.words_per_line);
    let subtitles = if lines.is_empty() {
        None
    } else {
        let script = captions::ass_script(&lines, spec.style, WIDTH, HEIGHT);
        tokio::fs::write(dir.join(SUBTITLES_FILE), script).await.context("writing the captions")?;
        Some(SUBTITLES_FILE)
    };
    let args = command(spec, settings, input, out, subtitles).map_err(|e| Rejected::because(Failure::Unreadable, e))?;
    media::run_with_progress(&args, spec.duration(), Some(dir), progress).await?;
    let probe = media::probe(out).await.map_err(|e| Rejected::because(Failure::RenderFailed, e))?;
    if !probe.has_video || probe.duration_seconds < 0.1 {
        return Err(Rejected::because(
            Failure::ClipOutside,
            format_args!("the clip {:.1}–{:.1} s is outside the video: nothing was rendered", spec.start, spec.end),
        )
        .into());
    }
    Ok(Rendered { duration: probe.duration_seconds })
}

/// Writes a 540×960 JPEG of the clip at `out`, taken a third of the way in (at most 2 s), where the captions show.
pub async fn thumbnail(clip: &Path, duration: f64, out: &Path) -> anyhow::Result<()> {
    let at = format!("{:.3}", (duration / 3.0).min(2.0));
    let args: Vec<OsString> = ["-ss", &at, "-i"]
        .into_iter()
        .map(OsString::from)
        .chain([clip.as_os_str().to_owned()])
        .chain(["-frames:v", "1", "-vf", "scale=540:960", "-q:v", "3", "-y"].into_iter().map(OsString::from))
        .chain([out.as_os_str().to_owned()])
        .collect();
    let (tx, _rx) = tokio::sync::watch::channel(0.0);
    media::run_with_progress(&args, duration, None, tx).await.context("taking the thumbnail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RenderConfig {
        RenderConfig {
            fonts_dir: "/usr/share/fonts/truetype/dejavu".into(),
            watermark: "ClipMaker".into(),
            preset: "fast".into(),
            crf: 23,
        }
    }

    fn spec(layout: ClipLayout, watermark: bool) -> Spec {
        Spec { start: 120.5, end: 165.0, layout, style: CaptionStyle::get("classic"), watermark }
    }

    #[test]
    fn the_command_seeks_before_the_input_and_encodes_as_the_seed_says() {
        let input = "http://s3/b/sources/v/source.mp4?X-Amz-Signature=1";
        let args = command(&spec(ClipLayout::Crop, false), &settings(), input, Path::new("out.mp4"), Some("subs.ass"))
            .unwrap();
        let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        let line = args.join(" ");
        let input_part = format!("-ss 120.500 -protocol_whitelist http,https,tcp,tls -f mov -i {input} -t 44.500 ");
        assert!(line.contains(&format!("{input_part}-filter_complex ")), "{line}");
        for part in ["-c:v libx264 -preset fast -crf 23", "-c:a aac -b:a 128k", "-movflags +faststart"] {
            assert!(line.contains(part), "{part} in {line}");
        }
        let graph = &args[args.iter().position(|a| a == "-filter_complex").unwrap() + 1];
        assert!(graph.contains("scale=1080:1920") && graph.contains("ass=filename=subs.ass"), "{graph}");
        assert!(!graph.contains("drawtext"), "no watermark off the Free plan");
    }

    #[test]
    fn fit_blurs_a_background_and_free_adds_the_watermark() {
        let graph = filter_graph(&spec(ClipLayout::Fit, true), &settings(), None);
        assert!(graph.contains("gblur") && graph.contains("overlay=(W-w)/2:(H-h)/2"), "{graph}");
        assert!(
            graph.contains("drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text=ClipMaker:")
        );
        assert!(!graph.contains("ass="), "no captions without words");
        assert!(graph.ends_with("[v]"));
    }

    #[test]
    fn remote_inputs_reconnect_and_filter_values_are_escaped() {
        let args =
            command(&spec(ClipLayout::Crop, false), &settings(), "http://s3/b/s.mp3?a=1", Path::new("o.mp4"), None)
                .unwrap();
        assert_eq!(args[0], "-reconnect");
        assert!(args.windows(2).any(|w| w[0] == "-f" && w[1] == "mp3"), "the demuxer is pinned");
        // A source whose type is unknown is never handed to ffmpeg to guess.
        assert!(
            command(&spec(ClipLayout::Crop, false), &settings(), "http://s3/x?a=1", Path::new("o.mp4"), None).is_err()
        );
        assert_eq!(filter_value("it's C:\\x"), "it\\'s C\\:\\\\x");
    }
}
