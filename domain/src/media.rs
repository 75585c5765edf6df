//! What kind of media a file is, from its first bytes, and whether that agrees with the MIME type the browser
//! declared. Uploads are accepted only when both agree, so a renamed executable or image is refused before any
//! worker touches it.

use serde::{Deserialize, Serialize};

/// How many leading bytes [`sniff`] needs to recognise every kind (MPEG-TS needs three packets of 188 bytes).
pub const SNIFF_BYTES: usize = 564;

/// A container or audio format ClipMaker accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaKind {
    /// ISO base media (`ftyp`): MP4.
    Mp4,
    /// QuickTime (`ftyp` brand `qt  `).
    Mov,
    /// Matroska or WebM (EBML header).
    Matroska,
    /// AVI (`RIFF….AVI `).
    Avi,
    /// MPEG transport stream (sync byte every 188 bytes).
    MpegTs,
    /// MP3 (ID3 tag or an MPEG audio frame).
    Mp3,
    /// MPEG-4 audio (`ftyp` brand `M4A `/`M4B `).
    M4a,
    /// WAV (`RIFF….WAVE`).
    Wav,
    /// Ogg (`OggS`).
    Ogg,
}

impl MediaKind {
    /// Every kind we accept.
    pub const ALL: [MediaKind; 9] = [
        MediaKind::Mp4,
        MediaKind::Mov,
        MediaKind::Matroska,
        MediaKind::Avi,
        MediaKind::MpegTs,
        MediaKind::Mp3,
        MediaKind::M4a,
        MediaKind::Wav,
        MediaKind::Ogg,
    ];
}

impl MediaKind {
    /// Whether the file carries only audio.
    pub fn is_audio_only(self) -> bool {
        matches!(self, MediaKind::Mp3 | MediaKind::M4a | MediaKind::Wav)
    }

    /// The MIME types a browser may declare for this kind.
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            // Browsers label ISO media by extension, and .mp4/.mov/.m4v/.m4a share the container.
            MediaKind::Mp4 | MediaKind::Mov | MediaKind::M4a => &[
                "video/mp4",
                "video/quicktime",
                "video/x-m4v",
                "audio/mp4",
                "audio/x-m4a",
                "audio/m4a",
                "application/mp4",
            ],
            MediaKind::Matroska => &["video/x-matroska", "video/webm", "audio/webm", "audio/x-matroska"],
            MediaKind::Avi => &["video/x-msvideo", "video/avi", "video/msvideo"],
            MediaKind::MpegTs => &["video/mp2t", "video/vnd.dlna.mpeg-tts"],
            MediaKind::Mp3 => &["audio/mpeg", "audio/mp3", "audio/mpeg3"],
            MediaKind::Wav => &["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"],
            MediaKind::Ogg => &["audio/ogg", "video/ogg", "application/ogg"],
        }
    }

    /// The file extension to store the source under.
    pub fn extension(self) -> &'static str {
        match self {
            MediaKind::Mp4 => "mp4",
            MediaKind::Mov => "mov",
            MediaKind::Matroska => "mkv",
            MediaKind::Avi => "avi",
            MediaKind::MpegTs => "ts",
            MediaKind::Mp3 => "mp3",
            MediaKind::M4a => "m4a",
            MediaKind::Wav => "wav",
            MediaKind::Ogg => "ogg",
        }
    }
}

/// Recognises the format from the file's first bytes (pass at least [`SNIFF_BYTES`] when the file is that long).
pub fn sniff(head: &[u8]) -> Option<MediaKind> {
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(match &head[8..12] {
            b"qt  " => MediaKind::Mov,
            b"M4A " | b"M4B " => MediaKind::M4a,
            _ => MediaKind::Mp4,
        });
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(MediaKind::Matroska);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") {
        return match &head[8..12] {
            b"AVI " => Some(MediaKind::Avi),
            b"WAVE" => Some(MediaKind::Wav),
            _ => None,
        };
    }
    if head.starts_with(b"OggS") {
        return Some(MediaKind::Ogg);
    }
    if head.len() >= 3 * 188 && head[0] == 0x47 && head[188] == 0x47 && head[376] == 0x47 {
        return Some(MediaKind::MpegTs);
    }
    if head.starts_with(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE6 == 0xE2) {
        // ID3v2, or an MPEG-1/2 layer III frame header (sync bits, layer bits 01).
        return Some(MediaKind::Mp3);
    }
    None
}

