//! FFmpeg and ffprobe, run as child processes.

use std::{ffi::OsString, path::Path, process::Stdio, time::Duration};

use anyhow::Context as _;
use domain::media::MediaKind;
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// ffmpeg's demuxer for a kind of file we accept.
pub fn demuxer(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Mp4 | MediaKind::Mov | MediaKind::M4a => "mov",
        MediaKind::Matroska => "matroska",
        MediaKind::Avi => "avi",
        MediaKind::MpegTs => "mpegts",
        MediaKind::Mp3 => "mp3",
        MediaKind::Wav => "wav",
        MediaKind::Ogg => "ogg",
    }
}

/// The input options for a file a user supplied, placed before `-i`: the demuxer pinned with `-f` (from the
/// file's first bytes, or for a presigned URL from the stored key's extension, which was itself set from the sniffed
/// type) and `-protocol_whitelist` limited to what the input needs (local files only; http/https/tcp/tls for a
/// presigned URL). A file can then never be read as a playlist or a concat list that makes ffmpeg open other files
/// or URLs. Unknown types are refused.
pub fn input_args(input: &str) -> anyhow::Result<Vec<OsString>> {
    let (kind, protocols) = if input.starts_with("http://") || input.starts_with("https://") {
        // The path of a presigned URL, before its query: `…/sources/<id>/source.<ext>`.
        let path = input.split(['?', '#']).next().unwrap_or_default();
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let kind = MediaKind::ALL.into_iter().find(|k| k.extension() == ext);
        (kind, "http,https,tcp,tls")
    } else {
        let mut head = vec![0u8; domain::media::SNIFF_BYTES];
        let n = std::io::Read::read(
            &mut std::fs::File::open(input).with_context(|| format!("opening {input}"))?,
            &mut head,
        )
        .context("reading the file's first bytes")?;
        (domain::media::sniff(&head[..n]), "file")
    };
    let kind = kind.context("the file is not a supported audio or video format")?;
    Ok(["-protocol_whitelist", protocols, "-f", demuxer(kind), "-i", input].into_iter().map(OsString::from).collect())
}

fn local_input(path: &Path) -> anyhow::Result<Vec<OsString>> {
    input_args(path.to_str().context("the file's path is not UTF-8")?)
}

/// Produces the demo's sample video at `out` (H.264 + AAC in MP4): the `speech` (a WAV) over a slowly moving
/// 1280×720 colour gradient, as long as the speech or cut to `cap_seconds` (tests, which also get real-time pacing).
/// `progress` gets the share done, 0.0–1.0.
pub async fn generate_sample(
    out: &Path,
    speech: &Path,
    cap_seconds: Option<u32>,
    progress: tokio::sync::watch::Sender<f64>,
) -> anyhow::Result<()> {
    let seconds = match cap_seconds {
        Some(cap) => f64::from(cap),
        None => probe(speech).await.context("probing the synthesised speech")?.duration_seconds,
    };
    let d = format!("{seconds:.3}");
    // Tests pace the generator at real time (`-re`) so they can watch or interrupt it.
    let pace = if cap_seconds.is_some() { "-re" } else { "" };
    let background = format!("gradients=s=1280x720:r=25:c0=0x1e3a8a:c1=0x7c3aed:c2=0x0f766e:n=3:speed=0.01:d={d}");
    let mut args: Vec<std::ffi::OsString> = [pace, "-f", "lavfi", "-i", &background, pace, "-i"]
        .into_iter()
        .filter(|a| !a.is_empty())
        .map(Into::into)
        .collect();
    args.push(speech.as_os_str().to_owned());
    args.extend(
        ["-t", &d, "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-pix_fmt", "yuv420p"]
            .into_iter()
            .chain(["-c:a", "aac", "-b:a", "96k", "-shortest", "-movflags", "+faststart", "-f", "mp4", "-y"])
            .map(Into::into),
    );
    args.push(out.as_os_str().to_owned());
    run_with_progress(&args, seconds, None, progress).await
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
    // FFmpeg names its inputs in its messages: a presigned URL must not reach a stored error or a log.
    anyhow::ensure!(
        out.status.success(),
        "ffmpeg failed ({}): {}",
        out.status,
        backend::redact::drop_urls(String::from_utf8_lossy(&out.stderr).trim())
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
    let mut input = local_input(path)?;
    input.retain(|a| a != "-i"); // ffprobe takes the input as a plain argument
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("ffprobe")
            .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
            .args(&input)
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
    let input = local_input(input)?;
    let mut args: Vec<&std::ffi::OsStr> = input.iter().map(OsString::as_os_str).collect();
    args.extend::<[&std::ffi::OsStr; 5]>([
        "-vn".as_ref(),
        "-ac".as_ref(),
        "1".as_ref(),
        "-ar".as_ref(),
        "16000".as_ref(),
    ]);
    args.extend_from_slice(output);
    ffmpeg(&args).await.context("extracting the audio")
}

/// How far a file's decoded length may differ from the length its header claims before it is refused.
pub const LENGTH_TOLERANCE: f64 = 0.10;

/// How much audio to decode at most from a file whose header says `header_seconds`: a little more than the header,
/// so a file that lies about its length is caught without decoding hours of it.
pub fn decode_cap(header_seconds: f64) -> Option<f64> {
    (header_seconds > 0.0).then_some(header_seconds * (1.0 + 2.0 * LENGTH_TOLERANCE) + 5.0)
}

/// The longest sound a file whose header says `header_seconds` may have: [`LENGTH_TOLERANCE`] more, and a second.
fn length_limit(header_seconds: f64) -> Option<f64> {
    (header_seconds > 0.0).then_some(header_seconds * (1.0 + LENGTH_TOLERANCE) + 1.0)
}

/// Why a file's sound could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// Decoding worked and found no sound.
    #[error("the file has no sound to transcribe")]
    NoSound,
    /// The sound outlasts the header's claim (minutes are reserved from the header).
    #[error("the file's sound lasts at least {decoded:.0} s but its header says {header:.0} s")]
    Length {
        /// What the header claims, in seconds.
        header: f64,
        /// What was decoded before decoding stopped, in seconds.
        decoded: f64,
    },
    /// FFmpeg could not decode the file (its message, with URLs removed).
    #[error("extracting the audio: {0}")]
    Decode(String),
}

