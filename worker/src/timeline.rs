//! The `build-timeline` job ([`BuildTimeline`]): the clip editor's waveform peaks and filmstrip sprite sheets for a
//! video ([`domain::timeline`]), built once beside transcription and stored next to the source.
//!
//! Both are read from storage through a presigned URL, like a render: the peaks from the audio decoded to 8 kHz
//! mono ([`media::PcmReader`]) and folded as FFmpeg streams it (memory stays flat whatever the length), the sprites
//! from key frames only (`-skip_frame nokey`: a three-hour video is not decoded whole). A source without pictures
//! gets peaks only. A failure is logged and retried by the queue; the editor then works without a waveform, and asks
//! again when opened.

use std::{path::Path, time::Duration};

use anyhow::Context as _;
use backend::{
    AppState, editor,
    jobs::BuildTimeline,
    queue::{JobContext, JobHandler},
};
use domain::timeline::{
    self, PeakFolder, SPRITE_COLUMNS, SPRITE_ROWS, TILE_HEIGHT, TILE_WIDTH, TimelineAssets, sprite_interval,
};

use crate::{media, scratch::Scratch};

/// The rate the audio is decoded at for the peaks.
const PEAK_SAMPLE_RATE: u32 = 8000;

/// What [`build`] wrote in its directory.
#[derive(Debug, Clone)]
pub struct Built {
    /// The peaks.
    pub peaks: Vec<u8>,
    /// The sprite sheets' file names, in order.
    pub sheets: Vec<String>,
    /// What to record.
    pub assets: TimelineAssets,
}

/// Decodes the audio of `input` (a path or a URL; `duration` seconds by its header) into peaks.
pub async fn peaks(input: &str, duration: f64) -> anyhow::Result<Vec<u8>> {
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut reader = media::PcmReader::open_at(&input, PEAK_SAMPLE_RATE, duration)?;
        let (mut folder, mut samples) = (PeakFolder::new(PEAK_SAMPLE_RATE), Vec::new());
        while reader.read(&mut samples)? > 0 {
            folder.push(&samples);
            samples.clear();
        }
        reader.finish()?;
        Ok(folder.finish())
    })
    .await
    .context("the audio reader crashed")?
}

/// The ffmpeg arguments that write the sprite sheets of `input` (`duration` seconds) as `sprite-000.jpg` … in the
/// directory ffmpeg runs in.
pub fn sprite_args(input: &str, duration: f64) -> anyhow::Result<Vec<std::ffi::OsString>> {
    let interval = sprite_interval(duration);
    let (w, h) = (TILE_WIDTH, TILE_HEIGHT);
    let filter = format!(
        "fps=1/{interval},scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,\
         setsar=1,tile={SPRITE_COLUMNS}x{SPRITE_ROWS}"
    );
    let mut args: Vec<std::ffi::OsString> = ["-skip_frame", "nokey"].map(Into::into).into();
    args.extend(media::input_args(input)?);
    args.extend(
        ["-an", "-sn", "-vf", &filter, "-fps_mode", "vfr", "-q:v", "6", "-start_number", "0", "-y", "sprite-%03d.jpg"]
            .map(Into::into),
    );
    Ok(args)
}

/// Builds the peaks and the sprite sheets of `input` (`duration` seconds long, `has_video`) in `dir`.
pub async fn build(input: &str, duration: f64, has_video: bool, dir: &Path) -> anyhow::Result<Built> {
    let peaks = peaks(input, duration).await?;
    let mut sheets = Vec::new();
    let mut bytes = peaks.len() as u64;
    if has_video {
        let (tx, _rx) = tokio::sync::watch::channel(0.0);
        media::run_with_progress(&sprite_args(input, duration)?, duration, Some(dir), tx).await?;
        for n in 0.. {
            let name = timeline::sheet_name(n);
            let Ok(meta) = tokio::fs::metadata(dir.join(&name)).await else { break };
            bytes += meta.len();
            sheets.push(name);
        }
    }
    let interval = sprite_interval(duration);
    let per_sheet = SPRITE_COLUMNS * SPRITE_ROWS;
    let tiles =
        ((duration / interval).ceil() as u32).clamp(u32::from(!sheets.is_empty()), sheets.len() as u32 * per_sheet);
    let assets = TimelineAssets { peaks: peaks.len() as u32, sheets: sheets.len() as u32, tiles, interval, bytes };
    Ok(Built { peaks, sheets, assets })
}

/// Runs [`BuildTimeline`] jobs.
pub struct BuildTimelineHandler {
    state: AppState,
}

impl BuildTimelineHandler {
    /// A handler using `state`.
    pub fn new(state: AppState) -> BuildTimelineHandler {
        BuildTimelineHandler { state }
    }

    async fn build(&self, ctx: &JobContext, job: &BuildTimeline) -> anyhow::Result<()> {
        let state = &self.state;
        let id = job.video_id;
        let Some(source) = editor::timeline_source(state, id).await? else {
            tracing::info!(video_id = %id, "the video or its source is gone; no timeline");
            return Ok(());
        };
        if source.built {
            return Ok(());
        }
        let (key, duration, has_video) = (source.key, source.duration, source.has_video);
        let scratch = Scratch::new(&format!("timeline-{}", ctx.id))?;
        let input = state.storage.presign_read(&key, Duration::from_secs(3 * 3600)).await?;
        let built = build(&input, duration, has_video, &scratch.0).await?;
        let vid = id.to_string();
        let peaks_file = scratch.0.join("peaks.u8");
        tokio::fs::write(&peaks_file, &built.peaks).await?;
        state
            .storage
            .put_file(&timeline::object_key(&vid, "peaks.u8"), &peaks_file, "application/octet-stream")
            .await?;
        for name in &built.sheets {
            state.storage.put_file(&timeline::object_key(&vid, name), &scratch.0.join(name), "image/jpeg").await?;
        }
        editor::record_timeline(state, id, &built.assets).await?;
        tracing::info!(
            video_id = %id,
            peaks = built.assets.peaks,
            sheets = built.assets.sheets,
            bytes = built.assets.bytes,
            "timeline built"
        );
        Ok(())
    }
}

impl JobHandler<BuildTimeline> for BuildTimelineHandler {
    async fn run(&self, ctx: JobContext, job: BuildTimeline) -> anyhow::Result<()> {
        self.build(&ctx, &job).await
    }

    async fn failed(&self, _ctx: JobContext, job: BuildTimeline, error: String) -> anyhow::Result<()> {
        // The editor works without a waveform and asks again the next time it is opened.
        tracing::warn!(video_id = %job.video_id, error, "building the timeline failed for good");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sprites_come_from_key_frames_tiled_ten_by_ten() {
        let args = sprite_args("http://s3/b/sources/v/source.mp4?sig=1", 3.0 * 3600.0).unwrap();
        let line: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        let line = line.join(" ");
        assert!(line.starts_with("-skip_frame nokey -protocol_whitelist http,https,tcp,tls -f mov -i "), "{line}");
        assert!(line.contains("fps=1/18,scale=160:90:force_original_aspect_ratio=decrease"), "{line}");
        assert!(line.contains("tile=10x10") && line.ends_with("-start_number 0 -y sprite-%03d.jpg"), "{line}");
    }
}
