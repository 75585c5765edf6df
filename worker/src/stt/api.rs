//! The API engine: OpenAI-compatible `POST {base}/audio/transcriptions` (Cloud.ru Foundation Models, OpenAI, or any
//! server that speaks the same shape).
//!
//! The request is multipart: `file` (16 kHz mono MP3), `model`, `response_format=verbose_json` and
//! `timestamp_granularities[]` = `word` and `segment`. Audio larger than the provider's limit is cut at silences into
//! pieces under it and their timestamps re-based. 429 and 5xx (and dropped connections) are retried with backoff,
//! honouring `Retry-After`; 401/403 are final for that provider. Providers are tried in order: the first that
//! transcribes every piece wins.

use std::{path::Path, time::Duration};

use anyhow::Context as _;
use backend::{
    config::Secret,
    retry::{self, Answer},
};
use domain::transcript::{Segment, Transcript, Word};
use serde::Deserialize;

use crate::media;

/// One provider with the key to use for this job.
#[derive(Debug, Clone)]
pub struct ApiProvider {
    /// `cloudru`, `openai`, … (logs and usage records).
    pub name: &'static str,
    /// Base URL, without the trailing `/audio/transcriptions`.
    pub base_url: String,
    /// Model id.
    pub model: String,
    /// The key (the user's own or the server's).
    pub key: Secret,
    /// Whose key it is, as usage records say: `user`, `server`, `server_handoff_lost`, or
    /// `server_after_user_refused` (tried only when the user's key for the same provider was refused).
    pub key_source: &'static str,
}

/// Limits shared by every provider.
#[derive(Debug, Clone, Copy)]
pub struct ApiSettings {
    /// Largest upload per request.
    pub max_bytes: u64,
    /// Attempts per request on 429, 5xx and network errors.
    pub attempts: u32,
    /// Delay before the first retry; doubles.
    pub backoff: Duration,
}