impl AudioError {
    /// What the owner reads.
    pub fn failure(&self) -> domain::Failure {
        match self {
            AudioError::NoSound => domain::Failure::NoSound,
            AudioError::Length { header, decoded } => domain::Failure::LengthMismatch {
                header_seconds: header.round() as u32,
                decoded_seconds: decoded.floor() as u32,
            },
            AudioError::Decode(_) => domain::Failure::Unreadable,
        }
    }
}

/// Refuses a file whose decoded sound lasts longer than its header claims by more than [`LENGTH_TOLERANCE`] (minutes
/// are reserved from the header, the file's own claim). Shorter sound is normal (a recording whose audio stops
/// before its picture) and is charged on what was decoded.
pub fn check_decoded_length(header_seconds: f64, decoded_seconds: f64) -> Result<(), AudioError> {
    match length_limit(header_seconds) {
        Some(limit) if decoded_seconds > limit => {
            Err(AudioError::Length { header: header_seconds, decoded: decoded_seconds })
        }
        _ => Ok(()),
    }
}

/// The sound of a file as mono 32-bit float samples in [-1, 1] (16 kHz from [`PcmReader::open`], what Whisper
/// reads; any rate from [`PcmReader::open_at`]), read while FFmpeg decodes it: blocking reads, for the speech model's thread, holding no more than one read's worth, so memory stays
/// flat whatever the length. Decoding stops at [`decode_cap`] of the header's length, and reading fails as soon as
/// the sound outlasts the header ([`check_decoded_length`]); [`PcmReader::finish`] checks how FFmpeg ended.
pub struct PcmReader {
    child: std::process::Child,
    stdout: std::process::ChildStdout,
    errors: Option<std::thread::JoinHandle<String>>,
    header_seconds: f64,
    rate: u32,
    samples: u64,
    buf: Vec<u8>,
    carry: Vec<u8>,
}

impl PcmReader {
    /// Samples per second from [`PcmReader::open`].
    pub const RATE: u32 = 16_000;

    /// Starts decoding `input`, a local file a user supplied, whose header says `header_seconds` (0 when unknown).
    pub fn open(input: &Path, header_seconds: f64) -> anyhow::Result<PcmReader> {
        PcmReader::open_at(input.to_str().context("the file's path is not UTF-8")?, Self::RATE, header_seconds)
    }

    /// Starts decoding `input` (a local path or a URL, see [`input_args`]) at `rate` samples per second.
    pub fn open_at(input: &str, rate: u32, header_seconds: f64) -> anyhow::Result<PcmReader> {
        let mut args: Vec<OsString> =
            ["-hide_banner", "-nostdin", "-loglevel", "error"].map(OsString::from).into_iter().collect();
        args.extend(input_args(input)?);
        args.extend(["-vn".into(), "-ac".into(), "1".into(), "-ar".into(), rate.to_string().into()]);
        if let Some(cap) = decode_cap(header_seconds) {
            args.extend(["-t".into(), format!("{cap:.3}").into()]);
        }
        args.extend(["-f", "f32le", "pipe:1"].map(OsString::from));
        let mut child = std::process::Command::new("ffmpeg")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting ffmpeg (is it installed?)")?;
        let stdout = child.stdout.take().context("ffmpeg's output")?;
        let mut stderr = child.stderr.take().context("ffmpeg's messages")?;
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        Ok(PcmReader {
            child,
            stdout,
            errors: Some(errors),
            header_seconds,
            rate,
            samples: 0,
            buf: vec![0u8; 64 * 1024],
            carry: Vec::with_capacity(4),
        })
    }

