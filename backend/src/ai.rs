//! Keys for AI providers (speech-to-text and the LLM router) as one job sees them.
//!
//! A user's own keys live encrypted in their browser's vault; the vault issue delivers them to a job. They arrive
//! here, in [`UserKeys`], the one place a per-job key is injected: a user's key wins over the server's for the same
//! provider. Keys are [`Secret`]s: never logged, never stored in plaintext.

use crate::config::Secret;

/// The user's own provider keys for one job. Empty means "use the server's keys".
#[derive(Debug, Clone, Default)]
pub struct UserKeys {
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
    /// The user's own key for `provider` (`cloudru`, `openai`, `google`, `anthropic`, `openrouter`).
    pub fn own(&self, provider: &str) -> Option<&Secret> {
        match provider {
            "cloudru" => self.cloudru.as_ref(),
            "openai" => self.openai.as_ref(),
            "google" => self.google.as_ref(),
            "anthropic" => self.anthropic.as_ref(),
            "openrouter" => self.openrouter.as_ref(),
            _ => None,
        }
    }

    /// The key for `provider`: the user's own, else `server`'s.
    pub fn pick(&self, provider: &str, server: Option<&Secret>) -> Option<Secret> {
        self.own(provider).or(server).cloned()
    }
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
        assert_eq!(keys.own("openrouter"), Some(&Secret("router".into())));
        assert_eq!(keys.own("local"), None);
        assert!(!format!("{keys:?}").contains("mine"), "keys are redacted in Debug output");
    }
}
