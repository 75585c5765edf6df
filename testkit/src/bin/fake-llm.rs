//! A fake OpenAI-compatible LLM API (Cloud.ru's shape) for the browser tests, over real HTTP on loopback:
//! `fake-llm <port>`. It accepts any bearer key starting with `sk-e2e-`, refuses others with OpenAI's 401 error
//! body, answers every chat completion with a moment selection that proposes no clip (the local analyzer then
//! picks them), and lists what it received at `GET /__calls` (model and `Authorization` header), so a test can
//! check which key reached the provider. `scripts/test` starts it; nothing else uses it.

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

type Calls = Arc<Mutex<Vec<Value>>>;

async fn chat(State(calls): State<Calls>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    calls.lock().expect("calls").push(json!({ "model": body["model"], "authorization": auth }));
    if !auth.starts_with("Bearer sk-e2e-") {
        let error = json!({ "error": {
            "message": "Incorrect API key provided.", "type": "invalid_request_error",
            "param": null, "code": "invalid_api_key" } });
        return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
    }
    Json(json!({
        "id": "chatcmpl-e2e",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": "{\"clips\": []}" } }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010 }
    }))
    .into_response()
}

async fn list(State(calls): State<Calls>) -> Json<Vec<Value>> {
    Json(calls.lock().expect("calls").clone())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: fake-llm <port>"))?.parse()?;
    let calls: Calls = Arc::default();
    let app = Router::new().route("/v1/chat/completions", post(chat)).route("/__calls", get(list)).with_state(calls);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
