//! The `downloading` stage ([`FetchSource`]): bring a video's source into storage and validate it.
//!
//! - a browser upload is already stored; a URL is fetched through the SSRF-checked client with a size cap and a time
//!   limit (a link to a platform's page is first resolved to its media file by yt-dlp); the demo generates a
//!   test-pattern sample with FFmpeg at real-time speed;
//! - the stored copy is downloaded and probed with ffprobe: it needs a stream and a duration, and its minutes must fit
//!   what the owner has left this month; otherwise the video fails with the reason and its file is deleted;
//! - the video then moves on to transcription (the demo, a test pattern with a tone, is completed).
//!
//! Idempotent: a redelivered job skips what is stored, and does nothing once the video has left `downloading`.

use std::path::Path;

use anyhow::Context as _;
use backend::{
    AppState,
    jobs::{FetchSource, Transcribe},
    queue::{JobContext, JobHandler},
    videos::{self, Probed},
};
use domain::{Failure, VideoStatus, media, videos::stage};
use futures::StreamExt as _;
use tokio::io::AsyncWriteExt as _;

use crate::{Rejected, media as ff, progress, scratch::Scratch, ytdlp};

/// Runs [`FetchSource`] jobs.
pub struct FetchSourceHandler {
    state: AppState,
}

impl FetchSourceHandler {
    /// A handler using `state`'s database, storage and Redis.
    pub fn new(state: AppState) -> FetchSourceHandler {
        FetchSourceHandler { state }
    }
}

/// Whether a response is an HTML page rather than a file.
fn is_web_page(res: &reqwest::Response) -> bool {
    res.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
}

impl FetchSourceHandler {
    async fn report(&self, id: uuid::Uuid, stage: &str, pct: u8) {
        progress::report(&self.state, id, stage, pct).await;
    }

    /// The sample video: a short talk in `lang` (the dictionary's `demo_script`, read by a synthetic voice) over a
    /// generated background, so the demo goes through transcription, analysis and rendering like a real upload.
    async fn generate_demo(&self, id: uuid::Uuid, file: &Path, lang: domain::Lang) -> anyhow::Result<()> {
        self.report(id, stage::GENERATING, 0).await;
        let dir = file.with_extension("talk");
        let script = lang.dict().video_list.demo_script;
        let voice = backend::speech::Voice::for_lang(lang);
        let speech = tokio::task::spawn_blocking(move || backend::speech::speech_wav(&dir, voice, script, 0.7))
            .await
            .context("the speech synthesiser crashed")??;
        self.report(id, stage::GENERATING, 20).await;
        let (tx, rx) = tokio::sync::watch::channel(0.0);
        let generate = ff::generate_sample(file, &speech, self.state.config.jobs.demo_sample_seconds, tx);
        // The reporter ends when the generator drops its sender.
        let (generated, ()) = tokio::join!(generate, progress::forward(&self.state, id, stage::GENERATING, 20, 70, rx));
        generated
    }

    /// Streams `url` into `file` (size-capped, within `URL_IMPORT_TIMEOUT_MS`), reporting progress; a link to a
    /// web page is handed to yt-dlp, which names the media file. Returns the media kind of the file's first bytes and
    /// the platform's title for the video, if any.
    async fn download(
        &self,
        id: uuid::Uuid,
        url: &str,
        file: &Path,
    ) -> anyhow::Result<(media::MediaKind, Option<String>)> {
        let limit = self.state.config.jobs.url_import_timeout;
        match tokio::time::timeout(limit, self.download_within(id, url, file)).await {
            Ok(done) => done,
            // Possibly a slow moment on either side: the queue retries, and the last failure is shown.
            Err(_) => Err(anyhow::anyhow!("the download did not finish within {} s", limit.as_secs())),
        }
    }