/// Why a file is refused before upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum MediaError {
    /// The declared type is not a video or audio type ClipMaker accepts.
    #[error("this file type is not supported")]
    UnsupportedType,
    /// The first bytes are not a known media format (a renamed document, image or program).
    #[error("the file's content is not a supported video or audio format")]
    NotMedia,
    /// The content is media, but not what the declared type says.
    #[error("the file's content does not match its type")]
    Mismatch,
}

/// Checks that the declared MIME type is accepted and agrees with the content. Parameters after `;` are ignored.
pub fn check(declared_mime: &str, head: &[u8]) -> Result<MediaKind, MediaError> {
    let declared = declared_mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !MediaKind::ALL.iter().any(|k| k.mime_types().contains(&declared.as_str())) {
        return Err(MediaError::UnsupportedType);
    }
    let kind = sniff(head).ok_or(MediaError::NotMedia)?;
    if kind.mime_types().contains(&declared.as_str()) { Ok(kind) } else { Err(MediaError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(prefix: &[u8]) -> Vec<u8> {
        let mut v = prefix.to_vec();
        v.resize(SNIFF_BYTES, 0);
        v
    }

    fn ts() -> Vec<u8> {
        let mut v = vec![0u8; SNIFF_BYTES];
        for i in [0, 188, 376] {
            v[i] = 0x47;
        }
        v
    }

    #[test]
    fn every_accepted_kind_is_recognised() {
        let cases: Vec<(Vec<u8>, MediaKind)> = vec![
            (padded(b"\0\0\0\x20ftypisom\0\0\x02\0"), MediaKind::Mp4),
            (padded(b"\0\0\0\x14ftypqt  \0\0\0\0"), MediaKind::Mov),
            (padded(b"\0\0\0\x1cftypM4A \0\0\0\0"), MediaKind::M4a),
            (padded(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86]), MediaKind::Matroska),
            (padded(b"RIFF\x24\0\0\0AVI LIST"), MediaKind::Avi),
            (padded(b"RIFF\x24\0\0\0WAVEfmt "), MediaKind::Wav),
            (padded(b"OggS\0\x02"), MediaKind::Ogg),
            (padded(b"ID3\x04\0\0"), MediaKind::Mp3),
            (padded(&[0xFF, 0xFB, 0x90, 0x64]), MediaKind::Mp3),
            (ts(), MediaKind::MpegTs),
        ];
        for (head, kind) in cases {
            assert_eq!(sniff(&head), Some(kind));
            assert_eq!(check(kind.mime_types()[0], &head), Ok(kind));
        }
    }

    #[test]
    fn disguised_files_are_refused() {
        let elf = padded(b"\x7fELF\x02\x01\x01");
        let png = padded(b"\x89PNG\r\n\x1a\n");
        let exe = padded(b"MZ\x90\0");
        let zip = padded(b"PK\x03\x04");
        for head in [&elf, &png, &exe, &zip] {
            assert_eq!(check("video/mp4", head), Err(MediaError::NotMedia));
        }
        let webp = padded(b"RIFF\x24\0\0\0WEBPVP8 ");
        assert_eq!(check("video/x-msvideo", &webp), Err(MediaError::NotMedia));
    }

    #[test]
    fn the_declared_type_must_be_accepted_and_agree() {
        let mkv = padded(&[0x1A, 0x45, 0xDF, 0xA3]);
        assert_eq!(check("image/png", &mkv), Err(MediaError::UnsupportedType));
        assert_eq!(check("application/octet-stream", &mkv), Err(MediaError::UnsupportedType));
        assert_eq!(check("video/mp4", &mkv), Err(MediaError::Mismatch));
        assert_eq!(check("Video/WebM; codecs=vp9", &mkv), Ok(MediaKind::Matroska));
        assert!(!MediaKind::Mp4.is_audio_only() && MediaKind::Wav.is_audio_only());
    }
}
