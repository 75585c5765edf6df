//! Calling third-party HTTP APIs (transcription and LLM providers) with one retry policy: 429 and 5xx (Anthropic's
//! 529 included) and dropped connections are retried with doubling backoff, honouring `Retry-After`; any other
//! status is handed back for the caller to interpret.

use std::time::Duration;

use bytes::Bytes;

/// Retry policy.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all.
    pub attempts: u32,
    /// First delay; doubles.
    pub backoff: Duration,
}

/// What a call came to.
#[derive(Debug)]
pub enum Answer {
    /// A 2xx reply's body.
    Success(Bytes),
    /// A status that retrying does not fix (4xx other than 429), with its body.
    Refused {
        /// HTTP status.
        status: u16,
        /// The error body.
        body: Bytes,
    },
    /// Still busy or unreachable after every attempt: the last failure.
    Unavailable(String),
}

/// The pause a `Retry-After` header asks for, in seconds (capped at 2 minutes).
fn retry_after(res: &reqwest::Response) -> Option<Duration> {
    let v = res.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<f64>().ok().map(|s| Duration::from_secs_f64(s.clamp(0.0, 120.0)))
}

/// Sends the request `send` makes (once per attempt) under `retry`; `provider` names it in logs.
pub async fn send<F, Fut>(provider: &str, retry: Retry, send: F) -> Answer
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<reqwest::Response, reqwest::Error>>,
{
    let mut last = String::new();
    for attempt in 1..=retry.attempts {
        let wait = retry.backoff * 2u32.saturating_pow(attempt - 1);
        match send().await {
            Ok(res) if res.status().is_success() => {
                return match res.bytes().await {
                    Ok(body) => Answer::Success(body),
                    Err(e) => Answer::Unavailable(format!("the reply broke off: {e}")),
                };
            }
            Ok(res) => {
                let status = res.status().as_u16();
                let pause = retry_after(&res).unwrap_or(wait);
                let body = res.bytes().await.unwrap_or_default();
                if status != 429 && status < 500 {
                    return Answer::Refused { status, body };
                }
                last = format!("HTTP {status}: {}", error_message(&body));
                tracing::info!(provider, status, attempt, "API busy; retrying");
                if attempt < retry.attempts {
                    tokio::time::sleep(pause).await;
                }
            }
            Err(e) => {
                last = format!("network: {e}");
                tracing::info!(provider, attempt, error = %e, "API unreachable; retrying");
                if attempt < retry.attempts {
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    Answer::Unavailable(format!("{last} after {} attempts", retry.attempts))
}

/// The message of an error body: `error.message` (OpenAI, Gemini and Anthropic all put it there), else the start
/// of the body.
pub fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect())
}
