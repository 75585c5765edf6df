//! `bench/stt`: the real-time factor and word error rate of the local speech-to-text engine on generated English
//! speech, for each model directory and compute type asked for.
//!
//! Usage: `cargo run -p worker --example stt_bench -- [MINUTES] [MODEL_DIR:COMPUTE_TYPE...]` (defaults: 10, then the
//! default model (`WHISPER_MODEL_DIR`) at int8). With `STT_BENCH_KEEP=<path>` the generated audio is kept there (16 kHz
//! mono WAV) and its reference text written beside it (`<path>.txt`), so another engine can be run on the same audio.
//! Prints one Markdown table row per run: model, compute type, audio length, model load time, transcription time,
//! real-time factor (transcription time / audio length; below 1 is faster than real time) and word error rate.
//! Each model runs once per batch size in `STT_BENCH_BATCHES` (default `1 4`: windows decoded at once, `STT_BATCH`).

use std::{path::PathBuf, process::Command, time::Instant};

use domain::transcript::word_error_rate;
use testkit::speech;
use worker::stt::local::LocalWhisper;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let minutes: f64 = args.next().map(|m| m.parse()).transpose()?.unwrap_or(10.0);
    let mut runs: Vec<(PathBuf, String)> = args
        .map(|a| {
            let (dir, compute) = a.rsplit_once(':').unwrap_or((a.as_str(), "int8"));
            (PathBuf::from(dir), compute.to_owned())
        })
        .collect();
    if runs.is_empty() {
        runs.push((speech::whisper_model_dir(), "int8".into()));
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let dir: PathBuf = std::env::temp_dir().join(format!("cm-stt-bench-{}", std::process::id()));
    let once = speech::speech_wav(&dir, "en-us", &speech::SCRIPT, 0.8);
    let loop_seconds = speech::duration_of(&once);
    let loops = (minutes * 60.0 / loop_seconds).ceil().max(1.0) as usize;
    let long = match std::env::var_os("STT_BENCH_KEEP") {
        Some(path) => PathBuf::from(path),
        None => dir.join("long.wav"),
    };
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-stream_loop"])
        .arg((loops - 1).to_string())
        .arg("-i")
        .arg(&once)
        .args(["-c", "copy", "-y"])
        .arg(&long)
        .status()?;
    anyhow::ensure!(status.success(), "ffmpeg failed");
    let samples = worker::media::extract_pcm(&long, 0.0).await?;
    let audio = samples.len() as f64 / 16_000.0;
    let reference = vec![speech::SCRIPT.join(" "); loops].join(" ");
    if std::env::var_os("STT_BENCH_KEEP").is_some() {
        std::fs::write(long.with_extension("txt"), &reference)?;
    }
    eprintln!("{audio:.0} s of speech ({loops} × the script), {threads} threads");
    println!("| engine | model | compute | audio | load | transcription | real-time factor | WER |");
    println!("|---|---|---|---|---|---|---|---|");
    // CTranslate2's matrix products: oneDNN with the `onednn` feature, else ruy.
    let backend = if cfg!(feature = "onednn") { "oneDNN" } else { "ruy" };
    let batches: Vec<usize> = std::env::var("STT_BENCH_BATCHES")
        .unwrap_or_else(|_| "1 4".into())
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    for (model_dir, compute) in runs {
        for &batch in &batches {
            let t0 = Instant::now();
            let model = LocalWhisper::load(&model_dir, &compute, threads, "auto")?.with_batch(batch);
            let load = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let transcript = model.transcribe(&samples, &mut |_| {})?;
            let took = t1.elapsed().as_secs_f64();
            let wer = word_error_rate(&reference, &transcript.full_text());
            if std::env::var_os("STT_BENCH_TEXT").is_some() {
                for seg in &transcript.segments {
                    eprintln!("[{:7.2} {:7.2}] {}", seg.start, seg.end, seg.text);
                }
            }
            println!(
                "| ClipMaker ({backend}, batch {batch}) | {} | {compute} | {audio:.0} s | {load:.2} s | {took:.1} s | {:.3} | {:.1} % |",
                model.model_name().trim_start_matches("local/"),
                took / audio,
                wer * 100.0
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
