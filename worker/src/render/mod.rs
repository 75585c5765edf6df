//! Rendering one clip with FFmpeg: trim, reframe to 9:16 at 1080×1920, burn in the captions (ASS built from the
//! word timings, [`domain::captions`]), the watermark on the Free plan, H.264 + AAC with the index first
//! (`+faststart`), then a JPEG thumbnail.
//!
//! Trimming puts `-ss` before the input: FFmpeg seeks to the keyframe before the start (fast, and over HTTP a
//! ranged read of a stored source) and, because the video is re-encoded, decodes and drops the frames up to the
//! exact start, so the clip begins on the right frame. `-t` then cuts it to its length.
//!
//! A clip the creator edited plays several pieces of the source ([`domain::edit::segments`]: the range minus the
//! words cut out). One seek reads from the first piece's start; each piece is cut from the decoded stream with
//! `trim`/`atrim` (frame-accurate), its sound faded in and out over [`CUT_FADE_SECONDS`] so no cut clicks, and the
//! pieces are joined with `concat` before the reframing and the captions, still in one FFmpeg pass. The captions are
//! the edit's ([`domain::edit::caption_lines`]): corrected words, forced line breaks, times after the cuts, the
//! chosen look; the browser's preview computes the same lines.
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
    edit::{self, CUT_FADE_SECONDS, ClipEdit, Span},
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
    /// The range, the words cut out, the corrected words and the caption line breaks.
    pub edit: ClipEdit,
    /// How the frame becomes 9:16.
    pub layout: ClipLayout,
    /// The caption style (a preset with the edit's look applied).
    pub style: CaptionStyle,
    /// Draw the watermark (the Free plan).
    pub watermark: bool,
}

impl Spec {
    /// An unedited clip over `start..end` of the source.
    pub fn new(start: f64, end: f64, layout: ClipLayout, style: &CaptionStyle, watermark: bool) -> Spec {
        Spec { edit: ClipEdit::new(start, end), layout, style: *style, watermark }
    }

    /// The creator's `edit`, its look applied on top of the clip's stored style.
    pub fn edited(edit: ClipEdit, layout: ClipLayout, stored_style: &str, watermark: bool) -> Spec {
        let style = edit.captions.style(stored_style);
        Spec { edit, layout, style, watermark }
    }

    /// The range's start in the source, seconds.
    pub fn start(&self) -> f64 {
        self.edit.start
    }

    /// The range's end in the source, seconds.
    pub fn end(&self) -> f64 {
        self.edit.end
    }

    /// The pieces of the source the clip plays.
    pub fn segments(&self, words: &[Word]) -> Vec<Span> {
        edit::segments(&self.edit, words)
    }
}

/// The length of the clip the pieces make, seconds.
pub fn duration(segments: &[Span]) -> f64 {
    edit::output_duration(segments)
}

/// A value safe inside a filter option: `\`, `'` and `:` escaped.
fn filter_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'").replace(':', "\\:")
}