/// Why a provider could not transcribe.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The key was refused.
    #[error("{provider} refused the API key (HTTP {status}); check the key")]
    Auth { provider: &'static str, status: u16 },
    /// The request was refused for another reason (bad audio, too large, unknown model).
    #[error("{provider} refused the request (HTTP {status}): {message}")]
    Refused { provider: &'static str, status: u16, message: String },
    /// Still failing after every retry.
    #[error("{provider} is unavailable: {detail}")]
    Unavailable { provider: &'static str, detail: String },
    /// The reply was not the documented JSON.
    #[error("{provider} sent a reply that is not a transcription: {detail}")]
    Malformed { provider: &'static str, detail: String },
}

impl ApiError {
    /// Whether a later attempt of the whole job might succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::Unavailable { .. } | ApiError::Malformed { .. })
    }

    /// The `kind` label of `clipmaker_stt_provider_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Auth { .. } => "auth",
            ApiError::Refused { .. } => "refused",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Malformed { .. } => "malformed",
        }
    }

    /// The provider that refused the key or the request, for a refusal.
    pub fn refused_by(&self) -> Option<&'static str> {
        match self {
            ApiError::Auth { provider, .. } | ApiError::Refused { provider, .. } => Some(provider),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Verbose {
    language: Option<String>,
    #[serde(default)]
    segments: Vec<VerboseSegment>,
    #[serde(default)]
    words: Vec<VerboseWord>,
    text: Option<String>,
    duration: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct VerboseSegment {
    start: f64,
    end: f64,
    text: String,
}

#[derive(Debug, Deserialize)]
struct VerboseWord {
    word: String,
    start: f64,
    end: f64,
}

/// ISO 639-1 code for the language names verbose_json reports ("english", "russian", …).
pub fn language_code(name: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    let code = match name.as_str() {
        "english" => "en",
        "russian" => "ru",
        "ukrainian" => "uk",
        "kazakh" => "kk",
        "belarusian" => "be",
        "german" => "de",
        "french" => "fr",
        "spanish" => "es",
        "italian" => "it",
        "portuguese" => "pt",
        "chinese" => "zh",
        "japanese" => "ja",
        "turkish" => "tr",
        other if other.len() == 2 => other,
        _ => "und",
    };
    code.to_owned()
}

/// Parses a verbose_json reply into segments shifted by `offset` seconds, with the top-level words placed in the
/// segments they fall in.
fn parse(provider: &'static str, body: &[u8], offset: f64) -> Result<(Option<String>, Vec<Segment>), ApiError> {
    let v: Verbose =
        serde_json::from_slice(body).map_err(|e| ApiError::Malformed { provider, detail: format!("{e}") })?;
    let mut segments: Vec<Segment> = v
        .segments
        .into_iter()
        .map(|s| Segment {
            start: offset + s.start,
            end: offset + s.end,
            text: s.text.trim().to_owned(),
            words: vec![],
        })
        .collect();
    if segments.is_empty()
        && let Some(text) = v.text.filter(|t| !t.trim().is_empty())
    {
        // A reply with text but no segments: one segment over the piece.
        let end = v.duration.or(v.words.last().map(|w| w.end)).unwrap_or(0.0);
        segments.push(Segment { start: offset, end: offset + end, text: text.trim().to_owned(), words: vec![] });
    }
    for w in v.words {
        let word = Word { start: offset + w.start, end: offset + w.end, text: w.word.trim().to_owned() };
        if word.text.is_empty() {
            continue;
        }
        let at = segments.iter().rposition(|s| word.start + 0.01 >= s.start).unwrap_or(0);
        if let Some(s) = segments.get_mut(at) {
            s.words.push(word);
        }
    }
    Ok((v.language.map(|l| language_code(&l)), segments))
}

/// Where to cut audio of `duration` seconds and `size` bytes so each piece stays under `max_bytes`: at the middle
/// of the latest silence in the second half of each piece's allowance, or hard at the allowance if there is none.
pub fn split_points(duration: f64, size: u64, max_bytes: u64, silences: &[(f64, f64)]) -> Vec<f64> {
    if size <= max_bytes || duration <= 0.0 {
        return Vec::new();
    }
    // 10 % headroom: bit rate varies a little along the file.
    let allowance = duration * (max_bytes as f64 * 0.9) / size as f64;
    let mut cuts = Vec::new();
    let mut start = 0.0;
    while duration - start > allowance {
        let limit = start + allowance;
        let cut = silences
            .iter()
            .map(|(a, b)| (a + b) / 2.0)
            .filter(|m| *m > start + allowance / 2.0 && *m <= limit)
            .fold(None, |best: Option<f64>, m| Some(best.map_or(m, |b| b.max(m))))
            .unwrap_or(limit);
        cuts.push(cut);
        start = cut;
    }
    cuts
}

async fn request_once(
    client: &reqwest::Client,
    p: &ApiProvider,
    audio: &[u8],
) -> Result<reqwest::Response, reqwest::Error> {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(audio.to_vec()).file_name("audio.mp3").mime_str("audio/mpeg")?)
        .text("model", p.model.clone())
        .text("response_format", "verbose_json")
        .text("timestamp_granularities[]", "word")
        .text("timestamp_granularities[]", "segment");
    client.post(format!("{}/audio/transcriptions", p.base_url)).bearer_auth(&p.key.0).multipart(form).send().await
}

/// Transcribes one piece with one provider, retrying 429, 5xx and network errors.
async fn piece(
    client: &reqwest::Client,
    p: &ApiProvider,
    audio: &[u8],
    offset: f64,
    settings: ApiSettings,
) -> Result<(Option<String>, Vec<Segment>), ApiError> {
    let policy = retry::Retry { attempts: settings.attempts, backoff: settings.backoff };
    match retry::send(p.name, policy, || request_once(client, p, audio)).await {
        Answer::Success(body) => parse(p.name, &body, offset),
        Answer::Refused { status: status @ (401 | 403), .. } => Err(ApiError::Auth { provider: p.name, status }),
        Answer::Refused { status, body } => {
            Err(ApiError::Refused { provider: p.name, status, message: retry::error_message(&body) })
        }
        Answer::Unavailable(detail) => Err(ApiError::Unavailable { provider: p.name, detail }),
    }
}

/// Audio pieces: (offset seconds, file).
pub async fn pieces(
    audio: &Path,
    duration: f64,
    dir: &Path,
    max_bytes: u64,
) -> anyhow::Result<Vec<(f64, std::path::PathBuf)>> {
    let size = tokio::fs::metadata(audio).await.context("reading the audio size")?.len();
    if size <= max_bytes {
        return Ok(vec![(0.0, audio.to_owned())]);
    }
    let silences = media::silences(audio).await?;
    let cuts = split_points(duration, size, max_bytes, &silences);
    let mut bounds = vec![0.0];
    bounds.extend(cuts);
    bounds.push(duration);
    let mut out = Vec::new();
    for (i, w) in bounds.windows(2).enumerate() {
        let file = dir.join(format!("piece-{i}.mp3"));
        media::cut_mp3(audio, w[0], w[1], &file).await?;
        out.push((w[0], file));
    }
    Ok(out)
}

/// Transcribes `pieces` with the first provider that manages all of them, sending the share done on `progress`.
/// Each provider failure (after its retries) is counted in `clipmaker_stt_provider_errors_total`, except a refusal of
/// the user's own key.
/// Returns the transcript and the provider that made it, or every provider's error. The server's key standing in for
/// a refused user key is tried only after that refusal.
pub async fn transcribe<'p>(
    providers: &'p [ApiProvider],
    pieces: &[(f64, std::path::PathBuf)],
    settings: ApiSettings,
    progress: tokio::sync::watch::Sender<f64>,
) -> Result<(Transcript, &'p ApiProvider), Vec<ApiError>> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(600))
        .build()
        .map_err(|e| vec![ApiError::Unavailable { provider: "http", detail: e.to_string() }])?;
    let mut errors = Vec::new();
    'providers: for p in providers {
        let refused = matches!(errors.last(), Some(ApiError::Auth { provider, .. }) if *provider == p.name);
        if p.key_source == "server_after_user_refused" && !refused {
            continue;
        }
        let mut segments = Vec::new();
        let mut language = None;
        for (i, (offset, file)) in pieces.iter().enumerate() {
            let bytes = match tokio::fs::read(file).await {
                Ok(b) => b,
                Err(e) => {
                    errors.push(ApiError::Unavailable { provider: p.name, detail: format!("reading audio: {e}") });
                    break 'providers;
                }
            };
            match piece(&client, p, &bytes, *offset, settings).await {
                Ok((lang, mut s)) => {
                    language = language.or(lang);
                    segments.append(&mut s);
                    progress.send_replace((i + 1) as f64 / pieces.len() as f64);
                }
                Err(e) => {
                    tracing::warn!(provider = p.name, error = %e, "transcription provider failed; trying the next");
                    // A user's own key refused is the user's matter, not a provider failure: it is not counted.
                    if !(p.key_source == "user" && matches!(e, ApiError::Auth { .. })) {
                        backend::metrics::ops().stt_error(p.name, e.kind());
                    }
                    errors.push(e);
                    continue 'providers;
                }
            }
        }
        let transcript = Transcript {
            language: language.unwrap_or_else(|| "und".into()),
            segments,
            model: format!("{}/{}", p.name, p.model),
        };
        return Ok((transcript, p));
    }
    if errors.is_empty() {
        errors.push(ApiError::Unavailable { provider: "stt", detail: "no transcription API is configured".into() });
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_json_segments_and_words_are_shifted_and_nested() {
        let body = br#"{"task":"transcribe","language":"english","duration":4.0,"text":"Hello there. Bye.",
            "segments":[{"id":0,"seek":0,"start":0.0,"end":2.0,"text":" Hello there.","tokens":[1],"temperature":0.0,
            "avg_logprob":-0.2,"compression_ratio":1.0,"no_speech_prob":0.01},
            {"id":1,"seek":0,"start":2.5,"end":4.0,"text":" Bye.","tokens":[2],"temperature":0.0,
            "avg_logprob":-0.2,"compression_ratio":1.0,"no_speech_prob":0.01}],
            "words":[{"word":"Hello","start":0.1,"end":0.5},{"word":"there.","start":0.6,"end":1.9},
            {"word":"Bye.","start":2.6,"end":3.9}]}"#;
        let (lang, segs) = parse("openai", body, 10.0).unwrap();
        assert_eq!(lang.as_deref(), Some("en"));
        assert_eq!(segs.len(), 2);
        assert_eq!((segs[0].start, segs[0].end, segs[0].text.as_str()), (10.0, 12.0, "Hello there."));
        assert_eq!(segs[0].words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["Hello", "there."]);
        assert_eq!(segs[1].words[0].start, 12.6);
    }

    #[test]
    fn malformed_replies_are_reported_as_such() {
        assert!(matches!(parse("x", b"<html>oops</html>", 0.0), Err(ApiError::Malformed { .. })));
        assert!(matches!(parse("x", br#"{"segments":[{"start":"a"}]}"#, 0.0), Err(ApiError::Malformed { .. })));
    }

    #[test]
    fn large_audio_is_cut_at_the_latest_silence_within_each_allowance() {
        // 100 s, 10 MB, 4 MB per request → allowance 36 s.
        let silences = [(10.0, 11.0), (30.0, 31.0), (33.0, 34.0), (60.0, 61.0), (90.0, 90.4)];
        let cuts = split_points(100.0, 10_000_000, 4_000_000, &silences);
        assert_eq!(cuts, vec![33.5, 60.5, 90.2]);
        // No silence: hard cuts at the allowance.
        assert_eq!(split_points(100.0, 10_000_000, 4_000_000, &[]), vec![36.0, 72.0]);
        assert!(split_points(100.0, 1_000, 4_000_000, &silences).is_empty());
    }

    #[test]
    fn language_names_become_codes() {
        assert_eq!(language_code("Russian"), "ru");
        assert_eq!(language_code("en"), "en");
        assert_eq!(language_code("klingon"), "und");
    }
}
