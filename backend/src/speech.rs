//! Synthesised speech: espeak-ng reads English, Festival's Russian voice (Debian's `festvox-ru`,
//! `voice_msu_ru_nsh_clunits`) reads Russian, and FFmpeg joins the sentences with pauses into 16 kHz mono WAV. The
//! sample video's talk is made this way, and so is the speech the transcription tests and benchmarks use.
//!
//! Blocking (child processes run to completion): call it from a blocking thread.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};
use domain::Lang;

/// Who reads the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    /// espeak-ng with this voice (`en-us`), at 150 words a minute.
    Espeak(&'static str),
    /// Festival's Russian voice (`festvox-ru`), about 105 words a minute.
    FestivalRu,
}

impl Voice {
    /// The voice for a UI language.
    pub fn for_lang(lang: Lang) -> Voice {
        match lang {
            Lang::Ru => Voice::FestivalRu,
            Lang::En => Voice::Espeak("en-us"),
        }
    }
}

/// `text` as Festival's Russian voice can read it. Its letter-to-sound rules know Cyrillic and Latin letters, digits
/// and the punctuation `' ? ! . , ; -` between words; anything else («», dashes, ellipses, `%`), or punctuation
/// inside a token (`10:30`, `2,5`), silently ends the utterance, so those become spaces.
pub fn festival_text(text: &str) -> String {
    let known = |c: char| {
        c.is_ascii_alphanumeric()
            || ('А'..='я').contains(&c)
            || c == 'Ё'
            || c == 'ё'
            || c.is_whitespace()
            || "'?!.,;-".contains(c)
    };
    let chars: Vec<char> =
        text.trim_start_matches('\u{feff}').chars().map(|c| if known(c) { c } else { ' ' }).collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let inside = "'?!.,;-".contains(c) && chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
            if inside { ' ' } else { c }
        })
        .collect()
}

fn run(cmd: &mut Command) -> anyhow::Result<std::process::Output> {
    let out = cmd.output().with_context(|| format!("starting {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!("{:?} failed ({}): {}", cmd.get_program(), out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(out)
}

/// Reads one sentence with `voice` into `raw` (a WAV at the voice's own rate).
fn say(voice: Voice, text: &str, dir: &Path, raw: &Path) -> anyhow::Result<()> {
    match voice {
        Voice::Espeak(name) => {
            run(Command::new("espeak-ng").args(["-v", name, "-s", "150", "-w"]).arg(raw).arg(text))?;
        }
        Voice::FestivalRu => {
            let input = dir.join("sentence.txt");
            std::fs::write(&input, festival_text(text)).context("writing the sentence")?;
            let out = run(Command::new("text2wave")
                .args(["-eval", "(voice_msu_ru_nsh_clunits)"])
                .arg(&input)
                .arg("-o")
                .arg(raw))?;
            // Festival exits 0 even when its rules gave up half-way; it says so only on stderr.
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("no rule matches") || std::fs::metadata(raw).map_or(0, |m| m.len()) <= 44 {
                bail!("Festival could not read {text:?}: {}", stderr.trim());
            }
        }
    }
    Ok(())
}

/// Speaks `sentences` with `voice` into `dir/speech.wav` (16 kHz mono PCM), with `gap` seconds of silence before each
/// sentence after the first. Returns the file.
pub fn speech_wav(dir: &Path, voice: Voice, sentences: &[&str], gap: f64) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).context("creating the speech directory")?;
    let ffmpeg = || {
        let mut c = Command::new("ffmpeg");
        c.args(["-hide_banner", "-nostdin", "-loglevel", "error"]);
        c
    };
    let silence = dir.join("gap.wav");
    run(ffmpeg()
        .args(["-f", "lavfi", "-i"])
        .arg(format!("anullsrc=r=16000:cl=mono:d={gap}"))
        .args(["-c:a", "pcm_s16le", "-y"])
        .arg(&silence))?;
    let mut list = String::new();
    for (i, text) in sentences.iter().enumerate() {
        let (raw, wav) = (dir.join(format!("s{i}.raw.wav")), dir.join(format!("s{i}.wav")));
        say(voice, text, dir, &raw)?;
        run(ffmpeg().arg("-i").arg(&raw).args(["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", "-y"]).arg(&wav))?;
        if i > 0 {
            list.push_str(&format!("file '{}'\n", silence.display()));
        }
        list.push_str(&format!("file '{}'\n", wav.display()));
    }
    let list_file = dir.join("list.txt");
    std::fs::write(&list_file, list).context("writing the concat list")?;
    let out = dir.join("speech.wav");
    run(ffmpeg()
        .args(["-f", "concat", "-safe", "0", "-i"])
        .arg(&list_file)
        .args(["-c:a", "pcm_s16le", "-y"])
        .arg(&out))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn festival_gets_only_what_its_rules_read() {
        assert_eq!(festival_text("«Привет» — мир…"), " Привет    мир ");
        assert_eq!(festival_text("В 10:30, ровно."), "В 10 30, ровно.");
        assert_eq!(festival_text("\u{feff}Ёжик, hello!"), "Ёжик, hello!");
        assert_eq!(festival_text("2,5%"), "2 5 ");
    }
}
