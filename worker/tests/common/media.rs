//! Media helpers for the worker's tests: scratch directories, generated sources, frames read back as pixels.

use std::{path::Path, process::Command};

use uuid::Uuid;

/// A scratch directory removed when dropped.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tempdir() -> TempDir {
    let dir = std::env::temp_dir().join(format!("clipmaker-render-test-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A `seconds`-long 640×360 test pattern with a tone, written the way cameras do (index at the end), at `out`.
pub fn source_video(out: &Path, seconds: u32) {
    let ok = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=640x360:rate=25:duration={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=330:sample_rate=44100:duration={seconds}"))
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y"])
        .arg(out)
        .status()
        .expect("running ffmpeg");
    assert!(ok.success());
}

/// The gray pixels of the `w`×`h` region at (`x`, `y`) of the frame at `at` seconds.
pub fn region(file: &Path, at: f64, (x, y, w, h): (u32, u32, u32, u32)) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-ss", &format!("{at:.2}"), "-i"])
        .arg(file)
        .args(["-frames:v", "1", "-vf", &format!("crop={w}:{h}:{x}:{y},format=gray"), "-f", "rawvideo", "pipe:1"])
        .output()
        .expect("running ffmpeg");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.len(), (w * h) as usize);
    out.stdout
}

/// Mean absolute difference of two regions, 0–255.
pub fn difference(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

pub fn mean(a: &[u8]) -> f64 {
    a.iter().map(|x| f64::from(*x)).sum::<f64>() / a.len() as f64
}

/// ffprobe's streams and format of `file`.
pub fn probe(file: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(file)
        .output()
        .expect("running ffprobe");
    serde_json::from_slice(&out.stdout).unwrap()
}
