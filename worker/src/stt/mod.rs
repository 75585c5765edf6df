//! The `transcribing` stage ([`Transcribe`]): download the stored source, extract its sound, transcribe it, store
//! the transcript, charge the minutes once, and hand the video to analysis.
//!
//! Engines implement [`Engine`] (extract the sound their way, transcribe, report progress). Which one runs:
//! `STT_ENGINE=local` (the default) runs Whisper in-process ([`local`]); `STT_ENGINE=api` uses
//! the OpenAI-compatible APIs ([`api`]) in the order of the owner's strategy — RU: Cloud.ru, then OpenAI; Global:
//! OpenAI, then Cloud.ru — each with the user's own key if they gave one ([`UserKeys`]) or the server's. With no key
//! at all the local engine runs, so the app works without any API key.
//!
//! Idempotent: a redelivered job finds the video past `transcribing` and does nothing; a retried one re-transcribes
//! but charges nothing twice ([`transcripts::complete`]).

pub mod api;
pub mod local;

use std::{path::Path, sync::Arc};

use anyhow::Context as _;
use backend::{
    AppState,
    ai::UserKeys,
    config::{Secret, SttEngine},
    jobs::Transcribe,
    queue::{JobContext, JobHandler},
    transcripts::{self, SttTarget},
    videos,
};
use domain::{
    Failure, VideoStatus,
    transcript::{Segment, Transcript},
    videos::stage,
};

use crate::{Rejected, media, progress, scratch::Scratch};

/// Runs [`Transcribe`] jobs. The local model is loaded on first use and kept for the life of the process.
pub struct TranscribeHandler {
    state: AppState,
    local: Arc<tokio::sync::OnceCell<Arc<local::LocalWhisper>>>,
}

impl TranscribeHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> TranscribeHandler {
        TranscribeHandler { state, local: Arc::new(tokio::sync::OnceCell::new()) }
    }

    /// The local model, loaded once (on a blocking thread: it reads a few hundred MB).
    pub async fn local_model(&self) -> anyhow::Result<Arc<local::LocalWhisper>> {
        let stt = self.state.config.stt.clone();
        self.local
            .get_or_try_init(|| async move {
                let dir = stt.model_dir.clone().ok_or_else(|| {
                    Rejected::because(Failure::NoSpeechModel, "WHISPER_MODEL_DIR is not set (scripts/dev installs one)")
                })?;
                let model = tokio::task::spawn_blocking(move || local::LocalWhisper::configured(&dir, &stt))
                    .await
                    .context("loading the model")?
                    .map_err(|e| Rejected::because(Failure::NoSpeechModel, e))?;
                Ok::<_, anyhow::Error>(Arc::new(model))
            })
            .await
            .cloned()
    }

    /// The APIs to try for `target`, in the order its owner's strategy gives; empty for the local engine. Each
    /// provider comes with the user's own key first, then the server's (which, after the user's, is tried only if
    /// the user's was refused).
    fn api_providers(&self, target: &SttTarget, keys: &UserKeys) -> Vec<api::ApiProvider> {
        let stt = &self.state.config.stt;
        if stt.engine != SttEngine::Api {
            return Vec::new();
        }
        let order = if target.strategy == "global" { [&stt.openai, &stt.cloudru] } else { [&stt.cloudru, &stt.openai] };
        let mut out = Vec::new();
        for p in order {
            let with = |key: Secret, key_source| api::ApiProvider {
                name: p.name,
                base_url: p.base_url.clone(),
                model: p.model.clone(),
                key,
                key_source,
            };
            let own = keys.own(p.name);
            let server_source = match (own.is_some(), keys.lost) {
                (true, _) => "server_after_user_refused",
                (false, true) => "server_handoff_lost",
                (false, false) => "server",
            };
            if let Some(key) = own {
                out.push(with(key, "user"));
            }
            if let Some(key) = p.key.clone() {
                out.push(with(key, server_source));
            }
        }
        out
    }

    async fn transcribe(&self, ctx: &JobContext, job: &Transcribe) -> anyhow::Result<()> {
        let state = &self.state;
        let id = job.video_id;
        let Some(target) = transcripts::target(state, id).await? else {
            tracing::info!("the video no longer exists; nothing to do");
            return Ok(());
        };
        if target.status != VideoStatus::Transcribing {
            tracing::info!(status = %target.status, "the video has moved on; nothing to do");
            return Ok(());
        }
        let key = target.file_key.clone().ok_or_else(|| Rejected::new(Failure::SourceGone))?;
        let duration = target.duration_seconds.unwrap_or(0.0);
        let scratch = Scratch::new(&format!("stt-{}", ctx.id))?;
        progress::report(state, id, stage::EXTRACTING_AUDIO, 0).await;
        let source = scratch.0.join("source");
        state.storage.download_to_file(&key, &source).await?;
        let keys = backend::handoff::keys_for(state, id, target.user_id).await?;
        let providers = self.api_providers(&target, &keys);
        if self.state.config.stt.engine == SttEngine::Api && providers.is_empty() {
            tracing::warn!("STT_ENGINE=api but no transcription API key is configured; using the local engine");
        }
        let (tx, rx) = tokio::sync::watch::channel(0.0);
        let run = async {
            if providers.is_empty() {
                LocalEngine { model: self.local_model().await? }.transcribe(&source, duration, &scratch.0, tx).await
            } else {
                let settings = api::ApiSettings {
                    max_bytes: state.config.stt.api_max_bytes,
                    attempts: state.config.stt.api_attempts,
                    backoff: state.config.stt.api_backoff,
                };
                ApiEngine { providers, settings }.transcribe(&source, duration, &scratch.0, tx).await
            }
        };
        let (result, ()) = tokio::join!(run, progress::forward(state, id, stage::RECOGNIZING, 5, 95, rx));
        let Transcribed { mut transcript, provider, key_source, decoded_seconds } = result?;
        tidy(&mut transcript.segments, duration);
        // Charged on what was decoded, not on what the file's header claims; the sample video is free.
        let minutes = if target.demo { 0 } else { transcripts::minutes_for(decoded_seconds) };
        if transcripts::complete(state, id, &transcript, (provider, key_source), minutes).await? {
            tracing::info!(
                segments = transcript.segments.len(),
                language = %transcript.language,
                model = %transcript.model,
                minutes,
                "transcribed"
            );
        }
        Ok(())
    }
}

