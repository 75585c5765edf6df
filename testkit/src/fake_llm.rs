//! Fake LLM APIs over real HTTP on loopback, one per documented shape:
//!
//! - [`Api::OpenAi`]: `POST /v1/chat/completions` with a bearer key (Cloud.ru, OpenRouter, OpenAI, Ollama);
//! - [`Api::Gemini`]: `POST /v1beta/models/{model}:generateContent` with `x-goog-api-key`;
//! - [`Api::Anthropic`]: `POST /v1/messages` with `x-api-key` and `anthropic-version`.
//!
//! Each checks the key and the request's shape, then answers the model named in the request from its script
//! ([`FakeLlm::script`]): a reply whose text is given (with `usage` of [`USAGE_IN`] prompt and [`USAGE_OUT`] reply
//! tokens), or an error status in the provider's own error body (429 with `Retry-After: 0`, 5xx, Anthropic's 529).
//! A wrong key gets the provider's refusal (401, or Gemini's 400 `API_KEY_INVALID`); a model with no script left
//! gets the provider's 404.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};

use crate::{FakeServer, RecordedRequest};

/// The server key the fakes accept.
pub const KEY: &str = "sk-test-fake-llm-server-key";
/// Prompt tokens every successful reply reports.
pub const USAGE_IN: u64 = 12_000;
/// Reply tokens every successful reply reports.
pub const USAGE_OUT: u64 = 800;

/// Which API shape a fake speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// OpenAI-compatible chat completions.
    OpenAi,
    /// Google Gemini generateContent.
    Gemini,
    /// Anthropic Messages.
    Anthropic,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Step {
    /// A successful reply with this JSON as its text.
    Json(Value),
    /// A successful reply with this text (for malformed JSON).
    Text(String),
    /// An error status with the provider's error body.
    Status(u16),
}

struct Script {
    keys: Vec<String>,
    models: HashMap<String, VecDeque<Step>>,
}

/// A running fake LLM API.
pub struct FakeLlm {
    /// The HTTP server (its requests are recorded).
    pub server: FakeServer,
    api: Api,
    script: Arc<Mutex<Script>>,
}

impl FakeLlm {
    /// Starts a fake of `api` that accepts [`KEY`].
    pub async fn start(api: Api) -> FakeLlm {
        let script = Arc::new(Mutex::new(Script { keys: vec![KEY.into()], models: HashMap::new() }));
        let router = match api {
            Api::OpenAi => Router::new().route("/v1/chat/completions", post(openai)),
            Api::Gemini => Router::new().route("/v1beta/models/{call}", post(gemini)),
            Api::Anthropic => Router::new().route("/v1/messages", post(anthropic)),
        };
        FakeLlm { server: FakeServer::start(router.with_state(script.clone())).await, api, script }
    }

    /// Also accepts `key` (a user's own).
    pub fn accept_key(&self, key: &str) {
        self.script.lock().expect("script").keys.push(key.into());
    }

    /// Appends `steps` to `model`'s script.
    pub fn script(&self, model: &str, steps: impl IntoIterator<Item = Step>) {
        self.script.lock().expect("script").models.entry(model.into()).or_default().extend(steps);
    }

    /// The base URL to configure.
    pub fn base_url(&self) -> String {
        match self.api {
            Api::Gemini => format!("{}/v1beta", self.server.url()),
            _ => format!("{}/v1", self.server.url()),
        }
    }

    /// The requests that named `model`.
    pub fn calls_for(&self, model: &str) -> Vec<RecordedRequest> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| match self.api {
                Api::Gemini => r.uri.contains(&format!("/models/{model}:")),
                _ => serde_json::from_slice::<Value>(&r.body).is_ok_and(|v| v["model"] == model),
            })
            .collect()
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).expect("status")
}

