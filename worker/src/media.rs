//! FFmpeg and ffprobe, run as child processes.

use std::{path::Path, process::Stdio, time::Duration};

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// Produces a `seconds`-long test-pattern video with a tone at `out` (H.264 + AAC in MP4), reading its inputs at
/// real-time speed so it takes about `seconds` — the demo's stand-in for a download. `progress` gets the share done,
/// 0.0–1.0.
pub async fn generate_sample(
    out: &Path,
    seconds: u32,
    progress: tokio::sync::watch::Sender<f64>,
) -> anyhow::Result<()> {
    let d = seconds.to_string();
    let args: Vec<std::ffi::OsString> = [
        "-re".to_owned(),
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("testsrc2=size=640x360:rate=25:duration={d}"),
        "-re".into(),
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("sine=frequency=440:sample_rate=44100:duration={d}"),
    ]
    .into_iter()
    .map(Into::into)
    .chain(
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
            .into_iter()
            .chain(["-movflags", "+faststart", "-f", "mp4", "-y"])
            .map(Into::into),
    )
    .chain([out.as_os_str().to_owned()])
    .collect();
    run_with_progress(&args, f64::from(seconds), None, progress).await
}

/// Runs ffmpeg with `args` (in `dir` when given), following its `-progress` output: `progress` gets the share of
/// `total_seconds` written so far, 0.0–1.0. Fails with ffmpeg's message.
pub async fn run_with_progress(
    args: &[std::ffi::OsString],
    total_seconds: f64,
    dir: Option<&Path>,
    progress: tokio::sync::watch::Sender<f64>,
) -> anyhow::Result<()> {
    let mut command = tokio::process::Command::new("ffmpeg");
    command
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-nostats", "-progress", "pipe:1"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().context("starting ffmpeg (is it installed?)")?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let total_us = total_seconds.max(0.001) * 1_000_000.0;
    while let Some(line) = lines.next_line().await? {
        if let Some(us) = line.strip_prefix("out_time_us=").and_then(|v| v.trim().parse::<f64>().ok()) {
            progress.send_replace((us / total_us).clamp(0.0, 1.0));
        }
    }
    let out = child.wait_with_output().await.context("waiting for ffmpeg")?;
    anyhow::ensure!(
        out.status.success(),
        "ffmpeg failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

/// What ffprobe reports about a media file.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Length in seconds.
    pub duration_seconds: f64,
    /// Whether it has a video stream.
    pub has_video: bool,
    /// Whether it has an audio stream.
    pub has_audio: bool,
}

/// Runs ffprobe on `path`. Fails with a readable message for files that are not media.
pub async fn probe(path: &Path) -> anyhow::Result<Probe> {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("ffprobe")
            .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
            .arg(path)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .context("ffprobe did not finish within 60 s")?
    .context("starting ffprobe (is it installed?)")?;
    anyhow::ensure!(
        out.status.success(),
        "ffprobe could not read the file: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).context("ffprobe printed malformed JSON")?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let kind = |k: &str| streams.iter().any(|s| s["codec_type"] == k);
    let duration_seconds = json["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse::<f64>().ok())
        .context("ffprobe reported no duration")?;
    Ok(Probe { duration_seconds, has_video: kind("video"), has_audio: kind("audio") })
}

/// Runs ffmpeg with `args` (quiet, no stdin) and returns its stdout; fails with ffmpeg's message.
async fn ffmpeg(args: &[&std::ffi::OsStr]) -> anyhow::Result<std::process::Output> {
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("starting ffmpeg (is it installed?)")?;
    anyhow::ensure!(
        out.status.success(),
        "ffmpeg failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(out)
}

/// Runs ffmpeg on the sound of `input`, resampled to 16 kHz mono, with the `output` arguments after it.
async fn mono_16k(input: &Path, output: &[&std::ffi::OsStr]) -> anyhow::Result<std::process::Output> {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "-i".as_ref(),
        input.as_os_str(),
        "-vn".as_ref(),
        "-ac".as_ref(),
        "1".as_ref(),
        "-ar".as_ref(),
        "16000".as_ref(),
    ];
    args.extend_from_slice(output);
    ffmpeg(&args).await.context("extracting the audio")
}

/// The sound of `input` as 16 kHz mono 32-bit float samples in [-1, 1] (what Whisper reads). A file without sound
/// fails with a readable message.
pub async fn extract_pcm(input: &Path) -> anyhow::Result<Vec<f32>> {
    let out = mono_16k(input, &["-f".as_ref(), "f32le".as_ref(), "pipe:1".as_ref()]).await?;
    Ok(out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// The sound of `input` as 16 kHz mono MP3 at 48 kbit/s in `out` (about 6 KB a second: an hour is ~21 MB), for the
/// transcription APIs.
pub async fn extract_mp3(input: &Path, out: &Path) -> anyhow::Result<()> {
    let format: [&std::ffi::OsStr; 8] = [
        "-c:a".as_ref(),
        "libmp3lame".as_ref(),
        "-b:a".as_ref(),
        "48k".as_ref(),
        "-f".as_ref(),
        "mp3".as_ref(),
        "-y".as_ref(),
        out.as_os_str(),
    ];
    mono_16k(input, &format).await?;
    Ok(())
}

/// The silences in `input` (quieter than -30 dB for at least 0.3 s) as (start, end) seconds, in order.
pub async fn silences(input: &Path) -> anyhow::Result<Vec<(f64, f64)>> {
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(input)
        .args(["-af", "silencedetect=noise=-30dB:d=0.3", "-f", "null", "-"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("starting ffmpeg (is it installed?)")?;
    anyhow::ensure!(out.status.success(), "ffmpeg silencedetect failed ({})", out.status);
    Ok(parse_silences(&String::from_utf8_lossy(&out.stderr)))
}

/// Reads `silence_start: x` / `silence_end: y` pairs from ffmpeg's silencedetect log.
pub fn parse_silences(log: &str) -> Vec<(f64, f64)> {
    let number = |line: &str, key: &str| -> Option<f64> {
        let rest = &line[line.find(key)? + key.len()..];
        rest.split_whitespace().next()?.trim_end_matches('|').parse().ok()
    };
    let mut out = Vec::new();
    let mut start = None;
    for line in log.lines() {
        if let Some(s) = number(line, "silence_start: ") {
            start = Some(s.max(0.0));
        } else if let (Some(e), Some(s)) = (number(line, "silence_end: "), start) {
            out.push((s, e));
            start = None;
        }
    }
    out
}

/// Copies `from`..`to` seconds of the MP3 `input` into `out` without re-encoding.
pub async fn cut_mp3(input: &Path, from: f64, to: f64, out: &Path) -> anyhow::Result<()> {
    let (from, to) = (format!("{from:.3}"), format!("{to:.3}"));
    ffmpeg(&[
        "-ss".as_ref(),
        from.as_ref(),
        "-to".as_ref(),
        to.as_ref(),
        "-i".as_ref(),
        input.as_os_str(),
        "-c".as_ref(),
        "copy".as_ref(),
        "-f".as_ref(),
        "mp3".as_ref(),
        "-y".as_ref(),
        out.as_os_str(),
    ])
    .await
    .context("cutting the audio")?;
    Ok(())
}