/// What an engine produced.
#[derive(Debug, Clone)]
pub struct Transcribed {
    /// The transcript.
    pub transcript: Transcript,
    /// Who transcribed it, as recorded with the usage (`local`, `cloudru`, `openai`).
    pub provider: &'static str,
    /// Whose key paid ([`api::ApiProvider::key_source`]); `None` for the local engine.
    pub key_source: Option<&'static str>,
    /// The length of the sound actually decoded, in seconds: what the minutes are charged on (the header's
    /// length is the file's own claim).
    pub decoded_seconds: f64,
}

/// A speech-to-text engine: the sound of a stored source file → a [`Transcribed`], reporting the share done (0–1)
/// on `progress` (dropped when it returns). Failures retrying cannot fix are [`Rejected`].
pub trait Engine {
    /// Transcribes `source` (`duration` seconds long), using `scratch` for temporary files.
    fn transcribe(
        self,
        source: &Path,
        duration: f64,
        scratch: &Path,
        progress: tokio::sync::watch::Sender<f64>,
    ) -> impl Future<Output = anyhow::Result<Transcribed>> + Send;
}

/// Whisper in this process ([`local`]).
pub struct LocalEngine {
    /// The loaded model.
    pub model: Arc<local::LocalWhisper>,
}

impl Engine for LocalEngine {
    async fn transcribe(
        self,
        source: &Path,
        duration: f64,
        _scratch: &Path,
        progress: tokio::sync::watch::Sender<f64>,
    ) -> anyhow::Result<Transcribed> {
        let model = self.model;
        let source = source.to_owned();
        // FFmpeg decodes while the model listens: the sound is never held whole (flat memory, see `bench/stt`).
        let run = tokio::task::spawn_blocking(move || {
            let mut pcm = media::PcmReader::open(&source, duration)?;
            let transcript = model.transcribe_stream(&mut |out| Ok(pcm.read(out)?), duration, &mut |share| {
                progress.send_replace(share);
            })?;
            let decoded_seconds = pcm.finish()?;
            Ok::<_, anyhow::Error>(Transcribed { transcript, provider: "local", key_source: None, decoded_seconds })
        });
        run.await.context("the speech model crashed")?.map_err(|e| match e.downcast::<media::AudioError>() {
            Ok(audio) => Rejected::because(audio.failure(), audio).into(),
            Err(other) => other,
        })
    }
}