/// The filter graph, from input `[0:v]` (and `[0:a]` when the clip has several pieces) to `[v]` (and `[a]`).
/// `segments` are the pieces in the source; the input is read from the first one's start. `subtitles`: the ASS
/// file's name (relative to the directory ffmpeg runs in) when there are captions.
pub fn filter_graph(spec: &Spec, segments: &[Span], settings: &RenderConfig, subtitles: Option<&str>) -> String {
    let (w, h) = (WIDTH, HEIGHT);
    let mut graph = String::new();
    let video = if segments.len() > 1 {
        let origin = segments[0].start;
        let n = segments.len();
        let pads = |p: &str| (0..n).map(|i| format!("[{p}{i}]")).collect::<String>();
        graph.push_str(&format!("[0:v]split={n}{};[0:a]asplit={n}{};", pads("vs"), pads("as")));
        for (i, s) in segments.iter().enumerate() {
            let (a, b) = (s.start - origin, s.end - origin);
            let fade_out = (s.len() - CUT_FADE_SECONDS).max(0.0);
            graph.push_str(&format!(
                "[vs{i}]trim=start={a:.6}:end={b:.6},setpts=PTS-STARTPTS[v{i}];\
                 [as{i}]atrim=start={a:.6}:end={b:.6},asetpts=PTS-STARTPTS,\
                 afade=t=in:st=0:d={CUT_FADE_SECONDS},afade=t=out:st={fade_out:.6}:d={CUT_FADE_SECONDS}[a{i}];"
            ));
        }
        let joined: String = (0..n).map(|i| format!("[v{i}][a{i}]")).collect();
        graph.push_str(&format!("{joined}concat=n={n}:v=1:a=1[vcat][a];"));
        "[vcat]"
    } else {
        "[0:v]"
    };
    graph.push_str(&match spec.layout {
        ClipLayout::Crop => {
            format!("{video}crop='min(iw,ih*9/16)':'min(ih,iw*16/9)',scale={w}:{h},setsar=1")
        }
        ClipLayout::Fit => format!(
            "{video}split=2[bgsrc][fgsrc];\
             [bgsrc]scale={bw}:{bh}:force_original_aspect_ratio=increase,crop={bw}:{bh},gblur=sigma=8,scale={w}:{h}[bg];\
             [fgsrc]scale={w}:{h}:force_original_aspect_ratio=decrease[fg];\
             [bg][fg]overlay=(W-w)/2:(H-h)/2,setsar=1",
            bw = w / 4,
            bh = h / 4,
        ),
    });
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

/// The ffmpeg arguments (after the global ones) that render the `segments` of `spec` from `input` (a path or URL)
/// to `out`.
pub fn command(
    spec: &Spec,
    segments: &[Span],
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
    let (first, last) = match (segments.first(), segments.last()) {
        (Some(f), Some(l)) => (f.start, l.end),
        _ => anyhow::bail!("nothing of the clip is left to render"),
    };
    push("-ss");
    push(&format!("{first:.3}"));
    args.extend(input_args);
    let mut push = |a: &str| args.push(a.into());
    push("-t");
    push(&format!("{:.3}", last - first));
    push("-filter_complex");
    push(&filter_graph(spec, segments, settings, subtitles));
    let audio = if segments.len() > 1 { "[a]" } else { "0:a?" };
    for a in ["-map", "[v]", "-map", audio, "-c:v", "libx264", "-preset", &settings.preset, "-crf"] {
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

/// Renders `spec` from `input` into `out`, with captions from `words` (source timings, the whole transcript: the
/// edit's word indices point into it), working in `dir` (the captions file, [`SUBTITLES_FILE`], stays there).
/// `progress` gets the share done. A clip that comes out empty (bounds outside the video) is [`Rejected`].
pub async fn render(
    spec: &Spec,
    settings: &RenderConfig,
    words: &[Word],
    input: &str,
    dir: &Path,
    out: &Path,
    progress: tokio::sync::watch::Sender<f64>,
) -> anyhow::Result<Rendered> {
    let segments = spec.segments(words);
    if segments.is_empty() {
        return Err(Rejected::because(Failure::ClipOutside, "nothing of the clip is left to render").into());
    }
    let lines = edit::caption_lines(&spec.edit, words, &spec.style);
    let subtitles = if lines.is_empty() {
        None
    } else {
        let script = captions::ass_script(&lines, &spec.style, WIDTH, HEIGHT);
        tokio::fs::write(dir.join(SUBTITLES_FILE), script).await.context("writing the captions")?;
        Some(SUBTITLES_FILE)
    };
    let args = command(spec, &segments, settings, input, out, subtitles)
        .map_err(|e| Rejected::because(Failure::Unreadable, e))?;
    media::run_with_progress(&args, duration(&segments), Some(dir), progress).await?;
    let probe = media::probe(out).await.map_err(|e| Rejected::because(Failure::RenderFailed, e))?;
    if !probe.has_video || probe.duration_seconds < 0.1 {
        return Err(Rejected::because(
            Failure::ClipOutside,
            format_args!("the clip {:.1}–{:.1} s is outside the video: nothing was rendered", spec.start(), spec.end()),
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

/// A 180×320 copy of the thumbnail `thumb` at `out`, for platforms that take small thumbnails with a post.
pub async fn post_thumbnail(thumb: &Path, out: &Path) -> anyhow::Result<()> {
    let args: Vec<OsString> = ["-i"]
        .into_iter()
        .map(OsString::from)
        .chain([thumb.as_os_str().to_owned()])
        .chain(["-vf", "scale=180:320", "-q:v", "5", "-y"].into_iter().map(OsString::from))
        .chain([out.as_os_str().to_owned()])
        .collect();
    let (tx, _rx) = tokio::sync::watch::channel(0.0);
    media::run_with_progress(&args, 0.0, None, tx).await.context("making the post thumbnail")
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
        Spec::new(120.5, 165.0, layout, CaptionStyle::get("classic"), watermark)
    }

    fn whole(spec: &Spec) -> Vec<Span> {
        vec![spec.edit.range()]
    }

    #[test]
    fn the_command_seeks_before_the_input_and_encodes_as_the_seed_says() {
        let input = "http://s3/b/sources/v/source.mp4?X-Amz-Signature=1";
        let s = spec(ClipLayout::Crop, false);
        let args = command(&s, &whole(&s), &settings(), input, Path::new("out.mp4"), Some("subs.ass")).unwrap();
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
        let s = spec(ClipLayout::Fit, true);
        let graph = filter_graph(&s, &whole(&s), &settings(), None);
        assert!(graph.contains("gblur") && graph.contains("overlay=(W-w)/2:(H-h)/2"), "{graph}");
        assert!(
            graph.contains("drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:text=ClipMaker:")
        );
        assert!(!graph.contains("ass="), "no captions without words");
        assert!(graph.ends_with("[v]"));
    }

    #[test]
    fn remote_inputs_reconnect_and_filter_values_are_escaped() {
        let s = spec(ClipLayout::Crop, false);
        let args = command(&s, &whole(&s), &settings(), "http://s3/b/s.mp3?a=1", Path::new("o.mp4"), None).unwrap();
        assert_eq!(args[0], "-reconnect");
        assert!(args.windows(2).any(|w| w[0] == "-f" && w[1] == "mp3"), "the demuxer is pinned");
        // A source whose type is unknown is never handed to ffmpeg to guess.
        assert!(command(&s, &whole(&s), &settings(), "http://s3/x?a=1", Path::new("o.mp4"), None).is_err());
        assert_eq!(filter_value("it's C:\\x"), "it\\'s C\\:\\\\x");
    }

    #[test]
    fn several_pieces_are_trimmed_faded_and_joined_in_one_pass() {
        let s = spec(ClipLayout::Crop, false);
        let pieces = [Span { start: 120.5, end: 130.0 }, Span { start: 131.25, end: 165.0 }];
        let args = command(&s, &pieces, &settings(), "/tmp/in.mp4", Path::new("o.mp4"), None);
        // A local path is sniffed: the file does not exist here, so only the graph is checked.
        assert!(args.is_err());
        let graph = filter_graph(&s, &pieces, &settings(), Some("subs.ass"));
        assert!(graph.starts_with("[0:v]split=2[vs0][vs1];[0:a]asplit=2[as0][as1];"), "{graph}");
        assert!(graph.contains("[vs1]trim=start=10.750000:end=44.500000,setpts=PTS-STARTPTS[v1]"), "{graph}");
        assert!(graph.contains("afade=t=in:st=0:d=0.005,afade=t=out:st=9.495000:d=0.005[a0]"), "{graph}");
        assert!(graph.contains("[v0][a0][v1][a1]concat=n=2:v=1:a=1[vcat][a];[vcat]crop="), "{graph}");
        assert!(graph.ends_with("ass=filename=subs.ass:fontsdir=/usr/share/fonts/truetype/dejavu[v]"), "{graph}");
        assert!(command(&s, &[], &settings(), "http://s3/b/s.mp4?a=1", Path::new("o.mp4"), None).is_err());
    }
}
