//! The local engine: OpenAI Whisper in CTranslate2 format, run in-process through `ct2rs` — no key, no network.
//!
//! The log-mel spectrogram (n_fft 400, hop 160 → 100 frames a second) is computed as the sound arrives and read in
//! 30 s windows of 3000 frames, normalised per window as Whisper does; frames behind the current window are dropped,
//! so memory does not grow with the recording's length. Each window is encoded, decoded
//! greedily with timestamp tokens, and its complete segments kept; when the last segment of a window is cut off,
//! the next window starts where that segment began (Whisper's own "seek" loop), so no word is lost at a boundary.
//! Word timings come from `align` (dynamic time warping over the decoder's alignment heads), as in faster-whisper.
//!
//! English-only models (`*.en`) take the prompt `<|startoftranscript|>` alone; multilingual models take
//! `<|startoftranscript|><|lang|><|transcribe|>`, the language detected on the first window unless configured.

use std::path::Path;

use anyhow::{Context as _, bail};
use ct2rs::sys::{self, ComputeType, StorageView, WhisperOptions};
use domain::transcript::{Segment, Transcript, Word};
use mel_spec::{
    mel::{log_mel_spectrogram, mel},
    stft::Spectrogram,
};
use tokenizers::Tokenizer;

/// Samples per second the model expects.
pub const SAMPLE_RATE: usize = 16_000;
const HOP: usize = 160;
const N_FFT: usize = 400;
/// Mel frames in one 30 s window.
const WINDOW_FRAMES: usize = 3000;
/// Mel frames per second.
const FRAMES_PER_SECOND: f64 = (SAMPLE_RATE / HOP) as f64;
/// Seconds per timestamp token and per aligned encoder frame.
const TIME_PRECISION: f64 = 0.02;

/// A loaded local model. Loading takes a moment; keep one per process.
pub struct LocalWhisper {
    model: sys::Whisper,
    tokenizer: Tokenizer,
    filters: ndarray::Array2<f64>,
    n_mels: usize,
    multilingual: bool,
    language: Option<String>,
    name: String,
    eot: usize,
    timestamp_begin: usize,
}

fn compute_type(name: &str) -> ComputeType {
    match name {
        "float32" => ComputeType::FLOAT32,
        "int8_float32" => ComputeType::INT8_FLOAT32,
        "auto" => ComputeType::AUTO,
        _ => ComputeType::INT8,
    }
}

/// One decoded window: complete segments (times relative to the window, with their text token ids), how many mel
/// frames it consumed, and whether an unfinished segment was left for the next window.
struct Decoded {
    segments: Vec<(f64, f64, Vec<usize>)>,
    consumed: usize,
    cut_off: bool,
}