    async fn download_within(
        &self,
        id: uuid::Uuid,
        url: &str,
        file: &Path,
    ) -> anyhow::Result<(media::MediaKind, Option<String>)> {
        let jobs = &self.state.config.jobs;
        let fetch = jobs.safe_fetch();
        let refuse = |e: backend::fetch::FetchError| match e {
            // Network trouble and server errors may pass: let the queue retry.
            backend::fetch::FetchError::Network(_) => anyhow::Error::new(e),
            backend::fetch::FetchError::Status(s) if s >= 500 || s == 429 => anyhow::Error::new(e),
            other => Rejected::because(link_failure(&other), other).into(),
        };
        self.report(id, stage::DOWNLOADING, 0).await;
        let (page, mut res) = fetch.get(url).await.map_err(refuse)?;
        let mut title = None;
        if is_web_page(&res) {
            drop(res);
            let media = ytdlp::resolve(jobs.ytdlp.as_deref(), &fetch, page.as_str()).await.map_err(|e| match e {
                ytdlp::PageError::Failed(_) => anyhow::Error::new(e),
                final_ => Rejected::because(page_failure(&final_), final_).into(),
            })?;
            title = media.title;
            res = fetch.get_with(&media.url, &media.headers).await.map_err(refuse)?.1;
            if is_web_page(&res) {
                return Err(Rejected::new(Failure::PageNoMedia).into());
            }
        }
        let total = res.content_length().filter(|n| *n > 0);
        if total.is_some_and(|n| n > jobs.url_import_max_bytes) {
            return Err(Rejected::new(Failure::TooLarge { max_bytes: jobs.url_import_max_bytes }).into());
        }
        let mut out = tokio::fs::File::create(file).await?;
        let mut body = res.bytes_stream();
        let (mut got, mut head, mut last) = (0u64, Vec::new(), 0u8);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.context("the download was interrupted")?;
            got += chunk.len() as u64;
            if got > jobs.url_import_max_bytes {
                return Err(Rejected::new(Failure::TooLarge { max_bytes: jobs.url_import_max_bytes }).into());
            }
            if head.len() < media::SNIFF_BYTES {
                head.extend_from_slice(&chunk[..chunk.len().min(media::SNIFF_BYTES - head.len())]);
            }
            out.write_all(&chunk).await?;
            if let Some(total) = total {
                let pct = (got * 70 / total) as u8;
                if pct >= last + 5 {
                    last = pct;
                    self.report(id, stage::DOWNLOADING, pct).await;
                }
            }
        }
        out.flush().await?;
        let kind = media::sniff(&head).ok_or_else(|| Rejected::new(Failure::NotMedia))?;
        Ok((kind, title))
    }

    async fn fetch(&self, ctx: &JobContext, job: &FetchSource) -> anyhow::Result<()> {
        let state = &self.state;
        let id = job.video_id;
        let Some(info) = videos::source_info(state, id).await? else {
            tracing::info!("the video no longer exists; nothing to do");
            return Ok(());
        };
        if info.status != VideoStatus::Downloading {
            tracing::info!(status = %info.status, "the video has moved on; nothing to do");
            return Ok(());
        }
        let scratch = Scratch::new(&ctx.id.to_string())?;
        let demo = info.source_url.as_deref().and_then(backend::jobs::demo_lang);
        let mut key = info.file_key.clone().unwrap_or_else(|| format!("sources/{id}/source.mp4"));
        let mut mime = info.mime_type.clone().unwrap_or_else(|| "video/mp4".into());
        let mut title = None;
        if state.storage.size(&key).await?.is_none() {
            let file = scratch.0.join("incoming");
            match info.source_url.as_deref() {
                Some(_) if let Some(lang) = demo => self.generate_demo(id, &file, lang).await?,
                Some(url) => {
                    let (kind, platform_title) = self.download(id, url, &file).await?;
                    title = platform_title;
                    key = format!("sources/{id}/source.{}", kind.extension());
                    mime = kind.mime_types()[0].to_owned();
                    if kind == media::MediaKind::M4a {
                        mime = "audio/mp4".into();
                    }
                }
                None => return Err(Rejected::new(Failure::UploadMissing).into()),
            }
            self.report(id, stage::UPLOADING, 75).await;
            state.storage.put_file(&key, &file, &mime).await?;
        }
        self.report(id, stage::PROBING, 90).await;
        let local = scratch.0.join("stored");
        let size = state.storage.download_to_file(&key, &local).await?;
        let probe = ff::probe(&local).await.map_err(|e| Rejected::because(Failure::Unreadable, e))?;
        if !(probe.has_video || probe.has_audio) || probe.duration_seconds <= 0.0 {
            return Err(Rejected::new(Failure::Unreadable).into());
        }
        let probed = Probed {
            file_key: key,
            mime_type: mime,
            size_bytes: size as i64,
            duration_seconds: probe.duration_seconds,
            title,
        };
        let next = VideoStatus::Transcribing;
        // The demo is free; everything else reserves its minutes atomically with the move to transcription.
        let reserve = demo.is_none().then(|| backend::transcripts::minutes_for(probe.duration_seconds));
        match videos::complete_probe(state, id, &probed, next, reserve).await? {
            videos::ProbeOutcome::Moved => {
                tracing::info!(duration_s = probe.duration_seconds, size, next = %next, "source stored and probed");
            }
            videos::ProbeOutcome::AlreadyMoved => {}
            videos::ProbeOutcome::OverQuota { minutes, left } => {
                return Err(Rejected::new(Failure::OverQuota {
                    minutes: minutes.max(0) as u32,
                    left: left.min(i64::from(u32::MAX)) as u32,
                })
                .into());
            }
        }
        if next == VideoStatus::Transcribing {
            let priority = videos::priority_of_video(state, id).await?;
            videos::enqueue_stage(state, id, priority, &Transcribe { video_id: id }).await;
            // The editor's waveform and filmstrip, built beside transcription.
            backend::editor::request_timeline(state, id).await;
        }
        Ok(())
    }
}

