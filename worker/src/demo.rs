//! The demo job ([`SampleVideo`]): generate a sample video, store it, probe the stored copy with ffprobe and mark the
//! video completed, reporting each stage live. It is idempotent: a redelivered job skips the generation when the
//! file is already stored, and does nothing when the video is already finished or deleted.

use std::path::PathBuf;

use anyhow::Context as _;
use backend::{
    AppState,
    jobs::SampleVideo,
    queue::{JobContext, JobHandler},
    videos::{self, Probed},
};
use domain::{VideoStatus, videos::stage};

use crate::media;

/// Runs [`SampleVideo`] jobs.
pub struct SampleVideoHandler {
    state: AppState,
}

impl SampleVideoHandler {
    /// A handler using `state`'s database, storage and Redis.
    pub fn new(state: AppState) -> SampleVideoHandler {
        SampleVideoHandler { state }
    }
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("clipmaker-{name}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The object key of a video's source file.
pub fn source_key(video_id: uuid::Uuid) -> String {
    format!("sources/{video_id}/source.mp4")
}

impl JobHandler<SampleVideo> for SampleVideoHandler {
    async fn run(&self, ctx: JobContext, job: SampleVideo) -> anyhow::Result<()> {
        let state = &self.state;
        let id = job.video_id;
        match videos::status(state, id).await? {
            None => {
                tracing::info!("the video no longer exists; nothing to do");
                return Ok(());
            }
            Some(VideoStatus::Completed | VideoStatus::Failed) => {
                tracing::info!("the video is already finished; nothing to do");
                return Ok(());
            }
            Some(_) => {}
        }
        let scratch = Scratch::new(&ctx.id.to_string())?;
        let key = source_key(id);
        if state.storage.size(&key).await?.is_none() {
            videos::report_progress(state, id, stage::GENERATING, 0).await?;
            let file = scratch.0.join("sample.mp4");
            let seconds = state.config.jobs.demo_sample_seconds;
            let (tx, mut rx) = tokio::sync::watch::channel(0.0);
            let generate = media::generate_sample(&file, seconds, tx);
            let report = async {
                let mut last = 0u8;
                while rx.changed().await.is_ok() {
                    let pct = (*rx.borrow_and_update() * 70.0) as u8;
                    if pct >= last + 5 {
                        last = pct;
                        if let Err(e) = videos::report_progress(state, id, stage::GENERATING, pct).await {
                            tracing::warn!(error = format!("{e:#}"), "reporting progress failed");
                        }
                    }
                }
            };
            // The reporter ends when the generator drops its sender.
            let (generated, ()) = tokio::join!(generate, report);
            generated?;
            videos::report_progress(state, id, stage::UPLOADING, 75).await?;
            state.storage.put_file(&key, &file, "video/mp4").await?;
        } else {
            tracing::info!(key, "the sample is already stored; skipping generation");
        }
        videos::report_progress(state, id, stage::PROBING, 90).await?;
        let local = scratch.0.join("stored.mp4");
        let size = state.storage.download_to_file(&key, &local).await?;
        let probe = media::probe(&local).await?;
        anyhow::ensure!(probe.has_video, "the stored file has no video stream");
        let probed = Probed {
            file_key: key,
            mime_type: "video/mp4".into(),
            size_bytes: size as i64,
            duration_seconds: probe.duration_seconds,
        };
        if videos::complete_probe(state, id, &probed).await? {
            tracing::info!(duration_s = probe.duration_seconds, size, "sample video probed");
        }
        Ok(())
    }

    async fn failed(&self, _ctx: JobContext, job: SampleVideo, error: String) -> anyhow::Result<()> {
        videos::fail(&self.state, job.video_id, &error).await
    }
}