    /// Seconds of sound decoded so far.
    pub fn decoded_seconds(&self) -> f64 {
        self.samples as f64 / f64::from(self.rate)
    }

    /// Appends the next samples to `out` and returns how many; 0 at the end of the sound. Fails once the sound
    /// outlasts the header's claim.
    pub fn read(&mut self, out: &mut Vec<f32>) -> Result<usize, AudioError> {
        loop {
            let n = match std::io::Read::read(&mut self.stdout, &mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(AudioError::Decode(format!("reading decoded audio: {e}"))),
            };
            if n == 0 {
                return Ok(0);
            }
            self.carry.extend_from_slice(&self.buf[..n]);
            let whole = self.carry.len() / 4 * 4;
            let before = out.len();
            out.extend(self.carry[..whole].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
            self.carry.drain(..whole);
            let got = out.len() - before;
            self.samples += got as u64;
            check_decoded_length(self.header_seconds, self.decoded_seconds())?;
            if got > 0 {
                return Ok(got);
            }
        }
    }

    /// Waits for FFmpeg and returns the seconds of sound decoded; fails when FFmpeg failed, when there was no
    /// sound, or when the sound outlasts its header.
    pub fn finish(mut self) -> Result<f64, AudioError> {
        let status = self.child.wait().map_err(|e| AudioError::Decode(format!("waiting for ffmpeg: {e}")))?;
        let errors = self.errors.take().and_then(|h| h.join().ok()).unwrap_or_default();
        if !status.success() {
            return Err(AudioError::Decode(format!(
                "ffmpeg failed ({status}): {}",
                backend::redact::drop_urls(errors.trim())
            )));
        }
        if self.samples == 0 {
            return Err(AudioError::NoSound);
        }
        let decoded = self.decoded_seconds();
        check_decoded_length(self.header_seconds, decoded)?;
        Ok(decoded)
    }
}

impl Drop for PcmReader {
    fn drop(&mut self) {
        // Still running when the reader is dropped early (a refused length, a failed model): stop decoding.
        if self.errors.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The whole sound of `input` in memory ([`PcmReader`] read to the end): for short files, tests and benchmarks;
/// the transcription job streams instead.
pub async fn extract_pcm(input: &Path, header_seconds: f64) -> anyhow::Result<Vec<f32>> {
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut reader = PcmReader::open(&input, header_seconds)?;
        let mut samples = Vec::new();
        while reader.read(&mut samples)? > 0 {}
        reader.finish()?;
        Ok(samples)
    })
    .await
    .context("the audio reader crashed")?
}

/// The sound of `input` as 16 kHz mono MP3 at 48 kbit/s in `out` (about 6 KB a second: an hour is ~21 MB), for the
/// transcription APIs; at most [`decode_cap`] of `header_seconds`, and refused when its length does not match the
/// header ([`check_decoded_length`]). Returns the decoded length in seconds.
pub async fn extract_mp3(input: &Path, header_seconds: f64, out: &Path) -> Result<f64, AudioError> {
    let cap = decode_cap(header_seconds).map(|c| format!("{c:.3}"));
    let mut format: Vec<&std::ffi::OsStr> = Vec::new();
    if let Some(cap) = &cap {
        format.extend::<[&std::ffi::OsStr; 2]>(["-t".as_ref(), cap.as_ref()]);
    }
    format.extend::<[&std::ffi::OsStr; 8]>([
        "-c:a".as_ref(),
        "libmp3lame".as_ref(),
        "-b:a".as_ref(),
        "48k".as_ref(),
        "-f".as_ref(),
        "mp3".as_ref(),
        "-y".as_ref(),
        out.as_os_str(),
    ]);
    mono_16k(input, &format).await.map_err(|e| AudioError::Decode(format!("{e:#}")))?;
    let decoded = probe(out).await.map_err(|e| AudioError::Decode(format!("{e:#}")))?.duration_seconds;
    check_decoded_length(header_seconds, decoded)?;
    Ok(decoded)
}

/// The silences in `input` (quieter than -30 dB for at least 0.3 s) as (start, end) seconds, in order.
pub async fn silences(input: &Path) -> anyhow::Result<Vec<(f64, f64)>> {
    let out = tokio::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin"])
        .args(local_input(input)?)
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
    let input = local_input(input)?;
    let mut args: Vec<&std::ffi::OsStr> = vec!["-ss".as_ref(), from.as_ref(), "-to".as_ref(), to.as_ref()];
    args.extend(input.iter().map(OsString::as_os_str));
    args.extend::<[&std::ffi::OsStr; 6]>([
        "-c".as_ref(),
        "copy".as_ref(),
        "-f".as_ref(),
        "mp3".as_ref(),
        "-y".as_ref(),
        out.as_os_str(),
    ]);
    ffmpeg(&args).await.context("cutting the audio")?;
    Ok(())
}
