//! Scrubbing text that may reach a stored error or a log line: URLs keep their scheme and host but lose their path
//! and query (a presigned storage URL's `X-Amz-*` signature, an import link's private path, a token in a query),
//! and the storage endpoint itself is never named.
//!
//! Applied where such text is born (FFmpeg's messages about its inputs, HTTP client errors) and again where errors
//! are logged. Users never read raw errors: they read a translated [`domain::Failure`].

/// `text` with every `http(s)://…` URL cut to `scheme://host/…` and every mention of `endpoints` (storage
/// endpoints, with or without scheme) replaced by `<storage>`.
pub fn scrub(text: &str, endpoints: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        let url = &rest[at..];
        let end = url
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | ']' | ','))
            .unwrap_or(url.len());
        let (whole, after) = url.split_at(end);
        let scheme_end = whole.find("://").map(|i| i + 3).unwrap_or(0);
        let host_end = whole[scheme_end..].find(['/', '?', '#']).map(|i| scheme_end + i).unwrap_or(whole.len());
        out.push_str(&whole[..host_end]);
        if host_end < whole.len() {
            out.push_str("/…");
        }
        rest = after;
    }
    out.push_str(rest);
    let mut scrubbed = out;
    for endpoint in endpoints.iter().filter(|e| !e.is_empty()) {
        let bare = endpoint.split_once("://").map(|(_, h)| h).unwrap_or(endpoint).trim_end_matches('/');
        for needle in [endpoint.trim_end_matches('/'), bare] {
            if !needle.is_empty() {
                scrubbed = scrubbed.replace(needle, "<storage>");
            }
        }
    }
    // Signature parameters that arrive without their URL (a server echoing a query).
    if scrubbed.contains("X-Amz-") {
        scrubbed = scrubbed
            .split_whitespace()
            .map(|w| if w.contains("X-Amz-") { "<redacted>" } else { w })
            .collect::<Vec<_>>()
            .join(" ");
    }
    scrubbed
}

fn find_url(text: &str) -> Option<usize> {
    match (text.find("http://"), text.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `text` with every URL replaced whole by `<url>`: for messages of tools whose only URLs are our own presigned
/// storage URLs (FFmpeg reading a source), where even the host names the storage endpoint.
pub fn drop_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        let url = &rest[at..];
        let end = url.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>')).unwrap_or(url.len());
        out.push_str("<url>");
        rest = &url[end..];
    }
    out.push_str(rest);
    out
}

/// [`scrub`] with this deployment's storage endpoints: for raw errors on their way to a log line.
pub fn for_log(config: &crate::Config, text: &str) -> String {
    scrub(text, &[&config.storage.endpoint, &config.storage.public_endpoint])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_paths_and_signatures_and_the_storage_endpoint_is_not_named() {
        let message = "http://127.0.0.1:9000/bucket/sources/v/source.mp4?X-Amz-Algorithm=AWS4&X-Amz-Signature=abc: \
                       Invalid data found when processing input (see https://example.com/private/path?token=1)";
        let s = scrub(message, &["http://127.0.0.1:9000"]);
        assert_eq!(s, "<storage>/… Invalid data found when processing input (see https://example.com/…)");
        assert!(!scrub("connect to 127.0.0.1:9000 failed", &["http://127.0.0.1:9000/"]).contains("9000"));
        assert_eq!(scrub("echoed X-Amz-Credential=AKIA/x back", &[]), "echoed <redacted> back");
        assert_eq!(scrub("no urls here", &["http://s3"]), "no urls here");
        assert_eq!(scrub("https://host", &[]), "https://host");
        assert_eq!(drop_urls("http://127.0.0.1:9000/b/k?X-Amz-Signature=1: Invalid data"), "<url> Invalid data");
    }
}
