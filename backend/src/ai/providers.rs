//! The three API shapes the router speaks, with retries: OpenAI-compatible chat completions (Cloud.ru, OpenRouter,
//! OpenAI, Ollama, llama.cpp), Google Gemini `generateContent`, and Anthropic Messages. Each call returns the reply's
//! text and the token usage the provider reports.
//!
//! 429, 5xx (Anthropic's 529 included) and dropped connections are retried ([`crate::retry`]); 401/403 (and
//! Gemini's 400 `API_KEY_INVALID`) are [`CallError::Auth`], so the router can fall back to the server's key; any
//! other refusal is final for this call.

use serde_json::{Value, json};

pub use crate::retry::Retry;
use crate::{
    config::{LlmApi, Secret},
    retry::{self, Answer},
};

/// A rough token count for routing before the real count comes back from the provider: about four characters of
/// English or three of Russian per token.
pub fn estimate_tokens(text: &str) -> u64 {
    let chars = text.chars().count() as u64;
    let cyrillic = text.chars().filter(|c| ('\u{0400}'..='\u{04FF}').contains(c)).count() as u64;
    (chars - cyrillic).div_ceil(4) + cyrillic.div_ceil(3)
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Us.
    User,
    /// The model (earlier replies, for a repair request).
    Assistant,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its author.
    pub role: Role,
    /// Its text.
    pub text: String,
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// System instructions.
    pub system: String,
    /// The conversation, starting with the user.
    pub messages: Vec<Message>,
    /// Ask for a JSON object (OpenAI `response_format`, Gemini `responseMimeType`; Anthropic is told in the prompt).
    pub json: bool,
    /// The most tokens the reply may have.
    pub max_tokens: u32,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The reply's text.
    pub text: String,
    /// Prompt tokens as the provider counted them (estimated when it reports none).
    pub tokens_in: u64,
    /// Reply tokens as the provider counted them (estimated when it reports none).
    pub tokens_out: u64,
}

/// Where one call goes.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    /// Provider name, for errors and logs.
    pub provider: &'static str,
    /// Its API shape.
    pub api: LlmApi,
    /// Base URL without a trailing slash.
    pub base_url: &'a str,
    /// Model id.
    pub model: &'a str,
    /// The key (a local server may need none).
    pub key: Option<&'a Secret>,
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The key was refused.
    #[error("{provider} refused the API key (HTTP {status})")]
    Auth {
        /// Provider.
        provider: &'static str,
        /// HTTP status.
        status: u16,
    },
    /// The request was refused for another reason (unknown model, bad request, content blocked).
    #[error("{provider} refused the request (HTTP {status}): {message}")]
    Refused {
        /// Provider.
        provider: &'static str,
        /// HTTP status.
        status: u16,
        /// The provider's message.
        message: String,
    },
    /// Still busy or unreachable after every attempt.
    #[error("{provider} is unavailable: {detail}")]
    Unavailable {
        /// Provider.
        provider: &'static str,
        /// The last failure.
        detail: String,
    },
    /// The HTTP reply was not the provider's documented shape.
    #[error("{provider} sent a reply in an unknown shape: {detail}")]
    Malformed {
        /// Provider.
        provider: &'static str,
        /// What was wrong.
        detail: String,
    },
}

fn role(r: Role, api: LlmApi) -> &'static str {
    match (r, api) {
        (Role::User, _) => "user",
        (Role::Assistant, LlmApi::Gemini) => "model",
        (Role::Assistant, _) => "assistant",
    }
}

/// The request URL and JSON body for `prompt` at `to`.
pub fn request(to: &Endpoint<'_>, prompt: &Prompt) -> (String, Value) {
    match to.api {
        LlmApi::OpenAi => {
            let mut messages = vec![json!({ "role": "system", "content": prompt.system })];
            messages.extend(prompt.messages.iter().map(|m| json!({ "role": role(m.role, to.api), "content": m.text })));
            let mut body = json!({
                "model": to.model,
                "messages": messages,
                "temperature": 0.2,
                "max_tokens": prompt.max_tokens,
            });
            if prompt.json {
                body["response_format"] = json!({ "type": "json_object" });
            }
            (format!("{}/chat/completions", to.base_url), body)
        }
        LlmApi::Gemini => {
            let contents: Vec<Value> = prompt
                .messages
                .iter()
                .map(|m| json!({ "role": role(m.role, to.api), "parts": [{ "text": m.text }] }))
                .collect();
            let mut config = json!({ "temperature": 0.2, "maxOutputTokens": prompt.max_tokens });
            if prompt.json {
                config["responseMimeType"] = json!("application/json");
            }
            let body = json!({
                "systemInstruction": { "parts": [{ "text": prompt.system }] },
                "contents": contents,
                "generationConfig": config,
            });
            (format!("{}/models/{}:generateContent", to.base_url, to.model), body)
        }
        LlmApi::Anthropic => {
            let messages: Vec<Value> =
                prompt.messages.iter().map(|m| json!({ "role": role(m.role, to.api), "content": m.text })).collect();
            let body = json!({
                "model": to.model,
                "max_tokens": prompt.max_tokens,
                "system": prompt.system,
                "messages": messages,
                "temperature": 0.2,
            });
            (format!("{}/messages", to.base_url), body)
        }
    }
}

