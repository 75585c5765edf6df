//! The worker's command-line tools, which run the pipeline's own code on local files without the web app, the
//! database, Redis or storage:
//!
//! - `worker process <file> [--out DIR] [--plan free|start|pro|business] [--strategy ru|global] [--style ID]
//!   [--layout crop|fit]`: local speech-to-text, the analyzer from the configuration (`LLM_ANALYZER`; with no key
//!   the local one), then every clip rendered (as many at once as there are cores). Writes `clip-NN.mp4` and
//!   `clip-NN.jpg`, `transcript.json` (segments with word timings), `transcript.srt` and `report.json` (clip
//!   bounds, scores, titles, per-stage wall times) to the output directory (default `./clipmaker-out`).
//! - `worker render <file> --start S --end E --out FILE [--transcript transcript.json] [--style ID] [--layout L]
//!   [--watermark] [--print-command]`: renders one clip as the job does; `--print-command` prints the bare ffmpeg
//!   command instead (run it in the output's directory, where the captions file is written), for the benchmark.
//! - `worker timeline <file> --out DIR`: builds the editor timeline's peaks (`peaks.u8`) and filmstrip sheets
//!   (`sprite-NNN.jpg`) as the `build-timeline` job does, and prints what was built with the wall time.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use anyhow::Context as _;
use backend::{ai::UserKeys, config::PipelineConfig};
use domain::{ClipLayout, PlanId, TextEnum as _, captions::CaptionStyle, transcript::Transcript};
use futures::StreamExt as _;
use serde_json::json;

use crate::{
    analysis, analyze, media,
    render::{self, Spec},
    stt::{self, Engine as _},
};

/// Parsed `--name value` options and positional arguments.
struct Args {
    positional: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(raw: &[String], flags: &[&str]) -> anyhow::Result<Args> {
        let (mut positional, mut options) = (Vec::new(), Vec::new());
        let mut it = raw.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                if flags.contains(&name) {
                    options.push((name.to_owned(), None));
                } else {
                    let v = it.next().with_context(|| format!("--{name} needs a value"))?;
                    options.push((name.to_owned(), Some(v.clone())));
                }
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args { positional, options })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    fn number(&self, name: &str) -> anyhow::Result<Option<f64>> {
        self.get(name).map(|v| v.parse::<f64>().with_context(|| format!("--{name} {v:?} is not a number"))).transpose()
    }

    fn style(&self) -> anyhow::Result<Option<&'static CaptionStyle>> {
        match self.get("style") {
            None => Ok(None),
            Some(s) if CaptionStyle::exists(s) => Ok(Some(CaptionStyle::get(s))),
            Some(s) => anyhow::bail!("--style {s:?}: use one of {:?}", domain::account::CAPTION_STYLES),
        }
    }

    fn layout(&self) -> anyhow::Result<ClipLayout> {
        self.get("layout").map_or(Ok(ClipLayout::Crop), |l| {
            ClipLayout::parse(l).map_err(|_| anyhow::anyhow!("--layout {l:?}: use crop or fit"))
        })
    }
}

/// Runs a command-line tool if `args` (without the program name) names one; `None` if it does not.
pub async fn run(args: &[String]) -> Option<anyhow::Result<()>> {
    let (name, rest) = args.split_first()?;
    match name.as_str() {
        "process" => Some(process(rest).await),
        "render" => Some(render_one(rest).await),
        "timeline" => Some(timeline(rest).await),
        _ => None,
    }
}

