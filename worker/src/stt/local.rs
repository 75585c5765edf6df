//! The local engine: OpenAI Whisper in CTranslate2 format, run in-process through `ct2rs` — no key, no network.
//!
//! The log-mel spectrogram (n_fft 400, hop 160 → 100 frames a second) is computed as the sound arrives and cut into
//! windows of at most 30 s (3000 frames), normalised per window as Whisper does. A window ends in the quietest 0.3 s
//! of its last 5 s ([`quietest_cut`]), a pause between phrases, and the next starts right there, so windows are
//! independent and no word is cut in two. Up to `STT_BATCH` windows are decoded at once ([`LocalWhisper::with_batch`]):
//! one encoder call, one greedy decoding with timestamp tokens in which every step serves the whole batch (the
//! decoder's matrix products are otherwise one row wide), and one alignment. Frames of finished windows are dropped,
//! so memory does not grow with the recording's length.
//! Word timings come from `align` (dynamic time warping over the decoder's alignment heads), as in faster-whisper.
//!
//! English-only models (`*.en`) take the prompt `<|startoftranscript|>` alone; multilingual models take
//! `<|startoftranscript|><|lang|><|transcribe|>`, the language detected on the first window with sound unless
//! configured. When an English-only model is loaded beside a multilingual one ([`LocalWhisper::add_english`]), a
//! recording detected as English is transcribed with it (`tiny.en` is about twice as fast as `base`, at a higher
//! word error rate on English: 7.4 % against 3.9 % in `bench/RESULTS.md`).
//!
//! Long silences are skipped: a window that starts with at least [`MIN_SILENCE_FRAMES`] of frames 45 dB below the
//! loudest frame heard so far (or below an absolute floor) starts [`SILENCE_MARGIN_FRAMES`] before the sound returns
//! instead, so the edges of words are kept, and silence that ends the recording is not decoded.

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
/// The shortest silence skipped without transcribing it: 2 s.
pub const MIN_SILENCE_FRAMES: usize = 200;
/// Frames kept before the sound returns after a skipped silence: 0.3 s, so a soft start of a word is not cut.
pub const SILENCE_MARGIN_FRAMES: usize = 30;
/// A frame whose loudest mel band is this far (log10 power: 4.5 = 45 dB) below the loudest frame so far is silent.
const SILENCE_BELOW_PEAK: f32 = 4.5;
/// A frame whose loudest mel band is below this (log10 power, about 70 dB under a normal speaking level) is silent
/// whatever came before.
const SILENCE_FLOOR: f32 = -7.0;

/// One CTranslate2 Whisper model with its tokenizer.
struct Model {
    model: sys::Whisper,
    tokenizer: Tokenizer,
    multilingual: bool,
    name: String,
    eot: usize,
    timestamp_begin: usize,
}

/// The loaded local engine: the main model, and optionally an English-only one for English recordings. Loading
/// takes a moment; keep one per process.
pub struct LocalWhisper {
    main: Model,
    english: Option<Model>,
    filters: ndarray::Array2<f64>,
    n_mels: usize,
    language: Option<String>,
    compute: String,
    threads: usize,
    batch: usize,
}

fn compute_type(name: &str) -> ComputeType {
    match name {
        "float32" => ComputeType::FLOAT32,
        "int8_float32" => ComputeType::INT8_FLOAT32,
        "auto" => ComputeType::AUTO,
        _ => ComputeType::INT8,
    }
}

/// A decoded segment: start and end (seconds, relative to its window) and its text token ids.
type RawSegment = (f64, f64, Vec<usize>);

/// The fewest frames worth a window: a fifth of a second.
const MIN_WINDOW_FRAMES: usize = 20;
/// How far back from its 30 s end a window may be cut, looking for a pause: 5 s.
pub const CUT_SEARCH_FRAMES: usize = 500;

/// Where to end a full window whose frame `levels` are given: in the quietest stretch (levels averaged over 0.3 s)
/// of its last [`CUT_SEARCH_FRAMES`], the latest one on a tie. The averaging makes a pause between sentences win
/// over the short gaps between words (Whisper tends to leave out words cut off at a window's very end).
pub fn quietest_cut(levels: &[f32]) -> usize {
    const SMOOTH: usize = 31;
    let from = levels.len().saturating_sub(CUT_SEARCH_FRAMES).max(1);
    let mut best = (f32::INFINITY, levels.len());
    for cut in from..levels.len() {
        let around = &levels[cut.saturating_sub(SMOOTH / 2)..(cut + SMOOTH / 2 + 1).min(levels.len())];
        let level = around.iter().sum::<f32>() / around.len() as f32;
        if level <= best.0 {
            best = (level, cut);
        }
    }
    best.1
}