/// The provider's error reply for `code`.
fn error(api: Api, code: u16, model: &str) -> Response {
    let mut res = match api {
        Api::OpenAi => {
            let (message, kind, c) = match code {
                401 => ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
                404 => (
                    "The model does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found",
                ),
                429 => ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
                400 => ("Invalid request body.", "invalid_request_error", "invalid_value"),
                _ => ("The server had an error while processing your request.", "server_error", "server_error"),
            };
            (status(code), Json(json!({ "error": { "message": message, "type": kind, "param": null, "code": c } })))
                .into_response()
        }
        Api::Gemini => {
            let (message, s) = match code {
                // Gemini answers a bad key with 400, not 401.
                400 => ("API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT"),
                403 => ("Permission denied.", "PERMISSION_DENIED"),
                404 => ("models/model is not found for API version v1beta.", "NOT_FOUND"),
                429 => ("Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"),
                503 => ("The model is overloaded. Please try again later.", "UNAVAILABLE"),
                _ => ("Internal error encountered.", "INTERNAL"),
            };
            let mut body =
                json!({ "error": { "code": code, "message": message.replace("model", model), "status": s } });
            if code == 400 {
                body["error"]["details"] = json!([{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com"
                }]);
            }
            (status(code), Json(body)).into_response()
        }
        Api::Anthropic => {
            let (kind, message) = match code {
                401 => ("authentication_error", "invalid x-api-key"),
                400 => ("invalid_request_error", "anthropic-version: header is required"),
                404 => ("not_found_error", "model: not found"),
                429 => ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
                529 => ("overloaded_error", "Overloaded"),
                _ => ("api_error", "Internal server error"),
            };
            (status(code), Json(json!({ "type": "error", "error": { "type": kind, "message": message } })))
                .into_response()
        }
    };
    if code == 429 {
        res.headers_mut().insert("retry-after", "0".parse().expect("header"));
    }
    res
}

/// The next step for `model`, or `None` if it has no script left.
fn next(script: &Arc<Mutex<Script>>, model: &str) -> Option<Step> {
    script.lock().expect("script").models.get_mut(model).and_then(VecDeque::pop_front)
}

fn reply_text(step: Step) -> Result<String, u16> {
    match step {
        Step::Json(v) => Ok(v.to_string()),
        Step::Text(t) => Ok(t),
        Step::Status(code) => Err(code),
    }
}

fn key_ok(script: &Arc<Mutex<Script>>, key: Option<&str>) -> bool {
    key.is_some_and(|k| script.lock().expect("script").keys.iter().any(|known| known == k))
}

async fn openai(State(script): State<Arc<Mutex<Script>>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let api = Api::OpenAi;
    let key = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !key_ok(&script, key) {
        return error(api, 401, "");
    }
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let well_formed =
        body["messages"].as_array().is_some_and(|m| !m.is_empty() && m.iter().all(|m| m["content"].is_string()));
    if !well_formed {
        return error(api, 400, &model);
    }
    match next(&script, &model).map(reply_text) {
        None => error(api, 404, &model),
        Some(Err(code)) => error(api, code, &model),
        Some(Ok(text)) => Json(json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_763_800_000,
            "model": model,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": USAGE_IN, "completion_tokens": USAGE_OUT, "total_tokens": USAGE_IN + USAGE_OUT }
        }))
        .into_response(),
    }
}

async fn gemini(
    State(script): State<Arc<Mutex<Script>>>,
    Path(call): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let api = Api::Gemini;
    let Some(model) = call.strip_suffix(":generateContent") else { return error(api, 404, &call) };
    if !key_ok(&script, headers.get("x-goog-api-key").and_then(|v| v.to_str().ok())) {
        return error(api, 400, model);
    }
    let well_formed = body["contents"]
        .as_array()
        .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["parts"][0]["text"].is_string()));
    if !well_formed {
        return error(api, 500, model);
    }
    match next(&script, model).map(reply_text) {
        None => error(api, 404, model),
        Some(Err(code)) => error(api, code, model),
        Some(Ok(text)) => Json(json!({
            "candidates": [{
                "content": { "parts": [{ "text": text }], "role": "model" },
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {
                "promptTokenCount": USAGE_IN,
                "candidatesTokenCount": USAGE_OUT,
                "totalTokenCount": USAGE_IN + USAGE_OUT
            },
            "modelVersion": model
        }))
        .into_response(),
    }
}

async fn anthropic(State(script): State<Arc<Mutex<Script>>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let api = Api::Anthropic;
    if !key_ok(&script, headers.get("x-api-key").and_then(|v| v.to_str().ok())) {
        return error(api, 401, "");
    }
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    if headers.get("anthropic-version").is_none() || !body["max_tokens"].is_u64() || !body["messages"].is_array() {
        return error(api, 400, &model);
    }
    match next(&script, &model).map(reply_text) {
        None => error(api, 404, &model),
        Some(Err(code)) => error(api, code, &model),
        Some(Ok(text)) => Json(json!({
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{ "type": "text", "text": text }],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": { "input_tokens": USAGE_IN, "output_tokens": USAGE_OUT }
        }))
        .into_response(),
    }
}
