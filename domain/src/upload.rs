//! How a browser upload is cut into S3 multipart parts. Shared by the browser (which slices the file) and the server
//! (which checks each part), so both agree on every part's size.

/// Why an upload was refused, in terms the UI translates (`VideosText::upload_errors`, same order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UploadProblem {
    /// The account's email is not confirmed.
    NotVerified,
    /// The declared type is not an accepted video or audio type.
    UnsupportedType,
    /// The content is not a known media format (a renamed document, image or program).
    NotMedia,
    /// The content is media, but not of the declared type.
    Mismatch,
    /// Empty, or larger than [`MAX_UPLOAD_BYTES`].
    BadSize,
    /// Completed before every part was stored.
    Incomplete,
    /// A link that is not http(s), does not resolve, or points to a private or local address.
    BadUrl,
}

impl UploadProblem {
    /// Position in the dictionary's list.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl From<crate::media::MediaError> for UploadProblem {
    fn from(e: crate::media::MediaError) -> Self {
        match e {
            crate::media::MediaError::UnsupportedType => UploadProblem::UnsupportedType,
            crate::media::MediaError::NotMedia => UploadProblem::NotMedia,
            crate::media::MediaError::Mismatch => UploadProblem::Mismatch,
        }
    }
}

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

/// The largest file accepted (4 GiB).
pub const MAX_UPLOAD_BYTES: u64 = 4 * 1024 * MIB;

/// Parts uploaded at once by the browser.
pub const PARALLEL_PARTS: usize = 4;

/// 8 MiB parts; 16 MiB for files that would otherwise need more than 256 parts (over 2 GiB).
pub fn part_size(total: u64) -> u64 {
    if total > 256 * 8 * MIB { 16 * MIB } else { 8 * MIB }
}

/// How many parts a file of `total` bytes has (at least one).
pub fn part_count(total: u64) -> u32 {
    total.div_ceil(part_size(total)).max(1) as u32
}

/// The byte length of part `n` (1-based), or `None` if the file has no such part.
pub fn part_len(total: u64, n: u32) -> Option<u64> {
    if n == 0 || n > part_count(total) {
        return None;
    }
    let size = part_size(total);
    let start = u64::from(n - 1) * size;
    Some(size.min(total - start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_exactly() {
        for total in [1, 8 * MIB, 8 * MIB + 1, 200 * MIB, 3 * 1024 * MIB, MAX_UPLOAD_BYTES] {
            let n = part_count(total);
            let sum: u64 = (1..=n).map(|i| part_len(total, i).unwrap()).sum();
            assert_eq!(sum, total, "{total}");
            assert_eq!(part_len(total, n + 1), None);
            assert_eq!(part_len(total, 0), None);
            assert!(n <= 10_000);
        }
        assert_eq!(part_count(200 * MIB), 25);
        assert_eq!(part_size(3 * 1024 * MIB), 16 * MIB);
    }
}
