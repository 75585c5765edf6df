//! Keys for AI providers (speech-to-text and the LLM router) as one job sees them.
//!
//! A user's own keys live encrypted in their browser's vault and reach a job sealed ([`crate::handoff`]). They
//! arrive here, in [`UserKeys`], the one place a per-job key is injected: a user's key wins over the server's for the
//! same provider. Keys are [`Secret`]s: never logged, never stored in plaintext, wiped when dropped.

pub mod providers;

use domain::keys::KeyCheck;

use crate::{
    config::{LlmConfig, Secret},
    handoff::SealedKeys,
};

/// The user's own provider keys for one job. Empty means "use the server's keys".
///
/// Keys from the vault stay sealed in [`UserKeys::sealed`] and are opened for each lookup, so a plaintext key lives
/// only as long as the [`Secret`] a lookup returns (one provider call). The plain fields serve the command line and
/// tests.
#[derive(Debug, Clone, Default)]
pub struct UserKeys {
    /// The keys the browser sealed for this job.
    pub sealed: Option<SealedKeys>,
    /// The user sent keys for this job but they expired or did not open: calls use the server's keys and say so.
    pub lost: bool,
    /// Cloud.ru Foundation Models.
    pub cloudru: Option<Secret>,
    /// OpenAI.
    pub openai: Option<Secret>,
    /// Google (Gemini).
    pub google: Option<Secret>,
    /// Anthropic (Claude).
    pub anthropic: Option<Secret>,
    /// OpenRouter: reaches any model when the user has no key of that model's own provider.
    pub openrouter: Option<Secret>,
}

impl UserKeys {
    /// The user's own key for `provider` (`cloudru`, `openai`, `google`, `anthropic`, `openrouter`), opened from
    /// the sealed hand-off when there is one.
    pub fn own(&self, provider: &str) -> Option<Secret> {
        let plain = match provider {
            "cloudru" => self.cloudru.as_ref(),
            "openai" => self.openai.as_ref(),
            "google" => self.google.as_ref(),
            "anthropic" => self.anthropic.as_ref(),
            "openrouter" => self.openrouter.as_ref(),
            _ => None,
        };
        plain.cloned().or_else(|| self.sealed.as_ref()?.key(provider))
    }

    /// The key for `provider`: the user's own, else `server`'s.
    pub fn pick(&self, provider: &str, server: Option<&Secret>) -> Option<Secret> {
        self.own(provider).or_else(|| server.cloned())
    }
}

/// The budget of key tests: 10 a minute per user (each is a call to a paid API).
pub fn test_limit() -> crate::ratelimit::Limit {
    crate::ratelimit::Limit::per_minute("key-test", 10)
}

/// The model a key test asks for one token of: the cheapest tier that uses `provider` (RU tiers first), for
/// OpenRouter the cheapest with an OpenRouter id, else the provider's cheapest general model.
fn probe_model(config: &LlmConfig, provider: &str) -> String {
    let tiers = config.ru.iter().chain(config.global.iter());
    let found = if provider == "openrouter" {
        tiers.filter_map(|m| m.openrouter.clone()).next()
    } else {
        tiers.filter(|m| m.provider == provider).map(|m| m.model.clone()).next()
    };
    found.unwrap_or_else(|| {
        match provider {
            "openai" => "gpt-4o-mini",
            "anthropic" => "claude-haiku-4-5",
            "google" => "gemini-2.0-flash-lite",
            "openrouter" => "openrouter/auto",
            _ => "ai-sage/GigaChat3-10B-A1.8B",
        }
        .to_owned()
    })
}

/// Whether an error body says the balance or quota is used up (OpenAI `insufficient_quota`, Gemini
/// `RESOURCE_EXHAUSTED` with a quota message, Anthropic's "credit balance is too low", OpenRouter's credits).
fn says_out_of_quota(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    ["insufficient_quota", "quota", "credit", "balance", "billing"].iter().any(|w| text.contains(w))
}

/// Tests `key` for `provider` with one minimal call (a one-token reply, no retries) and classifies the answer.
/// The key is used for this call only.
pub async fn probe(config: &LlmConfig, provider: &str, key: &Secret) -> KeyCheck {
    let Some(p) = config.provider(provider).filter(|p| p.name != "local") else { return KeyCheck::Unavailable };
    let Some(base_url) = p.base_url.as_deref() else { return KeyCheck::Unavailable };
    let model = probe_model(config, provider);
    let to = providers::Endpoint { provider: p.name, api: p.api, base_url, model: &model, key: Some(key) };
    let prompt = providers::Prompt {
        system: "Reply with one word.".into(),
        messages: vec![providers::Message { role: providers::Role::User, text: "ping".into() }],
        json: false,
        max_tokens: 1,
    };
    let Ok(client) = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build() else {
        return KeyCheck::Unavailable;
    };
    let (url, body) = providers::request(&to, &prompt);
    let policy = crate::retry::Retry { attempts: 1, backoff: std::time::Duration::ZERO };
    let answer = crate::retry::send(p.name, policy, || providers::send(&client, &to, &url, &body).send()).await;
    let check = match answer {
        crate::retry::Answer::Success(_) => KeyCheck::Valid,
        crate::retry::Answer::Refused { status, body } if providers::is_auth(status, &body) => {
            if says_out_of_quota(&body) { KeyCheck::OutOfQuota } else { KeyCheck::Refused }
        }
        crate::retry::Answer::Refused { status: 402, .. } => KeyCheck::OutOfQuota,
        crate::retry::Answer::Refused { body, .. } if says_out_of_quota(&body) => KeyCheck::OutOfQuota,
        // A one-token request the model refuses for another reason (unknown model, say) still got past the key.
        crate::retry::Answer::Refused { status: 400 | 404 | 422, .. } => KeyCheck::Valid,
        crate::retry::Answer::Refused { .. } => KeyCheck::Unavailable,
        crate::retry::Answer::Unavailable(detail) if detail.contains("HTTP 429") => {
            // Rate limited: the key got through, unless the provider says the quota is gone.
            if ["quota", "credit", "balance"].iter().any(|w| detail.to_ascii_lowercase().contains(w)) {
                KeyCheck::OutOfQuota
            } else {
                KeyCheck::Valid
            }
        }
        crate::retry::Answer::Unavailable(_) => KeyCheck::Unavailable,
    };
    tracing::info!(provider = p.name, result = ?check, "key tested");
    check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_key_wins_over_the_servers() {
        let server = Secret("server".into());
        let keys = UserKeys {
            openai: Some(Secret("mine".into())),
            openrouter: Some(Secret("router".into())),
            ..Default::default()
        };
        assert_eq!(keys.pick("openai", Some(&server)), Some(Secret("mine".into())));
        assert_eq!(keys.pick("cloudru", Some(&server)), Some(server.clone()));
        assert_eq!(keys.pick("cloudru", None), None);
        assert_eq!(keys.own("openrouter"), Some(Secret("router".into())));
        assert_eq!(keys.own("local"), None);
        assert!(!format!("{keys:?}").contains("mine"), "keys are redacted in Debug output");
    }
}