/// Reads the text and usage out of a successful reply body.
pub fn parse_reply(to: &Endpoint<'_>, prompt: &Prompt, body: &[u8]) -> Result<Reply, CallError> {
    let malformed = |detail: String| CallError::Malformed { provider: to.provider, detail };
    let v: Value = serde_json::from_slice(body).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let count = |v: &Value| v.as_u64();
    let (text, tokens_in, tokens_out) = match to.api {
        LlmApi::OpenAi => {
            let choice = v["choices"].get(0).ok_or_else(|| malformed("no choices".into()))?;
            let text = choice["message"]["content"]
                .as_str()
                .ok_or_else(|| malformed("the first choice has no message content".into()))?;
            (text.to_owned(), count(&v["usage"]["prompt_tokens"]), count(&v["usage"]["completion_tokens"]))
        }
        LlmApi::Gemini => {
            let Some(candidate) = v["candidates"].get(0) else {
                if let Some(reason) = v["promptFeedback"]["blockReason"].as_str() {
                    return Err(CallError::Refused {
                        provider: to.provider,
                        status: 200,
                        message: format!("the prompt was blocked ({reason})"),
                    });
                }
                return Err(malformed("no candidates".into()));
            };
            let parts = candidate["content"]["parts"]
                .as_array()
                .ok_or_else(|| malformed(format!("no content parts (finishReason {})", candidate["finishReason"])))?;
            let text: String = parts.iter().filter_map(|p| p["text"].as_str()).collect();
            let usage = &v["usageMetadata"];
            (text, count(&usage["promptTokenCount"]), count(&usage["candidatesTokenCount"]))
        }
        LlmApi::Anthropic => {
            let blocks = v["content"].as_array().ok_or_else(|| malformed("no content blocks".into()))?;
            let text: String =
                blocks.iter().filter(|b| b["type"] == "text").filter_map(|b| b["text"].as_str()).collect();
            (text, count(&v["usage"]["input_tokens"]), count(&v["usage"]["output_tokens"]))
        }
    };
    let sent: String = std::iter::once(prompt.system.as_str())
        .chain(prompt.messages.iter().map(|m| m.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Reply {
        tokens_in: tokens_in.unwrap_or_else(|| estimate_tokens(&sent)),
        tokens_out: tokens_out.unwrap_or_else(|| estimate_tokens(&text)),
        text,
    })
}

/// Whether a refusal is about the key: 401/403 everywhere, and Gemini's 400 with reason `API_KEY_INVALID`.
pub fn is_auth(status: u16, body: &[u8]) -> bool {
    status == 401 || status == 403 || (status == 400 && String::from_utf8_lossy(body).contains("API_KEY_INVALID"))
}

/// The request for `body` at `url` with `to`'s key in the header its API expects.
pub fn send(client: &reqwest::Client, to: &Endpoint<'_>, url: &str, body: &Value) -> reqwest::RequestBuilder {
    let req = client.post(url).json(body);
    match (to.api, to.key) {
        (LlmApi::OpenAi, Some(key)) => req.bearer_auth(&key.0),
        (LlmApi::OpenAi, None) => req,
        (LlmApi::Gemini, key) => req.header("x-goog-api-key", key.map_or("", |k| k.0.as_str())),
        (LlmApi::Anthropic, key) => {
            req.header("x-api-key", key.map_or("", |k| k.0.as_str())).header("anthropic-version", "2023-06-01")
        }
    }
}

/// Sends `prompt` to `to`, retrying 429, 5xx and network errors as `policy` says.
pub async fn call(
    client: &reqwest::Client,
    to: &Endpoint<'_>,
    prompt: &Prompt,
    policy: Retry,
) -> Result<Reply, CallError> {
    let (url, body) = request(to, prompt);
    match retry::send(to.provider, policy, || send(client, to, &url, &body).send()).await {
        Answer::Success(bytes) => parse_reply(to, prompt, &bytes),
        Answer::Refused { status, body } if is_auth(status, &body) => {
            Err(CallError::Auth { provider: to.provider, status })
        }
        Answer::Refused { status, body } => {
            Err(CallError::Refused { provider: to.provider, status, message: retry::error_message(&body) })
        }
        Answer::Unavailable(detail) => Err(CallError::Unavailable { provider: to.provider, detail }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt() -> Prompt {
        Prompt {
            system: "sys".into(),
            messages: vec![
                Message { role: Role::User, text: "hi".into() },
                Message { role: Role::Assistant, text: "{bad".into() },
                Message { role: Role::User, text: "fix it".into() },
            ],
            json: true,
            max_tokens: 100,
        }
    }

    fn at(api: LlmApi) -> Endpoint<'static> {
        Endpoint { provider: "p", api, base_url: "http://h/v1", model: "m-1", key: None }
    }

    #[test]
    fn each_api_gets_its_documented_request_shape() {
        let (url, body) = request(&at(LlmApi::OpenAi), &prompt());
        assert_eq!(url, "http://h/v1/chat/completions");
        assert_eq!(body["messages"][0], json!({ "role": "system", "content": "sys" }));
        assert_eq!(body["messages"][2]["role"], "assistant");
        assert_eq!(body["response_format"]["type"], "json_object");

        let (url, body) = request(&at(LlmApi::Gemini), &prompt());
        assert_eq!(url, "http://h/v1/models/m-1:generateContent");
        assert_eq!(body["systemInstruction"]["parts"][0]["text"], "sys");
        assert_eq!(body["contents"][1]["role"], "model");
        assert_eq!(body["generationConfig"]["responseMimeType"], "application/json");

        let (url, body) = request(&at(LlmApi::Anthropic), &prompt());
        assert_eq!(url, "http://h/v1/messages");
        assert_eq!(body["system"], "sys");
        assert_eq!(body["max_tokens"], 100);
        assert_eq!(body["messages"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn replies_and_usage_are_read_from_each_shape() {
        let openai = br#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",
            "content":"{}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#;
        let r = parse_reply(&at(LlmApi::OpenAi), &prompt(), openai).unwrap();
        assert_eq!((r.text.as_str(), r.tokens_in, r.tokens_out), ("{}", 12, 3));

        let gemini = br#"{"candidates":[{"content":{"parts":[{"text":"{\"a\""},{"text":":1}"}],"role":"model"},
            "finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":7,"totalTokenCount":47}}"#;
        let r = parse_reply(&at(LlmApi::Gemini), &prompt(), gemini).unwrap();
        assert_eq!((r.text.as_str(), r.tokens_in, r.tokens_out), (r#"{"a":1}"#, 40, 7));

        let anthropic = br#"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"ok"}],
            "stop_reason":"end_turn","usage":{"input_tokens":9,"output_tokens":2}}"#;
        let r = parse_reply(&at(LlmApi::Anthropic), &prompt(), anthropic).unwrap();
        assert_eq!((r.text.as_str(), r.tokens_in, r.tokens_out), ("ok", 9, 2));

        // No usage reported (some local servers): estimated rather than zero.
        let bare = br#"{"choices":[{"message":{"content":"abcdefgh"}}]}"#;
        let r = parse_reply(&at(LlmApi::OpenAi), &prompt(), bare).unwrap();
        assert_eq!(r.tokens_out, 2);
        assert!(r.tokens_in > 0);
    }

    #[test]
    fn unknown_shapes_and_blocked_prompts_are_errors() {
        assert!(matches!(
            parse_reply(&at(LlmApi::OpenAi), &prompt(), b"<html>502</html>"),
            Err(CallError::Malformed { .. })
        ));
        assert!(matches!(
            parse_reply(&at(LlmApi::Anthropic), &prompt(), br#"{"type":"message"}"#),
            Err(CallError::Malformed { .. })
        ));
        let blocked = br#"{"promptFeedback":{"blockReason":"SAFETY"}}"#;
        assert!(matches!(
            parse_reply(&at(LlmApi::Gemini), &prompt(), blocked),
            Err(CallError::Refused { message, .. }) if message.contains("SAFETY")
        ));
        assert!(is_auth(400, br#"{"error":{"details":[{"reason":"API_KEY_INVALID"}]}}"#));
        assert!(!is_auth(400, br#"{"error":{"message":"bad"}}"#));
    }
}