fn seconds(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

async fn process(raw: &[String]) -> anyhow::Result<()> {
    let args = Args::parse(raw, &[])?;
    let [input] = args.positional.as_slice() else {
        anyhow::bail!(
            "usage: worker process <file> [--out DIR] [--plan P] [--strategy ru|global] [--style S] [--layout L]"
        );
    };
    let input = PathBuf::from(input);
    let out = PathBuf::from(args.get("out").unwrap_or("clipmaker-out"));
    let plan = PlanId::parse(args.get("plan").unwrap_or("pro")).map_err(|e| anyhow::anyhow!("--plan: {e}"))?;
    let strategy = args.get("strategy").unwrap_or("ru").to_owned();
    let style = args.style()?.unwrap_or(CaptionStyle::get("classic"));
    let layout = args.layout()?;
    let config = PipelineConfig::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let total = Instant::now();

    let t = Instant::now();
    let probe = media::probe(&input).await?;
    anyhow::ensure!(probe.has_audio, "{} has no sound to transcribe", input.display());
    let probe_s = seconds(t);

    let t = Instant::now();
    let dir = config.stt.model_dir.clone().context("set WHISPER_MODEL_DIR to the local speech model")?;
    let stt_cfg = config.stt.clone();
    let model = tokio::task::spawn_blocking(move || stt::local::LocalWhisper::configured(&dir, &stt_cfg)).await??;
    let load_s = seconds(t);
    let t = Instant::now();
    let (tx, mut rx) = tokio::sync::watch::channel(0.0);
    let watcher = tokio::spawn(async move {
        let mut last = 0;
        while rx.changed().await.is_ok() {
            let pct = (*rx.borrow_and_update() * 100.0) as u32;
            if pct >= last + 10 {
                last = pct;
                eprintln!("transcribing: {pct}%");
            }
        }
    });
    let mut transcript = stt::LocalEngine { model: Arc::new(model) }
        .transcribe(&input, probe.duration_seconds, &out, tx)
        .await?
        .transcript;
    let _ = watcher.await;
    stt::tidy(&mut transcript.segments, probe.duration_seconds);
    let transcribe_s = seconds(t);
    std::fs::write(out.join("transcript.json"), serde_json::to_vec_pretty(&transcript)?)?;
    std::fs::write(out.join("transcript.srt"), transcript.to_srt())?;
    eprintln!("transcribed: {} segments, language {}", transcript.segments.len(), transcript.language);

    let t = Instant::now();
    let keys = UserKeys::default();
    let router = crate::llm::router::Router::new(&config.llm, &keys, &strategy)?;
    let request = analysis::Request {
        count: None,
        min_seconds: 15.0,
        max_seconds: 60.0,
        plan_max: domain::Plan::get(plan).max_clips_per_video as usize,
    };
    let mut calls = Vec::new();
    let (candidates, used_llm) = analyze::choose_clips(&router, &transcript, request, plan, true, &mut calls).await?;
    let analyze_s = seconds(t);
    anyhow::ensure!(!candidates.is_empty(), "no clips: the video has no passage of at least 15 s of speech");
    eprintln!("chose {} clips ({})", candidates.len(), if used_llm { "LLM" } else { "local analyzer" });

    let t = Instant::now();
    let watermark = domain::Plan::get(plan).watermark;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let words: Vec<_> = transcript.words().cloned().collect();
    let (words, config, out_dir, input_str) = (&words, &config, &out, input.to_string_lossy().into_owned());
    let input_str = &input_str;
    // The best-scored clips first, as the job system queues them, so the best results come early.
    let order = backend::clips::render_order(&candidates);
    let chosen = &candidates;
    let mut rendered: Vec<(usize, anyhow::Result<f64>, f64, f64)> = futures::stream::iter(order)
        .map(|i| async move {
            let c = &chosen[i];
            let t = Instant::now();
            let spec = Spec::new(c.start, c.end, layout, style, watermark);
            let result = render_into(&spec, config, words, input_str, out_dir, i + 1).await;
            (i, result, seconds(t), seconds(total))
        })
        .buffer_unordered(cores)
        .collect()
        .await;
    // Seconds from the start of the run to the first rendered clip.
    let first_clip_s = rendered.iter().filter(|r| r.1.is_ok()).map(|r| r.3).fold(f64::NAN, f64::min);
    rendered.sort_by_key(|r| r.0);
    let render_s = seconds(t);

    let clips: Vec<serde_json::Value> = rendered
        .iter()
        .map(|(i, result, wall, _)| {
            let c = &candidates[*i];
            let n = i + 1;
            json!({
                "file": format!("clip-{n:02}.mp4"),
                "thumbnail": format!("clip-{n:02}.jpg"),
                "start": c.start,
                "end": c.end,
                "duration": result.as_ref().ok(),
                "title": c.title,
                "cta": c.cta,
                "reason": c.reason,
                "scores": c.virality,
                "render_seconds": wall,
                "error": result.as_ref().err().map(|e| format!("{e:#}")),
            })
        })
        .collect();
    let report = json!({
        "input": input,
        "duration": probe.duration_seconds,
        "language": transcript.language,
        "stt_model": transcript.model,
        "analyzer": if used_llm { "llm" } else { "local" },
        "llm_calls": calls.len(),
        "style": style.id,
        "layout": layout.as_str(),
        "watermark": watermark,
        "timings": {
            "probe": probe_s,
            "load_model": load_s,
            "transcribe": transcribe_s,
            "analyze": analyze_s,
            "render": render_s,
            "first_clip": first_clip_s,
            "total": seconds(total),
        },
        "clips": clips,
    });
    std::fs::write(out.join("report.json"), serde_json::to_vec_pretty(&report)?)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    let failed = rendered.iter().filter(|r| r.1.is_err()).count();
    anyhow::ensure!(failed == 0, "{failed} of {} clips failed to render (see report.json)", rendered.len());
    Ok(())
}

/// Renders clip `n` into `clip-NN.mp4` + `clip-NN.jpg` in `out`, using a directory of its own for the captions.
async fn render_into(
    spec: &Spec,
    config: &PipelineConfig,
    words: &[domain::transcript::Word],
    input: &str,
    out: &Path,
    n: usize,
) -> anyhow::Result<f64> {
    let work = out.join(format!(".clip-{n:02}"));
    std::fs::create_dir_all(&work)?;
    let input = std::path::absolute(input)?;
    let file = std::path::absolute(out.join(format!("clip-{n:02}.mp4")))?;
    let (tx, _rx) = tokio::sync::watch::channel(0.0);
    let done = render::render(spec, &config.render, words, &input.to_string_lossy(), &work, &file, tx).await;
    let _ = std::fs::remove_dir_all(&work);
    let rendered = done?;
    render::thumbnail(&file, rendered.duration, &out.join(format!("clip-{n:02}.jpg"))).await?;
    Ok(rendered.duration)
}

async fn timeline(raw: &[String]) -> anyhow::Result<()> {
    let args = Args::parse(raw, &[])?;
    let usage = "usage: worker timeline <file> --out DIR";
    let ([input], Some(out)) = (args.positional.as_slice(), args.get("out")) else { anyhow::bail!(usage) };
    let out = std::path::absolute(out)?;
    std::fs::create_dir_all(&out)?;
    let input = std::path::absolute(input)?;
    let probe = media::probe(&input).await?;
    let started = Instant::now();
    let built = crate::timeline::build(&input.to_string_lossy(), probe.duration_seconds, probe.has_video, &out).await?;
    std::fs::write(out.join("peaks.u8"), &built.peaks)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{}", json!({ "assets": built.assets, "seconds": seconds, "duration": probe.duration_seconds }));
    Ok(())
}

async fn render_one(raw: &[String]) -> anyhow::Result<()> {
    let args = Args::parse(raw, &["watermark", "print-command"])?;
    let usage = "usage: worker render <file> --start S --end E --out FILE [--transcript transcript.json] \
                 [--style S] [--layout L] [--watermark] [--print-command]";
    let [input] = args.positional.as_slice() else { anyhow::bail!(usage) };
    let (Some(start), Some(end), Some(out)) = (args.number("start")?, args.number("end")?, args.get("out")) else {
        anyhow::bail!(usage)
    };
    let out = std::path::absolute(out)?;
    let dir = out.parent().context("the output has no directory")?.to_owned();
    let words = match args.get("transcript") {
        Some(path) => {
            let t: Transcript =
                serde_json::from_slice(&std::fs::read(path).with_context(|| format!("reading {path}"))?)
                    .with_context(|| format!("{path} is not a transcript"))?;
            t.words().cloned().collect()
        }
        None => Vec::new(),
    };
    let style = args.style()?.unwrap_or(CaptionStyle::get("classic"));
    let spec = Spec::new(start, end, args.layout()?, style, args.flag("watermark"));
    let config = PipelineConfig::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    let input = std::path::absolute(input)?.to_string_lossy().into_owned();
    if args.flag("print-command") {
        let lines = domain::edit::caption_lines(&spec.edit, &words, &spec.style);
        let subtitles = (!lines.is_empty()).then_some(render::SUBTITLES_FILE);
        if subtitles.is_some() {
            std::fs::write(
                dir.join(render::SUBTITLES_FILE),
                domain::captions::ass_script(&lines, &spec.style, render::WIDTH, render::HEIGHT),
            )?;
        }
        let quoted: Vec<String> =
            render::command(&spec, &spec.segments(&words), &config.render, &input, &out, subtitles)?
                .iter()
                .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', "'\\''")))
                .collect();
        println!("ffmpeg -hide_banner -nostdin -loglevel error {}", quoted.join(" "));
        return Ok(());
    }
    let (tx, _rx) = tokio::sync::watch::channel(0.0);
    let rendered = render::render(&spec, &config.render, &words, &input, &dir, &out, tx).await?;
    println!("{}", json!({ "out": out, "duration": rendered.duration }));
    Ok(())
}