/// Voice activity at the start of a window: how many of the frames whose `levels` are given (log10 power of each
/// frame's loudest mel band) are a long silence to skip. A silence of at least [`MIN_SILENCE_FRAMES`] followed by
/// sound is skipped up to [`SILENCE_MARGIN_FRAMES`] before the sound returns; silence to the end of `levels` is
/// skipped whole when the recording `ended` there, else up to the margin (the sound may return right after); a
/// shorter silence is not skipped (0). `peak` is the loudest level so far, updated with these frames, so a window is
/// judged against everything heard up to its end.
pub fn silence_to_skip(levels: &[f32], peak: &mut f32, ended: bool) -> usize {
    *peak = levels.iter().copied().fold(*peak, f32::max);
    let threshold = (*peak - SILENCE_BELOW_PEAK).max(SILENCE_FLOOR);
    let silent = levels.iter().take_while(|l| **l < threshold).count();
    if silent == levels.len() {
        if ended { silent } else { silent.saturating_sub(SILENCE_MARGIN_FRAMES) }
    } else if silent >= MIN_SILENCE_FRAMES {
        silent - SILENCE_MARGIN_FRAMES
    } else {
        0
    }
}

impl Model {
    fn load(dir: &Path, compute: &str, threads: usize) -> anyhow::Result<Model> {
        if !dir.join("model.bin").is_file() {
            bail!(
                "the local speech model is missing: no model.bin in {} (scripts/dev installs the models)",
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
        let multilingual = model.is_multilingual();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "model")
            .unwrap_or_else(|| if multilingual { "whisper".into() } else { "whisper.en".into() });
        Ok(Model { model, tokenizer, multilingual, name, eot, timestamp_begin })
    }

    fn model_name(&self) -> String {
        format!("local/{}", self.name)
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
    fn decode_window(&self, ids: &[usize], content_frames: usize) -> Vec<RawSegment> {
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
        if !text.is_empty() {
            // A last segment without its closing timestamp ends with the window.
            segments.push((start.unwrap_or(0.0), content_frames as f64 / FRAMES_PER_SECOND, text));
        }
        segments
    }

    /// Transcribes a batch of windows at once: `input` holds their model input (`chunks.len()` windows of
    /// `n_mels × 3000`), `chunks` their absolute frame ranges. Encoding, greedy decoding with timestamps and word
    /// alignment each run once for the whole batch; windows Whisper marks as silence give nothing.
    fn transcribe_windows(
        &self,
        input: &mut [f32],
        chunks: &[(usize, usize)],
        language: &str,
        options: &WhisperOptions,
    ) -> anyhow::Result<Vec<Segment>> {
        let n_mels = input.len() / chunks.len() / WINDOW_FRAMES;
        let features = StorageView::new(&[chunks.len(), n_mels, WINDOW_FRAMES], input, Default::default())?;
        let prompt = self.prompt(language);
        let prompt_ids: Vec<usize> = prompt
            .iter()
            .map(|t| self.tokenizer.token_to_id(t).map(|i| i as usize).context("prompt token missing"))
            .collect::<anyhow::Result<_>>()?;
        let encoded = self.model.encode(&features, false)?;
        let results = self.model.generate(&encoded, &vec![prompt; chunks.len()], options)?;
        let decoded: Vec<Vec<RawSegment>> = results
            .iter()
            .zip(chunks)
            .map(|(result, (start, end))| {
                let score = result.scores.first().copied().unwrap_or(0.0);
                if result.no_speech_prob > 0.6 && score < -1.0 {
                    return Vec::new();
                }
                self.decode_window(result.sequences_ids.first().map_or(&[][..], Vec::as_slice), end - start)
            })
            .collect();
        // Align every window in one call; a window with no text gets a placeholder token and its result is unused.
        let tokens: Vec<Vec<usize>> = decoded
            .iter()
            .map(|d| Some(Self::text_tokens(d)).filter(|t| !t.is_empty()).unwrap_or_else(|| vec![self.eot]))
            .collect();
        let lengths: Vec<usize> = chunks.iter().map(|(start, end)| end - start).collect();
        let aligned = self.model.align(&encoded, &prompt_ids, &tokens, &lengths, 7).context("aligning words")?;
        let mut out = Vec::new();
        for (i, raw) in decoded.iter().enumerate() {
            if raw.is_empty() {
                continue;
            }
            let jumps = aligned.get(i).map(Self::token_starts).unwrap_or_default();
            let offset = chunks[i].0 as f64 / FRAMES_PER_SECOND;
            let limit = offset + lengths[i] as f64 / FRAMES_PER_SECOND;
            // Timestamps are quantised to 20 ms and may overshoot the window's audio: keep them inside it.
            let at = |t: f64| (offset + t).min(limit);
            for ((start, end, ids), words) in raw.iter().zip(self.words(&jumps, raw)) {
                let text =
                    self.tokenizer.decode(&ids.iter().map(|i| *i as u32).collect::<Vec<_>>(), true).unwrap_or_default();
                let text = text.trim().to_owned();
                if text.is_empty() {
                    continue;
                }
                let words =
                    words.into_iter().map(|w| Word { start: at(w.start), end: at(w.end), text: w.text }).collect();
                out.push(Segment { start: at(*start), end: at(*end), text, words });
            }
        }
        Ok(out)
    }

    /// Every text token of `segments`, in order: what [`sys::Whisper::align`] aligns.
    fn text_tokens(segments: &[RawSegment]) -> Vec<usize> {
        segments.iter().flat_map(|(_, _, ids)| ids.iter().copied()).collect()
    }

    /// The time (seconds, relative to the window) where each aligned token's path begins.
    fn token_starts(result: &sys::WhisperAlignmentResult) -> Vec<f64> {
        let mut jumps = Vec::new();
        let mut previous = None;
        for a in &result.alignments {
            if previous != Some(a.token_x) {
                jumps.push(a.frame_x as f64 * TIME_PRECISION);
                previous = Some(a.token_x);
            }
        }
        jumps
    }

    /// Word timings (seconds, relative to the window) for `segments`, from where each of their text tokens starts
    /// (`jumps`, [`Model::token_starts`]; spread evenly over the segment when the alignment is unusable).
    fn words(&self, jumps: &[f64], segments: &[RawSegment]) -> Vec<Vec<Word>> {
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
        let all = Self::text_tokens(segments);
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
        out
    }
}

impl LocalWhisper {
    /// Loads the model in `dir` (model.bin, config.json, tokenizer.json) with `threads` CPU threads.
    /// `language` is `auto` or an ISO 639-1 code (multilingual models only).
    pub fn load(dir: &Path, compute: &str, threads: usize, language: &str) -> anyhow::Result<LocalWhisper> {
        let main = Model::load(dir, compute, threads)?;
        let n_mels = main.model.n_mels();
        let language = (main.multilingual && language != "auto").then(|| language.to_owned());
        let filters = mel(SAMPLE_RATE as f64, N_FFT, n_mels, None, None, false, true);
        Ok(LocalWhisper { main, english: None, filters, n_mels, language, compute: compute.into(), threads, batch: 1 })
    }

    /// The engine `stt` describes, its main model in `dir`: with the English-only model of
    /// `WHISPER_EN_MODEL_DIR` beside it when that is set and usable (a warning, not an error, when it is not: the
    /// main model transcribes English too).
    pub fn configured(dir: &Path, stt: &backend::config::SttConfig) -> anyhow::Result<LocalWhisper> {
        let mut engine = LocalWhisper::load(dir, &stt.compute_type, stt.threads, &stt.language)?.with_batch(stt.batch);
        if let Some(english) = &stt.english_model_dir
            && engine.main.multilingual
            && matches!(stt.language.as_str(), "auto" | "en")
            && let Err(e) = engine.add_english(english)
        {
            let main = engine.model_name();
            tracing::warn!(error = %format!("{e:#}"), "the English-only model is not used; {main} transcribes English");
        }
        Ok(engine)
    }

    /// Adds the English-only model in `dir`, used instead of the main one for recordings in English. Refused when
    /// the main model is English-only itself or the two models read different spectrograms.
    pub fn add_english(&mut self, dir: &Path) -> anyhow::Result<()> {
        let english = Model::load(dir, &self.compute, self.threads)?;
        anyhow::ensure!(!english.multilingual, "{} is not an English-only model", dir.display());
        anyhow::ensure!(self.main.multilingual, "the main model is English-only already");
        anyhow::ensure!(
            english.model.n_mels() == self.n_mels,
            "{} reads {} mel bands, the main model {}",
            dir.display(),
            english.model.n_mels(),
            self.n_mels
        );
        self.english = Some(english);
        Ok(())
    }

    /// `local/<model directory name>` of the main model.
    pub fn model_name(&self) -> String {
        self.main.model_name()
    }

    /// Decodes up to `batch` windows at once (at least 1): see the module's documentation.
    pub fn with_batch(mut self, batch: usize) -> LocalWhisper {
        self.batch = batch.max(1);
        self
    }

    /// `local/<directory name>` of the English-only model, when one is loaded beside the main one.
    pub fn english_model_name(&self) -> Option<String> {
        self.english.as_ref().map(Model::model_name)
    }

    /// The model that transcribes speech in `language`.
    fn model_for(&self, language: &str) -> &Model {
        match &self.english {
            Some(english) if language == "en" => english,
            _ => &self.main,
        }
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

    /// The model input for mel frames `start..end` of `mel` (frame-major, at most a window): `n_mels × 3000` values,
    /// normalised like Whisper (clamped to 8 below the window's maximum, then `(x + 4) / 4`), padded with silence.
    fn window(&self, mel: &[f32], start: usize, end: usize) -> Vec<f32> {
        let slice = &mel[start * self.n_mels..end * self.n_mels];
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

    /// The level of each of the first `content` frames of `mel` (frame-major): its loudest mel band, log10 power.
    fn frame_levels(&self, mel: &[f32], content: usize) -> Vec<f32> {
        mel.chunks(self.n_mels)
            .take(content)
            .map(|frame| frame.iter().copied().fold(f32::NEG_INFINITY, f32::max))
            .collect()
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
    /// the end), calling `progress` with the share of `expected_seconds` done after each batch of windows. Memory
    /// stays flat whatever the length: only the mel frames of the windows in hand are kept (about 1 MB a window), and
    /// samples are turned into frames as they arrive.
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
        let mut model_name = self.model_name();
        let mut language = self.language.clone();
        if !self.main.multilingual {
            language = Some("en".into());
        }
        let mut segments: Vec<Segment> = Vec::new();
        let mut seek = 0usize;
        let mut peak = f32::NEG_INFINITY;
        loop {
            // Read until a whole batch of windows lies ahead of `seek`, or the sound ends.
            while !ended && base + mel.len() / self.n_mels < seek + self.batch * WINDOW_FRAMES {
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
            // Frames before `seek` are done with.
            mel.drain(..(seek - base) * self.n_mels);
            base = seek;
            let frames = base + mel.len() / self.n_mels;
            let total = if ended { frames as f64 } else { expected_frames.max(frames as f64) };
            let (chunks, next) = self.plan_windows(&mel, base, frames, ended, &mut peak);
            // Nothing but silence in hand gives no windows: go on after it.
            if !chunks.is_empty() {
                let mut input = Vec::with_capacity(chunks.len() * self.n_mels * WINDOW_FRAMES);
                for &(start, end) in &chunks {
                    input.extend(self.window(&mel, start - base, end - base));
                }
                if language.is_none() {
                    let mut first = input[..self.n_mels * WINDOW_FRAMES].to_vec();
                    let features = StorageView::new(&[1, self.n_mels, WINDOW_FRAMES], &mut first, Default::default())?;
                    let detected = self.main.model.detect_language(&features)?;
                    let token = detected.first().and_then(|d| d.first()).map(|d| d.language.clone());
                    language = Some(
                        token
                            .map(|t| t.trim_start_matches("<|").trim_end_matches("|>").to_owned())
                            .unwrap_or("en".into()),
                    );
                }
                let lang = language.clone().unwrap_or_else(|| "en".into());
                let engine = self.model_for(&lang);
                model_name = engine.model_name();
                segments.extend(engine.transcribe_windows(&mut input, &chunks, &lang, &options)?);
            }
            seek = next;
            progress((seek as f64 / total).min(1.0));
            if ended && seek + MIN_WINDOW_FRAMES >= frames {
                break;
            }
        }
        Ok(Transcript { language: language.unwrap_or_else(|| "en".into()), segments, model: model_name })
    }

    /// The windows to decode next, as absolute frame ranges, from the frames in hand (`mel` holds frames
    /// `base..frames`), and the frame to go on from. Up to `batch` windows: long silences are skipped
    /// ([`silence_to_skip`]); a window shorter than 30 s is the recording's last; any other ends at the quietest
    /// moment of its last [`CUT_SEARCH_FRAMES`] (a pause between words), so no word is cut in two and the next window
    /// starts right there.
    fn plan_windows(
        &self,
        mel: &[f32],
        base: usize,
        frames: usize,
        ended: bool,
        peak: &mut f32,
    ) -> (Vec<(usize, usize)>, usize) {
        let mut chunks = Vec::new();
        let mut at = base;
        while chunks.len() < self.batch && at + MIN_WINDOW_FRAMES < frames {
            let content = (frames - at).min(WINDOW_FRAMES);
            let levels = self.frame_levels(&mel[(at - base) * self.n_mels..], content);
            let silence = silence_to_skip(&levels, peak, ended && at + content == frames);
            if silence > 0 {
                at += silence;
                continue;
            }
            if frames - at < WINDOW_FRAMES {
                if !ended {
                    break; // the rest of this window has not been heard yet
                }
                chunks.push((at, frames));
                at = frames;
                break;
            }
            let cut = quietest_cut(&levels);
            chunks.push((at, at + cut));
            at += cut;
        }
        (chunks, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames at `speech` level with a stretch of `quiet` frames at `silence` level first.
    fn levels(quiet: usize, silence: f32, speech: usize) -> Vec<f32> {
        [vec![silence; quiet], vec![1.0; speech]].concat()
    }

    #[test]
    fn a_long_silence_is_skipped_up_to_a_margin_before_the_sound() {
        let mut peak = f32::NEG_INFINITY;
        assert_eq!(silence_to_skip(&levels(500, -10.0, 100), &mut peak, false), 500 - SILENCE_MARGIN_FRAMES);
        assert_eq!(peak, 1.0);
    }

    #[test]
    fn a_short_pause_is_transcribed() {
        let mut peak = f32::NEG_INFINITY;
        assert_eq!(silence_to_skip(&levels(MIN_SILENCE_FRAMES - 1, -10.0, 100), &mut peak, false), 0);
        assert_eq!(silence_to_skip(&levels(0, -10.0, 100), &mut peak, true), 0);
    }

    #[test]
    fn background_noise_far_below_the_speech_counts_as_silence_but_quiet_speech_does_not() {
        // 50 dB below the loudest frame so far: silence.
        let mut peak = 1.0;
        assert_eq!(silence_to_skip(&levels(300, -4.0, 10), &mut peak, false), 300 - SILENCE_MARGIN_FRAMES);
        // 30 dB below: someone speaking quietly, kept.
        let mut peak = 1.0;
        assert_eq!(silence_to_skip(&levels(300, -2.0, 10), &mut peak, false), 0);
        // Speech later in the same window sets the level the silence before it is judged against.
        let mut peak = f32::NEG_INFINITY;
        assert_eq!(silence_to_skip(&levels(300, -4.0, 10), &mut peak, false), 300 - SILENCE_MARGIN_FRAMES);
    }

    #[test]
    fn a_window_of_silence_is_skipped_but_the_margin_and_digital_silence_alone_is_silence() {
        // Nothing heard yet, and nothing but digital silence: the absolute floor decides.
        let mut peak = f32::NEG_INFINITY;
        assert_eq!(silence_to_skip(&[-10.0; 3000], &mut peak, false), 3000 - SILENCE_MARGIN_FRAMES);
        // Too little left to keep a margin: nothing to skip while more may follow.
        assert_eq!(silence_to_skip(&[-10.0; 20], &mut peak, false), 0);
    }

    #[test]
    fn silence_that_ends_the_recording_is_skipped_whole() {
        let mut peak = 1.0;
        assert_eq!(silence_to_skip(&[-10.0; 30], &mut peak, true), 30);
        assert_eq!(silence_to_skip(&[-10.0; 3000], &mut peak, true), 3000);
    }

    #[test]
    fn a_full_window_is_cut_in_the_pause_between_sentences_of_its_last_five_seconds() {
        let mut levels = vec![1.0f32; WINDOW_FRAMES];
        // A pause between sentences 3 s before the end, a gap between words after it as quiet but short, and a
        // quieter pause too early to be considered.
        for l in &mut levels[2660..2740] {
            *l = -10.0;
        }
        for l in &mut levels[2900..2905] {
            *l = -10.0;
        }
        for l in &mut levels[1000..1100] {
            *l = -10.0;
        }
        let cut = quietest_cut(&levels);
        assert!((2675..2725).contains(&cut), "cut at {cut}");
        // No pause at all: the window keeps its whole length.
        assert_eq!(quietest_cut(&vec![1.0; WINDOW_FRAMES]), WINDOW_FRAMES - 1);
    }
}