impl JobHandler<FetchSource> for FetchSourceHandler {
    async fn run(&self, ctx: JobContext, job: FetchSource) -> anyhow::Result<()> {
        // A rejected source is deleted with the failure.
        crate::settle(&self.state, job.video_id, self.fetch(&ctx, &job).await, true).await
    }

    async fn failed(&self, _ctx: JobContext, job: FetchSource, error: String) -> anyhow::Result<()> {
        // A link that kept failing to download; anything else (storage, the demo's generator) is ours.
        let link = videos::source_info(&self.state, job.video_id)
            .await?
            .and_then(|info| info.source_url)
            .is_some_and(|url| backend::jobs::demo_lang(&url).is_none());
        let reason = if link { Failure::DownloadFailed } else { Failure::Internal };
        videos::fail(&self.state, job.video_id, &crate::exhausted(&self.state, &error, reason)).await
    }
}

/// What the owner reads when SafeFetch refuses a link for good.
fn link_failure(e: &backend::fetch::FetchError) -> Failure {
    use backend::fetch::FetchError as E;
    match e {
        E::Invalid | E::Scheme => Failure::LinkInvalid,
        E::Unresolvable => Failure::LinkUnresolvable,
        E::Forbidden(_) => Failure::LinkPrivate,
        E::Port(port) => Failure::LinkPort { port: *port },
        E::TooManyRedirects => Failure::LinkRedirects,
        E::Status(status) => Failure::LinkStatus { status: *status },
        E::Network(_) => Failure::DownloadFailed,
    }
}

/// What the owner reads when yt-dlp cannot give a page's media for good.
fn page_failure(e: &ytdlp::PageError) -> Failure {
    match e {
        ytdlp::PageError::Unavailable => Failure::PageUnsupported,
        ytdlp::PageError::NoMedia => Failure::PageNoMedia,
        ytdlp::PageError::Refused(refused) => link_failure(refused),
        ytdlp::PageError::Failed(_) => Failure::DownloadFailed,
    }
}
