//! A fake OpenAI-compatible transcription API (`POST /v1/audio/transcriptions`), as Cloud.ru Foundation Models and
//! OpenAI serve it. It checks the bearer key and the multipart fields, then answers with a scripted series of
//! statuses (429 with `Retry-After`, 5xx, 401 — in the providers' error shape) before replying `verbose_json`.
//!
//! Each successful reply describes the piece it received as one segment, 0.2–1.0 s, with the text
//! `piece <n>` (n counts successful replies from 1) and two words, so tests can check how pieces were cut and
//! re-based.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::json;

use crate::FakeServer;

/// The key the fake accepts.
pub const KEY: &str = "sk-test-fake-stt-key";

#[derive(Default)]
struct Script {
    /// Statuses to answer with, in order, before succeeding.
    before: VecDeque<u16>,
    /// Answer every request with this status.
    always: Option<u16>,
    /// Successful replies so far.
    served: u32,
}

/// A running fake transcription API.
pub struct FakeStt {
    /// The HTTP server (its requests are recorded).
    pub server: FakeServer,
    script: Arc<Mutex<Script>>,
}

impl FakeStt {
    /// Starts a fake that succeeds after answering `before` statuses in turn.
    pub async fn start(before: &[u16]) -> FakeStt {
        let script = Arc::new(Mutex::new(Script { before: before.iter().copied().collect(), ..Default::default() }));
        let router = Router::new().route("/v1/audio/transcriptions", post(transcribe)).with_state(script.clone());
        FakeStt { server: FakeServer::start(router).await, script }
    }

    /// Starts a fake that answers every request with `status`.
    pub async fn failing(status: u16) -> FakeStt {
        let fake = FakeStt::start(&[]).await;
        fake.script.lock().expect("script").always = Some(status);
        fake
    }

    /// The base URL to configure (`…/v1`).
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.url())
    }

    /// Requests received.
    pub fn calls(&self) -> usize {
        self.server.requests().len()
    }
}

fn error(status: u16, message: &str, kind: &str, code: &str) -> Response {
    let mut res = (
        StatusCode::from_u16(status).expect("status"),
        Json(json!({ "error": { "message": message, "type": kind, "param": null, "code": code } })),
    )
        .into_response();
    if status == 429 {
        res.headers_mut().insert("retry-after", "0".parse().expect("header"));
    }
    res
}

fn reply(status: u16) -> Response {
    match status {
        401 => error(
            401,
            "Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        403 => error(403, "You are not allowed to use this model.", "invalid_request_error", "model_not_allowed"),
        429 => {
            error(429, "Rate limit reached for requests. Please try again in 0s.", "requests", "rate_limit_exceeded")
        }
        400 => error(400, "Audio file might be corrupted or unsupported", "invalid_request_error", "invalid_value"),
        s => error(
            s,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            "server_error",
        ),
    }
}

async fn transcribe(State(script): State<Arc<Mutex<Script>>>, headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {KEY}")) {
        return reply(401);
    }
    let text = String::from_utf8_lossy(&body);
    let field = |name: &str, value: &str| text.contains(&format!("name=\"{name}\"\r\n\r\n{value}\r\n"));
    let well_formed = text.contains("name=\"file\"; filename=")
        && field("response_format", "verbose_json")
        && field("timestamp_granularities[]", "word")
        && field("timestamp_granularities[]", "segment")
        && text.contains("name=\"model\"");
    if !well_formed {
        return error(400, "Missing or invalid multipart fields", "invalid_request_error", "invalid_value");
    }
    let n = {
        let mut s = script.lock().expect("script");
        if let Some(status) = s.always {
            return reply(status);
        }
        if let Some(status) = s.before.pop_front() {
            return reply(status);
        }
        s.served += 1;
        s.served
    };
    Json(json!({
        "task": "transcribe",
        "language": "english",
        "duration": 1.0,
        "text": format!(" piece {n}"),
        "segments": [{
            "id": 0, "seek": 0, "start": 0.2, "end": 1.0, "text": format!(" piece {n}"), "tokens": [50364, 1000],
            "temperature": 0.0, "avg_logprob": -0.25, "compression_ratio": 0.9, "no_speech_prob": 0.01
        }],
        "words": [
            { "word": "piece", "start": 0.2, "end": 0.6 },
            { "word": n.to_string(), "start": 0.6, "end": 1.0 }
        ]
    }))
    .into_response()
}