/// The OpenAI-compatible transcription APIs, tried in order ([`api`]).
pub struct ApiEngine {
    /// Providers with the key each uses for this job.
    pub providers: Vec<api::ApiProvider>,
    /// Request limits.
    pub settings: api::ApiSettings,
}

impl Engine for ApiEngine {
    async fn transcribe(
        self,
        source: &Path,
        duration: f64,
        scratch: &Path,
        progress: tokio::sync::watch::Sender<f64>,
    ) -> anyhow::Result<Transcribed> {
        let audio = scratch.join("audio.mp3");
        let decoded_seconds =
            media::extract_mp3(source, duration, &audio).await.map_err(|e| Rejected::because(e.failure(), e))?;
        let pieces = api::pieces(&audio, duration, scratch, self.settings.max_bytes).await?;
        match api::transcribe(&self.providers, &pieces, self.settings, progress).await {
            Ok((transcript, p)) => {
                Ok(Transcribed { transcript, provider: p.name, key_source: Some(p.key_source), decoded_seconds })
            }
            Err(errors) => {
                let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                if errors.iter().any(api::ApiError::is_transient) {
                    anyhow::bail!(message);
                }
                let provider = errors.iter().find_map(api::ApiError::refused_by).unwrap_or("the transcription API");
                Err(Rejected::because(Failure::SttRefused { provider: provider.to_owned() }, message).into())
            }
        }
    }
}

/// Puts segments and words in order and inside `0..=duration` (when known), so timestamps are monotonic whatever
/// the engine returned; drops empty segments.
pub fn tidy(segments: &mut Vec<Segment>, duration: f64) {
    let limit = if duration > 0.0 { duration } else { f64::MAX };
    segments.retain(|s| !s.text.trim().is_empty());
    segments.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut last_word = 0.0f64;
    for s in segments.iter_mut() {
        s.start = s.start.clamp(0.0, limit);
        s.end = s.end.clamp(s.start, limit);
        for w in &mut s.words {
            w.start = w.start.clamp(last_word, limit);
            w.end = w.end.clamp(w.start, limit);
            last_word = w.start;
        }
    }
}

impl JobHandler<Transcribe> for TranscribeHandler {
    async fn run(&self, ctx: JobContext, job: Transcribe) -> anyhow::Result<()> {
        crate::settle(&self.state, job.video_id, self.transcribe(&ctx, &job).await, false).await
    }

    async fn failed(&self, _ctx: JobContext, job: Transcribe, error: String) -> anyhow::Result<()> {
        let reason = crate::exhausted(&self.state, &error, Failure::TranscriptionFailed);
        videos::fail(&self.state, job.video_id, &reason).await
    }
}

#[cfg(test)]
mod tests {
    use domain::transcript::Word;

    use super::*;

    #[test]
    fn tidy_orders_clamps_and_makes_word_times_monotonic() {
        let w = |s: f64, e: f64| Word { start: s, end: e, text: "x".into() };
        let mut segs = vec![
            Segment { start: 5.0, end: 12.0, text: "b".into(), words: vec![w(5.0, 6.0), w(4.0, 4.5)] },
            Segment { start: -1.0, end: 2.0, text: "a".into(), words: vec![w(-0.5, 1.0)] },
            Segment { start: 3.0, end: 3.5, text: "  ".into(), words: vec![] },
        ];
        tidy(&mut segs, 10.0);
        assert_eq!(segs.len(), 2);
        assert_eq!((segs[0].start, segs[0].end), (0.0, 2.0));
        assert_eq!((segs[1].start, segs[1].end), (5.0, 10.0));
        let starts: Vec<f64> = segs.iter().flat_map(|s| s.words.iter().map(|w| w.start)).collect();
        assert_eq!(starts, vec![0.0, 5.0, 5.0]);
    }
}
