//! Links to video platform pages (VK Video, Rutube, YouTube, …): `yt-dlp` reads the page and names the media URL;
//! the download itself goes through our SSRF-checked client like any other link.
//!
//! `yt-dlp` is asked for a progressive (single-file) format over plain HTTP(S) only, so that every byte we store
//! comes through [`backend::fetch::SafeFetch`]. It is optional: without it, page links fail with a clear reason.
//!
//! Every connection `yt-dlp` itself makes (the page, its redirects, embedded players, API calls) goes through an
//! [`Egress`] proxy started for the run, which applies SafeFetch's address rules per connection; `yt-dlp` reads no
//! configuration file and no proxy variables from the environment, so nothing routes around it.

use std::time::Duration;

use anyhow::Context as _;
use backend::fetch::{FetchError, SafeFetch};
use serde::Deserialize;

use crate::egress::Egress;

/// How long `yt-dlp` may take to read a page.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(120);

/// What `yt-dlp` found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMedia {
    /// The media file's URL.
    pub url: String,
    /// Headers to send with the request (User-Agent, Referer, …).
    pub headers: Vec<(String, String)>,
    /// The video's title on the platform.
    pub title: Option<String>,
}

/// Why a page gave no media.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// `yt-dlp` is not installed (or disabled).
    #[error("links to web pages need yt-dlp, which is not installed on this server; paste a direct link to the file")]
    Unavailable,
    /// The page has no video `yt-dlp` can fetch over plain HTTP(S).
    #[error("no downloadable video was found on this page")]
    NoMedia,
    /// `yt-dlp` failed after the egress proxy refused one of its connections (a private address, a port other
    /// than 80 and 443).
    #[error("{0}")]
    Refused(FetchError),
    /// `yt-dlp` did not finish in time or failed to run; worth retrying.
    #[error("reading the page failed: {0}")]
    Failed(String),
}

#[derive(Deserialize)]
struct Info {
    url: Option<String>,
    title: Option<String>,
    #[serde(default)]
    http_headers: std::collections::BTreeMap<String, String>,
}

/// Parses `yt-dlp -J` output for a single selected format.
fn parse(json: &[u8]) -> Result<PageMedia, PageError> {
    let info: Info = serde_json::from_slice(json).map_err(|_| PageError::NoMedia)?;
    let url = info.url.filter(|u| u.starts_with("http://") || u.starts_with("https://")).ok_or(PageError::NoMedia)?;
    Ok(PageMedia { url, headers: info.http_headers.into_iter().collect(), title: info.title })
}

/// Proxy settings `yt-dlp` (Python) would otherwise read from its environment.
const PROXY_VARS: &[&str] =
    &["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"];

/// Asks `program` (yt-dlp) which media file `page` shows. Every connection it makes goes through an [`Egress`]
/// proxy checking addresses with `fetch`'s rules.
pub async fn resolve(program: Option<&str>, fetch: &SafeFetch, page: &str) -> Result<PageMedia, PageError> {
    let program = program.ok_or(PageError::Unavailable)?;
    let egress =
        Egress::start(fetch.clone()).await.map_err(|e| PageError::Failed(format!("starting the egress proxy: {e}")))?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(["--ignore-config", "--proxy", &egress.url()])
        .args(["-J", "--no-playlist", "--no-warnings", "--socket-timeout", "30"])
        .args(["-f", "best[protocol=https]/best[protocol=http]", "--", page])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    let out = match tokio::time::timeout(RESOLVE_TIMEOUT, cmd.output()).await {
        Err(_) => return Err(PageError::Failed("yt-dlp took too long".into())),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => return Err(PageError::Unavailable),
        Ok(Err(e)) => return Err(PageError::Failed(format!("{e}"))),
        Ok(Ok(out)) => out,
    };
    // yt-dlp has exited: stop the proxy before reading the result.
    let refused = egress.refusal();
    drop(egress);
    if !out.status.success() {
        if let Some(refused) = refused {
            tracing::info!(reason = %refused, "yt-dlp failed after the egress proxy refused a connection");
            return Err(PageError::Refused(refused));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        tracing::info!(stderr = %stderr.trim(), "yt-dlp found no media");
        // "Unsupported URL", "Requested format is not available", private or removed videos: all final.
        return Err(PageError::NoMedia);
    }
    parse(&out.stdout)
}

/// Whether `program` runs (for the worker's start-up log).
pub async fn available(program: Option<&str>) -> anyhow::Result<String> {
    let program = program.context("disabled (YTDLP_PATH=off)")?;
    let out = tokio::process::Command::new(program).arg("--version").output().await.context("not found")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selected_format_url_headers_and_title_are_read() {
        let json = br#"{"title":"My talk","url":"https://cdn.example/v.mp4","ext":"mp4",
            "http_headers":{"User-Agent":"UA","Referer":"https://example.com/watch"},"formats":[]}"#;
        let media = parse(json).unwrap();
        assert_eq!(media.url, "https://cdn.example/v.mp4");
        assert_eq!(media.title.as_deref(), Some("My talk"));
        assert_eq!(
            media.headers,
            vec![("Referer".into(), "https://example.com/watch".into()), ("User-Agent".into(), "UA".into())]
        );
    }

    #[test]
    fn output_without_a_plain_http_url_is_no_media() {
        assert!(matches!(parse(br#"{"title":"x"}"#), Err(PageError::NoMedia)));
        assert!(matches!(parse(br#"{"url":"file:///etc/passwd"}"#), Err(PageError::NoMedia)));
        assert!(matches!(parse(b"not json"), Err(PageError::NoMedia)));
    }

    #[tokio::test]
    async fn a_missing_program_is_reported_as_unavailable() {
        let fetch = SafeFetch::new();
        let err = resolve(Some("/nonexistent/yt-dlp"), &fetch, "https://example.com").await.unwrap_err();
        assert!(matches!(err, PageError::Unavailable));
        assert!(matches!(resolve(None, &fetch, "https://example.com").await, Err(PageError::Unavailable)));
    }
}
