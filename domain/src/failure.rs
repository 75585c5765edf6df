//! Why a video or a clip failed, as its owner reads it: a dictionary key plus safe detail (numbers, a provider's
//! name), never the raw error. Raw errors (FFmpeg's messages, HTTP client errors, storage replies) go to the logs
//! only; what is stored in `videos.error` / `clips.error` is a [`Failure`] as JSON (`{"key":"over_quota",
//! "minutes":29,"left":1}`) and every page translates it with [`Failure::message`].

use serde::{Deserialize, Serialize};

use crate::Dict;

/// A failure reason. Each variant is one entry of [`crate::i18n::FailureText`], in every language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum Failure {
    /// The uploaded file never reached storage (the upload was not finished).
    UploadMissing,
    /// The file's first bytes are not a video or audio format we accept.
    NotMedia,
    /// FFmpeg cannot read the file, or it has no playable picture or sound.
    Unreadable,
    /// The file is larger than the import limit.
    TooLarge {
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// The plan's minutes for this month are not enough for the video.
    OverQuota {
        /// The video's length in minutes.
        minutes: u32,
        /// Minutes left this month.
        left: u32,
    },
    /// The link is not a well-formed http(s) address.
    LinkInvalid,
    /// The link's host does not exist.
    LinkUnresolvable,
    /// The link leads to a private or local address.
    LinkPrivate,
    /// The link uses a port other than 80 and 443.
    LinkPort {
        /// The port.
        port: u16,
    },
    /// The link redirects too many times.
    LinkRedirects,
    /// The link's server answered with an error status.
    LinkStatus {
        /// The HTTP status.
        status: u16,
    },
    /// A link to a web page, but this server has no page reader (yt-dlp).
    PageUnsupported,
    /// The web page has no video that can be downloaded.
    PageNoMedia,
    /// The download kept failing (network trouble, timeouts) after every retry.
    DownloadFailed,
    /// The file's sound lasts longer than its header claims (damaged or disguised).
    LengthMismatch {
        /// Seconds the header claims.
        header_seconds: u32,
        /// Seconds of sound decoded (at least).
        decoded_seconds: u32,
    },
    /// The file has no sound to transcribe.
    NoSound,
    /// No local speech model is installed on this server.
    NoSpeechModel,
    /// A transcription provider refused the key or the request.
    SttRefused {
        /// The provider's name.
        provider: String,
    },
    /// Transcription kept failing after every retry.
    TranscriptionFailed,
    /// Analysis found no transcript.
    NoTranscript,
    /// No passage is long enough to make a clip.
    NoClips {
        /// The shortest clip, in seconds.
        min_seconds: u32,
    },
    /// The server is set to analyse with an LLM only, and no key reaches one.
    LlmKeyMissing,
    /// Analysis kept failing after every retry.
    AnalysisFailed,
    /// The video's source file is no longer stored (retention or deletion).
    SourceGone,
    /// The clip's bounds lie outside the video.
    ClipOutside,
    /// Rendering kept failing after every retry, or produced an unreadable file.
    RenderFailed,
    /// Anything else: the details are in the server log.
    Internal,
}

impl Failure {
    /// The JSON stored in an `error` column.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("failures serialize")
    }

    /// Reads an `error` column; text written before reasons were stored as keys reads as [`Failure::Internal`].
    pub fn from_stored(text: &str) -> Failure {
        serde_json::from_str(text).unwrap_or(Failure::Internal)
    }

    /// What went wrong and what to do, in the dictionary's language.
    pub fn message(&self, t: &Dict) -> String {
        let f = &t.failures;
        match self {
            Failure::UploadMissing => f.upload_missing.into(),
            Failure::NotMedia => f.not_media.into(),
            Failure::Unreadable => f.unreadable.into(),
            Failure::TooLarge { max_bytes } => (f.too_large)(max_bytes.div_ceil(1024 * 1024)),
            Failure::OverQuota { minutes, left } => (f.over_quota)(*minutes, *left),
            Failure::LinkInvalid => f.link_invalid.into(),
            Failure::LinkUnresolvable => f.link_unresolvable.into(),
            Failure::LinkPrivate => f.link_private.into(),
            Failure::LinkPort { port } => (f.link_port)(*port),
            Failure::LinkRedirects => f.link_redirects.into(),
            Failure::LinkStatus { status } => (f.link_status)(*status),
            Failure::PageUnsupported => f.page_unsupported.into(),
            Failure::PageNoMedia => f.page_no_media.into(),
            Failure::DownloadFailed => f.download_failed.into(),
            Failure::LengthMismatch { header_seconds, decoded_seconds } => {
                (f.length_mismatch)(*header_seconds, *decoded_seconds)
            }
            Failure::NoSound => f.no_sound.into(),
            Failure::NoSpeechModel => f.no_speech_model.into(),
            Failure::SttRefused { provider } => (f.stt_refused)(provider),
            Failure::TranscriptionFailed => f.transcription_failed.into(),
            Failure::NoTranscript => f.no_transcript.into(),
            Failure::NoClips { min_seconds } => (f.no_clips)(*min_seconds),
            Failure::LlmKeyMissing => f.llm_key_missing.into(),
            Failure::AnalysisFailed => f.analysis_failed.into(),
            Failure::SourceGone => f.source_gone.into(),
            Failure::ClipOutside => f.clip_outside.into(),
            Failure::RenderFailed => f.render_failed.into(),
            Failure::Internal => f.internal.into(),
        }
    }

    /// The dictionary key (`over_quota`), as stored and as logged.
    pub fn key(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("key").and_then(|k| k.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Failure {
    /// The English message (for logs and tests).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(crate::Lang::En.dict()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn reasons_are_stored_as_a_key_with_detail_and_read_back() {
        let f = Failure::OverQuota { minutes: 29, left: 1 };
        let stored = f.to_stored();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&stored).unwrap()["key"], "over_quota");
        assert_eq!(Failure::from_stored(&stored), f);
        assert_eq!(f.key(), "over_quota");
        assert_eq!(Failure::from_stored("ffmpeg failed: https://s3/x?X-Amz-Signature=1"), Failure::Internal);
    }

    #[test]
    fn every_reason_reads_in_both_languages_with_its_detail() {
        let f = Failure::OverQuota { minutes: 29, left: 1 };
        let (ru, en) = (f.message(Lang::Ru.dict()), f.message(Lang::En.dict()));
        assert!(ru.contains("29") && ru.contains('1') && ru != en, "{ru} / {en}");
        assert!(en.contains("29 min"), "{en}");
        let provider = Failure::SttRefused { provider: "Groq".into() };
        assert!(provider.message(Lang::Ru.dict()).contains("Groq"));
        assert!(Failure::TooLarge { max_bytes: 500 * 1024 * 1024 }.to_string().contains("500 MB"));
        for lang in Lang::ALL {
            assert!(!Failure::Internal.message(lang.dict()).is_empty());
        }
    }
}
