//! `bench/stt/memory`: peak resident memory of the transcription job's local engine (FFmpeg decoding into the
//! streaming Whisper loop, as `Transcribe` runs it) against the length of the recording.
//!
//! Usage: `cargo run -p worker --example stt_memory -- [MINUTES...]` (default: 10 60 180). Each length runs in a
//! child process of its own so its peak (`VmHWM`) is its own. Prints one Markdown table row per length: audio,
//! transcription time, real-time factor, segments, peak RSS.

use std::{path::PathBuf, process::Command, sync::Arc, time::Instant};

use testkit::speech;
use worker::stt::{Engine as _, LocalEngine, local::LocalWhisper};

/// The process's peak resident set size in KiB (`VmHWM` in /proc/self/status).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Transcribes `file` (`seconds` long) as the job does and prints its table row.
async fn measure(file: PathBuf, seconds: f64) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let model =
        tokio::task::spawn_blocking(move || LocalWhisper::load(&speech::whisper_model_dir(), "int8", threads, "auto"))
            .await??;
    let scratch = file.parent().unwrap().to_owned();
    let (tx, _rx) = tokio::sync::watch::channel(0.0);
    let t = Instant::now();
    let done = LocalEngine { model: Arc::new(model) }.transcribe(&file, seconds, &scratch, tx).await?;
    let took = t.elapsed().as_secs_f64();
    println!(
        "| {:.0} min | {:.0} s | {:.0} s | {:.3} | {} | {:.0} MiB |",
        seconds / 60.0,
        done.decoded_seconds,
        took,
        took / done.decoded_seconds,
        done.transcript.segments.len(),
        peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        let file = PathBuf::from(&args[1]);
        return measure(file, args[2].parse()?).await;
    }
    let minutes: Vec<f64> = if args.is_empty() {
        vec![10.0, 60.0, 180.0]
    } else {
        args.iter().map(|m| m.parse()).collect::<Result<_, _>>()?
    };
    let dir: PathBuf = std::env::temp_dir().join(format!("cm-stt-memory-{}", std::process::id()));
    let once = speech::speech_wav(&dir, "en-us", &speech::SCRIPT, 0.8);
    let loop_seconds = speech::duration_of(&once);
    println!("| length | audio | transcription | real-time factor | segments | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for m in minutes {
        let loops = (m * 60.0 / loop_seconds).ceil().max(1.0) as usize;
        // A compressed file, as users upload: 16 kHz mono MP3 (about 6 KB a second).
        let long = dir.join(format!("talk-{m}.mp3"));
        let status = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-stream_loop"])
            .arg((loops - 1).to_string())
            .arg("-i")
            .arg(&once)
            .args(["-t", &format!("{}", m * 60.0), "-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", "48k"])
            .arg("-y")
            .arg(&long)
            .status()?;
        anyhow::ensure!(status.success(), "ffmpeg failed");
        let seconds = speech::duration_of(&long);
        let me = std::env::current_exe()?;
        let status = Command::new(me).arg("--one").arg(&long).arg(seconds.to_string()).status()?;
        anyhow::ensure!(status.success(), "the {m}-minute run failed");
        let _ = std::fs::remove_file(&long);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