impl LocalWhisper {
    /// Loads the model in `dir` (model.bin, config.json, tokenizer.json) with `threads` CPU threads.
    /// `language` is `auto` or an ISO 639-1 code (multilingual models only).
    pub fn load(dir: &Path, compute: &str, threads: usize, language: &str) -> anyhow::Result<LocalWhisper> {
        if !dir.join("model.bin").is_file() {
            bail!(
                "the local speech model is missing: no model.bin in {} (set WHISPER_MODEL_DIR; scripts/dev installs one)",
                dir.display()
            );
        }
        let config =
            sys::Config { compute_type: compute_type(compute), num_threads_per_replica: threads, ..Default::default() };
        let model = sys::Whisper::new(dir, config).context("loading the Whisper model")?;
        let tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| anyhow::anyhow!("loading tokenizer.json: {e}"))?;
        let id = |t: &str| tokenizer.token_to_id(t).map(|i| i as usize).with_context(|| format!("token {t} missing"));
        let eot = id("<|endoftext|>")?;
        // Timestamp tokens follow <|notimestamps|>; not every tokenizer.json lists them.
        let timestamp_begin = id("<|notimestamps|>")? + 1;
        let n_mels = model.n_mels();
        let multilingual = model.is_multilingual();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "model")
            .unwrap_or_else(|| if multilingual { "whisper".into() } else { "whisper.en".into() });
        let language = (multilingual && language != "auto").then(|| language.to_owned());
        let filters = mel(SAMPLE_RATE as f64, N_FFT, n_mels, None, None, false, true);
        Ok(LocalWhisper { model, tokenizer, filters, n_mels, multilingual, language, name, eot, timestamp_begin })
    }

    /// `local/<model directory name>`, as recorded with the transcript.
    pub fn model_name(&self) -> String {
        format!("local/{}", self.name)
    }

    /// Appends the log10 mel energies of `hops` (16 kHz mono samples in [-1, 1], fed [`HOP`] at a time) to `out`,
    /// frame-major (`n_mels` values per frame). `stft` carries the analysis window across calls.
    fn log_mel(&self, stft: &mut Spectrogram, hops: &[f32], out: &mut Vec<f32>) {
        for hop in hops.chunks(HOP) {
            if let Some(frame) = stft.add(hop) {
                out.extend(log_mel_spectrogram(&frame, &self.filters).iter().map(|v| *v as f32));
            }
        }
    }

    /// The model input for the window starting at mel frame `seek`: `[1, n_mels, 3000]`, normalised like Whisper
    /// (clamped to 8 below the window's maximum, then `(x + 4) / 4`), padded with silence.
    fn window(&self, mel: &[f32], seek: usize) -> Vec<f32> {
        let frames = mel.len() / self.n_mels;
        let end = (seek + WINDOW_FRAMES).min(frames);
        let slice = &mel[seek * self.n_mels..end * self.n_mels];
        let max = slice.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let floor = if max.is_finite() { max - 8.0 } else { -10.0 };
        let silence = (floor + 4.0) / 4.0;
        let mut out = vec![silence; self.n_mels * WINDOW_FRAMES];
        for (f, frame) in slice.chunks(self.n_mels).enumerate() {
            for (m, v) in frame.iter().enumerate() {
                out[m * WINDOW_FRAMES + f] = (v.max(floor) + 4.0) / 4.0;
            }
        }
        out
    }

    fn prompt(&self, language: &str) -> Vec<String> {
        if self.multilingual {
            vec!["<|startoftranscript|>".into(), format!("<|{language}|>"), "<|transcribe|>".into()]
        } else {
            vec!["<|startoftranscript|>".into()]
        }
    }

    /// Splits a window's output tokens into complete segments; a segment without its closing timestamp is left for
    /// the next window unless it is the only one.
    fn decode_window(&self, ids: &[usize], content_frames: usize) -> Decoded {
        let mut segments = Vec::new();
        let mut start: Option<f64> = None;
        let mut text: Vec<usize> = Vec::new();
        let mut last_end: Option<f64> = None;
        for &id in ids {
            if id >= self.timestamp_begin {
                let t = (id - self.timestamp_begin) as f64 * TIME_PRECISION;
                match start {
                    Some(s) if !text.is_empty() => {
                        segments.push((s, t.max(s), std::mem::take(&mut text)));
                        last_end = Some(t);
                        start = None;
                    }
                    _ => start = Some(t),
                }
            } else if id < self.eot {
                if start.is_none() {
                    start = Some(last_end.unwrap_or(0.0));
                }
                text.push(id);
            }
        }
        let window_seconds = content_frames as f64 / FRAMES_PER_SECOND;
        if text.is_empty() {
            return Decoded { segments, consumed: content_frames, cut_off: false };
        }
        match last_end {
            // Cut off: resume the next window after the last complete segment.
            Some(end) if end > 0.0 && content_frames == WINDOW_FRAMES => {
                let consumed = ((end * FRAMES_PER_SECOND).round() as usize).clamp(1, content_frames);
                Decoded { segments, consumed, cut_off: true }
            }
            _ => {
                segments.push((start.unwrap_or(0.0), window_seconds, text));
                Decoded { segments, consumed: content_frames, cut_off: false }
            }
        }
    }

    /// Word timings (seconds, relative to the window) for `segments` by aligning their text tokens.
    fn words(
        &self,
        encoded: &StorageView,
        prompt_ids: &[usize],
        segments: &[(f64, f64, Vec<usize>)],
        content_frames: usize,
    ) -> anyhow::Result<Vec<Vec<Word>>> {
        // Group each segment's tokens into words: a token that begins with a space ("Ġ") starts a word.
        let mut groups: Vec<Vec<Vec<usize>>> = Vec::new();
        for (_, _, ids) in segments {
            let mut words: Vec<Vec<usize>> = Vec::new();
            for &id in ids {
                let piece = self.tokenizer.id_to_token(id as u32).unwrap_or_default();
                if words.is_empty() || piece.starts_with('Ġ') || piece.starts_with(' ') {
                    words.push(vec![id]);
                } else if let Some(w) = words.last_mut() {
                    w.push(id);
                }
            }
            groups.push(words);
        }
        let all: Vec<usize> = segments.iter().flat_map(|(_, _, ids)| ids.iter().copied()).collect();
        let mut jumps: Vec<f64> = Vec::new();
        if !all.is_empty() {
            let aligned = self
                .model
                .align(encoded, prompt_ids, std::slice::from_ref(&all), &[content_frames], 7)
                .context("aligning words")?;
            if let Some(result) = aligned.first() {
                let mut previous = None;
                for a in &result.alignments {
                    if previous != Some(a.token_x) {
                        jumps.push(a.frame_x as f64 * TIME_PRECISION);
                        previous = Some(a.token_x);
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut token_index = 0;
        for ((seg_start, seg_end, _), words) in segments.iter().zip(groups) {
            let total_tokens: usize = words.iter().map(Vec::len).sum();
            let mut seg_words = Vec::new();
            let mut local = 0;
            for ids in words {
                let text =
                    self.tokenizer.decode(&ids.iter().map(|i| *i as u32).collect::<Vec<_>>(), true).unwrap_or_default();
                let (a, b) = (token_index + local, token_index + local + ids.len());
                let (start, end) = if jumps.len() >= all.len() {
                    // The path's first frame on each token; the last word ends where the end-of-text token begins
                    // (or with its segment when the path has no such step).
                    (jumps[a], jumps.get(b).copied().unwrap_or(*seg_end).max(jumps[a]))
                } else {
                    // No usable alignment: spread the segment's time over its tokens.
                    let span = (seg_end - seg_start) / total_tokens.max(1) as f64;
                    (seg_start + span * local as f64, seg_start + span * (local + ids.len()) as f64)
                };
                local += ids.len();
                let text = text.trim().to_owned();
                if !text.is_empty() {
                    seg_words.push(Word { start, end: end.max(start), text });
                }
            }
            token_index += total_tokens;
            out.push(seg_words);
        }
        // The last word before a pause tends to absorb the pause: cap every word at twice the median word length
        // (the median itself capped at 0.7 s), as faster-whisper does.
        let mut lengths: Vec<f64> = out.iter().flatten().map(|w| w.end - w.start).filter(|d| *d > 0.0).collect();
        if !lengths.is_empty() {
            lengths.sort_by(f64::total_cmp);
            let longest = 2.0 * lengths[lengths.len() / 2].min(0.7);
            for w in out.iter_mut().flatten() {
                w.end = w.end.min(w.start + longest);
            }
        }
        Ok(out)
    }

    /// Transcribes 16 kHz mono `samples`, calling `progress` with the share of audio done (0–1) after each window.
    pub fn transcribe(&self, samples: &[f32], progress: &mut dyn FnMut(f64)) -> anyhow::Result<Transcript> {
        let seconds = samples.len() as f64 / SAMPLE_RATE as f64;
        let mut rest = samples;
        self.transcribe_stream(
            &mut |out| {
                let (now, later) = rest.split_at(rest.len().min(SAMPLE_RATE * 30));
                out.extend_from_slice(now);
                rest = later;
                Ok(now.len())
            },
            seconds,
            progress,
        )
    }

    /// Transcribes 16 kHz mono sound read from `read` (which appends samples to its buffer and returns how many, 0 at
    /// the end), calling `progress` with the share of `expected_seconds` done after each window. Memory stays flat
    /// whatever the length: only the mel frames from the current window on are kept (about 1 MB), and samples are
    /// turned into frames as they arrive.
    pub fn transcribe_stream(
        &self,
        read: &mut dyn FnMut(&mut Vec<f32>) -> anyhow::Result<usize>,
        expected_seconds: f64,
        progress: &mut dyn FnMut(f64),
    ) -> anyhow::Result<Transcript> {
        let expected_frames = (expected_seconds * FRAMES_PER_SECOND).max(1.0);
        let mut stft = Spectrogram::new(N_FFT, HOP);
        // Mel frames from `base` on (frame-major), and samples not yet a whole hop.
        let (mut mel, mut base, mut pending, mut ended) = (Vec::<f32>::new(), 0usize, Vec::<f32>::new(), false);
        let options =
            WhisperOptions { beam_size: 1, return_scores: true, return_no_speech_prob: true, ..Default::default() };
        let mut language = self.language.clone();
        let mut segments: Vec<Segment> = Vec::new();
        let mut seek = 0usize;
        loop {
            // Read until a whole window lies ahead of `seek`, or the sound ends.
            while !ended && base + mel.len() / self.n_mels < seek + WINDOW_FRAMES {
                if read(&mut pending)? == 0 {
                    ended = true;
                    // The last partial hop is analysed too.
                    self.log_mel(&mut stft, &pending, &mut mel);
                    pending.clear();
                } else {
                    let whole = pending.len() / HOP * HOP;
                    self.log_mel(&mut stft, &pending[..whole], &mut mel);
                    pending.drain(..whole);
                }
            }
            let frames = base + mel.len() / self.n_mels;
            // Less than a fifth of a second left is not worth a window.
            if seek + 20 >= frames {
                break;
            }
            // Frames before `seek` are done with.
            mel.drain(..(seek - base) * self.n_mels);
            base = seek;
            let total = if ended { frames as f64 } else { expected_frames.max(frames as f64) };
            let share = |seek: usize| (seek as f64 / total).min(1.0);
            let content = (frames - seek).min(WINDOW_FRAMES);
            let mut input = self.window(&mel, 0);
            let features = StorageView::new(&[1, self.n_mels, WINDOW_FRAMES], &mut input, Default::default())?;
            if self.multilingual && language.is_none() {
                let detected = self.model.detect_language(&features)?;
                let token = detected.first().and_then(|d| d.first()).map(|d| d.language.clone());
                language = Some(
                    token.map(|t| t.trim_start_matches("<|").trim_end_matches("|>").to_owned()).unwrap_or("en".into()),
                );
            }
            let lang = language.clone().unwrap_or_else(|| "en".into());
            let prompt = self.prompt(&lang);
            let prompt_ids: Vec<usize> = prompt
                .iter()
                .map(|t| self.tokenizer.token_to_id(t).map(|i| i as usize).context("prompt token missing"))
                .collect::<anyhow::Result<_>>()?;
            let encoded = self.model.encode(&features, false)?;
            let result = self.model.generate(&encoded, &[prompt], &options)?;
            let Some(result) = result.into_iter().next() else { break };
            let ids = result.sequences_ids.first().cloned().unwrap_or_default();
            let score = result.scores.first().copied().unwrap_or(0.0);
            let offset = seek as f64 / FRAMES_PER_SECOND;
            if result.no_speech_prob > 0.6 && score < -1.0 {
                seek += content;
                progress(share(seek));
                continue;
            }
            let decoded = self.decode_window(&ids, content);
            let words = self.words(&encoded, &prompt_ids, &decoded.segments, content)?;
            // Resume right after the last spoken word of a full window: a segment's closing timestamp often lies
            // inside the next sentence, and speech that starts in the window's last moments is often left out; both
            // would lose the next sentence's first words. (At least one second is consumed, so the loop advances.)
            let mut consumed = decoded.consumed;
            if (decoded.cut_off || content == WINDOW_FRAMES)
                && let Some(end) = words.iter().flatten().last().map(|w| w.end)
            {
                consumed = consumed.min(((end * FRAMES_PER_SECOND).round() as usize).max(FRAMES_PER_SECOND as usize));
            }
            for ((start, end, ids), words) in decoded.segments.iter().zip(words) {
                let text =
                    self.tokenizer.decode(&ids.iter().map(|i| *i as u32).collect::<Vec<_>>(), true).unwrap_or_default();
                let text = text.trim().to_owned();
                if text.is_empty() {
                    continue;
                }
                // Timestamps are quantised to 20 ms and may overshoot the window's audio: keep them inside it.
                let at = |t: f64| (offset + t).min(offset + content as f64 / FRAMES_PER_SECOND);
                let words =
                    words.into_iter().map(|w| Word { start: at(w.start), end: at(w.end), text: w.text }).collect();
                segments.push(Segment { start: at(*start), end: at(*end), text, words });
            }
            seek += consumed.max(1);
            progress(share(seek));
        }
        Ok(Transcript { language: language.unwrap_or_else(|| "en".into()), segments, model: self.model_name() })
    }
}
