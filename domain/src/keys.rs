//! Creators' own AI keys as the app shows them (issue 19): which providers a vault holds keys for, what testing a key
//! found, and which key paid for a video's transcription and analysis.

use serde::{Deserialize, Serialize};

/// The providers a vault keeps keys for: (id, display name). The id is what usage records and the hand-off use.
pub const PROVIDERS: [(&str, &str); 5] = [
    ("cloudru", "Cloud.ru"),
    ("openai", "OpenAI"),
    ("google", "Gemini"),
    ("anthropic", "Anthropic"),
    ("openrouter", "OpenRouter"),
];

/// The display name of provider `id` (`?` for an unknown one).
pub fn provider_name(id: &str) -> &'static str {
    PROVIDERS.iter().find(|(p, _)| *p == id).map_or("?", |(_, n)| *n)
}

/// What one minimal call with a key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyCheck {
    /// The provider answered.
    Valid,
    /// The provider refused the key (401/403, or Gemini's `API_KEY_INVALID`).
    Refused,
    /// The key is accepted but its balance or quota is used up (402, or 429 saying so).
    OutOfQuota,
    /// The provider could not be reached or answered something else; nothing is known about the key.
    Unavailable,
}

/// Whose key paid for a stage, as `usage_records.key_source` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyPaid {
    /// No key: the local model ran on our machine.
    Local,
    /// The server's key.
    Server,
    /// The creator's own key from their vault.
    User,
    /// The creator's key was refused by the provider and the server's was used.
    ServerAfterUserRefused,
    /// The creator sent keys, but they had expired or did not open, and the server's was used.
    ServerHandoffLost,
}

impl KeyPaid {
    /// From `usage_records.key_source` (`None`: the local engine).
    pub fn from_record(source: Option<&str>) -> KeyPaid {
        match source {
            None => KeyPaid::Local,
            Some("user") => KeyPaid::User,
            Some("server_after_user_refused") => KeyPaid::ServerAfterUserRefused,
            Some("server_handoff_lost") => KeyPaid::ServerHandoffLost,
            Some(_) => KeyPaid::Server,
        }
    }
}

/// A video's transcription as paid for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SttCost {
    /// `provider/model` or the local model's name.
    pub model: String,
    /// Minutes counted against the plan.
    pub minutes: i32,
    /// Whose key paid.
    pub key: KeyPaid,
}

/// A video's LLM analysis as paid for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmCost {
    /// Calls made.
    pub calls: u32,
    /// Prompt and reply tokens together.
    pub tokens: u64,
    /// What the calls cost on the server's keys, kopecks (0 for calls the creator's key paid).
    pub cost_kopecks: i64,
    /// Whose keys paid, each once, in the order first used.
    pub keys: Vec<KeyPaid>,
}

/// What a video's processing used; both `None` before it was transcribed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoCosts {
    /// Transcription.
    pub stt: Option<SttCost>,
    /// Analysis by an LLM (`None`: the local analyzer chose the clips, or analysis has not run).
    pub llm: Option<LlmCost>,
}
