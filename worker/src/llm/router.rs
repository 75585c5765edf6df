//! The router: sends a task's prompt to its tier's model for the owner's strategy with the right key, and records
//! every call's usage and cost.
//!
//! Keys, in the seed's order (§9): the user's own key for the model's provider; else the user's OpenRouter key (the
//! model's OpenRouter id); else the server's key for the provider (or, lacking that, the server's OpenRouter key).
//! A user's key refused with 401/403 falls back to the server's key, and the usage record says so.

use backend::{
    ai::UserKeys,
    config::{LlmApi, LlmConfig, LlmModel, Secret},
};

use super::{
    Tier, cost_kopecks,
    providers::{self, CallError, Endpoint, Prompt, Reply, Retry},
};

/// Whose key paid for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Ours: the call is charged at the model's rates.
    Server,
    /// The user's own: cost 0.
    User,
    /// The user's key was refused (401/403) and ours was used.
    ServerAfterUserRefused,
    /// The user sent keys for the job, but they had expired or did not open, and ours was used.
    ServerHandoffLost,
}

impl KeySource {
    /// As stored in `usage_records.key_source`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Server => "server",
            KeySource::User => "user",
            KeySource::ServerAfterUserRefused => "server_after_user_refused",
            KeySource::ServerHandoffLost => "server_handoff_lost",
        }
    }
}

/// One call that reached a provider and came back, as usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The prompt's id and version (`moments.v1`, `titles.v1`).
    pub task: &'static str,
    /// The tier.
    pub tier: Tier,
    /// The provider that answered.
    pub provider: &'static str,
    /// The model id it was asked for.
    pub model: String,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Reply tokens.
    pub tokens_out: u64,
    /// What it cost us, in kopecks.
    pub cost_kopecks: i64,
    /// Whose key paid.
    pub key_source: KeySource,
}

/// One way to reach a model: endpoint, key and whose key it is.
#[derive(Debug, Clone)]
struct Route {
    provider: &'static str,
    api: LlmApi,
    base_url: String,
    model: String,
    key: Option<Secret>,
    users: bool,
}

/// Why a tier gave no reply.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RouteError {
    /// No key (user's or server's) reaches the tier's model.
    #[error("no API key reaches {model} ({provider}); add a key or use the local analyzer")]
    NoKey {
        /// Provider.
        provider: &'static str,
        /// Model.
        model: String,
    },
    /// The provider failed.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// The `kind` label of `clipmaker_llm_provider_errors_total` for a failed call.
pub fn error_kind(e: &CallError) -> &'static str {
    match e {
        CallError::Auth { .. } => "auth",
        CallError::Refused { .. } => "refused",
        CallError::Unavailable { .. } => "unavailable",
        CallError::Malformed { .. } => "malformed",
    }
}

/// Routes calls for one job.
pub struct Router<'a> {
    config: &'a LlmConfig,
    keys: &'a UserKeys,
    strategy: &'a str,
    client: reqwest::Client,
}

impl<'a> Router<'a> {
    /// A router for a job of a user with `strategy` (`ru` or `global`) and their `keys`.
    pub fn new(config: &'a LlmConfig, keys: &'a UserKeys, strategy: &'a str) -> anyhow::Result<Router<'a>> {
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(config.timeout)
            .build()?;
        Ok(Router { config, keys, strategy, client })
    }

    /// The settings it routes with.
    pub fn config(&self) -> &'a LlmConfig {
        self.config
    }

    /// The model of `tier` for this strategy.
    pub fn model(&self, tier: Tier) -> &'a LlmModel {
        &self.config.models(self.strategy)[tier as usize]
    }

    /// The ways to reach `tier`'s model, in the order they are tried.
    fn routes(&self, tier: Tier) -> Vec<Route> {
        let m = self.model(tier);
        let Some(native) = self.config.provider(m.provider) else { return Vec::new() };
        let router = self.config.provider("openrouter");
        let mut routes = Vec::new();
        let mut add = |p: &backend::config::LlmProvider, model: &str, key: Option<&Secret>, users: bool| {
            if let Some(base) = &p.base_url
                && (key.is_some() || p.keyless)
            {
                routes.push(Route {
                    provider: p.name,
                    api: p.api,
                    base_url: base.clone(),
                    model: model.to_owned(),
                    key: key.cloned(),
                    users,
                });
            }
        };
        // 1. The user's own key for the provider; 2. their OpenRouter key.
        if let Some(key) = self.keys.own(native.name) {
            add(native, &m.model, Some(&key), true);
        } else if let (Some(r), Some(id)) = (router, &m.openrouter)
            && let Some(key) = self.keys.own("openrouter")
        {
            add(r, id, Some(&key), true);
        }
        // 3. The server's key for the provider, or its OpenRouter key.
        if native.key.is_some() || native.keyless {
            add(native, &m.model, native.key.as_ref(), false);
        } else if let (Some(r), Some(id)) = (router, &m.openrouter) {
            add(r, id, r.key.as_ref(), false);
        }
        routes
    }

    /// Whether any key reaches `tier`'s model.
    pub fn available(&self, tier: Tier) -> bool {
        !self.routes(tier).is_empty()
    }

    /// Sends `prompt` for `task` to `tier`'s model and appends the call to `calls`. A provider failure (after the
    /// provider's retries) is counted in `clipmaker_llm_provider_errors_total`, except a refusal of the user's own key.
    pub async fn complete(
        &self,
        task: &'static str,
        tier: Tier,
        prompt: &Prompt,
        calls: &mut Vec<Call>,
    ) -> Result<Reply, RouteError> {
        let model = self.model(tier);
        let routes = self.routes(tier);
        if routes.is_empty() {
            return Err(RouteError::NoKey { provider: model.provider, model: model.model.clone() });
        }
        let retry = Retry { attempts: self.config.attempts, backoff: self.config.backoff };
        let mut refused_users_key = false;
        let mut last = None;
        for route in &routes {
            if refused_users_key && route.users {
                continue;
            }
            let to = Endpoint {
                provider: route.provider,
                api: route.api,
                base_url: &route.base_url,
                model: &route.model,
                key: route.key.as_ref(),
            };
            match providers::call(&self.client, &to, prompt, retry).await {
                Ok(reply) => {
                    let key_source = match (route.users, refused_users_key, self.keys.lost) {
                        (true, _, _) => KeySource::User,
                        (false, true, _) => KeySource::ServerAfterUserRefused,
                        (false, false, true) => KeySource::ServerHandoffLost,
                        (false, false, false) => KeySource::Server,
                    };
                    calls.push(Call {
                        task,
                        tier,
                        provider: route.provider,
                        model: route.model.clone(),
                        tokens_in: reply.tokens_in,
                        tokens_out: reply.tokens_out,
                        cost_kopecks: cost_kopecks(reply.tokens_in, reply.tokens_out, model.rates, route.users),
                        key_source,
                    });
                    return Ok(reply);
                }
                // A user's own key refused is the user's matter, not a provider failure: it is not counted.
                Err(CallError::Auth { provider, status }) if route.users => {
                    tracing::warn!(provider, status, "the user's own key was refused; using the server's key");
                    refused_users_key = true;
                    last = Some(CallError::Auth { provider, status });
                }
                Err(e) => {
                    backend::metrics::ops().llm_error(route.provider, error_kind(&e));
                    return Err(e.into());
                }
            }
        }
        Err(last
            .map(RouteError::from)
            .unwrap_or(RouteError::NoKey { provider: model.provider, model: model.model.clone() }))
    }
}
